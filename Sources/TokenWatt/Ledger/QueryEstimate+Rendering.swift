import KernelPower

/// Renderings of a `QueryEstimate`: a receipt (text), JSON, CSV and Markdown.
extension QueryEstimate {
    public func json() -> JSONValue {
        let s = serving
        func phase(_ p: PhaseCost) -> JSONValue {
            .obj([("seconds", .num(p.time.seconds)), ("joules", .num(p.energy.joules)), ("gpuPowerWatts", .num(p.gpuPower.watts))])
        }
        // What printed it first, as fleet's JSON: it named no version or catalogs (2026-12-07 probe).
        return .obj(ToolVersion.jsonFields + [
            ("method", .str("kernel")),
            ("model", .str(deployment.model.id)), ("gpu", .str(deployment.gpu.id)), ("gpus", .num(Double(deployment.gpuCount))),
            ("tensorParallel", .num(Double(deployment.tensorParallel))), ("expertParallel", .num(Double(deployment.expertParallel))),
            ("pipelineParallel", .num(Double(deployment.pipelineParallel))),
            ("framework", .str(deployment.framework.rawValue)), ("sampling", .str(deployment.sampling.rawValue)),
            ("boundary", .str(boundary.rawValue)), ("wh", .num(ledger.total(at: boundary).wattHours)),
            ("whPerQuery", .obj(Boundary.allCases.map { ($0.rawValue, .num(ledger.total(at: $0).wattHours)) })),
            ("ledger", .array(ledger.items.map { .obj([("item", .str($0.item)), ("boundary", .str($0.boundary.rawValue)),
                                                         ("wattHours", .num($0.energy.wattHours)), ("basis", .str($0.basis))]) })),
            ("prefill", phase(s.prefill)), ("decode", phase(s.decode)),
            ("outputTokensPerSecond", .num(s.outputTokensPerSecond)),
            ("joulesPerOutputToken", .num(s.energyPerOutputToken.joules)),
            ("interTokenLatencyMs", .optionalNumber(interTokenMilliseconds(s.interTokenLatency))),
            ("medianInterTokenLatencyMs", .optionalNumber(interTokenMilliseconds(s.medianInterTokenLatency))),
            ("p90InterTokenLatencyMs", .optionalNumber(interTokenMilliseconds(s.p90InterTokenLatency))),
            ("timeToFirstTokenMs", .num(s.timeToFirstToken.milliseconds)),
            ("stepTimeMs", .num(s.stepTime.milliseconds)),
            // nodePowerWatts is the deployment's wall power (its GPUs with the nodes' share), not
            // one node's; the key keeps its name for the readers of it (`QueryLedger.nodePower`).
            ("gpuPowerWatts", .num(s.gpuPower.watts)), ("nodePowerWatts", .num(ledger.nodePower.watts)),
            ("effectiveBatch", .num(Double(s.effectiveBatch))), ("requestedBatch", .num(Double(s.requestedBatch))),
            ("engines", .num(Double(deployment.attentionRanks))),
            ("sequencesPerEngine", .num(Double(s.effectiveBatch / deployment.attentionRanks))),
            ("maxBatch", .num(Double(s.maxBatch))), ("busyFraction", .num(ledger.busyFraction)), ("pue", .num(ledger.pue)),
            ("batchLimit", .str(s.batchLimit.rawValue)),
            ("prefillShare", .num(s.prefillShare)), ("powerLimited", .bool(s.powerLimited)),
        ] + promptChunkingJSON + atLoadJSON + rangeJSON + [
            ("settings", settingsJSON),
            ("assumptions", .array(assumptions.map(JSONValue.str))),
        ])
    }

    /// What the estimate was made with: the request's lengths, step budget and memory fraction,
    /// and the layout and levers `estimate --format csv` writes (`LayoutColumns`), with its values.
    var settingsJSON: JSONValue {
        Self.settingsJSON(deployment, request: request, requestedBatch: serving.requestedBatch, reference: nil)
    }

    /// `settings` for either method: the surface's reference request (null for the kernel method,
    /// which prices the request itself) beside the same keys.
    static func settingsJSON(_ d: Deployment, request: ServingRequest, requestedBatch: Int, reference: (input: Int, output: Int)?) -> JSONValue {
        .obj([("inputTokens", .num(Double(request.inputTokens))), ("outputTokens", .num(Double(request.outputTokens)))]
            + LayoutColumns.json(d, requestedBatch: requestedBatch)
            + [("sampling", .str(d.sampling.rawValue)), ("tokenBudget", .num(Double(request.tokenBudget))),
               ("memoryUtilization", .num(request.memoryUtilization)),
               ("referenceInputTokens", .optionalNumber(reference.map { Double($0.input) })),
               ("referenceOutputTokens", .optionalNumber(reference.map { Double($0.output) }))])
    }

