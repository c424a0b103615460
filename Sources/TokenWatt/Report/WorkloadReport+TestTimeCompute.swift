import Foundation
import KernelPower

/// One row of the report's test-time-compute table: a class that thinks harder than one answer,
/// the class of the first scenario it is divided by, the multiple (nil where not comparable,
/// `notComparable` says why) and why the multiple is not like for like (`caveats`, short for the
/// table's cell, long for the list below it). The Markdown, HTML, JSON and CSV all read these.
struct TestTimeComputeRow {
    var scenario: ScenarioReport
    var cls: ClassResult
    var base: ClassResult?
    var multiple: Double?
    /// The multiple's 95 % interval from the two classes' sampling errors (`ttcInterval`).
    var interval: (low: Double, high: Double)?
    var notComparable: String?
    var caveats: [(short: String, long: String)]
}

/// The report's test-time-compute table: each strategy's class against the first scenario's.
extension WorkloadReport {
    /// Classes that think harder than one answer, each against the same class of the workload's
    /// first scenario at the same boundary: Wh at different boundaries, or of different
    /// queries, are no multiple of each other (a `gpu`-boundary row had read 1.75 × a
    /// `facility` single whose like-for-like factor was 3.85). A multiple that is not like for
    /// like is marked in a caveats column, and the list below the table says why (`ttcCaveats`):
    /// a best-of-8 on other queries had read "3.76 × single" with nothing said.
    func testTimeComputeRows() -> [TestTimeComputeRow] {
        let rows = scenarios.flatMap { s in s.fleet.classes.map { (s, $0) } }.filter { $0.1.strategy != "single" }
        guard let baseReport = scenarios.first else { return [] }
        return rows.map { s, c in
            let x = Self.ttcRatio(s.fleet, c, base: baseReport.fleet), base = Self.counterpart(c, in: baseReport.fleet)
            // The base class itself is 1 exactly: no sampling range.
            let itself = s.fleet.name == baseReport.fleet.name && base?.name == c.name
            return TestTimeComputeRow(scenario: s, cls: c, base: base, multiple: x.ratio,
                                      interval: itself ? nil : x.ratio.flatMap { r in base.flatMap { Self.ttcInterval(r, c, base: $0) } },
                                      notComparable: x.why,
                                      caveats: x.ratio == nil ? [] : Self.ttcCaveats(s, c, base: baseReport, scenarios: workload.scenarios))
        }
    }

    func testTimeCompute() -> [ReportBlock] {
        let rows = testTimeComputeRows()
        guard !rows.isEmpty, let base = scenarios.first?.fleet else { return [] }
        let strategies = Set(rows.map(\.cls.strategy)), models = Set(rows.map(\.scenario.fleet.name)).count > 1 && strategies.count == 1
        let what = models ? "Each scenario's `\(rows[0].cls.strategy)` queries" : "Each strategy's queries"
        let baseReport = scenarios[0]
        let deploymentsCompared = rows.contains { r in Self.baseClass(r.cls, base: baseReport).map { Self.comparesDeployments(r.cls, $0.result) } ?? false }
        var intro = "\(what), mean Wh per query against the same class of the first scenario (\(ReportDocument.code(base.name)), at the `\(base.boundary.rawValue)` boundary; where it has one class, against that class). The batch is what the KV cache allows: long contexts and many samples per query leave room for fewer sequences."
        if deploymentsCompared {
            intro += " Where a class runs the strategy the first scenario's class runs, its multiple compares deployments (model, GPU, layout), which differ by design."
        }
        let ranged = rows.contains { $0.interval != nil }
        if ranged {
            intro += " Beside each multiple is its 95 % sampling range: where another seed would put it, from both classes' sampling errors taken as independent (classes that share their draws through `sameDrawsAs` move together, so theirs is narrower than shown); the first scenario's own class is 1 exactly. The estimator's error band is not in it."
        }
        let marked = rows.contains { !$0.caveats.isEmpty }
        if marked {
            intro += " A caveat marks a multiple that is not like for like (the list below says why)."
        }
        var header = ["scenario", "class", "strategy", "output tokens", "batch", "mean Wh", "× \(base.name)"]
        if ranged { header.append("95 % sampling range") }
        if marked { header.append("caveats") }
        var b: [ReportBlock] = [
            .heading(2, "Test-time compute"),
            .paragraph(intro),
            .table(header,
                   rows.map { r in
                       let figures = FleetRendering.classFigures(r.cls)
                       var cells = [r.scenario.fleet.name, r.cls.name, Self.plainStrategyWords(r.cls.queryStrategy, prefixCacheHit: r.cls.prefixCacheHit), figures[2], String(r.cls.effectiveBatch),
                                    figures[1], r.multiple.map(Self.multipleWords) ?? "–"]
                       if ranged { cells.append(r.interval.map { "\(Self.multipleWords($0.low))–\(Self.multipleWords($0.high))" } ?? "–") }
                       return marked ? cells + [r.caveats.map(\.short).joined(separator: "; ")] : cells
                   },
                   numeric: ranged ? [3, 4, 5, 6, 7] : [3, 4, 5, 6]),
        ]
        let notes = rows.compactMap { r in r.notComparable.map { "\(Self.rowName(r)): \($0) (–: not comparable)" } }
            + rows.filter { !$0.caveats.isEmpty }.map { r in "\(Self.rowName(r)): " + r.caveats.map(\.long).joined(separator: "; ") }
        if !notes.isEmpty { b.append(.list(notes)) }
        return b
    }

