import KernelPower

/// Readers for the serving data sets beyond ML.ENERGY v3. Each maps a measured run to a
/// deployment and a serving request, with every assumption the data set forces stated here.
enum ServingDataSets {
    /// A data set's table, refused when it holds no rows: a header-only copy had dropped its data
    /// set from `validate` (and its chart from the report) with no word said.
    static func table(_ path: String) throws -> CSVTable {
        let t = try CSVTable.read(path: path)
        guard !t.rows.isEmpty else {
            throw InputError.unreadable(file: path, reason: "holds a header and no measurement rows (a truncated copy of the data set?)")
        }
        return t
    }

    static func column(_ t: CSVTable, _ name: String) throws -> Int {
        guard let i = t.column(name) else { throw InputError.missingField(file: t.file, field: name, expected: "a column of this data set") }
        return i
    }

    static func number(_ t: CSVTable, _ r: CSVTable.Row, _ c: Int) throws -> Double {
        guard let x = Double(r.fields[c]), x.isFinite else {
            throw InputError.invalidValue(file: t.file, field: "line \(r.line) \(t.header[c])", value: r.fields[c], expected: "a number")
        }
        return x
    }

    /// The largest count (GPUs, sequences, tokens) a data set's row may hold: more than any
    /// measurement has, and far from the 9.2e18 past which `Int(_:)` traps.
    static let largestCount = 100_000_000

    /// A count (GPUs, a parallel degree, a batch, a token count): a whole number from 1. A cell of
    /// 1e308 had trapped converting to Int, and tp 1.5 had been read as 1.
    static func count(_ t: CSVTable, _ r: CSVTable.Row, _ c: Int) throws -> Int {
        let x = try number(t, r, c)
        guard x >= 1, x <= Double(largestCount), x == x.rounded() else {
            throw InputError.invalidValue(file: t.file, field: "line \(r.line) \(t.header[c])", value: r.fields[c],
                                          expected: "a whole count from 1 to \(largestCount)")
        }
        return Int(x)
    }

    /// A measured value (energy, power, time, throughput, a mean length): above zero and below
    /// `limit`. A row of 0 or -1 J/token had been scored as a measurement, and one of 1e308 had
    /// entered the error statistics.
    static func measurement(_ t: CSVTable, _ r: CSVTable.Row, _ c: Int, below limit: Double = 1e12) throws -> Double {
        let x = try number(t, r, c)
        guard x > 0, x < limit else {
            throw InputError.invalidValue(file: t.file, field: "line \(r.line) \(t.header[c])", value: r.fields[c],
                                          expected: "a positive measurement below \(formatNumber(limit, significant: 3))")
        }
        return x
    }
}

/// ML.ENERGY Leaderboard v2 (vLLM 0.5.4, A100-SXM4-40GB on AWS p4d and H100 on AWS p5). Prompt
/// lengths are not in the export and v2 publishes no mean; they are counted here from the prompts
/// the clients sent (derived, 2026-12-06, Llama-2 tokenizer): 134 tokens for chat, the 500
/// ShareGPT first turns of ml-energy/leaderboard-v2 at c3af7f3
/// (`benchmark/llm_text_generation/chat/sharegpt/ShareGPT_V3_filtered_500.json`) with the client's
/// 19-token system prompt in the Llama-2 chat template (raw turns 94.6, median 29.5); 154 for code,
/// the 164 HumanEval prompts (openai/human-eval at 6d43fb9, which HumanEval+ reuses) sent stripped
/// through the completions endpoint, no template (median 133.5). Until 2026-12-06 chat took the
/// serving issue's 250 and code an assumed 150. Pipeline-parallel runs are scored, not fitted.
/// The chat client samples with top-p 0.95 at temperature 0.8, the code client greedily
/// (ml-energy/leaderboard-v2 `benchmark/llm_text_generation/{chat,code}/scripts/benchmark_client.py`);
/// vLLM 0.5.4's sampler sorts the logits for top-p as vLLM 0.11's does.
public enum MLEnergyV2Validation {
    static let gpuIDs = ["NVIDIA A100-SXM4-40GB": "a100-sxm-40gb", "NVIDIA H100 80GB HBM3": "h100-sxm"]
    static let prompts = ["llm_text_generation/chat": 134, "llm_text_generation/code": 154]
    static let sampling: [String: Sampling] = ["llm_text_generation/chat": .topP, "llm_text_generation/code": .direct]

