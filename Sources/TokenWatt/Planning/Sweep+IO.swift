import Foundation
import KernelPower

/// Reading a sweep file and writing its results.
extension SweepSpec {
    public static let highestSchemaVersion = 1

    /// The keys of a sweep file's top level, of its `grid` and of its `targets`, as the README's
    /// "Sweep files" table and `help sweep` document them (a test holds the three to the reader).
    public static let topLevelKeys = ["schemaVersion", "description", "input", "output", "boundary", "pue", "tokenBudget", "grid", "targets"]
    public static let gridKeys = ["model", "gpu", "gpus", "tp", "pp", "ep", "precision", "kvPrecision", "maxBatch", "powerCapWatts"]
    public static let targetKeys = ["itlMs", "itlStat", "ttftMs"]

    /// `{"schemaVersion": 1, "description": "...", "input": 1000, "output": 500, "boundary": "facility", "pue": 1.3,
    ///   "grid": {"model": [...], "gpu": [...], "gpus": [...], "tp": [...], "pp": [...], "ep": [...], "precision": [...], "maxBatch": [...],
    ///            "powerCapWatts": [null, 500]}, "targets": {"itlMs": 50, "itlStat": "mean", "ttftMs": 2000}}`
    /// (`itlStat`: the inter-token latency `itlMs` is judged on, `mean`, `median` or `p90`; the mean unless given).
    /// The example under `Workloads/sweeps/` is one such file.
    public static func read(path: String) throws -> SweepSpec {
        try read(try InputFile.data(path, expected: "a sweep JSON file"), file: path)
    }

    public static func read(_ data: Data, file: String) throws -> SweepSpec {
        var o = try JSONObjectReader(try JSONFileKind.sweep.parse(data, file: file), file: file, path: "")
        try refuseMisplacedKeys(o, file: file)
        _ = try o.schemaVersion(highest: highestSchemaVersion)
        let description = try o.optionalString("description") ?? ""
        let input = try o.int("input", ServingRequest.tokensPerQueryRange, expected: "prompt tokens"), output = try o.int("output", ServingRequest.tokensPerQueryRange, expected: "output tokens")
        let boundary = Boundary(rawValue: try o.optionalString("boundary", allowed: Boundary.allCases.map(\.rawValue)) ?? "facility")!
        let pue = try o.optionalDouble("pue", LedgerSettings.pueRange, expected: "a PUE from \(formatNumber(LedgerSettings.pueRange.lowerBound)) to \(formatNumber(LedgerSettings.pueRange.upperBound))") ?? LedgerSettings.defaultPUE
        // The range `estimate --token-budget` and a workload deployment's `tokenBudget` take.
        let tokenBudget = try o.optionalInt("tokenBudget", 1...10_000_000, expected: "tokens per step")
        // The lists are read in this order, so that of two bad lists the error names the same one.
        var g = GridReader(grid: try o.object("grid"), file: file)
        let models = try g.list("model", GridReader.string) ?? []
        let gpus = try g.list("gpu", GridReader.string) ?? []
        guard !models.isEmpty, !gpus.isEmpty else {
            throw InputError.missingField(file: file, field: models.isEmpty ? "grid.model" : "grid.gpu", expected: "a list of ids")
        }
        var s = SweepSpec(
            description: description, inputTokens: input, outputTokens: output, boundary: boundary, pue: pue, models: models, gpus: gpus,
            gpuCounts: try g.list("gpus", GridReader.int) ?? [1],
            tensorParallel: try g.list("tp", GridReader.optionalInt) ?? [nil],
            precisions: try g.list("precision", GridReader.precision) ?? [nil],
            batchLimits: try g.list("maxBatch", GridReader.int) ?? [256],
            powerCaps: try g.list("powerCapWatts", GridReader.powerCap) ?? [nil],
            itlTargetMs: nil, ttftTargetMs: nil)
        s.pipelineParallel = try g.list("pp", GridReader.int) ?? [1]
        s.expertParallel = try g.list("ep", GridReader.optionalInt) ?? [nil]
        s.kvPrecisions = try g.list("kvPrecision", GridReader.precision) ?? [nil]
        s.tokenBudget = tokenBudget
        try g.grid.finish()
        try readTargets(&o, into: &s)
        try o.finish()
        guard s.pointCount <= 10_000_000 else {
            throw InputError.invalidValue(file: file, field: "grid", value: "\(s.pointCount) points", expected: "at most 10,000,000 points")
        }
        return s
    }

