import Foundation
import KernelPower

/// How far measured GPU energy per output token has fallen from the estimate, per GPU: a 90 %
/// range and the median of measured ÷ estimated over the validation runs. `estimate` scales a
/// query's GPU energy by the range's ends, so its range is the tool's own measured error, not an
/// assumed one. Written by `tokenwatt validate --bands-out FILE` into the bundled
/// `error-bands.json`; a test checks that file against a fresh validation run.
public struct ErrorBand: Sendable, Equatable {
    /// A GPU id, or `forecast` for the pool that GPUs without enough runs of their own take.
    public var gpu: String
    public var runs: Int
    /// The data sets the runs come from.
    public var datasets: [String]
    /// For `forecast`: the GPUs whose runs are pooled.
    public var pooledGPUs: [String] = []

    /// Whether a pooled GPU is `vendor`'s (`GPUSpec.vendor`): a pool of NVIDIA runs measures
    /// nothing of an AMD GPU, which the band's caveat and the lever's median note both say.
    public func pools(vendor: String, catalog: GPUCatalog) -> Bool {
        pooledGPUs.contains { (try? catalog.gpu($0))?.vendor == vendor }
    }
    /// The quantile each end leaves outside: the largest whose leave-one-out coverage reaches
    /// 90 % (`ErrorBands.compute`).
    public var tail: Double
    public var ratioLow: Double
    public var ratioMedian: Double
    public var ratioHigh: Double
    /// The share of runs inside the range of the others when their model family (own band) or
    /// GPU (pool) is left out.
    public var outOfSampleCoverage: Double = 0
    /// What is left out to check the range: `model family`, `GPU`, or `none` when the runs hold
    /// only one, so the range is not checked out of sample.
    public var leftOut = ""
    /// Of `runs`, those the bundled calibration was fitted on (ML.ENERGY v3's H100 rows): their
    /// ratios are fit residuals, not errors of a forecast. Leaving a family out re-picks the
    /// range's quantiles but refits nothing, so such runs stay in sample (`ErrorBands.caveat`).
    public var fitRuns = 0
    /// Of `fitRuns`, those a refit without their model family forecast (`ServingRefitForecasts`),
    /// and how those forecasts fell: how many inside the range, their median and extremes. The
    /// range itself stays drawn in sample (methodology §6 says why); these say how far a forecast,
    /// as for a new model, falls from it.
    public var refitRuns = 0
    public var refitInside = 0
    public var refitMedian: Double? = nil
    public var refitMin: Double? = nil
    public var refitMax: Double? = nil
    /// The median measured ÷ estimated of the runs outside the fit, where some are in it and some not.
    public var outsideFitMedian: Double? = nil
    /// Of `runs`, those of published points read off the publication of a data set's runs
    /// (`ValidationRecord.readFrom`: the ML.ENERGY v3.0 post's B200 figures), and those data sets.
    /// The range is built on the runs `validate` scores, and the model was changed while these were
    /// scored (J/token 29.7 % blind, 23.1 % at 0.32.0: docs/methodology.md §7), so they are in
    /// sample, not a forecast; the data set's own rows, held back, are the independent check.
    public var readRuns = 0
    public var readFrom: [String] = []
    /// Of `runs`, those at `ErrorBands.smallBatch` sequences or fewer (their `batch` setting), and
    /// the estimate's mean error on them (estimated ÷ measured − 1 of J/token); then the same for
    /// the GPU's power-per-GPU rows at such batches in the band's data sets. nil where none is that
    /// small. `estimate` says so at such a batch (`ErrorBands.smallBatchCaveat`).
    public var smallBatchRuns = 0
    public var smallBatchBias: Double? = nil
    public var smallBatchPowerRuns = 0
    public var smallBatchPowerBias: Double? = nil

    /// Counts how the forecasts of `fit` (those `forecasts` holds, by `ErrorBands.fitKey`) fall
    /// against this range.
    mutating func addRefits(_ fit: [ValidationRecord], forecasts: [String: Double]) {
        let ratios = fit.compactMap { r in forecasts[ErrorBands.fitKey(r.dataset, r.label)].map { r.measured / $0 } }.sorted()
        guard let first = ratios.first, let last = ratios.last else { return }
        refitRuns = ratios.count
        refitInside = ratios.filter { $0 >= ratioLow && $0 <= ratioHigh }.count
        refitMedian = ErrorBands.quantile(ratios, 0.5)
        refitMin = first
        refitMax = last
    }

