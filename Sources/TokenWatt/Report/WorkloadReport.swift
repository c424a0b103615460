import Foundation
import KernelPower

/// One scenario's fleet results with its emissions account.
public struct ScenarioReport: Sendable {
    public var scenario: Scenario
    public var fleet: FleetResult
    public var emissions: EmissionsResult

    /// A day's location- and market-based carbon, g, with every query's GPU energy at one end of
    /// its GPU's measured error band (`EmissionsResult.dayCarbonRange`; a mix's, its parts' at
    /// their own factors).
    public var dayCarbonRange: (location: Bounds, market: Bounds)? { emissions.dayCarbonRange }
}

/// The report of one workload file: `NAME.md`, `NAME.html`, `NAME.csv`, `NAME.json`.
public struct WorkloadReport: Sendable {
    public var name: String
    /// The workload file as the report names it (e.g. `Workloads/chat-service.json`).
    public var source: String
    public var workload: Workload
    public var scenarios: [ScenarioReport]
    public var samples: Int
    public var seed: UInt64
    /// The options besides the workload file that shaped the report (e.g. `--seed 7 -o DIR`),
    /// quoted in its regenerate line so that the line's command gives the same bytes; empty for
    /// a report at the workload's own seed and samples.
    public var regenerateOptions: [String] = []
    /// Each served deployment's serving settings and power coefficients, and the data files the
    /// run read (`WorkloadReport+Inputs.swift`), gathered at build; whether the estimator's
    /// calibration is the bundled one, whose error `validate` publishes.
    public var serving: [ServingSettings] = []
    public var inputs: [WorkloadInput] = []
    public var calibrationIsBundled = true

    /// Runs the workload and accounts each scenario.
    public static func build(_ w: Workload, name: String, source: String, runner: FleetRunner,
                             accountant: EmissionsAccountant = EmissionsAccountant(), samples: Int? = nil, seed: UInt64? = nil) throws -> WorkloadReport {
        let results = try runner.run(w, samples: samples, seed: seed)
        var scenarios: [ScenarioReport] = []
        for (s, r) in zip(w.scenarios, results) {
            // A mix's parts come earlier in the file, so their accounts exist to blend.
            let parts: [MixPart]? = if case let .mix(m) = s.kind {
                zip(m.components, r.mixContributions).compactMap { c, added in
                    scenarios.first { $0.scenario.name == c.scenario }.map {
                        MixPart(scenario: c.scenario, share: c.share, emissions: $0.emissions, divided: c.divisor != nil, contribution: added)
                    }
                }
            } else { nil }
            scenarios.append(ScenarioReport(scenario: s, fleet: r, emissions: try accountant.account(r, settings: s.emissions ?? w.emissions, mixParts: parts)))
        }
        var report = WorkloadReport(name: name, source: source, workload: w, scenarios: scenarios, samples: samples ?? w.samples, seed: seed ?? w.seed)
        report.serving = try Self.servingSettings(w, estimator: runner.estimator)
        report.inputs = w.inputs + Self.tableInputs(w, dataDirectory: runner.dataDirectory)
        report.calibrationIsBundled = runner.estimator.calibrationIsBundled
        return report
    }

    /// The files of the report, by extension, as they are written: `ttc.csv` (the test-time
    /// compute table) last and only where the report has that table.
    public func files() -> [(ext: String, text: String)] {
        [("md", ReportDocument.markdown(blocks(charts: false))), ("html", ReportDocument.html(blocks(charts: true), title: "TokenWatt report: \(name)")),
         ("csv", csv()), ("json", JSONWriter(sortKeys: false).write(json()))] + (testTimeComputeCSV().map { [("ttc.csv", $0)] } ?? [])
    }

