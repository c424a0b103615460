import Foundation
import KernelPower

/// Published serving runs whose rows are not in ../shared/data (`serving-energy.json`), scored as
/// data set `published-serving` the same way `mlenergy-v3` scores its rows (vLLM, the GPU
/// boundary, prefill included): GPU energy per output token (`j_per_token`), mean power per GPU
/// (`power_w_per_gpu`), median inter-token latency (`itl_ms`), median time per output token
/// (`tpot_ms`) and the deployment's output tokens per second (`tokens_per_s`), whichever a point
/// publishes, each priced with the point's engine and sampling.
/// Most points are B200 runs of the ML.ENERGY benchmark, so they check the forecast of a GPU the
/// bundled coefficients carry over from the H100; its source names a run's `max_num_seqs` as its
/// batch size (the run's mean batch can only be lower, which would make its energy per token
/// higher), and it samples with top-p 0.95 (see `MLEnergyRun`). Then come `vllm bench serve` runs
/// of architectures measured nowhere else here (DeepSeek-V3.2, Qwen3-Next), InferenceMAX's
/// fixed-concurrency runs across NVIDIA and AMD GPUs and engines, and Oracle's vLLM
/// benchmark_latency runs of Llama-3.1-405B on MI300X.
public enum PublishedServing {
    /// One published measurement.
    public struct Point: Sendable {
        public var label: String
        public var model: String
        public var gpu: String
        public var gpus: Int
        /// Expert-parallel ranks of a MoE run (attention then tensor-parallel over all its GPUs, as
        /// the benchmark's `enable-expert-parallel` runs it); nil for tensor parallelism alone.
        public var expertParallel: Int? = nil
        public var batch: Int
        /// The KV cache's precision where the run set one (`--kv-cache-dtype fp8`); nil for the
        /// model's own.
        public var kvPrecision: Precision? = nil
        public var inputTokens: Int
        public var outputTokens: Int
        public var joulesPerOutputToken: Double? = nil
        public var gpuPowerWatts: Double? = nil
        public var medianITLMilliseconds: Double? = nil
        /// Median over requests of each request's time per output token after its first
        /// ((latency − TTFT) ÷ (tokens − 1)), as benchmark_serving reports TPOT: a request's mean
        /// step, prompt chunks included, which does not depend on how the run ramps up and drains.
        public var medianTPOTMilliseconds: Double? = nil
        /// Output tokens per second of the whole deployment.
        public var outputTokensPerSecond: Double? = nil
        /// The serving engine's kernel set and host (`trtllm` for TensorRT-LLM runs, `sglang` for
        /// SGLang's); vLLM when the source does not say otherwise.
        public var framework: Framework = .vllm
        /// How the engine samples: top-p (the ML.ENERGY client's 0.95, or a model's generation
        /// config under `vllm bench serve`) unless the client asks for greedy decoding, as
        /// InferenceMAX's does (`direct`).
        public var sampling: Sampling = .topP
        /// The ML.ENERGY benchmark task the run served (`lm-arena-chat`, `gpqa`, `sourcegraph-fim`);
        /// nil when the source does not say.
        public var task: String? = nil
        /// The data set of ../shared/data (as `validate` names it) whose runs the point is read
        /// from, off their publication: `mlenergy-v3` for the ML.ENERGY v3.0 post's B200 case study
        /// and figures, whose rows the data set holds back. When that data set holds rows on the
        /// point's GPU the point is not scored, so that no run counts twice; until then its records
        /// carry the name (`ValidationRecord.readFrom`), so a band built on them says it is in sample.
        public var runsOf: String? = nil
        public var source: String

        /// Distinct prompts the run's benchmark cycles through (`MLEnergyRun.distinctPrompts` of its
        /// task); above that many sequences copies of one prompt are in flight together.
        public var benchmarkPrompts: Double? { task.flatMap { MLEnergyRun.distinctPrompts[$0] } }

