import Foundation
import KernelPower

/// A distribution of an uncertain quantity, as a workload file writes it.
public enum Distribution: Sendable, Equatable {
    case fixed(Double)
    /// Exponential with the given median (λ = ln 2 / median), as Oviedo et al. sample output lengths.
    case exponential(median: Double)
    /// Lognormal given by its 5th and 95th percentiles: σ = (ln P95 − ln P5)/(2·1.645),
    /// μ = ln P5 + 1.645σ (Oviedo et al.'s parameterisation).
    case lognormal(p5: Double, p95: Double)
    case uniform(low: Double, high: Double)
    /// Resample observed values (a request trace's column).
    case empirical([Double])
    /// Bins `[edges[i], edges[i+1])` with weights; uniform within a bin.
    case histogram(edges: [Double], weights: [Double])
    /// An unbounded distribution held to the range its field allows: a draw outside is taken at
    /// the nearer bound (a lognormal PUE with P5 1.05 puts 2 % of its draws below 1, which no
    /// facility reaches).
    indirect case clamped(Distribution, low: Double, high: Double)

    public static let z95 = 1.6448536269514722

    /// The same distribution with every draw × `r` (r > 0), drawing from the same random stream:
    /// `capacity` multiplies a scenario's drawn GPU-energy scale by an error band's end, as
    /// `fleet`'s day range does, where replacing it with the end (a 2026-12-07 review) dropped a
    /// scale of × 3 from the band's figures.
    public func scaled(by r: Double) -> Distribution {
        switch self {
        case let .fixed(x): return .fixed(x * r)
        case let .exponential(m): return .exponential(median: m * r)
        case let .lognormal(p5, p95): return .lognormal(p5: p5 * r, p95: p95 * r)
        case let .uniform(lo, hi): return .uniform(low: lo * r, high: hi * r)
        case let .empirical(values): return .empirical(values.map { $0 * r })
        case let .histogram(edges, weights): return .histogram(edges: edges.map { $0 * r }, weights: weights)
        case let .clamped(d, low, high): return .clamped(d.scaled(by: r), low: low * r, high: high * r)
        }
    }

    public func sample(_ rng: inout SeededRandom) -> Double {
        switch self {
        case let .fixed(x): return x
        case let .exponential(m): return -log(rng.uniform()) * m / log(2)
        case let .lognormal(p5, p95):
            let (mu, sigma) = Self.logParameters(p5: p5, p95: p95)
            return exp(mu + sigma * rng.normal())
        case let .uniform(lo, hi): return lo + (hi - lo) * rng.uniform()
        case let .empirical(values):
            return values[min(values.count - 1, Int(rng.uniform() * Double(values.count)))]
        case let .histogram(edges, weights):
            let total = weights.reduce(0, +)
            var u = rng.uniform() * total
            for (i, w) in weights.enumerated() {
                if u < w || i == weights.count - 1 { return edges[i] + (edges[i + 1] - edges[i]) * rng.uniform() }
                u -= w
            }
            return edges.last ?? 0
        case let .clamped(d, low, high): return min(high, max(low, d.sample(&rng)))
        }
    }

    /// The mean (closed form where there is one).
    public var mean: Double {
        switch self {
        case let .fixed(x): return x
        case let .exponential(m): return m / log(2)
        case let .lognormal(p5, p95):
            let (mu, sigma) = Self.logParameters(p5: p5, p95: p95)
            return exp(mu + sigma * sigma / 2)
        case let .uniform(lo, hi): return (lo + hi) / 2
        case let .empirical(v): return v.reduce(0, +) / Double(max(1, v.count))
        case let .histogram(edges, weights):
            let total = weights.reduce(0, +)
            return zip(weights, zip(edges, edges.dropFirst())).reduce(0) { $0 + $1.0 * ($1.1.0 + $1.1.1) / 2 } / total
        case let .clamped(d, low, high):
            // E[clamp(X)] = low·P(X < low) + high·P(X > high) + E[X; low ≤ X ≤ high].
            return low * d.probability(below: low) + high * (1 - d.probability(below: high)) + d.partialMean(low, high)
        }
    }

    /// P(X < x), for the unbounded kinds a workload may clamp (others: their own bounds hold).
    public func probability(below x: Double) -> Double {
        switch self {
        case let .lognormal(p5, p95):
            let (mu, sigma) = Self.logParameters(p5: p5, p95: p95)
            return x > 0 ? Self.phi((log(x) - mu) / sigma) : 0
        case let .exponential(m): return x > 0 ? 1 - exp(-x * log(2) / m) : 0
        case let .fixed(v): return v < x ? 1 : 0
        case let .uniform(lo, hi): return hi > lo ? min(1, max(0, (x - lo) / (hi - lo))) : (lo < x ? 1 : 0)
        case let .clamped(d, low, high): return x <= low ? 0 : x > high ? 1 : d.probability(below: x)
        case .empirical, .histogram: return 0
        }
    }