    /// A query's inter-token latency in ms, nil for a one-token answer: its token comes from the
    /// step that ends its prompt, and no interval follows (the step time is still `stepTimeMs`).
    func interTokenMilliseconds(_ t: Time) -> Double? {
        request.hasInterTokenInterval ? t.milliseconds : nil
    }

    /// The decode line's latency words: ITL with its median and p90, or a dash for one token.
    var interTokenReceipt: String {
        let s = serving
        guard request.hasInterTokenInterval else { return "ITL – (\(ServingRequest.noIntervalWords))" }
        return "ITL \(formatFixed(s.interTokenLatency.milliseconds, decimals: 2)) ms (median \(formatFixed(s.medianInterTokenLatency.milliseconds, decimals: 2)), "
            + "p90 \(formatFixed(s.p90InterTokenLatency.milliseconds, decimals: 2)))"
    }

    /// How continuous batching carries the prompts (null for a static batch: the key is always
    /// there, as `interTokenLatencyMs` is, so a reader's keys do not depend on the framework).
    var promptChunkingJSON: [(String, JSONValue)] {
        guard let c = serving.promptChunking else { return [("promptChunking", .null)] }
        return [("promptChunking", .obj([("requestsStartingPerStep", .num(c.startsPerStep)),
                                         ("chunksPerStep", .num(c.chunksPerStep)),
                                         ("chunkTokens", .num(Double(c.chunkTokens)))]))]
    }

    /// Under a load, the batch a continuous-batching engine holds there and a query's cost at it
    /// (null without `--load`).
    var atLoadJSON: [(String, JSONValue)] {
        guard let a = atLoad else { return [("atLoad", .null)] }
        return [("atLoad", .obj([("meanSequencesInFlight", .num(a.meanSequencesInFlight)),
                                 ("sequencesInFlight", .num(Double(a.sequencesInFlight))),
                                 ("whPerQuery", .obj(Boundary.allCases.map { ($0.rawValue, .num(a.whPerQuery[$0] ?? 0)) }))]))]
    }

    /// The measured error band and the Wh per query at its two ends (null without a range: under
    /// another calibration, whose `assumptions` say why).
    var rangeJSON: [(String, JSONValue)] {
        guard let g = range else { return [("range", .null)] }
        return [("range", QueryRange.json(g.band, low: g.low, high: g.high, caveat: g.caveat))]
    }

    /// The range's lines of the receipt: each boundary's Wh at the band's two ends.
    var rangeReceipt: String {
        guard let g = range else { return "" }
        var out = "\nRANGE (Wh per query, GPU energy across \(g.source))\n"
        for b in Boundary.allCases {
            out += "  " + "\(b.rawValue)".padding(toLength: 19, withPad: " ", startingAt: 0)
                + "\(Self.wh(g.low[b] ?? 0))–\(Self.wh(g.high[b] ?? 0))".leftPadded(17) + (b == boundary ? "  ◀ reported" : "") + "\n"
        }
        return out + "  from: \(g.basis)\n"
    }

    /// The load served by this deployment alone, in the CSV row's note.
    var atLoadNote: [String] {
        guard let a = atLoad else { return [] }
        return ["served alone at this load: \(a.lightLoad ? a.inFlight : formatCount(a.sequencesInFlight, "sequence") + " in flight"), "
                + "\(formatNumber(a.whPerQuery[boundary] ?? 0, significant: 4)) Wh per query (\(boundary.rawValue))"]
    }

