import Foundation
import KernelPower

/// MLPerf Inference Power (closed, datacenter): wall power of 8-accelerator nodes running
/// TensorRT-LLM (estimated with the `trtllm` framework). Compared at the node boundary (GPUs + host
/// + PSU losses). GPT-J decodes with beam search, 4 beams per sample (mlcommons/inference
/// language/gpt-j/backend.py, `num_beams`: "only beam_size 4 is allowed for official submission"):
/// each sample prefills its article once and decodes 4 sequences that share its KV pages, and one
/// summary of 69 tokens counts. Its v3.1 and v4.0 rows report samples (Offline) or queries
/// (Server) per second, which LoadGen turns into tokens at 69 per sample (`tokens(_:units:outputPerSample:)`). Each row is estimated
/// with the parallelism, engine batch, GPU power limit and weight format its submitter published
/// (`submissions`): the H100 and H200 rows are "MaxQ" (power-tuned) with FP8 weights (`use_fp8 =
/// True` in the same configs); the only B200 power results of v5.1 ran uncapped in NVFP4. Output
/// tokens per sample: 294.45 for Llama-2-70B (mlcommons/inference language/llama2-70b/README.md,
/// "Tokens per sample"), 146 for Mixtral-8x7B (data README) and 69 for GPT-J (the factor LoadGen
/// multiplies samples/s by to report GPT-J tokens/s: `gptj.*.token_latency_scaling_factor = 69` in
/// mlcommons/inference loadgen/mlperf.conf), and 155 for Llama-3.1-8B (derived: its reference
/// accuracy target, mlcommons/inference language/llama3.1-8b/README.md, has `gen_len` 8,167,644
/// characters over `gen_num` 13,368 summaries, 611 characters each, at the 3.94 characters per
/// token of the Llama 3 tokenizer on English, "The Llama 3 Herd of Models", arXiv 2407.21783,
/// §3.1.1; its harness allows 2,000 new tokens, so GPT-J's 69 does not carry). Input tokens 512 for
/// OpenOrca-based sets (assumed: MLPerf keeps OpenOrca inputs within 1,024 tokens, `processorca.py
/// --seqlen_limit=1024` in language/llama2-70b, but publishes no mean) and 800 for CNN/DailyMail
/// (assumed near the data set's published mean article of 781 tokens, in words: See et al., "Get
/// To The Point", ACL 2017, §4; MLPerf adds an instruction and cuts at 1,919 tokens,
/// language/gpt-j/dataset.py; a BPE tokenizer makes somewhat more tokens than words). Models without such lengths (Llama-3.1-405B, DeepSeek-R1) are
/// listed as not estimated.
public enum MLPerfValidation {
    static let models: [String: (id: String, input: Int, output: Int)] = [
        "llama2-70b": ("meta-llama/Llama-2-70b-hf", 512, 294), "mixtral-8x7b": ("mistralai/Mixtral-8x7B-Instruct-v0.1", 512, 146),
        "gptj": ("EleutherAI/gpt-j-6b", 800, 69), "llama3.1-8b": ("meta-llama/Llama-3.1-8B-Instruct", 800, 155),
    ]
    static let gpuIDs = ["NVIDIA H100-SXM-80GB": "h100-sxm", "NVIDIA H200-SXM-141GB": "h200", "NVIDIA H100-PCIe-80GB": "h100-pcie",
                         "NVIDIA B200-SXM-180GB": "b200"]

