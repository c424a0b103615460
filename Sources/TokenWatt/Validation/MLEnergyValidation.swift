import KernelPower

/// Serving estimates against the ML.ENERGY v3 runs: J per output token, W per GPU, inter-token
/// latency and throughput, each at the run's measured mean batch and output length. Scored per
/// GPU: the export holds H100 runs; B200 runs of the same benchmark, held back, score as `b200`.
public enum MLEnergyValidation {
    public static let dataset = "mlenergy-v3"

    public struct Result: Sendable {
        public var records: [ValidationRecord]
        /// Runs that could not be estimated, with the reason (a precision the catalog lacks, shapes that do not fit).
        public var skipped: [(label: String, reason: String)]
        /// What a reader of the scores must know about the data set (rows that are derived, not measured).
        public var notes: [String] = []

        /// Records one run's metrics as TokenWatt predicted them and, given the run as a
        /// `baseline` row, as the baselines predict them on the same run.
        mutating func add(_ metrics: [(metric: String, measured: Double, predicted: Double)], dataset: String, gpu: String,
                          group: String, label: String, baseline: Baselines.Row? = nil, setting: [String: String]? = nil) {
            for m in metrics {
                records.append(ValidationRecord(dataset: dataset, gpu: gpu, group: group, metric: m.metric, label: label,
                                                measured: m.measured, predicted: m.predicted, setting: setting))
                if let b = baseline { records += Baselines.records(b, metric: m.metric, measured: m.measured) }
            }
        }
    }

    public static func run(dataDirectory: String, estimator: Estimator = Estimator()) throws -> Result {
        let table = try MLEnergyData.table(dataDirectory: dataDirectory)
        var out = Result(records: [], skipped: MLEnergyData.unscoredRows(table))
        for run in try MLEnergyData.parse(table) {
            do {
                let d = try estimator.deployment(run.deploymentRequest())
                let s = try estimator.serve(d, run.servingRequest)
                let family = d.model.family
                let baseline = Baselines.Row(dataset: dataset, gpu: d.gpu, model: d.model, gpus: run.gpus, batch: run.averageBatch,
                                             tokensPerSecond: run.outputTokensPerSecond, time: nil, isPrefill: false,
                                             label: run.label, group: family)
                out.add([("j_per_token", run.joulesPerOutputToken, s.energyPerOutputToken.joules),
                         ("power_w_per_gpu", run.powerPerGPU, s.gpuPower.watts),
                         ("itl_ms", run.medianITLMilliseconds, s.medianInterTokenLatency.milliseconds),
                         ("tokens_per_s", run.outputTokensPerSecond, s.outputTokensPerSecond)]
                            + (run.p90ITLMilliseconds.map { [("itl_p90_ms", $0, s.p90InterTokenLatency.milliseconds)] } ?? []),
                        dataset: dataset, gpu: d.gpu.id, group: family, label: run.label, baseline: baseline, setting: run.setting)
            } catch {
                out.skipped.append((run.label, "\(error)"))
            }
        }
        return out
    }
}
