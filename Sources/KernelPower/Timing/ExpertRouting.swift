import Foundation

/// Random top-k routing behind a grouped expert product: each of `experts` products receives the
/// tokens that picked its expert, a Binomial(`tokens`, `probability`) count (a token picks k of E
/// experts uniformly, so each one with probability k/E, independently of the other tokens).
///
/// vLLM's fused MoE pads every expert's rows to its block size (`moe_align_block_size`) and
/// launches one block per padded tile, so the tiles follow the counts expert by expert. Priced
/// with every expert at the mean count, all experts crossed a tile edge at once: one more
/// sequence (128 → 129 on two H20s) added 45 % to Mixtral's energy per query, where uneven counts
/// had already put about half the experts over the edge.
public struct ExpertRouting: Sendable {
    /// Expert products on one GPU.
    public let experts: Double
    /// Rows over all the products: the routed assignments, experts · tokens · probability.
    public let rows: Double
    /// experts · E[⌈X/t⌉] for the tile heights the GEMM libraries use (16, 32, 64, 128, 256 rows),
    /// summed once here rather than for each tile tried and each product of the layer. Plain
    /// Doubles: every kernel of every pass carries a GEMM shape, and an array in it (a reference
    /// count on each copy) or a 16-byte-aligned vector cost a dense model's forward pass 8–10 %
    /// (an object, 12 %); inline it costs about 6 %.
    private let tiles: (Double, Double, Double, Double, Double)

    /// `experts` products fed by `tokens` routed tokens (Binomial trials; need not be whole, a mean
    /// over steps), each picking a given expert with `probability` k/E.
    public init(experts: Double, tokens: Double, probability: Double) {
        self.experts = experts
        rows = experts * tokens * probability
        func t(_ height: Int) -> Double { experts * Self.expectedCeiling(trials: tokens, probability: probability, divisor: height) }
        tiles = (t(16), t(32), t(64), t(128), t(256))
    }

    /// Expected row tiles of `tileRows` rows over all the products: experts · E[⌈X/tileRows⌉]; a
    /// height outside the libraries' set takes every expert at the mean count.
    public func expectedTiles(rowsPerTile tileRows: Int) -> Double {
        switch tileRows {
        case 16: return tiles.0
        case 32: return tiles.1
        case 64: return tiles.2
        case 128: return tiles.3
        case 256: return tiles.4
        default: return experts * (rows / max(experts, 1e-300) / Double(tileRows)).rounded(.up)
        }
    }

    /// E[⌈X/t⌉] for X ~ Binomial(n, p), = Σ_{j≥0} P(X > j·t). Exact (the probabilities summed)
    /// while the variance is small, where a normal curve misses the count's lumps and its zero;
    /// with continuity correction when it is large, where it is within 0.1 % and costs a few
    /// terms; a blend of the two between, so that one more token never lowers the count. A
    /// fractional n interpolates between the whole numbers either side.
    static func expectedCeiling(trials n: Double, probability p: Double, divisor t: Int) -> Double {
        guard n > 0, p > 0 else { return 0 }
        if p >= 1 { return (n / Double(t)).rounded(.up) }
        let variance = n * p * (1 - p)
        if variance >= 2 * exactVarianceLimit { return normalCeiling(trials: n, probability: p, divisor: t) }
        let low = n.rounded(.down), share = n - low
        let below = exactCeiling(trials: Int(low), probability: p, divisor: t)
        let exact = share > 0 ? below + share * (exactCeiling(trials: Int(low) + 1, probability: p, divisor: t) - below) : below
        guard variance > exactVarianceLimit else { return exact }
        let w = variance / exactVarianceLimit - 1
        return (1 - w) * exact + w * normalCeiling(trials: n, probability: p, divisor: t)
    }

    /// Variance up to which the count is summed exactly (and from twice which it is normal).
    static let exactVarianceLimit = 64.0

    /// Σ_x P(X = x)·⌈x/t⌉ from P(0) = (1 − p)^n upwards, stopping where the tail is negligible.
    /// Below twice the variance limit the mean is under 128/(1 − p), so (1 − p)^n stays far above
    /// the smallest Double for the p of real routers (k/E ≤ 1/2).
    static func exactCeiling(trials n: Int, probability p: Double, divisor t: Int) -> Double {
        guard n > 0 else { return 0 }
        let mean = Double(n) * p, sd = (mean * (1 - p)).squareRoot()
        let last = min(n, Int((mean + 12 * sd).rounded(.up)) + 1)
        var pmf = pow(1 - p, Double(n)), sum = 0.0
        let ratio = p / (1 - p)
        if pmf == 0 { return normalCeiling(trials: Double(n), probability: p, divisor: t) }
        for x in 1...last {
            pmf *= Double(n - x + 1) / Double(x) * ratio
            sum += pmf * Double((x + t - 1) / t)
        }
        return sum
    }

    /// Σ_j P(X > j·t) with X normal (mean np, variance np(1 − p)) and a half-count continuity
    /// correction; the j far below the mean count 1 each without evaluating erfc.
    static func normalCeiling(trials n: Double, probability p: Double, divisor t: Int) -> Double {
        let mean = n * p, sd = (mean * (1 - p)).squareRoot(), step = Double(t)
        let first = max(0, Int(((mean - 10 * sd - 0.5) / step).rounded(.down)))
        let last = Int(((mean + 10 * sd) / step).rounded(.up))
        var sum = Double(first)
        for j in first...max(first, last) {
            let z = (Double(j) * step + 0.5 - mean) / sd
            sum += 0.5 * erfc(z / 2.0.squareRoot())
        }
        return sum
    }
}
