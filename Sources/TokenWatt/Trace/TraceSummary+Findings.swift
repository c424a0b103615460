import Foundation
import KernelPower

/// What the summary says of the log's data, one place for the text summary and for standard
/// error when `--per-request -` or `--hourly -` take standard output in its place (they had
/// dropped every finding: a log concatenated from two, 49,999 rows out of order and 39,856
/// overloaded, gave a clean standard error).
extension TraceSummary {
    /// One finding: its label in the text summary and what it says.
    public struct Finding: Sendable, Equatable {
        public var label: String
        public var text: String
    }

    /// The findings on the log's data, in the order the text summary prints them.
    public func findings(deployment d: Deployment, options o: TraceReplay.Options) -> [Finding] {
        var f: [Finding] = []
        if let note = gapNote { f.append(Finding(label: "implausible gap", text: note)) }
        if overloaded > 0 {
            f.append(Finding(label: "overloaded", text: "\(overloaded) requests arrived faster than \(o.replicas) replica(s) can serve at \(overloadedBatchWords(o)): add --replicas"
                + " (their hours' energy is the work they brought, priced at the top batch, and an hour's mean power can pass what the replicas"
                + " draw flat out: a queue would carry that work into later hours)"))
        }
        if overContext > 0 {
            f.append(Finding(label: "over context", text: "\(overContext) requests are longer than the \(d.model.maxPositions)-token context window of \(d.model.id); costed as logged"))
        }
        if overKVCache > 0 {
            f.append(Finding(label: "over KV cache", text: "\(overKVCache) requests do not fit in one replica's KV cache even alone at their full length"
                + " (an engine would refuse or preempt them; use more GPUs per replica or an fp8 KV cache); costed as logged"))
        }
        if let note = windowNote(o) { f.append(Finding(label: "short window", text: note)) }
        if outOfOrder > 0 {
            f.append(Finding(label: "out of order", text: "\(outOfOrder) requests are logged earlier than a request before them: priced in time order (the log is read \(TraceOrder.defaultDepth) rows ahead)"
                + (late > 0 ? "; \(late) further out of place, each at the arrival rate so far, as if it came no earlier than the latest request before it" : "")))
        }
        if let note = profileNote { f.append(Finding(label: "hourly profile", text: note)) }
        return f
    }

    /// Owed idle this small against the total is the rounding of the sums it is the difference
    /// of (the idle time and the charges, each summed over every request), not idle: a
    /// million-row log printed "idle owed 1.2e-11 Wh", a reversed one "charged 1.03e-15 Wh of idle
    /// ahead". 1e-6 of the total clears the worst-case rounding of a sum of a billion doubles
    /// (n × 2^-53 ≈ 1.1e-7) and lies under half a unit of the energy line's fifth significant digit
    /// (5e-6 at best), so no digit the summary prints is hidden by it.
    static let owedRoundingTolerance = 1e-6

    /// Whether the owed idle is rounding (`owedRoundingTolerance`), not worth a line.
    public var owedIdleIsRounding: Bool { abs(owedIdleWh) <= Self.owedRoundingTolerance * abs(totalWh) }

    /// The hourly table's rows; a run of three or more hours with no request and the same Wh
    /// and mean power is one row (`a–b`, Wh "each"): a mistyped year printed 876,593 rows of idle,
    /// in 100 s and 519 MB. The `--hourly` CSV and the JSON keep every hour.
    func hourlyTextRows() -> [[String]] {
        var rows: [[String]] = []
        var h = 0
        while h < hours.count {
            var end = h
            while end + 1 < hours.count, sameIdleHour(end + 1, as: h) { end += 1 }
            let watts = meanWatts(hour: h).map { formatNumber($0, significant: 4) } ?? "–"
            if end - h >= 2 {
                rows.append(["\(h)–\(end)", "0", formatNumber(wattHours(hour: h), significant: 4) + " each", watts, "–", "–", "–"])
                h = end + 1
                continue
            }
            let x = hours[h]
            rows.append([String(h), String(x.requests), formatNumber(wattHours(hour: h), significant: 4), watts,
                         x.requests > 0 ? formatNumber(wattHours(hour: h) / Double(x.requests), significant: 3) : "–",
                         x.requests > 0 ? formatNumber(x.batch / Double(x.requests), significant: 3) : "–",
                         x.requests > 0 ? formatPercent(x.busy / Double(x.requests), decimals: 0) : "–"])
            h += 1
        }
        return rows
    }

    /// Whether hours `h` and `first` both hold no request and the same Wh and mean power, to
    /// 1e-6, far inside the four digits the table prints: an idle hour's Wh is 3,600 s × the idle
    /// draw, its seconds a difference of epoch times good to their last bit (1.5e-5 s at 1e11 s).
    func sameIdleHour(_ h: Int, as first: Int) -> Bool {
        guard hours[h].requests == 0, hours[first].requests == 0 else { return false }
        func same(_ a: Double?, _ b: Double?) -> Bool {
            guard let a, let b else { return a == nil && b == nil }
            return abs(a - b) <= 1e-6 * max(abs(a), abs(b))
        }
        return same(wattHours(hour: h), wattHours(hour: first)) && same(meanWatts(hour: h), meanWatts(hour: first))
    }
}