    /// Whose runs these are, in words: the GPU, or the pooled GPUs without a fit of their own.
    public var whose: String {
        gpu == "forecast" ? "GPUs without a fit of their own (\(pooledGPUs.joined(separator: ", ")))" : gpu
    }

    /// The quantiles of the range, e.g. "P5–P95" or "P2.5–P97.5".
    public var quantiles: String {
        tail == 0 ? "min–max" : "P\(formatNumber(tail * 100, significant: 3))–P\(formatNumber(100 - tail * 100, significant: 4))"
    }
}

public struct ErrorBands: Sendable, Equatable {
    public var bands: [ErrorBand]
    /// Runs on GPUs with no fit of their own: the error of carrying coefficients over by specs.
    public var forecast: ErrorBand
    /// How well each kind of lever's change was predicted, the campaigns pooled: the serving
    /// ones alone where a lever has enough of them (`LeverValidation.servingFirst`).
    public var levers: [LeverValidation.Row] = []
    /// The runs the file was computed from, per "data set/GPU" (TokenWatt's energy records): when
    /// ../shared/data holds others (held-back runs dropped into its files), the bundled file
    /// describes the data it was made from, not that, and says so.
    public var runsByDataSet: [String: Int] = [:]

    public init(bands: [ErrorBand], forecast: ErrorBand, levers: [LeverValidation.Row] = [], runsByDataSet: [String: Int] = [:]) {
        self.bands = bands; self.forecast = forecast; self.levers = levers; self.runsByDataSet = runsByDataSet
    }

    /// How `runs` differs from the runs this file was computed from, in words ("mlenergy-v3/b200
    /// 0 → 90"); nil when they are the same.
    public func staleness(against runs: [String: Int]) -> String? {
        let keys = Set(runs.keys).union(runsByDataSet.keys).sorted().filter { runs[$0] != runsByDataSet[$0] }
        guard !keys.isEmpty else { return nil }
        return keys.map { "\($0) \(runsByDataSet[$0] ?? 0) → \(runs[$0] ?? 0)" }.joined(separator: ", ")
    }

    /// TokenWatt's energy records (what the bands and the lever pairs read) per "data set/GPU".
    public static func runs(_ records: [ValidationRecord]) -> [String: Int] {
        records.filter { $0.estimator == "tokenwatt" && LeverValidation.metrics.contains($0.metric) }
            .reduce(into: [String: Int]()) { $0["\($1.dataset)/\($1.gpu)", default: 0] += 1 }
    }

    /// The measured accuracy of changes of one kind of lever (`batch`, `gpu`, `precision`, …).
    public func lever(_ name: String) -> LeverValidation.Row? { levers.first { $0.lever == name } }

    /// The metric the bands are read from: GPU energy per output token, the GPU boundary.
    public static let metric = "j_per_token"
    /// A GPU needs this many runs for a band of its own; with fewer its P5 and P95 are the
    /// extremes of a handful of runs.
    public static let minimumRuns = 20
    /// The share of runs a range should hold.
    public static let nominalCoverage = 0.9
    /// Tails tried, narrowest range first; 0 takes the extremes.
    static let tails = [0.05, 0.04, 0.03, 0.025, 0.02, 0.015, 0.01, 0.005, 0]
    /// Data sets whose software the serving model does not describe, left out with the reason.
    public static let leftOut = [
        "mlenergy-v2": "vLLM 0.5.4's API server idles the GPU about 15 ms a step (`validate`'s Generalization table refits it), which no bundled framework models (docs/methodology.md §7)",
    ]

    /// The band of `gpu` by id alone: its own when it has one, else the forecast pool. Estimates
    /// take `band(for:catalog:)`, which looks for a band of the GPU's architecture first.
    public func band(for gpu: String) -> ErrorBand { bands.first { $0.gpu == gpu } ?? forecast }

    /// The band an estimate on `gpu` takes: its own; else that of a GPU of its architecture
    /// (`GPUSpec.architecture`) whose runs are forecasts, a GPU of the pool carried over from
    /// another GPU's fit as estimates of `gpu` are (the most runs where several); else the pool.
    /// GB200, B300 and GB300 had taken the pool's median 0.957 while the B200, carried over from
    /// the same H100 fit by the same rule, measured 1.26, and `fleet`'s median-corrected lever
    /// notes grew their savings by it (GB200 35 → 37 %, B300 39 → 42 %).
    public func band(for gpu: GPUSpec, catalog: GPUCatalog) -> ErrorBand {
        bands.first { $0.gpu == gpu.id } ?? sibling(of: gpu, catalog: catalog) ?? forecast
    }