    /// A receipt: the ledger first, then the phases, then the assumptions.
    public func receipt() -> String {
        let d = deployment
        var out = "TokenWatt estimate — \(d.model.id) on \(d.gpuCount) × \(d.gpu.id)\n"
        out += "one query: \(request.inputTokens) input + \(request.outputTokens) output tokens\n\n"
        out += "LEDGER (Wh per query)\n"
        for item in ledger.items {
            out += "  " + item.item.padding(toLength: 19, withPad: " ", startingAt: 0)
                + Self.wh(item.energy.wattHours).leftPadded(12) + "   [\(item.boundary.rawValue)] \(item.basis)\n"
        }
        out += "  " + String(repeating: "-", count: 31) + "\n"
        for b in Boundary.allCases {
            let marker = b == boundary ? "  ◀ reported" : ""
            out += "  " + "total at \(b.rawValue)".padding(toLength: 19, withPad: " ", startingAt: 0)
                + Self.wh(ledger.total(at: b).wattHours).leftPadded(12) + "   \(b.summary)\(marker)\n"
        }
        out += rangeReceipt
        out += "\nPHASES (GPU boundary, all GPUs)\n"
        for p in phaseCells { out += "  " + p.phase.padding(toLength: 7, withPad: " ", startingAt: 0) + "  \(p.wh) Wh  \(p.latency)  \(p.watts) W/GPU\n" }
        out += "  (\(phaseWords))\n"
        out += "  \(rateWords)\n  \(batchWords)\n"
        out += "\nASSUMPTIONS\n" + assumptions.map { "  - \($0)\n" }.joined()
        out += "\n\(ToolVersion.line)\n"
        return out
    }

    /// Each phase's GPU energy, latency and power per GPU, as the receipt's PHASES block and the
    /// Markdown's phase table print them (the Markdown had no phases: no TTFT, ITL or prefill share).
    var phaseCells: [(phase: String, wh: String, latency: String, watts: String)] {
        let s = serving
        return [("prefill", Self.wh(s.prefill.energy.wattHours), "TTFT \(formatFixed(s.timeToFirstToken.milliseconds, decimals: 1)) ms",
                 formatFixed(s.prefill.gpuPower.watts, decimals: 0)),
                ("decode", Self.wh(s.decode.energy.wattHours), interTokenReceipt, formatFixed(s.decode.gpuPower.watts, decimals: 0))]
    }

    /// What the phase lines' figures are, and why a phase's Wh is not its W/GPU × time × GPUs
    /// (JSON `prefill` and `decode`: `seconds`, `joules`, `gpuPowerWatts` hold the same). A 2026-12-07
    /// probe read 674 W × 31.8 ms = 0.00596 Wh beside a prefill of 0.004434 Wh, and only a locked
    /// clock's note (`ChunkStepClockCaveat`) said why. Each phase's Wh holds its share of the
    /// ledger's gpu-idle line, which the ledger's prefill-gpu and decode-gpu leave out.
    var phaseWords: String {
        let gaps = "each Wh with its share of the gpu-idle line"
        guard serving.promptChunking != nil else {
            return "W/GPU: each GPU's mean draw in the batch's passes; Wh: this query's share, W/GPU × the phase's time "
                + "(TTFT; ITL × decode passes) × GPUs ÷ sequences in the batch; \(gaps)"
        }
        return "W/GPU: each GPU's mean draw over the whole steps a phase runs in, which the batch shares; Wh: this query's part of them, "
            + "for prefill what its prompt chunks add to the decode steps they join and its held place, so Wh ≠ W/GPU × TTFT × GPUs; \(gaps)"
    }

    /// The steady state's rate, energy per token and power, in words. The wall figure is the
    /// deployment's (its GPUs with their share of the nodes' host power and PSU loss), not one
    /// node's: labelled "node 899 W at the wall" for one H100, it read as a server drawing 899 W,
    /// and 16 GPUs' 11,564 W as one node above a DGX's 10.2 kW rating (2026-12-07 facility probe).
    var rateWords: String {
        let s = serving, n = deployment.gpuCount
        return "\(formatNumber(s.outputTokensPerSecond, significant: 5)) output tokens/s, \(formatNumber(s.energyPerOutputToken.joules, significant: 4)) J/output token, "
            + "\(formatFixed(s.gpuPower.watts, decimals: 0)) W/GPU, \(formatFixed(ledger.nodePower.watts, decimals: 0)) W at the wall for \(n) GPU\(n == 1 ? "" : "s") "
            + "with the nodes' share"
    }

    /// The prefill share and the batch, in words.
    var batchWords: String {
        let s = serving
        return "prefill share of GPU energy \(formatPercent(s.prefillShare)); batch \(s.effectiveBatch) (requested \(s.requestedBatch), fits \(s.maxBatch))"
    }

