import Foundation
import KernelPower

/// The report's charts: each is built from the same results the tables print.
extension WorkloadReport {
    func summaryCharts() -> [ReportBlock] {
        var b: [ReportBlock] = [.chart(comparisonChart()), .chart(distributionChart())]
        if let ledger = ledgerChart() { b.append(.chart(ledger)) }
        b += diurnalCharts().map(ReportBlock.chart)
        return b
    }

    /// Median Wh per query of each scenario with its interquartile range.
    func comparisonChart() -> String {
        var c = BarChart(id: "\(name)-compare", title: "Wh per query by scenario (bar: median; whisker: P25–P75)",
                         xTitle: "Wh per query at each scenario's boundary", segmentNames: ["median"])
        c.bars = scenarios.map { s in
            let q = s.fleet.whPerQuery
            return BarChart.Bar(label: "\(s.fleet.name) (\(s.fleet.boundary.rawValue))", segments: [q.median], whisker: (q.p25, q.p75),
                                valueLabel: "\(wh(q.median)) (mean \(wh(q.mean)))")
        }
        return c.render()
    }

    /// Distribution of Wh per query: share of queries in log-spaced bins, one line per scenario.
    /// The bins span the pooled P0.5–P99.5 of all scenarios, so a scenario's tails beyond it are
    /// not drawn; the axis title says how much of a scenario that leaves out (the curves had
    /// summed to 96.5 % with nothing said).
    func distributionChart() -> String {
        var chart = SVGChart(title: "Distribution of Wh per query", xTitle: "Wh per query (log scale)", yTitle: "share of queries per bin, %")
        chart.xScale = .log
        let all = scenarios.flatMap { $0.fleet.samples.filter { $0 > 0 && $0.isFinite } }.sorted()
        guard let lo0 = all.first, let hi0 = all.last, !all.isEmpty else { return chart.render() }
        let lo = all[Int(Double(all.count - 1) * 0.005)], hi = all[Int(Double(all.count - 1) * 0.995)]
        let (a, z) = lo < hi ? (log10(lo), log10(hi)) : (log10(lo0) - 0.5, log10(hi0) + 0.5)
        let bins = 40
        var mostLeftOut = 0.0
        for s in scenarios {
            // Each sample at its weight, as the percentiles count it (a kernel scenario's classes by share).
            let f = s.fleet, weights = f.sampleWeights.count == f.samples.count ? f.sampleWeights : [Double](repeating: 1, count: f.samples.count)
            var counts = [Double](repeating: 0, count: bins)
            for (x, w) in zip(f.samples, weights) where x > 0 {
                // The top edge itself (the P99.5 sample) falls in the last bin, not past it.
                var i = Int(((log10(x) - a) / (z - a) * Double(bins)).rounded(.down))
                if i == bins, x <= hi { i = bins - 1 }
                if i >= 0 && i < bins { counts[i] += w }
            }
            let all = weights.reduce(0, +), n = all > 0 ? all : 1
            mostLeftOut = max(mostLeftOut, 1 - counts.reduce(0, +) / n)
            let points = (0..<bins).map { i in (x: pow(10, a + (Double(i) + 0.5) * (z - a) / Double(bins)), y: counts[i] / n * 100) }
            chart.series.append(SVGChart.Series(name: s.fleet.name, points: points, style: .line))
        }
        if mostLeftOut >= 0.0005 {
            chart.xTitle += "; queries beyond all scenarios' P0.5–P99.5 not drawn (up to \(formatPercent(mostLeftOut)) of a scenario)"
        }
        return chart.render()
    }