    /// E[X; a ≤ X ≤ b]: exact for the lognormal and exponential a workload clamps, and for fixed
    /// and uniform values; the resampled kinds, which a workload never clamps, approximate it.
    func partialMean(_ a: Double, _ b: Double) -> Double {
        switch self {
        case let .lognormal(p5, p95):
            let (mu, sigma) = Self.logParameters(p5: p5, p95: p95)
            let z = { (x: Double) in x > 0 ? (log(x) - mu - sigma * sigma) / sigma : -Double.infinity }
            return exp(mu + sigma * sigma / 2) * (Self.phi(z(b)) - Self.phi(z(a)))
        case let .exponential(m):
            let rate = log(2) / m
            let f = { (x: Double) in -(max(0, x) + 1 / rate) * exp(-rate * max(0, x)) }
            return f(b) - f(a)
        case let .fixed(v): return (a...b).contains(v) ? v : 0
        case let .uniform(lo, hi) where hi > lo:
            let l = max(a, lo), h = min(b, hi)
            return h > l ? (h * h - l * l) / (2 * (hi - lo)) : 0
        default:
            return mean * (probability(below: b) - probability(below: a))
        }
    }

    /// Non-negative weights, some positive, scaled by the power of two that puts the largest in
    /// [1, 2). The scaling is exact, so draws and shares are unchanged, yet a sum cannot overflow
    /// (two weights of 1e308 summed to inf and every draw fell in the last bin) nor a draw lose
    /// its precision among subnormal weights (5e-324 each gave the first bin 25 %, not 50 %).
    public static func rescaled(_ weights: [Double]) -> [Double] {
        guard let top = weights.max(), top > 0 else { return weights }
        return weights.map { scalbn($0, -top.exponent) }
    }

    /// μ and σ of ln X for a lognormal given by its 5th and 95th percentiles.
    static func logParameters(p5: Double, p95: Double) -> (mu: Double, sigma: Double) {
        let sigma = (log(p95) - log(p5)) / (2 * z95)
        return (log(p5) + z95 * sigma, sigma)
    }

    /// The standard normal CDF.
    static func phi(_ z: Double) -> Double { 0.5 * erfc(-z / 2.0.squareRoot()) }

    /// How a report states it: "lognormal (P5 1.1, P95 1.4)".
    public var summary: String {
        switch self {
        case let .fixed(x): return formatNumber(x)
        case let .exponential(m): return "exponential (median \(formatNumber(m)))"
        case let .lognormal(p5, p95): return "lognormal (P5 \(formatNumber(p5)), P95 \(formatNumber(p95)))"
        case let .uniform(lo, hi): return "uniform (\(formatNumber(lo))–\(formatNumber(hi)))"
        case let .empirical(v): return "empirical (\(v.count) observations, mean \(formatNumber(mean, significant: 4)))"
        case let .histogram(edges, _): return "histogram (\(edges.count - 1) bins, mean \(formatNumber(mean, significant: 4)))"
        case let .clamped(d, low, high):
            let below = d.probability(below: low), above = 1 - d.probability(below: high)
            let held = [(below, "below \(formatNumber(low))"), (above, "above \(formatNumber(high))")].filter { $0.0 >= 0.0005 }
            return d.summary + (held.isEmpty ? "" : ", \(held.map { "\(formatPercent($0.0)) of draws \($0.1)" }.joined(separator: " and ")) taken at the bound")
        }
    }

    /// Whether some draw is at least `x`, the test of a token count whose draws are rounded: a
    /// draw of 0.5 or more rounds to a whole token. A positive mean is not enough: an exponential
    /// of median 1e-9 has a mean of 1.4e-9 tokens, and every draw of it rounds to 0. For the
    /// exponential and lognormal, a chance below double precision's resolution (about 1e-16,
    /// where P(X < x) rounds to 1) counts as none.
    public func reaches(_ x: Double) -> Bool {
        switch self {
        case let .fixed(v): return v >= x
        // A uniform draw is lo + (hi − lo)·u with u in [0, 1): hi itself is not drawn.
        case let .uniform(lo, hi): return lo >= x || hi > x
        case let .empirical(values): return values.contains { $0 >= x }
        case let .histogram(edges, weights): return zip(weights, edges.dropFirst()).contains { $0.0 > 0 && $0.1 > x }
        case .exponential, .lognormal: return probability(below: x) < 1
        case let .clamped(d, low, high): return low >= x || (high >= x && d.reaches(x))
        }
    }

    /// Whether the quantity varies (a fixed value is not an uncertain input).
    public var isRandom: Bool {
        switch self {
        case .fixed: return false
        case let .clamped(d, _, _): return d.isRandom
        default: return true
        }
    }
}
