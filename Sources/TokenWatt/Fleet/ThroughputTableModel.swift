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

        public func tps(input: Double, output: Double) -> Double {
            guard let b = coefficients else { return cap }
            return min(cap, exp(b[0] + b[1] * log(input) + b[2] * log(max(1, output))))
        }
    }

    public static func fits(_ s: ThroughputScenario, dataDirectory: String) throws -> [Fit] {
        let t = try CSVTable.read(path: dataDirectory + "/" + s.file)
        guard let model = t.column("Model"), let q = t.column("Quantization"), let tps = t.column("Tokens per Second (TPS)"),
              let li = t.column("Input Length"), let lo = t.column("Output Length") else {
            throw InputError.missingField(file: t.file, field: "Model, Quantization, Tokens per Second (TPS), Input Length, Output Length",
                                          expected: "the columns of model_throughput_DB.csv")
        }
        return try s.models.map { m in
            let rows = t.rows.filter { $0.fields[model] == m.name && $0.fields[q] == s.quantization }
                .compactMap { r -> (Double, Double, Double)? in
                    guard let a = Double(r.fields[li]), let b = Double(r.fields[lo]), let y = Double(r.fields[tps]), a > 0, b > 0, y > 0, y.isFinite else { return nil }
                    return (a, b, y)
                }
            guard let cap = rows.map(\.2).max() else {
                throw FleetError(description: "\(t.file): no \(s.quantization) rows with numeric lengths for model '\(m.name)'")
            }
            guard rows.count >= 3 else { return Fit(name: m.name, coefficients: nil, cap: cap) }
            let a = rows.map { [1, log($0.0), log($0.1)] }
            let b = rows.map { log($0.2) }
            return Fit(name: m.name, coefficients: NNLS.leastSquares(a, b, columns: [0, 1, 2]), cap: cap)
        }
    }

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
    public static func blend(_ perModel: [[Double]], top: Int, trims: [(Double, Double)]) -> (blend: [Double], untrimmed: [Double], models: [Int]) {
        let medians = perModel.map { QueryStatistics($0).median }
        let chosen = medians.indices.sorted { medians[$0] != medians[$1] ? medians[$0] > medians[$1] : $0 < $1 }.prefix(top)
        var blend: [Double] = [], untrimmed: [Double] = []
        for i in chosen {
            var s = perModel[i].sorted()
            for (lo, hi) in trims {
                let a = QueryStatistics.quantile(s, lo), b = QueryStatistics.quantile(s, hi)
                s = s.filter { $0 >= a && $0 <= b }
            }
            blend += s
            untrimmed += perModel[i]
        }
        return (blend, untrimmed, Array(chosen))
    }
}

extension QueryStatistics {
    static func quantile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let x = p * Double(sorted.count - 1)
        let i = Int(x.rounded(.down)), f = x - Double(i)
        return i + 1 < sorted.count ? sorted[i] + (sorted[i + 1] - sorted[i]) * f : sorted[i]
    }
}