    func blocks(charts: Bool) -> [ReportBlock] {
        var b: [ReportBlock] = [
            .heading(1, "TokenWatt report: \(name)"),
            .paragraph(workload.description),
            // The build is named, for the same command gives the same bytes only on it, and the
            // inputs' fingerprints follow: an edited trace had given other figures under this line.
            .paragraph("Regenerate with `tokenwatt report \(([source] + regenerateOptions).joined(separator: " "))` (seed \(seed), \(drawWords)); the same command gives the same bytes with the same build, \(ToolVersion.line)\(inputList.isEmpty ? "" : ", and the same inputs")."),
        ] + (inputsWords.map { [ReportBlock.paragraph($0)] } ?? []) + method() + [
            .heading(2, "Boundary"),
            .paragraph("Energy is reported at a stated boundary: `gpu` counts the GPU boards while serving; `node` adds host CPUs, memory, network cards, fans and power-supply losses; `it` adds the idle capacity provisioned for the busiest hour and headroom; `facility` adds cooling and power distribution (PUE). Carbon, water and cost below are computed on the energy at each scenario's boundary; only the `facility` boundary is the electricity a data centre buys."),
            .paragraph(excludedWords),
        ]
        b += summary()
        if charts { b += summaryCharts() }
        for s in scenarios { b += section(s, charts: charts) }
        b += testTimeCompute()
        b += assumptions()
        return b + Self.glossary(for: b)
    }

    /// What the run drew, as the regenerate line says it. A kernel scenario draws the run's
    /// `samples` queries; a throughput table draws its own `samplesPerModel` for each model and
    /// never reads the run's count, so a table-only workload's line had named a count of "samples
    /// per scenario" that no scenario drew (oviedo-2026: 100000, where each table draws 100000 per
    /// model, 300000 in all; 2026-12-07 probe).
    var drawWords: String {
        let perModel = Set(workload.scenarios.compactMap { s -> Int? in
            if case let .throughputTable(t) = s.kind { t.samplesPerModel } else { nil }
        }).sorted().map(String.init).joined(separator: " or ")
        let kernels = workload.scenarios.contains { if case .kernel = $0.kind { true } else { false } }
        if perModel.isEmpty { return "\(samples) samples per scenario" }
        let tables = "\(perModel) samples per model of each throughput table"
        return kernels ? "\(samples) samples per kernel scenario, \(tables)" : tables
    }

    func summary() -> [ReportBlock] {
        let rows = scenarios.map { s -> [String] in
            let f = s.fleet, e = s.emissions
            return [f.name, f.boundary.rawValue, wh(f.whPerQuery.median), wh(f.whPerQuery.mean), "\(wh(f.whPerQuery.p5))–\(wh(f.whPerQuery.p95))",
                    formatNumber(f.gwhPerDay, significant: 3), f.gpus.map(String.init) ?? "–", FleetRendering.facilityMW(f),
                    Self.carbonCell(e.perQuery.locationGrams, e, location: true), Self.carbonCell(e.perQuery.marketGrams, e, location: false),
                    Self.waterCell(e.perQuery, e.waterBases),
                    e.embodiedMissing.label(e.perQuery.embodiedGrams, ReportUnits.mass)]
        }
        return [.heading(2, "Summary"),
                .paragraph("Per query figures are for the mean query; the median and the P5–P95 range show the spread. "
                           + dayTotalsSentence() + " Peak MW (facility) is a sized fleet's provisioned peak, or the day's mean power where marked. "
                           + "Carbon per query is CO2e, but in a cell marked CO2 only: a residual mix that AIB publishes as direct CO2 alone, "
                           + "without the methane and nitrous oxide CO2e counts (each scenario's carbon paragraph gives its factors' bases). "
                           + "Water per query is on-site plus off-site where both count water consumed (as ESRS E3 asks); an operator's WUE "
                           + "that counts water withdrawn (Amazon's, Microsoft's, Meta's) is given apart from the off-site water consumed, not added to it."),
                .table(["scenario", "boundary", "median Wh", "mean Wh", "P5–P95 Wh", "GWh/day", "GPUs", FleetRendering.facilityMWHeader,
                        "carbon/query, location", "carbon/query, market", "water/query (on- + off-site)", "embodied CO2e/query"],
                       rows, numeric: Set(2...11))]
    }

