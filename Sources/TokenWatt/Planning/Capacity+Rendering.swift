import Foundation
import KernelPower

/// Capacity in words and JSON. Apart from `Capacity.swift` since the worst-case basis, latency
/// columns and targets came (2026-12-07).
extension Capacity {
    /// What the budget is held against, in words (the header and JSON `sizedOn`). It had read
    /// "sized on the provisioned peak … every replica at its busy wall power", which a 2026-12-07
    /// probe took for the most the site draws, where `power` reports a worst case above it.
    public static func sizedOnWords(_ sizing: Sizing) -> String {
        switch sizing {
        case .busy:
            return "sized on the provisioned peak at the mean busy draw (--sizing busy): each class on whole replicas for its busiest hour "
                + "plus headroom, every replica at its mean busy wall power (`power`'s \"while serving\"), × the PUE; the busiest hour draws "
                + "less (its headroom idle), and the same replicas at their worst case (every GPU at its power limit, the host busy: "
                + "`power`'s \"worst case\") draw more, the \"worst-case MW\" column"
        case .worstCase:
            return "sized on the provisioned peak at the worst-case draw (--sizing worst-case): each class on whole replicas for its busiest "
                + "hour plus headroom, every replica at its worst case (every GPU at its power limit, the host busy: `power`'s \"worst case\"), "
                + "× the PUE, the most the power model lets the replicas draw; their servers' rated maximum (boot, fans at full speed, "
                + "transients) is higher, the \"nameplate MW\" column (--sizing nameplate)"
        case .nameplate:
            return "sized on the servers' nameplate (--sizing nameplate): each class on whole replicas for its busiest hour plus headroom, "
                + "their GPUs in whole servers, every server at its rated maximum at the wall (the node catalog's, a DC sum ÷ PSU efficiency), "
                + "× the PUE, which no draw of the servers exceeds"
        }
    }

    /// Why the default basis is the busy draw, and what the other gives: a note under the table.
    /// Sources: Fan, Weber & Barroso, "Power provisioning for a warehouse-sized computer" (ISCA
    /// 2007): achieved aggregate peak 7–16 % below the theoretical over thousands of servers,
    /// almost 40 % over whole datacenters; Patel et al., "POLCA: Power Oversubscription in LLM
    /// Cloud Providers" (arXiv 2308.12908): 30 % more inference servers in a GPU cluster's power,
    /// with power capping as the guard when the draw nears the limit.
    static func basisNote(_ sizing: Sizing) -> String {
        let other = sizing.other
        let why = "a site of many replicas seldom has them all at their worst case at once (Fan, Weber & Barroso, ISCA 2007: the "
            + "achieved aggregate peak of thousands of servers 7–16 % below the sum of theirs; POLCA, arXiv 2308.12908: 30 % more "
            + "LLM-serving machines in a GPU cluster's power, with power capping to guard the feed)"
        switch sizing {
        case .busy:
            return "sizing: the budget is held against the mean busy draw, the default, since \(why); built so, the fleet at its worst case "
                + "draws the \"worst-case MW\", above the budget, which the site's feed must carry or power capping must hold. The "
                + "\"\(other.rawValue)\" columns size the same budget so that even that fits (--sizing \(other.rawValue))"
        case .worstCase:
            return "sizing: the budget is held against the worst-case draw, so no draw the power model gives the fleet exceeds it; its "
                + "servers' rated maximum (\"nameplate MW\") can, which --sizing nameplate holds the budget against. The \"\(other.rawValue)\" "
                + "columns size it on the mean busy draw (the default, --sizing busy), which fits more when \(why)"
        case .nameplate:
            return "sizing: the budget is held against the servers' rated maximum, so no draw of the fleet's servers exceeds it. The "
                + "\"\(other.rawValue)\" columns size it on the mean busy draw (the default, --sizing busy), which fits more when \(why)"
        }
    }

