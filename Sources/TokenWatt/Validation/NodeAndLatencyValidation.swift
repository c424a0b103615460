import KernelPower

/// MLPerf Inference Power (closed, datacenter): wall power of 8-accelerator nodes running
/// TensorRT-LLM. Compared at the node boundary (GPUs + host + PSU losses). Assumptions: FP8
/// weights (NVIDIA's LLM submissions quantize to FP8; the v4.1 "fp16" field is unreliable per the
/// data README); the fewest tensor-parallel GPUs whose replicas hold at least 256 sequences, the
/// node's 8 GPUs as replicas; a batch of up to 1024 sequences (offline throughput); output tokens
/// per sample 294.45 for Llama-2-70B (MLPerf llama2-70b README), 146 for Mixtral-8x7B (data README)
/// and 128 for GPT-J (its generation limit); input tokens 512 for OpenOrca-based sets and 800 for
/// CNN/DailyMail (assumed: MLPerf bounds the inputs, at 1024 for OpenOrca, but publishes no mean).
public enum MLPerfValidation {
    static let models: [String: (id: String, input: Int, output: Int)] = [
        "llama2-70b": ("meta-llama/Llama-2-70b-hf", 512, 294), "mixtral-8x7b": ("mistralai/Mixtral-8x7B-Instruct-v0.1", 512, 146),
        "gptj": ("EleutherAI/gpt-j-6b", 800, 128),
    ]
    static let gpuIDs = ["NVIDIA H100-SXM-80GB": "h100-sxm", "NVIDIA H200-SXM-141GB": "h200", "NVIDIA H100-PCIe-80GB": "h100-pcie"]

    public static func run(dataDirectory: String, estimator: Estimator) throws -> MLEnergyValidation.Result {
        let t = try CSVTable.read(path: dataDirectory + "/mlperf-inference-power/llm_power_results.csv")
        let c = try ["result_id", "accelerator", "num_accelerators", "model", "scenario", "performance", "performance_units",
                     "system_power_W"].map { try ServingDataSets.column(t, $0) }
        var out = MLEnergyValidation.Result(records: [], skipped: [])
        for r in t.rows {
            let f = r.fields
            let key = f[c[3]].components(separatedBy: "-99")[0]
            guard let gpu = gpuIDs[f[c[1]]], let m = models[key] else { continue }
            let label = "\(f[c[0]]) \(key) \(f[c[4]]) 8×\(gpu)"
            do {
                guard f[c[6]].lowercased() == "tokens/s" else { throw DeploymentError.invalidShape("throughput is in \(f[c[6]]), not tokens/s") }
                let (d, s, ledger) = try estimate(model: m, gpu: gpu, gpus: Int(try ServingDataSets.number(t, r, c[2])), estimator: estimator)
                let tokensPerSecond = try ServingDataSets.number(t, r, c[5])
                let wall = try ServingDataSets.number(t, r, c[7])
                out.add([("node_power_w", wall, ledger.nodePower.watts),
                         ("node_j_per_token", wall / tokensPerSecond, ledger.nodePower.watts / s.outputTokensPerSecond),
                         ("tokens_per_s", tokensPerSecond, s.outputTokensPerSecond)],
                        dataset: "mlperf-power", gpu: gpu, group: d.model.family, label: label)
            } catch {
                out.skipped.append((label, "\(error)"))
            }
        }
        return out
    }

    static func estimate(model m: (id: String, input: Int, output: Int), gpu: String, gpus: Int,
                         estimator: Estimator) throws -> (Deployment, ServingEstimate, QueryLedger) {
        var lastError: Error = DeploymentError.invalidShape("no parallelism fits")
        for tp in [1, 2, 4, 8] where tp <= gpus {
            do {
                let d = try estimator.deployment(DeploymentRequest(model: m.id, gpu: gpu, gpus: gpus, tensorParallel: tp, precision: .fp8))
                let probe = ServingRequest(batch: 1024, inputTokens: m.input, outputTokens: m.output)
                let budget = try KVCacheBudget(deployment: d, request: probe)
                guard budget.maxBatch >= 256 else { continue }
                let s = try estimator.serve(d, probe)
                let ledger = try QueryLedger.build(serving: s, deployment: d, outputTokens: m.output, settings: try LedgerSettings())
                return (d, s, ledger)
            } catch { lastError = error }
        }
        throw lastError
    }
}