    /// A summary cell of water per query: on-site plus off-site, with their basis, where both
    /// count the same; else the two apart, each with its own (Amazon's 0.0314 mL withdrawn had
    /// been added to 1.02 mL consumed off-site and printed as 1.05 mL).
    static func waterCell(_ i: Impact, _ b: WaterBases) -> String {
        if b.summable { return ReportUnits.water(i.waterOnsiteLitres + i.waterOffsiteLitres) + " " + WaterBases.words(b.onsite) }
        return "\(ReportUnits.water(i.waterOnsiteLitres)) \(b.onsiteWords) + \(ReportUnits.water(i.waterOffsiteLitres)) \(WaterBases.words(b.offsite))"
    }

    /// A summary cell of carbon per query, marked where its factor counts CO2 alone (AIB's
    /// residual mixes: `de` with half its energy under contracts had printed 359.9 g CO2/kWh's
    /// figure under "CO2e/query, market"), or where some of a mix's parts' factors do.
    static func carbonCell(_ grams: Double, _ e: EmissionsResult, location: Bool) -> String {
        let differ = location ? e.basesDiffer.location : e.basesDiffer.market
        let bases = differ ? e.mixGrids.map { location ? $0.locationBasis : $0.marketBasis } : [location ? e.locationBasis : e.marketBasis]
        let co2 = bases.filter { $0 == .directCO2 }.count
        // A market-based figure that is the grid's location factor says so (Norway's had read as the cleanest market-based figure).
        return ReportUnits.mass(grams) + (co2 == 0 ? "" : co2 == bases.count ? " (CO2 only)" : " (partly CO2 only)")
            + (location ? "" : e.marketFactor?.cellMark ?? "")
    }

    /// Whether the day's totals are the mean query's × the queries a day, and where not, by how
    /// much (a throughput table's fleet overhead and untrimmed mean; the notes say which).
    /// The reason is said in the sentence itself: Oviedo et al.'s `traditional` (0.437 Wh × 1e9 =
    /// 437 MWh beside a 729 MWh day) had its reason only in a note further down.
    func dayTotalsSentence() -> String {
        var groups: [(reason: String, names: [String])] = []
        for s in scenarios {
            guard let k = Self.dayMultiplier(s.fleet) else { continue }
            let name = "\(ReportDocument.code(s.fleet.name)) (× \(formatNumber(k, significant: 3)))", reason = Self.dayReason(s)
            if let i = groups.firstIndex(where: { $0.reason == reason }) { groups[i].names.append(name) } else { groups.append((reason, [name])) }
        }
        guard !groups.isEmpty else { return "A day's totals are the mean query's times the queries a day." }
        return "A day's totals are the mean query's times the queries a day, except in "
            + groups.map { "\($0.names.joined(separator: ", ")), whose day is \($0.reason)" }.joined(separator: "; and in ")
            + " (each scenario's notes give the figures)."
    }

    /// The day's GWh ÷ (the mean query's Wh × the queries a day), nil where they agree within 0.5 %.
    static func dayMultiplier(_ f: FleetResult) -> Double? {
        let perQuery = f.whPerQuery.mean * f.queriesPerDay / 1e9
        guard perQuery > 0, abs(f.gwhPerDay / perQuery - 1) > 0.005 else { return nil }
        return f.gwhPerDay / perQuery
    }

    /// What a scenario's day is where it is not its mean query × its queries, by kind.
    static func dayReason(_ s: ScenarioReport) -> String {
        switch s.scenario.kind {
        case let .throughputTable(t):
            "the untrimmed mean query × the fleet overhead \(formatNumber(t.fleetOverhead, significant: 5)) (the per-query figures are the trimmed blend's)"
        case .mix: "its parts' days, which carry what their mean queries do not"
        case .kernel: "its fleet's, which carries energy the mean query does not"
        }
    }

