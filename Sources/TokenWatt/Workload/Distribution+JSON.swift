import Foundation
import KernelPower

extension WorkloadReader.Context {
    /// A distribution: a bare number (fixed), `{"fixed": x}`, `{"exponential": {"median": m}}`,
    /// `{"lognormal": {"p5": a, "p95": b}}`, `{"uniform": {"low": a, "high": b}}`,
    /// `{"histogram": {"edges": [...], "weights": [...]}}` or
    /// `{"trace": {"file": "request-length-traces/azure2023_conv.csv", "column": "ContextTokens"}}`
    /// (a file under the shared data directory, resampled).
    mutating func distribution(_ v: JSONValue, path: String, range: ClosedRange<Double>) throws -> Distribution {
        if case let .number(x) = v { return .fixed(try inRange(x, path, range)) }
        var o = try JSONObjectReader(v, file: file, path: path)
        guard o.keys.count == 1, let kind = o.keys.first else {
            throw InputError.invalidValue(file: file, field: path, value: "keys \(o.keys.joined(separator: ", "))",
                                          expected: "exactly one of fixed, exponential, lognormal, uniform, histogram, trace")
        }
        let d: Distribution
        switch kind {
        case "fixed": d = .fixed(try inRange(try o.double("fixed"), path, range))
        case "exponential":
            var e = try o.object("exponential")
            d = .clamped(.exponential(median: try e.double("median", 1e-9...range.upperBound, expected: "a positive median")),
                         low: range.lowerBound, high: range.upperBound)
            try e.finish()
        case "lognormal":
            var l = try o.object("lognormal")
            let top = range.upperBound
            // A field with a floor (PUE 1) names it: "a positive 5th percentile" refused 0.8.
            let floor = range.lowerBound > 0 ? "a 5th percentile from \(formatNumber(range.lowerBound)) to" : "a positive 5th percentile up to"
            let p5 = try l.double("p5", max(1e-12, range.lowerBound)...top, expected: "\(floor) \(formatNumber(top))")
            let p95 = try l.double("p95", p5...top, expected: "a 95th percentile from p5 to \(formatNumber(top))")
            try l.finish()
            d = p95 > p5 ? .clamped(.lognormal(p5: p5, p95: p95), low: range.lowerBound, high: range.upperBound) : .fixed(p5)
        case "uniform":
            var u = try o.object("uniform")
            // low is checked first: a low above the field's top would make low...top an
            // inverted range, which traps instead of naming the field.
            let lo = try inRange(try u.double("low"), "\(path).uniform.low", range)
            let hi = try u.double("high", lo...range.upperBound,
                                  expected: "a value from low (\(formatNumber(lo))) to \(formatNumber(range.upperBound))")
            try u.finish()
            d = .uniform(low: lo, high: hi)
        case "histogram": d = try histogram(try o.object("histogram"), path: "\(path).histogram", range: range)
        case "trace": d = try trace(try o.object("trace"), path: "\(path).trace", range: range)
        default:
            throw InputError.unknownKeys(file: file, field: path, keys: [kind], allowed: ["fixed", "exponential", "lognormal", "uniform", "histogram", "trace"])
        }
        try o.finish()
        return d
    }

    func inRange(_ x: Double, _ path: String, _ range: ClosedRange<Double>) throws -> Double {
        guard range.contains(x) else {
            throw InputError.invalidValue(file: file, field: path, value: formatNumber(x),
                                          expected: "a value from \(formatNumber(range.lowerBound)) to \(formatNumber(range.upperBound))")
        }
        return x
    }

    func histogram(_ r: JSONObjectReader, path: String, range: ClosedRange<Double>) throws -> Distribution {
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
        for (i, e) in edges.enumerated() { _ = try inRange(e, "\(path).edges[\(i)]", range) }
        guard edges.count == weights.count + 1, weights.contains(where: { $0 > 0 }), zip(edges, edges.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw InputError.invalidValue(file: file, field: path, value: "\(edges.count) edges, \(weights.count) weights",
                                          expected: "increasing edges, one more than the weights, some weight")
        }
        return .histogram(edges: edges, weights: Distribution.rescaled(weights))
    }

    mutating func trace(_ r: JSONObjectReader, path: String, range: ClosedRange<Double>) throws -> Distribution {
        var o = r
        let name = try o.string("file"), column = try o.string("column")
        try o.finish()
        guard let dir = dataDirectory else {
            throw InputError.unreadable(file: file, reason: "\(path) reads \(name) from the shared data directory, which was not found "
                + "(pass --data-dir DIR or set TOKENWATT_DATA)")
        }
        let key = name + "|" + column
        if let values = traceCache[key] { return .empirical(values) }
        let table: CSVTable
        do { table = try CSVTable.read(path: dir + "/" + name) } catch {
            throw InputError.invalidValue(file: file, field: "\(path).file", value: name, expected: "a readable CSV trace under \(dir) (\(error))")
        }
        guard let c = table.column(column) else {
            throw InputError.unknownID(kind: "column", id: column, suggestions: Suggestions.closest(to: column, among: table.header),
                                       context: "\(file): \(path)")
        }
        let values = try table.rows.map { row -> Double in
            // Decimal whole numbers only, as every other table cell: 0x200 read as 512 and 512.5 tokens passed.
            guard let x = Double(decimal: row.fields[c]), x == x.rounded(), range.contains(x) else {
                throw InputError.invalidValue(file: table.file, field: "line \(row.line) \(column)", value: row.fields[c], expected: "a whole token count")
            }
            return x
        }
        guard !values.isEmpty else { throw InputError.invalidValue(file: table.file, field: column, value: "no rows", expected: "values") }
        traceCache[key] = values
        return .empirical(values)
    }
}
