import Foundation
import KernelPower

/// The assumptions table's rows for what drives the figures besides the factors: each class's
/// request lengths, the day's load and headroom, the uncertain multipliers, each deployment's
/// serving settings and the power coefficients' provenance. A compliance probe (2026-12-08)
/// found the table listing factors and hardware but none of these, which set most of a query's
/// energy (input tokens alone explain 94 % of chat-service's spread).
extension WorkloadReport {
    /// A kernel scenario's headroom and daily load, and its uncertain multipliers where it has any.
    func trafficRows(_ s: ScenarioReport) -> [[String]] {
        let file = "workload file \(source)"
        switch s.scenario.kind {
        case let .kernel(k):
            let flat = k.diurnal.allSatisfy { abs($0 - 1.0 / 24) < 1e-9 }
            let day = flat ? "a flat day, each hour 1/24 of the day's queries"
                : "busiest hour \(formatPercent(k.diurnal.max() ?? 0)) of the day's queries, quietest \(formatPercent(k.diurnal.min() ?? 0)) (24 hourly shares)"
            var rows = [["headroom and daily load, scenario \(s.fleet.name)",
                         "capacity \(formatPercent(k.headroom, decimals: 0)) above the busiest hour's load; \(day)",
                         "\(file) (where it sets none: 20 % headroom, a flat day)"]]
            let scales = [("GPU energy", k.gpuEnergyScale), ("host power", k.hostPowerScale)].filter { $0.1 != .fixed(1) }
            if !scales.isEmpty {
                rows.append(["uncertain multipliers, scenario \(s.fleet.name)", scales.map { "\($0.0) × \($0.1.summary)" }.joined(separator: "; "), file])
            }
            return rows
        case let .throughputTable(t):
            return [["request lengths, scenario \(s.fleet.name)",
                     "input tokens: \(formatNumber(t.inputTokens)); output tokens: \(t.output.summary); power utilization: \(t.powerUtilization.summary)",
                     file + inputSource([t.file])]]
        case .mix: return []
        }
    }

    /// Each class's input and output lengths: the distribution, or the trace file and column
    /// with what was read from it, and the trace's fingerprint and README where the data folder
    /// has one. A class in several scenarios with the same lengths is one row.
    func lengthRows(_ s: ScenarioReport, seen: inout Set<String>) -> [[String]] {
        guard case let .kernel(k) = s.scenario.kind else { return [] }
        return k.classes.compactMap { c in
            let value = "input tokens: \(Self.lengthWords(c.input, c.inputTrace)); output tokens: \(Self.lengthWords(c.output, c.outputTrace))"
            guard seen.insert("lengths|\(c.name)|\(value)").inserted else { return nil }
            return ["request lengths of class \(ReportDocument.code(c.name)), scenario \(s.fleet.name)", value,
                    "workload file \(source)" + inputSource([c.inputTrace?.file, c.outputTrace?.file].compactMap { $0 })]
        }
    }

    /// "trace `request-length-traces/azure2023_conv.csv`, column `ContextTokens`: empirical (19366
    /// observations, mean 1155)", or the distribution's summary.
    static func lengthWords(_ d: Distribution, _ trace: TraceColumn?) -> String {
        guard let t = trace else { return d.summary }
        return "trace \(ReportDocument.code(t.file)), column \(ReportDocument.code(t.column)): \(d.summary)"
    }

    /// "; request-length-traces/azure2023_conv.csv in the data folder, fnv1a64:…, its source and
    /// licence in `request-length-traces/README.md`" for each of `files` the run read.
    func inputSource(_ files: [String]) -> String {
        files.uniqued().compactMap { f in
            inputs.first { $0.path == f }.map { i in
                "; \(ReportDocument.code(i.path))\(i.base == .absolute ? "" : " (\(i.base.rawValue))") fnv1a64:\(i.fnv1a64)" + (i.readme.map { ", its source and licence in \(ReportDocument.code($0))" } ?? "")
            }
        }.joined()
    }

    /// A served deployment's serving settings (`ServingSettings`) and, once per GPU, its power
    /// coefficients' provenance with where their accuracy is published.
    func servingRows(scenario: String, deployment: String, seen: inout Set<String>) -> [[String]] {
        guard let s = serving.first(where: { $0.scenario == scenario && $0.deployment == deployment }) else { return [] }
        var rows: [[String]] = []
        let value = [s.batching, s.layout, s.sampling, s.clock].joined(separator: "; ")
        if seen.insert("serving|\(deployment)|\(value)").inserted {
            rows.append(["serving settings, deployment \(deployment)", value,
                         ["workload file \(source)", s.defaults.isEmpty ? nil : "Defaults where it sets none: " + s.defaults.joined(separator: "; "),
                          s.servingFit.map { $0.prefix(1).uppercased() + $0.dropFirst() }].compactMap { $0 }.joined(separator: ". ") + "."])
        }
        if seen.insert("coefficients|\(s.gpu)").inserted {
            rows.append(["power coefficients, \(s.gpu)", s.coefficients,
                         calibrationIsBundled ? "bundled calibration (`tokenwatt calibrate --builtin`); accuracy: `tokenwatt validate`, Reports/validation.md"
                             : "the calibration file given with --calibration"])
        }
        return rows
    }
}
