import Foundation
import KernelPower
import TokenWatt

/// `tokenwatt tune`: the power cap or locked clock that minimises energy under latency targets.
enum TuneCommand {
    static let usage = """
    tokenwatt tune --model ID --gpu ID [--gpus N --tp N --ep N --pp N] [--precision P] --batch N --input N --output N
                   [--ttft-ms T] [--itl-ms T [--itl-stat mean|median|p90]] [--boundary gpu|node|it|facility] [--pue X] [--steps N] [--svg FILE] [--format text|csv|json]
                   [--kv-precision P] [--ssm-state-precision P] [--framework \(EstimateCommand.frameworks)] [--sampling top-p|direct]
                   [--attention eager|sdpa|flash]
                   [--token-budget N] [--memory-utilization F] [--host-launch-us US] [--calibration FILE] [--model-catalog FILE] [--gpu-catalog FILE]
      --boundary (default facility, as estimate) is where the energy the best settings minimise is counted: beyond the
      GPUs the host draws over longer steps, so the least GPU energy can cost more at the wall (the output says so).
      --itl-ms is judged on the mean inter-token latency unless --itl-stat says median or p90 (estimate reports all
      three; the p90 can be 2-3 times the mean). It cannot bind a one-token answer (--output 1), which has no interval
      between tokens: the output says so.
      --format json: the table's rows (points) and the settings chosen at the boundary (bestPrefill, bestDecode,
      bestQuery; null where no setting meets the targets) and at the GPUs alone (atGPUs).
      --svg FILE draws energy against latency for both phases, in an existing folder; it replaces only an SVG, never an input of the run.
    """

    static func run(_ argv: [String]) throws -> ExitCode {
        let args = try Arguments(argv, valued: EstimateCommand.requestFlags.union(["ttft-ms", "itl-ms", "itl-stat", "steps", "svg", "format", "boundary", "pue"]), boolean: [])
        _ = try args.requirePositional(0, usage: usage)
        let format = try args.format([.text, .csv, .json], default: .text)
        let svg = args.string("svg")
        if let svg { try checkSVGDestination(svg, args: args) }
        let estimator = try CommonOptions.estimator(args)
        let request = try EstimateCommand.deploymentRequest(args, gpus: estimator.gpus)
        if request.powerCapWatts != nil || request.smClockMHz != nil {
            throw UsageError(description: "tune chooses the power cap and clock itself; leave out --power-cap-w and --sm-clock-mhz")
        }
        let serving = try EstimateCommand.servingRequest(args, gpus: estimator.gpus)
        let itlMs = try args.double("itl-ms", 0.001...1e9), itlStatistic = try args.choice("itl-stat", ITLStatistic.self)
        if itlStatistic != nil && itlMs == nil { throw UsageError(description: "--itl-stat says how --itl-ms is judged; give --itl-ms too") }
        let targets = Tuning.Targets(ttftMs: try args.double("ttft-ms", 0.001...1e9), itlMs: itlMs, itlStatistic: itlStatistic ?? .mean)
        let steps = try args.int("steps", 2...200) ?? 12, boundary = try args.choice("boundary", Boundary.self) ?? .facility
        let settings = try args.pue().map { try LedgerSettings(pue: $0) }
        let tuning = try EstimateCommand.parallelismFlagged {
            try Tuning(estimator: estimator, base: request, serving: serving, targets: targets, steps: steps, boundary: boundary, settings: settings)
        }
        if let svg { try Output.writeFile(tuning.svg(), to: svg) }
        switch format {
        case .csv:
            Output.write(tuning.csv())
            // The CSV carries no notes: they go to stderr (an ITL target that cannot bind is said,
            // not ignored silently, and so is a batch cut to what fits).
            for note in tuning.notes { Output.note("note: \(note)") }
        case .json: Output.write(JSONWriter(sortKeys: false).write(tuning.json()))
        default: Output.write(tuning.text())
        }
        return .success
    }

    /// `--svg` replaced any file it named, the run's own GPU catalog included: it refuses an
    /// input of the run, as `sweep --svg` does, and, as `power --spec` does, any existing file
    /// that is not an SVG, and a folder that does not exist (it was made).
    static func checkSVGDestination(_ path: String, args: Arguments) throws {
        try Output.refuseOverlaps(outputs: [("--svg", path)], inputs: CommonOptions.inputFiles(args))
        try Output.checkOutputFile(path, flag: "--svg", kind: "an SVG", isOurs: Output.isSVG)
    }
}
