import Foundation
import KernelPower

/// `tokenwatt export-sql`: one SELECT that adds `wh` to every row of a request table, computing
/// the `TokenFormula` with the constants written in: no user-defined functions, no coefficient
/// table, only arithmetic, CASE, FLOOR, LN and EXP, which every supported dialect has.
public enum SQLDialect: String, Sendable, CaseIterable {
    case duckdb, spark, bigquery, postgres, sqlite

    var doubleType: String {
        switch self {
        case .duckdb, .spark: return "DOUBLE"
        case .bigquery: return "FLOAT64"
        case .postgres: return "DOUBLE PRECISION"
        case .sqlite: return "REAL"
        }
    }

    /// What a quoted identifier is enclosed in: ANSI double quotes, or backticks in Spark and
    /// BigQuery (where a double-quoted name is a string).
    var identifierQuote: Character {
        switch self {
        case .duckdb, .postgres, .sqlite: return "\""
        case .spark, .bigquery: return "`"
        }
    }
}

public struct SQLExport: Sendable {
    public var formula: TokenFormula
    public var dialect: SQLDialect
    /// The table and its two token columns, as given: the table may be a path (`.` between its
    /// parts, each quoted), a column is one name.
    public let table: String
    public let inputColumn: String
    public let outputColumn: String

    /// - Throws: `InputError.invalidValue` for a name with a part that is empty or holds anything
    ///   but letters, digits, `_` and `-`: nothing that could close the quotes (`"`, `` ` ``, `\`)
    ///   or start a comment or a statement outside them; and for a column name with a `.`.
    public init(formula: TokenFormula, dialect: SQLDialect, table: String = "requests", inputColumn: String = "input_tokens",
                outputColumn: String = "output_tokens") throws {
        guard Self.isIdentifierPath(table) else {
            throw InputError.invalidValue(file: "export-sql", field: "table", value: table,
                                          expected: "an SQL identifier: letters, digits, _ and -, with . between the parts of a path (each part is quoted)")
        }
        // A column is read as r.<column>: a dotted name became a path (r."in"."put"), which no
        // dialect reads as a column of r, and quoted whole BigQuery still reads `in.put` as one.
        for (what, name) in [("input column", inputColumn), ("output column", outputColumn)] where name.contains(".") || !Self.isIdentifierPath(name) {
            throw InputError.invalidValue(file: "export-sql", field: what, value: name,
                                          expected: "one SQL identifier naming a column of the table: letters, digits, _ and - (quoted), no '.'; "
                                              + "select a nested field into a column of its own first")
        }
        // One column for both reads a prompt's length as its output: well defined, and a mistake.
        guard inputColumn != outputColumn else {
            throw InputError.invalidValue(file: "export-sql", field: "output column", value: outputColumn,
                                          expected: "a column other than the input column (one column names one role)")
        }
        self.formula = formula
        self.dialect = dialect
        self.table = table
        self.inputColumn = inputColumn
        self.outputColumn = outputColumn
    }

    /// What the idle terms of `it` and `facility` assume: the busy fraction (given, or from a
    /// load), or idle as a share of active energy. The header named the PUE alone, and two
    /// exports of different busy fractions read the same.
    var idleWords: String {
        switch formula.utilization {
        case let .busyFraction(b): return "busy fraction \(formatNumber(b)) (idle power over the rest, at it and facility)"
        case let .load(q):
            return "busy fraction \(formatNumber(formula.busy ?? 0, significant: 4)) from a load of \(formatNumber(q)) queries/s (idle power over the rest, at it and facility)"
        case let .idleShareOfActive(x):
            return "idle \(formatNumber(x * 100)) % of active energy (no --busy-fraction or --load; at it and facility)"
        }
    }

