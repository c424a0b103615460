import KernelPower

/// Argonne LLM-Inference-Bench's performance table (`all_results_perf.csv`, its `Plots/All_results.csv`):
/// the vLLM runs on MI300X and H100 scored on output throughput, the MI300X runs the only
/// measured AMD serving throughput in ../shared/data. Scored, never fitted: nothing reads these
/// rows into a coefficient. Each run is a static batch of `batch` prompts of L tokens that each
/// generate L tokens (input = output, 128 to 2,048) on 1 to 8 GPUs at tensor parallelism of all
/// of them (the upstream vLLM scripts' `tensor_parallel_size`), 16-bit weights; the table's
/// `Throughput` counts input and output tokens (batch × 2L ÷ latency, the data set's README), so
/// the output throughput is half of it. The MI300X runs are vLLM's 2024 ROCm build; its README
/// states no version. H100 is the SXM part, as `ArgonneValidation` maps it.
public enum ArgonneThroughput {
    public static let dataset = "argonne-throughput"
    public static let metric = "output_tokens_per_s"
    public static let file = "argonne-llm-inference-bench/all_results_perf.csv"
    static let gpuIDs = ["AMD MI300X GPU": "mi300x", "Nvidia H100 GPU": "h100-sxm"]

    /// One scored run: measured and estimated output tokens per second.
    public struct Run: Sendable {
        public let gpu: String
        /// The model's family, the summary's group.
        public let group: String
        public let label: String
        public let measured: Double
        public let estimated: Double
        /// Estimated ÷ measured: how many times the estimate over-predicts the run's throughput.
        public var overEstimate: Double { estimated / measured }
    }

    /// The vLLM runs on the mapped GPUs, each estimated; rows that cannot be (a model the catalog
    /// lacks, a shape that does not fit) are returned as skipped with the reason.
    public static func runs(dataDirectory: String, estimator: Estimator) throws -> (runs: [Run], skipped: [(label: String, reason: String)]) {
        let t = try ServingDataSets.table(dataDirectory + "/" + file)
        let c = try ["Hardware", "Num of Hardware", "Framework", "Model", "Input Output Length", "Batch Size", "Latency"]
            .map { try ServingDataSets.column(t, $0) }
        var runs: [Run] = [], skipped: [(label: String, reason: String)] = []
        for r in t.rows where r.fields[c[2]] == "vLLM" {
            guard let gpu = gpuIDs[r.fields[c[0]]] else { continue }
            let gpus = try ServingDataSets.count(t, r, c[1]), length = try ServingDataSets.count(t, r, c[4])
            let batch = try ServingDataSets.count(t, r, c[5]), latency = try ServingDataSets.measurement(t, r, c[6])
            let label = "\(r.fields[c[3]]) \(gpus)x\(gpu) \(length)/\(length) b\(batch)"
            do {
                let d = try estimator.deployment(DeploymentRequest(model: r.fields[c[3]], gpu: gpu, gpus: gpus, tensorParallel: gpus, precision: .bf16,
                                                                   framework: .vllm, sampling: .direct))
                let s = try estimator.serve(d, ServingRequest(batch: batch, inputTokens: length, outputTokens: length, batching: .staticBatch))
                runs.append(Run(gpu: gpu, group: d.model.family, label: label, measured: Double(batch * length) / latency, estimated: s.outputTokensPerSecond))
            } catch {
                skipped.append((label, "\(error)"))
            }
        }
        return (runs, skipped)
    }

    /// The runs as validation records (`validate`'s `argonne-throughput` rows), no baselines.
    public static func run(dataDirectory: String, estimator: Estimator) throws -> MLEnergyValidation.Result {
        let (runs, skipped) = try self.runs(dataDirectory: dataDirectory, estimator: estimator)
        var out = MLEnergyValidation.Result(records: [], skipped: skipped)
        for run in runs {
            out.add([(metric, run.measured, run.estimated)], dataset: dataset, gpu: run.gpu, group: run.group, label: run.label)
        }
        out.notes = ["scored, not fitted: vLLM's 2024 builds (ROCm on MI300X), static batches of equal input and output lengths; "
                     + "the MI300X rows are the only measured AMD serving throughput here, and `estimate`'s AMD caveat quotes them"]
        return out
    }
}

extension ArgonneThroughput {
    /// The figures the AMD caveat quotes (`PublishedServing.amdServingCaveat`), from each run's
    /// estimated ÷ measured output throughput: the MI300X runs' middle 90 % (5th to 95th
    /// percentile), median and largest, beside the H100 runs' median and middle 90 %. A test
    /// recomputes them from ../shared/data and holds the caveat to them.
    public static func caveatFigures(mi300x: [Double], h100: [Double]) -> String {
        func q(_ xs: [Double], _ p: Double) -> String {
            let s = xs.sorted()
            guard !s.isEmpty else { return "–" }
            return formatNumber(s[min(s.count - 1, Int((Double(s.count - 1) * p).rounded()))], significant: 2)
        }
        return "\(q(mi300x, 0.05))–\(q(mi300x, 0.95))× lower than estimated in 90 % of them (median \(q(mi300x, 0.5))×, "
            + "at most \(q(mi300x, 1))×), where the same file's H100 runs give \(q(h100, 0.05))–\(q(h100, 0.95))× (median \(q(h100, 0.5))×)"
    }
}
