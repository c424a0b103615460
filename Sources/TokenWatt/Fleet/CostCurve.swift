import Foundation

/// A cost sampled at a few points of one length (a decode step by context, a prompt chunk's
/// extra cost by the tokens cached before it): straight between the points, and beyond the ends
/// along the end segments (unlike `KernelPower.PiecewiseLinear`, a measured table held flat
/// past its ends). The serving surface, the token formula and its SQL all read the same
/// segments, so the three price a request identically.
public struct CostCurve: Sendable, Equatable {
    /// One segment: value = y + slope·(x − x0), for x from `x0` up to `x1` (the first segment
    /// also below its start, the last also beyond its end).
    public struct Segment: Sendable, Equatable {
        public var x0: Double, x1: Double, y: Double, slope: Double
        public func value(_ x: Double) -> Double { y + slope * (x - x0) }
    }

    public let segments: [Segment]

    /// Needs at least two points with rising x.
    public init(_ points: [(x: Double, y: Double)]) {
        precondition(points.count >= 2 && zip(points, points.dropFirst()).allSatisfy { $0.x < $1.x }, "cost curve points must rise")
        segments = zip(points, points.dropFirst()).map { a, b in Segment(x0: a.x, x1: b.x, y: a.y, slope: (b.y - a.y) / (b.x - a.x)) }
    }

    /// The segment that prices x: the first whose end reaches it, else the last.
    public func segment(at x: Double) -> Segment {
        var first = 0, end = segments.count - 1
        while first < end {  // binary search on the segments' ends (trace prices millions of requests)
            let mid = (first + end) / 2
            if segments[mid].x1 < x { first = mid + 1 } else { end = mid }
        }
        return segments[first]
    }

    public func value(_ x: Double) -> Double { segment(at: x).value(x) }

    /// Σ value(j·step) for j = 0 … count − 1, exactly: per segment, an arithmetic series over the
    /// multiples of `step` it prices (the prompt's full chunks, each after the ones before it).
    public func sumAtMultiples(of step: Double, count: Int) -> Double {
        guard count > 0 else { return 0 }
        return segments.indices.reduce(0) { total, i in
            let (lo, hi) = multiples(i, step: step)
            return total + Self.seriesSum(segments[i], step: step, from: lo, to: min(hi, Double(count - 1)))
        }
    }

    /// The first and last multiple index j that segment i prices: j·step from its start (0 for
    /// the first segment) to just below its end (unbounded for the last).
    func multiples(_ i: Int, step: Double) -> (Double, Double) {
        let lo = i == 0 ? 0 : (segments[i].x0 / step).rounded(.up)
        let hi = i == segments.count - 1 ? Double.infinity : (segments[i].x1 / step).rounded(.up) - 1
        return (lo, hi)
    }

    /// Σ s.value(j·step) for j = from … to (0 when to < from).
    static func seriesSum(_ s: Segment, step: Double, from: Double, to: Double) -> Double {
        guard to >= from else { return 0 }
        let n = to - from + 1
        return n * (s.y - s.slope * s.x0) + s.slope * step * (from + to) * n / 2
    }
}
