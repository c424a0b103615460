import KernelPower

/// A fleet's levers in JSON and words: each lever's saving with its range at the measured
/// error of its kind, and its latency and fleet changes against the scenario's own.
extension FleetRendering {
    /// A scenario's electricity cost of a day and its currency, where the workload sets a price.
    public typealias DayCost = (amount: Double, currency: String)

    /// The day's cost of `r` at its scenario's price (`pricePerKWh`, its own or the workload's,
    /// as `report` charges it: the day's energy at the boundary × the price); nil without a price.
    public static func dayCost(_ r: FleetResult, _ w: Workload) -> DayCost? {
        let settings = w.scenarios.first { $0.name == r.name }?.emissions ?? w.emissions
        return settings.pricePerKWh.map { (r.gwhPerDay * 1e6 * $0, settings.currency) }
    }

    /// What a lever changes the day's cost by, in money: its saving of the day's energy × the
    /// day's cost, negative where it saves, as the report's "cost/day change" column prints it.
    public static func costPerDayChange(_ l: LeverResult, dayCost: DayCost) -> Double { -l.saving * dayCost.amount }

    /// One lever of a scenario's `levers` (the fields other tools read are a contract: see the README).
    /// `dayCost`: with a price, `costPerDayChange` and its `currency` (null without): the JSON had
    /// lacked the change of the day's cost that the Markdown and HTML print.
    static func leverJSON(_ l: LeverResult, dayCost: DayCost? = nil) -> JSONValue {
        .obj([("name", .str(l.name)), ("meanWhPerQuery", .num(l.meanWhPerQuery)), ("gwhPerDay", .num(l.gwhPerDay)), ("saving", .num(l.saving)),
              ("costPerDayChange", .optionalNumber(dayCost.map { costPerDayChange(l, dayCost: $0) })),
              ("currency", dayCost.map { JSONValue.str($0.currency) } ?? .null),
              ("savingLow", .optionalNumber(l.savingRange?.low)), ("savingHigh", .optionalNumber(l.savingRange?.high)),
              ("measuredAccuracy", l.measured.map(\.json) ?? .null),
              ("measuredOn", l.measured.flatMap(measuredOn).map(JSONValue.str) ?? .null),
              ("caveat", l.caveat.map(JSONValue.str) ?? .null),
              ("interTokenLatencyMs", .optionalNumber(l.meanITLMs)), ("timeToFirstTokenMs", .optionalNumber(l.meanTTFTMs)),
              ("gpus", .optionalNumber(l.gpus.map(Double.init))),
              // A divisor lever's range basis, as its words give it: the factor's P5 and P95.
              ("divisorP5", .optionalNumber(l.divisorEnds?.low)), ("divisorP95", .optionalNumber(l.divisorEnds?.high))])
    }

    /// A lever's measured accuracy in words: "gpu changes where measured: 8.5 % off on average
    /// (213 pairs), the right way in 97 %", with the GPUs its pairs ran on where the change is on
    /// others (`gpuWords`), as diagnose and tune quote it.
    static func accuracyWords(_ l: LeverValidation.Row) -> String {
        pairWords(l) + (gpuWords(l).map { "; \($0)" } ?? "")
    }

    /// `accuracyWords` without the GPUs.
    static func pairWords(_ l: LeverValidation.Row) -> String {
        "\(l.lever) changes where measured: \(formatPercent(l.mape)) off on average (\(l.pairs) pairs, P5–P95 "
            + "\(signedRange(Bounds(low: l.errorP5, high: l.errorP95))))" + rightWay(l)
    }

    /// On which GPUs the pairs were measured, where the change quoted is on GPUs they were not
    /// (`LeverValidation.Row.unmeasuredGPUs`): "its pairs were measured on a100-sxm-40gb, h100-sxm,
    /// none on mi300x". Nil where every GPU of the change is among the pairs'. An MI300X's diagnosis had
    /// quoted 11 precision pairs of 8 × H100 and 326 batch pairs with no GPU named.
    static func gpuWords(_ l: LeverValidation.Row) -> String? {
        guard !l.unmeasuredGPUs.isEmpty else { return nil }
        return "its pairs were measured on \(l.gpus.joined(separator: ", ")), none on \(l.unmeasuredGPUs.joined(separator: " or "))"
    }

    /// Where a lever's measured pairs were taken, when not in serving: single forward passes,
    /// whose error does not measure a serving decode's (the locked-clock pairs are EnergAIzer's
    /// A100 forward passes; no data set here meters serving decode at a locked clock). Nil for
    /// pairs of serving runs on every GPU the lever runs on; where it runs on GPUs the pairs were
    /// not measured on, the GPUs they were (`gpuWords`).
    static func measuredOn(_ l: LeverValidation.Row) -> String? {
        let campaigns = l.campaign.components(separatedBy: ", ")
        let passes = !campaigns.isEmpty && campaigns.allSatisfy(LeverValidation.passCampaigns.contains)
        let words = campaigns == ["energaizer-dvfs"] ? "A100 forward passes at locked clocks (EnergAIzer DVFS)" : "forward passes (EnergAIzer)"
        let parts = [passes ? "measured on \(words), not on serving decode" : nil, gpuWords(l)].compactMap { $0 }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }

