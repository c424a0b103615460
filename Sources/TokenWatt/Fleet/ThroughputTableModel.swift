import Foundation
import KernelPower

/// Oviedo et al.'s released method (microsoft/aienergy_simulation; Joule 2026): per query
///
///     E [Wh] = PUE · P_node,max [kW] · PU · L_out / TPS(L_in, L_out) · 1000 / 3600
///
/// with TPS a per-model OLS fit `ln TPS = b0 + b1 ln L_in + b2 ln L_out` on the measured
/// throughput table (capped at the model's highest measured TPS; with fewer than 3 rows, the
/// highest TPS as a constant). Shared/research/per-query-methods.md §1.3–1.7.
public struct ThroughputTableModel: Sendable {
    public struct Fit: Sendable {
        public var name: String
        public var coefficients: [Double]?   // b0, b1, b2 or nil for a constant
        public var cap: Double
        /// The input lengths the model was measured at: the fit extrapolates outside them.
        public var inputLengths: ClosedRange<Double> = 1...1

        public func tps(input: Double, output: Double) -> Double {
            guard let b = coefficients else { return cap }
            return min(cap, exp(b[0] + b[1] * log(input) + b[2] * log(max(1, output))))
        }
    }

    /// - Parameter dataDirectory: where a relative `s.file` lies (an absolute one is read as given).
    public static func fits(_ s: ThroughputScenario, dataDirectory: String?) throws -> [Fit] {
        let t: CSVTable
        do { t = try CSVTable.read(path: DataDirectory.file(s.file, in: dataDirectory) ?? s.file) } catch {
            throw FleetError(description: "\(s.field).file '\(s.file)': \(error)")
        }
        guard let model = t.column("Model"), let q = t.column("Quantization"), let tps = t.column("Tokens per Second (TPS)"),
              let li = t.column("Input Length"), let lo = t.column("Output Length") else {
            throw InputError.missingField(file: t.file, field: "Model, Quantization, Tokens per Second (TPS), Input Length, Output Length",
                                          expected: "the columns of model_throughput_DB.csv")
        }
        let quantizations = t.rows.map { $0.fields[q] }.uniqued()
        guard quantizations.contains(s.quantization) else {
            throw FleetError(description: "\(s.field).quantization: \(t.file) has no '\(s.quantization)' rows"
                + Self.hint(s.quantization, among: quantizations, kind: "quantizations"))
        }
        return try s.models.enumerated().map { i, m in
            let rows = try t.rows.filter { $0.fields[model] == m.name && $0.fields[q] == s.quantization }
                .compactMap { r -> (Double, Double, Double)? in
                    // A row measured at "Variable" lengths cannot be fitted and is left out, as the released code does.
                    guard let a = Double(decimal: r.fields[li]), let b = Double(decimal: r.fields[lo]), a > 0, b > 0 else { return nil }
                    return (a, b, try Self.throughput(r, column: tps, in: t))
                }
            guard let cap = rows.map(\.2).max(), let shortest = rows.map(\.0).min(), let longest = rows.map(\.0).max() else {
                throw Self.noRows(for: m.name, at: "\(s.field).models[\(i)].name", quantization: s.quantization, columns: (model, q), in: t)
            }
            guard rows.count >= 3 else { return Fit(name: m.name, coefficients: nil, cap: cap, inputLengths: shortest...longest) }
            let a = rows.map { [1, log($0.0), log($0.1)] }
            let b = rows.map { log($0.2) }
            return Fit(name: m.name, coefficients: NNLS.leastSquares(a, b, columns: [0, 1, 2]), cap: cap, inputLengths: shortest...longest)
        }
    }

    /// A row's tokens per second, refused unless positive and finite: 0 gave null results,
    /// -5 negative ones, and ln 0 in the fit a model priced at its cap, all with exit 0.
    static func throughput(_ r: CSVTable.Row, column: Int, in t: CSVTable) throws -> Double {
        guard let y = Double(decimal: r.fields[column]), y > 0 else {
            throw InputError.invalidValue(file: t.file, field: "line \(r.line) \(t.header[column])", value: r.fields[column],
                                          expected: "a positive number of tokens per second")
        }
        return y
    }

    /// The error for a model with no rows at measured lengths: a suggestion only where the table
    /// has another name for it (a name it has, whose lengths all read "Variable", was offered as
    /// its own correction).
    static func noRows(for name: String, at field: String, quantization: String, columns: (model: Int, q: Int), in t: CSVTable) -> FleetError {
        let names = t.rows.filter { $0.fields[columns.q] == quantization }.map { $0.fields[columns.model] }.uniqued()
        guard !names.contains(name) else {
            return FleetError(description: "\(field): \(t.file) has \(quantization) rows for model '\(name)', but none at numeric input and output lengths")
        }
        return FleetError(description: "\(field): \(t.file) has no \(quantization) rows for model '\(name)'"
            + Self.hint(name, among: names, kind: "\(quantization) models"))
    }

    /// "; did you mean 'X'? (the table's ...: A, B)" for an id the table lacks.
    static func hint(_ id: String, among names: [String], kind: String) -> String {
        let near = Suggestions.closest(to: id, among: names)
        return (near.isEmpty ? "" : "; did you mean \(near.map { "'\($0)'" }.joined(separator: ", "))?")
            + " (the table's \(kind): \(names.sorted().joined(separator: ", ")))"
    }

