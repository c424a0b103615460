import Foundation
import Testing

/// One bad input: the command line (`{dir}` is the case's temporary folder), files to create in
/// it, standard input, the exit status expected (64 usage, 1 other failure) and words the error
/// must contain (the file, line or field, the value, what was expected, the closest ids).
struct BadInput: CustomStringConvertible, Sendable {
    let name: String
    let args: [String]
    var files: [String: String] = [:]
    var stdin: String?
    var status: Int32 = 1
    var mentions: [String]
    /// Outputs the command was asked to write, which must not exist afterwards.
    var outputs: [String] = []
    var description: String { name }

    func with(status: Int32) -> BadInput { var c = self; c.status = status; return c }
}

enum Inputs {
    static let model8B = "meta-llama/Llama-3.1-8B-Instruct"
    static let estimate = ["estimate", "--model", model8B, "--gpu", "h100-sxm", "--batch", "8", "--input", "100", "--output", "50"]
    static func estimate(replacing flag: String, with value: String) -> [String] {
        var a = estimate
        if let i = a.firstIndex(of: flag) { a[i + 1] = value } else { a += [flag, value] }
        return a
    }

    /// Qwen3-32B BF16 on one H100 holds about 31,500 tokens of KV cache: 37,000 do not fit.
    static let longerThanTheCache = ["estimate", "--model", "Qwen/Qwen3-32B", "--gpu", "h100-sxm", "--gpus", "1", "--precision", "bf16",
                                     "--batch", "256", "--input", "1000", "--output", "36000"]

    static let workload = """
        {"schemaVersion": 1, "description": "x", "samples": 200, "scenarios": [{"name": "s", "kind": "kernel",
          "deployments": [{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm"}],
          "classes": [{"name": "c", "share": 1, "deployment": "d", "input": {"fixed": 100}, "output": {"fixed": 50}}]}]}
        """
    static func workload(_ from: String, _ to: String) -> [String: String] { ["w.json": workload.replacingOccurrences(of: from, with: to)] }
    static func fleet(_ from: String, _ to: String, mentions: [String], name: String) -> BadInput {
        BadInput(name: name, args: ["fleet", "{dir}/w.json"], files: workload(from, to), mentions: ["w.json"] + mentions)
    }

    static let predictHeader = "model,gpu,batch,input_tokens\n"
    static func predict(_ body: String, mentions: [String], name: String, header: String = predictHeader) -> BadInput {
        BadInput(name: name, args: ["predict", "{dir}/p.csv"], files: ["p.csv": header + body], mentions: mentions)
    }

    static let azureHeader = "TIMESTAMP,ContextTokens,GeneratedTokens\n"
    static func trace(_ log: String, mentions: [String], name: String, extra: [String] = []) -> BadInput {
        BadInput(name: name, args: ["trace", "{dir}/t.csv", "--model", model8B, "--gpu", "h100-sxm", "--per-request", "{dir}/rows.csv"] + extra,
                 files: ["t.csv": log], mentions: mentions, outputs: ["rows.csv"])
    }

    static let sweep = #"{"schemaVersion": 1, "input": 100, "output": 50, "grid": {"model": ["meta-llama/Llama-3.1-8B-Instruct"], "gpu": ["h100-sxm"]}}"#
    static func sweep(_ from: String, _ to: String, mentions: [String], name: String) -> BadInput {
        BadInput(name: name, args: ["sweep", "{dir}/s.json", "-o", "{dir}/out.csv"], files: ["s.json": sweep.replacingOccurrences(of: from, with: to)],
                 mentions: ["s.json"] + mentions, outputs: ["out.csv"])
    }

    static let table = #"{"schemaVersion": 1, "description": "x", "scenarios": [{"name": "m", "kind": "throughput-table", "throughputTable": {"file": "oviedo-throughput/model_throughput_DB.csv", "inputTokens": 500, "models": [{"name": "Llama 3.1 70B", "nodePowerKW": 10}], "output": {"fixed": 300}, "powerUtilization": {"fixed": 0.5}}}]}"#
    static func table(_ from: String, _ to: String, mentions: [String], name: String) -> BadInput {
        BadInput(name: name, args: ["fleet", "{dir}/o.json"], files: ["o.json": table.replacingOccurrences(of: from, with: to)], mentions: ["o.json"] + mentions)
    }

    static let calibrateHeader = "model,gpu,batch,input_tokens,phase,measured_gpu_power_w,measured_time_ms\n"
}