    /// What a MaxQ submission ran: tensor parallelism, the engine's `gpu_batch_size` (Offline, Server)
    /// and the `power_limit` in watts, from the submitters' harness configs in
    /// mlcommons/inference_results_v4.0 (closed/NVIDIA and closed/Dell configs/llama2-70b/{Offline,Server},
    /// classes `H100_SXM_80GB_TP2x4_MaxQ` and `XE9680_H100_SXM_80GBX8`, identical values) and
    /// mlcommons/inference_results_v4.1 (closed/NVIDIA configs/{llama2-70b,mixtral-8x7b},
    /// classes `H200_SXM_141GBx8_MaxQ`). The batch is per engine (one per tensor-parallel group);
    /// the Server batch is the engine's limit, the load is lower.
    /// The KV cache is FP8 for Llama-2-70B and GPT-J (NVIDIA's closed/NVIDIA/code/{llama2-70b,gptj}/tensorrt/README.md
    /// quantize with `--qformat=fp8 --kv_cache_dtype=fp8`), BF16 where no recipe is published here.
    /// B200 (v5.1, the only B200 power results: Lenovo's, whose configs match NVIDIA's
    /// closed/NVIDIA/configs/B200-SXM-180GBx8): mlcommons/inference_results_v5.1 @ 965182b0,
    /// closed/Lenovo/configs/SR680a_V3_B200SXMx8/{Offline,Server}/llama2-70b.py and
    /// SR780a_V3_B200SXMx8/{Offline,Server}/llama3_1-8b.py: `tensor_parallelism` 1, `gpu_batch_size`
    /// 2048 and 6000, `precision` 'fp4' (NVFP4), `kv_cache_dtype` 'fp8'; registered MaxP only, and
    /// closed/Lenovo/measurements/*/power_settings.txt: "GPUs ran with original power mode, 1000W".
    /// `maxNumTokens` is the engine's `max_num_tokens`, the tokens one in-flight-batching step
    /// holds (decodes and prompt chunks): 4096 for Llama-2-70B and 16384 for Mixtral in the v4.1
    /// configs' base classes (configs/llama2-70b/__init__.py, configs/mixtral-8x7b/__init__.py;
    /// the v4.0 H100 classes carry the same batches and are taken to share the base), 3584 and
    /// 12000 in the B200 configs above. Rows without a published configuration take vLLM's 8192.
    struct Submission {
        let tp: Int, offlineBatch: Int, serverBatch: Int, powerLimitWatts: Double
        var weights: Precision = .fp8
        var kvPrecision: Precision = .bf16
        var maxNumTokens = 8192
        /// Beams each sample decodes: an engine of `batch` samples runs `batch × beams` sequences
        /// (TensorRT-LLM's `max_batch_size` counts requests, `max_beam_width` their beams).
        var beams = 1
    }
    static let submissions: [String: Submission] = [
        "llama2-70b h100-sxm": Submission(tp: 2, offlineBatch: 896, serverBatch: 1024, powerLimitWatts: 450, kvPrecision: .fp8,
                                          maxNumTokens: 4096),
        "llama2-70b h200": Submission(tp: 1, offlineBatch: 806, serverBatch: 896, powerLimitWatts: 500, kvPrecision: .fp8,
                                      maxNumTokens: 4096),
        "mixtral-8x7b h200": Submission(tp: 1, offlineBatch: 3072, serverBatch: 3072, powerLimitWatts: 500, maxNumTokens: 16384),
        "llama2-70b b200": Submission(tp: 1, offlineBatch: 2048, serverBatch: 2048, powerLimitWatts: 1000, weights: .nvfp4,
                                      kvPrecision: .fp8, maxNumTokens: 3584),
        "llama3.1-8b b200": Submission(tp: 1, offlineBatch: 6000, serverBatch: 6000, powerLimitWatts: 1000, weights: .nvfp4,
                                       kvPrecision: .fp8, maxNumTokens: 12000),
        // GPT-J MaxQ, FP8, one GPU per engine: mlcommons/inference_results_v4.0 @ 3c4a1cf1 and
        // inference_results_v4.1 @ a2f5d66d, closed/NVIDIA/configs/gptj/{Offline,Server}/__init__.py,
        // classes H100_SXM_80GBx8_MaxQ (gpu_batch_size 192 Offline, 256 Server; power_limit 350) and
        // H200_SXM_141GBx8_MaxQ (396 both; 350). Dell's XE9680 H100 rows take NVIDIA's classes.
        // FP8 KV cache per NVIDIA's GPT-J README (v4.0 @ 3c4a1cf1); only in FP8 do the published engines
        // hold their samples (192 H100 samples of 800 + 4 × 69/2 tokens need 83 GB of BF16 KV, 41 GB of FP8).
        "gptj h100-sxm": Submission(tp: 1, offlineBatch: 192, serverBatch: 256, powerLimitWatts: 350, kvPrecision: .fp8, beams: 4),
        "gptj h200": Submission(tp: 1, offlineBatch: 396, serverBatch: 396, powerLimitWatts: 350, kvPrecision: .fp8, beams: 4),
    ]

    /// Rounds whose GPT-J ran software the configurations above do not describe: the same DGX H100
    /// MaxQ served 64.5 samples/s in v3.1 and 178.9 in v4.0 (2.8×, in this data set), when NVIDIA's
    /// harness moved to TensorRT-LLM's in-flight batching; v3.1's Offline configuration is not in
    /// the index to say what ran before.
    static let gptjRoundsBefore = "v4.0"

