import Foundation
import KernelPower

extension WorkloadReader.Context {
    /// A distribution: a bare number (fixed), `{"fixed": x}`, `{"exponential": {"median": m}}`,
    /// `{"lognormal": {"p5": a, "p95": b}}`, `{"uniform": {"low": a, "high": b}}`,
    /// `{"histogram": {"edges": [...], "weights": [...]}}` or
    /// `{"trace": {"file": "request-length-traces/azure2023_conv.csv", "column": "ContextTokens"}}`
    /// (a file under the shared data directory, or an absolute path; resampled).
    /// - Parameter tokens: the field counts tokens, so the values it states (a fixed value, a
    ///   uniform's bounds, a histogram's edges, a trace's cells) are whole numbers; a median or a
    ///   percentile describes a spread and may be fractional.
    mutating func distribution(_ v: JSONValue, path: String, range: ClosedRange<Double>, tokens: Bool = false) throws -> Distribution {
        if case let .number(x) = v { return .fixed(try inRange(x, path, range, tokens: tokens)) }
        var o = try JSONObjectReader(v, file: file, path: path)
        guard o.keys.count == 1, let kind = o.keys.first else {
            throw InputError.invalidValue(file: file, field: path, value: "keys \(o.keys.joined(separator: ", "))",
                                          expected: "exactly one of fixed, exponential, lognormal, uniform, histogram, trace")
        }
        let d: Distribution
        switch kind {
        case "fixed": d = .fixed(try inRange(try o.double("fixed"), "\(path).fixed", range, tokens: tokens))
        case "exponential":
            var e = try parameters(&o, "exponential")
            d = .clamped(.exponential(median: try e.double("median", 1e-9...range.upperBound, expected: "a positive median")),
                         low: range.lowerBound, high: range.upperBound)
            try e.finish()
        case "lognormal": d = try lognormal(try parameters(&o, "lognormal"), range: range)
        case "uniform": d = try uniform(try parameters(&o, "uniform"), path: "\(path).uniform", range: range, tokens: tokens)
        case "histogram": d = try histogram(try parameters(&o, "histogram"), path: "\(path).histogram", range: range, tokens: tokens)
        case "trace": d = try trace(try parameters(&o, "trace"), path: "\(path).trace", range: range, tokens: tokens)
        default:
            throw InputError.unknownKeys(file: file, field: path, keys: [kind], allowed: ["fixed", "exponential", "lognormal", "uniform", "histogram", "trace"])
        }
        try o.finish()
        return d
    }

    /// A distribution's parameter object, its keys checked first (`WorkloadReader.distributionKeys`):
    /// `{"lognormal": {"p5": 1, "p59": 2}}` had been "missing field 'p95'", with no word of `p59`.
    func parameters(_ o: inout JSONObjectReader, _ kind: String) throws -> JSONObjectReader {
        try o.object(kind).knowing(WorkloadReader.distributionKeys[kind] ?? [])
    }

    /// What a field takes, as its errors say it.
    func expectation(_ range: ClosedRange<Double>, tokens: Bool) -> String {
        (tokens ? "a whole token count" : "a value") + " from \(formatNumber(range.lowerBound)) to \(formatNumber(range.upperBound))"
    }

    /// `x` when the field takes it: within `range`, and whole for a token count (500.5 tokens
    /// had been drawn as 501 here while a trace refused 512.5).
    func inRange(_ x: Double, _ path: String, _ range: ClosedRange<Double>, tokens: Bool = false) throws -> Double {
        guard range.contains(x), !tokens || x == x.rounded() else {
            throw InputError.invalidValue(file: file, field: path, value: formatNumber(x, significant: 12), expected: expectation(range, tokens: tokens))
        }
        return x
    }

    func lognormal(_ r: JSONObjectReader, range: ClosedRange<Double>) throws -> Distribution {
        var l = r
        let top = range.upperBound
        // A field with a floor (PUE 1) names it: "a positive 5th percentile" refused 0.8.
        let floor = range.lowerBound > 0 ? "a 5th percentile from \(formatNumber(range.lowerBound)) to" : "a positive 5th percentile up to"
        let p5 = try l.double("p5", max(1e-12, range.lowerBound)...top, expected: "\(floor) \(formatNumber(top))")
        let p95 = try l.double("p95", p5...top, expected: "a 95th percentile from p5 to \(formatNumber(top))")
        try l.finish()
        return p95 > p5 ? .clamped(.lognormal(p5: p5, p95: p95), low: range.lowerBound, high: range.upperBound) : .fixed(p5)
    }