    static let identifierCharacters = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "_-"))

    /// Whether every `.`-separated part of `name` is a nonempty run of letters, digits, `_` and `-`
    /// (BigQuery project ids have hyphens: `my-project.logs.requests`).
    static func isIdentifierPath(_ name: String) -> Bool {
        name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { part in
            !part.isEmpty && part.unicodeScalars.allSatisfy { identifierCharacters.contains($0) }
        }
    }

    /// `name` quoted for the dialect part by part, so reserved words (`order`, `select`), names
    /// that start with a digit or hold a hyphen, and mixed case in Postgres (which folds an
    /// unquoted `ContextTokens` to `contexttokens`) all name what they say.
    func quoted(_ name: String) -> String {
        let q = dialect.identifierQuote
        return name.split(separator: ".", omittingEmptySubsequences: false).map { "\(q)\($0)\(q)" }.joined(separator: ".")
    }

    /// A literal that reads back as the same double.
    static func lit(_ x: Double) -> String {
        let s = "\(x)"
        return x < 0 ? "(\(s))" : s
    }

    func interpolation(_ segments: [TokenFormula.Segment], _ x: String) -> String {
        if segments.count == 1, let only = segments.first {
            return only.logLog ? "EXP(\(Self.lit(only.a)) + \(Self.lit(only.s)) * (LN(\(x)) - \(Self.lit(log(only.nLow)))))"
                               : "(\(Self.lit(only.a)) + \(Self.lit(only.s)) * (\(x) - \(Self.lit(only.nLow))))"
        }
        let cases = segments.map { seg -> String in
            let value = seg.logLog ? "EXP(\(Self.lit(seg.a)) + \(Self.lit(seg.s)) * (LN(\(x)) - \(Self.lit(log(seg.nLow)))))"
                                   : "(\(Self.lit(seg.a)) + \(Self.lit(seg.s)) * (\(x) - \(Self.lit(seg.nLow))))"
            return (seg.nHigh == segments.last?.nHigh ? "ELSE " : "WHEN \(x) <= \(Self.lit(seg.nHigh)) THEN ") + value
        }
        return "CASE " + cases.joined(separator: " ") + " END"
    }

    /// The prompt cost of the row's input tokens (K full chunks, then the remainder).
    func prefill(_ segments: [TokenFormula.Segment], past: CostCurve, input i: String) -> String {
        let c = formula.chunk
        let k = "FLOOR(\(i) / \(Self.lit(c)))", r = "(\(i) - FLOOR(\(i) / \(Self.lit(c))) * \(Self.lit(c)))"
        let full = "CASE WHEN \(k) > 0 THEN \(k) * \(Self.lit(TokenFormula.interpolate(segments, c))) + \(Self.lit(c)) * \(sumAtMultiples(past, step: c, count: k)) ELSE 0 END"
        let rest = "CASE WHEN \(r) > 0 THEN \(interpolation(segments, r)) + \(r) * \(value(past, "(\(k) * \(Self.lit(c)))")) ELSE 0 END"
        return "(\(full) + \(rest))"
    }

    /// `CostCurve.value` at x: its straight segments written as the chunk grid's linear ones.
    func value(_ curve: CostCurve, _ x: String) -> String {
        interpolation(curve.segments.map { TokenFormula.Segment(nLow: $0.x0, nHigh: $0.x1, logLog: false, a: $0.y, s: $0.slope) }, x)
    }

    /// `CostCurve.sumAtMultiples`: per segment, the arithmetic series over the multiples
    /// j = lo … min(hi, count − 1) it prices; lo and hi are constants, only the count is the row's.
    func sumAtMultiples(_ curve: CostCurve, step: Double, count k: String) -> String {
        let terms = curve.segments.indices.map { i -> String in
            let seg = curve.segments[i], (lo, hi) = curve.multiples(i, step: step)
            let base = Self.lit(seg.y - seg.slope * seg.x0), slope = Self.lit(seg.slope * step)
            func series(_ to: String) -> String { "(\(to) - \(Self.lit(lo)) + 1) * (\(base) + \(slope) * (\(Self.lit(lo)) + \(to)) / 2)" }
            let open = "WHEN \(k) - 1 >= \(Self.lit(lo)) THEN \(series("(\(k) - 1)"))"
            guard hi.isFinite else { return "CASE \(open) ELSE 0 END" }
            return "CASE WHEN \(k) - 1 >= \(Self.lit(hi)) THEN \(Self.lit(CostCurve.seriesSum(seg, step: step, from: lo, to: hi))) \(open) ELSE 0 END"
        }
        return "(" + terms.joined(separator: " + ") + ")"
    }

    /// Steps the row's request holds its place in the batch beside its token steps: its prompt
    /// chunks before the last (`TokenFormula.heldSteps`).
    func heldSteps(input i: String) -> String {
        let c = Self.lit(formula.chunk)
        let k = "FLOOR(\(i) / \(c))"
        return "(CASE WHEN \(i) > 0 THEN \(k) + CASE WHEN \(i) - \(k) * \(c) > 0 THEN 1 ELSE 0 END - 1 ELSE 0 END)"
    }

    /// One SELECT over the table: each added column is computed from the row's two token columns
    /// alone, so a column of the table that has the name of one of them (a table priced before,
    /// `trace`'s `--per-request` rows) neither feeds nor replaces it; it is returned as it was,
    /// beside the new one. Added: the row's GPU energy (`wh_gpu`), the deployment time it occupies
    /// (`occupancy_s`), its Wh at the chosen boundary (`wh`) and, where the GPU has a measured error
    /// band, at the band's two ends (`wh_low`, `wh_high`), host, idle power and PUE held; and
    /// `over_context`, 1 where input + output exceed the model's context window (priced as logged,
    /// as `trace` prices and counts them), else 0. Every added column is NULL where a token count
    /// is no request's: not a whole number in [0, 1e9) (`TraceReader.mostTokens`), or, in SQLite,
    /// not a number. An empty prompt is priced as one token, as `trace` prices it.
    ///
    /// Each column writes the GPU energy and occupancy again rather than reading them from a
    /// derived table: a derived table's `r.*` carries the table's own `wh_gpu` and `occupancy_s`,
    /// and SQLite read those (a table already holding `trace`'s batch-1 `wh_gpu` came out 12.7×
    /// too high), while helper columns of other names would ride along into the result and into
    /// any table made from it, where the next export would read them back.
    public func sql() -> String {
        let f = formula, d = f.deployment
        let input = "r.\(quoted(inputColumn))", output = "r.\(quoted(outputColumn))"
        let i = "CAST(\(input) AS \(dialect.doubleType))", o = "CAST(\(output) AS \(dialect.doubleType))"
        // A row no engine could run is no request: NULL, as a NULL count gives, where a token
        // count is negative (-5 priced as a prompt of 8,155 tokens), 1e9 or more (`trace`
        // refuses those; one such row priced 1.3 GWh, 1e300 infinity), not whole, or in SQLite
        // not a number at all (its CAST reads 'abc' and '' as 0: `CAST(x AS REAL) = x` holds for
        // numbers and numeric text only). The other dialects' CAST of such text fails or is NULL.
        let most = Self.lit(Double(TraceReader.mostTokens))
        var whole = "FLOOR(\(i)) = \(i) AND FLOOR(\(o)) = \(o)"
        if dialect == .sqlite { whole += " AND \(i) = \(input) AND \(o) = \(output)" }
        func perRow(_ value: String) -> String {
            // FLOOR only once the count is in range: Spark's FLOOR returns a BIGINT, which 1e300 overflows.
            "CASE WHEN \(i) >= 0 AND \(i) < \(most) AND \(o) >= 0 AND \(o) < \(most) THEN CASE WHEN \(whole) THEN \(value) END END"
        }
        // The priced columns for a prompt; an empty one is priced as one token, as `trace` does
        // (it was priced as none: 0 + 0 tokens as 0 Wh).
        func priced(_ p: Prompt) -> [(String, String)] {
            let gpuJ = gpuJoules(p, output: o), occupancy = occupancySeconds(p, output: o)
            let band = f.errorBand.map { [("wh_low", $0.ratioLow), ("wh_high", $0.ratioHigh)] } ?? []
            return [("wh_gpu", "\(gpuJ) / 3600"), ("occupancy_s", occupancy), ("wh", boundaryWh(gpuJoules: gpuJ, occupancy: occupancy))]
                + band.map { name, ratio in (name, boundaryWh(gpuJoules: gpuJ, occupancy: occupancy, gpuEnergyScale: ratio)) }
        }
        var added = zip(priced(.tokens(i)), priced(.one)).map { tokens, one in (tokens.0, "CASE WHEN \(i) < 1 THEN \(one.1) ELSE \(tokens.1) END") }
        let bandLine = f.errorBand.map { ["-- wh_low/wh_high: " + QueryRange.describe($0) + (f.bandCaveat.isEmpty ? "" : "; " + f.bandCaveat)] } ?? []
        // What the published serving runs say of estimates like it (the AMD gap), as estimate says
        // it: the query is the document a reader keeps, so the caveat travels in it.
        let caveatLines = PublishedServing.servingCaveats(for: d).map { "-- caveat: " + $0 }
        // Priced as logged, as `trace` prices them, but flagged: engines refuse such a request by default.
        added.append(("over_context", "CASE WHEN \(i) + \(o) > \(Self.lit(Double(d.model.maxPositions))) THEN 1 ELSE 0 END"))
        // Appended after every column it had, so positional readers keep theirs. Priced as logged too.
        added.append(("over_kv_cache", overKVCache(input: i, output: o)))
        let returns = added.dropFirst(2).map(\.0).joined(separator: ", ")
        let header = [
            "-- TokenWatt export-sql (\(dialect.rawValue)): Wh per request at the \(f.boundary.rawValue) boundary",
            "-- \(d.model.id) on \(d.gpuCount) × \(d.gpu.id), \(d.parallelism), \(d.precision.rawValue); \(Int(Double(f.localBatch) * f.ranks)) sequences in flight, prompts in chunks of \(Int(f.chunk)) tokens",
            "-- PUE \(formatNumber(f.pue)); \(idleWords); the same numbers as `tokenwatt estimate --method surface` with these flags",
            "-- Reads \(table)(\(inputColumn), \(outputColumn)); returns every column plus wh_gpu (GPU Wh), occupancy_s (deployment seconds), \(returns)",
            "-- (over_context: 1 where input + output exceed the \(d.model.maxPositions)-token context window, else 0;",
            "-- over_kv_cache: 1 where one sequence of input + output tokens does not fit in one engine's KV cache even alone",
            "-- (\(formatNumber(max(0, f.room.freeBytes) / 1e9, significant: 3)) GB per GPU left after weights and activations), which `estimate` refuses, else 0;",
            "-- both are priced as logged, as `trace` prices and counts them).",
            "-- Every added column is NULL where a token count is not a whole number from 0 to 999,999,999\(dialect == .sqlite ? " (or not a number: 'abc', '')" : ""); an empty prompt is priced as one token, as `trace` does.",
            "-- Each added column is computed from the two token columns alone; a column of the table with the same name is returned too, before it.",
        ] + bandLine + caveatLines
        return header.joined(separator: "\n")
            + "\nSELECT r.*,\n" + added.map { "  \(perRow($0.1)) AS \($0.0)" }.joined(separator: ",\n") + "\nFROM \(quoted(table)) AS r;\n"
    }

    /// `over_kv_cache` of a row: 1 where one sequence of the row's input + output tokens, in whole
    /// 16-token pages (an empty prompt as one token), needs more KV cache at its last token than
    /// one engine has free (`OneSequenceRoom.fits`, the test `estimate` refuses with and `trace`
    /// counts as "over KV cache"), else 0. The free bytes and the KV bytes per token and layer are
    /// the deployment's constants; a sliding-window layer holds at most its window. Pages are
    /// rounded up as −FLOOR(−x / 16), since not every dialect has CEIL.
    func overKVCache(input i: String, output o: String) -> String {
        let m = formula.room.model, free = formula.room.freeBytes
        guard free > 0 else { return "1" }
        let page = Self.lit(Double(KVCacheBudget.pageTokens))
        func pages(_ x: String) -> String { "(-FLOOR(-(\(x)) / \(page)) * \(page))" }
        let tokens = "(\(pages("CASE WHEN \(i) < 1 THEN 1 ELSE \(i) END")) + \(pages(o)))"
        let full = "\(Self.lit(m.perLayerToken * (m.layers - m.windowed))) * \(tokens)"
        let windowed = m.windowed > 0
            ? " + \(Self.lit(m.perLayerToken * m.windowed)) * " + (m.window.map { "CASE WHEN \(tokens) < \(Self.lit($0)) THEN \(tokens) ELSE \(Self.lit($0)) END" } ?? tokens)
            : ""
        let need = "\(full)\(windowed) + \(Self.lit(m.recurrentBytes))"
        return "CASE WHEN \(need) > \(Self.lit(free)) THEN 1 ELSE 0 END"
    }

    /// The prompt a row is priced with: its input tokens (an SQL expression), or the one token
    /// an empty prompt is priced as (`TokenFormula.wattHours`, `TraceReplay.call`), whose
    /// prefill is a constant.
    enum Prompt {
        case tokens(String)
        case one

        var sql: String {
            switch self {
            case let .tokens(i): return i
            case .one: return SQLExport.lit(1)
            }
        }
    }

    /// A row's GPU energy in J (an SQL expression of its prompt and output token count).
    func gpuJoules(_ p: Prompt, output o: String) -> String {
        let f = formula
        return "(\(prefill(f.energySegments, past: f.pastEnergy, prompt: p)) * \(Self.lit(f.gpus)) / \(Self.lit(f.ranks)) + (\(value(f.decodeEnergy, context(p, output: o)))) * \(Self.lit(f.gpus)) / (\(Self.lit(f.ranks)) * \(Self.lit(Double(f.localBatch)))) * \(steps(p, output: o)))"
    }

    /// The deployment seconds a row occupies (an SQL expression of its prompt and output token count).
    func occupancySeconds(_ p: Prompt, output o: String) -> String {
        let f = formula
        return "(\(prefill(f.timeSegments, past: f.pastTime, prompt: p)) / \(Self.lit(f.ranks)) + (\(value(f.decodeTime, context(p, output: o)))) / (\(Self.lit(f.ranks)) * \(Self.lit(Double(f.localBatch)))) * \(steps(p, output: o)))"
    }

    func context(_ p: Prompt, output o: String) -> String { "(\(p.sql) + \(o) / 2)" }

    func steps(_ p: Prompt, output o: String) -> String {
        switch p {
        case let .tokens(i): return "(\(o) + \(heldSteps(input: i)))"
        case .one: return "(\(o) + \(Self.lit(formula.heldSteps(1))))"
        }
    }

    /// The prompt cost of a row: the closed form below, or for the one-token prompt its value.
    func prefill(_ segments: [TokenFormula.Segment], past: CostCurve, prompt: Prompt) -> String {
        switch prompt {
        case let .tokens(i): return prefill(segments, past: past, input: i)
        case .one: return Self.lit(formula.prefill(1, segments: segments, past: past))
        }
    }

    /// The Wh at the formula's boundary of a request whose GPU energy is `gpuJoules` and whose
    /// occupancy is `occupancy` (SQL expressions, each written once): `TokenFormula.wattHours` as
    /// (G + k·occupancy) / PSU efficiency · m / 3600, with k the host power (and at `it` and
    /// `facility` under a busy fraction, the idle wall power over the idle time per busy second,
    /// times the PSU efficiency) and m the idle share and PUE factors.
    ///
    /// At a band's end (`gpuEnergyScale` r ≠ 1) G is scaled and the idle held: under a busy
    /// fraction k already holds it; under the default idle share x it is x of the nominal node
    /// energy, (G·(r + x) + k·(1 + x)·occupancy) / PSU efficiency · PUE / 3600, so wh_low and
    /// wh_high agree with `estimate`'s range (x of the scaled energy had moved the idle with it).
    func boundaryWh(gpuJoules gpuJ: String, occupancy: String, gpuEnergyScale r: Double = 1) -> String {
        let f = formula
        var k = f.hostWattsPerGPU * f.gpus, share = 0.0
        if f.boundary == .it || f.boundary == .facility {
            if let busy = f.busy {
                k += f.psuEfficiency * f.idleWallPower * (1 - busy) / busy
            } else if case let .idleShareOfActive(x) = f.utilization {
                share = x
            }
        }
        let pue = f.boundary == .facility ? f.pue : 1
        let scaled = r == 1 ? gpuJ : "\(gpuJ) * \(Self.lit(r))"
        switch f.boundary {
        case .gpu: return "\(scaled) / 3600"
        case .node, .it, .facility:
            // The nominal price keeps the expression it has always had: (G + k·occ)/PSU·(1 + x)·PUE.
            guard r != 1, share > 0 else {
                let m = (1 + share) * pue
                return "(\(scaled) + \(occupancy) * \(Self.lit(k))) / \(Self.lit(f.psuEfficiency)) * \(Self.lit(m)) / 3600"
            }
            return "(\(gpuJ) * \(Self.lit(r + share)) + \(occupancy) * \(Self.lit(k * (1 + share)))) / \(Self.lit(f.psuEfficiency)) * \(Self.lit(pue)) / 3600"
        }
    }
}
