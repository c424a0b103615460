import Foundation
import KernelPower

/// Text, JSON and Markdown renderings of a workload's fleet results.
public enum FleetRendering {
    static func stats(_ s: QueryStatistics) -> JSONValue {
        .obj([("median", .num(s.median)), ("mean", .num(s.mean)), ("p5", .num(s.p5)), ("p25", .num(s.p25)),
              ("p75", .num(s.p75)), ("p95", .num(s.p95))])
    }

    /// - Parameter file: the workload file as given, cited where it sets a scenario's PUE.
    public static func json(_ w: Workload, _ results: [FleetResult], file: String = "") -> JSONValue {
        .obj([("description", .str(w.description)), ("scenarios", .array(results.map { r in
            withPUE(scenarioJSON(r, dayCost: dayCost(r, w)), pueStatement(r, w, file: file), mean: w.scenarios.first { $0.name == r.name }?.pue.mean)
        }))])
    }

    /// The PUE a result's scenario applies and its source (`Scenario.pueStatement`, as `report`
    /// states it), nil for a mix.
    static func pueStatement(_ r: FleetResult, _ w: Workload, file: String) -> (value: String, source: String)? {
        w.scenarios.first { $0.name == r.name }?.pueStatement(file: file.isEmpty ? nil : file, workloadEmissions: w.emissions)
    }

    /// A scenario's JSON with `pue` after `boundary`: `{"value", "mean", "source"}`, or null for a
    /// mix. `value` is the words a report prints, a string since a PUE may be a distribution
    /// ("lognormal (P5 1.1, P95 1.4)"); `mean` is the number (the value itself where fixed),
    /// which every other output gives PUE as and a comparison of regions had to parse out of "1.14".
    static func withPUE(_ body: JSONValue, _ pue: (value: String, source: String)?, mean: Double? = nil) -> JSONValue {
        guard case var .object(pairs) = body else { return body }
        let value: JSONValue = pue.map { .obj([("value", .str($0.value)), ("mean", .optionalNumber(mean)), ("source", .str($0.source))]) } ?? .null
        pairs.insert((key: "pue", value: value), at: (pairs.firstIndex { $0.key == "boundary" } ?? pairs.count - 1) + 1)
        return .object(pairs)
    }

    /// The PUE line of the text and Markdown: the value and its source, said to lie outside a
    /// boundary below the facility (there it sets the facility-overhead line alone).
    static func pueWords(_ r: FleetResult, _ pue: (value: String, source: String)) -> String {
        let outside = r.boundary == .facility ? "" : " (outside the \(r.boundary.rawValue) boundary: the facility-overhead line only)"
        return "PUE\(outside): \(pue.value); source: \(pue.source)"
    }

