#!/usr/bin/env python3
"""Writes Sources/TokenWatt/Resources/roofline-power.json (data set `published-roofline`) from the
measurement logs of te42kyfo/gpu-benches' gpu-roofline benchmark (commit e4e93a3, 2024-03-25):
one kernel that reads FP32 pairs from two DRAM-sized arrays and runs N dependent FMAs on each,
printed per GPU as "dev blocks N its F Fl/B B GB/s G GF/s C Mhz P W T°C". Only the figures are
taken (the benchmark's code is GPL-3.0 and is not copied). Where a log holds a node's 8 GPUs, each
column is the median over them; a subset of N spans each GPU's roofline.

usage: scripts/gpu-benches-roofline.py GPU_BENCHES_GIT_DIR
"""
import json, re, statistics, subprocess, sys

COMMIT = "e4e93a3"
LOGS = {  # catalog GPU id -> (log, what it is)
    "a100-sxm-40gb": ("gpu-roofline/alex_a100_40.txt", "the 8 A100-SXM4-40GB of a node of NHR@FAU's Alex cluster, median over the 8 GPUs"),
    "a40": ("gpu-roofline/alex_a40.txt", "the 8 A40 of a node of NHR@FAU's Alex cluster, median over the 8 GPUs"),
    "h200": ("gpu-roofline/h200.txt", "one H200 (1,056 blocks = 132 SMs x 8; readings up to 675 W, so the 700 W SXM part)"),
}
ITERATIONS = [0, 1, 2, 4, 8, 16, 24, 32, 40, 48, 56, 64, 72, 80, 96, 128, 160, 200, 256, 320, 400, 512]
LINE = re.compile(r"^(\d+)\s+(\d+) blocks\s+(\d+) its\s+([\d.]+) Fl/B\s+(\d+) GB/s\s+(\d+) GF/s\s+(\d+) Mhz\s+(\d+) W")
DESCRIPTION = (
    "Published power of one streaming kernel at rising arithmetic intensity (te42kyfo/gpu-benches, gpu-roofline, GPL-3.0 code; "
    "the figures are measurements): every thread reads pairs (a, b) of FP32 values from two arrays far larger than the L2 and "
    "runs a dependent chain of `iterations` FMAs on each (v = v*a - b), (2 + 2 x iterations) FLOPs per 8 bytes read, launched "
    "1,000 times back to back at the GPU's stock clocks and power limit. Power is the largest of 21 NVML readings taken 100 ms "
    "apart during the loop, the clock their median; bandwidth and FLOP rate are over the whole loop. Checked against the kernel "
    "timer and power model (tokenwatt validate, data set published-roofline): the memory-bound points are the regime of LLM "
    "decode, the compute-bound ones exercise the CUDA-core FP32 energy that LLM serving hardly uses. Written by "
    "scripts/gpu-benches-roofline.py.")


def runs(git_dir, path):
    """The log's readings grouped by iteration count."""
    text = subprocess.check_output(["git", "--git-dir", git_dir, "show", f"{COMMIT}:{path}"]).decode()
    by = {}
    for line in text.splitlines():
        m = LINE.match(line.strip())
        if m:
            _, _, its, _, gbs, gfs, mhz, watts = m.groups()
            by.setdefault(int(its), []).append(tuple(float(x) for x in (gbs, gfs, mhz, watts)))
    return by


def main(git_dir):
    points = []
    for gpu, (path, what) in LOGS.items():
        by = runs(git_dir, path)
        for n in ITERATIONS:
            if n not in by:
                continue
            med = [statistics.median(r[i] for r in by[n]) for i in range(4)]
            points.append({"gpu": gpu, "iterations": n, "gbPerSecond": med[0], "gflopsPerSecond": med[1], "clockMHz": med[2],
                           "watts": med[3], "source": f"te42kyfo/gpu-benches @ {COMMIT} (2024-03-25), {path}: {what}"})
    doc = {"schemaVersion": 1, "description": DESCRIPTION, "points": points}
    print(json.dumps(doc, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