    func section(_ s: ScenarioReport, charts: Bool) -> [ReportBlock] {
        let f = s.fleet
        var b: [ReportBlock] = [.heading(2, "Scenario \(ReportDocument.code(f.name))"), .paragraph(f.description.isEmpty ? "(no description)" : f.description)]
        b.append(.paragraph("Wh per query at the `\(f.boundary.rawValue)` boundary: median \(wh(f.whPerQuery.median)) (IQR \(wh(f.whPerQuery.p25))–\(wh(f.whPerQuery.p75)), P5–P95 \(wh(f.whPerQuery.p5))–\(wh(f.whPerQuery.p95))), mean \(wh(f.whPerQuery.mean)); \(FleetRendering.queries(f.queriesPerDay)) queries a day use \(formatNumber(f.gwhPerDay, significant: 3)) GWh\(FleetRendering.rangeWords(f, unit: " GWh"))."))
        if let g = f.gpus {
            b.append(.paragraph("Fleet: \(formatCount(g, "GPU")) in \(formatCount(f.nodes ?? 0, "node")) (" + FleetRendering.serverWords(f) + "); \(FleetRendering.peakWords(f)); idle provisioned capacity uses \(FleetRendering.idleWords(f, unit: "GWh a day", facilityUnit: "GWh"))."))
        }
        if let latency = FleetRendering.scenarioLatencyWords(f) { b.append(.paragraph("Latency: \(latency).")) }
        if !f.classes.isEmpty {
            // Each class's own ITL and TTFT where `fleet --format markdown` gives them: the report had
            // printed the scenario's mean alone (chat-service: 142 ms, where code ran at 486 ms).
            let latency = FleetRendering.classLatencyShown(f)
            b.append(.table(["class", "strategy", "share", "median Wh", "mean Wh", "output tokens", "batch"] + (latency ? ["ITL ms", "TTFT ms"] : []),
                            f.classes.map { [$0.name, Self.plainStrategyWords($0.queryStrategy, prefixCacheHit: $0.prefixCacheHit), ShareWords.whole($0.share)] + FleetRendering.classFigures($0) + [FleetRendering.batchWords($0)]
                                + (latency ? FleetRendering.classLatencyCells($0) : []) },
                            numeric: latency ? [2, 3, 4, 5, 6, 7, 8] : [2, 3, 4, 5, 6]))
        }
        if !f.meanLedger.isEmpty {
            let total = FleetRendering.withinTotal(f.meanLedger, boundary: f.boundary)
            b.append(.table(["ledger item", "boundary", "median query Wh", "mean query Wh", "share of mean"],
                            zip(f.medianLedger, f.meanLedger).map { m, a in
                                [m.item, m.boundary.rawValue, wh(m.energy.wattHours), wh(a.energy.wattHours),
                                 total > 0 ? FleetRendering.share(a, of: total, boundary: f.boundary, decimals: 1) : "–"]
                            }, numeric: [2, 3, 4]))
        }
        b += emissionsTable(s)
        if let c = s.dayCarbonRange {
            // A 0 g market-based day beside a location-based one in t reads "0 t–0 t".
            let ref = max(abs(c.location.high), abs(c.market.high))
            b.append(.paragraph("With the GPU energy at the two ends of \(FleetRendering.rangeSourceWords(f)), a day emits "
                                + "\(Self.mass(c.location.low, like: ref))–\(Self.mass(c.location.high, like: ref)) location-based and "
                                + "\(Self.mass(c.market.low, like: ref))–\(Self.mass(c.market.high, like: ref)) market-based."
                                + (s.emissions.periodRange == nil ? "" : " " + Self.rangeDerivationWords(s.emissions))))
        }
        b += disclosure(s)
        if !f.levers.isEmpty {
            b.append(.paragraph("Levers, each applied alone and ranked by the energy it saves:"))
            // With what each lever costs in latency and GPUs, which the text and JSON give: the
            // table had ranked savings with no word of their latency.
            // With a price, what each lever changes the day's electricity cost by, in money (the
            // table had the saving in % alone); the column is absent without one.
            let dayCost = s.emissions.perDay.cost
            b.append(.table(["lever", "mean Wh/query", "GWh/day", "saving", "saving across measured error"] + FleetRendering.leverChangeHeader
                                + ["such changes, measured"] + (dayCost == nil ? [] : ["cost/day change"]),
                            f.levers.map { l in
                                [l.name, wh(l.meanWhPerQuery), formatNumber(l.gwhPerDay, significant: 3), formatPercent(l.saving, decimals: 1),
                                 l.savingRange.map(FleetRendering.signedRange) ?? "–"] + FleetRendering.leverChangeCells(l, base: f)
                                    + [FleetRendering.rangeBasisCell(l)]
                                    + (dayCost.map { [Self.signedMoney(-l.saving * $0, s.emissions.currency)] } ?? [])
                            },
                            numeric: dayCost == nil ? [1, 2, 3, 5, 6, 7] : [1, 2, 3, 5, 6, 7, 9]))
            // A cap or clock lever's saving beyond the measured, under the table that ranks it.
            for line in FleetRendering.caveatLines(f.levers) { b.append(.paragraph("Upper bound: " + line)) }
            if charts { b.append(.chart(leverChart(f))) }
        }
        if !f.varianceShares.isEmpty {
            b.append(.paragraph("Uncertainty: " + FleetRendering.varianceWords(f) + "."))
        }
        let notes = f.notes + s.emissions.notes
        if !notes.isEmpty { b.append(.list(notes)) }
        return b
    }