    /// One scenario's results (the fields other tools read are a contract: see the README).
    /// `dayCost`: the day's cost at the scenario's price, which each lever's `costPerDayChange` is of.
    public static func scenarioJSON(_ r: FleetResult, dayCost: DayCost? = nil) -> JSONValue {
        .obj([
            ("name", .str(r.name)), ("description", .str(r.description)), ("boundary", .str(r.boundary.rawValue)),
            ("whPerQuery", stats(r.whPerQuery)), ("gwhPerDay", .num(r.gwhPerDay)),
            ("gwhPerDayLow", .optionalNumber(r.gwhPerDayRange?.low)), ("gwhPerDayHigh", .optionalNumber(r.gwhPerDayRange?.high)),
            ("gwhPerDaySitePUE", siteFactorJSON(r.gwhPerDaySitePUE, factor: "pue")),
            ("gwhPerDayHostPower", siteFactorJSON(r.gwhPerDayHostPower, factor: "scale")),
            // A mix's day with each part's lever divisor held at its P95 (low) and P5 (high).
            ("gwhPerDayDivisors", boundsJSON(r.gwhPerDayDivisorRange)),
            ("queriesPerDay", .num(r.queriesPerDay)),
            ("gpus", .optionalNumber(r.gpus.map(Double.init))), ("nodes", .optionalNumber(r.nodes.map(Double.init))),
            // The fleet by GPU type and server model (null without a fleet of its own).
            ("hardware", r.gpus == nil ? .null : .array(r.hardwareTypes.map {
                .obj([("gpu", .str($0.gpu)), ("node", .str($0.node)), ("gpus", .num(Double($0.gpus))), ("nodes", .num(Double($0.nodes)))])
            })),
            // Each deployment's servers and step budget (null without a fleet of its own).
            ("deployments", deploymentsJSON(r)),
            // A scenario with no fleet of its own has no wall power or idle capacity (null, not 0),
            // and its facility MW is the day's mean.
            ("megawatts", r.gpus == nil ? .null : .num(r.megawatts)), ("facilityMegawatts", .num(r.facilityMegawatts)),
            ("facilityMegawattsIsMean", .bool(r.gpus == nil)),
            ("idleGWhPerDay", r.gpus == nil ? .null : .num(r.idleGWhPerDay)),
            ("idleFacilityGWhPerDay", r.gpus == nil ? .null : .num(r.idleFacilityGWhPerDay)),
            ("medianLedger", ledgerJSON(r.medianLedger)), ("meanLedger", ledgerJSON(r.meanLedger)),
            ("varianceShares", .array(r.varianceShares.map { .obj([("input", .str($0.input)), ("share", .num($0.share))]) })),
            // Shares below it cannot be told from none at the draws taken (`VarianceShare.noiseLevel`).
            ("varianceSharesNoiseLevel", r.varianceShares.isEmpty ? .null : .num(VarianceShare.noiseLevel(draws: r.samples.count))),
            ("classes", JSONValue.array(r.classes.map(Self.classJSON))),
            ("levers", .array(r.levers.map { leverJSON($0, dayCost: dayCost) })),
            // The baseline's latencies, which each lever's are read against (`KernelFleet.meanLatency`).
            ("interTokenLatencyMs", .optionalNumber(r.meanITLMs)), ("timeToFirstTokenMs", .optionalNumber(r.meanTTFTMs)),
            ("hourlyFacilityMegawatts", .array(r.hourlyMegawatts.map(JSONValue.num))),
            // The PUE the hourly series is at, and the busiest hour at its own (peakPUE where set):
            // text said 2.16 MW where the series peaked at 1.79 with nothing in the JSON to show why.
            ("hourlyFacilityMegawattsPUE", .optionalNumber(r.hourlyPUE)),
            ("busiestHourFacilityMegawatts", .optionalNumber(r.busiestHourFacilityMegawatts)),
            ("busiestHourPUE", .optionalNumber(r.busiestHourPUE)),
            ("estimatorError", .array(r.estimatorError.map { .obj([("gpu", .str($0.gpu)), ("band", ErrorBands.value($0.band))]) })),
            ("notes", .array(r.notes.map(JSONValue.str))),
        ])
    }

    /// A day's two ends as `gwhPerDayLow` and `gwhPerDayHigh`, or null.
    static func boundsJSON(_ range: Bounds?) -> JSONValue {
        guard let range else { return .null }
        return .obj([("gwhPerDayLow", .num(range.low)), ("gwhPerDayHigh", .num(range.high))])
    }

    /// A site-wide factor's P5 and P95 (`factorP5`, `factorP95`) and the day at each, or null.
    static func siteFactorJSON(_ range: SiteFactorRange?, factor: String) -> JSONValue {
        range.map { r in
            .obj([(factor + "P5", .num(r.factor.low)), (factor + "P95", .num(r.factor.high)),
                  ("gwhPerDayLow", .num(r.gwhPerDay.low)), ("gwhPerDayHigh", .num(r.gwhPerDay.high))])
        } ?? .null
    }