    /// Which PUE a scenario's budget is held at: its `peakPUE`, or the PUE's annual mean, below
    /// a hot hour's, when the peak comes (the budget had been held at the mean with nothing said).
    static func peakPUENote(_ scenario: Scenario) -> String {
        guard let peak = scenario.peakPUE else {
            return "scenario \(scenario.name): the budget is held at the facility at the PUE's annual mean; the hot hours the peak comes on run "
                + "a higher PUE, so the fleet's peak there is higher: set the scenario's peakPUE to hold the budget at it"
        }
        return "scenario \(scenario.name): the budget is held at the facility at its peakPUE \(formatNumber(peak)), the hot hours'; the Wh "
            + "per query at the PUE's annual mean"
    }

    /// The targets in words, and the row that serves the most while meeting them; nil without targets.
    static func targetsNote(_ targets: Targets, rows: [Row]) -> String? {
        guard !targets.isEmpty else { return nil }
        let asked = [targets.itlMs.map { "mean ITL ≤ \(formatNumber($0)) ms (--itl-ms)" },
                     targets.ttftMs.map { "mean TTFT ≤ \(formatNumber($0)) ms (--ttft-ms)" }].compactMap { $0 }.joined(separator: ", ")
        let meeting = rows.filter(\.missedTargets.isEmpty)
        let best = meeting.max { $0.queriesPerDay < $1.queriesPerDay }.map {
            "the most that meets them: \($0.scenario) on \($0.gpu) at \($0.setting), \(FleetRendering.queries(roundedDown($0.queriesPerDay))) queries a day"
        } ?? "no row meets them"
        return "targets: \(asked), judged on each row's fleet's mean and on each class's with traffic, as `fleet` reports them "
            + "(a row meets them only where every class does); a row that misses them is marked "
            + "\"misses …\" in the targets column (JSON missedTargets), not dropped, so what a target costs in traffic shows; "
            + "\(meeting.count) of \(rows.count) rows meet them; \(best)"
    }

    public func text() -> String {
        let other = sizing.other.rawValue
        var s = "TokenWatt capacity — \(formatNumber(budgetMegawatts)) MW at the facility, \(Self.sizedOnWords(sizing))\n\n"
        var header: [String] = ["scenario", "GPU", "cap", "queries/day", "mean QPS", "peak QPS", "GPUs", "Wh/query (mean)", "ITL ms", "TTFT ms"]
        header += ["busy MW", "worst-case MW", "\(other): queries/day", "\(other): GPUs"]
        if !targets.isEmpty { header.append("targets") }
        // Appended after every column there was, so a reader of the columns by place still reads them.
        header += ["busy MW at band", "queries/day at band high", "± sampling: queries/day", "± sampling: GPUs", "nameplate MW"]
        s += FleetRendering.table(header, rows.map(cells))
        s += "note: \(Self.basisNote(sizing))\n"
        if let note = Self.bandNote(rows, sizing: sizing, budgetMegawatts: budgetMegawatts) { s += "note: \(note)\n" }
        if let note = Self.samplingNote(rows) { s += "note: \(note)\n" }
        for n in notes { s += "note: \(n)\n" }
        for k in skipped { s += "note: scenario '\(k.scenario)' is not sized: it is \(k.reason)\n" }
        return s
    }

    /// One row of the text table, in the header's order.
    func cells(_ r: Row) -> [String] {
        let queries = FleetRendering.queries(Self.roundedDown(r.queriesPerDay))
        let wh = "\(formatNumber(r.whPerQuery, significant: 3)) (\(r.boundary.rawValue))"
        let itl: String = r.itlMs.map { formatNumber($0, significant: 3) } ?? "-"
        let ttft: String = r.ttftMs.map { formatNumber($0, significant: 3) } ?? "-"
        let otherQueries: String = r.otherSizing.map { FleetRendering.queries(Self.roundedDown($0.queriesPerDay)) } ?? "-"
        let otherGPUs: String = r.otherSizing.map { String($0.gpus) } ?? "-"
        var out: [String] = [r.scenario, r.gpu, r.setting, queries, formatNumber(r.averageQPS, significant: 4), formatNumber(r.peakQPS, significant: 4)]
        out += [String(r.gpus), wh, itl, ttft, formatNumber(r.busyFacilityMegawatts, significant: 3)]
        out += [formatNumber(r.worstCaseFacilityMegawatts, significant: 3), otherQueries, otherGPUs]
        if !targets.isEmpty { out.append(r.missedTargets.isEmpty ? "meets" : "misses " + r.missedTargets.joined(separator: ", ")) }
        out.append(r.band.map { "\(formatNumber($0.busyFacilityMegawattsLow, significant: 3))–\(formatNumber($0.busyFacilityMegawattsHigh, significant: 3))"
            + ($0.highAtWorstCase ? " (worst case)" : "") } ?? "-")
        out.append(r.band?.queriesPerDayAtHigh.map { FleetRendering.queries(Self.roundedDown($0)) } ?? "-")
        out.append(r.queriesSamplingHalfWidth.map { "±" + formatPercent($0, decimals: 1) } ?? "-")
        out.append(r.gpusSamplingHalfWidth.map { "±" + formatPercent($0, decimals: 2) } ?? "-")
        out.append(formatNumber(r.nameplateFacilityMegawatts, significant: 3))
        return out
    }