extension BadInput {
    static let cases: [BadInput] = usage + ids + deployments + workloads + tables + predicts + traces + calibrations + sweeps + reports
        + encoders + catalogFlags
    static let usage: [BadInput] = [
        BadInput(name: "unknown command", args: ["estimmate"], status: 64, mentions: ["estimmate", "estimate"]),
        BadInput(name: "unknown option", args: Inputs.estimate + ["--bacth", "4"], status: 64, mentions: ["--bacth", "--batch"]),
        // "did you mean --ep?": any two-letter option is within two edits of a one-letter one.
        BadInput(name: "unknown short option", args: Inputs.estimate + ["-o", "x"], status: 64, mentions: ["unknown option -o", "standard output", "> FILE"]),
        BadInput(name: "unknown short option with a known capital", args: ["sweep", "{dir}/s.json", "-O", "{dir}/out.csv"], files: ["s.json": Inputs.sweep],
                 status: 64, mentions: ["unknown option -O", "did you mean -o?"], outputs: ["out.csv"]),
        // -o won and --output was dropped without a word.
        BadInput(name: "output as -o and --output", args: ["sweep", "{dir}/s.json", "-o", "{dir}/a.csv", "--output", "{dir}/b.csv"],
                 files: ["s.json": Inputs.sweep], status: 64, mentions: ["-o given twice", "--output"], outputs: ["a.csv", "b.csv"]),
        BadInput(name: "option without value", args: ["estimate", "--model"], status: 64, mentions: ["--model", "needs a value"]),
        BadInput(name: "option taking the next option as its value", args: ["estimate", "--model", "--gpu", "h100-sxm"], status: 64,
                 mentions: ["--model needs a value", "got the option --gpu"]),
        BadInput(name: "help for an unknown command", args: ["help", "flet"], status: 64, mentions: ["flet", "fleet"]),
        BadInput(name: "empty model id", args: Inputs.estimate(replacing: "--model", with: ""), mentions: ["no model given", "tokenwatt models"]),
        BadInput(name: "export-sql reference given twice", args: ["export-sql", "--model", "meta-llama/Llama-3.1-8B-Instruct", "--gpu", "h100-sxm",
                 "--batch", "8", "--dialect", "sqlite", "--input", "100", "--reference-input", "200"], status: 64, mentions: ["--input", "--reference-input"]),
        BadInput(name: "option twice", args: Inputs.estimate + ["--batch", "4"], status: 64, mentions: ["--batch", "twice"]),
        BadInput(name: "batch not a number", args: Inputs.estimate(replacing: "--batch", with: "eight"), status: 64, mentions: ["--batch", "eight", "whole number"]),
        BadInput(name: "batch zero", args: Inputs.estimate(replacing: "--batch", with: "0"), status: 64, mentions: ["--batch", "0"]),
        BadInput(name: "batch negative", args: Inputs.estimate(replacing: "--batch", with: "-5"), status: 64, mentions: ["--batch"]),
        BadInput(name: "batch huge", args: Inputs.estimate(replacing: "--batch", with: "99999999999999999999"), status: 64, mentions: ["--batch"]),
        BadInput(name: "input NaN", args: Inputs.estimate(replacing: "--input", with: "NaN"), status: 64, mentions: ["--input", "NaN"]),
        BadInput(name: "pue below one", args: Inputs.estimate(replacing: "--pue", with: "0.8"), status: 64, mentions: ["--pue", "0.8", "below 1"]),
        // Exit 1 and "PUE 1e30 is impossible" from the ledger, where 0.5 was a usage error.
        BadInput(name: "pue above five", args: Inputs.estimate(replacing: "--pue", with: "1e30"), status: 64, mentions: ["--pue 1e30", "PUE from 1 to 5"]),
        BadInput(name: "pue infinite", args: Inputs.estimate(replacing: "--pue", with: "inf"), status: 64, mentions: ["--pue", "inf"]),
        BadInput(name: "pue nan", args: Inputs.estimate(replacing: "--pue", with: "nan"), status: 64, mentions: ["--pue", "nan"]),
        BadInput(name: "busy fraction above one", args: Inputs.estimate(replacing: "--busy-fraction", with: "1.5"), status: 64, mentions: ["--busy-fraction", "1.5"]),
        BadInput(name: "load and busy fraction", args: Inputs.estimate + ["--load", "1", "--busy-fraction", "0.5"], status: 64, mentions: ["--load", "--busy-fraction"]),
        // A reference shape without the surface method was ignored silently.
        BadInput(name: "reference input without the surface", args: Inputs.estimate + ["--reference-input", "500"], status: 64, mentions: ["--reference-input", "--method surface"]),
        BadInput(name: "reference output with the kernel method", args: Inputs.estimate + ["--method", "kernel", "--reference-output", "500"], status: 64,
                 mentions: ["--reference-output", "--method surface"]),
        BadInput(name: "unknown precision", args: Inputs.estimate(replacing: "--precision", with: "fp9"), status: 64, mentions: ["--precision", "fp9", "fp8"]),
        BadInput(name: "unknown format", args: Inputs.estimate(replacing: "--format", with: "xml"), status: 64, mentions: ["--format", "xml"]),
        BadInput(name: "unknown boundary", args: Inputs.estimate(replacing: "--boundary", with: "planet"), status: 64, mentions: ["--boundary", "planet", "facility"]),
        BadInput(name: "gpus zero", args: Inputs.estimate(replacing: "--gpus", with: "0"), status: 64, mentions: ["--gpus", "0"]),
        BadInput(name: "power cap negative", args: Inputs.estimate(replacing: "--power-cap-w", with: "-300"), status: 64, mentions: ["--power-cap-w", "-300"]),
        // Decimal flags read hexadecimal (0x12C ran at 300 W) where the integer flags refused it.
        BadInput(name: "power cap in hexadecimal", args: Inputs.estimate(replacing: "--power-cap-w", with: "0x12C"), status: 64, mentions: ["--power-cap-w 0x12C", "expected a number"]),
        BadInput(name: "pue in hexadecimal", args: Inputs.estimate(replacing: "--pue", with: "0x1p0"), status: 64, mentions: ["--pue 0x1p0"]),
        BadInput(name: "power params in hexadecimal", args: ["power", "--params", "0x1p36", "--gpu", "h100-sxm", "--seq-length", "100"], status: 64, mentions: ["--params 0x1p36"]),
        BadInput(name: "estimate without output", args: ["estimate", "--model", Inputs.model8B, "--gpu", "h100-sxm", "--batch", "1", "--input", "5"], status: 64, mentions: ["--output"]),
        BadInput(name: "estimate method unknown", args: Inputs.estimate + ["--method", "magic"], status: 64, mentions: ["--method", "magic"]),
        BadInput(name: "power params not a number", args: ["power", "--params", "nan", "--gpu", "h100-sxm", "--seq-length", "100"], status: 64, mentions: ["--params nan", "2.779e8", "1e13"]),
        BadInput(name: "HF attention on a fused engine", args: Inputs.estimate + ["--attention", "eager"], mentions: ["--framework hf", "attention eager"]),
        BadInput(name: "mxfp4 on a dense model", args: Inputs.estimate + ["--precision", "mxfp4"], mentions: ["is dense", "nvfp4"]),
        // A request the whole KV cache cannot hold was priced at batch 1 ("KV cache holds 1").
        BadInput(name: "request longer than the KV cache", args: Inputs.longerThanTheCache, mentions: ["1000+36000 tokens", "does not fit in the KV cache even alone", "9.7 GB", "8.25 GB"]),
        // power priced it at batch 1 (69.33 W per L4, exit 0) where estimate refuses it.
        BadInput(name: "power request longer than the KV cache", args: ["power", "--model", Inputs.model8B, "--gpu", "l4", "--batch", "1", "--input", "20000", "--output", "15000"],
                 mentions: ["20000+15000 tokens", "does not fit in the KV cache even alone"]),
        BadInput(name: "request longer than the KV cache, surface", args: Inputs.longerThanTheCache + ["--method", "surface"], mentions: ["1000+36000 tokens", "even alone"]),
        BadInput(name: "fleet without a file", args: ["fleet"], status: 64, mentions: ["missing argument"]),
        BadInput(name: "fleet two files", args: ["fleet", "a.json", "b.json"], status: 64, mentions: ["unexpected argument", "b.json"]),
        BadInput(name: "fleet samples zero", args: ["fleet", "{dir}/w.json", "--samples", "0"], files: ["w.json": Inputs.workload], status: 64, mentions: ["--samples", "0"]),
        BadInput(name: "fleet seed negative", args: ["fleet", "{dir}/w.json", "--seed", "-1"], files: ["w.json": Inputs.workload], status: 64, mentions: ["--seed", "-1"]),
        BadInput(name: "report all with a file", args: ["report", "--all", "x.json"], status: 64, mentions: ["--all", "FILE"]),
        BadInput(name: "report from another calibration without -o", args: ["report", "--all", "--calibration", "c.json"], status: 64,
                 mentions: ["--calibration", "-o DIR", "Reports/"]),
        BadInput(name: "report from another GPU catalog without -o", args: ["report", "w.json", "--gpu-catalog", "g.json"], status: 64,
                 mentions: ["--gpu-catalog", "-o DIR"]),
        BadInput(name: "power without size", args: ["power", "--gpu", "h100-sxm", "--seq-length", "100"], status: 64, mentions: ["--params", "--model"]),
        BadInput(name: "power params nonsense", args: ["power", "--params", "seventy", "--gpu", "h100-sxm", "--seq-length", "100"], status: 64, mentions: ["--params", "seventy"]),
        BadInput(name: "power params tiny", args: ["power", "--params", "1000", "--gpu", "h100-sxm", "--seq-length", "100"], status: 64, mentions: ["--params 1000", "2.779e8"]),
        // Out of range exited 1 where every other flag's range error exits 64.
        BadInput(name: "power params zero", args: ["power", "--params", "0", "--gpu", "h100-sxm", "--seq-length", "2048"], status: 64, mentions: ["--params 0", "2.779e8"]),
        // 1e8 was accepted and built as the smallest model the rule makes, 0.278B, labelled "100M".
        BadInput(name: "power params below the smallest build", args: ["power", "--params", "1e8", "--gpu", "h100-sxm", "--seq-length", "2000"], status: 64,
                 mentions: ["--params 1e8", "2.779e8", "smallest the generic rule builds"]),
        BadInput(name: "power duty cycle above one", args: ["power", "--params", "7e9", "--gpu", "h100-sxm", "--seq-length", "100", "--duty-cycle", "2"], status: 64, mentions: ["--duty-cycle", "2"]),
        BadInput(name: "power seq length and input", args: ["power", "--params", "7e9", "--gpu", "h100-sxm", "--seq-length", "100", "--input", "5", "--output", "5"], status: 64, mentions: ["--seq-length", "not both"]),
        BadInput(name: "tune with a cap", args: ["tune", "--model", Inputs.model8B, "--gpu", "h100-sxm", "--batch", "1", "--input", "5", "--output", "5", "--power-cap-w", "300"], status: 64, mentions: ["--power-cap-w"]),
        BadInput(name: "tune boundary", args: ["tune", "--model", Inputs.model8B, "--gpu", "h100-sxm", "--batch", "1", "--input", "5", "--output", "5", "--boundary", "wall"], status: 64, mentions: ["--boundary"]),
        BadInput(name: "tune pue", args: ["tune", "--model", Inputs.model8B, "--gpu", "h100-sxm", "--batch", "1", "--input", "5", "--output", "5", "--pue", "0.9"], status: 64, mentions: ["--pue"]),
        BadInput(name: "tune steps one", args: ["tune", "--model", Inputs.model8B, "--gpu", "h100-sxm", "--batch", "1", "--input", "5", "--output", "5", "--steps", "1"], status: 64, mentions: ["--steps"]),
        BadInput(name: "diagnose with a flag it does not read", args: ["diagnose", "--model", Inputs.model8B, "--gpu", "h100-sxm", "--batch", "1", "--input", "5", "--output", "5", "--pue", "1.2"], status: 64, mentions: ["--pue"]),
        BadInput(name: "kernels unknown pass", args: ["kernels", "--model", Inputs.model8B, "--gpu", "h100-sxm", "--batch", "1", "--input", "5", "--output", "5", "--pass", "prefil"], status: 64, mentions: ["--pass", "prefil", "prefill"]),
        BadInput(name: "kernels per query with a pass", args: ["kernels", "--model", Inputs.model8B, "--gpu", "h100-sxm", "--batch", "1", "--input", "5", "--output", "5", "--per-query", "--pass", "decode"], status: 64, mentions: ["--pass", "--per-query"]),
        BadInput(name: "kernels stage beyond the pipeline", args: ["kernels", "--model", Inputs.model8B, "--gpu", "h100-sxm", "--gpus", "2", "--pp", "2", "--batch", "4", "--input", "5", "--output", "5", "--stage", "3"], status: 64, mentions: ["stage 3", "2 stage"]),
        BadInput(name: "export-sql without dialect", args: ["export-sql", "--model", Inputs.model8B, "--gpu", "h100-sxm", "--batch", "8"], status: 64, mentions: ["--dialect"]),
        BadInput(name: "export-sql unknown dialect", args: ["export-sql", "--model", Inputs.model8B, "--gpu", "h100-sxm", "--batch", "8", "--dialect", "oracle"], status: 64, mentions: ["oracle", "sqlite"]),
        BadInput(name: "export-sql table injection", args: ["export-sql", "--model", Inputs.model8B, "--gpu", "h100-sxm", "--batch", "8", "--dialect", "sqlite", "--table", "t; DROP TABLE u"], status: 64, mentions: ["--table", "identifier"]),
        BadInput(name: "export-sql backtick in a BigQuery name", args: ["export-sql", "--model", Inputs.model8B, "--gpu", "h100-sxm", "--batch", "8", "--dialect", "bigquery", "--table", "p.d.t` UNION SELECT 1 --"], status: 64, mentions: ["--table", "identifier"]),
        BadInput(name: "export-sql empty part of a path", args: ["export-sql", "--model", Inputs.model8B, "--gpu", "h100-sxm", "--batch", "8", "--dialect", "duckdb", "--input-column", "a..b"], status: 64, mentions: ["--input-column", "identifier"]),
        BadInput(name: "capacity without budget", args: ["capacity", "{dir}/w.json"], files: ["w.json": Inputs.workload], status: 64, mentions: ["--budget-mw"]),
        BadInput(name: "capacity gpus empty", args: ["capacity", "{dir}/w.json", "--budget-mw", "1", "--gpus", ""], files: ["w.json": Inputs.workload], status: 64, mentions: ["--gpus", "separated by commas"]),
        BadInput(name: "capacity gpus empty item", args: ["capacity", "{dir}/w.json", "--budget-mw", "1", "--gpus", "h100-sxm,,h200"], files: ["w.json": Inputs.workload], status: 64, mentions: ["--gpus", "none empty"]),
        BadInput(name: "capacity caps empty", args: ["capacity", "{dir}/w.json", "--budget-mw", "1", "--caps", ""], files: ["w.json": Inputs.workload], status: 64, mentions: ["--caps"]),
        BadInput(name: "capacity no candidate runs", args: ["capacity", "{dir}/w.json", "--budget-mw", "1", "--caps", "50"], files: ["w.json": Inputs.workload], status: 64, mentions: ["--caps 50: outside the range h100-sxm allows"]),
        BadInput(name: "capacity caps in hexadecimal", args: ["capacity", "{dir}/w.json", "--budget-mw", "1", "--caps", "0x12C"], files: ["w.json": Inputs.workload], status: 64, mentions: ["--caps", "0x12C"]),
        BadInput(name: "capacity budget in hexadecimal", args: ["capacity", "{dir}/w.json", "--budget-mw", "0x14"], files: ["w.json": Inputs.workload], status: 64, mentions: ["--budget-mw 0x14"]),
        BadInput(name: "capacity caps text", args: ["capacity", "{dir}/w.json", "--budget-mw", "1", "--caps", "high"], files: ["w.json": Inputs.workload], status: 64, mentions: ["--caps", "high"]),
        BadInput(name: "trace unknown log format", args: ["trace", "x.csv", "--model", Inputs.model8B, "--gpu", "h100-sxm", "--log-format", "splunk"], status: 64, mentions: ["splunk"]),
        BadInput(name: "trace csv without columns", args: ["trace", "x.csv", "--model", Inputs.model8B, "--gpu", "h100-sxm", "--log-format", "csv"], status: 64, mentions: ["--input-column"]),
        BadInput(name: "trace replicas zero", args: ["trace", "x.csv", "--model", Inputs.model8B, "--gpu", "h100-sxm", "--replicas", "0"], status: 64, mentions: ["--replicas"]),
        // Flags a detected, Azure or Mooncake log would not read were ignored: --time-unit ms on a
        // Mooncake CSV whose `timestamp` held milliseconds cost 284× with no word, and "us" passed.
        BadInput(name: "trace time unit on a detected log", args: ["trace", "x.csv", "--model", Inputs.model8B, "--gpu", "h100-sxm", "--time-unit", "ms"],
                 status: 64, mentions: ["--time-unit", "--time-column, --input-column and --output-column"]),
        BadInput(name: "trace time unit in microseconds", args: ["trace", "x.csv", "--model", Inputs.model8B, "--gpu", "h100-sxm", "--time-unit", "us"],
                 status: 64, mentions: ["--time-unit us", "expected s or ms"]),
        BadInput(name: "trace columns beside the azure format", args: ["trace", "x.csv", "--model", Inputs.model8B, "--gpu", "h100-sxm", "--log-format", "azure",
                                                                        "--input-column", "foo", "--output-column", "bar", "--time-column", "baz"],
                 status: 64, mentions: ["--time-column", "--log-format azure", "--log-format csv"]),
        // One column in two roles: -1 output tokens on every row, or every request at time 0.
        BadInput(name: "trace one column for input and output", args: ["trace", "x.csv", "--model", Inputs.model8B, "--gpu", "h100-sxm", "--time-column", "t",
                                                                        "--input-column", "n", "--output-column", "n"],
                 status: 64, mentions: ["--input-column and --output-column", "column n"]),
        BadInput(name: "trace one column for time and output", args: ["trace", "x.csv", "--model", Inputs.model8B, "--gpu", "h100-sxm", "--time-column", "n",
                                                                       "--input-column", "i", "--output-column", "n"],
                 status: 64, mentions: ["--time-column and --output-column", "column n"]),
        BadInput(name: "export-sql one column for input and output", args: ["export-sql", "--model", Inputs.model8B, "--gpu", "h100-sxm", "--batch", "8",
                                                                              "--dialect", "sqlite", "--input-column", "n", "--output-column", "n"],
                 status: 64, mentions: ["--output-column", "n", "other than the input column"]),
        BadInput(name: "trace hourly and rows both on stdout", args: ["trace", "x.csv", "--model", Inputs.model8B, "--gpu", "h100-sxm",
                                                                       "--per-request", "-", "--hourly", "-"], status: 64, mentions: ["--hourly -", "standard output"]),
        BadInput(name: "trace hourly on stdout with a format", args: ["trace", "x.csv", "--model", Inputs.model8B, "--gpu", "h100-sxm",
                                                                       "--hourly", "-", "--format", "json"], status: 64, mentions: ["--hourly -", "--format json"]),
    ]

