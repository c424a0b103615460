import Foundation
import KernelPower

/// Quantiles in constant memory: counts in logarithmic bins, 1,000 per decade (a bin spans
/// 0.23 %, so a percentile is good to about 0.12 %), from 1e-9 to 1e6.
public struct LogHistogram: Sendable {
    static let perDecade = 1000.0, lowExponent = -9.0, decades = 15.0
    var counts = [Int](repeating: 0, count: Int(perDecade * decades) + 2)
    public private(set) var count = 0
    public private(set) var sum = 0.0
    public private(set) var min = Double.infinity
    public private(set) var max = 0.0

    public init() {}

    public mutating func add(_ x: Double) {
        count += 1
        sum += x
        min = Swift.min(min, x)
        max = Swift.max(max, x)
        let i = x > 0 ? Int(((log10(x) - Self.lowExponent) * Self.perDecade).rounded(.down)) + 1 : 0
        counts[Swift.max(0, Swift.min(counts.count - 1, i))] += 1
    }

    /// The p-th quantile (0–1), interpolated between the two order statistics around rank
    /// p·(n − 1) (the usual definition, R's type 7), each the geometric middle of the bin that
    /// holds it, clamped to the range seen; the smallest and largest are the exact min and max.
    /// It had taken the lower order statistic alone, so a log of two requests of 9.2 and 13.8 Wh
    /// printed P5–P95 9.2–9.2, a P95 below the largest of two; it is now 9.43–13.57.
    public func quantile(_ p: Double) -> Double {
        guard count > 0 else { return 0 }
        let rank = Swift.max(0, Swift.min(1, p)) * Double(count - 1)
        let below = Int(rank.rounded(.down)), fraction = rank - Double(below)
        let a = orderStatistic(below)
        guard fraction > 0, below + 1 < count else { return a }
        return a + fraction * (orderStatistic(below + 1) - a)
    }

    /// The k-th smallest value (0-based): `min` and `max` at the ends, else the middle of its bin.
    func orderStatistic(_ k: Int) -> Double {
        if k <= 0 { return min }
        if k >= count - 1 { return max }
        var seen = 0
        for (i, c) in counts.enumerated() where c > 0 {
            seen += c
            if seen > k {
                if i == 0 { return 0 }
                let mid = pow(10, Self.lowExponent + (Double(i - 1) + 0.5) / Self.perDecade)
                return Swift.min(max, Swift.max(min, mid))
            }
        }
        return max
    }

    public var statistics: QueryStatistics {
        var s = QueryStatistics([])
        s.median = quantile(0.5); s.p5 = quantile(0.05); s.p25 = quantile(0.25); s.p75 = quantile(0.75); s.p95 = quantile(0.95)
        s.mean = count > 0 ? sum / Double(count) : 0
        return s
    }
}

/// Running totals of a replay: the distribution, totals and an hour-by-hour profile.
public struct TraceSummary: Sendable {
    public struct Hour: Sendable {
        public var requests = 0
        public var wh = 0.0
        public var gpuWh = 0.0
        public var busy = 0.0
        public var batch = 0.0
    }

    public var perRequest = LogHistogram()
    public var gpuWh = 0.0
    public var inputTokens = 0
    public var outputTokens = 0
    public var overloaded = 0
    /// The smallest and largest top-rung batch the overloaded requests were priced at
    /// (`TraceReplay.Priced.topBatch`); nil when none was overloaded.
    public var overloadedBatch: ClosedRange<Int>?
    /// Requests longer than the model's context window.
    public var overContext = 0
    /// Requests one replica's KV cache cannot hold even alone at their full length.
    public var overKVCache = 0
    /// Requests logged earlier than a request before them (the log is not in time order; set
    /// from `TraceOrder`, which puts them back in order within its depth).
    public var outOfOrder = 0
    /// Requests further out of place than `TraceOrder`'s depth, priced at the latest time so far.
    public var late = 0
    public var firstTime: Double?
    /// The latest arrival (−∞ before the first: a log may be timed before its epoch).
    public var lastTime = -Double.infinity
    var earliestTime = Double.infinity
    /// Hours since the first request.
    public var hours: [Hour] = []
    /// Idle Wh of the replicas that no request had been charged when the log ended
    /// (`TraceReplay.close`); counted in the total. The hours hold the idle where it happened.
    public var owedIdleWh = 0.0
    /// The longest gap between one arrival and the next in time order (`TraceSummary+Gap`).
    public internal(set) var longestGap: Gap?
    /// The log index of the latest arrival so far: the request a gap starts at.
    var latestIndex: Int?
    /// Whether the hourly profile stopped at `maxHours` with the log still going (its totals
    /// hold what fell after; `profileNote` says how much).
    public internal(set) var profileCut = false