    /// The band of a pooled GPU of `gpu`'s architecture with the most runs; nil when none has one.
    /// A GPU with a fit of its own is passed over: its band's runs are largely fit residuals.
    /// Only for the architectures in `siblingArchitectures`, and not from or to a PCIe card (an
    /// RTX PRO 6000's GDDR7 on PCIe is not a B200's HBM on NVLink): a Hopper GPU taking the H100
    /// NVL's band (0.911–2.28) would take one that keeps 53 % of a left-out family's runs, where
    /// the pool was sized to keep 90 % of a left-out GPU's.
    func sibling(of gpu: GPUSpec, catalog: GPUCatalog) -> ErrorBand? {
        guard Self.siblingArchitectures.contains(gpu.architecture), !gpu.interconnect.isPCIe else { return nil }
        return bands.filter { b in
            guard forecast.pooledGPUs.contains(b.gpu), let g = try? catalog.gpu(b.gpu) else { return false }
            return g.architecture == gpu.architecture && !g.interconnect.isPCIe
        }.max { ($0.runs, $1.gpu) < ($1.runs, $0.gpu) }
    }

    /// Architectures whose GPUs without a band take a measured sibling's: Blackwell, whose one
    /// measured GPU (the B200, carried over from the H100 fit as GB200, B300 and GB300 are) reads
    /// a median of 1.26 where the pool's is 0.957, so the pool turned its evidence around.
    static let siblingArchitectures: Set<String> = ["blackwell"]

    /// Bands from a validation run: TokenWatt's `j_per_token` records per GPU; `fitted` are the
    /// GPUs with coefficients of their own (the rest make the forecast pool). Each range is set the
    /// way it is used, for work its runs do not hold: a GPU's own band for a model family it was
    /// not read from, the pool for a GPU it was not read from. Each family (or pooled GPU) is left
    /// out in turn against the range of the rest, and the narrowest range in `tails` whose
    /// runs-weighted coverage reaches 90 % is kept (the extremes when none does).
    /// `inFit` keys (`fitKey`) the runs the calibration was fitted on, which each band counts;
    /// `forecasts` (by `fitKey`) are such runs as refits that leave their family out forecast them.
    public static func compute(from records: [ValidationRecord], fitted: Set<String>, inFit: Set<String> = [],
                               forecasts: [String: Double] = [:]) -> ErrorBands {
        let rows = scored(records)
        let byGPU = Dictionary(grouping: rows, by: \.gpu)
        let own = byGPU.keys.sorted().compactMap { gpu -> ErrorBand? in
            let r = byGPU[gpu]!
            guard r.count >= minimumRuns else { return nil }
            var b = calibrated(gpu, r, leavingOut: \.group)
            let outside = r.filter { !inFit.contains(fitKey($0.dataset, $0.label)) }
            b.fitRuns = r.count - outside.count
            b.addRefits(r.filter { inFit.contains(fitKey($0.dataset, $0.label)) }, forecasts: forecasts)
            if b.fitRuns > 0, !outside.isEmpty { b.outsideFitMedian = quantile(outside.map { $0.measured / $0.predicted }.sorted(), 0.5) }
            let sets = Set(b.datasets)
            b.addSmallBatch(r, power: records.filter {
                // Measured and predicted both positive, as `scored` holds the energy rows: one zero
                // reading would make the bias infinite and the bundled file unreadable.
                $0.estimator == "tokenwatt" && $0.metric == smallBatchPowerMetric && $0.gpu == gpu && sets.contains($0.dataset)
                    && $0.measured > 0 && $0.predicted > 0
            })
            return b
        }
        let carried = rows.filter { !fitted.contains($0.gpu) }
        var pool = calibrated("forecast", carried, leavingOut: \.gpu)
        pool.pooledGPUs = Set(carried.map(\.gpu)).sorted()
        return ErrorBands(bands: own, forecast: pool, levers: LeverValidation.summarize(LeverValidation.servingFirst(LeverValidation.pairs(records)), pooled: true),
                          runsByDataSet: runs(records))
    }

