import Foundation
import KernelPower

/// How well the estimator predicts what a lever changes, which is what an efficiency study reads:
/// two runs of one campaign whose settings differ in one lever alone (batch, GPU, GPU count,
/// precision, framework, model, clock, prompt length) give a measured ratio of energy per output
/// token (per pass for EnergAIzer's prefill) and a predicted one. An estimator can be off by 20 %
/// on both runs and still get the change right, or right on both within 10 % and get a 15 % saving
/// backwards; these pairs say which.
public enum LeverValidation {
    /// The energy metrics a lever is judged on.
    public static let metrics = ["j_per_token", "energy_j"]
    /// The latency metrics the same pairs give (median ITL, time per pass, a static batch's run,
    /// Splitwise's prefill and decode step).
    public static let latencyMetrics = ["itl_ms", "tpot_ms", "time_s", "latency_s", "prefill_ms", "decode_step_ms"]
    /// Setting entries that name where a run belongs rather than a lever.
    static let notLevers: Set<String> = ["campaign", "task"]
    /// A measured change smaller than this is too small for its direction to count.
    public static let decisiveChange = 0.05

    /// One pair: the lever, the campaign, the two values it took, and the two ratios (to ÷ from).
    public struct Pair: Sendable, Equatable {
        public var lever: String
        public var campaign: String
        public var from: String, to: String
        /// The settings both runs share, in words (for the report's worst pairs).
        public var shared: String
        public var measuredRatio: Double
        public var predictedRatio: Double
        /// The catalog ids of the GPUs the two runs ran on (two for a GPU change, one otherwise).
        public var gpus: [String] = []

        /// Predicted change ÷ measured change − 1.
        public var error: Double { predictedRatio / measuredRatio - 1 }
        /// Whether the measured change is large enough for its direction to count.
        public var decisive: Bool { abs(measuredRatio - 1) >= LeverValidation.decisiveChange }
        /// Whether the prediction moves the same way as the measurement.
        public var sameDirection: Bool { (measuredRatio > 1) == (predictedRatio > 1) && predictedRatio != 1 }
    }

    /// A run's setting with its measured and predicted energy, repeats averaged.
    struct Run {
        var setting: [String: String]
        var measured: Double, predicted: Double
        /// The GPU's catalog id (`ValidationRecord.gpu`; not every campaign's setting names it).
        var gpu: String = ""
    }

    /// Every lever pair among `records` (TokenWatt's, with a setting, on an energy metric, or on
    /// the `metrics` given).
    public static func pairs(_ records: [ValidationRecord], metrics: [String] = metrics) -> [Pair] {
        metrics.flatMap { metric in
            let runs = averaged(records.filter { $0.estimator == "tokenwatt" && $0.metric == metric && $0.setting != nil })
            let levers = Set(runs.flatMap { $0.setting.keys }).subtracting(notLevers).sorted()
            return levers.flatMap { pairs(of: $0, in: runs) }
        }
    }

    /// Repeats of one setting (TokenPowerBench runs a configuration several times) as one run.
    static func averaged(_ records: [ValidationRecord]) -> [Run] {
        var order: [String] = [], sums: [String: Run] = [:], counts: [String: Double] = [:]
        for r in records {
            guard let s = r.setting, r.measured > 0, r.predicted > 0 else { continue }
            let key = s.keys.sorted().map { "\($0)=\(s[$0]!)" }.joined(separator: "\u{1F}")
            if sums[key] == nil { order.append(key); sums[key] = Run(setting: s, measured: 0, predicted: 0, gpu: r.gpu) }
            sums[key]!.measured += r.measured
            sums[key]!.predicted += r.predicted
            counts[key, default: 0] += 1
        }
        return order.map { k in
            var run = sums[k]!
            run.measured /= counts[k]!
            run.predicted /= counts[k]!
            return run
        }
    }

    /// Pairs of runs that share every setting but `lever`: neighbours in order for a numeric lever
    /// (batch 8 → 16 → 32), every two values for a named one (GPUs, frameworks, models).
    static func pairs(of lever: String, in runs: [Run]) -> [Pair] {
        var groups: [String: [Run]] = [:], order: [String] = []
        for run in runs {
            guard run.setting[lever] != nil else { continue }
            let rest = run.setting.filter { $0.key != lever }
            let key = rest.keys.sorted().map { "\($0)=\(rest[$0]!)" }.joined(separator: ", ")
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(run)
        }
        return order.flatMap { key -> [Pair] in
            let members = groups[key]!
            let numeric = members.allSatisfy { Double($0.setting[lever]!) != nil }
            let sorted = members.sorted { a, b in
                numeric ? Double(a.setting[lever]!)! < Double(b.setting[lever]!)! : a.setting[lever]! < b.setting[lever]!
            }
            let indices = numeric ? zip(sorted.indices, sorted.indices.dropFirst()).map { ($0, $1) }
                : sorted.indices.flatMap { i in sorted.indices.filter { $0 > i }.map { (i, $0) } }
            return indices.map { i, j in
                let a = sorted[i], b = sorted[j]
                return Pair(lever: lever, campaign: a.setting["campaign"] ?? "", from: a.setting[lever]!, to: b.setting[lever]!,
                            shared: key, measuredRatio: b.measured / a.measured, predictedRatio: b.predicted / a.predicted,
                            gpus: [a.gpu, b.gpu].filter { !$0.isEmpty }.uniqued())
            }
        }
    }