    /// The mean query's ledger, one stacked bar per scenario that has one. Each bar stacks every
    /// line, and a scenario reported below the facility has the lines beyond its boundary faded
    /// and its label at its boundary, as the tables give it: a `gpu` row had read 0.209 Wh (every
    /// line) where its table said 0.110.
    func ledgerChart() -> String? {
        let withLedger = scenarios.filter { !$0.fleet.meanLedger.isEmpty }
        guard let first = withLedger.first else { return nil }
        let anyOutside = withLedger.contains { s in s.fleet.meanLedger.contains { $0.boundary > s.fleet.boundary && $0.energy.wattHours > 0 } }
        var c = BarChart(id: "\(name)-ledger", title: "Where the mean query's energy goes",
                         xTitle: "Wh per query (mean), every ledger item" + (anyOutside ? "; faded: outside the scenario's boundary" : ""),
                         segmentNames: first.fleet.meanLedger.map(\.item))
        c.bars = withLedger.map { s in
            let f = s.fleet, items = f.meanLedger.map(\.energy.wattHours), all = items.reduce(0, +)
            let outside = Set(f.meanLedger.indices.filter { f.meanLedger[$0].boundary > f.boundary && items[$0] > 0 })
            // Short: the label's length is taken from the plot's width.
            let label = outside.isEmpty ? "\(wh(all)) Wh" : "\(wh(FleetRendering.withinTotal(f.meanLedger, boundary: f.boundary))) Wh at \(f.boundary.rawValue)"
            var bar = BarChart.Bar(label: f.name, segments: items, valueLabel: label)
            bar.outside = outside
            bar.outsideLabel = "outside \(f.boundary.rawValue)"
            return bar
        }
        return c.render()
    }

    /// Each lever alone: the energy a day it leaves and what it saves (or adds) from the baseline.
    func leverChart(_ f: FleetResult) -> String {
        var c = BarChart(id: "\(name)-\(f.name)-levers", title: "Levers for \(f.name): GWh a day, each lever alone",
                         // A lever that costs energy shows the baseline's then what it adds: the
                         // first segment is the lever's energy only up to the baseline's.
                         xTitle: "GWh per day", segmentNames: ["energy with the lever, up to the baseline's", "saved", "added beyond the baseline"])
        c.bars = [BarChart.Bar(label: "baseline", segments: [f.gwhPerDay, 0, 0], valueLabel: formatNumber(f.gwhPerDay, significant: 3))]
        c.bars += f.levers.map { l in
            let keep = min(l.gwhPerDay, f.gwhPerDay)
            return BarChart.Bar(label: l.name, segments: [keep, max(0, f.gwhPerDay - l.gwhPerDay), max(0, l.gwhPerDay - f.gwhPerDay)],
                                valueLabel: "\(l.saving >= 0 ? "−" : "+")\(formatPercent(abs(l.saving), decimals: 0))")
        }
        return c.render()
    }

    /// Facility power and location-based emissions by hour, for scenarios with a fleet.
    func diurnalCharts() -> [String] {
        let fleets = scenarios.filter { $0.fleet.hourlyMegawatts.count == 24 }
        guard !fleets.isEmpty else { return [] }
        var power = SVGChart(title: "Facility power by hour of day", xTitle: "local hour", yTitle: "MW at the facility")
        var carbon = SVGChart(title: "Emissions by hour of day (location-based)", xTitle: "local hour", yTitle: "kg CO2e per hour")
        for s in fleets {
            power.series.append(SVGChart.Series(name: s.fleet.name, points: s.fleet.hourlyMegawatts.enumerated().map { (Double($0), $1) }, style: .line))
            carbon.series.append(SVGChart.Series(name: s.fleet.name, points: s.emissions.hourlyKilograms.enumerated().map { (Double($0), $1) }, style: .line))
        }
        return [power.render(), carbon.render()]
    }
}