    /// A multiple as the table prints it: three significant figures, but whole from 1,000 up,
    /// where three figures round to a different-looking integer (1005.29 read "1010" beside the
    /// CSV's and JSON's 1005.29).
    static func multipleWords(_ x: Double) -> String {
        guard x >= 1000, x.isFinite else { return formatNumber(x, significant: 3) }
        return formatNumber(x.rounded(), significant: Int(log10(x.rounded())) + 1)
    }

    /// "`best-of-8` class `chat`": a row as the list below the table names it.
    static func rowName(_ r: TestTimeComputeRow) -> String {
        "\(ReportDocument.code(r.scenario.fleet.name)) class \(ReportDocument.code(r.cls.name))"
    }

    /// A class's mean Wh as a multiple of the base scenario's same class (or its only class),
    /// or why there is none.
    static func ttcRatio(_ f: FleetResult, _ c: ClassResult, base: FleetResult) -> (ratio: Double?, why: String?) {
        guard f.boundary == base.boundary else {
            return (nil, "at the `\(f.boundary.rawValue)` boundary, \(ReportDocument.code(base.name)) at `\(base.boundary.rawValue)`")
        }
        guard let same = counterpart(c, in: base) else {
            return (nil, "\(ReportDocument.code(base.name)) has no class \(ReportDocument.code(c.name)) and several others")
        }
        // A class without draws has no mean to divide (its 0 had read "0 × single").
        guard c.draws > 0 else { return (nil, "no queries drawn in this class") }
        guard same.draws > 0 else { return (nil, "\(ReportDocument.code(base.name)) class \(ReportDocument.code(same.name)) has no queries drawn") }
        guard same.whPerQuery.mean > 0 else { return (nil, "\(ReportDocument.code(base.name)) class \(ReportDocument.code(same.name)) uses no energy") }
        return (c.whPerQuery.mean / same.whPerQuery.mean, nil)
    }

    /// A multiple's 95 % interval from the sampling errors of the two means it divides: on the log
    /// scale their relative half-widths add in quadrature (the delta method, draws taken as
    /// independent). Nil where either class has fewer than two draws. The multiples had been
    /// printed alone, so "12.7 ×" could not be told from "12.5 ×" by a reader without rerunning
    /// the workload under other seeds.
    static func ttcInterval(_ ratio: Double, _ c: ClassResult, base: ClassResult) -> (low: Double, high: Double)? {
        guard let a = c.meanSamplingHalfWidth, let b = base.meanSamplingHalfWidth else { return nil }
        let h = (a * a + b * b).squareRoot()
        return (ratio * exp(-h), ratio * exp(h))
    }

    /// The base scenario's class a class is compared with (`ttcRatio`), its result and its input.
    static func baseClass(_ c: ClassResult, base: ScenarioReport) -> (result: ClassResult, input: QueryClass?)? {
        guard let same = counterpart(c, in: base.fleet) else { return nil }
        return (same, kernelClass(base, named: same.name)?.0)
    }

    /// The class of `f` a class is compared with: the one of the same name, or `f`'s only class.
    static func counterpart(_ c: ClassResult, in f: FleetResult) -> ClassResult? {
        f.classes.first { $0.name == c.name } ?? (f.classes.count == 1 ? f.classes[0] : nil)
    }