        /// The point's engine over its GPUs, tensor-parallel over all of them (experts split over
        /// `expertParallel` ranks where given), sampling as the benchmark's client asks.
        public var deploymentRequest: DeploymentRequest {
            DeploymentRequest(model: model, gpu: gpu, gpus: gpus, tensorParallel: gpus, expertParallel: expertParallel,
                              kvPrecision: kvPrecision, framework: framework, sampling: sampling)
        }

        /// The point's requests on `d`, with the prompt copies in flight: the sequences the KV
        /// cache holds (sized with the copies the published batch implies) over the distinct prompts.
        public func servingRequest(on d: Deployment) throws -> ServingRequest {
            var r = ServingRequest(batch: batch, inputTokens: inputTokens, outputTokens: outputTokens)
            guard let n = benchmarkPrompts else { return r }
            r.promptCopies = max(1, Double(batch) / n)
            let held = try KVCacheBudget(deployment: d, request: r).maxBatch
            r.promptCopies = max(1, Double(min(batch, held)) / n)
            return r
        }

        /// The published figures, each with the metric it is scored as.
        public var metrics: [(metric: Metric, value: Double)] {
            let published: [(Metric, Double?)] = [(.joulesPerToken, joulesPerOutputToken), (.powerPerGPU, gpuPowerWatts),
                                                  (.medianITL, medianITLMilliseconds), (.timePerOutputToken, medianTPOTMilliseconds),
                                                  (.tokensPerSecond, outputTokensPerSecond)]
            return published.compactMap { metric, value in value.map { (metric, $0) } }
        }
    }

    /// A figure a point may publish, named as `mlenergy-v3` names it.
    public enum Metric: String, Sendable {
        case joulesPerToken = "j_per_token", powerPerGPU = "power_w_per_gpu", medianITL = "itl_ms", tokensPerSecond = "tokens_per_s"
        case timePerOutputToken = "tpot_ms"

        func predicted(by s: ServingEstimate) -> Double {
            switch self {
            case .joulesPerToken: s.energyPerOutputToken.joules
            case .powerPerGPU: s.gpuPower.watts
            case .medianITL: s.medianInterTokenLatency.milliseconds
            case .timePerOutputToken: s.interTokenLatency.milliseconds
            case .tokensPerSecond: s.outputTokensPerSecond
            }
        }
    }

    public static let bundled: [Point] = {
        do { return try loadBundled() } catch { fatalError("bundled serving-energy catalog is invalid: \(error)") }
    }()

    public static func loadBundled() throws -> [Point] { try PublishedPoints.bundled("serving-energy", point) }

    public static func load(_ data: Data, file: String) throws -> [Point] { try PublishedPoints.load(data, file: file, point) }

    /// The data sets a point may be read from (`Point.runsOf`): those whose rows `validate` reads
    /// from ../shared/data by GPU, so it can tell when they hold the point's run.
    static let readableDataSets = [MLEnergyValidation.dataset]

    /// The metrics a point may publish; it must publish at least one.
    static let metricKeys = ["joulesPerOutputToken", "gpuPowerWatts", "medianITLMs", "medianTPOTMs", "outputTokensPerSecond"]

