import Foundation
import KernelPower

/// A gap between arrivals too long for the log it sits in, and a profile cut short: one
/// mistyped year (2123 for 2023) in a 10,000-row log of three minutes charged 100 years of idle,
/// 357,220,000 Wh where the log costs a few hundred, printed 876,593 hourly rows, and said only
/// "out of order".
extension TraceSummary {
    /// The stretch between two arrivals in time order, and the replicas' idle charged across it.
    public struct Gap: Sendable, Equatable {
        /// The arrivals before and after it, and their positions in the log (0-based, as
        /// `--per-request` numbers rows; nil when the caller gave none).
        public var from: Double
        public var to: Double
        public var fromIndex: Int?
        public var toIndex: Int?
        /// Wh at the chosen boundary of the replicas' idle in it (in the total).
        public var idleWh: Double
        public var seconds: Double { to - from }
    }

    /// A gap shorter than a day is never implausible: a quiet night or a weekend morning is part
    /// of any serving log.
    static let plausibleGapSeconds = 86_400.0
    /// A gap longer than 100× the rest of the log's span is implausible against its own cadence.
    /// 100 clears a log sampled in stretches (an hour on two Mondays a week apart is 83× the
    /// rest, ten minutes on two days 72×) and catches a mistyped day (ten days in a one-hour log,
    /// 240×), month or year.
    static let gapToRestRatio = 100.0
    /// A gap over a year is implausible whatever the rest: no deployment stands idle a year
    /// between two requests of one log; a mistyped year digit gives 1–100 years.
    static let implausibleGapSeconds = 365.25 * 86_400

    /// Keeps the longest gap so far; called before `p` moves the clock.
    mutating func noteGap(_ p: TraceReplay.Priced, index: Int?) {
        let gap = p.request.timestamp - lastTime
        guard gap > (longestGap?.seconds ?? 0) else { return }
        let idle = p.idleBefore.map { ($0.to - $0.from) * $0.wattHoursPerSecond } ?? 0
        longestGap = Gap(from: lastTime, to: p.request.timestamp, fromIndex: latestIndex, toIndex: index, idleWh: idle)
    }

    /// The longest gap when it is longer than a day and either over a year or over 100× the rest
    /// of the log's span (`gapToRestRatio`); nil otherwise.
    public var implausibleGap: Gap? {
        guard let g = longestGap, g.seconds > Self.plausibleGapSeconds else { return nil }
        let rest = max(0, durationSeconds - g.seconds)
        return g.seconds > Self.implausibleGapSeconds || g.seconds > Self.gapToRestRatio * rest ? g : nil
    }

    /// What the implausible gap is and what it costs, for the summary and standard error.
    public var gapNote: String? {
        guard let g = implausibleGap else { return nil }
        let rest = max(0, durationSeconds - g.seconds)
        let against = rest > 0 ? "\(formatNumber(g.seconds / rest, significant: 3))× the rest of the log's span (\(Self.spanWords(rest)))"
            : "the whole of the log's span"
        let share = totalWh > 0 ? " (\(formatNumber(g.idleWh / totalWh * 100, significant: 3)) % of it)" : ""
        return "\(Self.spanWords(g.seconds)) pass between \(Self.arrivalWords(g.from, g.fromIndex)) and \(Self.arrivalWords(g.to, g.toIndex)), "
            + "\(against): a mistyped timestamp? The energy holds \(formatNumber(g.idleWh, significant: 4)) Wh\(share) of the replicas' idle "
            + "across it; correct or remove the row to price the log without it"
    }

    /// The implausible gap as the JSON summary gives it (null when none): its ends in seconds and
    /// log indices, its length, the idle Wh in it and `gapNote`.
    var implausibleGapJSON: JSONValue {
        guard let g = implausibleGap, let note = gapNote else { return .null }
        let index = { (i: Int?) -> JSONValue in i.map { .num(Double($0)) } ?? .null }
        return .obj([("fromSeconds", .num(g.from)), ("toSeconds", .num(g.to)), ("fromIndex", index(g.fromIndex)), ("toIndex", index(g.toIndex)),
                     ("seconds", .num(g.seconds)), ("idleWh", .num(g.idleWh)), ("note", .str(note))])
    }

    /// Says so when the hourly profile stopped at `maxHours` with the log still going, and how
    /// much of the total no hour holds (a 4,900-year log totalled 17,545,800,000 Wh over one hour of profile).
    public var profileNote: String? {
        guard profileCut else { return nil }
        let inHours = hours.reduce(0) { $0 + $1.wh }
        return "the hourly profile stops at hour \(Self.maxHours - 1) of the log's \(formatNumber(durationSeconds / 3600, significant: 4)) h: "
            + "\(formatNumber(max(0, totalWh - inHours), significant: 5)) Wh of the energy is in no hour of it (the totals hold it)"
    }

    /// A duration in the largest unit that reads whole: years past two, then days, hours, seconds.
    static func spanWords(_ s: Double) -> String {
        let year = 365.25 * 86_400
        if s >= 2 * year { return "\(formatNumber(s / year, significant: 4)) years" }
        if s >= 2 * 86_400 { return "\(formatNumber(s / 86_400, significant: 4)) days" }
        if s >= 2 * 3600 { return "\(formatNumber(s / 3600, significant: 4)) h" }
        return "\(formatNumber(s, significant: 4)) s"
    }

    /// An arrival as a reader finds it in the log: its index and its time as a UTC date-time.
    static func arrivalWords(_ t: Double, _ index: Int?) -> String {
        (index.map { "the request at index \($0)" } ?? "a request") + " (" + dateWords(t) + ")"
    }

    /// `t` (seconds since the epoch) as YYYY-MM-DD HH:MM:SS UTC, or in seconds outside years 1–9999.
    static func dateWords(_ t: Double) -> String {
        let days = (t / 86_400).rounded(.down)
        guard abs(days) < 3_000_000 else { return "\(formatNumber(t)) s" }
        let (y, m, d) = civil(fromDays: Int(days))
        guard (1...9999).contains(y) else { return "\(formatNumber(t)) s" }
        let s = Int((t - days * 86_400).rounded(.down))
        func two(_ x: Int) -> String { x < 10 ? "0\(x)" : "\(x)" }
        let year = String(repeating: "0", count: 4 - String(y).count) + String(y)
        return "\(year)-\(two(m))-\(two(d)) \(two(s / 3600)):\(two(s / 60 % 60)):\(two(s % 60)) UTC"
    }

    /// The proleptic Gregorian date of days since 1970-01-01 (H. Hinnant's civil_from_days, the
    /// inverse of `TraceNumbers.daysFromCivil`).
    static func civil(fromDays z0: Int) -> (year: Int, month: Int, day: Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
