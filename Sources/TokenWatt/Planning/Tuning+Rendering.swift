import Foundation
import KernelPower

/// Renderings of a `Tuning`: a text table with the chosen settings, CSV and an SVG.
extension Tuning {
    public static func label(_ p: Point) -> String {
        switch p.knob {
        case .none: return "default (TDP, boost clock)"
        case .powerCap: return "cap \(formatNumber(p.value, significant: 4)) W"
        case .clock: return "clock \(formatNumber(p.value, significant: 4)) MHz"
        }
    }

    /// Where an energy figure is counted, in words ("at the facility").
    static func place(_ b: Boundary) -> String {
        switch b {
        case .gpu: return "at the GPUs"
        case .node: return "at the nodes"
        case .it: return "at the IT boundary"
        case .facility: return "at the facility"
        }
    }

    /// `prefill_j`, `decode_j` and `query_wh_gpu` are at the GPUs; `wh_per_query` and the phases'
    /// `_at_boundary` columns at `boundary`, the figures the best settings minimise.
    public static let csvHeader = ["knob", "value", "ttft_ms", "itl_ms", "prefill_j", "decode_j", "query_wh_gpu", "gpu_w", "meets_targets",
                                   "boundary", "prefill_j_at_boundary", "decode_j_at_boundary", "wh_per_query", "itl_median_ms", "itl_p90_ms",
                                   "precision", "kv_precision"]

    public func csv() -> String {
        ([CSVWriter.line(Self.csvHeader)] + points.map { p in
            // Six significant digits, as `estimate` and `sweep` write (the times and energies had 5, watts 4).
            // The default row has no value (its JSON is null for both knobs): it printed 0, a 0 W cap.
            CSVWriter.line([p.knob.rawValue, p.knob == .none ? "" : formatNumber(p.value), formatNumber(p.ttftMs), p.itlMs.map { formatNumber($0) } ?? "",
                            formatNumber(p.prefillJoules), formatNumber(p.decodeJoules),
                            formatNumber(p.queryJoules / 3600), formatNumber(p.gpuWatts),
                            meets(p, prefill: true, decode: true) ? "yes" : "no", boundary.rawValue,
                            formatNumber(p.joules(.prefill, at: boundary)), formatNumber(p.joules(.decode, at: boundary)),
                            formatNumber(p.whPerQuery[boundary] ?? 0),
                            p.medianITLMs.map { formatNumber($0) } ?? "", p.p90ITLMs.map { formatNumber($0) } ?? "",
                            precision.rawValue, kvPrecision.rawValue])
        }).joined(separator: "\n") + "\n"
    }

    public func text() -> String {
        let batch = effectiveBatch == serving.batch ? "batch \(serving.batch)" : "batch \(effectiveBatch) (requested \(serving.batch))"
        var s = "TokenWatt tune — \(modelID) on \(gpuCount) × \(gpuID), \(precisionWords), \(batch), \(serving.inputTokens) + \(serving.outputTokens) tokens\n"
        for note in notes { s += "note: \(note)\n" }
        s += "targets: TTFT \(targets.ttftMs.map { "≤ \(formatNumber($0)) ms" } ?? "none"), ITL \(targets.itlMs.map { "≤ \(formatNumber($0)) ms" } ?? "none")"
            + (targets.itlMs == nil ? "" : ", judged on the \(targets.itlStatistic.words)") + "\n"
        let scope = boundary == .facility ? "PUE \(formatNumber(pue))" : boundary.summary
        s += "boundary: \(boundary.rawValue) (\(scope)), where the best settings below are chosen; prefill J and decode J at the GPUs\n\n"
        s += table() + "\n" + picks()
        if let c = clockAccuracy {
            s += "\nhow well such changes are predicted (pairs of measured runs in \(c.campaign), forward passes at locked clocks): "
                + FleetRendering.accuracyWords(c) + "; power caps have no measured pairs\n"
        }
        return s
    }

    /// One row per setting: latency, GPU energy per phase, watts, Wh per query at the GPUs and at the boundary.
    func table() -> String {
        let wide = boundary != .gpu
        // An ITL target judged on the median or p90 shows that statistic beside the mean.
        let stat = targets.itlStatistic, judged = stat != .mean
        let rows = points.map { p -> [String] in
            var row = [Tuning.label(p), formatNumber(p.ttftMs, significant: 4), Self.itlWords(p.itlMs)]
            if judged { row.append(Self.itlWords(p.itlMs(stat))) }
            row += [formatNumber(p.prefillJoules, significant: 4), formatNumber(p.decodeJoules, significant: 4),
                    formatNumber(p.gpuWatts, significant: 4), formatNumber(p.queryJoules / 3600, significant: 4)]
            if wide { row.append(formatNumber(p.whPerQuery[boundary] ?? 0, significant: 4)) }
            return row + [meets(p, prefill: true, decode: true) ? "yes" : "no"]
        }
        var header = ["setting", "TTFT ms", "ITL ms"]
        if judged { header.append("ITL \(stat.rawValue) ms") }
        header += ["prefill J", "decode J", "W/GPU", "Wh GPU"] + (wide ? ["Wh \(boundary.rawValue)"] : []) + ["meets"]
        return FleetRendering.table(header, rows)
    }

