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
    /// The quantile each end leaves outside: 0.05 for a GPU's own runs (P5–P95); for the pool, the
    /// largest tail whose leave-one-GPU-out coverage reaches 90 % (`ErrorBands.compute`).
    public var tail: Double
    public var ratioLow: Double
    public var ratioMedian: Double
    public var ratioHigh: Double
    /// For `forecast`: the share of runs inside the range of the pool without their GPU.
    public var outOfSampleCoverage: Double? = nil

    /// Whose runs these are, in words: the GPU, or the pooled GPUs without a fit of their own.
    public var whose: String {
        gpu == "forecast" ? "GPUs without a fit of their own (\(pooledGPUs.joined(separator: ", ")))" : gpu
    }

    /// The quantiles of the range, e.g. "P5–P95" or "P2.5–P97.5".
    public var quantiles: String {
        "P\(formatNumber(tail * 100, significant: 3))–P\(formatNumber(100 - tail * 100, significant: 4))"
    }
}

public struct ErrorBands: Sendable, Equatable {
    public var bands: [ErrorBand]
    /// Runs on GPUs with no fit of their own: the error of carrying coefficients over by specs.
    public var forecast: ErrorBand

    /// The metric the bands are read from: GPU energy per output token, the GPU boundary.
    public static let metric = "j_per_token"
    /// A GPU needs this many runs for a band of its own; with fewer its P5 and P95 are the
    /// extremes of a handful of runs.
    public static let minimumRuns = 20
    /// The share of runs a range should hold.
    public static let nominalCoverage = 0.9
    /// Tails tried for the pool, widest last; 0 takes the extremes.
    static let poolTails = [0.05, 0.04, 0.03, 0.025, 0.02, 0.015, 0.01, 0.005, 0]
    /// Data sets whose software the serving model does not describe, left out with the reason.
    public static let leftOut = [
        "mlenergy-v2": "vLLM 0.5.4's API server idles the GPU about 16 ms a step, which no bundled framework models (docs/methodology.md §7)",
    ]

    /// The band an estimate on `gpu` takes: its own when it has one, else the forecast pool.
    public func band(for gpu: String) -> ErrorBand { bands.first { $0.gpu == gpu } ?? forecast }

    /// Bands from a validation run: TokenWatt's `j_per_token` records per GPU; `fitted` are the
    /// GPUs with coefficients of their own (the rest make the forecast pool). A GPU's own band is
    /// its P5–P95. The pool stands for GPUs with no runs at all, so its range is checked the way
    /// it is used: each pooled GPU left out in turn against the pool of the others, and the
    /// narrowest range whose runs-weighted coverage reaches 90 % is kept.
    public static func compute(from records: [ValidationRecord], fitted: Set<String>) -> ErrorBands {
        let rows = scored(records)
        let byGPU = Dictionary(grouping: rows, by: \.gpu)
        let own = byGPU.keys.sorted().compactMap { gpu -> ErrorBand? in
            let r = byGPU[gpu]!
            return r.count >= minimumRuns ? band(gpu, r, tail: 0.05) : nil
        }
        let carried = rows.filter { !fitted.contains($0.gpu) }
        let coverage = poolTails.map { ($0, leaveOneGPUOutCoverage(records, fitted: fitted, tail: $0)) }
        let (tail, cover) = coverage.first { covered($0.1) >= nominalCoverage } ?? coverage.last!
        var pool = band("forecast", carried, tail: tail)
        pool.pooledGPUs = Set(carried.map(\.gpu)).sorted()
        pool.outOfSampleCoverage = covered(cover)
        return ErrorBands(bands: own, forecast: pool)
    }

    /// For each GPU of the pool, its runs inside the range (`tail` each end) of the pool without it.
    public static func leaveOneGPUOutCoverage(_ records: [ValidationRecord], fitted: Set<String>, tail: Double)
        -> [(gpu: String, runs: Int, covered: Int)] {
        let carried = scored(records).filter { !fitted.contains($0.gpu) }
        return Set(carried.map(\.gpu)).sorted().map { gpu in
            let others = band("forecast", carried.filter { $0.gpu != gpu }, tail: tail)
            let mine = carried.filter { $0.gpu == gpu }.map { $0.measured / $0.predicted }
            return (gpu, mine.count, mine.filter { $0 >= others.ratioLow && $0 <= others.ratioHigh }.count)
        }
    }

    /// The share of all runs covered, 0 when there are none.
    static func covered(_ c: [(gpu: String, runs: Int, covered: Int)]) -> Double {
        let runs = c.reduce(0) { $0 + $1.runs }
        return runs > 0 ? Double(c.reduce(0) { $0 + $1.covered }) / Double(runs) : 0
    }

    /// TokenWatt's `metric` rows of the data sets the bands keep.
    static func scored(_ records: [ValidationRecord]) -> [ValidationRecord] {
        records.filter { $0.estimator == "tokenwatt" && $0.metric == metric && leftOut[$0.dataset] == nil && $0.predicted > 0 && $0.measured > 0 }
    }

    static func band(_ gpu: String, _ rows: [ValidationRecord], tail: Double) -> ErrorBand {
        let ratios = rows.map { $0.measured / $0.predicted }.sorted()
        return ErrorBand(gpu: gpu, runs: rows.count, datasets: Set(rows.map(\.dataset)).sorted(), tail: tail,
                         ratioLow: quantile(ratios, tail), ratioMedian: quantile(ratios, 0.5), ratioHigh: quantile(ratios, 1 - tail))
    }

    /// Linear interpolation between order statistics (the common "type 7" quantile); 1 when empty.
    static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        guard !sorted.isEmpty else { return 1 }
        let h = Double(sorted.count - 1) * q
        let lo = Int(h.rounded(.down)), hi = min(lo + 1, sorted.count - 1)
        return sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
    }
}