    /// The latency targets of `targets`, when given, into `s`: `itlMs`, `ttftMs` and the
    /// statistic `itlStat` judges (the mean unless given).
    static func readTargets(_ o: inout JSONObjectReader, into s: inout SweepSpec) throws {
        guard var t = try o.optionalObject("targets") else { return }
        s.itlTargetMs = try t.optionalDouble("itlMs", 0.001...1e9, expected: "milliseconds")
        s.ttftTargetMs = try t.optionalDouble("ttftMs", 0.001...1e9, expected: "milliseconds")
        s.itlStatistic = ITLStatistic(rawValue: try t.optionalString("itlStat", allowed: ITLStatistic.allCases.map(\.rawValue)) ?? "mean")!
        try t.finish()
    }
}

/// A sweep file's `grid`, read list by list: a list given is not empty, and each entry a parser
/// refuses is named by its place (`grid.tp[1]`). Its parsers had been closures nested in `read`,
/// which took 64 lines for a file of eight keys.
struct GridReader {
    var grid: JSONObjectReader
    let file: String

    /// The list under `key`, each entry read by `parse` (a parser of this reader, such as
    /// `GridReader.int`, given the entry and its field); nil when the grid has no such list.
    mutating func list<T>(_ key: String, _ parse: (GridReader) -> (JSONValue, String) throws -> T) throws -> [T]? {
        guard let raw = try grid.optionalArray(key) else { return nil }
        guard !raw.isEmpty else { throw InputError.invalidValue(file: file, field: "grid.\(key)", value: "[]", expected: "at least one value") }
        let entry = parse(self)
        return try raw.enumerated().map { i, v in try entry(v, "grid.\(key)[\(i)]") }
    }

    func string(_ v: JSONValue, _ field: String) throws -> String {
        guard case let .string(s) = v else { throw InputError.invalidValue(file: file, field: field, value: v.shortDescription, expected: "a string") }
        return s
    }

    func int(_ v: JSONValue, _ field: String) throws -> Int {
        guard case let .number(x) = v, x >= 1, x <= 1_000_000, x == x.rounded() else {
            throw InputError.invalidValue(file: file, field: field, value: v.shortDescription, expected: "a whole number from 1 to 1000000")
        }
        return Int(x)
    }

    /// A whole number, or null for the deployment's default (`tp`, `ep`).
    func optionalInt(_ v: JSONValue, _ field: String) throws -> Int? {
        v == .null ? nil : try int(v, field)
    }