    /// What the band columns are, with each band the rows were run at; nil when no row has one.
    /// The rows are sized at the estimate; a fleet built to one draws what its GPUs draw.
    static func bandNote(_ rows: [Row], sizing: Sizing, budgetMegawatts: Double) -> String? {
        let banded = rows.filter { $0.band != nil }
        guard !banded.isEmpty else { return nil }
        var bands: [String] = []
        for r in banded {
            guard let b = r.band?.band else { continue }
            let whose = b.gpu == "forecast" ? "the forecast pool (\(r.gpu))" : b.gpu == r.gpu ? b.gpu : "\(b.gpu)'s band (\(r.gpu))"
            let words = "\(whose) × \(QueryRange.ratio(b.ratioLow))–\(QueryRange.ratio(b.ratioHigh))"
            if !bands.contains(words) { bands.append(words) }
        }
        let worst = banded.contains { $0.band?.highAtWorstCase == true }
            ? "; \"(worst case)\" marks a high end held at the replicas' worst case: their GPUs would draw past their limits, so they run at "
                + "them and serve fewer queries than the row's" : ""
        // Where a replica runs at its limit, the queries it fills the budget with are fewer on every basis.
        let throttled = worst.isEmpty ? "" : " (a replica held at its worst case serving its limit ÷ its draw of the queries, so the traffic "
            + "needs more replicas, each at that limit; the servers' nameplate does not fall with them)"
        let over = banded.filter { ($0.band?.busyFacilityMegawattsHigh ?? 0) > budgetMegawatts * (1 + 1e-9) }.count
        return "estimator error: each row is sized at the estimate; \"busy MW at band\" is the row's fleet (its replicas and traffic) "
            + "at its mean busy draw with every query's GPU energy at the ends of the error band its GPU takes, measured on it or on the GPUs named (\(bands.joined(separator: ", ")); "
            + "measured ÷ estimated GPU energy per output token over tokenwatt validate's runs, as `estimate`'s range and `fleet`'s GWh "
            + "range take it; host power, idle replicas and PUE as drawn)\(worst), and \"queries/day at band high\" is what \(formatNumber(budgetMegawatts)) MW "
            + "fills on the \(sizing.words) with the GPU energy at the band's high end\(throttled). "
            + "\(over) of \(banded.count) row\(banded.count == 1 ? "" : "s") would draw more than the budget at the high end"
            + (rows.count > banded.count ? "; a row with \"-\" has no band (another calibration, or GPUs with different bands)" : "")
    }

    /// The sampling error of queries a day and GPUs, from the rows' draws; nil when no row has one.
    static func samplingNote(_ rows: [Row]) -> String? {
        guard rows.contains(where: { $0.queriesSamplingHalfWidth != nil || $0.gpusSamplingHalfWidth != nil }) else { return nil }
        return "\"± sampling\" is each row's sampling error from its draws alone (95 % interval): for the queries a day, the fleet's for its "
            + "mean Wh per query (stratified by class), which the traffic a budget fills moves with as the budget over a query's mean energy; "
            + "for the GPUs, by batch means (the row sized again on \(samplingBatches) fresh seeds, each with 1/\(samplingBatches) of the draws), "
            + "as they move far less: they are the budget over the busy draw per GPU, and a query's energy and occupancy move together "
            + "(\"-\": a batch would give a class fewer than \(FleetRunner.minimumClassDraws) draws); --seed N re-draws a row, --samples N tightens it"
    }