/// Splitwise profiles (Patel et al., ISCA 2024): prefill latency of a batch of prompts and the
/// per-token decode latency, Llama-2-70B and BLOOM-176B in FP16 at TP 2/4/8 on DGX-A100-80GB and
/// DGX-H100, with vLLM-style kernels launched eagerly (`vllm-eager`: a decode step of Llama-2-70B
/// at TP 8 takes 30 ms on H100 where its 17 GB of weights per GPU stream in 5 ms, which is the
/// cost of ~1000 host launches, not of the GPU). Decode steps are compared at the mean context (prompt + half the output). The
/// power-capped H100 profile is taken at 350 W ("power capping by over 50% (i.e., 700 to 350W)",
/// the paper's own wording). Repeats of a configuration are averaged.
public enum SplitwiseValidation {
    static let models = ["llama2-70b": "meta-llama/Llama-2-70b-hf", "bloom-176b": "bigscience/bloom"]
    static let gpus: [String: (String, Double?)] = ["a100-80gb": ("a100-sxm-80gb", nil), "h100-80gb": ("h100-sxm", nil),
                                                    "h100-80gb-pcap": ("h100-sxm", 350)]

    struct Config: Hashable { let model: String, hardware: String, tp: Int, prompt: Int, batch: Int, tokens: Int }

    public static func run(dataDirectory: String, estimator: Estimator) throws -> MLEnergyValidation.Result {
        let t = try CSVTable.read(path: dataDirectory + "/splitwise-perf-model/perf_model.csv")
        let c = try ["model", "hardware", "tensor_parallel", "prompt_size", "batch_size", "token_size", "prompt_time", "token_time"]
            .map { try ServingDataSets.column(t, $0) }
        var sums: [Config: (Double, Double, Int)] = [:]
        var order: [Config] = []
        for r in t.rows {
            let f = r.fields
            let cfg = Config(model: f[c[0]], hardware: f[c[1]], tp: Int(try ServingDataSets.number(t, r, c[2])),
                             prompt: Int(try ServingDataSets.number(t, r, c[3])), batch: Int(try ServingDataSets.number(t, r, c[4])),
                             tokens: Int(try ServingDataSets.number(t, r, c[5])))
            if sums[cfg] == nil { order.append(cfg) }
            let s = sums[cfg] ?? (0, 0, 0)
            sums[cfg] = (s.0 + (try ServingDataSets.number(t, r, c[6])), s.1 + (try ServingDataSets.number(t, r, c[7])), s.2 + 1)
        }
        var out = MLEnergyValidation.Result(records: [], skipped: [])
        for cfg in order {
            guard let model = models[cfg.model], let (gpu, cap) = gpus[cfg.hardware], let s = sums[cfg] else { continue }
            let label = "\(cfg.model) \(cfg.hardware) tp\(cfg.tp) p\(cfg.prompt) b\(cfg.batch) o\(cfg.tokens)"
            do {
                let d = try estimator.deployment(DeploymentRequest(model: model, gpu: gpu, gpus: cfg.tp, precision: .fp16,
                                                                   framework: .vllmEager, powerCapWatts: cap), context: label)
                let prefill = try estimator.forwardPass(d, phase: .prefill(batch: cfg.batch, tokens: cfg.prompt))
                let decode = try estimator.forwardPass(d, phase: .decode(batch: cfg.batch, context: cfg.prompt + cfg.tokens / 2))
                let n = Double(s.2)
                out.records.append(ValidationRecord(dataset: "splitwise", gpu: cfg.hardware, group: cfg.model, metric: "prefill_ms",
                                                    label: label, measured: s.0 / n, predicted: prefill.time.milliseconds))
                out.records.append(ValidationRecord(dataset: "splitwise", gpu: cfg.hardware, group: cfg.model, metric: "decode_step_ms",
                                                    label: label, measured: s.1 / n, predicted: decode.time.milliseconds))
            } catch {
                out.skipped.append((label, "\(error)"))
            }
        }
        return out
    }
}