    public static func run(dataDirectory: String, estimator: Estimator) throws -> MLEnergyValidation.Result {
        let t = try ServingDataSets.table(dataDirectory + "/mlperf-inference-power/llm_power_results.csv")
        let c = try ["result_id", "accelerator", "num_accelerators", "model", "scenario", "performance", "performance_units",
                     "system_power_W", "weight_data_types", "mlperf_version"].map { try ServingDataSets.column(t, $0) }
        var out = MLEnergyValidation.Result(records: [], skipped: [])
        var runs: [String: String] = [:]
        var overloaded: [String] = []
        for r in t.rows {
            let f = r.fields
            let key = f[c[3]].components(separatedBy: "-99")[0]
            let mapped = DataSetGPU.id(f[c[1]], mapped: gpuIDs, catalog: estimator.gpus)
            let gpu = mapped ?? f[c[1]]
            let label = "\(f[c[0]]) \(key) \(f[c[4]]) 8×\(gpu)"
            // One run submitted under two accuracy targets (llama2-70b-99 and -99.9) is one measurement.
            let run = [f[c[0]], key, f[c[4]], f[c[5]], f[c[7]]].joined(separator: "|")
            if let first = runs[run] {
                out.skipped.append(("\(f[c[0]]) \(f[c[3]]) \(f[c[4]]) 8×\(gpu)",
                                    "the same run as \(first) (identical tokens/s and wall power, submitted for a second accuracy target); counted once"))
                continue
            }
            runs[run] = "\(f[c[0]]) \(f[c[3]]) \(f[c[4]])"
            // Read before the estimate, so a corrupt cell stops the run naming its line.
            let gpus = try ServingDataSets.count(t, r, c[2])
            let samples = try ServingDataSets.measurement(t, r, c[5]), wall = try ServingDataSets.measurement(t, r, c[7])
            do {
                guard mapped != nil else { throw DeploymentError.invalidShape("accelerator \(f[c[1]]) is not mapped to a catalog GPU") }
                let m = try modelToScore(key, units: f[c[6]], round: f[c[9]])
                let sub = try submissions["\(key) \(gpu)"]
                    ?? assumedSubmission(model: m, gpu: gpu, gpus: gpus, declared: f[c[8]], estimator: estimator)
                let tokensPerSecond = tokens(samples, units: f[c[6]], outputPerSample: m.output)
                let server = f[c[4]] == "Server"
                let (d, s, ledger, overload) = try estimate(model: m, gpu: gpu, gpus: gpus, submission: sub,
                                                            batch: server ? sub.serverBatch : sub.offlineBatch,
                                                            load: server ? tokensPerSecond : nil, estimator: estimator)
                if overload { overloaded.append(label) }
                // Of a beam search's sequences, one summary per sample counts.
                let served = s.outputTokensPerSecond / Double(sub.beams)
                var metrics = [("node_power_w", wall, ledger.nodePower.watts),
                               ("node_j_per_token", wall / tokensPerSecond, ledger.nodePower.watts / served)]
                if !server { metrics.append(("tokens_per_s", tokensPerSecond, served)) }
                out.add(metrics, dataset: "mlperf-power", gpu: gpu, group: d.model.family, label: label)
            } catch {
                out.skipped.append((label, "\(error)"))
            }
        }
        out.notes.append(serverNote(overloaded: overloaded))
        return out
    }

    /// How Server rows were scored, naming those whose load the estimated node cannot carry. The
    /// measured rate is the configured one: v4.1's `H200_SXM_141GBx8_MaxQ` Server config sets
    /// `server_target_qps = 80` (23,556 tokens/s at 294.45 per sample; measured 23,113).
    static func serverNote(overloaded: [String]) -> String {
        "Server rows are estimated at the load LoadGen offered (their measured tokens/s, set by the submitter's "
            + "server_target_qps), at the batch that carries it; their tokens/s is an input, so only Offline rows score tokens_per_s"
            + (overloaded.isEmpty ? "" : "; the load exceeds the estimated capacity of " + overloaded.joined(separator: ", ")
                + ", estimated at capacity instead")
    }