    /// A kernel scenario's class and the deployment it runs on, as the workload file gives them.
    static func kernelClass(_ s: ScenarioReport, named name: String) -> (QueryClass, NamedDeployment)? {
        guard case let .kernel(k) = s.scenario.kind, let c = k.classes.first(where: { $0.name == name }),
              let d = k.deployments.first(where: { $0.name == c.deployment }) else { return nil }
        return (c, d)
    }

    /// Whether a class runs the strategy its base class runs, with the same prefix-cache hit: its
    /// multiple then compares deployments, not strategies (ttc-frontier-models).
    static func comparesDeployments(_ c: ClassResult, _ base: ClassResult) -> Bool {
        c.queryStrategy == base.queryStrategy && c.prefixCacheHit == base.prefixCacheHit
    }

    /// The scenario whose draws a scenario reuses, followed to the one that draws its own.
    static func drawsOf(_ name: String, in scenarios: [Scenario]) -> String {
        var name = name, seen: Set<String> = []
        while seen.insert(name).inserted, let next = scenarios.first(where: { $0.name == name })?.sameDrawsAs { name = next }
        return name
    }

    /// Why a class's multiple of its base class is not like for like, short (the table's cell)
    /// and long (the list below it): other queries (input or output lengths), another deployment
    /// (unless the row compares deployments on purpose), another PUE at the facility boundary,
    /// another headroom, diurnal profile or uncertain scale (`fleetCaveats`), a
    /// prompt the prefix cache holds for one and not the other, queries not drawn with the base's
    /// (no `sameDrawsAs` chain between them), calls beyond the context window or the KV cache, or
    /// more parallel samples than an engine keeps in flight or its KV cache holds at once.
    static func ttcCaveats(_ s: ScenarioReport, _ c: ClassResult, base: ScenarioReport, scenarios: [Scenario]) -> [(short: String, long: String)] {
        guard let (same, baseInput) = baseClass(c, base: base) else { return [] }
        var out: [(short: String, long: String)] = []
        let b = "\(ReportDocument.code(base.fleet.name))"
        if let (mine, deployment) = kernelClass(s, named: c.name), let theirs = baseInput,
           let baseDeployment = kernelClass(base, named: same.name)?.1 {
            if mine.input != theirs.input || mine.output != theirs.output {
                let which = [(mine.input != theirs.input, "input lengths \(mine.input.summary) against \(theirs.input.summary)"),
                             (mine.output != theirs.output, "output lengths \(mine.output.summary) against \(theirs.output.summary)")]
                out.append(("other queries", "other queries than \(b)'s: " + which.filter(\.0).map(\.1).joined(separator: ", ")))
            }
            let d = deployment, e = baseDeployment
            if (d.request != e.request || d.maxBatch != e.maxBatch || d.tokenBudget != e.tokenBudget) && !comparesDeployments(c, same) {
                out.append(("other deployment", "another deployment than \(b)'s: \(deploymentWords(d)) against \(deploymentWords(e))"))
            }
        }
        if s.fleet.boundary == .facility, s.scenario.pue != base.scenario.pue {
            out.append(("other PUE", "another PUE than \(b)'s: \(s.scenario.pue.summary) against \(base.scenario.pue.summary)"))
        }
        out += fleetCaveats(s, base: base)
        let hit = c.queryStrategy.promptCacheHit(c.prefixCacheHit), baseHit = same.queryStrategy.promptCacheHit(same.prefixCacheHit)
        if hit != baseHit {
            out.append(("prompt cached \(formatPercent(hit, decimals: 0))",
                        "\(formatPercent(hit, decimals: 0)) of its prompt is found in the prefix cache, \(formatPercent(baseHit, decimals: 0)) of \(b)'s"))
        }
        if drawsOf(s.scenario.name, in: scenarios) != drawsOf(base.scenario.name, in: scenarios) {
            out.append(("own draws", "its queries are drawn apart from \(b)'s (no `sameDrawsAs` chain to it): the multiple carries both samples' error"))
        }
        if c.overContextShare > 0 {
            out.append(("over context window", "\(ClassResult.shareWords(c.overContextShare)) of its queries have a call longer than the model's context window, costed as drawn"))
        }
        if c.kvOverflowShare > 0 {
            out.append(("over KV cache", "\(ClassResult.shareWords(c.kvOverflowShare)) of its queries have a call that does not fit in the KV cache even alone "
                        + "(its prompt and one answer), which an engine would refuse or preempt"))
        }
        // Samples that each fit alone but not all at once decode in turns, priced with their
        // prompt held throughout and no preempted sample recomputed (`KernelFleet.samplesInTurnsNote`).
        let turns = "priced with the prompt prefilled once and held for every turn, no preempted sample recomputed"
        if c.sequencesPerQuery > c.engineBatch {
            out.append(("n > batch", "a query's \(c.sequencesPerQuery) samples are more than the \(formatCount(c.engineBatch, "sequence")) an engine keeps in flight: "
                        + "they decode in turns, \(turns)"))
        } else if c.samplesInTurnsShare > 0 {
            out.append(("samples in turns", "\(ClassResult.shareWords(c.samplesInTurnsShare)) of its queries have more samples than an engine's KV cache holds at once "
                        + "at their last token: they decode in turns, \(turns)"))
        }
        return out
    }