    /// The best setting for each phase at the boundary, and the GPUs' own best where it differs.
    func picks() -> String {
        let b = baseline, at = Self.place(boundary)
        func saving(_ x: Double, _ y: Double) -> String { y > 0 ? formatPercent(1 - x / y, decimals: 1) : "–" }
        var s = ""
        if let p = bestPrefill {
            let j = p.joules(.prefill, at: boundary)
            s += "prefill: \(Tuning.label(p)) — \(formatNumber(j, significant: 4)) J per query \(at) (saves \(saving(j, b.joules(.prefill, at: boundary)))), TTFT \(formatNumber(p.ttftMs, significant: 4)) ms (was \(formatNumber(b.ttftMs, significant: 4)))\n"
            s += pickNotes(.prefill, p).map { "         note: \($0)\n" }.joined()
            s += gpuPickNote(.prefill, chosen: p)
        } else { s += "prefill: no setting meets the TTFT target\n" }
        if let p = bestDecode {
            let j = p.joules(.decode, at: boundary)
            s += "decode:  \(Tuning.label(p)) — \(formatNumber(j, significant: 4)) J per query \(at) (saves \(saving(j, b.joules(.decode, at: boundary)))), \(Self.itlChange(p, from: b, targets.itlStatistic))\n"
            s += pickNotes(.decode, p).map { "         note: \($0)\n" }.joined()
            s += gpuPickNote(.decode, chosen: p)
        } else { s += "decode:  no setting meets the ITL target\n" }
        if let split = phaseSplitNote { s += "note: \(split)\n" }
        if let p = bestQuery {
            let wh = p.whPerQuery[boundary] ?? 0
            s += "one setting for both: \(Tuning.label(p)) — \(formatNumber(wh, significant: 4)) Wh per query \(at) (saves \(saving(wh, b.whPerQuery[boundary] ?? 0)))\n"
            s += pickNotes(.query, p).map { "         note: \($0)\n" }.joined()
            s += gpuPickNote(.query, chosen: p)
        } else { s += "one setting for both: none meets both targets\n" }
        return s
    }

    /// Where a phase's pick, judged on its own phase's target, misses the other phase's target
    /// when it runs the whole query, by how much. A 2026-12-07 probe read "prefill: cap 427.3 W …
    /// saves 16.0 %" for Llama-3.3-70B on 4 × H200 with targets ITL ≤ 30 ms and TTFT ≤ 120 ms,
    /// while at that cap the mean ITL is 30.66 ms (the JSON's `meetsTargets` false) and nothing
    /// in the text said so.
    func missNote(_ p: Point, chosenFor phase: Phase) -> String? {
        guard phase != .query, !meets(p, for: .query) else { return nil }
        let setting = Tuning.label(p)
        if phase == .prefill, let limit = targets.itlMs, let x = p.itlMs(targets.itlStatistic), x > limit {
            return "run for the whole query, \(setting) misses the ITL target: \(targets.itlStatistic.words) \(formatNumber(x, significant: 4)) ms, "
                + "\(formatNumber(x - limit, significant: 3)) ms (\(formatPercent(x / limit - 1, decimals: 1))) over \(formatNumber(limit)) ms; "
                + "it meets the targets only on prefill run apart from decode"
        }
        if phase == .decode, let limit = targets.ttftMs, p.ttftMs > limit {
            return "run for the whole query, \(setting) misses the TTFT target: \(formatNumber(p.ttftMs, significant: 4)) ms, "
                + "\(formatNumber(p.ttftMs - limit, significant: 3)) ms (\(formatPercent(p.ttftMs / limit - 1, decimals: 1))) over \(formatNumber(limit)) ms; "
                + "it meets the targets only on decode run apart from prefill"
        }
        return nil
    }

    /// Where the prefill and decode picks differ, what running them apart takes: in a colocated
    /// deployment (vLLM's default, prompt chunks batched into the decode steps) every step carries
    /// both phases and one setting holds for both, so the phase picks need disaggregated prefill
    /// and decode on separate GPUs, or a cap or clock switched at every phase change.
    var phaseSplitNote: String? {
        guard let p = bestPrefill, let d = bestDecode, Tuning.label(p) != Tuning.label(d) else { return nil }
        return "the prefill and decode settings differ, and a colocated deployment (vLLM's default: prompt chunks run inside the decode steps) "
            + "runs one setting for both phases; setting each phase apart needs disaggregated prefill and decode on separate GPUs, or a cap "
            + "or clock switched at every phase change. "
            + (bestQuery != nil ? "Colocated, use the setting for both below" : "Colocated, no one setting meets both targets (below)")
    }