    /// The pairs' words with where the pairs were measured (`measuredOn`): what a fleet's lever
    /// quotes, so that a forward-pass error is not read as a serving one, nor one of other GPUs as
    /// the lever's.
    static func leverAccuracyWords(_ l: LeverValidation.Row) -> String {
        pairWords(l) + measuredOnWords(l)
    }

    /// "; measured on …" where the pairs were not serving runs (`measuredOn`), else nothing.
    static func measuredOnWords(_ l: LeverValidation.Row) -> String {
        measuredOn(l).map { "; \($0)" } ?? ""
    }

    /// What a lever does to latency and the fleet, against the baseline: "; ITL 18.6 → 52.1 ms,
    /// TTFT 97.2 → 150 ms, GPUs 3 → 2" (the scenario's means, `KernelFleet.meanLatency`); what it
    /// lacks is left out, and nothing for a divisor lever.
    static func latencyWords(_ l: LeverResult, base r: FleetResult) -> String {
        let c = leverChanges(l, base: r)
        let parts = [c.itl.map { "ITL \($0) ms" }, c.ttft.map { "TTFT \($0) ms" }, c.gpus.map { "GPUs \($0)" }].compactMap { $0 }
        return parts.isEmpty ? "" : "; " + parts.joined(separator: ", ")
    }

    /// A lever's ITL, TTFT (ms) and GPUs against the baseline's, "142 → 80.5", each nil where
    /// either side lacks it (a divisor lever; no ITL where every answer is one token).
    static func leverChanges(_ l: LeverResult, base r: FleetResult) -> (itl: String?, ttft: String?, gpus: String?) {
        func change(_ from: Double?, _ to: Double?) -> String? {
            guard let from, let to else { return nil }
            return "\(formatNumber(from, significant: 3)) → \(formatNumber(to, significant: 3))"
        }
        return (change(r.meanITLMs, l.meanITLMs), change(r.meanTTFTMs, l.meanTTFTMs), r.gpus.flatMap { from in l.gpus.map { "\(from) → \($0)" } })
    }

    /// The lever tables' latency and fleet columns (Markdown and the report), as the text's lever
    /// line and the JSON give them: the tables had shown the saving alone, with no latency cost.
    static let leverChangeHeader = ["ITL ms", "TTFT ms", "GPUs"]

    /// A lever's cells under `leverChangeHeader`, "–" where it has none.
    static func leverChangeCells(_ l: LeverResult, base r: FleetResult) -> [String] {
        let c = leverChanges(l, base: r)
        return [c.itl ?? "–", c.ttft ?? "–", c.gpus ?? "–"]
    }

    /// A report's line under its lever table for the levers whose saving is an upper bound.
    static func caveatLines(_ levers: [LeverResult]) -> [String] {
        levers.compactMap { l in l.caveat.map { "lever \(l.name): \($0)" } }
    }

    /// ", the right way in 97 %" when the row has decisive pairs, else nothing.
    static func rightWay(_ l: LeverValidation.Row) -> String {
        l.sameDirection.map { ", the right way in \(formatPercent($0, decimals: 0))" } ?? ""
    }

    static func signedPercent(_ x: Double, decimals: Int = 1) -> String { (x > 0 ? "+" : "") + formatPercent(x, decimals: decimals) }

    /// "+17.6 %…+32.8 %": a range of signed percentages.
    static func signedRange(_ b: Bounds) -> String { "\(signedPercent(b.low))…\(signedPercent(b.high))" }

    /// A lever's saving, with its range at the measured error of its kind when it has one:
    /// "saves 30 % (saving +17.6 %…+32.8 % across the measured error of precision changes: 9.4 %
    /// off on average over 83 pairs, the right way in 100 %)".
    static func savingWords(_ l: LeverResult) -> String {
        let base = "\(l.saving >= 0 ? "saves" : "costs") \(formatPercent(abs(l.saving), decimals: 0))"
        if let r = l.savingRange, let f = l.divisorEnds { return base + " (saving \(signedRange(r)) \(divisorWords(f)))" }
        guard let r = l.savingRange, let m = l.measured else { return base }
        return base + " (saving \(signedRange(r)) across the measured error of \(m.lever) changes: "
            + "\(formatPercent(m.mape)) off on average over \(m.pairs) pairs" + rightWay(m) + measuredOnWords(m) + ")"
    }

    /// What a divisor lever's saving range holds: "with every query divided by × 1.5 and then
    /// × 10, the P5 and P95 of its draws, ...", for one router or model divides the whole fleet's
    /// queries where a factor drawn per query averages out of the day.
    static func divisorWords(_ f: Bounds) -> String {
        "with every query divided by × \(formatNumber(f.low, significant: 3)) and then × \(formatNumber(f.high, significant: 3)), the P5 and P95 "
            + "of its draws, for one change divides the whole fleet's queries where per-query draws average it out of the day"
    }

    /// The lever tables' last cell: how such changes were measured, or for a divisor lever the
    /// factors its range holds (a divisor is not measured), else "–".
    static func rangeBasisCell(_ l: LeverResult) -> String {
        l.measured.map(leverAccuracyWords) ?? l.divisorEnds.map { "not measured; the range divides every query by × \(formatNumber($0.low, significant: 3)) "
            + "and × \(formatNumber($0.high, significant: 3)) (the divisor's P5 and P95)" } ?? "–"
    }
}
