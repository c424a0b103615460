import Foundation
import KernelPower

/// The Monte Carlo's statistics: each draw's weight, the sampling error of the day's mean, and how
/// much of the spread each uncertain input explains.
extension KernelFleet {
    /// Each draw weighted by its class's share over the class's draws, the shares of the classes
    /// drawn scaled to add up to 1, so the day's mean weighs the classes as the fleet does even
    /// where rounding, or too few samples, gave a class more or fewer draws than its share: at 7
    /// draws a 90/10 workload had been weighed 6/7 and 1/7 (0.942 Wh for 0.665).
    /// In place: a weighed copy of 100,000 draws had cost the Monte Carlo 21 MB of peak memory.
    static func weigh(_ draws: inout [Sample], shares: [Double]) {
        var counts: [Int: Int] = [:]
        for d in draws { counts[d.cls, default: 0] += 1 }
        let drawnShare = counts.keys.reduce(0.0) { $0 + shares[$1] }
        for i in draws.indices {
            let c = draws[i].cls
            draws[i].weight = drawnShare > 0 ? shares[c] / drawnShare / Double(counts[c]!) : 1 / Double(draws.count)
        }
    }

    /// Half the 95 % interval of the plain mean of `values` (one class's draws, alike in weight),
    /// as a share of that mean, by the same running sums as `samplingHalfWidth`. Nil with one
    /// draw or a mean of 0. A test-time-compute multiple divides two such means, and a seed
    /// moves it by both of their errors (`WorkloadReport.ttcInterval`).
    static func relativeHalfWidth(of values: [Double]) -> Double? {
        guard values.count > 1 else { return nil }
        var n = 0.0, mean = 0.0, squares = 0.0
        for v in values {
            n += 1
            let delta = v - mean
            mean += delta / n
            squares += delta * (v - mean)
        }
        guard mean > 0 else { return nil }
        return 1.96 * (squares / (n - 1) / n).squareRoot() / mean
    }

    /// Half the 95 % interval of the weighted mean of `values`, as a share of `mean`, for draws
    /// stratified by class (`drawCounts`, `weigh`): Σ W_c² s_c² / n_c is the stratified
    /// mean's variance, each class's weight W_c and sample variance s_c² (n_c − 1) over its n_c
    /// draws. Nil with one draw or a mean of 0.
    static func samplingHalfWidth(_ values: [Double], draws: [Sample], mean: Double) -> Double? {
        guard values.count > 1, mean > 0 else { return nil }
        let classes = (draws.map(\.cls).max() ?? 0) + 1
        // Welford's running mean and squares: draws that are all alike give exactly 0, where a
        // mean taken as sum ÷ n can miss their value in the last bit (3 equal draws of the
        // 2026-12-07 refit's figure read a half-width of 1e-16 instead of none).
        var weight = [Double](repeating: 0, count: classes), n = weight, classMean = weight, squares = weight
        for (v, d) in zip(values, draws) {
            weight[d.cls] += d.weight
            n[d.cls] += 1
            let delta = v - classMean[d.cls]
            classMean[d.cls] += delta / n[d.cls]
            squares[d.cls] += delta * (v - classMean[d.cls])
        }
        var variance = 0.0
        for c in 0..<classes where n[c] > 1 {
            let s2: Double = squares[c] / (n[c] - 1)
            variance += weight[c] * weight[c] * s2 / n[c]
        }
        return 1.96 * variance.squareRoot() / mean
    }

    /// First-order variance shares (first-order Sobol indices): Var(E[Y|X]) / Var(Y) for each
    /// uncertain input X. None when Y does not vary (beyond rounding: a mean summed from equal
    /// values differs from them in the last bit), and 0 for an input that took one value in
    /// every draw: the rank estimator pairs such draws in tie order, and on a Y that varies by
    /// rounding alone it gave fixed input and output lengths 100 % each. An input outside the
    /// scenario's boundary (host power before `node`, PUE before `facility`) is left out: it
    /// cannot move Y, and a gpu-boundary scenario had listed both as "< 4.2 %".
    func varianceShares(_ draws: [Sample], values: [Double], classes: [QueryClass]) -> [VarianceShare] {
        // Classes ranked by name, as they are drawn (`priced`): by their place in the file, the
        // neighbours the estimator pairs had moved with the order the classes were listed in.
        let byName = classes.indices.sorted { classes[$0].name < classes[$1].name }
        var rank = [Double](repeating: 0, count: classes.count)
        for (r, c) in byName.enumerated() { rank[c] = Double(r) }
        let inputs: [(String, (Sample) -> Double, Bool)] = [
            ("query class", { rank[$0.cls] }, classes.count > 1), ("input tokens", { $0.input }, true),
            ("output tokens", { $0.output }, true), ("gpu energy scale", { $0.gpuScale }, kernel.gpuEnergyScale.isRandom),
            ("host power scale", { $0.hostScale }, kernel.hostPowerScale.isRandom && scenario.boundary >= .node),
            ("PUE", { $0.pue }, scenario.pue.isRandom && scenario.boundary == .facility),
        ]
        guard varies(values) else { return [] }
        let total = variance(values), ties = scrambledOrder(draws.count)
        return inputs.filter(\.2).map { name, key, _ in
            let x = draws.map(key)
            return VarianceShare(input: name, share: varies(x) ? min(1, conditionalVariance(x, values, ties: ties) / total) : 0, constant: !varies(x))
        }.sorted { $0.share != $1.share ? $0.share > $1.share : $0.input < $1.input }
    }
}

/// Whether `v` holds values more than rounding apart: a standard deviation above 1e-9 of the
/// largest magnitude (a sum of equal values divided by their count can miss them by an ulp).
func varies(_ v: [Double]) -> Bool {
    guard let scale = v.map(abs).max(), scale > 0 else { return false }
    return variance(v).squareRoot() > 1e-9 * scale
}

func variance(_ v: [Double]) -> Double {
    guard v.count > 1 else { return 0 }
    let m = v.reduce(0, +) / Double(v.count)
    return v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count)
}

/// Var(E[y | x]) by the rank-based estimator (Gamboa, Klein & Lagnoux, SIAM/ASA JUQ 6(2), 2018):
/// sort the samples by `x` and average the products of neighbouring `y`s. Unlike binning, it
/// stays unbiased for heavy-tailed inputs, whose top bin would hide most of the variance.
/// Ties in `x` pair samples at random, as a categorical input should: in a fixed scrambled order
/// of the draws, not in draw order, which groups the draws by class (`drawCounts`), so a token
/// count two classes share would pair each draw with its own class's.
func conditionalVariance(_ x: [Double], _ y: [Double], ties: [UInt64]) -> Double {
    guard y.count > 2 else { return 0 }
    let order = x.indices.sorted { x[$0] != x[$1] ? x[$0] < x[$1] : ties[$0] < ties[$1] }
    let mean = y.reduce(0, +) / Double(y.count)
    var products = 0.0
    for k in 0..<(order.count - 1) { products += (y[order[k]] - mean) * (y[order[k + 1]] - mean) }
    return max(0, products / Double(order.count - 1))
}

/// A fixed pseudo-random key per draw index (the same for every run), `conditionalVariance`'s tie order.
func scrambledOrder(_ count: Int) -> [UInt64] {
    (0..<count).map { i in
        var r = SeededRandom(seed: UInt64(i))
        return r.nextUInt64()
    }
}
