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
}

public struct SQLExport: Sendable {
    public var formula: TokenFormula
    public var dialect: SQLDialect
    public var table = "requests"
    public var inputColumn = "input_tokens"
    public var outputColumn = "output_tokens"

    public init(formula: TokenFormula, dialect: SQLDialect, table: String = "requests", inputColumn: String = "input_tokens",
                outputColumn: String = "output_tokens") throws {
        for (what, name) in [("table", table), ("input column", inputColumn), ("output column", outputColumn)] {
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }), !(name.first?.isNumber ?? true) else {
                throw InputError.invalidValue(file: "export-sql", field: what, value: name, expected: "an SQL identifier (letters, digits, _ and .)")
            }
        }
        self.formula = formula
        self.dialect = dialect
        self.table = table
        self.inputColumn = inputColumn
        self.outputColumn = outputColumn
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

    /// One SELECT over a derived table: the inner query adds each row's GPU energy (`wh_gpu`) and
    /// the deployment time it occupies (`occupancy_s`), each written once; the outer query prices
    /// them at the chosen boundary (`wh`) and, where the GPU has a measured error band, at the
    /// band's two ends (`wh_low`, `wh_high`), host, idle power and PUE held.
    public func sql() -> String {
        let f = formula, d = f.deployment
        let i = "CAST(r.\(inputColumn) AS \(dialect.doubleType))", o = "CAST(r.\(outputColumn) AS \(dialect.doubleType))"
        let context = "(\(i) + \(o) / 2)"
        let b = Double(f.localBatch)
        let steps = "(\(o) + \(heldSteps(input: i)))"
        // A negative token count is no request: NULL, as a NULL count gives (it priced as a
        // prompt of 8,155 tokens at -5, where `estimate` refuses it).
        let invalid = "\(i) < 0 OR \(o) < 0"
        let gpuJ = "(CASE WHEN \(invalid) THEN NULL ELSE \(prefill(f.energySegments, past: f.pastEnergy, input: i)) * \(Self.lit(f.gpus)) / \(Self.lit(f.ranks)) + (\(value(f.decodeEnergy, context))) * \(Self.lit(f.gpus)) / (\(Self.lit(f.ranks)) * \(Self.lit(b))) * \(steps) END)"
        let occupancy = "(CASE WHEN \(invalid) THEN NULL ELSE \(prefill(f.timeSegments, past: f.pastTime, input: i)) / \(Self.lit(f.ranks)) + (\(value(f.decodeTime, context))) / (\(Self.lit(f.ranks)) * \(Self.lit(b))) * \(steps) END)"
        var priced = ["\(boundaryWh(gpuJoules: "(t.wh_gpu * 3600)")) AS wh"]
        var returns = "wh"
        var bandLine: [String] = []
        if let band = f.errorBand {
            priced += [("wh_low", band.ratioLow), ("wh_high", band.ratioHigh)].map { name, ratio in
                "\(boundaryWh(gpuJoules: "(t.wh_gpu * 3600 * \(Self.lit(ratio)))")) AS \(name)"
            }
            returns = "wh, wh_low, wh_high"
            bandLine = ["-- wh_low/wh_high: " + QueryRange.describe(band)]
        }
        let header = [
            "-- TokenWatt export-sql (\(dialect.rawValue)): Wh per request at the \(f.boundary.rawValue) boundary",
            "-- \(d.model.id) on \(d.gpuCount) × \(d.gpu.id), \(d.parallelism), \(d.precision.rawValue); \(Int(b * f.ranks)) sequences in flight, prompts in chunks of \(Int(f.chunk)) tokens",
            "-- PUE \(formatNumber(f.pue)); the same numbers as `tokenwatt estimate --method surface` with these flags",
            "-- Reads \(table)(\(inputColumn), \(outputColumn)); returns every column plus wh_gpu (GPU Wh), occupancy_s (deployment seconds), \(returns).",
        ] + bandLine
        return header.joined(separator: "\n")
            + "\nSELECT t.*, \(priced.joined(separator: ", "))\nFROM (SELECT r.*, \(gpuJ) / 3600 AS wh_gpu, \(occupancy) AS occupancy_s\n      FROM \(table) AS r) AS t;\n"
    }

    /// The Wh at the formula's boundary of a request whose GPU energy is `gpuJoules` (an SQL
    /// expression), its occupancy read from the inner query: `TokenFormula.wattHours` in SQL.
    func boundaryWh(gpuJoules gpuJ: String) -> String {
        let f = formula
        let nodeJ = "((\(gpuJ) + \(Self.lit(f.hostWattsPerGPU)) * \(Self.lit(f.gpus)) * t.occupancy_s) / \(Self.lit(f.psuEfficiency)))"
        let idleJ: String
        if let busy = f.busy {
            idleJ = "\(Self.lit(f.idleWallPower)) * t.occupancy_s * (1 - \(Self.lit(busy))) / \(Self.lit(busy))"
        } else if case let .idleShareOfActive(share) = f.utilization {
            idleJ = "\(Self.lit(share)) * \(nodeJ)"
        } else {
            idleJ = "0"
        }
        switch f.boundary {
        case .gpu: return "\(gpuJ) / 3600"
        case .node: return "\(nodeJ) / 3600"
        case .it: return "(\(nodeJ) + \(idleJ)) / 3600"
        case .facility: return "(\(nodeJ) + \(idleJ)) * \(Self.lit(f.pue)) / 3600"
        }
    }
}
