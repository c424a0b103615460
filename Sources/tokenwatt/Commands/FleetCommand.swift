import Foundation
import KernelPower
import TokenWatt

/// `tokenwatt fleet FILE`: the main job: Wh-per-query distributions and GWh per day of a workload.
enum FleetCommand {
    /// The first line is the one a usage error repeats; the rest is `help fleet`, which had been
    /// that line alone, with no defaults for --samples or --seed (2026-12-07 probe).
    static let usage = """
    tokenwatt fleet FILE.json [--samples N] [--seed S] [--format text|json|markdown] [--data-dir DIR] [--calibration FILE] [--model-catalog FILE] [--gpu-catalog FILE]
      Runs a seeded Monte Carlo over each scenario of a workload file (Workloads/*.json; README, "Workload
      files") and prints, per scenario, Wh per query at its boundary (median, mean, P5–P95), GWh a day,
      the fleet sized for the busiest hour (GPUs, nodes, provisioned MW at the wall and the facility),
      latency, each class's figures, the median and mean query's ledgers, the variance shares and each
      lever the file asks for, ranked by saving.
      --samples N  draws per scenario (1 to 10000000; default: the file's "samples", else 10000); each draw is
                   kept until the run ends: memory ≈ 0.6 KB per sample of each scenario (one scenario of 1,000,000
                   draws peaked at 535 MB; 10,000,000 take ~5.7 GB)
      --seed S     the random seed (0 to 2147483647; default: the file's "seed", else 42); the same file,
                   samples and seed give the same bytes
      --format     text (default: a summary table, then one block per scenario), markdown (the same as
                   tables and lists) or json (tool, catalogs, workload, seed, samples, description, scenarios)
      Notes (clipped batches, the estimator's measured error, the mean's sampling error, lever caveats) are
      part of each scenario's output on standard output: "note:" lines in text, a list in markdown,
      `notes` in JSON; only errors go to standard error.
      Reading the ranges: median, mean and P5–P95 Wh are the spread of one query's Wh over the draws
      (lengths, classes and the drawn uncertainties). The GWh/day ranges in parentheses hold one input
      for every query of the day: the GPU energy at each end of the estimator's measured error band, the
      site's PUE and the hosts' power at their P5 and P95, for a site has one PUE and one kind of server
      where per-query draws average them out; a lever's range is its saving across the measured error of
      changes of its kind (`validate`'s levers).
      \(CommonOptions.dataDirectoryHelp)
      --calibration FILE, --model-catalog FILE, --gpu-catalog FILE  your files beside or instead of the bundled ones
    """

    static func run(_ argv: [String]) throws -> ExitCode {
        let args = try Arguments(argv, valued: ["samples", "seed", "format", "data-dir", "calibration", "model-catalog", "gpu-catalog"], boolean: [])
        let file = try args.requirePositional(1, usage: usage)[0]
        let format = try args.format([.text, .json, .markdown], default: .text)
        let samples = try args.int("samples", 1...10_000_000)
        let seed = try args.int("seed", 0...Int(Int32.max)).map { UInt64($0) }
        let data = try DataDirectory.resolveIfNamed(explicit: args.string("data-dir"))
        let estimator = try CommonOptions.estimator(args)
        let workload = try WorkloadReader.read(path: file, dataDirectory: data, models: estimator.models, gpus: estimator.gpus)
        var results = try FleetError.naming(file) {
            try FleetRunner(estimator: estimator, dataDirectory: data).run(workload, samples: samples, seed: seed)
        }
        // Each scenario's notes reach the text, markdown and JSON alike.
        if let note = CommonOptions.userCalibrationNote(args, estimator: estimator) { for i in results.indices { results[i].notes.insert(note, at: 0) } }
        switch format {
        case .json: Output.write(JSONWriter(sortKeys: false).write(json(FleetRendering.json(workload, results, file: file), file: file, workload: workload,
                                                                     samples: samples, seed: seed)))
        case .markdown: Output.write(FleetRendering.markdown(workload, results, file: file))
        default: Output.write(FleetRendering.text(workload, results, file: file))
        }
        return .success
    }

    /// The JSON with what made it added at the top: the tool's version, the workload as given,
    /// and the seed and samples per scenario the run used (its own unless --seed or --samples
    /// said otherwise). It held only `description` and `scenarios`, so two files could not be
    /// told apart or rerun (2026-12-07 probe). The existing keys are a contract and keep their order.
    static func json(_ body: JSONValue, file: String, workload: Workload, samples: Int?, seed: UInt64?) -> JSONValue {
        guard case let .object(pairs) = body else { return body }
        return .obj([("tool", .str(ToolVersion.current)), ("catalogs", ToolVersion.catalogFingerprint.map(JSONValue.str) ?? .null), ("workload", .str(file)),
                     ("seed", .num(Double(seed ?? workload.seed))), ("samples", .num(Double(samples ?? workload.samples)))]
                    + pairs.map { ($0.key, $0.value) })
    }
}
