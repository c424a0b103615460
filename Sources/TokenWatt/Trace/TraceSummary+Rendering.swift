import Foundation
import KernelPower

extension TraceSummary {
    public func text(deployment d: Deployment, options o: TraceReplay.Options, file: String,
                     range: TraceReplay.TotalRange? = nil) -> String {
        let q = perRequest.statistics
        var s = "TokenWatt trace — \(file) on \(o.replicas) × [\(d.gpuCount) × \(d.gpu.id), \(d.model.id), \(d.precision.rawValue)]\n\n"
        s += "  requests          \(perRequest.count) over \(formatNumber(durationSeconds / 3600, significant: 4)) h (\(inputTokens) input, \(outputTokens) output tokens)\n"
        s += engineLine(deployment: d, options: o)
        s += "  energy            \(formatNumber(totalWh, significant: 5)) Wh at the \(o.boundary.rawValue) boundary\(Self.pueClause(o)) (GPUs while busy: \(formatNumber(gpuWh, significant: 5)) Wh)\n"
        if owedIdleWh > 0 && !owedIdleIsRounding {
            s += "  idle owed         \(formatNumber(owedIdleWh, significant: 3)) Wh of the replicas' idle time had not been charged to a request when the log ended (in the energy above, not in the requests')\n"
        } else if owedIdleWh < 0 && !owedIdleIsRounding {
            s += "  idle owed         the requests were charged \(formatNumber(-owedIdleWh, significant: 3)) Wh of idle ahead of the replicas' idle time when the log ended (taken off the energy above)\n"
        }
        if let r = range {
            s += "  range             \(formatNumber(r.low, significant: 5))–\(formatNumber(r.high, significant: 5)) Wh: "
                + QueryRange.describe(r.band) + (r.caveat.isEmpty ? "" : "; " + r.caveat) + "; host, idle and PUE terms held\n"
        }
        // What the published serving runs say of estimates like it, as estimate says it (the AMD gap).
        for caveat in PublishedServing.servingCaveats(for: d) { s += "  caveat            \(caveat)\n" }
        s += "  per request (Wh)  median \(formatNumber(q.median, significant: 3)), mean \(formatNumber(q.mean, significant: 3)), P5–P95 \(formatNumber(q.p5, significant: 3))–\(formatNumber(q.p95, significant: 3)), IQR \(formatNumber(q.p25, significant: 3))–\(formatNumber(q.p75, significant: 3))\n"
        // A log too short for its idle to even out: the rows' idle is their arrival rate's, and
        // their 18.4 Wh stood under an energy line of 0.0476 Wh with no word of why (two
        // requests logged at one second; `perRequestNote` said it only beside --per-request).
        if abs(owedIdleWh) > 0.001 * abs(totalWh) {
            s += "                    they add up to \(formatNumber(perRequest.sum, significant: 4)) Wh: each holds the idle its arrival rate"
                + " charges it; the energy above holds the replicas' idle time instead (the idle owed is the difference)\n"
        }
        for f in findings(deployment: d, options: o) { s += "  " + f.label.padding(toLength: 18, withPad: " ", startingAt: 0) + f.text + "\n" }
        s += "\nHOURLY PROFILE\n"
        s += FleetRendering.table(["hour", "requests", "Wh", "mean W", "Wh/request", "mean batch", "busy"], hourlyTextRows())
        return s
    }

    /// The engine the log is priced on: its batch ceiling and step budget, which JSON carried and
    /// the text never said (a trace on an A100 runs at 2048 tokens a step, on an H100 at 8192).
    func engineLine(deployment d: Deployment, options o: TraceReplay.Options) -> String {
        let budget = d.framework.isFused ? ", step budget \(o.tokenBudget) tokens (--token-budget, else the engine's default for the GPU)"
            : " (\(d.framework.rawValue) runs no step budget)"
        return "  engine            \(d.framework.rawValue), up to \(o.maxBatch) sequences per replica (--max-batch)\(budget)\n"
    }

    /// The batch the overloaded requests were priced at: the top rung of their ladder, which the
    /// KV cache may hold below `--max-batch`. It had printed --max-batch 64 where the cache held
    /// 13 of the log's long requests.
    func overloadedBatchWords(_ o: TraceReplay.Options) -> String {
        guard let b = overloadedBatch else { return "a batch of \(o.maxBatch)" }
        let top = b.lowerBound == b.upperBound ? "a batch of \(b.upperBound)" : "batches of \(b.lowerBound)–\(b.upperBound) (as the requests' length drifted)"
        return top + (b.upperBound < o.maxBatch ? ", the most the KV cache holds of these requests (--max-batch \(o.maxBatch))" : "")
    }

