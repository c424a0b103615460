/// One compared quantity of one measured row.
public struct ValidationRecord: Sendable {
    public var dataset: String
    public var gpu: String
    /// Model (or model family) of the row.
    public var group: String
    /// What is compared: `power_w`, `energy_j`, `time_s`, `j_per_token`, ...
    public var metric: String
    /// Which estimator predicted it (`tokenwatt` or a baseline).
    public var estimator: String
    public var label: String
    public var measured: Double
    public var predicted: Double
    /// The run's setting by lever (`campaign`, `model`, `gpu`, `gpus`, `precision`, `framework`,
    /// `batch`, `clock`, `task`), where the data set controls them: two runs whose settings differ
    /// in one lever alone measure what that lever changes (`LeverValidation`). Nil elsewhere.
    public var setting: [String: String]?
    /// For a published point read off the publication of another data set's runs
    /// (`PublishedServing.Point.runsOf`), that data set: its ratio is scored against the runs a
    /// band is built on and was watched while the model changed, so it is in sample. Nil elsewhere.
    public var readFrom: String? = nil

    public init(dataset: String, gpu: String, group: String, metric: String, estimator: String = "tokenwatt",
                label: String, measured: Double, predicted: Double, setting: [String: String]? = nil) {
        self.dataset = dataset; self.gpu = gpu; self.group = group; self.metric = metric
        self.estimator = estimator; self.label = label; self.measured = measured; self.predicted = predicted
        self.setting = setting
    }

    public var relativeError: Double { (predicted - measured) / measured }
}

/// Metrics of records grouped by (dataset, gpu, group, metric, estimator).
public struct ValidationSummaryRow: Sendable {
    public var dataset: String
    public var gpu: String
    public var group: String
    public var metric: String
    public var estimator: String
    public var metrics: ErrorMetrics
}

public enum ValidationSummary {
    /// Groups records; `byGroup` false pools all groups of a (dataset, gpu) under group "all".
    public static func summarize(_ records: [ValidationRecord], byGroup: Bool) -> [ValidationSummaryRow] {
        var keys: [String] = []
        var buckets: [String: [ValidationRecord]] = [:]
        for r in records {
            let key = [r.dataset, r.gpu, byGroup ? r.group : "all", r.metric, r.estimator].joined(separator: "\u{1F}")
            if buckets[key] == nil { keys.append(key) }
            buckets[key, default: []].append(r)
        }
        return keys.sorted().map { key in
            let rs = buckets[key]!
            let parts = key.components(separatedBy: "\u{1F}")
            return ValidationSummaryRow(dataset: parts[0], gpu: parts[1], group: parts[2], metric: parts[3], estimator: parts[4],
                                        metrics: ErrorMetrics(predicted: rs.map(\.predicted), measured: rs.map(\.measured)))
        }
    }
}