    /// Where the least GPU energy is another setting than the least at the boundary, what that
    /// setting saves at the GPUs and costs at the boundary (the host draws over its longer steps).
    func gpuPickNote(_ phase: Phase, chosen: Point) -> String {
        guard boundary != .gpu, let g = best(phase, at: .gpu), g != chosen else { return "" }
        let b = baseline
        let unit = phase == .query ? "Wh" : "J", scale = phase == .query ? 1.0 / 3600 : 1
        func figure(_ p: Point, _ at: Boundary) -> String { formatNumber(p.joules(phase, at: at) * scale, significant: 4) + " \(unit)" }
        func change(_ p: Point, _ at: Boundary) -> String {
            let x = p.joules(phase, at: at), y = b.joules(phase, at: at)
            return y > 0 ? FleetRendering.signedPercent(x / y - 1) : "–"
        }
        return "         at the GPUs alone the least is \(Tuning.label(g)) (\(figure(g, .gpu)), \(change(g, .gpu)) against the default), "
            + "but \(Self.place(boundary)) it costs \(figure(g, boundary)) (\(change(g, boundary))), more than \(Tuning.label(chosen)): "
            + "the host keeps drawing over its longer steps\n"
    }

    /// The run's settings, every row and the chosen settings, keys in `estimate`'s style (units in
    /// the names; `whPerQuery` by boundary): the CSV dropped the chosen settings, and tools scraped the text.
    public func json() -> JSONValue {
        func opt(_ x: Double?) -> JSONValue { x.map(JSONValue.num) ?? .null }
        func picks(_ at: Boundary) -> [(String, JSONValue)] {
            Phase.allCases.map { phase in ("best" + phase.rawValue.prefix(1).uppercased() + phase.rawValue.dropFirst(), best(phase, at: at).map(json) ?? .null) }
        }
        return .obj([
            ("model", .str(modelID)), ("gpu", .str(gpuID)), ("gpus", .num(Double(gpuCount))),
            ("tensorParallel", .num(Double(parallelism.tensor))), ("pipelineParallel", .num(Double(parallelism.pipeline))),
            ("expertParallel", .num(Double(parallelism.expert))),
            ("precision", .str(precision.rawValue)), ("kvPrecision", .str(kvPrecision.rawValue)),
            ("inputTokens", .num(Double(serving.inputTokens))), ("outputTokens", .num(Double(serving.outputTokens))),
            ("requestedBatch", .num(Double(serving.batch))), ("effectiveBatch", .num(Double(effectiveBatch))),
            ("boundary", .str(boundary.rawValue)), ("pue", .num(pue)),
            ("targets", .obj([("timeToFirstTokenMs", opt(targets.ttftMs)), ("interTokenLatencyMs", opt(targets.itlMs)),
                              ("interTokenLatencyStatistic", .str(targets.itlStatistic.rawValue))])),
            ("points", .array(points.map(json))),
        ] + picks(boundary) + [
            ("atGPUs", .obj(picks(.gpu))),
            ("notes", .array(notes.map(JSONValue.str))),
            // What the text says of the picks: a decode saving read as an upper bound, a clock below
            // those measured, a phase's pick that misses the other phase's target, and that
            // different picks per phase need prefill and decode run apart.
            ("pickNotes", .array(pickNotes.map(JSONValue.str))),
        ])
    }

    /// The notes on the picks (`pickNotes(_:_:)`, `phaseSplitNote`), in the text's order. The
    /// decode pick's upper-bound caveat had been printed in the text alone: the JSON's `notes`
    /// and `pickNotes` left it out (a 2026-12-07 probe).
    var pickNotes: [String] {
        let prefill = bestPrefill.map { pickNotes(.prefill, $0) } ?? [], decode = bestDecode.map { pickNotes(.decode, $0) } ?? []
        return prefill + decode + [phaseSplitNote].compactMap { $0 } + (bestQuery.map { pickNotes(.query, $0) } ?? [])
    }

    /// What qualifies `p`, picked for `phase`: a decode saving beyond the largest measured, an
    /// upper bound (`DecodeClockCaveat`; decode's pick and the one setting for both, which runs
    /// decode too), a clock below those measured (`ClockRangeCaveat`), and a phase's pick that
    /// misses the other phase's target (`missNote`). The one setting for both leaves out what the
    /// phase picks above it said already: it is often decode's pick, whose caveat had printed twice.
    func pickNotes(_ phase: Phase, _ p: Point) -> [String] {
        let decode = phase == .prefill ? nil
            : DecodeClockCaveat.note(decodeJoules: p.decodeJoules, defaultJoules: baseline.decodeJoules, hbmJoulesPerByte: hbmJoulesPerByte)
        let notes = [decode, p.clockRangeNote, missNote(p, chosenFor: phase)].compactMap { $0 }
        guard phase == .query else { return notes }
        let said = (bestPrefill.map { pickNotes(.prefill, $0) } ?? []) + (bestDecode.map { pickNotes(.decode, $0) } ?? [])
        return notes.filter { !said.contains($0) }
    }