    /// Arrivals a rate window should hold on average: with fewer, each request sees the rate of
    /// its own burst. The total does not change (`IdleLedger` charges the replicas' idle time
    /// whatever the window), but the batch follows each burst and the idle falls on the requests
    /// that end a quiet stretch, so the per-request spread widens (Azure 2023 code hour on 1,000
    /// replicas: P5–P95 29–427 Wh at 300 s, 0.24–289 Wh at 10 s).
    static let arrivalsPerWindow = 50.0

    /// Says so when `--window-s` is short for this log's arrival rate, and what window would not
    /// be, within the flag's range (`TraceReplay.Options.windowSecondsRange`): a log of 20 rows
    /// 3 days apart was told `--window-s 12960000 or more`, which the flag refuses.
    func windowNote(_ o: TraceReplay.Options) -> String? {
        guard perRequest.count > 1, durationSeconds > 0 else { return nil }
        let rate = Double(perRequest.count - 1) / durationSeconds
        let held = rate * o.windowSeconds
        guard held < Self.arrivalsPerWindow else { return nil }
        let needed = (Self.arrivalsPerWindow / rate).rounded(.up), most = TraceReplay.Options.windowSecondsRange.upperBound
        let advice = needed <= most ? "use --window-s \(formatNumber(needed)) or more for a per-request spread that reflects the load"
            : "--window-s takes at most \(formatNumber(most)) s, which holds \(formatNumber(rate * most, significant: 2)) arrivals at this rate: "
                + "the log is too sparse for any window to give a per-request spread that reflects the load; read its total and hourly profile"
        return "the \(formatNumber(o.windowSeconds)) s rate window holds \(formatNumber(held, significant: 2)) arrivals at this log's mean rate; "
            + "with fewer than \(formatNumber(Self.arrivalsPerWindow)) each request is priced at the rate of its own burst, and the idle "
            + "falls on the requests that end a quiet stretch (the total is the same; \(advice))"
    }

    public static let hourlyHeader = ["hour", "requests", "wh", "mean_watts", "wh_per_request", "mean_batch", "busy_fraction"]
    /// `hourlyHeader`'s columns as the JSON names them.
    static let hourlyKeys = ["hour", "requests", "wh", "meanWatts", "whPerRequest", "meanBatch", "busyFraction"]

    /// The hourly profile as CSV: the JSON's `hourly` cells (`hourlyJSON`), written as the JSON
    /// writes them (six significant digits, integers whole; the CSV had written eight), an hour
    /// with no requests leaving its per-request columns empty where the JSON has null.
    public func hourlyCSV() -> String {
        ([CSVWriter.line(Self.hourlyHeader)] + hourlyCells.map { row in
            CSVWriter.line(row.map { if case let .number(x) = $0 { return formatDataNumber(x) } else { return "" } })
        }).joined(separator: "\n") + "\n"
    }

    /// Each hour's values under `hourlyHeader`, one source for the CSV and the JSON: the JSON gave
    /// 0 for the mean batch and busy fraction of an hour with no requests, the CSV nothing.
    var hourlyCells: [[JSONValue]] {
        hours.enumerated().map { h, x in
            let per = { (v: Double) -> JSONValue in x.requests > 0 ? .num(v / Double(x.requests)) : .null }
            return [.num(Double(h)), .num(Double(x.requests)), .num(wattHours(hour: h)), .optionalNumber(meanWatts(hour: h)),
                    per(wattHours(hour: h)), per(x.batch), per(x.busy)]
        }
    }

    /// The PUE the facility boundary multiplied by, as the energy line states it: a log at the
    /// default boundary printed "5100 Wh at the facility boundary", 3314.8 Wh × 1.54, without the
    /// 1.54 (2026-12-07 probe). Empty at the boundaries that do not use it.
    static func pueClause(_ o: TraceReplay.Options) -> String {
        guard o.boundary == .facility else { return "" }
        return ", PUE \(formatNumber(o.pue))" + (o.pue == LedgerSettings.defaultPUE ? " (the default; --pue X sets another)" : "")
    }

