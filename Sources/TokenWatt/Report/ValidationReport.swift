import KernelPower

/// The published validation report (`Reports/validation.md`, `.json` and one SVG per data set).
public struct ValidationReport: Sendable {
    public let suite: ValidationSuite
    public let generalization: [Generalization.Row]
    /// The measured ÷ estimated bands `estimate` gives its range with (`ErrorBands`).
    public let bands: ErrorBands?
    /// Per pooled GPU, the runs the pool of the other GPUs covers at the pool's tail, and at 5 %
    /// (`ErrorBands.leaveOneGPUOutCoverage`).
    public let bandCoverage: [(gpu: String, runs: Int, covered: Int, coveredAtP5: Int)]
    /// Lever pairs (runs that differ in one setting) on energy, and the same pairs on latency;
    /// found once here, read by the tables, the plot and the JSON.
    public let leverPairs: [LeverValidation.Pair]
    public let latencyPairs: [LeverValidation.Pair]
    /// Set when the report scores a user calibration (`validate --calibration FILE`): the report
    /// says so at its top, and `json()` carries it as `calibration`.
    public var calibrationNote: String?
    /// Why the generalization refits were not run (`validate --quick`, `--no-report`,
    /// `--calibration`), or nil when they were: such a report says so where the table would be,
    /// rather than printing an empty table (and `[]` in JSON) as if it were a result.
    public var generalizationSkipped: String?
    /// The serving GPU's band beside the same runs scored in sample (`ErrorBands.refitBand`); nil
    /// when no band scores runs by refits.
    public let refitBand: RefitBand?

    /// `inFit`: the runs the calibration was fitted on (`ErrorBands.bundledFitRuns`), which the
    /// bands count; `forecasts`: those runs as refits without their family forecast them, which
    /// each band counts against its range (`ServingRefitForecasts.byKey`).
    public init(suite: ValidationSuite, generalization: [Generalization.Row], fitted: Set<String>? = nil, inFit: Set<String> = [],
                forecasts: [String: Double] = [:]) {
        self.suite = suite
        self.generalization = generalization
        leverPairs = LeverValidation.pairs(suite.records)
        latencyPairs = LeverValidation.pairs(suite.records, metrics: LeverValidation.latencyMetrics)
        let bands = fitted.map { ErrorBands.compute(from: suite.records, fitted: $0, inFit: inFit, forecasts: forecasts) }
        self.bands = bands
        refitBand = bands?.bands.lazy.compactMap { ErrorBands.refitBand($0, records: suite.records, forecasts: forecasts) }.first
        guard let fitted, let bands else { bandCoverage = []; return }
        let kept = ErrorBands.leaveOneGPUOutCoverage(suite.records, fitted: fitted, tail: bands.forecast.tail)
        let atP5 = ErrorBands.leaveOneGPUOutCoverage(suite.records, fitted: fitted, tail: 0.05)
        bandCoverage = zip(kept, atP5).map { ($0.gpu, $0.runs, $0.covered, $1.covered) }
    }

    /// The lever pairs summarised per lever and campaign.
    public var levers: [LeverValidation.Row] { LeverValidation.summarize(leverPairs) }
    /// The same pairs on latency: what a lever does to the inter-token latency, a pass or a run.
    public var latencyLevers: [LeverValidation.Row] { LeverValidation.summarize(latencyPairs) }

    /// Column names and cells of the lever table: `validation.md` prints both, `validate`'s text the
    /// cells under its own shorter column names.
    public static let leverHeader = ["lever", "campaign", "pairs", "MAPE", "median APE", "bias", "P5–P95 error", "same direction"]

    public static func leverCells(_ l: LeverValidation.Row) -> [String] {
        [l.lever, l.campaign, String(l.pairs), formatPercent(l.mape), formatPercent(l.medianAPE), formatPercent(l.bias),
         "\(formatPercent(l.errorP5))…\(formatPercent(l.errorP95))", sameDirection(l)]
    }

    /// "92 % of 72": the share of decisive pairs moved the right way, and how many there are.
    static func sameDirection(_ l: LeverValidation.Row) -> String {
        l.sameDirection.map { "\(formatPercent($0, decimals: 0)) of \(l.decisivePairs)" } ?? "–"
    }