    /// `node_power_w` is the deployment's wall power (its GPUs with the nodes' share), not one
    /// node's, under the column name scripts read (`QueryLedger.nodePower`).
    public static let csvHeader = ["model", "gpu", "gpus", "input_tokens", "output_tokens", "boundary", "wh_per_query",
                                   "wh_gpu", "wh_node", "wh_it", "wh_facility", "prefill_j", "decode_j", "joules_per_output_token",
                                   "output_tokens_per_s", "itl_ms", "ttft_ms", "gpu_power_w", "node_power_w", "effective_batch",
                                   "busy_fraction", "pue", "wh_per_query_low", "wh_per_query_high", "note"]
        // The deployment's layout and levers, after the columns scripts already read by place;
        // then the sampler, which the JSON gave and the CSV had not (appended, so no column moves).
        + LayoutColumns.header + ["sampling"]
        // What the band's runs are beyond its ends (`ErrorBands.caveat`), which the receipt's range
        // gives: the CSV had an MI300X's low and high with no word that its band is the pool's,
        // which holds no AMD GPU (appended, so no column moves; empty without a range or caveat).
        + ["range_caveat"]

    public func csvRow() -> [String] {
        let s = serving, d = deployment
        return [d.model.id, d.gpu.id, String(d.gpuCount), String(request.inputTokens), String(request.outputTokens),
                boundary.rawValue, formatNumber(ledger.total(at: boundary).wattHours)]
            + Boundary.allCases.map { formatNumber(ledger.total(at: $0).wattHours) }
            + [formatNumber(s.prefill.energy.joules), formatNumber(s.decode.energy.joules), formatNumber(s.energyPerOutputToken.joules),
               formatNumber(s.outputTokensPerSecond), interTokenMilliseconds(s.interTokenLatency).map { formatNumber($0) } ?? "",
               formatNumber(s.timeToFirstToken.milliseconds), formatNumber(s.gpuPower.watts), formatNumber(ledger.nodePower.watts),
               String(s.effectiveBatch), formatNumber(ledger.busyFraction), formatNumber(ledger.pue),
               range.map { formatNumber($0.low[boundary] ?? 0) } ?? "", range.map { formatNumber($0.high[boundary] ?? 0) } ?? "",
               // The caveats the receipt lists (a cap's range and upper bound, the AMD gap): the
               // note had been empty beside a 300 W cap's figures, which the text calls an upper bound.
               // Under another calibration, why there is no range and what its fit warned of.
               (s.notes + caveats + calibrationNotes + atLoadNote).joined(separator: "; ")]
            + LayoutColumns.cells(d, requestedBatch: s.requestedBatch) + [d.sampling.rawValue, range?.caveat ?? ""]
    }

    public func markdown() -> String {
        var out = "## \(deployment.model.id) on \(deployment.gpuCount) × \(deployment.gpu.id)\n\n"
        out += "One query of \(request.inputTokens) input and \(request.outputTokens) output tokens.\n\n"
        out += "| item | boundary | Wh per query | basis |\n|---|---|---:|---|\n"
        for i in ledger.items { out += "| \(i.item) | \(i.boundary.rawValue) | \(Self.wh(i.energy.wattHours)) | \(i.basis) |\n" }
        out += "\n| boundary | Wh per query |\n|---|---:|\n"
        for b in Boundary.allCases { out += "| \(b.rawValue)\(b == boundary ? " (reported)" : "") | \(Self.wh(ledger.total(at: b).wattHours)) |\n" }
        if let g = range {
            out += "\nRange: " + Boundary.allCases.map { "\($0.rawValue) \(Self.wh(g.low[$0] ?? 0))–\(Self.wh(g.high[$0] ?? 0)) Wh" }
                .joined(separator: ", ") + " (\(g.basis)).\n"
        }
        out += "\n**Phases** (GPU boundary, all GPUs)\n\n| phase | Wh | latency | W per GPU |\n|---|---:|---|---:|\n"
        for p in phaseCells { out += "| \(p.phase) | \(p.wh) | \(p.latency) | \(p.watts) |\n" }
        out += "\n\(phaseWords.prefix(1).uppercased() + phaseWords.dropFirst()).\n"
        out += "\n\(rateWords); \(batchWords).\n"
        out += "\n**Assumptions**\n\n" + assumptions.map { "- \($0)\n" }.joined()
        out += "\n\(ToolVersion.line)\n"
        return out
    }

    static func wh(_ x: Double) -> String { formatNumber(x, significant: 4) }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