    /// The emissions table: each figure per mean query, per day and per period, with the period's
    /// low–high where the day's energy has a measured band. Carbon in a row whose figure is 0
    /// takes the other carbon row's unit ("0 t" beside "4.44 t", where it had read "0 g").
    func emissionsTable(_ s: ScenarioReport) -> [ReportBlock] {
        let e = s.emissions, q = e.perQuery, d = e.perDay, p = e.perPeriod, range = e.periodRange
        let days = formatNumber(e.periodDays)
        func carbon(_ at: KeyPath<Impact, Double>) -> [String] {
            let cells = [q, d, p].map { i in Self.mass(i[keyPath: at], like: max(abs(i.locationGrams), abs(i.marketGrams))) }
            guard let r = range else { return cells }
            let ref = max(abs(p.locationGrams), abs(p.marketGrams))
            return cells + ["\(Self.mass(r.low[keyPath: at], like: ref))–\(Self.mass(r.high[keyPath: at], like: ref))"]
        }
        func span(_ f: (Impact) -> String) -> [String] { range.map { ["\(f($0.low))–\(f($0.high))"] } ?? [] }
        // Water in a row whose figure is 0 takes the other water row's unit, as carbon does.
        func water(_ at: KeyPath<Impact, Double>) -> [String] {
            let cells = [q, d, p].map { i in Self.water(i[keyPath: at], like: max(i.waterOnsiteLitres, i.waterOffsiteLitres)) }
            let ref = max(p.waterOnsiteLitres, p.waterOffsiteLitres)
            return cells + span { "\(Self.water($0[keyPath: at], like: ref))" }
        }
        var rows: [[String]] = [
            ["energy", ReportUnits.energy(q.energyWh), ReportUnits.energy(d.energyWh), ReportUnits.energy(p.energyWh)] + span { ReportUnits.energy($0.energyWh) },
            ["carbon, location-based"] + carbon(\.locationGrams),
            ["carbon, market-based"] + carbon(\.marketGrams),
            ["water, on-site (\(e.waterBases.onsiteClause))"] + water(\.waterOnsiteLitres),
            ["water, off-site (electricity, \(WaterBases.words(e.waterBases.offsite)))"] + water(\.waterOffsiteLitres),
            ["embodied carbon (amortised)"] + [q, d, p].map { e.embodiedMissing.label($0.embodiedGrams, ReportUnits.mass) }
                + (range == nil ? [] : [p.embodiedGrams == nil ? "–" : "no range"]),
        ]
        if let c = q.cost, let cd = d.cost, let cp = p.cost {
            rows.append(["electricity cost", ReportUnits.money(c, e.currency), ReportUnits.money(cd, e.currency), ReportUnits.money(cp, e.currency)]
                         + span { ReportUnits.money($0.cost ?? 0, e.currency) })
        }
        let header = ["", "per query (mean)", "per day", "per \(days) days"] + (range == nil ? [] : ["per \(days) days, low–high"])
        let perToken: [ReportBlock] = e.costPerMillionOutputTokens.map { c in
            [.paragraph("Electricity cost per million output tokens: \(ReportUnits.money(c, e.currency)) (the mean query's "
                        + "\(ReportUnits.money(q.cost ?? 0, e.currency)) ÷ its \(formatNumber(e.outputTokensPerQuery ?? 0, significant: 4)) output tokens).")]
        } ?? []
        return [
            .paragraph("Carbon both ways, location- and market-based (the GHG Protocol's Scope 2 dual-reporting methods; whose scope it falls in is below), "
                       + "\(Self.gridWords(e)): location-based \(formatNumber(e.locationGramsPerKWh, significant: 4)) \(Self.unit(e, location: true)) "
                       + "(\(Self.basisWords(e, location: true)); \(e.locationDerivation ?? "weighted by the hour the energy is used")), "
                       + "market-based \(formatNumber(e.marketGramsPerKWh, significant: 4)) \(Self.unit(e, location: false)) "
                       + "(\(Self.basisWords(e, location: false))\(e.marketFactor == .locationFallback ? "; the location-based factor: the catalog has no residual mix for this grid" : "")), "
                       + "with \(Self.coveredWords(e)). The median query emits \(ReportUnits.mass(e.medianQueryLocationGrams)) "
                       + "location-based (P5–P95 \(ReportUnits.mass(e.p5QueryLocationGrams))–\(ReportUnits.mass(e.p95QueryLocationGrams)))."
                       + (Self.dayMultiplier(s.fleet).map { " Per day and per period are × \(formatNumber($0, significant: 3)) the mean query's × the queries: the day is \(Self.dayReason(s))." } ?? "")),
            .table(header, rows, numeric: Set(1..<header.count)),
        ] + perToken
    }