    /// A run's key in `compute`'s `inFit`: its data set and label.
    public static func fitKey(_ dataset: String, _ label: String) -> String { dataset + "/" + label }

    /// The keys of the runs the bundled calibration fits (its H100 serving rows, ML.ENERGY v3):
    /// the rows `BuiltinCalibration.run` builds, by the same rule.
    public static func bundledFitRuns(dataDirectory: String, estimator: Estimator) throws -> Set<String> {
        let rows = ServingCalibration.rows(try MLEnergyData.load(dataDirectory: dataDirectory), gpu: BuiltinCalibration.servingFitGPU, estimator: estimator)
        return Set(rows.map { fitKey(MLEnergyValidation.dataset, $0.label) })
    }

    /// The band of `rows` at the narrowest tail whose leave-one-`key`-out coverage reaches 90 %.
    /// With one family (or GPU) nothing can be left out: the band is its P5–P95, marked unchecked.
    static func calibrated(_ gpu: String, _ rows: [ValidationRecord], leavingOut key: KeyPath<ValidationRecord, String>) -> ErrorBand {
        guard Set(rows.map { $0[keyPath: key] }).count > 1 else {
            var b = band(gpu, rows, tail: 0.05)
            b.leftOut = "none"
            return b
        }
        let tried = tails.map { ($0, covered(leaveOneOutCoverage(rows, by: key, tail: $0))) }
        let (tail, cover) = tried.first { $0.1 >= nominalCoverage } ?? tried.last!
        var b = band(gpu, rows, tail: tail)
        b.outOfSampleCoverage = cover
        b.leftOut = key == \ValidationRecord.gpu ? "GPU" : "model family"
        return b
    }

    /// For each GPU of the pool, its runs inside the range (`tail` each end) of the pool without it.
    public static func leaveOneGPUOutCoverage(_ records: [ValidationRecord], fitted: Set<String>, tail: Double)
        -> [(gpu: String, runs: Int, covered: Int)] {
        leaveOneOutCoverage(scored(records).filter { !fitted.contains($0.gpu) }, by: \.gpu, tail: tail).map { ($0.key, $0.runs, $0.covered) }
    }

    /// For each value of `key`, its rows inside the range (`tail` each end) of the other rows.
    static func leaveOneOutCoverage(_ rows: [ValidationRecord], by key: KeyPath<ValidationRecord, String>, tail: Double)
        -> [(key: String, runs: Int, covered: Int)] {
        Set(rows.map { $0[keyPath: key] }).sorted().compactMap { k in
            let others = rows.filter { $0[keyPath: key] != k }
            guard !others.isEmpty else { return nil }
            let range = band("", others, tail: tail)
            let mine = rows.filter { $0[keyPath: key] == k }.map { $0.measured / $0.predicted }
            return (k, mine.count, mine.filter { $0 >= range.ratioLow && $0 <= range.ratioHigh }.count)
        }
    }

    /// The share of all runs covered, 0 when there are none.
    static func covered(_ c: [(key: String, runs: Int, covered: Int)]) -> Double {
        let runs = c.reduce(0) { $0 + $1.runs }
        return runs > 0 ? Double(c.reduce(0) { $0 + $1.covered }) / Double(runs) : 0
    }

    /// TokenWatt's `metric` rows of the data sets the bands keep.
    static func scored(_ records: [ValidationRecord]) -> [ValidationRecord] {
        records.filter { $0.estimator == "tokenwatt" && $0.metric == metric && leftOut[$0.dataset] == nil && $0.predicted > 0 && $0.measured > 0 }
    }

    static func band(_ gpu: String, _ rows: [ValidationRecord], tail: Double) -> ErrorBand {
        let ratios = rows.map { $0.measured / $0.predicted }.sorted()
        var b = ErrorBand(gpu: gpu, runs: rows.count, datasets: Set(rows.map(\.dataset)).sorted(), tail: tail,
                          ratioLow: quantile(ratios, tail), ratioMedian: quantile(ratios, 0.5), ratioHigh: quantile(ratios, 1 - tail))
        b.readRuns = rows.filter { $0.readFrom != nil }.count
        b.readFrom = Set(rows.compactMap(\.readFrom)).sorted()
        return b
    }

    /// Linear interpolation between order statistics (`QueryStatistics.quantile`); 1, no error,
    /// when there are no runs.
    static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        sorted.isEmpty ? 1 : QueryStatistics.quantile(sorted, q)
    }
}