/// The report's CSV (one row per scenario) and JSON (fleet results with their emissions).
extension WorkloadReport {
    static let csvHeader = [
        "scenario", "boundary", "wh_median", "wh_mean", "wh_p5", "wh_p25", "wh_p75", "wh_p95", "gwh_per_day", "queries_per_day",
        "gpus", "nodes", "megawatts", "facility_megawatts", "grid_region", "location_g_per_kwh", "market_g_per_kwh",
        "location_g_per_query", "market_g_per_query", "water_onsite_l_per_query", "water_offsite_l_per_query", "embodied_g_per_query",
        "location_t_per_day", "market_t_per_day", "water_m3_per_day", "embodied_t_per_day", "period_days", "location_t_per_period",
        "market_t_per_period", "cost_per_day", "currency", "gwh_per_day_low", "gwh_per_day_high",
        "location_t_per_day_low", "location_t_per_day_high", "market_t_per_day_low", "market_t_per_day_high",
        "embodied_not_counted", "location_basis", "market_basis", "hardware",
        // Last, as new columns go: water_m3_per_day is on- plus off-site where both count the
        // same (empty where they differ: withdrawn and consumed water do not add up, as the
        // Markdown will not add them); these give the two apart with what each counts.
        "water_onsite_m3_per_day", "water_offsite_m3_per_day", "water_onsite_basis", "water_offsite_basis",
        // Appended (existing names are a contract): the covered share, the period's energy,
        // water and embodied totals and the period's low–high where the day has a band (a CSV
        // had no per-period energy, water, embodied or cost, and no range but the day's).
        "contractual_share", "energy_mwh_per_period", "energy_mwh_per_period_low", "energy_mwh_per_period_high",
        "location_t_per_period_low", "location_t_per_period_high", "market_t_per_period_low", "market_t_per_period_high",
        "water_onsite_m3_per_period", "water_offsite_m3_per_period",
        // On- and off-site apart: withdrawn and consumed water do not add up (`WaterBases`).
        "water_onsite_m3_per_period_low", "water_onsite_m3_per_period_high", "water_offsite_m3_per_period_low", "water_offsite_m3_per_period_high",
        "embodied_t_per_period", "cost_per_period", "cost_per_period_low", "cost_per_period_high",
        // Appended: the cost per mean query (JSON perQuery.cost had no CSV column), the day's
        // cost low–high beside gwh_per_day_low/high, and per million output tokens (a FinOps
        // probe found cost per day and per period only).
        "cost_per_query", "cost_per_day_low", "cost_per_day_high", "cost_per_million_output_tokens",
        // Appended: facility_megawatts is a fleet's provisioned peak, but the day's mean for a
        // scenario with no fleet of its own (a mix, a throughput table), as JSON's facilityMegawattsIsMean says.
        "facility_megawatts_is_mean",
        // Appended: the catalog factors' years (empty for the workload's own figure), which had
        // been in the factors' words only.
        "location_year", "market_year",
        // Appended: the formats of the classes' deployments, each once in class order, space-
        // separated (empty without a deployment of the scenario's own); no column had named them.
        "precision", "kv_precision",
        // Appended: the numeric factors a comparison of regions needs, which had been in the
        // factors' words only (`factorCells`), and what the market-based figure charges
        // uncovered consumption (`location-fallback` where the grid has no residual mix).
        "pue", "wue_l_per_kwh", "wue_per_kwh_of", "water_offsite_l_per_kwh", "price_per_kwh", "cloud_region", "provider", "market_factor",
    ]