    /// A note when the scenario's input length lies outside what a blended model was measured
    /// at: its TPS is then the fit's extrapolation (7,777,777 tokens gave 66 Wh with no word).
    public static func extrapolationNote(_ s: ThroughputScenario, fits: [Fit]) -> String? {
        let outside = fits.filter { !$0.inputLengths.contains(s.inputTokens) }
        guard !outside.isEmpty else { return nil }
        let ranges = outside.map { "\($0.name) \(formatNumber($0.inputLengths.lowerBound))–\(formatNumber($0.inputLengths.upperBound))" }
        return "inputTokens \(formatNumber(s.inputTokens, significant: 12)) is outside the input lengths the table measured (\(ranges.joined(separator: "; "))): "
            + "their throughput is the fit's extrapolation"
    }

    /// How the scenario's day follows from its per-query figure, every factor named. The per-query
    /// figures are the trimmed blend's; the day is the untrimmed mean × the fleet overhead × the
    /// queries: Oviedo's `traditional` reads 0.437 Wh and 0.153 g a query beside 0.729 GWh and
    /// 255 t a day, and its note had given only "the untrimmed mean × 1.3256", with the untrimmed
    /// mean (0.55 Wh) printed nowhere and the × 1.67 from a query's figure to the day left to the
    /// summary alone.
    /// - Parameters:
    ///   - blendMean: the trimmed blend's mean Wh per query (the figure the report prints).
    ///   - untrimmedMean: the mean Wh per query of the blended models' untrimmed samples.
    ///   - gwhPerDay: the day the scenario reports, queries × untrimmed mean × the fleet overhead.
    public static func dayNote(_ s: ThroughputScenario, models: [String], blendMean: Double, untrimmedMean: Double, queriesPerDay: Double,
                               gwhPerDay gwh: Double) -> String {
        let trims = s.blendTrims.map { "P\(formatNumber($0.0 * 100))–P\(formatNumber($0.1 * 100))" }.joined(separator: " then ")
        let overhead = formatNumber(s.fleetOverhead, significant: 5)
        let head = "throughput-table mode (Oviedo et al.): blend of \(models.joined(separator: ", ")); "
        guard blendMean > 0, untrimmedMean > 0 else { return head + "fleet energy from the untrimmed mean × \(overhead)" }
        let trimRatio = untrimmedMean / blendMean
        return head + "a query's figures are the blend's mean, \(formatNumber(blendMean, significant: 3)) Wh"
            + (trims.isEmpty ? "" : " (each model trimmed to \(trims))")
            + "; the day is \(FleetRendering.queries(queriesPerDay)) queries × the untrimmed mean \(formatNumber(untrimmedMean, significant: 3)) Wh "
            + "× the fleet overhead \(overhead) = \(formatNumber(gwh, significant: 3)) GWh, so a day's energy, carbon and water are "
            + "× \(formatNumber(trimRatio * s.fleetOverhead, significant: 3)) a query's × the queries "
            + "(untrimmed ÷ blend mean \(formatNumber(trimRatio, significant: 3)) × \(overhead))"
    }

    /// The caveat every throughput-table scenario carries: its spread is its drawn inputs', not
    /// a measured error. `tokenwatt validate` scores the kernel estimator on measured runs; this
    /// method is Oviedo et al.'s as released and no run here checks it, so its figures carry no
    /// error band (a kernel scenario's day gives the band's ends; this one's had said nothing).
    public static let errorCaveat = "no measured error band: the throughput-table method is Oviedo et al.'s as released, not validated by "
        + "`tokenwatt validate`; its P5–P95 is the spread of the drawn output lengths, power utilization and PUE, not an error range"

    /// Samples of Wh per query for each model (facility boundary: PUE included).
    public static func samples(_ s: ThroughputScenario, pue: Distribution, fits: [Fit], seed: UInt64) -> [[Double]] {
        zip(s.models, fits).enumerated().map { i, pair in
            let (m, fit) = pair
            var rng = SeededRandom(seed: seed).stream(UInt64(i))
            return (0..<s.samplesPerModel).map { _ in
                var lout = s.output.sample(&rng)
                if s.roundOutput { lout = lout.rounded() }
                let pu = s.powerUtilization.sample(&rng), p = pue.sample(&rng)
                guard lout >= 1 else { return 0 }
                return p * m.nodePowerKW * pu * lout / fit.tps(input: s.inputTokens, output: lout) * 1000 / 3600
            }
        }
    }

    /// The reported blend: the `top` models by median energy, each trimmed successively to the
    /// given quantile ranges, concatenated; and the untrimmed samples of those models (for fleet means).
    /// - Throws: `FleetError` naming `s.field`'s `blendTrims` when they leave a model no samples
    ///   (`[[0.5, 0.5000001]]` had reported 0 Wh per query beside a nonzero day).
    public static func blend(_ perModel: [[Double]], of s: ThroughputScenario) throws -> (blend: [Double], untrimmed: [Double], models: [Int]) {
        let medians = perModel.map { QueryStatistics($0).median }
        let chosen = medians.indices.sorted { medians[$0] != medians[$1] ? medians[$0] > medians[$1] : $0 < $1 }.prefix(s.blendTop)
        var blend: [Double] = [], untrimmed: [Double] = []
        for i in chosen {
            let kept = trimmed(perModel[i].sorted(), to: s.blendTrims)
            guard !kept.isEmpty else {
                throw FleetError(description: "\(s.field).blendTrims: the trims leave model '\(s.models[i].name)' none of its \(perModel[i].count) samples; "
                                 + "expected quantile ranges that keep some")
            }
            blend += kept
            untrimmed += perModel[i]
        }
        return (blend, untrimmed, Array(chosen))
    }

    /// Sorted samples cut successively to each `[low, high]` quantile range.
    static func trimmed(_ sorted: [Double], to trims: [(Double, Double)]) -> [Double] {
        trims.reduce(sorted) { s, trim in
            let a = QueryStatistics.quantile(s, trim.0), b = QueryStatistics.quantile(s, trim.1)
            return s.filter { $0 >= a && $0 <= b }
        }
    }
}