    static let ids: [BadInput] = [
        BadInput(name: "unknown model", args: Inputs.estimate(replacing: "--model", with: "meta-llama/Llama-3.1-8B-Instrukt"), mentions: ["Llama-3.1-8B-Instrukt", "did you mean", "Llama-3.1-8B-Instruct"]),
        BadInput(name: "unknown gpu", args: Inputs.estimate(replacing: "--gpu", with: "h1000"), mentions: ["h1000", "did you mean", "h100"]),
        BadInput(name: "unknown gpu in capacity", args: ["capacity", "{dir}/w.json", "--budget-mw", "1", "--gpus", "h200,b250"], files: ["w.json": Inputs.workload], mentions: ["b250", "b200"]),
        BadInput(name: "unknown calibration file", args: Inputs.estimate + ["--calibration", "{dir}/none.json"], mentions: ["none.json", "no such file"]),
        BadInput(name: "calibration file not JSON", args: Inputs.estimate + ["--calibration", "{dir}/c.json"], files: ["c.json": "coefficients: yes"], mentions: ["c.json:1", "JSON value"]),
        // "cannot be read", "cannot be read" and "missing field 'capHoldFraction'".
        BadInput(name: "workload a directory", args: ["fleet", "{dir}"], mentions: ["is a directory", "expected a workload JSON file"]),
        BadInput(name: "model catalog a device", args: ["models", "--model-catalog", "/dev/null"], mentions: ["/dev/null", "not a regular file", "a model catalog JSON file"]),
        BadInput(name: "calibration file a workload", args: Inputs.estimate + ["--calibration", "{dir}/w.json"], files: ["w.json": Inputs.workload],
                 mentions: ["w.json", "this is a workload file", "not a calibration file"]),
        BadInput(name: "workload a calibration file", args: ["fleet", "Sources/KernelPower/Resources/coefficients.json"],
                 mentions: ["coefficients.json", "this is a calibration file", "not a workload file"]),
        BadInput(name: "calibration file wrong schema", args: Inputs.estimate + ["--calibration", "{dir}/c.json"], files: ["c.json": #"{"schemaVersion": 1}"#], mentions: ["c.json"]),
    ]

    static let deployments: [BadInput] = [
        BadInput(name: "tensorrt-llm on an amd gpu", args: Inputs.estimate(replacing: "--gpu", with: "mi300x") + ["--framework", "trtllm"], mentions: ["TensorRT-LLM", "mi300x", "vllm"]),
        BadInput(name: "flashattention-2 on volta", args: ["estimate", "--model", "meta-llama/Llama-2-7b-hf", "--gpu", "v100-sxm2-32gb", "--framework", "hf", "--attention", "flash",
                                                          "--batch", "1", "--input", "10", "--output", "10"], mentions: ["FlashAttention-2", "v100-sxm2-32gb", "sdpa"]),
        BadInput(name: "kv cache in int8", args: Inputs.estimate + ["--kv-precision", "int8"], mentions: ["int8", "fp8"]),
        BadInput(name: "fp32 kv cache beside bf16 weights", args: Inputs.estimate + ["--kv-precision", "fp32"], mentions: ["FP32 KV cache", "bf16 weights"]),
        BadInput(name: "nvfp4 kv cache before blackwell", args: Inputs.estimate + ["--kv-precision", "nvfp4"], mentions: ["NVFP4 KV cache", "h100-sxm"]),
        BadInput(name: "model larger than memory", args: ["estimate", "--model", "meta-llama/Llama-3.1-405B-Instruct", "--gpu", "a10", "--batch", "1", "--input", "10", "--output", "10"], mentions: ["does not fit", "811.7 GB", "a10"]),
        BadInput(name: "precision the gpu lacks", args: Inputs.estimate(replacing: "--gpu", with: "v100-sxm2-32gb") + ["--precision", "fp8"], mentions: ["v100-sxm2-32gb", "fp8"]),
        BadInput(name: "tp not dividing heads", args: ["estimate", "--model", "meta-llama/Llama-3.1-70B-Instruct", "--gpu", "h100-sxm", "--gpus", "3", "--batch", "1", "--input", "10", "--output", "10"], status: 64, mentions: ["tp 3", "64 attention heads"]),
        BadInput(name: "ep not dividing experts", args: ["estimate", "--model", "mistralai/Mixtral-8x7B-Instruct-v0.1", "--gpu", "h100-sxm", "--gpus", "3", "--tp", "1", "--ep", "3", "--batch", "1", "--input", "10", "--output", "10"], status: 64, mentions: ["ep", "3"]),
        BadInput(name: "load above capacity", args: Inputs.estimate + ["--load", "1000000"], mentions: ["load", "queries/s"]),
        BadInput(name: "power cap below range", args: Inputs.estimate + ["--power-cap-w", "50"], status: 64, mentions: ["--power-cap-w 50", "h100-sxm"]),
        BadInput(name: "hybrid model under hf refused", args: Inputs.estimate(replacing: "--model", with: "nvidia/NVIDIA-Nemotron-Nano-9B-v2") + ["--framework", "hf"], mentions: ["hf framework", "Mamba-2", "vllm"]),
        BadInput(name: "pp not dividing the gpus", args: ["estimate", "--model", "meta-llama/Llama-3.1-70B-Instruct", "--gpu", "h100-sxm", "--gpus", "12", "--tp", "4", "--pp", "2", "--batch", "1", "--input", "10", "--output", "10"], status: 64, mentions: ["tp 4 × pp 2", "gpus 12"]),
        BadInput(name: "pp with ep", args: ["estimate", "--model", "mistralai/Mixtral-8x7B-v0.1", "--gpu", "h100-sxm", "--gpus", "4", "--tp", "1", "--ep", "2", "--pp", "2", "--batch", "1", "--input", "10", "--output", "10"], status: 64, mentions: ["pp with ep"]),
        BadInput(name: "tp across nodes without a network", args: ["estimate", "--model", "meta-llama/Llama-3.1-70B-Instruct", "--gpu", "h100-pcie", "--gpus", "16", "--batch", "1", "--input", "10", "--output", "10"], status: 64, mentions: ["tp 16", "pcie-server-8x-h100-pcie", "scale-out"]),
        BadInput(name: "ssm state precision on a transformer", args: Inputs.estimate + ["--ssm-state-precision", "bf16"], mentions: ["Mamba-2", "Gated DeltaNet", "no recurrent state"]),
        BadInput(name: "ssm state precision vllm lacks", args: Inputs.estimate(replacing: "--model", with: "nvidia/NVIDIA-Nemotron-Nano-9B-v2") + ["--ssm-state-precision", "fp8"], mentions: ["fp8", "fp32, bf16, fp16"]),
        BadInput(name: "unknown sampling", args: Inputs.estimate + ["--sampling", "nucleus"], status: 64, mentions: ["--sampling", "nucleus", "top-p"]),
        BadInput(name: "sparse attention without fp8 tensor cores", args: ["estimate", "--model", "deepseek-ai/DeepSeek-V3.2", "--gpu", "a100-sxm-80gb", "--gpus", "8", "--precision", "bf16", "--batch", "1", "--input", "10", "--output", "10"], mentions: ["sparse attention", "FP8 tensor cores", "a100-sxm-80gb"]),
        BadInput(name: "sparse attention under hf", args: ["estimate", "--model", "deepseek-ai/DeepSeek-V3.2", "--gpu", "h200", "--gpus", "8", "--framework", "hf", "--batch", "1", "--input", "10", "--output", "10"], status: 64, mentions: ["--framework hf", "sparse attention", "vllm"]),
        BadInput(name: "mixture of experts under hf", args: Inputs.estimate(replacing: "--model", with: "Qwen/Qwen3-30B-A3B") + ["--framework", "hf"], status: 64,
                 mentions: ["--framework hf", "mixture-of-experts layers", "run it under vllm"]),
    ]

    static let workloads: [BadInput] = [
        BadInput(name: "workload missing", args: ["fleet", "{dir}/missing.json"], mentions: ["missing.json", "no such file"]),
        BadInput(name: "workload empty", args: ["fleet", "{dir}/w.json"], files: ["w.json": ""], mentions: ["w.json"]),
        BadInput(name: "workload truncated", args: ["fleet", "{dir}/w.json"], files: ["w.json": String(Inputs.workload.prefix(90))], mentions: ["w.json:1", "unterminated"]),
        BadInput(name: "workload trailing comma", args: ["fleet", "{dir}/w.json"], files: Inputs.workload("\"samples\": 200,", "\"samples\": 200,,"), mentions: ["w.json:1", "quoted key"]),
        BadInput(name: "workload not UTF-8", args: ["fleet", "{dir}/w.json"], files: ["w.json": "{\"schemaVersion\": 1, \"description\": \"\u{FFFD}\"}"], mentions: ["w.json"]),
        Inputs.fleet("\"samples\": 200", "\"samples\": \"two hundred\"", mentions: ["samples", "sample count"], name: "workload samples string"),
        Inputs.fleet("\"samples\": 200", "\"samples\": 1e12", mentions: ["samples"], name: "workload samples huge"),
        Inputs.fleet("\"samples\": 200", "\"samples\": -3", mentions: ["samples"], name: "workload samples negative"),
        Inputs.fleet("\"samples\": 200", "\"samples\": 200, \"colour\": \"red\"", mentions: ["colour"], name: "workload unknown top key"),
        Inputs.fleet("\"kind\": \"kernel\"", "\"kind\": \"kernal\"", mentions: ["kernal", "kernel"], name: "workload scenario kind"),
        Inputs.fleet("\"gpu\": \"h100-sxm\"", "\"gpu\": \"v100-sxm2-32gb\"", mentions: ["scenario s, deployment d", "bf16", "--precision"],
                     name: "workload deployment the GPU cannot run"),
        Inputs.fleet("\"share\": 1", "\"share\": 0.7", mentions: ["share", "sum to 1"], name: "workload shares"),
        Inputs.fleet("\"share\": 1", "\"share\": \"NaN\"", mentions: ["share"], name: "workload share NaN string"),
        Inputs.fleet("\"deployment\": \"d\"", "\"deployment\": \"dd\"", mentions: ["dd", "\"d\"".replacingOccurrences(of: "\"", with: "")], name: "workload unknown deployment"),
        Inputs.fleet("\"model\": \"meta-llama/Llama-3.1-8B-Instruct\"", "\"model\": \"llama-3.1-8b-instrct\"", mentions: ["llama-3.1-8b-instrct"], name: "workload unknown model"),
        Inputs.fleet("\"gpu\": \"h100-sxm\"", "\"gpu\": \"h100-sxm\", \"gpus\": 0", mentions: ["gpus"], name: "workload gpus zero"),
        Inputs.fleet("\"input\": {\"fixed\": 100}", "\"input\": {\"fixed\": -100}", mentions: ["input"], name: "workload negative input"),
        Inputs.fleet("\"input\": {\"fixed\": 100}", "\"input\": {\"lognormal\": {\"p5\": 100, \"p95\": 10}}", mentions: ["input.lognormal"], name: "workload lognormal reversed"),
        Inputs.fleet("\"input\": {\"fixed\": 100}", "\"input\": {\"exponential\": {\"median\": 0}}", mentions: ["input"], name: "workload exponential zero"),
        Inputs.fleet("\"output\": {\"fixed\": 50}", "\"output\": {\"lognormal\": {\"p5\": 10, \"p95\": 1e15}}", mentions: ["output.lognormal.p95", "10000000"], name: "workload lognormal beyond range"),
        // Every query generating nothing had been priced as decoding at "batch 7".
        Inputs.fleet("\"output\": {\"fixed\": 50}", "\"output\": {\"fixed\": 0}", mentions: ["classes[0].output", "some output tokens"], name: "workload output zero"),
        Inputs.fleet("\"output\": {\"fixed\": 50}", "\"output\": {\"uniform\": {\"low\": 0, \"high\": 0}}", mentions: ["classes[0].output"], name: "workload output uniform zero"),
        Inputs.fleet("\"input\": {\"fixed\": 100}", "\"input\": {\"histogram\": {\"edges\": [1, 2, 1e12], \"weights\": [1, 1]}}", mentions: ["input.histogram.edges[2]"], name: "workload histogram beyond range"),
        Inputs.fleet("\"input\": {\"fixed\": 100}", "\"input\": {\"histogram\": {\"edges\": [1, 2], \"weights\": [1, 1]}}", mentions: ["input"], name: "workload histogram mismatch"),
        Inputs.fleet("\"input\": {\"fixed\": 100}", "\"input\": {\"trace\": {\"file\": \"none.csv\", \"column\": \"x\"}}", mentions: ["none.csv"], name: "workload trace missing"),
        Inputs.fleet("\"input\": {\"fixed\": 100}", "\"input\": {\"gaussian\": {\"mean\": 1}}", mentions: ["gaussian"], name: "workload unknown distribution"),
        Inputs.fleet("\"kind\": \"kernel\",", "\"kind\": \"kernel\", \"diurnal\": [1, 2],", mentions: ["diurnal", "24"], name: "workload diurnal length"),
        Inputs.fleet("\"kind\": \"kernel\",", "\"kind\": \"kernel\", \"diurnal\": [1, 1, 1, -1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1],",
                     mentions: ["diurnal[3]", "-1", "non-negative"], name: "workload negative diurnal hour"),
        // Trapped ("Range requires lowerBound <= upperBound") before low was checked.
        Inputs.fleet("\"kind\": \"kernel\",", "\"kind\": \"kernel\", \"pue\": {\"uniform\": {\"low\": 2e15, \"high\": 3e15}},",
                     mentions: ["pue.uniform.low", "from 1 to 5"], name: "workload uniform low above the range"),
        Inputs.fleet("\"kind\": \"kernel\",", "\"kind\": \"kernel\", \"pue\": {\"uniform\": {\"low\": 1.2, \"high\": 9}},",
                     mentions: ["pue.uniform.high", "to 5"], name: "workload uniform high above the range"),
        Inputs.fleet("\"kind\": \"kernel\",", "\"kind\": \"kernel\", \"headroom\": -0.2,", mentions: ["headroom"], name: "workload headroom negative"),
        Inputs.fleet("\"kind\": \"kernel\",", "\"kind\": \"kernel\", \"pue\": {\"fixed\": 0.9},", mentions: ["pue"], name: "workload pue below one"),
        Inputs.fleet("\"kind\": \"kernel\",", "\"kind\": \"kernel\", \"sameDrawsAs\": \"t\",", mentions: ["sameDrawsAs", "t"], name: "workload same draws unknown"),
        Inputs.fleet("\"kind\": \"kernel\",", "\"kind\": \"kernel\", \"levers\": [{\"name\": \"x\", \"precision\": \"fp2\"}],", mentions: ["fp2"], name: "workload lever precision"),
        Inputs.fleet("\"kind\": \"kernel\",", "\"kind\": \"kernel\", \"levers\": [{\"name\": \"x\", \"speculative\": {\"draftTokens\": 4, \"acceptance\": 1.5}}],", mentions: ["acceptance"], name: "workload speculative acceptance"),
        Inputs.fleet("\"schemaVersion\": 1", "\"schemaVersion\": 7", mentions: ["schemaVersion", "7"], name: "workload schema version"),
        Inputs.fleet("\"name\": \"c\", \"share\": 1", "\"name\": \"c\", \"share\": 1, \"strategy\": {\"kind\": \"agent-loop\", \"calls\": 0, \"toolTokens\": 5}", mentions: ["calls"], name: "workload agent calls zero"),
        Inputs.fleet("\"description\": \"x\",", "\"description\": \"x\", \"emissions\": {\"region\": \"mars\"},", mentions: ["mars", "region"], name: "workload unknown region"),
        Inputs.fleet("\"description\": \"x\",", "\"description\": \"x\", \"emissions\": {\"contractualShare\": 1.5},", mentions: ["contractualShare"], name: "workload contractual share"),
        Inputs.fleet("\"description\": \"x\",", "\"description\": \"x\", \"emissions\": {\"provider\": \"gogle\"},", mentions: ["gogle", "google"], name: "workload unknown provider"),
        Inputs.fleet("\"description\": \"x\",", "\"description\": \"x\", \"emissions\": {\"hourlyIntensity\": {\"values\": [1, 2, 3]}},", mentions: ["hourlyIntensity", "24"], name: "workload hourly intensity length"),
        Inputs.fleet("{\"name\": \"s\"", "{\"name\": \"s\", \"kind\": \"kernel\", \"deployments\": [], \"classes\": []}, {\"name\": \"s\"", mentions: ["deployments"], name: "workload empty deployments"),
        Inputs.fleet("\"scenarios\": [{", "\"scenarios\": [{\"name\": \"m\", \"kind\": \"mix\", \"queriesPerDay\": 1e7, \"mix\": [{\"scenario\": \"s\", \"share\": 1}]}, {", mentions: ["s"], name: "workload mix before its scenario"),
    ]

    static let tables: [BadInput] = [
        // Counted twice in the blend (median 0.309 -> 0.444 Wh); a top 100 of 5 models was accepted.
        Inputs.table(#"[{"name": "Llama 3.1 70B", "nodePowerKW": 10}]"#, #"[{"name": "Llama 3.1 70B", "nodePowerKW": 10}, {"name": "Llama 3.1 70B", "nodePowerKW": 11}]"#,
                     mentions: ["scenarios[0].throughputTable.models[1].name", "models[0]"], name: "table duplicate model"),
        Inputs.table(#""inputTokens": 500"#, #""inputTokens": 500, "blendTop": 4"#, mentions: ["throughputTable.blendTop", "at most 1"], name: "table blend top above the models"),
        // No suggestion, no field, and for a missing file not even the workload.
        Inputs.table("Llama 3.1 70B", "Llama 3.1 71B", mentions: ["scenarios[0].throughputTable.models[0].name", "did you mean 'Llama 3.1 70B'"], name: "table unknown model"),
        Inputs.table(#""inputTokens": 500"#, #""inputTokens": 500, "quantization": "FP9""#, mentions: ["throughputTable.quantization", "FP9", "FP8", "FP16"], name: "table unknown quantization"),
        Inputs.table("model_throughput_DB.csv", "nope.csv", mentions: ["scenarios[0].throughputTable.file", "nope.csv", "no such file"], name: "table missing file"),
    ]

    static let predicts: [BadInput] = [
        Inputs.predict("", mentions: ["p.csv"], name: "predict empty", header: ""),
        Inputs.predict("meta-llama/Llama-3.1-8B-Instruct;h100-sxm;1;128\n", mentions: ["semicolons"], name: "predict semicolons", header: "model;gpu;batch;input_tokens\n"),
        Inputs.predict("meta-llama/Llama-3.1-8B-Instruct\th100-sxm\t1\t128\n", mentions: ["tabs"], name: "predict tabs", header: "model\tgpu\tbatch\tinput_tokens\n"),
        Inputs.predict("x,h100-sxm,1,128\n", mentions: ["line 2", "x"], name: "predict unknown model row"),
        Inputs.predict("meta-llama/Llama-3.1-8B-Instruct,h100-sxm,abc,128\n", mentions: ["line 2", "batch", "abc"], name: "predict batch text"),
        Inputs.predict("meta-llama/Llama-3.1-8B-Instruct,h100-sxm,0,128\n", mentions: ["line 2", "batch"], name: "predict batch zero"),
        Inputs.predict("meta-llama/Llama-3.1-8B-Instruct,h100-sxm,1,nan\n", mentions: ["line 2", "input_tokens", "nan"], name: "predict input nan"),
        Inputs.predict("meta-llama/Llama-3.1-8B-Instruct,h100-sxm,1,12\u{1B}8\n", mentions: ["line 2", "input_tokens", "'12\\x1B8'"], name: "predict control byte in a cell"),
        Inputs.predict("meta-llama/Llama-3.1-8B-Instruct,h100-sxm,1,1e40\n", mentions: ["line 2", "input_tokens"], name: "predict input huge"),
        Inputs.predict("meta-llama/Llama-3.1-8B-Instruct,h100-sxm,1,128,0x12C\n", mentions: ["line 2", "power_cap_w", "0x12C"], name: "predict cap in hexadecimal",
                       header: "model,gpu,batch,input_tokens,power_cap_w\n"),
        Inputs.predict("meta-llama/Llama-3.1-8B-Instruct,h100-sxm,1\n", mentions: ["line 2", "3 fields", "could not be scored"], name: "predict short row"),
        Inputs.predict("meta-llama/Llama-3.1-8B-Instruct,h100-sxm,serve,8,512,128,false\n", mentions: ["line 2", "column lm_head", "serve row"],
                       name: "predict serve row without the LM head", header: "model,gpu,phase,batch,input_tokens,output_tokens,lm_head\n"),
        Inputs.predict("meta-llama/Llama-3.1-8B-Instruct,h100-sxm,1,128\n", mentions: ["duplicate column"], name: "predict duplicate column", header: "model,gpu,batch,batch\n"),
        Inputs.predict("meta-llama/Llama-3.1-8B-Instruct,h100-sxm,1,128\n", mentions: ["input_tokens"], name: "predict missing column", header: "model,gpu,batch,tokens\n"),
        Inputs.predict("meta-llama/Llama-3.1-8B-Instruct,h100-sxm,1,128\n", mentions: ["'Model'", "'model'", "case-sensitive"], name: "predict capitalised column",
                       header: "Model,GPU,batch,input_tokens\n"),
        // Exit 0 with the header alone and no word that nothing was scored.
        Inputs.predict("", mentions: ["p.csv", "no rows", "nothing was scored"], name: "predict header only").with(status: 0),
        // A pass is one step: the output count was dropped without a word.
        Inputs.predict("meta-llama/Llama-3.1-8B-Instruct,h100-sxm,1,128,forward,500\nmeta-llama/Llama-3.1-8B-Instruct,h100-sxm,1,128,decode-step,9\n",
                       mentions: ["p.csv", "2 forward or decode-step rows", "line 2", "only serve rows read"], name: "predict output tokens on a pass",
                       header: "model,gpu,batch,input_tokens,phase,output_tokens\n").with(status: 0),
        Inputs.predict("meta-llama/Llama-3.1-8B-Instruct,h100-sxm,1,\"12\"8\n", mentions: ["p.csv:2", "closing quote"], name: "predict stray quote"),
        Inputs.predict("meta-llama/Llama-3.1-8B-Instruct,h100-sxm,1,\"128\n", mentions: ["unterminated"], name: "predict unterminated quote"),
        Inputs.predict("meta-llama/Llama-3.1-70B-Instruct,h100-sxm,1,128\n", mentions: ["line 2", "does not fit"], name: "predict model too big"),
        Inputs.predict("meta-llama/Llama-3.1-8B-Instruct,v100-sxm2-32gb,1,128,fp8\n", mentions: ["line 2", "fp8", "v100-sxm2-32gb"], name: "predict precision lacking", header: "model,gpu,batch,input_tokens,precision\n"),
        // Misspelt columns were ignored and the rows priced at the defaults (a forward pass, no cap, batch 1), exit 0.
        Inputs.predict("meta-llama/Llama-3.1-8B-Instruct,h100-sxm,64,1024,serve\n", mentions: ["p.csv:1", "'phse'", "did you mean 'phase'", "x_"],
                       name: "predict misspelt phase column", header: "model,gpu,batch,input_tokens,phse\n"),
        Inputs.predict("meta-llama/Llama-3.1-8B-Instruct,h100-sxm,64,1024,300\n", mentions: ["p.csv:1", "'power_cap'", "'power_cap_w'"],
                       name: "predict misspelt cap column", header: "model,gpu,batch,input_tokens,power_cap\n"),
        Inputs.predict("meta-llama/Llama-3.1-8B-Instruct,h100-sxm,1024,64\n", mentions: ["'batchsize'", "'batch'"],
                       name: "predict batch column run together", header: "model,gpu,input_tokens,batchsize\n"),
        Inputs.predict("meta-llama/Llama-3.1-8B-Instruct,h100-sxm,1,128,nucleus\n", mentions: ["line 2", "sampling", "nucleus"], name: "predict unknown sampling", header: "model,gpu,batch,input_tokens,sampling\n"),
        // Other tools' names for a setting were carried through unread, the row priced at the default (tp 1, BF16), exit 0.
        Inputs.predict("meta-llama/Llama-3.1-8B-Instruct,h100-sxm,8,512,2\n", mentions: ["p.csv:1", "'tensor_parallel_size'", "column 'tp'", "x_"],
                       name: "predict vLLM tensor parallel column", header: "model,gpu,batch,input_tokens,tensor_parallel_size\n"),
        Inputs.predict("meta-llama/Llama-3.1-8B-Instruct,h100-sxm,8,512,2\n", mentions: ["'tp_size'", "column 'tp'"],
                       name: "predict tp_size column", header: "model,gpu,batch,input_tokens,tp_size\n"),
        Inputs.predict("meta-llama/Llama-3.1-8B-Instruct,h100-sxm,8,512,2\n", mentions: ["'gpu_count'", "column 'gpus'"],
                       name: "predict gpu_count column", header: "model,gpu,batch,input_tokens,gpu_count\n"),
        Inputs.predict("meta-llama/Llama-3.1-8B-Instruct,h100-sxm,8,512,fp8\n", mentions: ["'kv_cache_dtype'", "column 'kv_precision'"],
                       name: "predict vLLM kv cache dtype column", header: "model,gpu,batch,input_tokens,kv_cache_dtype\n"),
        Inputs.predict("meta-llama/Llama-3.1-8B-Instruct,h100-sxm,8,512,fp8\n", mentions: ["'dtype'", "column 'precision'"],
                       name: "predict dtype column", header: "model,gpu,batch,input_tokens,dtype\n"),
        Inputs.predict("meta-llama/Llama-3.1-8B-Instruct,h100-sxm,8,512,300\n", mentions: ["'Power-Limit-W'", "column 'power_cap_w'"],
                       name: "predict power limit column", header: "model,gpu,batch,input_tokens,Power-Limit-W\n"),
        Inputs.predict("meta-llama/Llama-3.1-8B-Instruct,h100-sxm,8,512,serve,200\n", mentions: ["'output_len'", "column 'output_tokens'"],
                       name: "predict output_len column", header: "model,gpu,batch,input_tokens,phase,output_len\n"),
    ]

    static let traces: [BadInput] = [
        Inputs.trace("", mentions: ["t.csv", "empty"], name: "trace empty"),
        Inputs.trace("time,prompt,answer\n1,2,3\n", mentions: ["t.csv", "--input-column"], name: "trace unknown header"),
        Inputs.trace(Inputs.azureHeader + "2023-11-16 18:15:46.68,374,44\n2023-11-16 18:15:47.00,lots,44\n", mentions: ["line 3", "lots"], name: "trace tokens text"),
        Inputs.trace(Inputs.azureHeader + "2023-11-16 18:15:46.68,-374,44\n", mentions: ["line 2", "-374"], name: "trace tokens negative"),
        // The whole line was quoted as the value ("has value 2023-11-16 18:15:46.68,10.5,4"): the cell and its column are.
        Inputs.trace(Inputs.azureHeader + "2023-11-16 18:15:46.68,10.5,4\n", mentions: ["line 2 input tokens (column ContextTokens)' has value 10.5;"],
                     name: "trace fractional tokens name their cell"),
        Inputs.trace("when,prompt,answer\n1,\"5\",7e3\n", mentions: ["line 2 output tokens (column answer)' has value 7e3;"], name: "trace quoted line names its cell",
                     extra: ["--log-format", "csv", "--time-column", "when", "--input-column", "prompt", "--output-column", "answer"]),
        // A misspelt key read as a bad value of the right one ("expected a whole number of tokens").
        Inputs.trace("{\"timestamp\": 0, \"input_lenght\": 5, \"output_length\": 5}\n", mentions: ["missing field 'line 1 input_length'", "'input_lenght'"],
                     name: "trace jsonl misspelt key"),
        Inputs.trace("{\"timestamp\": 0, \"input_length\": \"5\", \"output_length\": 5}\n", mentions: ["'line 1 input_length' has value \"5\";"],
                     name: "trace jsonl token count as a string"),
        // The stray CR of a \r\r\n line end was echoed invisibly: "has value …,44".
        Inputs.trace(Inputs.azureHeader + "2023-11-16 18:15:46.68,374,44\r\r\n", mentions: ["line 2", "(column GeneratedTokens)", "has value 44\\r;"], name: "trace stray carriage return"),
        Inputs.trace(Inputs.azureHeader + "yesterday,374,44\n", mentions: ["line 2", "timestamp", "yesterday"], name: "trace timestamp text"),
        Inputs.trace(Inputs.azureHeader + "2023-13-16 18:15:46.68,374,44\n", mentions: ["line 2", "timestamp"], name: "trace month 13"),
        Inputs.trace(Inputs.azureHeader + "2023-11-16 18:15:46.68,374,100000000000000000000\n", mentions: ["line 2", "output"], name: "trace tokens huge"),
        Inputs.trace("t,in,out\nnan,5,5\n", mentions: ["line 2", "timestamp", "nan"], name: "trace timestamp nan", extra: ["--log-format", "csv", "--time-column", "t", "--input-column", "in", "--output-column", "out"]),
        Inputs.trace("t,in,out\n1,5,5\n", mentions: ["t.csv", "tokns"], name: "trace unknown column", extra: ["--log-format", "csv", "--time-column", "t", "--input-column", "tokns", "--output-column", "out"]),
        Inputs.trace("{\"timestamp\": 0, \"input_length\": 5}\n", mentions: ["line 1", "output_length"], name: "trace jsonl missing key"),
        // A CSV line read as "invalid literal; expected 'true'", a non-object line as "field 'line 2 line'".
        Inputs.trace("{\"timestamp\": 0, \"input_length\": 5, \"output_length\": 5}\ntimestamp,input_length,output_length\n",
                     mentions: ["'line 2' has value timestamp,input_length", "one JSON object a line"], name: "trace csv line in a jsonl log"),
        Inputs.trace("{\"timestamp\": 0, \"input_length\": 5, \"output_length\": 5}\n[1, 2]\n",
                     mentions: ["'line 2' has value [1, 2]", "one JSON object a line"], name: "trace jsonl line not an object"),
        Inputs.trace(Inputs.azureHeader + "2023-11-16T18:15:46.5+25:00,374,44\n", mentions: ["line 2", "timestamp", "+25:00"], name: "trace offset past 23 hours"),
        Inputs.trace(Inputs.azureHeader + "2023-11-16T18:15:46.5 UTC,374,44\n", mentions: ["line 2", "timestamp", "T between date and time", "Z or an offset"],
                     name: "trace date-time forms named"),
        Inputs.trace("{\"timestamp\": 0, \"input_length\": 5, \"output_length\": 5}\n{\"timestamp\": 1, \"input_le", mentions: ["t.csv:2"], name: "trace jsonl truncated"),
        Inputs.trace("{\"timestamp\": 0, \"input_length\": 5.5, \"output_length\": 5}\n", mentions: ["line 1", "input_length"], name: "trace jsonl fractional tokens"),
        // Found by the fuzzer: a 50-digit count trapped converting to Int.
        Inputs.trace("{\"timestamp\": 0, \"input_length\": 5, \"output_length\": 20496382304121724007777770000000000000000000000}\n", mentions: ["line 1", "output_length", "999999999"], name: "trace jsonl tokens huge"),
        Inputs.trace("{\"timestamp\": 1e300, \"input_length\": 5, \"output_length\": 5}\n", mentions: ["line 1", "timestamp", "1e13"], name: "trace jsonl timestamp far future"),
        Inputs.trace("t,in,out\n1e300,5,5\n", mentions: ["line 2", "timestamp"], name: "trace csv timestamp far future", extra: ["--log-format", "csv", "--time-column", "t", "--input-column", "in", "--output-column", "out"]),
        Inputs.trace("t,in,out\n1,5,123456789012345\n", mentions: ["line 2", "output"], name: "trace csv tokens beyond 1e9", extra: ["--log-format", "csv", "--time-column", "t", "--input-column", "in", "--output-column", "out"]),
        // Extra fields and duplicate names were read silently; a quoted comma shifted the columns.
        Inputs.trace(Inputs.azureHeader + "2023-11-16 18:15:46.68,374,44,extra\n", mentions: ["t.csv:2", "4 fields", "3 columns"], name: "trace row with an extra field"),
        Inputs.trace("TIMESTAMP,ContextTokens,GeneratedTokens,ContextTokens\n2023-11-16 18:15:46.68,374,44,9\n", mentions: ["t.csv:1", "duplicate column 'ContextTokens'"], name: "trace duplicate header"),
        Inputs.trace("timestamp,prompt,input_length,output_length\n1,\"a, 5000\n", mentions: ["t.csv:2", "unterminated"], name: "trace quote across lines"),
        // Hour 99 and 31 February stretched the log and its idle.
        Inputs.trace(Inputs.azureHeader + "2023-11-16 99:99:99.0,374,44\n", mentions: ["line 2", "timestamp", "hour 0–23"], name: "trace impossible hour"),
        Inputs.trace(Inputs.azureHeader + "2023-02-31 10:00:00.0,374,44\n", mentions: ["line 2", "timestamp", "a day the month has"], name: "trace impossible date"),
        // Without times every request arrived at once and the rows did not add up to the total.
        Inputs.trace("in,out\n5,5\n", mentions: ["--time-column"], name: "trace csv without a time column", extra: ["--input-column", "in", "--output-column", "out"]).with(status: 64),
        Inputs.trace("input_length,output_length\n5,5\n", mentions: ["t.csv", "time column"], name: "trace mooncake csv without a time column"),
        Inputs.trace("{\"timestamp\": 0, \"input_length\": 5, \"output_length\": 5, \"input_length\": 9000}\n", mentions: ["t.csv:1", "duplicate"], name: "trace jsonl duplicate key"),
        Inputs.trace("{\"timestamp\": 0, \"input_length\": 5, \"output_length\": 5\n", mentions: ["t.csv:1"], name: "trace jsonl without its closing brace"),
        Inputs.trace("{\"meta\": {\"input_length\": 7}, \"timestamp\": 0, \"output_length\": 5}\n", mentions: ["line 1", "input_length"], name: "trace jsonl nested key only"),
        // FileHandle opened the folder and trapped on the first read.
        BadInput(name: "trace a directory", args: ["trace", "{dir}", "--model", Inputs.model8B, "--gpu", "h100-sxm"], mentions: ["is a directory"]),
        BadInput(name: "trace per-request under a file", args: ["trace", "{dir}/t.csv", "--model", Inputs.model8B, "--gpu", "h100-sxm", "--per-request", "{dir}/t.csv/x.csv"],
                 files: ["t.csv": Inputs.azureHeader + "2023-11-16 18:15:46.68,374,44\n"], mentions: ["t.csv", "is a file, not a folder"]),
        // A header with no requests named no file.
        Inputs.trace(Inputs.azureHeader, mentions: ["t.csv: the request log holds no requests"], name: "trace header only"),
        // A summary asked for beside the rows on stdout went nowhere.
        BadInput(name: "trace rows to stdout with a json summary", args: ["trace", "{dir}/t.csv", "--model", Inputs.model8B, "--gpu", "h100-sxm",
                                                                          "--per-request", "-", "--format", "json"],
                 files: ["t.csv": Inputs.azureHeader + "2023-11-16 18:15:46.68,374,44\n"], status: 64, mentions: ["--per-request -", "--format json", "--per-request FILE"]),
        // Rows no replica holds alone: the error named the sample's mean request, not the file or lines.
        Inputs.trace("timestamp,input_length,output_length\n0,999999999,10\n1,900000000,10\n", mentions: ["t.csv", "lines 2 and 3", "no sequence of"],
                     name: "trace only requests too long to hold"),
        BadInput(name: "trace missing file", args: ["trace", "{dir}/none.csv", "--model", Inputs.model8B, "--gpu", "h100-sxm"], mentions: ["none.csv", "no such file"]),
    ]

    static let calibrations: [BadInput] = [
        BadInput(name: "calibrate one configuration", args: ["calibrate", "{dir}/r.csv", "-o", "{dir}/cal.json"],
                 files: ["r.csv": Inputs.calibrateHeader + String(repeating: "\(Inputs.model8B),h100-sxm,8,512,forward,400,20\n", count: 5)],
                 mentions: ["distinct configuration"], outputs: ["cal.json"]),
        BadInput(name: "calibrate missing measurements", args: ["calibrate", "{dir}/r.csv", "-o", "{dir}/cal.json"],
                 files: ["r.csv": "model,gpu,batch,input_tokens\n\(Inputs.model8B),h100-sxm,8,512\n"], mentions: ["r.csv", "measured_gpu_power_w"], outputs: ["cal.json"]),
        BadInput(name: "calibrate negative power", args: ["calibrate", "{dir}/r.csv", "-o", "{dir}/cal.json"],
                 files: ["r.csv": Inputs.calibrateHeader + "\(Inputs.model8B),h100-sxm,8,512,forward,-400,20\n"], mentions: ["r.csv", "line 2", "measured_gpu_power_w", "-400"], outputs: ["cal.json"]),
        // 350,000 mW read as 'expected a number from 1 to 5000', with no word of the unit.
        BadInput(name: "calibrate power in milliwatts", args: ["calibrate", "{dir}/r.csv", "-o", "{dir}/cal.json"],
                 files: ["r.csv": Inputs.calibrateHeader + "\(Inputs.model8B),h100-sxm,8,512,forward,350000,20\n"],
                 mentions: ["r.csv", "line 2", "350000", "watts per GPU", "milliwatts"], outputs: ["cal.json"]),
        BadInput(name: "calibrate power infinite", args: ["calibrate", "{dir}/r.csv", "-o", "{dir}/cal.json"],
                 files: ["r.csv": Inputs.calibrateHeader + "\(Inputs.model8B),h100-sxm,8,512,forward,inf,20\n"], mentions: ["r.csv", "line 2", "inf"], outputs: ["cal.json"]),
        BadInput(name: "calibrate misspelt measured column", args: ["calibrate", "{dir}/r.csv", "-o", "{dir}/cal.json"],
                 files: ["r.csv": Inputs.calibrateHeader.replacingOccurrences(of: "measured_time_ms", with: "measured_time") + "\(Inputs.model8B),h100-sxm,8,512,forward,400,20\n"],
                 mentions: ["r.csv:1", "'measured_time'", "'measured_time_ms'"], outputs: ["cal.json"]),
        // 5000 W on one H100 (700 W) was fitted and written.
        BadInput(name: "calibrate power above the GPU's limit", args: ["calibrate", "{dir}/r.csv", "-o", "{dir}/cal.json"],
                 files: ["r.csv": Inputs.calibrateHeader + ["8,512,forward,5000", "1,128,forward,300", "64,2048,forward,650"].map { "\(Inputs.model8B),h100-sxm,\($0),20\n" }.joined()],
                 mentions: ["r.csv:2", "measured_gpu_power_w", "5000", "power limit", "700"], outputs: ["cal.json"]),
        BadInput(name: "calibrate zeus without a manifest", args: ["calibrate", "{dir}/r.csv", "--zeus", "{dir}/z.json", "-o", "{dir}/cal.json"],
                 files: ["r.csv": Inputs.calibrateHeader + "\(Inputs.model8B),h100-sxm,8,512,forward,400,20\n"], status: 64,
                 mentions: ["--zeus", "--manifest"], outputs: ["cal.json"]),
        BadInput(name: "calibrate output over its runs", args: ["calibrate", "{dir}/r.csv", "-o", "{dir}/r.csv"],
                 files: ["r.csv": Inputs.calibrateHeader + "\(Inputs.model8B),h100-sxm,8,512,forward,400,20\n"], status: 64, mentions: ["-o", "the runs"]),
        BadInput(name: "calibrate power log without samples", args: ["calibrate", "--manifest", "{dir}/m.csv", "--power-log", "{dir}/log.csv", "-o", "{dir}/cal.json"],
                 files: ["m.csv": "start,end,model,gpu,batch,input_tokens\n0,10,\(Inputs.model8B),h100-sxm,8,512\n", "log.csv": "timestamp, index, power.draw [W]\n"],
                 mentions: ["m.csv", "line 2", "power samples"], outputs: ["cal.json"]),
        BadInput(name: "calibrate power log nan", args: ["calibrate", "--manifest", "{dir}/m.csv", "--power-log", "{dir}/log.txt", "--log-format", "dcgm", "-o", "{dir}/cal.json"],
                 files: ["m.csv": "start,end,model,gpu,batch,input_tokens\n0,10,\(Inputs.model8B),h100-sxm,8,512\n", "log.txt": "#Entity POWER\nGPU 0 nan\n"],
                 mentions: ["log.txt", "POWER", "nan"], outputs: ["cal.json"]),
    ]

    static let sweeps: [BadInput] = [
        Inputs.sweep("\"grid\": {", "\"grid\": {\"colour\": [1], ", mentions: ["colour"], name: "sweep unknown key"),
        Inputs.sweep("\"gpu\": [\"h100-sxm\"]", "\"gpu\": []", mentions: ["grid.gpu", "at least one"], name: "sweep empty list"),
        Inputs.sweep("\"gpu\": [\"h100-sxm\"]", "\"gpu\": [\"h100-sxm\"], \"gpus\": [0]", mentions: ["grid.gpus[0]"], name: "sweep zero gpus"),
        Inputs.sweep("\"gpu\": [\"h100-sxm\"]", "\"gpu\": [\"h100-sxm\"], \"precision\": [\"fp9\"]", mentions: ["fp9"], name: "sweep bad precision"),
        Inputs.sweep("\"gpu\": [\"h100-sxm\"]", "\"gpu\": [\"h100-sxm\"], \"maxBatch\": [1.5]", mentions: ["grid.maxBatch[0]"], name: "sweep fractional batch"),
        Inputs.sweep("\"input\": 100", "\"input\": 0", mentions: ["input"], name: "sweep zero input"),
        Inputs.sweep("\"grid\": {", "\"targets\": {\"itlMs\": -5}, \"grid\": {", mentions: ["itlMs"], name: "sweep negative target"),
        Inputs.sweep("\"model\": [\"meta-llama/Llama-3.1-8B-Instruct\"], \"gpu\": [\"h100-sxm\"]", "\"model\": [\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\",\"k\"], \"gpu\": [\"g0\",\"g1\",\"g2\",\"g3\",\"g4\",\"g5\",\"g6\",\"g7\",\"g8\",\"g9\"], \"gpus\": [1,2,3,4,5,6,7,8,9,10], \"maxBatch\": [1,2,3,4,5,6,7,8,9,10], \"powerCapWatts\": [100,200,300,400,500,600,700,800,900,1000], \"tp\": [1,2,3,4,5,6,7,8,9,10], \"precision\": [\"bf16\",\"fp8\",\"fp16\",\"int8\",\"int4\",\"mxfp4\",\"fp32\",\"bf16\",\"fp8\",\"fp16\"]", mentions: ["grid", "10,000,000"], name: "sweep too many points"),
        // Each unknown id was one identical error row per point, exit 1 after running them all.
        BadInput(name: "sweep only unknown models", args: ["sweep", "{dir}/s.json"], files: ["s.json": Inputs.sweep.replacingOccurrences(of: "meta-llama/Llama-3.1-8B-Instruct", with: "gpt-9")],
                 mentions: ["s.json: grid.model[0]", "unknown model 'gpt-9'"]),
        Inputs.sweep("\"gpu\": [\"h100-sxm\"]", "\"gpu\": [\"h100-sxm\", \"h1000\"]", mentions: ["grid.gpu[1]", "'h1000'", "did you mean", "h100"], name: "sweep unknown gpu"),
    ]

    static let reports: [BadInput] = [
        BadInput(name: "report into a directory path", args: ["report", "{dir}/w.json", "-o", "{dir}/w.json"], files: ["w.json": Inputs.workload], mentions: ["w.json"]),
        BadInput(name: "power spec into a directory", args: ["power", "--params", "7e9", "--gpu", "h100-sxm", "--seq-length", "100", "--spec", "{dir}"], mentions: ["not a regular file"]),
        // --spec read like an input and replaced a workload passed to it.
        BadInput(name: "power spec over a workload", args: ["power", "--params", "7e9", "--gpu", "h100-sxm", "--seq-length", "100", "--spec", "{dir}/w.json"],
                 files: ["w.json": Inputs.workload], mentions: ["w.json", "not a power spec", "output"]),
        BadInput(name: "power spec over its calibration", args: ["power", "--params", "7e9", "--gpu", "h100-sxm", "--seq-length", "100",
                                                               "--calibration", "Sources/KernelPower/Resources/coefficients.json", "--spec", "Sources/KernelPower/Resources/coefficients.json"],
                 status: 64, mentions: ["--spec", "--calibration"]),
        BadInput(name: "capacity with no kernel scenario", args: ["capacity", "{dir}/o.json", "--budget-mw", "1"],
                 files: ["o.json": #"{"schemaVersion": 1, "description": "x", "scenarios": [{"name": "m", "kind": "throughput-table", "throughputTable": {"file": "oviedo-throughput/model_throughput_DB.csv", "inputTokens": 500, "models": [{"name": "Llama 3.1 70B", "nodePowerKW": 10}], "output": {"fixed": 300}, "powerUtilization": {"fixed": 0.5}}}]}"#],
                 mentions: ["kernel scenario"]),
        BadInput(name: "validate with a bad data dir", args: ["validate", "--data-dir", "{dir}/nowhere", "--no-report", "--quick"], mentions: ["nowhere"]),
    ]
}
