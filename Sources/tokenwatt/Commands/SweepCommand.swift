import Foundation
import KernelPower
import TokenWatt

/// `tokenwatt sweep FILE`: every point of a design grid and its Pareto frontier.
enum SweepCommand {
    static let usage = """
    tokenwatt sweep FILE.json [--format csv|json] [-o FILE] [--svg FILE] [--workers N] [--calibration FILE] [--model-catalog FILE] [--gpu-catalog FILE]
      Writes one CSV row per grid point (or a JSON summary with the Pareto frontier: every point that
      meets the targets and that no other point beats, lower in Wh per query or ITL and no higher in
      the other; points tied in both are all on it). The frontier weighs the mean ITL; an ITL target
      (targets.itlMs) is judged on the mean unless targets.itlStat says median or p90 (the itl_median_ms
      and itl_p90_ms columns). A cap below TDP carries estimate's caveats in its note: the error band's
      runs ran at default settings, and a decode saving beyond the largest measured is an upper bound.
      A one-token answer has no ITL (empty cell, null):
      its frontier and chart weigh TTFT instead, and an ITL target cannot bind it. A point that cannot run (the model does not fit,
      or one sequence the KV cache cannot hold even alone, which estimate refuses) is a row with an
      error cell, never on the frontier. A row's index is the point's place in the grid, counting
      powerCapWatts fastest, then maxBatch, precision, ep, pp, tp, gpus, gpu, model; a point that
      spells an earlier point's deployment (tp null and gpus ÷ pp, ep null and 1, precision null and
      the model's own, a cap at TDP and null, a value listed twice, two names of one GPU) is left out
      with a note, so no deployment runs or counts twice, and its index is missing. A progress line
      goes to the terminal when stderr is one.
    """

    @Sendable static func showProgress(_ done: Int, _ total: Int) {
        _ = Output.writeAll(STDERR_FILENO, "\r  sweep: \(done)/\(total) points")
    }

    static func run(_ argv: [String]) throws -> ExitCode {
        let args = try Arguments(argv, valued: ["format", "o", "output", "svg", "workers", "calibration", "model-catalog", "gpu-catalog"], boolean: [])
        let file = try args.requirePositional(1, usage: usage)[0]
        let format = try args.format([.csv, .json], default: .csv)
        let out = try args.outputPath(), svg = args.string("svg")
        try Output.refuseOverlaps(outputs: [("-o", out), ("--svg", svg)].compactMap { f, p in p.map { (f, $0) } },
                                  inputs: [("the sweep spec", file)] + CommonOptions.inputFiles(args))
        // As `tune --svg`: a path that holds anything but an SVG is not replaced by one.
        if let svg { try Output.refuseReplacingForeignSVG(svg) }
        let estimator = try CommonOptions.estimator(args)
        let (spec, notes) = try SweepSpec.read(path: file).resolvingIDs(models: estimator.models, gpus: estimator.gpus, file: file)
        for n in notes { Output.note("note: \(n)") }
        if let n = SweepRepeats(spec, models: estimator.models, gpus: estimator.gpus).note(file: file) { Output.note("note: \(n)") }
        if let n = Tuning.unboundTargetNote(Tuning.Targets(itlMs: spec.itlTargetMs), outputTokens: spec.outputTokens) {
            Output.note("note: \(n); the frontier weighs TTFT")
        } else if let itl = spec.itlTargetMs {
            Output.note("note: the ITL target of \(formatNumber(itl)) ms is judged on the \(spec.itlStatistic.words) (targets.itlStat: mean, median or p90)")
        }
        let total = spec.pointCount
        let tty = isatty(STDERR_FILENO) == 1
        var progress: (@Sendable (Int) -> Void)? = nil
        if tty { progress = { done in showProgress(done, total) } }
        let workers = try args.int("workers", 1...256) ?? ProcessInfo.processInfo.activeProcessorCount
        let points: [SweepPoint] = try Sweep.run(spec, estimator: estimator, workers: workers, progress: progress)
        let frontier = points.filter { $0.pareto }.count
        if tty { _ = Output.writeAll(STDERR_FILENO, "\r  sweep: \(total)/\(total) points, \(frontier) on the Pareto frontier\n") }
        let text = format == .json ? JSONWriter(sortKeys: false).write(Sweep.json(spec, points)) : Sweep.csv(points)
        // -o and --svg are one set, written all or none (a bad --svg left -o replaced).
        try Output.writeFiles((out.map { [($0, text)] } ?? []) + (svg.map { [($0, Sweep.svg(spec, points))] } ?? []))
        if out == nil { Output.write(text) }
        // Out of the points run: a grid whose repeats were left out and whose every run failed still fails.
        let failed = points.filter { $0.error != nil }.count
        if failed > 0 { Output.note("note: \(failed) of \(points.count) points could not be estimated (see the error column)") }
        return failed == points.count ? .failure : .success
    }
}