    /// A sized scenario's mean ITL and TTFT in words (`KernelFleet.meanLatency`), which the JSON
    /// carries and each lever's change starts from; nil without a fleet of its own or either figure.
    static func scenarioLatencyWords(_ r: FleetResult) -> String? {
        guard r.gpus != nil, r.meanITLMs != nil || r.meanTTFTMs != nil else { return nil }
        let itl = r.meanITLMs.map { "ITL \(formatNumber($0, significant: 3)) ms" } ?? "no ITL (every answer is one token)"
        return "mean " + ([itl] + [r.meanTTFTMs.map { "TTFT \(formatNumber($0, significant: 3)) ms" }].compactMap { $0 }).joined(separator: ", ")
            + (lowLoadLatencyClause(r).map { "; " + $0 } ?? "")
    }

    /// Which batch the latency is for where a class's load cannot fill it: the fleet prices each
    /// class at its batch when busy (`KernelFleet.meanLatency`, the router packing load onto full
    /// batches), but a class whose busiest hour, headroom included, keeps fewer sequences in
    /// flight than one replica's batch never runs that batch, and its steps, smaller, are
    /// quicker. 1,000 queries a day on one 4 × H100 replica (0.044 sequences in flight on the
    /// day's mean) had printed "mean ITL 125 ms, TTFT 135 ms", the figures of 256 in flight,
    /// with nothing said. Nil where every class with traffic fills its batch at its busiest hour.
    static func lowLoadLatencyClause(_ r: FleetResult) -> String? {
        let short = r.classes.compactMap { c -> String? in
            guard c.share > 0, c.effectiveBatch > 1, let h = r.hardware.first(where: { $0.className == c.name }), h.replicasNeeded < 1 else { return nil }
            return "class \(c.name) is priced at \(c.effectiveBatch) sequences in flight, but its load keeps at most "
                + "\(formatNumber(h.replicasNeeded * Double(c.effectiveBatch), significant: 2)) in flight at its busiest hour"
        }
        guard !short.isEmpty else { return nil }
        return "these are at each class's batch when busy, as the fleet is priced; " + short.joined(separator: ", ")
            + ", so \(short.count == 1 ? "its" : "their") real batches are smaller and \(short.count == 1 ? "its" : "their") ITL and TTFT lower "
            + "than these (`estimate --load` gives one replica at a load)"
    }

    /// A sized fleet's peak in words: the provisioned peak, every replica (headroom included)
    /// at its mean busy wall power, not its worst case (a note gives that), with the busiest
    /// hour's draw beside it. Called "peak", 4.61 MW read as the largest hourly draw, which is lower.
    static func peakWords(_ r: FleetResult) -> String {
        let busiest = (r.busiestHourFacilityMegawatts ?? r.hourlyMegawatts.max()).map { "; the busiest hour draws \(formatNumber($0, significant: 3)) MW at the facility" } ?? ""
        return "provisioned peak \(formatNumber(r.megawatts, significant: 3)) MW at the wall, \(formatNumber(r.facilityMegawatts, significant: 3)) MW "
            + "at the facility (every replica at its mean busy draw, not its worst case\(busiest))"
    }

    static func ledgerJSON(_ items: [LedgerItem]) -> JSONValue {
        .array(items.map { .obj([("item", .str($0.item)), ("boundary", .str($0.boundary.rawValue)), ("wattHours", .num($0.energy.wattHours))]) })
    }

    /// "item x Wh (share)" for each ledger item.
    /// A ledger's items with their shares of what the items within `boundary` add up to; an
    /// item beyond the boundary is listed without a share (it is not in the scenario's figure).
    static func ledgerLine(_ items: [LedgerItem], boundary: Boundary) -> String {
        let total = withinTotal(items, boundary: boundary)
        return items.map { "\($0.item) \(wh($0.energy.wattHours))" + (total > 0 ? " (\(share($0, of: total, boundary: boundary)))" : "") }
            .joined(separator: ", ") + " Wh"
    }

    /// Wh of the ledger items within `boundary`: the scenario's Wh per query.
    static func withinTotal(_ items: [LedgerItem], boundary: Boundary) -> Double {
        items.filter { $0.boundary <= boundary }.reduce(0) { $0 + $1.energy.wattHours }
    }

