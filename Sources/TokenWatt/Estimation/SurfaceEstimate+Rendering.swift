import KernelPower

/// `estimate --method surface`'s CSV, JSON and Markdown, in the kernel method's shapes
/// (`QueryEstimate+Rendering`): the same CSV columns in the same order and the same JSON keys, an
/// empty cell or null for what the closed form does not compute (the phases, latencies, powers,
/// the ledger's items), and the caveats in the CSV's `note` and the JSON's `assumptions`.
extension SurfaceEstimate {
    /// A header (`QueryEstimate.csvHeader`) and one row; the text stays `TokenFormula.text`'s four
    /// tab-separated lines, which tools read.
    public func csv() -> String {
        let wh = wattHours, range = self.range, d = deployment
        let kernelOnly = Array(repeating: "", count: 8)  // prefill_j … node_power_w: the kernel method's figures
        let row = [d.model.id, d.gpu.id, String(d.gpuCount), String(request.inputTokens), String(request.outputTokens),
                   boundary.rawValue, formatNumber(wh[boundary] ?? 0)]
            + Boundary.allCases.map { formatNumber(wh[$0] ?? 0) } + kernelOnly
            + [String(formula.effectiveBatch), formula.busy.map { formatNumber($0) } ?? "", formatNumber(formula.pue),
               range.map { formatNumber($0.low[boundary] ?? 0) } ?? "", range.map { formatNumber($0.high[boundary] ?? 0) } ?? "",
               caveats.joined(separator: "; ")]
            + LayoutColumns.cells(d, requestedBatch: request.batch) + [d.sampling.rawValue, range == nil ? "" : formula.bandCaveat]
        return CSVWriter.line(QueryEstimate.csvHeader) + "\n" + CSVWriter.line(row) + "\n"
    }

    /// The kernel method's JSON keys in its order (`QueryEstimate.json`), after `tool` and `catalogs`.
    public func json() -> JSONValue {
        let wh = wattHours, d = deployment
        let numbers = { (x: Int) in JSONValue.num(Double(x)) }
        let kernelOnly: [(String, JSONValue)] = ["ledger", "prefill", "decode", "outputTokensPerSecond", "joulesPerOutputToken",
                                                 "interTokenLatencyMs", "medianInterTokenLatencyMs", "p90InterTokenLatencyMs",
                                                 "timeToFirstTokenMs", "stepTimeMs", "gpuPowerWatts", "nodePowerWatts"].map { ($0, .null) }
        return .obj([
            ("method", .str("surface")), ("model", .str(d.model.id)), ("gpu", .str(d.gpu.id)), ("gpus", numbers(d.gpuCount)),
            ("tensorParallel", numbers(d.tensorParallel)), ("expertParallel", numbers(d.expertParallel)),
            ("pipelineParallel", numbers(d.pipelineParallel)), ("framework", .str(d.framework.rawValue)), ("sampling", .str(d.sampling.rawValue)),
            ("boundary", .str(boundary.rawValue)), ("wh", .num(wh[boundary] ?? 0)),
            ("whPerQuery", .obj(Boundary.allCases.map { ($0.rawValue, .num(wh[$0] ?? 0)) })),
        ] + kernelOnly + [
            ("effectiveBatch", numbers(formula.effectiveBatch)), ("requestedBatch", numbers(request.batch)),
            ("engines", numbers(d.attentionRanks)), ("sequencesPerEngine", numbers(formula.localBatch)),
            ("maxBatch", numbers(formula.maxBatch)),
            ("busyFraction", .optionalNumber(formula.busy)), ("pue", .num(formula.pue)),
            ("batchLimit", .str(formula.batchLimit.rawValue)), ("prefillShare", .null), ("powerLimited", .null), ("promptChunking", .null), ("atLoad", .null),
            ("range", range.map { QueryRange.json($0.band, low: $0.low, high: $0.high, caveat: formula.bandCaveat) } ?? .null),
            ("settings", QueryEstimate.settingsJSON(d, request: request, requestedBatch: request.batch, reference: reference)),
            ("assumptions", .array(caveats.map(JSONValue.str))),
        ])
    }

    /// Each boundary's Wh (and the range's ends) as a table, then the caveats, as the kernel
    /// method's Markdown ends with its assumptions.
    public func markdown() -> String {
        let wh = wattHours, range = self.range, d = deployment
        let w = { (x: Double) in formatNumber(x, significant: 4) }
        var out = "## \(d.model.id) on \(d.gpuCount) × \(d.gpu.id)\n\n"
        out += "One query of \(request.inputTokens) input and \(request.outputTokens) output tokens on the serving surface (closed form), "
            + "batch \(formula.effectiveBatch).\n\n"
        out += range == nil ? "| boundary | Wh per query |\n|---|---:|\n" : "| boundary | Wh per query | low | high |\n|---|---:|---:|---:|\n"
        for b in Boundary.allCases {
            out += "| \(b.rawValue)\(b == boundary ? " (reported)" : "") | \(w(wh[b] ?? 0)) |"
                + (range.map { " \(w($0.low[b] ?? 0)) | \(w($0.high[b] ?? 0)) |" } ?? "") + "\n"
        }
        if let r = range { out += "\nRange: " + QueryRange.describe(r.band) + "; host power, idle power and PUE as above.\n" }
        if !caveats.isEmpty { out += "\n**Assumptions**\n\n" + caveats.map { "- \($0)\n" }.joined() }
        return out
    }

    /// `TokenFormula.text`'s four tab-separated lines for the request priced.
    public func text() -> String { formula.text(input: request.inputTokens, output: request.outputTokens) }
}
