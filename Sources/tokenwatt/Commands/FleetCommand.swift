import Foundation
import KernelPower
import TokenWatt

/// `tokenwatt fleet FILE`: the main job: Wh-per-query distributions and GWh per day of a workload.
enum FleetCommand {
    static let usage = "tokenwatt fleet FILE.json [--samples N] [--seed S] [--format text|json|markdown] [--data-dir DIR] [--calibration FILE] [--model-catalog FILE] [--gpu-catalog FILE]"

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
        case .json: Output.write(JSONWriter(sortKeys: false).write(json(FleetRendering.json(workload, results), file: file, workload: workload,
                                                                     samples: samples, seed: seed)))
        case .markdown: Output.write(FleetRendering.markdown(workload, results))
        default: Output.write(FleetRendering.text(workload, results))
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