    /// An item's share of `total`, or "outside" for an item beyond the boundary.
    static func share(_ item: LedgerItem, of total: Double, boundary: Boundary, decimals: Int = 0) -> String {
        item.boundary <= boundary ? formatPercent(item.energy.wattHours / total, decimals: decimals) : "outside \(boundary.rawValue)"
    }

    /// A class's median Wh, mean Wh and mean output tokens as table cells, or "–" for a class
    /// without draws, whose queries cost nothing only because there are none.
    static func classFigures(_ c: ClassResult) -> [String] {
        guard c.draws > 0 else { return ["–", "–", "–"] }
        return [wh(c.whPerQuery.median), wh(c.whPerQuery.mean), formatNumber(c.meanOutputTokens, significant: 4)]
    }

    /// A query count in words past a million ("100 million", "1 billion", "2 trillion"), and as a
    /// power of ten from 10¹⁵ ("1 × 10^15"), where 1e15 had read "1000000 billion".
    /// The count is rounded to 3 significant digits before its unit is chosen: 999.7e12 had
    /// read "1000 trillion" (and 999.7 million "1000 million").
    static func queries(_ x: Double) -> String {
        let r = Double(formatNumber(x, significant: 3)) ?? x
        if r >= 1e15 {
            let e = Int(log10(r).rounded(.down))
            return "\(formatNumber(r / pow(10, Double(e)), significant: 3)) × 10^\(e)"
        }
        for (scale, word) in [(1e12, "trillion"), (1e9, "billion"), (1e6, "million")] where r >= scale {
            return "\(formatNumber(r / scale, significant: 3)) \(word)"
        }
        return formatNumber(r, significant: 3)
    }

    static func wh(_ x: Double) -> String { formatNumber(x, significant: 3) }

    /// The band behind a day's GPU-energy range: "the estimator's measured error band" where each
    /// GPU has its own, else whose runs it was measured on (`FleetResult.gwhPerDayRangeSource`), so
    /// a pool GPU's range does not read as measured on it.
    public static func rangeSourceWords(_ r: FleetResult) -> String {
        r.gwhPerDayRangeSource ?? "the estimator's measured error band"
    }

    /// The day's range in words, or nothing without one.
    static func rangeWords(_ r: FleetResult, unit: String = "") -> String {
        var ranges: [String] = []
        if let g = r.gwhPerDayRange {
            ranges.append("\(formatNumber(g.low, significant: 3))–\(formatNumber(g.high, significant: 3))\(unit) with the GPU energy at the ends of "
                          + rangeSourceWords(r))
        }
        func ends(_ range: SiteFactorRange, _ what: String, _ prefix: String) -> String {
            let g = range.gwhPerDay, f = range.factor
            return "\(formatNumber(g.low, significant: 3))–\(formatNumber(g.high, significant: 3))\(unit) with \(what) at "
                + "\(prefix)\(formatNumber(f.low, significant: 3)) and \(prefix)\(formatNumber(f.high, significant: 3))"
        }
        // A mix's lever divisors, each held for every query of its part (`FleetRunner.runMix`).
        if let g = r.gwhPerDayDivisorRange {
            ranges.append("\(formatNumber(g.low, significant: 3))–\(formatNumber(g.high, significant: 3))\(unit) with each part's lever divisor "
                          + "at the P95 and P5 of its draws, held for every query")
        }
        // One site has one PUE and one kind of server: drawn per query, either averages out of the day.
        let site = [r.gwhPerDaySitePUE.map { (ends($0, "the site's PUE", ""), "one PUE") },
                    r.gwhPerDayHostPower.map { (ends($0, "the serving hosts' power", "× "), "one kind of server") }].compactMap { $0 }
        if !site.isEmpty {
            let many = site.count > 1
            ranges.append(site.map(\.0).joined(separator: " and ") + ", \(many ? "each " : "")the P5 and P95 of its draws, held for every "
                          + "query, for a site has \(site.map(\.1).joined(separator: " and ")) where per-query draws average "
                          + "\(many ? "them" : "it") out of the day")
        }
        return ranges.isEmpty ? "" : " (" + ranges.joined(separator: "; ") + ")"
    }