    /// A change in money with its sign: "+12.3 EUR", "-4.56 EUR", "0 EUR".
    static func signedMoney(_ x: Double, _ currency: String) -> String { (x > 0 ? "+" : "") + ReportUnits.money(x, currency) }

    static func basisWords(_ b: CarbonBasis?) -> String { b?.words ?? "the workload file's figure, basis not stated" }

    /// A factor's basis in words; for a mix's parts on different bases, "its parts' bases differ".
    static func basisWords(_ e: EmissionsResult, location: Bool) -> String {
        // All under contracts, the market factor is the instruments', which may be the default
        // 0 g rather than the file's (the factors table says which).
        if !location, !e.basesDiffer.market, e.marketBasis == nil, e.contractualShare >= 1 { return "the contractual instruments' factor, basis not stated" }
        guard location ? e.basesDiffer.location : e.basesDiffer.market else { return basisWords(location ? e.locationBasis : e.marketBasis) }
        let co2 = e.mixGrids.contains { (location ? $0.locationBasis : $0.marketBasis) == .directCO2 }
        return "its parts' bases differ" + (co2 ? ": CO2e, partly CO2 only" : "")
    }

    /// The grid a scenario's carbon is on: its region, or a mix's parts' where they differ (its
    /// factors are then their blend, and the notes say whose).
    static func gridWords(_ e: EmissionsResult) -> String {
        guard Set(e.mixGrids.map(\.regionID)).count > 1 else { return "on the grid of \(e.regionName) (`\(e.regionID)`)" }
        return "on its parts' grids (" + e.mixGrids.map { "\($0.scenario): \($0.regionName), `\($0.regionID)`" }.joined(separator: "; ")
            + "; factors blended by the energy each adds)"
    }

    /// A factor's unit by its basis; the workload's own figure is read as CO2e, as its keys say.
    static func unit(_ b: CarbonBasis?) -> String { (b ?? .lifecycle).unit }

    /// A scenario's factor's unit; a mix's whose parts differ in basis and count CO2 alone in some
    /// is "g/kWh", its basis words marking it "partly CO2 only" as the Summary's cell does (its
    /// market-based 422.6 had read "g CO2e/kWh" though two of its three parts' residual mixes
    /// count CO2 alone).
    static func unit(_ e: EmissionsResult, location: Bool) -> String {
        guard location ? e.basesDiffer.location : e.basesDiffer.market else { return unit(location ? e.locationBasis : e.marketBasis) }
        let co2 = e.mixGrids.contains { (location ? $0.locationBasis : $0.marketBasis) == .directCO2 }
        return co2 ? "g/kWh" : "g CO2e/kWh"
    }

    func wh(_ x: Double) -> String { formatNumber(x, significant: 3) }
}
