#!/usr/bin/env python3
"""Reads the B200 runs that the ML.ENERGY Leaderboard v3.0 post plots (J. Chung, "Reading the
ML.ENERGY Leaderboard v3.0", ml.energy blog, 2026-01-13) out of its matplotlib SVG figures, and
prints them as `published-serving` points for Sources/TokenWatt/Resources/serving-energy.json.

The v3 export in ../shared/data holds H100 runs only; these figures are the post's published B200
runs. A matplotlib SVG keeps each marker's exact position, so a value is read by mapping the
marker through the axis' labelled major ticks (linear, or logarithmic when the labels are 10^n).
The same reading of the figures' H100 panels gives back the export's values to 0.1 % (printed to
stderr as a check). Which run each series is comes from the post's analysis script
(analysis/ml-energy-leaderboard-v3.0.py in the same repository). Output lengths are not in the
figures: each point takes the mean output length of the same model's H100 runs of the same task
in the export (the model and prompts are the same; only the GPU differs).

usage: scripts/mlenergy-v3-figures.py BLOG_GIT_DIR [DATA_DIR]   (git dir of ml-energy/blog)
"""
import csv, json, math, re, subprocess, sys

FIGURES = "docs/posts/assets/ml-energy-leaderboard-v3.0/"
POST = 'J. Chung, "Reading the ML.ENERGY Leaderboard v3.0", ml.energy blog, 2026-01-13'
PROMPT = {"lm-arena-chat": 224, "gpqa": 634, "sourcegraph-fim": 2500}  # as MLEnergyRun.promptTokens
REQUESTS = {"lm-arena-chat": 1024, "gpqa": 198, "sourcegraph-fim": 1024}  # for the source text; the tool reads MLEnergyRun.distinctPrompts
TASK_NAME = {"lm-arena-chat": "text conversation", "gpqa": "problem solving", "sourcegraph-fim": "code completion"}


def axes_of(svg):
    """Each axes as ((x map, y map), series, labels): a series is its markers as (x, y, svg x,
    svg y) in data and SVG units, a label is an integer text as (text, svg x, svg y)."""
    out = []
    for ax in re.split(r'\n  <g id="axes_\d+">', svg)[1:]:
        maps = [tick_map(ax, k) for k in "xy"]
        series = []
        for m in re.finditer(r'\n   <g id="line2d_\d+">(.*?)\n   </g>', ax, re.S):
            pts = re.findall(r'<use xlink:href="#m[0-9a-f]+" x="([-\d.]+)" y="([-\d.]+)" style="fill', m.group(1))
            if pts:
                series.append([(maps[0](float(x)), maps[1](float(y)), float(x), float(y)) for x, y in pts])
        notes = [(l, float(x), float(y)) for l, x, y in re.findall(
            r'<g id="text_\d+">\s*<!-- (\d+) -->\s*<g (?:style="[^"]*" )?transform="translate\(([-\d.]+) ([-\d.]+)\)', ax)]
        out.append((maps, series, notes))
    return out


def tick_map(ax, kind):
    ticks = []
    for m in re.finditer(r'<g id="%stick_\d+">(.*?)\n    </g>\n' % kind, ax, re.S):
        label = re.search(r"<!-- (.*?) -->", m.group(1))
        use = re.search(r'<use xlink:href="#[^"]+" x="([-\d.]+)" y="([-\d.]+)"', m.group(1))
        if not (label and use):
            continue
        power = re.search(r"10\^\{([-\d]+)\}", label.group(1))
        try:
            value = 10.0 ** int(power.group(1)) if power else float(label.group(1))
        except ValueError:
            continue
        ticks.append((float(use.group(1 if kind == "x" else 2)), value, power is not None))
    (p0, v0, log), (p1, v1, _) = ticks[0], ticks[-1]
    f = math.log10 if log else (lambda v: v)
    a, b = f(v0), f(v1)
    return lambda p: (10 ** (a + (p - p0) * (b - a) / (p1 - p0))) if log else a + (p - p0) * (b - a) / (p1 - p0)