    /// The idle provisioned capacity's day, with its boundary: the ledger counts it from `it`
    /// (the servers' wall), and a facility-boundary scenario adds the overhead on it. Unlabelled,
    /// a facility report's figure had read as the facility's (0.000477 GWh for its 0.00057).
    /// - Parameter unit: after the IT figure ("GWh a day"); `facilityUnit` after the facility's ("GWh").
    static func idleWords(_ r: FleetResult, unit: String, facilityUnit: String? = nil) -> String {
        let it = "\(formatNumber(r.idleGWhPerDay, significant: 3)) \(unit) at the IT boundary"
        switch r.boundary {
        case .facility: return it + ", \(formatNumber(r.idleFacilityGWhPerDay, significant: 3)) \(facilityUnit ?? unit) at the facility"
        case .it: return it
        case .gpu, .node: return it + ", outside this scenario's \(r.boundary.rawValue) boundary"
        }
    }

    /// The facility MW of the summary tables: a sized fleet's provisioned peak, or, for a
    /// scenario with no fleet of its own (throughput tables, mixes), the day's mean power, marked so.
    static func facilityMW(_ r: FleetResult) -> String {
        formatNumber(r.facilityMegawatts, significant: 3) + (r.gpus == nil ? " (day's mean)" : "")
    }

    /// The summary tables' MW column: a peak, but for the rows marked as a day's mean. Headed
    /// "MW (facility)", a mix's mean had read as a peak beside its parts' peaks.
    static let facilityMWHeader = "peak MW (facility)"

    /// A class's batch, and where its deployment's replica holds several data-parallel engines,
    /// how they split it: "256 (8 engines × 32)". A deployment's `maxBatch` is the replica's, so
    /// 8 one-GPU engines under "maxBatch 256" run 32 sequences each, which "batch 256" had hidden.
    static func batchWords(_ c: ClassResult) -> String {
        c.engines > 1 ? "\(c.effectiveBatch) (\(c.engines) engines × \(c.engineBatch))" : "\(c.effectiveBatch)"
    }

    /// The fleet's GPUs and servers in all, and by type where it has several:
    /// "716 GPUs in 90 nodes (568 × h100-sxm in 71 × dgx-h100, 148 × a100-sxm-80gb in 19 × dgx-a100)".
    static func fleetWords(_ r: FleetResult) -> String {
        let all = "\(formatCount(r.gpus ?? 0, "GPU")) in \(formatCount(r.nodes ?? 0, "node"))", types = r.hardwareTypes
        guard types.count > 1 else { return all }
        return all + " (" + types.map { "\($0.gpus) × \($0.gpu) in \($0.nodes) × \($0.node)" }.joined(separator: ", ") + ")"
    }

    /// The variance shares in words, for one query's Wh: a share below the draws' noise
    /// (`VarianceShare.noiseLevel`) reads "< 2.1 %", not a precise "0 %". Auditors had read the
    /// line as a breakdown of the day's total, whose ranges the day's line gives.
    static func varianceWords(_ r: FleetResult) -> String {
        let noise = VarianceShare.noiseLevel(draws: r.samples.count)
        let floor = "< " + formatPercent(noise, decimals: noise < 0.1 ? 1 : 0)
        // An input of one value explains exactly none: its 0 is no estimate.
        let shares = r.varianceShares.map { "\($0.input) \($0.constant ? "0 %" : $0.share < noise ? floor : formatPercent($0.share, decimals: 0))" }
        let within = r.varianceShares.contains { !$0.constant && $0.share < noise }
            ? "; \(floor): within the noise of \(r.samples.count) draws" : ""
        return "spread of one query's Wh explained by each input alone (first-order variance shares; a class overlaps the lengths it sets; "
            + "not the day's total, whose ranges are given above\(within)): " + shares.joined(separator: ", ")
    }