    /// The model of a row that can be scored, or why it cannot.
    static func modelToScore(_ key: String, units: String, round: String) throws -> (id: String, input: Int, output: Int) {
        guard let m = models[key] else {
            throw DeploymentError.invalidShape("no mean input and output length for \(key) (the benchmark publishes none)")
        }
        let perSample = ["samples/s", "queries/s"].contains(units.lowercased()) && key == "gptj"
        guard units.lowercased() == "tokens/s" || perSample else { throw DeploymentError.invalidShape("throughput is in \(units), not tokens/s") }
        if key == "gptj", round.compare(gptjRoundsBefore, options: .numeric) == .orderedAscending {
            throw DeploymentError.invalidShape("\(round) GPT-J ran before TensorRT-LLM's in-flight batching (the same DGX H100 served "
                                               + "2.8× the samples in v4.0); no configuration of that round is in the index")
        }
        return m
    }

    /// Output tokens per second of a row's throughput: GPT-J's samples or queries per second at
    /// its 69 tokens per sample, the factor LoadGen itself reports tokens with.
    static func tokens(_ value: Double, units: String, outputPerSample: Int) -> Double {
        units.lowercased() == "tokens/s" ? value : value * Double(outputPerSample)
    }

    /// A row whose configuration is not in `submissions` (the held-back B200 rows, say) is
    /// forecast from specs: FP8 weights and KV cache (NVFP4 weights when the row declares an FP4
    /// format: "NVIDIA TensorRT Model Optimizer software quantized DeepSeek-R1, Llama 3.1 405B,
    /// Llama 2 70B and Llama 3.1 8B to NVFP4", NVIDIA blog "NVIDIA Blackwell Ultra Sets New
    /// Inference Records in MLPerf Debut", 2025-09-09), the GPU's own power limit, the fewest
    /// tensor-parallel GPUs whose engine holds 256 sequences, and 1,024 sequences per engine (what
    /// the memory holds, if fewer).
    static func assumedSubmission(model m: (id: String, input: Int, output: Int), gpu: String, gpus: Int,
                                  declared: String = "", estimator: Estimator) throws -> Submission {
        let weights: Precision = declared.lowercased().contains("fp4") ? .nvfp4 : .fp8
        var lastError: Error = DeploymentError.invalidShape("no tensor parallelism up to \(gpus) GPUs fits \(m.id) on \(gpu)")
        for tp in [1, 2, 4, 8] where tp <= gpus && gpus % tp == 0 {
            do {
                let d = try estimator.deployment(DeploymentRequest(model: m.id, gpu: gpu, gpus: tp, tensorParallel: tp, precision: weights,
                                                                   kvPrecision: .fp8, framework: .trtllm))
                let budget = try KVCacheBudget(deployment: d, request: ServingRequest(batch: 1024, inputTokens: m.input, outputTokens: m.output))
                guard budget.maxBatch >= 256 else { continue }
                return Submission(tp: tp, offlineBatch: 1024, serverBatch: 1024, powerLimitWatts: d.gpu.tdp.watts,
                                  weights: weights, kvPrecision: .fp8)
            } catch { lastError = error }
        }
        throw lastError
    }

    /// A submission's node at `batch` sequences per engine, or, given a `load` in output tokens per
    /// second, at the batch up to that which carries it (`overloaded` when none does).
    static func estimate(model m: (id: String, input: Int, output: Int), gpu: String, gpus: Int, submission sub: Submission,
                         batch: Int, load: Double? = nil, estimator: Estimator)
        throws -> (Deployment, ServingEstimate, QueryLedger, overloaded: Bool) {
        let d = try estimator.deployment(DeploymentRequest(model: m.id, gpu: gpu, gpus: gpus, tensorParallel: sub.tp, precision: sub.weights,
                                                           kvPrecision: sub.kvPrecision, framework: .trtllm,
                                                           powerCapWatts: sub.powerLimitWatts))
        // Beams are sequences that share their sample's prompt: prefilled once, KV pages shared.
        var request = ServingRequest(batch: batch * sub.beams * d.dataParallel, inputTokens: m.input, outputTokens: m.output,
                                     tokenBudget: sub.maxNumTokens)
        request.promptCopies = Double(sub.beams)
        let (s, overloaded) = try load.map { rate in
            let r = try estimator.serve(d, request, outputTokensPerSecond: rate * Double(sub.beams))
            return (r.estimate, r.overloaded)
        } ?? (estimator.serve(d, request), false)
        let ledger = try QueryLedger.build(serving: s, deployment: d, outputTokens: m.output, settings: try LedgerSettings())
        return (d, s, ledger, overloaded)
    }
}
