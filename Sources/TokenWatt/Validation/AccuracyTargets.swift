import KernelPower

/// An accuracy target an issue set for the estimator: a MAPE limit on the named metrics of a data
/// set, held against each GPU's summary row (a GPU added later, held-back rows dropped in say, is
/// held to the same limit).
public struct AccuracyTarget: Sendable {
    public let dataset: String
    public let metrics: [String]
    public let limit: Double
    /// Where the target was set.
    public let source: String
    /// What the methodology says about a target the bundled model does not meet.
    public var whenMissed: String? = nil

    /// The targets of issue 2 (the spine): EnergAIzer's forward passes within 8 % in power and 10 %
    /// in energy per pass. Of issue 3 ("Serving and the per-query ledger"): ML.ENERGY v3 J per
    /// output token and W per GPU within 12 %; Argonne, MLPerf Power (node wall power and J per
    /// token) and the Splitwise latencies within 15 %.
    public static let all: [AccuracyTarget] = {
        let spine = "issue 2", issue = "issue 3"
        let argonne = ["j_per_token", "power_w_per_gpu", "latency_s"]
        let energaizer = ["energaizer-prefill/fixed", "energaizer-prefill/dvfs"].flatMap { set in
            [AccuracyTarget(dataset: set, metrics: ["power_w"], limit: 0.08, source: spine),
             AccuracyTarget(dataset: set, metrics: ["energy_j"], limit: 0.10, source: spine)]
        }
        return energaizer + [
            AccuracyTarget(dataset: "mlenergy-v3", metrics: ["j_per_token", "power_w_per_gpu"], limit: 0.12, source: issue),
            AccuracyTarget(dataset: "argonne", metrics: argonne, limit: 0.15, source: issue),
            AccuracyTarget(dataset: "argonne/trtllm", metrics: argonne, limit: 0.15, source: issue),
            AccuracyTarget(dataset: "mlperf-power", metrics: ["node_power_w", "node_j_per_token"], limit: 0.15, source: issue),
            AccuracyTarget(dataset: "splitwise", metrics: ["prefill_ms", "decode_step_ms"], limit: 0.15, source: issue,
                           whenMissed: "the profiles hold their 2023 engine's host and all-reduce floor, which a hardware model "
                               + "does not give without fitting Splitwise itself; the Generalization table's engine refit does so "
                               + "(docs/methodology.md §7)"),
        ]
    }()

    /// One target held against one summary row.
    public struct Check: Sendable {
        public let target: AccuracyTarget
        public let row: ValidationSummaryRow
        public var met: Bool { row.metrics.mape <= target.limit }
    }

    /// Every TokenWatt summary row a target names, in the targets' order, with whether it is met.
    public static func check(_ results: [ValidationSummaryRow], targets: [AccuracyTarget] = all) -> [Check] {
        targets.flatMap { t in
            results.filter { $0.estimator == "tokenwatt" && $0.dataset == t.dataset && t.metrics.contains($0.metric) }
                .map { Check(target: t, row: $0) }
        }
    }

    /// "12 of 16 met; not met: splitwise h100-80gb prefill_ms 41.2 % (target 15 %), …".
    public static func summary(_ checks: [Check]) -> String {
        let missed = checks.filter { !$0.met }
        var s = "\(checks.count - missed.count) of \(checks.count) met"
        if !missed.isEmpty {
            s += "; not met: " + missed.map {
                "\($0.row.dataset) \($0.row.gpu) \($0.row.metric) \(formatPercent($0.row.metrics.mape)) "
                    + "(target \(formatPercent($0.target.limit, decimals: 0)))"
            }.joined(separator: ", ")
        }
        return s
    }
}