    func uniform(_ r: JSONObjectReader, path: String, range: ClosedRange<Double>, tokens: Bool) throws -> Distribution {
        var u = r
        // low is checked first: a low above the field's top would make low...top an
        // inverted range, which traps instead of naming the field.
        let lo = try inRange(try u.double("low"), "\(path).low", range, tokens: tokens)
        let hi = try inRange(try u.double("high"), "\(path).high", lo...range.upperBound, tokens: tokens)
        try u.finish()
        return .uniform(low: lo, high: hi)
    }

    func histogram(_ r: JSONObjectReader, path: String, range: ClosedRange<Double>, tokens: Bool) throws -> Distribution {
        var o = r
        func numbers(_ key: String) throws -> [Double] {
            try o.array(key).enumerated().map { i, v in
                guard case let .number(x) = v, x.isFinite, x >= 0 else {
                    throw InputError.invalidValue(file: file, field: "\(path).\(key)[\(i)]", value: v.shortDescription, expected: "a non-negative number")
                }
                return x
            }
        }
        let edges = try numbers("edges"), weights = try numbers("weights")
        try o.finish()
        for (i, e) in edges.enumerated() { _ = try inRange(e, "\(path).edges[\(i)]", range, tokens: tokens) }
        guard edges.count == weights.count + 1, weights.contains(where: { $0 > 0 }), zip(edges, edges.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw InputError.invalidValue(file: file, field: path, value: "\(edges.count) edges, \(weights.count) weights",
                                          expected: "increasing edges, one more than the weights, some weight")
        }
        return .histogram(edges: edges, weights: Distribution.rescaled(weights))
    }

    mutating func trace(_ r: JSONObjectReader, path: String, range: ClosedRange<Double>, tokens: Bool) throws -> Distribution {
        var o = r
        let name = try o.string("file"), column = try o.string("column")
        try o.finish()
        let table = try traceTable(name, path: path)
        guard let c = table.column(column) else {
            throw InputError.unknownID(kind: "column", id: column, suggestions: Suggestions.closest(to: column, among: table.header),
                                       context: "\(file): \(path)")
        }
        // Checked on every use, not once per file and column: a column of zeros read first as an
        // output had then been taken as an input, whose range starts at 1.
        let values = try table.rows.map { row -> Double in
            // Decimal numbers only, as every other table cell: 0x200 read as 512 and 512.5 tokens passed.
            guard let x = Double(decimal: row.fields[c]), range.contains(x), !tokens || x == x.rounded() else {
                throw InputError.invalidValue(file: table.file, field: "line \(row.line) \(column)", value: row.fields[c],
                                              expected: "\(expectation(range, tokens: tokens)) for \(path)")
            }
            return x
        }
        guard !values.isEmpty else { throw InputError.invalidValue(file: table.file, field: column, value: "no rows", expected: "values") }
        return .empirical(values)
    }

    /// The trace file `name` (relative to the data directory unless absolute), read once per workload.
    mutating func traceTable(_ name: String, path: String) throws -> CSVTable {
        guard let full = DataDirectory.file(name, in: dataDirectory) else {
            throw InputError.unreadable(file: file, reason: "\(path) reads \(name) from the shared data directory, which was not found "
                + "(pass --data-dir DIR or set TOKENWATT_DATA)")
        }
        if let table = traceTables[full] { return table }
        let table: CSVTable
        do { table = try CSVTable.read(path: full) } catch {
            let under = name.hasPrefix("/") ? "" : " under \(dataDirectory ?? "")"
            throw InputError.invalidValue(file: file, field: "\(path).file", value: name, expected: "a readable CSV trace\(under) (\(error))")
        }
        traceTables[full] = table
        inputs.record(role: "request-length trace", name: name, full: full, base: .dataFolder)
        return table
    }
}
