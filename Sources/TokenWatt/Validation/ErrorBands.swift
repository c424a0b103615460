import Foundation
import KernelPower

/// How far measured GPU energy per output token has fallen from the estimate, per GPU: the P5,
/// median and P95 of measured ÷ estimated over the validation runs. `estimate` scales a query's
/// GPU energy by the P5 and P95 ratios to give its range, so the range is the tool's own measured
/// error, not an assumed one. Written by `tokenwatt validate --bands-out FILE` into the bundled
/// `error-bands.json`; a test checks that file against a fresh validation run.
public struct ErrorBand: Sendable, Equatable {
    /// A GPU id, or `forecast` for the pool that GPUs without enough runs of their own take.
    public var gpu: String
    public var runs: Int
    /// The data sets the runs come from.
    public var datasets: [String]
    /// For `forecast`: the GPUs whose runs are pooled.
    public var pooledGPUs: [String] = []
    public var ratioP5: Double
    public var ratioMedian: Double
    public var ratioP95: Double

    /// Whose runs these are, in words: the GPU, or the pooled GPUs without a fit of their own.
    public var whose: String {
        gpu == "forecast" ? "GPUs without a fit of their own (\(pooledGPUs.joined(separator: ", ")))" : gpu
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
    /// Data sets whose software the serving model does not describe, left out with the reason.
    public static let leftOut = [
        "mlenergy-v2": "vLLM 0.5.4's API server idles the GPU about 16 ms a step, which no bundled framework models (docs/methodology.md §7)",
    ]

    /// The band an estimate on `gpu` takes: its own when it has one, else the forecast pool.
    public func band(for gpu: String) -> ErrorBand { bands.first { $0.gpu == gpu } ?? forecast }

    /// Bands from a validation run: TokenWatt's `j_per_token` records per GPU; `fitted` are the
    /// GPUs with coefficients of their own (the rest make the forecast pool).
    public static func compute(from records: [ValidationRecord], fitted: Set<String>) -> ErrorBands {
        let rows = scored(records)
        let byGPU = Dictionary(grouping: rows, by: \.gpu)
        let own = byGPU.keys.sorted().compactMap { gpu -> ErrorBand? in
            let r = byGPU[gpu]!
            return r.count >= minimumRuns ? band(gpu, r) : nil
        }
        let carried = rows.filter { !fitted.contains($0.gpu) }
        var pool = band("forecast", carried)
        pool.pooledGPUs = Set(carried.map(\.gpu)).sorted()
        return ErrorBands(bands: own, forecast: pool)
    }

    /// How honest the forecast range is out of sample: for each GPU of the pool, the share of its
    /// runs inside the P5–P95 of the pool without it (nominally 90 %).
    public static func leaveOneGPUOutCoverage(_ records: [ValidationRecord], fitted: Set<String>)
        -> [(gpu: String, runs: Int, covered: Int)] {
        let carried = scored(records).filter { !fitted.contains($0.gpu) }
        return Set(carried.map(\.gpu)).sorted().map { gpu in
            let others = band("forecast", carried.filter { $0.gpu != gpu })
            let mine = carried.filter { $0.gpu == gpu }.map { $0.measured / $0.predicted }
            return (gpu, mine.count, mine.filter { $0 >= others.ratioP5 && $0 <= others.ratioP95 }.count)
        }
    }

    /// TokenWatt's `metric` rows of the data sets the bands keep.
    static func scored(_ records: [ValidationRecord]) -> [ValidationRecord] {
        records.filter { $0.estimator == "tokenwatt" && $0.metric == metric && leftOut[$0.dataset] == nil && $0.predicted > 0 && $0.measured > 0 }
    }

    static func band(_ gpu: String, _ rows: [ValidationRecord]) -> ErrorBand {
        let ratios = rows.map { $0.measured / $0.predicted }.sorted()
        return ErrorBand(gpu: gpu, runs: rows.count, datasets: Set(rows.map(\.dataset)).sorted(),
                         ratioP5: quantile(ratios, 0.05), ratioMedian: quantile(ratios, 0.5), ratioP95: quantile(ratios, 0.95))
    }

    /// Linear interpolation between order statistics (the common "type 7" quantile); 1 when empty.
    static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        guard !sorted.isEmpty else { return 1 }
        let h = Double(sorted.count - 1) * q
        let lo = Int(h.rounded(.down)), hi = min(lo + 1, sorted.count - 1)
        return sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
    }
}