    /// Settings of a kernel scenario's fleet that move one side's mean Wh and not the other's:
    /// the headroom and the diurnal profile size the replicas kept for the busiest hour, whose
    /// idle power is charged to the queries from the `it` boundary on (below it they change
    /// nothing), and `uncertain.gpuEnergyScale` and `hostPowerScale` multiply GPU and host energy
    /// at every boundary. A reasoning scenario with GPU energy × 2 had read "18 × single" where
    /// like for like is 11.4, unmarked.
    static func fleetCaveats(_ s: ScenarioReport, base: ScenarioReport) -> [(short: String, long: String)] {
        guard case let .kernel(k) = s.scenario.kind, case let .kernel(e) = base.scenario.kind else { return [] }
        var out: [(short: String, long: String)] = []
        let b = "\(ReportDocument.code(base.fleet.name))", idleCounted = s.fleet.boundary >= .it
        if idleCounted, !Self.nearlyEqual(k.headroom, e.headroom) {
            let (mine, theirs) = distinctPercents(k.headroom, e.headroom)
            out.append(("other headroom", "another headroom than \(b)'s: \(mine) against \(theirs) "
                        + "above the busiest hour, whose idle capacity the `\(s.fleet.boundary.rawValue)` boundary counts"))
        }
        if idleCounted, zip(k.diurnal, e.diurnal).contains(where: { abs($0 - $1) > 1e-12 }) {
            out.append(("other diurnal", "another diurnal profile than \(b)'s: its busiest hour has \(formatPercent(k.diurnal.max() ?? 0)) of the day's queries "
                        + "against \(formatPercent(e.diurnal.max() ?? 0)), and the fleet kept for that hour idles the rest of the day"))
        }
        for (name, mine, theirs) in [("gpuEnergyScale", k.gpuEnergyScale, e.gpuEnergyScale), ("hostPowerScale", k.hostPowerScale, e.hostPowerScale)]
        where mine != theirs {
            out.append(("other \(name)", "another uncertain.\(name) than \(b)'s: \(mine.summary) against \(theirs.summary)"))
        }
        return out
    }

    /// Settings equal to 1e-9 of the larger, or of 1 near zero: a headroom of 0.2000000001
    /// against 0.2 (float noise, a file written by a script) had been marked "another headroom:
    /// 20 % against 20 %", and 1e-12 against 0 "0 % against 0 %", while any difference a report
    /// could show (0.1 % of it, say) is far above the tolerance.
    static func nearlyEqual(_ a: Double, _ b: Double) -> Bool {
        abs(a - b) <= 1e-9 * max(1, abs(a), abs(b))
    }

    /// Two percentages with as many decimals (up to 4) as it takes to tell them apart: 0.2004
    /// against 0.2 had read "20 % against 20 %".
    static func distinctPercents(_ a: Double, _ b: Double) -> (String, String) {
        for decimals in 0..<4 {
            let pair = (formatPercent(a, decimals: decimals), formatPercent(b, decimals: decimals))
            if pair.0 != pair.1 { return pair }
        }
        return (formatPercent(a, decimals: 4), formatPercent(b, decimals: 4))
    }

    static func deploymentWords(_ d: NamedDeployment) -> String {
        let r = d.request
        return "\(r.model) on \(r.gpus ?? 1) × \(r.gpu), \(r.precision?.rawValue ?? "model's precision"), up to \(d.maxBatch) sequences"
    }
}