    /// A table cell of ITL ms: a dash for a one-token answer, as `estimate`'s receipt writes it.
    static func itlWords(_ ms: Double?) -> String { ms.map { formatNumber($0, significant: 4) } ?? "–" }

    /// The decode pick's latency against the default's, or that a one-token answer has none; with
    /// the statistic an ITL target is judged on where it is not the mean.
    static func itlChange(_ p: Point, from b: Point, _ stat: ITLStatistic = .mean) -> String {
        guard let ms = p.itlMs, let was = b.itlMs else { return "no ITL (\(ServingRequest.noIntervalWords))" }
        let judged = stat == .mean ? "" : p.itlMs(stat).map { x in
            ", \(stat.rawValue) \(formatNumber(x, significant: 4)) ms (was \(b.itlMs(stat).map { formatNumber($0, significant: 4) } ?? "–"))"
        } ?? ""
        return "ITL \(formatNumber(ms, significant: 4)) ms (was \(formatNumber(was, significant: 4)))" + judged
    }

    /// One setting: its knob and value (`powerCapWatts` or `smClockMHz`, null for the other), its
    /// latencies, GPU energy per phase, Wh per query at every boundary and the phases at the boundary.
    func json(_ p: Point) -> JSONValue {
        .obj([
            ("knob", .str(p.knob.rawValue)),
            ("powerCapWatts", p.knob == .powerCap ? .num(p.value) : .null), ("smClockMHz", p.knob == .clock ? .num(p.value) : .null),
            ("timeToFirstTokenMs", .num(p.ttftMs)), ("interTokenLatencyMs", .optionalNumber(p.itlMs)),
            ("medianInterTokenLatencyMs", .optionalNumber(p.medianITLMs)), ("p90InterTokenLatencyMs", .optionalNumber(p.p90ITLMs)),
            ("prefillJoules", .num(p.prefillJoules)), ("decodeJoules", .num(p.decodeJoules)), ("gpuPowerWatts", .num(p.gpuWatts)),
            ("whPerQuery", .obj(Boundary.allCases.map { ($0.rawValue, .num(p.whPerQuery[$0] ?? 0)) })),
            ("prefillJoulesAtBoundary", .num(p.joules(.prefill, at: boundary))), ("decodeJoulesAtBoundary", .num(p.joules(.decode, at: boundary))),
            // Each phase's pick is judged on its own target: a prefill pick may miss the ITL target.
            ("meetsTargets", .bool(meets(p, for: .query))), ("meetsTimeToFirstToken", .bool(meets(p, for: .prefill))),
            ("meetsInterTokenLatency", .bool(meets(p, for: .decode))),
        ])
    }

    /// Energy at the boundary against latency for each phase, caps and clocks as two series, side by side.
    public func svg() -> String {
        func chart(_ title: String, _ x: String, _ y: String, _ px: (Point) -> Double?, _ py: (Point) -> Double) -> String {
            var c = SVGChart(title: title, xTitle: x, yTitle: y)
            for knob in [Knob.powerCap, .clock] {
                let drawn = points.filter { $0.knob == knob }.compactMap { p in px(p).map { ($0, py(p)) } }
                c.series.append(SVGChart.Series(name: knob.rawValue, points: drawn, style: .markers))
            }
            return c.render()
        }
        let at = Self.place(boundary)
        let left = chart("Prefill: energy against time to first token", "TTFT, ms", "prefill energy per query \(at), J",
                         { $0.ttftMs }, { $0.joules(.prefill, at: self.boundary) })
        // A one-token answer has no ITL, so its decode chart has no points to draw; its title says why.
        let decodeTitle = serving.hasInterTokenInterval ? "Decode: energy against inter-token latency"
            : "Decode: nothing to draw (\(ServingRequest.noIntervalWords))"
        let right = chart(decodeTitle, "ITL, ms", "decode energy per query \(at), J",
                          { $0.itlMs }, { $0.joules(.decode, at: self.boundary) })
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 1280 460\" width=\"1280\" height=\"460\">\n"
            + left.replacingOccurrences(of: "<svg xmlns=\"http://www.w3.org/2000/svg\" ", with: "<svg x=\"0\" ")
            + right.replacingOccurrences(of: "<svg xmlns=\"http://www.w3.org/2000/svg\" ", with: "<svg x=\"640\" ") + "</svg>\n"
    }
}
