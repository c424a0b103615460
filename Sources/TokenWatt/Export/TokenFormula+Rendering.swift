import KernelPower

/// One request priced by the closed form, as `estimate --method surface` writes it: text, CSV,
/// Markdown or JSON, numbers to six significant digits as the other commands write them (the
/// CSV and Markdown requests were tab-separated lines of raw doubles, the JSON 17 digits).
extension TokenFormula {
    /// The columns of `estimate`'s CSV that the closed form has, under the same names.
    public static let csvHeader = ["model", "gpu", "gpus", "input_tokens", "output_tokens", "boundary", "wh_per_query",
                                   "wh_gpu", "wh_node", "wh_it", "wh_facility", "effective_batch", "busy_fraction", "pue",
                                   "wh_per_query_low", "wh_per_query_high"]

    /// Sequences in flight across the deployment's attention ranks.
    public var effectiveBatch: Int { localBatch * deployment.attentionRanks }

    /// One line per boundary: `boundary<TAB>wh`, then the range's two ends where the GPU has a
    /// measured error band.
    public func text(input: Int, output: Int) -> String {
        let wh = wattHours(input: input, output: output), range = self.range(input: input, output: output)
        return Boundary.allCases.map { b in
            "\(b.rawValue)\t\(formatNumber(wh[b] ?? 0))" + (range.map { "\t\(formatNumber($0.low[b] ?? 0))\t\(formatNumber($0.high[b] ?? 0))" } ?? "")
        }.joined(separator: "\n") + "\n"
    }

    /// A header and one row; `wh_per_query*` at the chosen boundary, the range's ends empty without
    /// a band, then the layout columns `estimate`'s kernel CSV ends with (`LayoutColumns`), so a
    /// script reads either the same way.
    public func csv(input: Int, output: Int, requestedBatch: Int) -> String {
        let wh = wattHours(input: input, output: output), range = self.range(input: input, output: output)
        let d = deployment
        let row = [d.model.id, d.gpu.id, String(d.gpuCount), String(input), String(output), boundary.rawValue, formatNumber(wh[boundary] ?? 0)]
            + Boundary.allCases.map { formatNumber(wh[$0] ?? 0) }
            + [String(effectiveBatch), busy.map { formatNumber($0) } ?? "", formatNumber(pue),
               range.map { formatNumber($0.low[boundary] ?? 0) } ?? "", range.map { formatNumber($0.high[boundary] ?? 0) } ?? ""]
        return CSVWriter.line(Self.csvHeader + LayoutColumns.header) + "\n"
            + CSVWriter.line(row + LayoutColumns.cells(d, requestedBatch: requestedBatch)) + "\n"
    }

    /// Each boundary's Wh (and the range's ends) as a table, as `estimate`'s Markdown shows them.
    public func markdown(input: Int, output: Int) -> String {
        let wh = wattHours(input: input, output: output), range = self.range(input: input, output: output)
        let w = { (x: Double) in formatNumber(x, significant: 4) }
        var out = "## \(deployment.model.id) on \(deployment.gpuCount) × \(deployment.gpu.id)\n\n"
        out += "One query of \(input) input and \(output) output tokens on the serving surface (closed form), batch \(effectiveBatch).\n\n"
        out += range == nil ? "| boundary | Wh per query |\n|---|---:|\n" : "| boundary | Wh per query | low | high |\n|---|---:|---:|---:|\n"
        for b in Boundary.allCases {
            out += "| \(b.rawValue)\(b == boundary ? " (reported)" : "") | \(w(wh[b] ?? 0)) |"
                + (range.map { " \(w($0.low[b] ?? 0)) | \(w($0.high[b] ?? 0)) |" } ?? "") + "\n"
        }
        if let r = range { out += "\nRange: " + QueryRange.describe(r.band) + "; host power, idle power and PUE as above.\n" }
        return out
    }

    /// The request's Wh at the chosen boundary (`wh`) and at each (`whPerQuery`), the batch, and
    /// the measured error range (`range`) where the GPU has a band.
    public func json(input: Int, output: Int) -> JSONValue {
        let wh = wattHours(input: input, output: output), range = self.range(input: input, output: output)
        let keys = Boundary.allCases.map { ($0.rawValue, JSONValue.num(wh[$0] ?? 0)) }
        let rangeJSON = range.map { r in [("range", QueryRange.json(r.band, low: r.low, high: r.high))] } ?? []
        return .obj([
            ("method", .str("surface")), ("boundary", .str(boundary.rawValue)), ("wh", .num(wh[boundary] ?? 0)), ("whPerQuery", .obj(keys)),
            ("effectiveBatch", .num(Double(effectiveBatch))),
        ] + rangeJSON)
    }
}