    public func json() -> JSONValue {
        .obj([("budgetMegawatts", .num(budgetMegawatts)), ("sizing", .str(sizing.rawValue)), ("sizedOn", .str(Self.sizedOnWords(sizing))),
              ("targets", .obj([("itlMs", .optionalNumber(targets.itlMs)), ("ttftMs", .optionalNumber(targets.ttftMs))])),
              ("rows", .array(rows.map(rowJSON))),
              ("failures", .array(failures.map { .obj([("candidate", .str($0.candidate)), ("reason", .str($0.reason))]) })),
              ("notes", .array(([Self.basisNote(sizing)] + notes + [Self.bandNote(rows, sizing: sizing, budgetMegawatts: budgetMegawatts),
                                                                   Self.samplingNote(rows)].compactMap { $0 }).map(JSONValue.str))),
              ("skipped", .array(skipped.map { .obj([("scenario", .str($0.scenario)), ("reason", .str($0.reason))]) }))])
    }

    /// One row in JSON, its keys as `fleet --format json` names the same figures.
    func rowJSON(_ r: Row) -> JSONValue {
        let meets: JSONValue = targets.isEmpty ? .null : .bool(r.missedTargets.isEmpty)
        var fields: [(String, JSONValue)] = [("scenario", .str(r.scenario)), ("gpu", .str(r.gpu)), ("powerCapWatts", .optionalNumber(r.powerCapWatts)),
                                             ("smClockMHz", .optionalNumber(r.smClockMHz)), ("setting", .str(r.setting))]
        fields += [("queriesPerDay", .num(r.queriesPerDay)), ("averageQPS", .num(r.averageQPS)), ("peakQPS", .num(r.peakQPS)),
                   ("gpus", .num(Double(r.gpus))), ("whPerQuery", .num(r.whPerQuery)), ("boundary", .str(r.boundary.rawValue))]
        fields += [("interTokenLatencyMs", .optionalNumber(r.itlMs)), ("timeToFirstTokenMs", .optionalNumber(r.ttftMs)),
                   ("busyFacilityMegawatts", .num(r.busyFacilityMegawatts)), ("worstCaseFacilityMegawatts", .num(r.worstCaseFacilityMegawatts))]
        // Flat keys: a nested "queriesPerDay" was the first a reader matching the row's met.
        fields += [("otherSizing", .str(sizing.other.rawValue)), ("otherSizingQueriesPerDay", .optionalNumber(r.otherSizing?.queriesPerDay)),
                   ("otherSizingGPUs", .optionalNumber(r.otherSizing.map { Double($0.gpus) }))]
        fields += [("meetsTargets", meets), ("missedTargets", .array(r.missedTargets.map(JSONValue.str)))]
        // The estimator's error band and the sampling error, after every key there was.
        fields += [("estimatorBand", r.band.map { .str($0.band.gpu) } ?? .null), ("bandRatioLow", .optionalNumber(r.band?.band.ratioLow)),
                   ("bandRatioHigh", .optionalNumber(r.band?.band.ratioHigh)),
                   ("busyFacilityMegawattsLow", .optionalNumber(r.band?.busyFacilityMegawattsLow)),
                   ("busyFacilityMegawattsHigh", .optionalNumber(r.band?.busyFacilityMegawattsHigh)),
                   ("bandHighAtWorstCase", r.band.map { .bool($0.highAtWorstCase) } ?? .null),
                   ("queriesPerDayAtBandHigh", .optionalNumber(r.band?.queriesPerDayAtHigh))]
        // Shares of the row's figure, as `fleet`'s meanSamplingHalfWidth is.
        fields += [("queriesPerDaySamplingHalfWidth", .optionalNumber(r.queriesSamplingHalfWidth)),
                   ("gpusSamplingHalfWidth", .optionalNumber(r.gpusSamplingHalfWidth))]
        // The servers at their rated maximum, after every key there was.
        fields += [("nameplateFacilityMegawatts", .num(r.nameplateFacilityMegawatts))]
        return .obj(fields)
    }
}