    /// One run of the export as measured: its deployment request, its serving request at the mean
    /// batch, and what was measured.
    struct Run {
        let label: String, gpu: String, gpus: Int, meanBatch: Double
        let deployment: DeploymentRequest, request: ServingRequest
        let joulesPerOutputToken: Double, tokensPerSecond: Double, powerPerGPU: Double
    }

    /// The runs that can be estimated, and the others with the reason.
    static func runs(dataDirectory: String, catalog: GPUCatalog = .bundled) throws -> (runs: [Run], skipped: [(label: String, reason: String)]) {
        let t = try ServingDataSets.table(dataDirectory + "/mlenergy-leaderboard-v2/llm_runs.csv")
        let c = try ["task", "model", "gpu", "num_gpus", "tp", "pp", "avg_batch_size", "avg_output_tokens",
                     "energy_per_output_token_J", "token_throughput_tok_per_s", "implied_avg_power_W"].map { try ServingDataSets.column(t, $0) }
        var runs: [Run] = [], skipped: [(label: String, reason: String)] = []
        for r in t.rows {
            let f = r.fields
            guard let input = prompts[f[c[0]]] else { continue }  // the VLM task is out of scope
            guard let gpu = DataSetGPU.id(f[c[2]], mapped: gpuIDs, catalog: catalog) else {
                skipped.append(("\(f[c[1]]) \(f[c[3]])×\(f[c[2]]) b\(f[c[6]])", "GPU '\(f[c[2]])' is not mapped to a catalog GPU"))
                continue
            }
            let label = "\(f[c[1]]) \(f[c[3]])×\(gpu) \(f[c[0]].split(separator: "/").last ?? "") b\(f[c[6]])"
            let gpus = try ServingDataSets.count(t, r, c[3])
            let pp = try ServingDataSets.count(t, r, c[5])
            let meanBatch = try ServingDataSets.measurement(t, r, c[6], below: Double(ServingDataSets.largestCount))
            let output = max(1, Int(try ServingDataSets.measurement(t, r, c[7], below: Double(ServingDataSets.largestCount)).rounded()))
            runs.append(Run(label: label, gpu: gpu, gpus: gpus, meanBatch: meanBatch,
                            deployment: DeploymentRequest(model: f[c[1]], gpu: gpu, gpus: gpus, tensorParallel: gpus / max(1, pp),
                                                          precision: nil, sampling: sampling[f[c[0]]], pipelineParallel: pp),
                            request: ServingRequest(batch: max(1, Int(meanBatch.rounded())), inputTokens: input, outputTokens: output),
                            joulesPerOutputToken: try ServingDataSets.measurement(t, r, c[8]),
                            tokensPerSecond: try ServingDataSets.measurement(t, r, c[9]),
                            powerPerGPU: try ServingDataSets.measurement(t, r, c[10]) / Double(gpus)))
        }
        return (runs, skipped)
    }

    public static func run(dataDirectory: String, estimator: Estimator) throws -> MLEnergyValidation.Result {
        let (runs, skipped) = try runs(dataDirectory: dataDirectory, catalog: estimator.gpus)
        var out = MLEnergyValidation.Result(records: [], skipped: skipped)
        for run in runs {
            do {
                let d = try estimator.deployment(run.deployment)
                let s = try estimator.serve(d, run.request)
                let baseline = Baselines.Row(dataset: "mlenergy-v2", gpu: d.gpu, model: d.model, gpus: run.gpus, batch: run.meanBatch,
                                             tokensPerSecond: run.tokensPerSecond, time: nil, isPrefill: false, label: run.label,
                                             group: d.model.family)
                out.add([("j_per_token", run.joulesPerOutputToken, s.energyPerOutputToken.joules),
                         ("power_w_per_gpu", run.powerPerGPU, s.gpuPower.watts),
                         ("tokens_per_s", run.tokensPerSecond, s.outputTokensPerSecond)],
                        dataset: "mlenergy-v2", gpu: run.gpu, group: d.model.family, label: run.label, baseline: baseline)
            } catch {
                out.skipped.append((run.label, "\(error)"))
            }
        }
        return out
    }

    /// The runs on `gpu` as calibration rows (for refitting the engine's host on them).
    static func calibrationRows(dataDirectory: String, gpu: String, estimator: Estimator) throws -> [CalibrationRow] {
        try runs(dataDirectory: dataDirectory, catalog: estimator.gpus).runs.filter { $0.gpu == gpu }.compactMap { run in
            guard let d = try? estimator.deployment(run.deployment) else { return nil }
            return ServingCalibration.row(label: run.label, group: "\(gpu)/\(d.model.family)", deployment: d, request: run.request,
                                          outputTokensPerSecond: run.tokensPerSecond, powerPerGPU: run.powerPerGPU)
        }
    }
}