    func csv() -> String {
        var lines = [CSVWriter.line(Self.csvHeader)]
        for s in scenarios {
            let f = s.fleet, e = s.emissions, q = f.whPerQuery
            let n = { (x: Double) in formatDataNumber(x, significant: 6) }
            let carbonRange: [String] = s.dayCarbonRange.map { c in
                [c.location.low, c.location.high, c.market.low, c.market.high].map { n($0 / 1e6) }
            } ?? ["", "", "", ""]
            let energyRange: [String] = f.gwhPerDayRange.map { [n($0.low), n($0.high)] } ?? ["", ""]
            let fields: [String] = [
                f.name, f.boundary.rawValue, n(q.median), n(q.mean), n(q.p5), n(q.p25), n(q.p75), n(q.p95), n(f.gwhPerDay), n(f.queriesPerDay),
                // No fleet of its own, no wall power: empty, as the JSON's null (it read 0 MW beside the facility's 30).
                f.gpus.map(String.init) ?? "", f.nodes.map(String.init) ?? "", f.gpus == nil ? "" : n(f.megawatts), n(f.facilityMegawatts), e.regionID,
                n(e.locationGramsPerKWh), n(e.marketGramsPerKWh), n(e.perQuery.locationGrams), n(e.perQuery.marketGrams),
                n(e.perQuery.waterOnsiteLitres), n(e.perQuery.waterOffsiteLitres), e.perQuery.embodiedGrams.map(n) ?? "",
                n(e.perDay.locationGrams / 1e6), n(e.perDay.marketGrams / 1e6), e.waterBases.summable ? n((e.perDay.waterOnsiteLitres + e.perDay.waterOffsiteLitres) / 1e3) : "",
                e.perDay.embodiedGrams.map { n($0 / 1e6) } ?? "", n(e.periodDays), n(e.perPeriod.locationGrams / 1e6), n(e.perPeriod.marketGrams / 1e6),
                e.perDay.cost.map(n) ?? "", e.perDay.cost == nil ? "" : e.currency,
            ]
            // GPUs and servers without a published footprint, and scenarios with no fleet:
            // embodied_* leave them out (and are empty where nothing was counted).
            let bases = [e.basisNames.location ?? "", e.basisNames.market ?? ""]
            let water = [n(e.perDay.waterOnsiteLitres / 1e3), n(e.perDay.waterOffsiteLitres / 1e3), e.waterBases.onsite, e.waterBases.offsite]
            lines.append(CSVWriter.line(fields + energyRange + carbonRange + [Self.embodiedNotCounted(s)] + bases + [Self.hardwareCell(f)] + water
                                        + Self.disclosureCells(e, n) + Self.costCells(e, n) + [f.gpus == nil ? "true" : "false"]
                                        + [e.locationYear, e.marketYear].map { $0.map(String.init) ?? "" }
                                        + [Self.formats(f.classes.compactMap(\.precision)), Self.formats(f.classes.compactMap(\.kvPrecision))]
                                        + Self.factorCells(s, n)))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Precisions each once, in order, space-separated ("fp8", "bf16 fp8").
    static func formats(_ p: [Precision]) -> String { p.uniqued().map(\.rawValue).joined(separator: " ") }

    /// The appended columns from `contractual_share` on, in the header's order; a range's cells
    /// are empty without a band, a cost's without a price, embodied's where none is counted.
    static func disclosureCells(_ e: EmissionsResult, _ n: (Double) -> String) -> [String] {
        let p = e.perPeriod, r = e.periodRange
        func ends(_ f: (Impact) -> Double) -> [String] { r.map { [n(f($0.low)), n(f($0.high))] } ?? ["", ""] }
        let cost: [String] = p.cost.map { c in [n(c)] + (r.map { [n($0.low.cost ?? 0), n($0.high.cost ?? 0)] } ?? ["", ""]) } ?? ["", "", ""]
        return [n(e.contractualShare), n(p.energyWh / 1e6)] + ends { $0.energyWh / 1e6 }
            + ends { $0.locationGrams / 1e6 } + ends { $0.marketGrams / 1e6 }
            + [n(p.waterOnsiteLitres / 1e3), n(p.waterOffsiteLitres / 1e3)]
            + ends { $0.waterOnsiteLitres / 1e3 } + ends { $0.waterOffsiteLitres / 1e3 } + [p.embodiedGrams.map { n($0 / 1e6) } ?? ""] + cost
    }

    /// The last columns, from `cost_per_query` on: empty without a price (the day's low–high
    /// also without a band, per million tokens also without tokens).
    static func costCells(_ e: EmissionsResult, _ n: (Double) -> String) -> [String] {
        let day = e.dayCostRange
        return [e.perQuery.cost.map(n) ?? "", day.map { n($0.low) } ?? "", day.map { n($0.high) } ?? "", e.costPerMillionOutputTokens.map(n) ?? ""]
    }

    /// The last columns, from `pue` on: the site's PUE (facility ÷ IT energy as the mean query
    /// meets it, at every boundary; a mix's, its parts' blended), the WUE as published with the
    /// kWh it is per (`it` or `facility`), the off-site water per kWh generated, the price (in
    /// `currency`), the cloud region and operator, and `market_factor` (`MarketFactor`, or
    /// `mixed` for a mix's parts that differ). Empty where there is none.
    static func factorCells(_ s: ScenarioReport, _ n: (Double) -> String) -> [String] {
        let e = s.emissions
        return [n(s.fleet.sitePUE), e.wue.map { n($0.litresPerKWh) } ?? "", e.wue.map { $0.perFacilityKWh ? "facility" : "it" } ?? "",
                e.waterOffsiteLitresPerKWh.map(n) ?? "", e.pricePerKWh.map(n) ?? "", e.host?.cloudRegion ?? "", e.host?.provider ?? "",
                e.marketFactor?.rawValue ?? "mixed"]
    }

    /// The emissions JSON's keys for the same factors as numbers, beside `factors`' words (null
    /// where the CSV's cell is empty).
    static func factorJSON(_ s: ScenarioReport) -> [(String, JSONValue)] {
        let e = s.emissions
        return [("sitePUE", .num(s.fleet.sitePUE)), ("wueLitresPerKWh", .optionalNumber(e.wue?.litresPerKWh)),
                ("wuePerKWhOf", e.wue.map { .str($0.perFacilityKWh ? "facility" : "it") } ?? .null),
                ("waterOffsiteLitresPerKWh", .optionalNumber(e.waterOffsiteLitresPerKWh)), ("pricePerKWh", .optionalNumber(e.pricePerKWh)),
                ("cloudRegion", e.host?.cloudRegion.map(JSONValue.str) ?? .null), ("provider", e.host?.provider.map(JSONValue.str) ?? .null),
                ("marketFactor", .str(e.marketFactor?.rawValue ?? "mixed"))]
    }

    /// The emissions JSON's cost keys after the disclosure's, as the CSV's last columns give them
    /// (null where the CSV's cell is empty), with the output tokens the per-million figure divides by.
    static func costJSON(_ e: EmissionsResult) -> [(String, JSONValue)] {
        let day = e.dayCostRange
        return [("costPerDayLow", .optionalNumber(day?.low)), ("costPerDayHigh", .optionalNumber(day?.high)),
                ("outputTokensPerQuery", .optionalNumber(e.outputTokensPerQuery)),
                ("costPerMillionOutputTokens", .optionalNumber(e.costPerMillionOutputTokens)),
                ("locationYear", .optionalNumber(e.locationYear.map(Double.init))), ("marketYear", .optionalNumber(e.marketYear.map(Double.init)))]
    }

    /// The emissions JSON's last keys: the period's low–high (embodied has none), the covered
    /// share, how the location factor follows from the cited one, and whose scope the carbon and
    /// the embodied figure are in.
    static func disclosureJSON(_ s: ScenarioReport) -> [(String, JSONValue)] {
        let e = s.emissions
        func range(_ i: Impact) -> JSONValue {
            .obj([("energyWh", .num(i.energyWh)), ("locationGrams", .num(i.locationGrams)), ("marketGrams", .num(i.marketGrams)),
                  ("waterOnsiteLitres", .num(i.waterOnsiteLitres)), ("waterOffsiteLitres", .num(i.waterOffsiteLitres)), ("cost", .optionalNumber(i.cost))])
        }
        let periodRange: JSONValue = e.periodRange.map { r in
            .obj([("low", range(r.low)), ("high", range(r.high)), ("derivation", .str(rangeDerivationWords(e)))])
        } ?? .null
        return [("perPeriodRange", periodRange), ("contractualShare", .num(e.contractualShare)),
                ("locationDerivation", e.locationDerivation.map(JSONValue.str) ?? .null),
                ("attribution", .str(attributionWords(e, boundary: s.fleet.boundary))), ("embodiedScope", .str(embodiedWords(s)))]
    }

    /// The CSV's `hardware`: the fleet by GPU type and server model, "568 h100-sxm in 71 dgx-h100;
    /// 148 a100-sxm-80gb in 19 dgx-a100" (empty without a fleet of its own), where the GPU and
    /// node columns had only the totals of a fleet of several types.
    static func hardwareCell(_ f: FleetResult) -> String {
        f.hardwareTypes.map { "\($0.gpus) \($0.gpu) in \($0.nodes) \($0.node)" }.joined(separator: "; ")
    }

    /// The CSV's `embodied_not_counted`: the hardware left out, or, for a day of no queries, that
    /// there is no per-query figure, as the Markdown's "not counted" says (the cell was empty, as
    /// if the empty `embodied_g_per_query` counted everything).
    static func embodiedNotCounted(_ s: ScenarioReport) -> String {
        let e = s.emissions, cell = e.embodiedMissing.csvCell
        guard e.perQuery.embodiedGrams == nil, s.fleet.queriesPerDay == 0 else { return cell }
        return ([cell].filter { !$0.isEmpty } + ["no queries a day: no per-query figure"]).joined(separator: "; ")
    }

    func json() -> JSONValue {
        func impact(_ i: Impact) -> JSONValue {
            .obj([("energyWh", .num(i.energyWh)), ("locationGrams", .num(i.locationGrams)), ("marketGrams", .num(i.marketGrams)),
                  ("waterOnsiteLitres", .num(i.waterOnsiteLitres)), ("waterOffsiteLitres", .num(i.waterOffsiteLitres)),
                  ("embodiedGrams", .optionalNumber(i.embodiedGrams)), ("cost", .optionalNumber(i.cost))])
        }
        return .obj(ToolVersion.jsonFields + [
            ("name", .str(name)), ("source", .str(source)), ("description", .str(workload.description)),
            ("seed", .num(Double(seed))), ("samples", .num(Double(samples))),
            // The files read, fingerprinted, and how the figures are made (modelled, not metered).
            ("inputs", inputsJSON()), ("method", methodJSON()), ("excluded", .str(excludedWords)),
            ("scenarios", .array(scenarios.map { s in
                guard case var .object(fields) = FleetRendering.scenarioJSON(s.fleet, dayCost: s.emissions.perDay.cost.map { ($0, s.emissions.currency) }) else { return .null }
                let e = s.emissions, carbon = s.dayCarbonRange
                let base: [(String, JSONValue)] = [
                    ("region", .str(e.regionID)), ("locationGramsPerKWh", .num(e.locationGramsPerKWh)), ("marketGramsPerKWh", .num(e.marketGramsPerKWh)),
                    ("locationBasis", e.basisNames.location.map(JSONValue.str) ?? .null), ("marketBasis", e.basisNames.market.map(JSONValue.str) ?? .null),
                    ("waterOnsiteBasis", .str(e.waterBases.onsite)), ("waterOffsiteBasis", .str(e.waterBases.offsite)),
                    ("perQuery", impact(e.perQuery)), ("perDay", impact(e.perDay)), ("perPeriod", impact(e.perPeriod)), ("periodDays", .num(e.periodDays)),
                    ("locationGramsPerDayLow", .optionalNumber(carbon?.location.low)),
                    ("locationGramsPerDayHigh", .optionalNumber(carbon?.location.high)),
                    ("marketGramsPerDayLow", .optionalNumber(carbon?.market.low)),
                    ("marketGramsPerDayHigh", .optionalNumber(carbon?.market.high)),
                    // A currency without a price names nothing (the CSV's cell is empty).
                    ("currency", e.perQuery.cost == nil ? .null : .str(e.currency)), ("hourlyGramsPerKWh", .array(e.hourlyIntensity.map(JSONValue.num))),
                    ("hourlyKilograms", .array(e.hourlyKilograms.map(JSONValue.num))),
                    ("factors", .array(e.factors.map { .obj([("name", .str($0.name)), ("value", .str($0.value)), ("source", .str($0.source))]) })),
                    ("notes", .array(e.notes.map(JSONValue.str))),
                    ("embodiedNotCounted", .obj([("gpus", .array(e.embodiedMissing.gpus.map(JSONValue.str))),
                                                 ("servers", .array(e.embodiedMissing.nodes.map(JSONValue.str))),
                                                 ("scenariosWithoutFleet", .array(e.embodiedMissing.scenarios.map(JSONValue.str))),
                                                 // Scenarios whose settings say `"embodied": false` (the object had been all empty).
                                                 ("scenariosEmbodiedFalse", .array(e.embodiedMissing.switchedOff.map(JSONValue.str)))])),
                ]
                fields.append(("emissions", .obj(base + Self.disclosureJSON(s) + Self.costJSON(e) + Self.factorJSON(s))))
                return .object(fields)
            })),
            ("testTimeCompute", testTimeComputeJSON()),
            // The Markdown's "Assumptions and sources" table: the PUE's and host power's sources are in no scenario's factors.
            ("assumptions", .array(assumptionRows().map { r in .obj(zip(["what", "value", "source"], r).map { ($0, JSONValue.str($1)) }) })),
        ])
    }
}