    /// Hours the profile holds at most: 114 years, so a far-future timestamp cannot overflow Int
    /// and the profile (40 bytes an hour) stays under 40 MB.
    public static let maxHours = 1_000_000

    /// Wh of the whole log at the chosen boundary: the requests' and the idle still owed.
    public var totalWh: Double { perRequest.sum + owedIdleWh }

    public init() {}

    /// - Parameter index: the request's position in the log (0-based, as `--per-request` numbers
    ///   rows), which names the ends of an implausible gap.
    public mutating func add(_ p: TraceReplay.Priced, index: Int? = nil) {
        let t0 = firstTime ?? p.request.timestamp
        if firstTime != nil { noteGap(p, index: index) }
        firstTime = t0
        if p.outOfOrder { late += 1 }
        if p.request.timestamp >= lastTime { latestIndex = index }
        earliestTime = min(earliestTime, p.request.timestamp)
        lastTime = max(lastTime, p.request.timestamp)
        perRequest.add(p.wh)
        gpuWh += p.gpuWh
        inputTokens += p.request.inputTokens
        outputTokens += p.request.outputTokens
        if p.overloaded {
            overloaded += 1
            overloadedBatch = overloadedBatch.map { min($0.lowerBound, p.topBatch)...max($0.upperBound, p.topBatch) } ?? p.topBatch...p.topBatch
        }
        if p.overContext { overContext += 1 }
        if p.overKVCache { overKVCache += 1 }
        // A request's hour holds its active energy; the replicas' idle goes to the hours in which
        // they stood idle, not to the request it was charged to (after a 3-day gap one hour held
        // 72 hours of idle: 348 kW for one 4-GPU node, and the 71 hours before it 0 W).
        guard let h = hourIndex(p.request.timestamp, t0) else { return }
        hours[h].requests += 1
        hours[h].wh += p.wh - p.idleWh
        hours[h].gpuWh += p.gpuWh
        hours[h].busy += p.busyFraction
        hours[h].batch += p.batch
        if let idle = p.idleBefore { book(idle, t0) }
    }

    /// The hour of the log `time` falls in (earlier times in hour 0), growing the profile to it;
    /// nil past `maxHours`: logs that span more keep their totals but not their profile, and
    /// `profileCut` records it for `profileNote` (it had been cut without a word).
    mutating func hourIndex(_ time: Double, _ t0: Double) -> Int? {
        let hour = max(0, ((time - t0) / 3600).rounded(.down))
        guard hour < Double(Self.maxHours) else { profileCut = true; return nil }
        let h = Int(hour)
        while hours.count <= h { hours.append(Hour()) }
        return h
    }

    /// Spreads an idle stretch over the hours it overlaps.
    mutating func book(_ idle: TraceReplay.IdleStretch, _ t0: Double) {
        guard var h = hourIndex(idle.from, t0) else { return }
        var from = idle.from
        while true {
            let end = min(idle.to, t0 + 3600 * Double(h + 1))
            if end > from {
                hours[h].wh += (end - from) * idle.wattHoursPerSecond
                from = end
            }
            guard from < idle.to else { return }
            guard h + 1 < Self.maxHours else { profileCut = true; return }
            h += 1
            if hours.count <= h { hours.append(Hour()) }
        }
    }

    /// Mean power over hour `h` of the log: its Wh over the part of the hour the log covers (the
    /// last hour ends at the last arrival; dividing by a whole hour understated it; hour 0 also
    /// holds arrivals logged before the first row). Nil when the log covers none of it.
    public func meanWatts(hour h: Int) -> Double? {
        guard let t0 = firstTime, hours.indices.contains(h) else { return nil }
        let start = h == 0 ? min(t0, earliestTime) : t0 + 3600 * Double(h)
        let covered = min(lastTime, t0 + 3600 * Double(h + 1)) - start
        return covered > 0 ? wattHours(hour: h) * 3600 / covered : nil
    }

    /// Wh of hour `h`: its requests' active energy and the replicas' idle in it. The hours add up
    /// to the total: the idle the requests were charged and the idle still owed are the idle time.
    public func wattHours(hour h: Int) -> Double {
        hours.indices.contains(h) ? hours[h].wh : 0
    }

    public var durationSeconds: Double { firstTime == nil ? 0 : max(0, lastTime - earliestTime) }
}
