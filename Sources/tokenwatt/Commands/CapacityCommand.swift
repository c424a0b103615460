import Foundation
import KernelPower
import TokenWatt

/// `tokenwatt capacity`: what a facility power budget can serve, per candidate GPU and cap.
enum CapacityCommand {
    static let usage = """
    tokenwatt capacity FILE.json --budget-mw MW [--gpus ID,ID,...] [--caps W,W,...] [--sizing busy|worst-case|nameplate]
                       [--itl-ms MS] [--ttft-ms MS] [--samples N] [--seed N]
                       [--format text|json] [--data-dir DIR] [--calibration FILE] [--model-catalog FILE] [--gpu-catalog FILE]
      For each kernel scenario of the workload, each GPU (default: the workload's own) and each cap
      (default: the deployments' own, TDP where they set none), the queries a day, GPUs, Wh per query
      and mean ITL and TTFT that fill the budget, sized on the fleet's provisioned peak: every replica
      of the busiest hour plus headroom, as `fleet` sizes it, at its mean busy draw (--sizing busy,
      the default: `power`'s "while serving") or at its worst case (--sizing worst-case: every GPU
      at its cap or TDP, the host busy, `power`'s "worst case") or at its servers' nameplate
      (--sizing nameplate: the replicas' GPUs in whole servers, each at its rated maximum at the
      wall, which boot and transients can reach). Each row gives the fleet's MW on all three and
      what the other basis fits (queries a day, GPUs; busy beside the others, worst case beside busy). --itl-ms and --ttft-ms are targets
      on mean ITL and TTFT, the fleet's and each class's with traffic: a row meets them only where
      every class does, and one that misses is marked in a targets column (naming each class that
      misses), not dropped. --caps takes watts and `none` (no cap: the GPU's TDP, a row labelled "TDP (700 W)"),
      e.g. --caps none,500; a cap at a GPU's TDP beside `none` is that row, run once; a cap outside
      the range of every candidate GPU is a usage error. Prices assume a router that packs the load
      onto full batches; a note says what spreading it over every replica would cost. Notes carry what estimate and fleet say of each candidate's
      deployments (the GPU's measured error, the AMD caveat, dequantized weights, a cap's decode
      saving as an upper bound), each once with the candidates it applies to. A mix or
      throughput-table scenario has no fleet of its own to size: a note names each one skipped.
      Each row ends with the fleet's busy MW with the GPU energy at the ends of its GPU's measured
      error band, the queries a day the budget fills at the band's high end, and the sampling error
      (±, 95 %) of its queries a day and GPUs; --seed N re-draws them, as in fleet.
      \(CommonOptions.dataDirectoryHelp)
    """