    /// Summary rows: one per data set, GPU, metric and estimator.
    public var results: [ValidationSummaryRow] { ValidationSummary.summarize(suite.records, byGroup: false) }
    /// TokenWatt per model family.
    public var byFamily: [ValidationSummaryRow] {
        ValidationSummary.summarize(suite.records.filter { $0.estimator == "tokenwatt" }, byGroup: true)
    }

    /// The issues' accuracy targets, each against the summary row it names.
    public var targets: [AccuracyTarget.Check] { AccuracyTarget.check(results) }

    /// Cells of the targets table: `validation.md` prints them under `targetHeader`, `validate
    /// --rows targets` under its own column names.
    public static let targetHeader = ["data set", "GPU", "metric", "n", "MAPE", "target", "met", "set in"]

    public static func targetCells(_ c: AccuracyTarget.Check) -> [String] {
        [c.row.dataset, c.row.gpu, c.row.metric, String(c.row.metrics.n), formatPercent(c.row.metrics.mape),
         formatPercent(c.target.limit, decimals: 0), c.met ? "yes" : "no", c.target.source]
    }

    public static let estimators = ["tokenwatt", "ecologits", "ecologits-measured-batch", "tdp-time", "splitwise-constant"]

    /// Data sets in report order.
    var datasets: [String] {
        var seen: [String] = []
        for r in suite.records where !seen.contains(r.dataset) { seen.append(r.dataset) }
        return seen
    }

    /// The worst TokenWatt rows of a data set, by absolute relative error.
    func worst(_ dataset: String, count: Int = 5) -> [ValidationRecord] {
        suite.records.filter { $0.dataset == dataset && $0.estimator == "tokenwatt" }
            .sorted { abs($0.relativeError) != abs($1.relativeError) ? abs($0.relativeError) > abs($1.relativeError) : $0.label < $1.label }
            .prefix(count).map { $0 }
    }

    /// The file name of a data set's plot.
    public static func plotName(_ dataset: String) -> String {
        "validation-" + dataset.replacingOccurrences(of: "/", with: "-") + ".svg"
    }
}

// MARK: - JSON

extension ValidationReport {
    public static func rowJSON(_ r: ValidationSummaryRow, group: Bool = false) -> JSONValue {
        var pairs: [(String, JSONValue)] = [("dataset", .str(r.dataset)), ("gpu", .str(r.gpu)), ("metric", .str(r.metric)),
                                            ("estimator", .str(r.estimator)), ("n", .num(Double(r.metrics.n))),
                                            ("mape", .num(r.metrics.mape)), ("medianAPE", .num(r.metrics.medianAPE)),
                                            ("bias", .num(r.metrics.bias)), ("maxAPE", .num(r.metrics.maxAPE))]
        if group { pairs.append(("family", .str(r.group))) }
        return .obj(pairs)
    }

    public func json() -> JSONValue {
        let calibration: [(String, JSONValue)] = calibrationNote.map { [("calibration", .str($0))] } ?? []
        return .obj(ToolVersion.jsonFields + calibration + [
            ("results", .array(results.map { Self.rowJSON($0) })),
            ("targets", .array(targets.map { c in
                .obj([("dataset", .str(c.row.dataset)), ("gpu", .str(c.row.gpu)), ("metric", .str(c.row.metric)),
                      ("mape", .num(c.row.metrics.mape)), ("target", .num(c.target.limit)), ("met", .bool(c.met)),
                      ("source", .str(c.target.source))])
            })),
            ("byFamily", .array(byFamily.map { Self.rowJSON($0, group: true) })),
            generalizationSkipped.map { ("generalizationSkipped", .str($0)) } ?? ("generalization", .array(generalization.map { g in
                .obj([("experiment", .str(g.experiment)), ("dataset", .str(g.dataset)), ("metric", .str(g.metric)),
                      ("n", .num(Double(g.metrics.n))), ("mape", .num(g.metrics.mape)), ("medianAPE", .num(g.metrics.medianAPE)),
                      ("bias", .num(g.metrics.bias))])
            })),
            ("worstRows", .array(datasets.flatMap { ds in worst(ds).map { r in
                .obj([("dataset", .str(r.dataset)), ("row", .str(r.label)), ("metric", .str(r.metric)),
                      ("measured", .num(r.measured)), ("predicted", .num(r.predicted)), ("error", .num(r.relativeError))])
            } })),
            ("latencyLevers", .array(latencyLevers.map(\.json))),
            ("levers", .array(levers.map(\.json))),
            ("skipped", .array(suite.skipped.map { .obj([("dataset", .str($0.dataset)), ("row", .str($0.label)), ("reason", .str($0.reason))]) })),
            ("notes", .array(suite.notes.map { .obj([("dataset", .str($0.dataset)), ("note", .str($0.note))]) })),
        ] + (bands.map { b in [("errorBands", .array((b.bands + [b.forecast]).map(ErrorBands.value))),
                               ("errorBandCoverage", .array(bandCoverage.map {
                                   .obj([("gpu", .str($0.gpu)), ("runs", .num(Double($0.runs))), ("covered", .num(Double($0.covered))),
                                         ("coveredAtP5P95", .num(Double($0.coveredAtP5)))])
                               }))] } ?? [])
            + (refitBand.map { [("refitBand", $0.json)] } ?? []))
    }
}