    /// One lever in one campaign (or, pooled, in every campaign, which `campaign` then lists):
    /// how far the predicted changes are from the measured ones.
    public struct Row: Sendable, Equatable {
        public var lever: String
        public var campaign: String
        public var pairs: Int
        /// Mean and median |predicted ÷ measured change − 1|, and the mean signed error.
        public var mape: Double, medianAPE: Double, bias: Double
        /// P5 and P95 of the signed error: the range a predicted change of this kind is read with.
        public var errorP5: Double, errorP95: Double
        /// Pairs whose measured change is at least `decisiveChange`, and the share of them the
        /// estimator moves the same way.
        public var decisivePairs: Int
        public var sameDirection: Double?
        /// The GPUs the pairs ran on (catalog ids, sorted); empty in a file written before they were kept.
        public var gpus: [String] = []
        /// The GPUs of the change it is quoted for that are not among `gpus` (`onGPUs`): set where
        /// a lever is priced, never stored. A lever from an MI300X to an MI355X had been quoted the
        /// GPU pairs' "9.0 % off … the right way in 98 %" with nothing saying those pairs were
        /// A100, A40, V100, A10, H100 and GH200 ones.
        public var unmeasuredGPUs: [String] = []

        /// This row as quoted for a change on `leverGPUs`: `unmeasuredGPUs` holds those its pairs
        /// did not run on (none where the row does not record its GPUs).
        public func onGPUs(_ leverGPUs: [String]) -> Row {
            var r = self
            r.unmeasuredGPUs = gpus.isEmpty ? [] : leverGPUs.uniqued().filter { !gpus.contains($0) }
            return r
        }

        /// The one JSON form of a row: `validate`'s report, the bundled error bands and `fleet`'s
        /// levers all write it.
        public var json: JSONValue {
            .obj([("lever", .str(lever)), ("campaign", .str(campaign)), ("pairs", .num(Double(pairs))), ("mape", .num(mape)),
                  ("medianAPE", .num(medianAPE)), ("bias", .num(bias)), ("errorP5", .num(errorP5)), ("errorP95", .num(errorP95)),
                  ("decisivePairs", .num(Double(decisivePairs))), ("sameDirection", .optionalNumber(sameDirection))]
                 + (gpus.isEmpty ? [] : [("gpus", .array(gpus.map(JSONValue.str)))]))
        }
    }

    /// Per lever and campaign, or per lever over every campaign (`pooled`; `campaign` then
    /// lists them, comma-separated).
    /// Campaigns of single forward passes (EnergAIzer's prefill), not serving.
    static let passCampaigns: Set<String> = ["energaizer-fixed", "energaizer-dvfs"]
    /// Serving pairs a lever needs before they alone set its range.
    static let servingPairsForOwnRange = 10

    /// The pairs a serving estimate's lever range reads: each lever's serving pairs where there
    /// are enough, its forward-pass pairs only where there are not. Pooled, the FP8 lever's range
    /// read 72 EnergAIzer FP32 → BF16 passes beside 11 ML.ENERGY BF16 → FP8 serving pairs, and
    /// came out narrower (−22 %…+8 %) than those 11 alone (−27 %…+12 %).
    public static func servingFirst(_ pairs: [Pair]) -> [Pair] {
        let serving = Set(Dictionary(grouping: pairs.filter { !passCampaigns.contains($0.campaign) }, by: \.lever)
            .filter { $0.value.count >= servingPairsForOwnRange }.keys)
        return pairs.filter { !serving.contains($0.lever) || !passCampaigns.contains($0.campaign) }
    }

    public static func summarize(_ pairs: [Pair], pooled: Bool = false) -> [Row] {
        let keys = pairs.map { [$0.lever, pooled ? "" : $0.campaign] }.uniqued()
            .sorted { ($0[0], $0[1]) < ($1[0], $1[1]) }
        return keys.map { k in
            let mine = pairs.filter { $0.lever == k[0] && (pooled || $0.campaign == k[1]) }
            let errors = mine.map(\.error), sorted = errors.sorted()
            let decisive = mine.filter(\.decisive)
            let campaign = pooled ? Set(mine.map(\.campaign)).sorted().joined(separator: ", ") : k[1]
            return Row(lever: k[0], campaign: campaign, pairs: mine.count,
                       mape: errors.reduce(0) { $0 + abs($1) } / Double(errors.count),
                       medianAPE: QueryStatistics.quantile(errors.map(abs).sorted(), 0.5),
                       bias: errors.reduce(0, +) / Double(errors.count),
                       errorP5: QueryStatistics.quantile(sorted, 0.05), errorP95: QueryStatistics.quantile(sorted, 0.95),
                       decisivePairs: decisive.count,
                       sameDirection: decisive.isEmpty ? nil : Double(decisive.filter(\.sameDirection).count) / Double(decisive.count),
                       gpus: Set(mine.flatMap(\.gpus)).sorted())
        }
    }
}
