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
      and itl_p90_ms columns). A row's note carries what estimate says of its deployment (the AMD
      caveat, 4-bit weights dequantized on GPUs without FP4 math). A cap below TDP carries estimate's caveats in its note: the error band's
      runs ran at default settings, and a decode saving beyond the largest measured is an upper bound;
      a cap no step reaches says it does not bind, its figures being the uncapped ones. 8-bit experts
      without block scales carry estimate's note with the block-scaled figure. A one-token answer has
      no ITL (empty cell, null): its frontier and chart weigh TTFT instead, and an ITL target cannot
      bind it. A point that cannot run (the model does not fit, or one sequence the KV cache cannot
      hold even alone, which estimate refuses) is a row with an error cell, never on the frontier
      (in JSON: failedPoints, each with its settings and error). A point whose input + output is
      longer than the model's context window is priced with estimate's note but never on the frontier
      (an engine refuses it unless the limit is lifted). A row's index is the point's place
      in the grid, counting powerCapWatts fastest, then maxBatch, kvPrecision, precision, ep, pp, tp, gpus, gpu, model; a point that
      spells an earlier point's deployment (tp null and gpus ÷ pp, ep null and 1, precision null and
      the model's own, kvPrecision null and the deployment's default, a cap at TDP and null, a value listed twice, two names of one GPU) is left out
      with a note, so no deployment runs or counts twice, and its index is missing. The precision
      and kv_precision columns name the precisions a point ran in (a null's is the model's own, and
      the deployment's default KV cache). A progress line
      goes to the terminal when stderr is one.
      -o FILE and --svg FILE write into an existing folder (a missing one is refused, not made) and
      replace only a file an earlier sweep wrote (a sweep CSV or JSON; an SVG), never another file.
      Exit status: 0 when at least one point is estimated, failed points included as rows with an error
      (a note on stderr counts them); 1 only when every point fails (as predict's 1 on any failed row is
      not: a grid is expected to hold points that cannot run).

    The sweep file (JSON; a runnable example: Workloads/sweeps/llama-8b-h100-h200.json):
      {"schemaVersion": 1, "description": "...", "input": 1000, "output": 500, "boundary": "facility", "pue": 1.2,
       "grid": {"model": ["meta-llama/Llama-3.1-8B-Instruct"], "gpu": ["h100-sxm", "h200"], "gpus": [1, 2],
                "tp": [null], "pp": [1], "ep": [null], "precision": [null, "fp8"], "maxBatch": [64, 256],
                "powerCapWatts": [null, 500]},
       "targets": {"itlMs": 50, "itlStat": "mean", "ttftMs": 2000}}
      Top level (input, output, boundary, pue, tokenBudget and targets go here, beside grid, not inside it):
        schemaVersion  1 (required)
        description    text (default "")
        input, output  prompt and answer tokens per query, whole numbers from 1 to \(ServingRequest.maxTokensPerQuery) (required)
        boundary       \(Boundary.allCases.map(\.rawValue).joined(separator: ", ")) (default facility): where Wh per query is counted
        pue            \(formatNumber(LedgerSettings.pueRange.lowerBound)) to \(formatNumber(LedgerSettings.pueRange.upperBound)) (default \(formatNumber(LedgerSettings.defaultPUE)))
        tokenBudget    tokens per step (vLLM's max_num_batched_tokens), 1 to 10000000, for every point
                       (default: vLLM's default for each point's GPU, as estimate without --token-budget)
        grid           object of lists (required); each point takes one value from each list
        targets        object (optional)
      grid (every entry a non-empty list):
        model          model ids (required)
        gpu            GPU ids (required)
        gpus           GPUs per deployment, whole numbers (default [1])
        tp             tensor-parallel degrees, whole numbers or null = gpus ÷ pp (default [null])
        pp             pipeline stages, whole numbers (default [1])
        ep             expert-parallel ranks of a MoE model, whole numbers or null = none (default [null])
        precision      \(Precision.allCases.map(\.rawValue).joined(separator: ", ")), or null = the model's own (default [null])
        kvPrecision    KV cache precisions, as precision, or null = the deployment's default (default [null])
        maxBatch       most sequences in flight, whole numbers (default [256])
        powerCapWatts  watts, or null = no cap (TDP) (default [null])
      targets (each optional; a point that misses one is never on the frontier):
        itlMs          inter-token latency target, ms
        itlStat        mean, median or p90: the ITL itlMs is judged on (default mean)
        ttftMs         time-to-first-token target, ms
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
        if let svg { try Output.checkOutputFile(svg, flag: "--svg", kind: "an SVG", isOurs: Output.isSVG) }
        // -o, as --svg and `power --spec`: it replaced a workload JSON it was pointed at with CSV.
        if let out, out != "-" {
            try Output.refuseMissingFolder(out, flag: "-o")
            try Output.refuseReplacingForeign(out, flag: "sweep -o", kind: "a sweep CSV or JSON", isOurs: isSweepOutput)
        }
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
        // The JSON has no error column: the note pointed JSON readers at one.
        let place = format == .json ? "see failedPoints in the JSON, each with its settings and error" : "see the error column"
        if failed > 0 { Output.note("note: \(failed) of \(points.count) points could not be estimated (\(place))") }
        return failed == points.count ? .failure : .success
    }

    /// Whether `data` is a file `sweep -o` writes (its CSV, by the first columns of its header,
    /// or its JSON, by its top-level keys), or empty, which holds nothing to lose.
    static func isSweepOutput(_ data: Data) -> Bool {
        data.isEmpty || Output.hasCSVHeader(data, Sweep.csvHeader, columns: 8)
            || Output.isJSONObject(data, withKeys: ["boundary", "points", "failed", "pareto"])
    }
}