    /// What the replay was run on: the log as named, the deployment and the boundary and PUE (null
    /// at a boundary that does not use it), so that a JSON summary can be rerun (it had none of them).
    public static func inputs(file: String, deployment d: Deployment, options o: TraceReplay.Options) -> JSONValue {
        .obj([
            ("tool", .str(ToolVersion.current)), ("catalogs", ToolVersion.catalogFingerprint.map(JSONValue.str) ?? .null),
            ("log", .str(file)), ("model", .str(d.model.id)), ("gpu", .str(d.gpu.id)), ("gpus", .num(Double(d.gpuCount))),
            ("tp", .num(Double(d.tensorParallel))), ("pp", .num(Double(d.pipelineParallel))), ("ep", .num(Double(d.expertParallel))),
            ("precision", .str(d.precision.rawValue)), ("kvPrecision", .str(d.kvPrecision.rawValue)),
            ("replicas", .num(Double(o.replicas))), ("maxBatch", .num(Double(o.maxBatch))), ("tokenBudget", .num(Double(o.tokenBudget))),
            ("windowSeconds", .num(o.windowSeconds)), ("boundary", .str(o.boundary.rawValue)),
            ("pue", o.boundary == .facility ? .num(o.pue) : .null),
        ])
    }

    /// The summary as JSON; `inputs` (from `inputs(file:deployment:options:)`) goes first when
    /// given. The other keys are a contract: added to, never renamed.
    /// `caveats` are what the published serving runs say of the deployment (`PublishedServing.servingCaveats`).
    public func json(options o: TraceReplay.Options, range: TraceReplay.TotalRange? = nil, inputs: JSONValue? = nil,
                     caveats: [String] = []) -> JSONValue {
        .obj((inputs.map { [("inputs", $0)] } ?? []) + [
            ("requests", .num(Double(perRequest.count))), ("durationSeconds", .num(durationSeconds)), ("boundary", .str(o.boundary.rawValue)),
            ("totalWh", .num(totalWh)), ("gpuWh", .num(gpuWh)), ("owedIdleWh", .num(owedIdleWh)),
            // Null without a measured band (under another calibration), not left out: a reader's keys do not depend on it.
            ("totalWhLow", .optionalNumber(range?.low)), ("totalWhHigh", .optionalNumber(range?.high)),
            ("errorBand", range.map { ErrorBands.value($0.band) } ?? .null),
        ] + [
            ("whPerRequest", FleetRendering.stats(perRequest.statistics)),
            ("inputTokens", .num(Double(inputTokens))), ("outputTokens", .num(Double(outputTokens))), ("overloaded", .num(Double(overloaded))),
            ("overContext", .num(Double(overContext))), ("overKVCache", .num(Double(overKVCache))), ("outOfOrder", .num(Double(outOfOrder))), ("late", .num(Double(late))),
            ("windowNote", windowNote(o).map { .str($0) } ?? .null),
            // The `--hourly` CSV's columns, from the same cells: the per-request ones null in an hour with none.
            ("hourly", .array(hourlyCells.map { cells in .obj(zip(Self.hourlyKeys, cells).map { ($0, $1) }) })),
            // Appended: the band's caveat (null without a band) and the serving caveats the text gives.
            ("errorBandCaveat", range.map { .str($0.caveat) } ?? .null),
            ("caveats", .array(caveats.map(JSONValue.str))),
            // Appended: the implausible gap and a cut profile, which the text says (null when none).
            ("implausibleGap", implausibleGapJSON),
            ("hourlyNote", profileNote.map(JSONValue.str) ?? .null),
        ])
    }
}

extension TraceReplay.Priced {
    /// `wh_low` and `wh_high` are empty under a calibration without a measured error band.
    public static let csvHeader = "index,timestamp_s,input_tokens,output_tokens,batch,busy_fraction,wh_gpu,wh,wh_low,wh_high\n"

    /// One CSV row, formatted without Foundation's formatters (this runs a million times a second):
    /// numbers as the hourly CSV and the JSON write them (`TraceNumbers.csv`), the time in full.
    public func csvRow(index: Int) -> String {
        typealias N = TraceNumbers
        var range = ","
        if let low = whLow, let high = whHigh { range = "\(N.csv(low)),\(N.csv(high))" }
        return "\(index),\(N.csvTime(request.timestamp)),\(request.inputTokens),\(request.outputTokens),\(N.csv(batch)),"
            + "\(N.csv(busyFraction)),\(N.csv(gpuWh)),\(N.csv(wh)),\(range)\n"
    }
}