    static func point(_ o: inout JSONObjectReader) throws -> Point {
        let p = Point(label: try o.string("label"), model: try o.string("model"), gpu: try o.string("gpu"),
                      gpus: try o.int("gpus", 1...4096), expertParallel: try o.optionalInt("expertParallel", 1...4096),
                      batch: try o.int("batch", 1...1_000_000),
                      kvPrecision: try o.optionalString("kvPrecision", allowed: ["fp8", "bf16", "fp16"]).flatMap(Precision.init),
                      inputTokens: try o.int("inputTokens", 1...10_000_000),
                      outputTokens: try o.int("outputTokens", 1...10_000_000),
                      joulesPerOutputToken: try o.optionalDouble("joulesPerOutputToken", 1e-6...1e4, expected: "joules per output token"),
                      gpuPowerWatts: try o.optionalDouble("gpuPowerWatts", 1...5000, expected: "watts per GPU"),
                      medianITLMilliseconds: try o.optionalDouble("medianITLMs", 1e-3...1e6, expected: "milliseconds"),
                      medianTPOTMilliseconds: try o.optionalDouble("medianTPOTMs", 1e-3...1e6, expected: "milliseconds"),
                      outputTokensPerSecond: try o.optionalDouble("outputTokensPerSecond", 1e-3...1e9, expected: "output tokens per second"),
                      framework: try o.optionalString("framework", allowed: [Framework.vllm, .trtllm, .sglang].map(\.rawValue))
                          .flatMap(Framework.init) ?? .vllm,
                      sampling: try o.optionalChoice("sampling", Sampling.self) ?? .topP,
                      task: try o.optionalString("task", allowed: MLEnergyRun.distinctPrompts.keys.sorted()),
                      runsOf: try o.optionalString("runsOf", allowed: readableDataSets),
                      source: try o.string("source"))
        guard !p.metrics.isEmpty else {
            throw InputError.missingField(file: o.file, field: o.path, expected: "at least one of \(metricKeys.joined(separator: ", "))")
        }
        return p
    }

    /// Every published figure of every point as a `published-serving` record, against the serving
    /// estimate of the point's deployment: vLLM at its batch, tensor-parallel over its GPUs.
    /// `held`: the "data set/GPU" pairs ../shared/data holds rows of (`ValidationRecord.dataset`,
    /// `gpu`); a point read from such rows (`Point.runsOf`) is left out with a note, as the rows
    /// themselves are scored: the held-back ML.ENERGY v3 B200 rows are the runs the post plots.
    public static func run(estimator: Estimator, points: [Point] = bundled, held: Set<String> = []) -> MLEnergyValidation.Result {
        var out = MLEnergyValidation.Result(records: [], skipped: [])
        var duplicates: [String: Int] = [:]
        for p in points {
            do {
                let d = try estimator.deployment(p.deploymentRequest, context: "serving-energy.json: \(p.label)")
                if let set = p.runsOf, held.contains("\(set)/\(d.gpu.id)") {
                    duplicates["\(set)/\(d.gpu.id)", default: 0] += 1
                    continue
                }
                let s = try estimator.serve(d, try p.servingRequest(on: d))
                for (metric, measured) in p.metrics {
                    var record = ValidationRecord(dataset: "published-serving", gpu: d.gpu.id, group: d.model.family,
                                                  metric: metric.rawValue, label: p.label, measured: measured,
                                                  predicted: metric.predicted(by: s),
                                                  setting: ["campaign": "published-serving", "model": p.model, "gpu": p.gpu,
                                                            "gpus": String(p.gpus), "task": p.task ?? "", "batch": String(p.batch)])
                    record.readFrom = p.runsOf
                    out.records.append(record)
                }
                // What the serving estimate says about the point (a batch the KV cache or the step
                // budget does not hold, a context past the model's window), in its own words.
                out.notes += s.notes.map { "\(p.label): \($0)" }
            } catch {
                out.skipped.append((p.label, "\(error)"))
            }
        }
        out.notes = groupedMemoryNotes(out.notes) + duplicates.sorted { $0.key < $1.key }.map { key, n in
            "\(n) points read off the publication of \(key) runs are not scored: ../shared/data holds those runs (\(key)), "
                + "which are scored instead, so no run counts twice"
        }
        return out
    }

    /// One line for all the points whose batch the KV cache does not hold (a plotted series runs
    /// past it at its largest batches; one line each would bury the other notes).
    static func groupedMemoryNotes(_ notes: [String]) -> [String] {
        let capped = notes.filter { $0.contains("does not fit in memory") }
        guard capped.count > 1 else { return notes }
        return notes.filter { !$0.contains("does not fit in memory") }
            + ["\(capped.count) points run at the batch the KV cache holds, below their published batch, e.g. \(capped[0])"]
    }
}