    /// - Parameter file: the workload file as given, cited where it sets a scenario's PUE.
    public static func text(_ w: Workload, _ results: [FleetResult], file: String = "") -> String {
        var s = ""
        let header = ["scenario", "boundary", "median Wh", "mean Wh", "P5–P95 Wh", "GWh/day", "GPUs", facilityMWHeader]
        let rows = results.map { r in
            [r.name, r.boundary.rawValue, wh(r.whPerQuery.median), wh(r.whPerQuery.mean),
             "\(wh(r.whPerQuery.p5))–\(wh(r.whPerQuery.p95))", formatNumber(r.gwhPerDay, significant: 3),
             r.gpus.map(String.init) ?? "-", facilityMW(r)]
        }
        s += table(header, rows)
        for r in results {
            s += "\n\(r.name): \(r.description)\n"
            s += "  Wh per query at \(r.boundary.rawValue): median \(wh(r.whPerQuery.median)) (IQR \(wh(r.whPerQuery.p25))–\(wh(r.whPerQuery.p75))), mean \(wh(r.whPerQuery.mean)); \(queries(r.queriesPerDay)) queries/day → \(formatNumber(r.gwhPerDay, significant: 3)) GWh/day\(rangeWords(r))\n"
            if let pue = pueStatement(r, w, file: file) { s += "  \(pueWords(r, pue))\n" }
            if r.gpus != nil {
                s += "  fleet: \(fleetWords(r)); \(peakWords(r)); idle capacity \(idleWords(r, unit: "GWh/day"))\n"
                if !r.servers.isEmpty { s += "  deployments: \(serverWords(r))\n" }
            }
            if let latency = scenarioLatencyWords(r) { s += "  latency: \(latency)\n" }
            for c in r.classes {
                let figures = c.draws > 0
                    ? "median \(wh(c.whPerQuery.median)) Wh, mean \(wh(c.whPerQuery.mean)) Wh, \(formatNumber(c.meanOutputTokens, significant: 4)) output tokens"
                    : "no queries"
                s += "  class \(c.name) (\(c.strategyWords), \(ShareWords.whole(c.share))): \(figures), batch \(batchWords(c))"
                    + (classLatencyShown(r) ? classLatencyWords(c).map { ", \($0)" } ?? "" : "") + "\n"
            }
            if !r.medianLedger.isEmpty {
                s += "  median query: " + ledgerLine(r.medianLedger, boundary: r.boundary) + "\n"
            }
            if !r.meanLedger.isEmpty {
                s += "  mean query:   " + ledgerLine(r.meanLedger, boundary: r.boundary) + "\n"
            }
            if !r.varianceShares.isEmpty {
                s += "  \(varianceWords(r))\n"
            }
            for l in r.levers {
                s += "  lever \(l.name): \(formatNumber(l.gwhPerDay, significant: 3)) GWh/day, \(savingWords(l))\(latencyWords(l, base: r))\n"
                if let c = l.caveat { s += "    note: \(c)\n" }
            }
            for n in r.notes { s += "  note: \(n)\n" }
        }
        return s
    }

    /// - Parameter file: the workload file as given, cited where it sets a scenario's PUE.
    public static func markdown(_ w: Workload, _ results: [FleetResult], file: String = "") -> String {
        var s = "# Fleet results\n\n\(w.description)\n\n"
        s += "| scenario | boundary | median Wh | IQR Wh | P5–P95 Wh | mean Wh | GWh/day | GPUs | \(facilityMWHeader) |\n|---|---|---:|---|---|---:|---:|---:|---:|\n"
        for r in results {
            let q = r.whPerQuery
            s += "| \(cell(r.name)) | \(r.boundary.rawValue) | \(wh(q.median)) | \(wh(q.p25))–\(wh(q.p75)) | \(wh(q.p5))–\(wh(q.p95)) | \(wh(q.mean)) | \(formatNumber(r.gwhPerDay, significant: 3)) | \(r.gpus.map(String.init) ?? "–") | \(facilityMW(r)) |\n"
        }
        for r in results { s += "\n" + markdownSection(r, pue: pueStatement(r, w, file: file)) }
        return s
    }