    static func run(_ argv: [String]) throws -> ExitCode {
        let args = try Arguments(argv, valued: ["budget-mw", "gpus", "caps", "sizing", "itl-ms", "ttft-ms", "samples", "seed", "format", "data-dir",
                                                "calibration", "model-catalog", "gpu-catalog"], boolean: [])
        // "error: missing argument" had named nothing: the argument is the workload file.
        guard !args.positional.isEmpty else { throw UsageError(description: "missing FILE.json, the workload whose scenarios to size") }
        let file = try args.requirePositional(1, usage: usage)[0]
        let format = try args.format([.text, .json], default: .text)
        guard let budget = try args.double("budget-mw", 1e-6...1e6) else { throw UsageError(description: "--budget-mw is required; usage: \(usage)") }
        let data = try DataDirectory.resolveIfNamed(explicit: args.string("data-dir"))
        let estimator = try CommonOptions.estimator(args)
        // A candidate named twice (an id and its alias, 700 and 700.0) runs once: it printed two
        // identical rows. Rows name the catalog id, as estimate does (`h100` was printed as typed).
        let gpus: [String?] = try args.string("gpus").map { list in
            let named = try items(list, flag: "gpus", example: "h100-sxm,h200").map { s in (s, try estimator.gpus.gpu(s, context: "--gpus").id) }
            return once(named, flag: "gpus").map { $0.value }
        } ?? [nil]
        // `none` is the uncapped run (TDP), beside capped ones: `--caps none,500` was refused, so
        // a table of capped rows had no uncapped row to read them against.
        let caps: [Capacity.Cap] = try args.string("caps").map { list in
            let named = try items(list, flag: "caps", example: "none,500,600").map { w -> (String, Capacity.Cap) in
                if w.lowercased() == "none" { return (w, .uncapped) }
                guard let v = Double(decimal: w.trimmingCharacters(in: .whitespaces)), v > 0 else {
                    throw UsageError(description: "--caps \(list): expected watts or none separated by commas, e.g. none,500,600")
                }
                return (w, .watts(v))
            }
            return once(named, flag: "caps").map { $0.value }
        } ?? [.asWritten]
        let sizing = try args.choice("sizing", Capacity.Sizing.self) ?? .busy
        let targets = Capacity.Targets(itlMs: try args.double("itl-ms", 1e-6...1e9), ttftMs: try args.double("ttft-ms", 1e-6...1e9))
        let samples = try args.int("samples", 100...10_000_000)
        let seed = try args.int("seed", 0...Int(Int32.max)).map { UInt64($0) }
        let workload = try WorkloadReader.read(path: file, dataDirectory: data, models: estimator.models, gpus: estimator.gpus)
        if let refusal = Capacity.capsUsageError(workload, gpus: gpus, caps: caps, catalog: estimator.gpus) {
            throw UsageError(description: refusal)
        }
        let capacity = try Capacity(workload: workload, runner: FleetRunner(estimator: estimator, dataDirectory: data), budgetMegawatts: budget,
                                    gpus: gpus, capCandidates: caps, samples: samples, seed: seed, file: file, sizing: sizing, targets: targets)
        // With no candidate run there is no result: the error alone, not a header over an empty
        // table on stdout (a 2026-12-07 probe's `--budget-mw 0.01` printed both, then failed).
        if capacity.rows.isEmpty {
            if capacity.failures.count > 1 { for f in capacity.failures { Output.note("note: not run: \(f.candidate): \(f.reason)") } }
            Output.error(capacity.failures.count == 1 ? "\(capacity.failures[0].candidate): \(capacity.failures[0].reason)"
                         : "none of the \(capacity.failures.count) candidates could be run (each is noted above)")
            return .failure
        }
        Output.write(format == .json ? JSONWriter(sortKeys: false).write(capacity.json()) : capacity.text())
        // Why each candidate did not run is a diagnostic, not a row of the result: stderr (they
        // were "not run:" lines on stdout, even when none ran).
        for f in capacity.failures { Output.note("note: not run: \(f.candidate): \(f.reason)") }
        if !capacity.failures.isEmpty {
            Output.note("note: \(capacity.failures.count) of \(capacity.failures.count + capacity.rows.count) candidates not run: "
                        + capacity.failures.map(\.candidate).joined(separator: ", "))
        }
        return .success
    }

    /// The first item of each value (a GPU's catalog id, a cap's watts), in order; a repeat is
    /// named in a note and dropped, so each candidate runs once.
    static func once<T: Hashable>(_ named: [(given: String, value: T)], flag: String) -> [(given: String, value: T)] {
        var seen: [T: String] = [:], kept: [(given: String, value: T)] = []
        for (given, value) in named {
            if let first = seen[value] {
                Output.note("note: --\(flag) names \(given == first ? "'\(given)' twice" : "'\(given)' and '\(first)', the same candidate"); run once")
                continue
            }
            seen[value] = given
            kept.append((given, value))
        }
        return kept
    }

    /// The items of a comma-separated list; an empty list or item is refused (`--gpus ""` fell
    /// through to "needs a workload with at least one kernel scenario", `h100-sxm,,h200` lost one).
    static func items(_ list: String, flag: String, example: String) throws -> [String] {
        let items = list.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !items.contains(where: \.isEmpty) else {
            throw UsageError(description: "--\(flag) \"\(list)\": expected values separated by commas, e.g. \(example), with none empty")
        }
        return items
    }
}