/// Argonne LLM-Inference-Bench power runs: one static batch of identical 1024-token prompts and
/// 1024 output tokens on one GPU. A100 runs are on ALCF Polaris (A100-SXM4-40GB); 455 W measured
/// on H100 rules out the 350 W PCIe card, so H100 is the SXM part. vLLM runs are scored as
/// `argonne`, TensorRT-LLM runs with the `trtllm` framework as `argonne/trtllm`; DeepSpeed-MII is
/// not modelled. The vLLM scripts sample at temperature 1.0 with top-p 1.0, no top-p filter
/// (argonne-lcf/LLM-Inference-Bench `vLLM/*/Power_measurement/benchmark_power.py`).
public enum ArgonneValidation {
    static let frameworks: [String: (Framework, dataset: String)] = ["vLLM": (.vllm, "argonne"),
                                                                     "TensorRT-LLM": (.trtllm, "argonne/trtllm")]

    static let gpuIDs = ["Nvidia A100 GPU": "a100-sxm-40gb", "Nvidia H100 GPU": "h100-sxm", "Nvidia GH200 GPU": "gh200"]

    public static func run(dataDirectory: String, estimator: Estimator) throws -> MLEnergyValidation.Result {
        let t = try ServingDataSets.table(dataDirectory + "/argonne-llm-inference-bench/power_runs.csv")
        let c = try ["hardware", "framework", "model", "input_len", "output_len", "batch_size", "latency_s", "avg_power_W",
                     "J_per_output_token"].map { try ServingDataSets.column(t, $0) }
        var out = MLEnergyValidation.Result(records: [], skipped: [])
        for r in t.rows {
            let f = r.fields
            guard let gpu = DataSetGPU.id(f[c[0]], mapped: gpuIDs, catalog: estimator.gpus) else {
                out.skipped.append(("\(f[c[2]]) \(f[c[0]]) \(f[c[1]]) b\(f[c[5]])", "hardware '\(f[c[0]])' is not mapped to a catalog GPU"))
                continue
            }
            let label = "\(f[c[2]]) \(gpu) \(f[c[1]]) b\(f[c[5]])"
            // Read before the estimate, so a corrupt cell stops the run naming its line.
            let batch = try ServingDataSets.count(t, r, c[5])
            let request = ServingRequest(batch: batch, inputTokens: try ServingDataSets.count(t, r, c[3]),
                                         outputTokens: try ServingDataSets.count(t, r, c[4]), batching: .staticBatch)
            let measuredLatency = try ServingDataSets.measurement(t, r, c[6])
            let joules = try ServingDataSets.measurement(t, r, c[8]), watts = try ServingDataSets.measurement(t, r, c[7])
            do {
                guard let (framework, dataset) = frameworks[f[c[1]]] else {
                    throw DeploymentError.invalidShape("framework \(f[c[1]]) is not modelled")
                }
                let d = try estimator.deployment(DeploymentRequest(model: f[c[2]], gpu: gpu, gpus: 1, precision: .bf16,
                                                                   framework: framework, sampling: .direct))
                let s = try estimator.serve(d, request)
                // The run finishes all `batch` requests; when fewer fit in memory they go in waves.
                let latency = Double(request.outputTokens) * Double(batch) / s.outputTokensPerSecond
                let baseline = Baselines.Row(dataset: dataset, gpu: d.gpu, model: d.model, gpus: 1, batch: Double(batch),
                                             tokensPerSecond: Double(batch * request.outputTokens) / measuredLatency, time: nil,
                                             isPrefill: false, label: label, group: d.model.family)
                out.add([("j_per_token", joules, s.energyPerOutputToken.joules),
                         ("power_w_per_gpu", watts, s.gpuPower.watts),
                         ("latency_s", measuredLatency, latency)],
                        dataset: dataset, gpu: gpu, group: d.model.family, label: label, baseline: baseline,
                        setting: ["campaign": "argonne", "model": f[c[2]], "gpu": gpu, "framework": framework.rawValue, "batch": String(batch)])
            } catch {
                out.skipped.append((label, "\(error)"))
            }
        }
        return out
    }
}