/// The test-time-compute table for programs: the JSON's `testTimeCompute` and `NAME.ttc.csv`,
/// one row per row of the Markdown table with its multiple, the class it divides by and its
/// caveats in the Markdown's words. They had been in the Markdown and HTML only, so a
/// strategy × model × GPU table meant recomputing the ratios and re-deriving the caveats.
extension WorkloadReport {
    /// `testTimeCompute`: the rows (empty when every class answers once).
    func testTimeComputeJSON() -> JSONValue {
        .array(testTimeComputeRows().map { r in
            let c = r.cls
            func drawn(_ x: Double) -> JSONValue { c.draws > 0 ? .num(x) : .null }
            let base: JSONValue = r.base.map { b in
                .obj([("scenario", .str(scenarios[0].fleet.name)), ("class", .str(b.name)), ("boundary", .str(scenarios[0].fleet.boundary.rawValue)),
                      ("meanWhPerQuery", b.draws > 0 ? .num(b.whPerQuery.mean) : .null)])
            } ?? .null
            return .obj([
                ("scenario", .str(r.scenario.fleet.name)), ("class", .str(c.name)), ("strategy", .str(c.strategy)),
                ("strategyParameters", .obj(c.queryStrategy.parameters.map { ($0.name, .num($0.value)) })),
                ("prefixCacheHit", .num(c.prefixCacheHit)), ("strategyWords", .str(c.strategyWords)),
                ("boundary", .str(r.scenario.fleet.boundary.rawValue)), ("meanWhPerQuery", drawn(c.whPerQuery.mean)),
                ("meanOutputTokens", drawn(c.meanOutputTokens)), ("effectiveBatch", .num(Double(c.effectiveBatch))),
                ("base", base), ("multiple", .optionalNumber(r.multiple)),
                ("multipleLow", .optionalNumber(r.interval?.low)), ("multipleHigh", .optionalNumber(r.interval?.high)), ("notComparable", r.notComparable.map(JSONValue.str) ?? .null),
                ("caveats", .array(r.caveats.map { .obj([("short", .str($0.short)), ("long", .str($0.long))]) })),
            ])
        })
    }

    /// `NAME.ttc.csv`'s columns: the class, its strategy's parameters (empty where the strategy
    /// has none of that name), what it costs and runs at, the class it divides by and the multiple.
    static let testTimeComputeCSVHeader = [
        "scenario", "class", "strategy", "factor", "n", "beams", "rounds", "calls", "tool_tokens", "prefix_cache_hit", "boundary",
        "wh_mean", "wh_median", "output_tokens_mean", "effective_batch", "calls_mean", "prefilled_tokens_mean", "cached_tokens_mean",
        "base_scenario", "base_class", "base_wh_mean", "multiple", "not_comparable", "caveats", "caveat_details",
        "multiple_low", "multiple_high",
    ]

    /// `NAME.ttc.csv`, nil when the report has no test-time-compute table.
    func testTimeComputeCSV() -> String? {
        let rows = testTimeComputeRows()
        guard !rows.isEmpty else { return nil }
        let n = { (x: Double) in formatDataNumber(x, significant: 6) }
        var lines = [CSVWriter.line(Self.testTimeComputeCSVHeader)]
        for r in rows {
            let c = r.cls, drawn = { (x: Double) in c.draws > 0 ? n(x) : "" }
            let parameters = ["factor", "n", "beams", "rounds", "calls", "toolTokens"].map { name in
                c.queryStrategy.parameters.first { $0.name == name }.map { n($0.value) } ?? ""
            }
            let base = r.base.map { [scenarios[0].fleet.name, $0.name, $0.draws > 0 ? n($0.whPerQuery.mean) : ""] } ?? ["", "", ""]
            lines.append(CSVWriter.line([r.scenario.fleet.name, c.name, c.strategy] + parameters + [n(c.prefixCacheHit), r.scenario.fleet.boundary.rawValue,
                drawn(c.whPerQuery.mean), drawn(c.whPerQuery.median), drawn(c.meanOutputTokens), String(c.effectiveBatch),
                drawn(c.meanCalls), drawn(c.meanPrefilledTokens), drawn(c.meanCachedTokens)] + base
                + [r.multiple.map(n) ?? "", r.notComparable ?? "", r.caveats.map(\.short).joined(separator: "; "), r.caveats.map(\.long).joined(separator: "; "),
                   r.interval.map { n($0.low) } ?? "", r.interval.map { n($0.high) } ?? ""]))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