// MARK: - Plots

extension ValidationReport {
    /// Predicted against measured for a data set's energy-like metric, one series per GPU.
    public func plot(_ dataset: String) -> String? {
        let preferred = ["energy_j", "j_per_token", "node_power_w", "decode_step_ms", "tflops", "power_w", "time_us", "speedup"]
        let mine = suite.records.filter { $0.dataset == dataset && $0.estimator == "tokenwatt" }
        guard let metric = preferred.first(where: { m in mine.contains { $0.metric == m } }) else { return nil }
        var chart = SVGChart(title: "\(dataset): \(Self.metricName(metric))", xTitle: "measured \(Self.metricName(metric))",
                             yTitle: "predicted \(Self.metricName(metric))")
        chart.xScale = .log
        chart.yScale = .log
        chart.identityLine = true
        var gpus: [String] = []
        for r in mine where r.metric == metric && !gpus.contains(r.gpu) { gpus.append(r.gpu) }
        chart.series = gpus.map { g in
            SVGChart.Series(name: g, points: mine.filter { $0.metric == metric && $0.gpu == g }.map { ($0.measured, $0.predicted) })
        }
        return chart.render()
    }

    /// Every lever pair's predicted change against its measured one, one series per kind of
    /// lever: points on the diagonal are changes predicted exactly.
    public func leverPlot() -> String? {
        let pairs = leverPairs
        guard !pairs.isEmpty else { return nil }
        var chart = SVGChart(title: "Levers: predicted against measured change of energy per output token",
                             xTitle: "measured ratio (after ÷ before)", yTitle: "predicted ratio (after ÷ before)")
        chart.xScale = .log
        chart.yScale = .log
        chart.identityLine = true
        let levers = pairs.map(\.lever).uniqued()
        chart.series = levers.map { l in
            SVGChart.Series(name: l, points: pairs.filter { $0.lever == l }.map { ($0.measuredRatio, $0.predictedRatio) })
        }
        return chart.render()
    }

    public static let leverPlotName = "validation-levers.svg"

    static func metricName(_ metric: String) -> String {
        switch metric {
        case "energy_j": return "energy per pass (J)"
        case "j_per_token": return "energy per output token (J)"
        case "node_power_w": return "node wall power (W)"
        case "decode_step_ms": return "decode step (ms)"
        case "power_w", "power_w_per_gpu": return "power per GPU (W)"
        case "time_s": return "time per pass (s)"
        case "itl_ms": return "inter-token latency (ms)"
        case "tpot_ms": return "time per output token (ms)"
        case "tokens_per_s": return "output tokens/s"
        case "prefill_ms": return "prefill (ms)"
        case "latency_s": return "batch latency (s)"
        case "node_j_per_token": return "node energy per token (J)"
        case "tflops": return "GEMM throughput (TFLOPS)"
        case "time_us": return "kernel time per launch (µs)"
        case "gflops": return "FP32 throughput (GFLOP/s)"
        case "prefill_slowdown": return "prefill time, capped ÷ uncapped"
        case "decode_slowdown": return "decode step time, capped ÷ uncapped"
        case "speedup": return "INT4 speed-up over FP16 (×)"
        default: return metric
        }
    }
}