def main():
    git, data = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "../shared/data"
    commit = subprocess.check_output(["git", "--git-dir", git, "rev-parse", "HEAD"], text=True).strip()
    svg = lambda name: subprocess.check_output(["git", "--git-dir", git, "show", f"HEAD:{FIGURES}{name}-light.svg"], text=True)
    runs = list(csv.DictReader(open(data + "/mlenergy-benchmark-v3/llm_runs.csv")))

    def mean_output(nickname, task):
        v = [float(r["avg_output_len"]) for r in runs if r["nickname"] == nickname and r["task"] == task]
        return round(sum(v) / len(v)), f"the mean of the {len(v)} H100 runs of {nickname} on {task} in mlenergy-benchmark-v3"

    def h100_check(nickname, task, gpus, batch, itl, energy):
        r = next(r for r in runs if r["nickname"] == nickname and r["task"] == task and int(r["num_gpus"]) == gpus
                 and int(r["max_num_seqs"]) == batch)
        for read, exported in ((itl, float(r["median_itl_ms"])), (energy, float(r["energy_per_token_joules"]))):
            print(f"check {nickname} {gpus}xH100 b{batch}: read {read:.5g}, export {exported:.5g} ({read / exported - 1:+.2%})", file=sys.stderr)

    points = []

    def point(model, gpus, batch, task, output, figure, note, ep=None, **metrics):
        """One point; `output` is (tokens, where that figure comes from)."""
        output, origin = output
        p = {"label": f"{model.split('/')[1]} {gpus}×B200 {TASK_NAME[task]}, batch {batch}", "model": model, "gpu": "b200",
             "gpus": gpus}
        if ep:
            p["expertParallel"] = ep
        p.update({"batch": batch, "inputTokens": PROMPT[task], "outputTokens": output, "task": task})
        p.update({k: float(f"{v:.4g}") for k, v in metrics.items()})
        p["runsOf"] = "mlenergy-v3"  # the benchmark's B200 runs, held back from ../shared/data (PublishedServing.Point.runsOf)
        p["source"] = (f"{POST}: {note}; read from the marker positions of ml-energy/blog@{commit[:12]} {FIGURES}{figure}-light.svg "
                       f"(scripts/mlenergy-v3-figures.py); batch is the run's max_num_seqs; {output} output tokens: {origin}; "
                       f"input {PROMPT[task]}: the post's mean for the task; {REQUESTS[task]} distinct prompts: ml-energy/benchmark "
                       f"configs/vllm/{task}/benchmark.yaml num-requests")
        points.append(p)

    # Section 3 ("Power and Energy"): energy per token against max_num_seqs, lm-arena-chat, four models.
    (_, series, _), _ = axes_of(svg("section3-power"))
    power_models = [("Qwen/Qwen3-8B", "Qwen 3 8B", 1, None), ("meta-llama/Llama-3.1-70B-Instruct", "Llama 3.1 70B Instruct", 2, None),
                    ("Qwen/Qwen3-235B-A22B-Instruct-2507", "Qwen 3 235B A22B Instruct", 4, 4),
                    ("meta-llama/Llama-3.1-405B-Instruct", "Llama 3.1 405B Instruct FP8", 8, None)]
    for (model, nick, gpus, ep), pts in zip(power_models, series):
        for b, e, _, _ in pts:
            point(model, gpus, round(b), "lm-arena-chat", mean_output(nick, "lm-arena-chat"), "section3-power",
                  "Power and Energy figure, energy per token (left panel)", ep, joulesPerOutputToken=e)

    # Section 2.1 ("Batch Size"): power as % of 1000 W per B200 (the script's normalisation).
    for (_, series, _), (model, nick, gpus, task, ep) in zip(axes_of(svg("section2-1-batch-size")), [
            ("deepseek-ai/DeepSeek-R1-0528", None, 8, "gpqa", 8), ("Qwen/Qwen3-Coder-30B-A3B-Instruct", "Qwen 3 Coder 30B A3B", 1, "sourcegraph-fim", None)]):
        output = mean_output(nick, task) if nick else (6988, "no H100 run; the post's problem-solving mean over its models")
        for b, pct, _, _ in series[3]:
            point(model, gpus, round(b), task, output, "section2-1-batch-size", "Batch Size figure, power series (% of 1000 W per GPU)",
                  ep, gpuPowerWatts=pct * 10)

    # Section 2.5: median ITL and energy per token; batch sizes only where the figure labels them.
    (maps, series, notes), (hmaps, hseries, _) = axes_of(svg("section2-5-multi-gpu"))
    h100_check("GPT OSS 120B", "gpqa", 1, 16, *hseries[0][0][:2])
    h100_check("GPT OSS 120B", "gpqa", 2, 64, *hseries[1][2][:2])
    # 9 one-GPU and 10 two-GPU runs from batch 16 (the script asserts the counts); labelled: 16, 64,
    # 512, 2048, 3072 (one GPU) and 16, 64, 512, 2048, 3072, 4096 (two), the 1st, 3rd, 6th, 8th, 9th
    # (and 10th) points, each label drawn at its point plus the script's offset, checked below.
    for gpus, pts, picks in ((1, series[0], {0: 16, 2: 64, 5: 512, 7: 2048, 8: 3072}),
                             (2, series[1], {0: 16, 2: 64, 5: 512, 7: 2048, 8: 3072, 9: 4096})):
        for i, b in picks.items():
            itl, e, _, _ = pts[i]
            point("openai/gpt-oss-120b", gpus, b, "gpqa", mean_output("GPT OSS 120B", "gpqa"), "section2-5-multi-gpu",
                  "Multi-GPU Scaling figure, GPT OSS 120B on B200", None, joulesPerOutputToken=e, medianITLMs=itl)
    # annot_config of the script: (x, y) offsets in points from each labelled point.
    check_labels(series, notes, [(0, {0: 16, 2: 64, 5: 512, 7: 2048, 8: 3072}, {16: (5, 2), 64: (5, 2), 512: (-15, -13), 2048: (-15, -13), 3072: (-15, -13)}),
                                 (1, {0: 16, 2: 64, 5: 512, 7: 2048, 8: 3072, 9: 4096}, {b: (5, 5) for b in (16, 64, 512, 2048, 3072, 4096)})])

    (maps, series, notes), = axes_of(svg("section2-5-235b-tradeoff"))
    # Series in the script's sorted (GPU, count) order: 2xB200, 4xB200, 4xH100, 8xH100; the script
    # labels every B200 point by index, so all batches are known.
    h100_check("Qwen 3 235B A22B Thinking FP8", "gpqa", 4, 16, *series[2][0][:2])
    h100_check("Qwen 3 235B A22B Thinking FP8", "gpqa", 8, 32, *series[3][1][:2])
    b200 = [(2, series[0], [16, 32, 64]), (4, series[1], [16, 32, 64, 128, 256, 384, 512, 1024])]
    offsets4 = [(-20, -3), (-20, -3), (-20, -3), (-22, -14), (-15, -15), (-10, 8), (-5, 8), (-15, 8)]
    check_labels(series, notes, [(0, dict(enumerate([16, 32, 64])), {16: (7, -3), 32: (7, -3), 64: (7, -3)}),
                                 (1, dict(enumerate([16, 32, 64, 128, 256, 384, 512, 1024])),
                                  dict(zip([16, 32, 64, 128, 256, 384, 512, 1024], offsets4)))])
    for gpus, pts, batches in b200:
        for (itl, e, _, _), b in zip(pts, batches):
            point("Qwen/Qwen3-235B-A22B-Thinking-2507-FP8", gpus, b, "gpqa", mean_output("Qwen 3 235B A22B Thinking FP8", "gpqa"),
                  "section2-5-235b-tradeoff", "Multi-GPU Scaling case study, Qwen 3 235B A22B Thinking FP8 on B200", gpus,
                  joulesPerOutputToken=e, medianITLMs=itl)
    print(json.dumps(points, ensure_ascii=False, indent=1))


def check_labels(series, notes, picks):
    """Every batch assigned to a point must be a label drawn at that point plus the analysis
    script's offset for it (matplotlib's SVG units are points, y pointing down)."""
    for s, pick, offsets in picks:
        for i, b in pick.items():
            _, _, px, py = series[s][i]
            ox, oy = offsets[b]
            if not any(int(l) == b and abs(lx - px - ox) < 0.5 and abs(ly - py + oy) < 0.5 for l, lx, ly in notes):
                sys.exit(f"label {b} is not drawn at point {i} of series {s}")


if __name__ == "__main__":
    main()
