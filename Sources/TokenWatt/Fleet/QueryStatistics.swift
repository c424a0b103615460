/// Summary statistics of a sample of Wh per query.
public struct QueryStatistics: Sendable, Equatable {
    public var median: Double
    public var mean: Double
    public var p5: Double
    public var p25: Double
    public var p75: Double
    public var p95: Double

    /// Percentiles by linear interpolation between order statistics (numpy's default).
    public init(_ values: [Double]) {
        let s = values.sorted()
        func q(_ p: Double) -> Double { Self.quantile(s, p) }
        median = q(0.5); p5 = q(0.05); p25 = q(0.25); p75 = q(0.75); p95 = q(0.95)
        mean = s.isEmpty ? 0 : s.reduce(0, +) / Double(s.count)
    }

    /// Statistics of draws that carry weights (a class's share over its draws, as `KernelFleet`
    /// weighs them): the mean Σ wᵢxᵢ / Σ wᵢ, and percentiles as `weightedQuantiles` reads them, so
    /// that the spread weighs the classes as the mean does. Equal weights give `init(_:)`.
    public init(_ values: [Double], weights: [Double]) {
        let q = Self.weightedQuantiles(values, weights: weights, [0.5, 0.05, 0.25, 0.75, 0.95])
        median = q[0]; p5 = q[1]; p25 = q[2]; p75 = q[3]; p95 = q[4]
        mean = Self.weightedMean(values, weights: weights)
    }

    /// Σ wᵢxᵢ / Σ wᵢ; the plain mean where `weights` are not one per value; 0 for none.
    public static func weightedMean(_ values: [Double], weights: [Double]) -> Double {
        guard weights.count == values.count else { return values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count) }
        let total = weights.reduce(0, +)
        return total > 0 ? zip(values, weights).reduce(0) { $0 + $1.0 * $1.1 } / total : 0
    }

    /// Quantiles `ps` of weighted draws: each draw counts as wᵢ / w_min copies of the lightest
    /// draw, and the quantiles are numpy's linear ones over those copies (position p·(N − 1) in
    /// N = Σ wᵢ / w_min; a draw's copies hold its value, one step between neighbours is
    /// interpolated). Equal weights give numpy's own. Drawn as drawn, 9 draws of a 99 % class and
    /// 1 of a 1 % class had put the P95 0.55 of the way to the rare draw (0.927 Wh where 99 % of
    /// queries use 0.0297); weighted they read as 99 and 1 draws, whose P95 is 0.0297. Draws of
    /// weight 0 are left out; the plain quantiles where `weights` are not one per value.
    public static func weightedQuantiles(_ values: [Double], weights: [Double], _ ps: [Double]) -> [Double] {
        guard weights.count == values.count else {
            let sorted = values.sorted()
            return ps.map { quantile(sorted, $0) }
        }
        let order = values.indices.filter { weights[$0] > 0 }.sorted { values[$0] < values[$1] }
        guard let lightest = order.map({ weights[$0] }).min() else { return ps.map { _ in 0 } }
        let copies = order.map { weights[$0] / lightest }
        let total = copies.reduce(0, +)
        return ps.map { p in
            let x = p * (total - 1)
            var first = 0.0  // position of the draw's first copy
            for (k, i) in order.enumerated() {
                let last = first + copies[k] - 1
                if x <= last || k + 1 == order.count { return values[i] }
                if x < last + 1 { return values[i] + (values[order[k + 1]] - values[i]) * (x - last) }
                first += copies[k]
            }
            return values[order[order.count - 1]]
        }
    }
    /// Quantile `p` of `sorted` (ascending) by linear interpolation between order statistics
    /// (numpy's default); 0 of none. `init(_:)`, the plain `weightedQuantiles` and a throughput
    /// table's trims all read quantiles so.
    static func quantile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let x = p * Double(sorted.count - 1)
        let i = Int(x.rounded(.down)), f = x - Double(i)
        return i + 1 < sorted.count ? sorted[i] + (sorted[i + 1] - sorted[i]) * f : sorted[i]
    }
}