    /// A precision's name, or null for the model's own.
    func precision(_ v: JSONValue, _ field: String) throws -> Precision? {
        if v == .null { return nil }
        let s = try string(v, field)
        guard let p = Precision(rawValue: s) else {
            throw InputError.invalidValue(file: file, field: field, value: s, expected: Precision.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return p
    }

    /// Watts, or null for no cap.
    func powerCap(_ v: JSONValue, _ field: String) throws -> Double? {
        if v == .null { return nil }
        guard case let .number(x) = v, x > 0, x <= 100_000 else { throw InputError.invalidValue(file: file, field: field, value: v.shortDescription, expected: "watts or null") }
        return x
    }
}

extension SweepSpec {
    /// Refuses a setting on the wrong level, naming where it goes: `input`, `output`, `boundary`,
    /// `pue` and `targets` inside `grid`, or a grid list at the top level. A user who put them in
    /// the grid, following a list that named them together, was told only of a missing field.
    static func refuseMisplacedKeys(_ o: JSONObjectReader, file: String) throws {
        for key in o.keys where gridKeys.contains(key) {
            throw InputError.invalidValue(file: file, field: key, value: "at the top level",
                                          expected: "\(key) inside \"grid\", as a list of values (\"grid\": {\"\(key)\": [...]})")
        }
        var copy = o  // read from a copy, so the reader's own count of keys asked is untouched
        guard case let .object(pairs)? = copy.raw("grid") else { return }
        for key in pairs.map(\.key) where topLevelKeys.contains(key) {
            throw InputError.invalidValue(file: file, field: "grid.\(key)", value: "inside grid",
                                          expected: "\(key) at the top level, beside \"grid\" (grid holds only the lists \(gridKeys.joined(separator: ", ")))")
        }
    }

    /// The spec with its grid's model and GPU ids checked against the catalogs and replaced by
    /// the catalog's ids, with a note for each id that names one entry already named (`h100`,
    /// `H100` beside `h100-sxm`): its points repeat that entry's, and `SweepRepeats` leaves them
    /// out. An unknown id was priced as one identical error row per point, aliases of one GPU ran
    /// every point twice, and rows named a GPU as typed (`a100-sxm4-80gb` where `estimate` prints
    /// `a100-sxm-80gb`), which broke joins. The entries stay in their lists, so that a point's
    /// index is its place in the grid as written.
    /// - Throws: `InputError.unknownID` for the first unknown id, naming its grid entry and the
    ///   closest known ids.
    public func resolvingIDs(models: ModelCatalog, gpus: GPUCatalog, file: String) throws -> (spec: SweepSpec, notes: [String]) {
        var s = self, notes: [String] = []
        s.models = try Self.resolved(self.models, field: "grid.model", file: file, notes: &notes) { try models.model($0, context: $1).id }
        s.gpus = try Self.resolved(self.gpus, field: "grid.gpu", file: file, notes: &notes) { try gpus.gpu($0, context: $1).id }
        return (s, notes)
    }

    /// The ids of `field` as `resolve` names their catalog entries, with a note for each that
    /// names an entry an earlier id names.
    static func resolved(_ ids: [String], field: String, file: String, notes: inout [String],
                         resolve: (String, String) throws -> String) throws -> [String] {
        var first: [String: Int] = [:], entries: [String] = []
        for (i, id) in ids.enumerated() {
            let entry = try resolve(id, "\(file): \(field)[\(i)]")
            if let j = first[entry] {
                notes.append("\(file): \(field)[\(i)] '\(id)' names \(entry), as \(field)[\(j)] '\(ids[j])' does; dropped, so each point runs once")
            } else {
                first[entry] = i
            }
            entries.append(entry)
        }
        return entries
    }
}

extension Sweep {
    public static let csvHeader = ["index", "model", "gpu", "gpus", "tp", "precision", "max_batch", "power_cap_w", "effective_batch",
                                   "wh_per_query", "wh_per_query_gpu", "ttft_ms", "itl_ms", "output_tokens_per_s", "gpu_w",
                                   "meets_targets", "pareto", "error", "wh_per_query_low", "wh_per_query_high", "pp", "ep", "note",
                                   "itl_median_ms", "itl_p90_ms", "kv_precision"]

    public static func csv(_ points: [SweepPoint]) -> String {
        var lines = [CSVWriter.line(csvHeader)]
        lines.reserveCapacity(points.count + 1)
        for p in points {
            let r = p.request, ok = p.error == nil
            let n = { (x: Double) in ok ? formatDataNumber(x, significant: 6) : "" }
            lines.append(CSVWriter.line([
                String(p.index), r.model, r.gpu, String(r.gpus ?? 1), String(r.tensorParallel ?? r.gpus ?? 1), p.precision?.rawValue ?? "",
                String(p.batchLimit), r.powerCapWatts.map { formatDataNumber($0) } ?? "", ok ? String(p.effectiveBatch) : "",
                n(p.whPerQuery), n(p.gpuWhPerQuery), n(p.ttftMs), p.itlMs.map(n) ?? "", n(p.outputTokensPerSecond), n(p.gpuWatts),
                ok ? (p.meetsTargets ? "yes" : "no") : "", p.pareto ? "yes" : "no", p.error ?? "",
                p.whPerQueryRange.map { n($0.low) } ?? "", p.whPerQueryRange.map { n($0.high) } ?? "",
                String(r.pipelineParallel ?? 1), String(r.expertParallel ?? 1), p.notes.joined(separator: "; "),
                p.medianITLMs.map(n) ?? "", p.p90ITLMs.map(n) ?? "", p.kvPrecision?.rawValue ?? "",
            ]))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The frontier's points with their figures, and every point that could not be estimated with
    /// its settings and error (`failedPoints`): the JSON had only their count, so a note that said
    /// "88 of 256 points could not be estimated" pointed at nothing the JSON held.
    public static func json(_ spec: SweepSpec, _ points: [SweepPoint]) -> JSONValue {
        let failed = points.filter { $0.error != nil }
        return .obj([
            ("description", .str(spec.description)), ("boundary", .str(spec.boundary.rawValue)), ("points", .num(Double(points.count))),
            ("tokenBudget", .optionalNumber(spec.tokenBudget.map(Double.init))),
            ("failed", .num(Double(failed.count))),
            ("failedPoints", .array(failed.map { p in .obj(settings(p) + [("error", .str(p.error ?? ""))]) })),
            ("targets", .obj([("itlMs", .optionalNumber(spec.itlTargetMs)), ("itlStat", .str(spec.itlStatistic.rawValue)),
                              ("ttftMs", .optionalNumber(spec.ttftTargetMs))])),
            ("pareto", .array(points.filter(\.pareto).map { p in
                .obj(settings(p) + [("whPerQuery", .num(p.whPerQuery)),
                      ("whPerQueryLow", .optionalNumber(p.whPerQueryRange?.low)), ("whPerQueryHigh", .optionalNumber(p.whPerQueryRange?.high)),
                      ("whPerQueryGPU", .num(p.gpuWhPerQuery)), ("gpuWatts", .num(p.gpuWatts)), ("outputTokensPerSecond", .num(p.outputTokensPerSecond)),
                      ("ttftMs", .num(p.ttftMs)), ("itlMs", .optionalNumber(p.itlMs)),
                      ("itlMedianMs", .optionalNumber(p.medianITLMs)), ("itlP90Ms", .optionalNumber(p.p90ITLMs)),
                      ("effectiveBatch", .num(Double(p.effectiveBatch))),
                      ("notes", .array(p.notes.map(JSONValue.str)))])
            })),
        ])
    }

    /// A point's place and settings, as the JSON gives each frontier and failed point.
    static func settings(_ p: SweepPoint) -> [(String, JSONValue)] {
        let r = p.request
        return [("index", .num(Double(p.index))), ("model", .str(r.model)), ("gpu", .str(r.gpu)),
                ("gpus", .num(Double(r.gpus ?? 1))), ("tp", .num(Double(r.tensorParallel ?? r.gpus ?? 1))),
                ("pp", .num(Double(r.pipelineParallel ?? 1))), ("ep", .num(Double(r.expertParallel ?? 1))),
                ("precision", p.precision.map { .str($0.rawValue) } ?? .null),
                ("kvPrecision", p.kvPrecision.map { .str($0.rawValue) } ?? .null), ("maxBatch", .num(Double(p.batchLimit))),
                ("powerCapWatts", .optionalNumber(r.powerCapWatts))]
    }

    /// Every point's energy against latency (the frontier's: TTFT for one-token answers), and the frontier.
    public static func svg(_ spec: SweepSpec, _ points: [SweepPoint]) -> String {
        let latency = ServingRequest.hasInterTokenInterval(spec.outputTokens) ? "inter-token latency" : "time to first token"
        var c = SVGChart(title: "Sweep: energy per query against \(latency)", xTitle: "\(latency), ms (log scale)",
                         yTitle: "Wh per query at the \(spec.boundary.rawValue) boundary (log scale)")
        c.xScale = .log
        c.yScale = .log
        let ok = points.filter { $0.error == nil && $0.whPerQuery > 0 && $0.frontierLatencyMs > 0 }
        c.series.append(SVGChart.Series(name: "configurations (\(ok.count))", points: ok.map { ($0.frontierLatencyMs, $0.whPerQuery) }))
        c.series.append(SVGChart.Series(name: "Pareto frontier",
                                        points: ok.filter(\.pareto).sorted { $0.frontierLatencyMs < $1.frontierLatencyMs }
                                            .map { ($0.frontierLatencyMs, $0.whPerQuery) },
                                        style: .line))
        return c.render()
    }
}