    static func markdownSection(_ r: FleetResult, pue: (value: String, source: String)? = nil) -> String {
        var s = "## \(ReportDocument.oneLine(r.name))\n\n\(r.description)\n\n"
        s += "Mean \(wh(r.whPerQuery.mean)) Wh per query at the \(r.boundary.rawValue) boundary: \(formatNumber(r.gwhPerDay, significant: 3)) GWh/day"
            + rangeWords(r, unit: " GWh/day") + ".\n\n"
        if let pue { s += pueWords(r, pue) + ".\n\n" }
        if r.gpus != nil {
            s += "Fleet: \(fleetWords(r)); \(peakWords(r)); idle provisioned capacity \(idleWords(r, unit: "GWh/day")).\n\n"
        }
        if let latency = scenarioLatencyWords(r) { s += "Latency: \(latency).\n\n" }
        if !r.classes.isEmpty {
            let latency = classLatencyShown(r)
            s += "| class | strategy | share | median Wh | mean Wh | output tokens | batch |" + (latency ? " ITL ms | TTFT ms |" : "")
                + "\n|---|---|---:|---:|---:|---:|---:|" + (latency ? "---:|---:|" : "") + "\n"
            for c in r.classes {
                s += "| \(cell(c.name)) | \(cell(c.strategyWords)) | \(ShareWords.whole(c.share)) | " + classFigures(c).joined(separator: " | ") + " | \(batchWords(c)) |"
                    + (latency ? " " + classLatencyCells(c).joined(separator: " | ") + " |" : "") + "\n"
            }
            s += "\n"
        }
        if !r.meanLedger.isEmpty {
            s += "| ledger item | boundary | median query Wh | mean query Wh |\n|---|---|---:|---:|\n"
            for (m, a) in zip(r.medianLedger, r.meanLedger) {
                s += "| \(cell(m.item)) | \(m.boundary.rawValue) | \(wh(m.energy.wattHours)) | \(wh(a.energy.wattHours)) |\n"
            }
            s += "\n"
        }
        if !r.varianceShares.isEmpty {
            let words = varianceWords(r)
            s += words.prefix(1).uppercased() + words.dropFirst() + ".\n\n"
        }
        if !r.levers.isEmpty {
            s += "| lever | mean Wh | GWh/day | saving | saving across measured error | " + leverChangeHeader.joined(separator: " | ")
                + " | such changes, measured |\n|---|---:|---:|---:|---|---:|---:|---:|---|\n"
            for l in r.levers {
                s += "| \(cell(l.name)) | \(wh(l.meanWhPerQuery)) | \(formatNumber(l.gwhPerDay, significant: 3)) | \(formatPercent(l.saving, decimals: 0)) | "
                    + (l.savingRange.map(signedRange) ?? "–") + " | " + leverChangeCells(l, base: r).joined(separator: " | ") + " | "
                    + cell(rangeBasisCell(l)) + " |\n"
            }
            s += "\n" + caveatLines(r.levers).map { "Upper bound: \($0)\n\n" }.joined()
        }
        for n in r.notes { s += "- \(n)\n" }
        return s
    }

    /// A Markdown table cell: `|` escaped, as the report's tables write it (a scenario named `a|b`
    /// split its row into one cell too many), and a line break as a space (it ended the row).
    static func cell(_ s: String) -> String {
        ReportDocument.oneLine(s.replacingOccurrences(of: "|", with: "\\|"))
    }

    static func table(_ header: [String], _ rows: [[String]]) -> String {
        var widths = header.map(\.count)
        for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
        func line(_ c: [String]) -> String { c.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ") }
        return ([line(header), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")] + rows.map(line)).joined(separator: "\n") + "\n"
    }
}
