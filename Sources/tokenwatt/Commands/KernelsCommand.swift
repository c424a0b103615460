import KernelPower
import TokenWatt

/// `tokenwatt kernels`: the kernel list of one pass, each kernel's time, bound, watts and duty cycles.
enum KernelsCommand {
    static let usage = """
    tokenwatt kernels --model ID --gpu ID [--gpus N --tp N --ep N --pp N] [--precision P] --batch N --input N --output N
                      [--pass decode|prefill | --per-query] [--context N] [--stage N] [--kv-precision P] [--ssm-state-precision P] [--power-cap-w W]
                      [--sm-clock-mhz F] [--framework \(EstimateCommand.frameworks)] [--sampling top-p|direct] [--attention eager|sdpa|flash] [--token-budget N]
                      [--memory-utilization F] [--host-launch-us US] [--format text|csv|json]
                      [--calibration FILE] [--model-catalog FILE] [--gpu-catalog FILE]
      Lists the kernels of one GPU's pass as `estimate` prices it, with the idle gaps; the rows add up to
      the pass's time and energy. --pass decode (default): the decode step of the sequences in flight
      at their mean context (--context N to choose it); --pass prefill: the step that carries a
      prompt's first chunk beside the decodes (continuous batching) or the batch's prefill (hf).
      --stage N picks a pipeline stage (1 to --pp) and lists one of its microbatches.
      --per-query splits one query's GPU energy (estimate's GPU boundary) by kernel, prefill and decode.
      Column bound: compute, memory (HBM bandwidth), l2 (the on-chip L2 cache's bandwidth), communication,
      overhead, or per-sequence (a decode attention launch whose fitted per-sequence decode time outlasts its
      KV stream: not HBM traffic); host for the idle row. Column fitted_us (CSV and JSON; the text says it under the table): the part of a decode
      attention launch that is the fitted per-sequence decode time, not the kernel's KV stream.
    """

    static func run(_ argv: [String]) throws -> ExitCode {
        let valued = EstimateCommand.requestFlags.union(["pass", "context", "stage", "format"])
        let args = try Arguments(argv, valued: valued, boolean: ["per-query"])
        _ = try args.requirePositional(0, usage: usage)
        let format = try args.format([.text, .csv, .json], default: .text)
        let estimator = try CommonOptions.estimator(args)
        let deployment = try EstimateCommand.deployment(estimator, args)
        if args.flag("per-query") {
            for flag in ["pass", "context", "stage"] where args.string(flag) != nil {
                throw UsageError(description: "--\(flag) lists one pass; --per-query splits a whole query, leave one of them out")
            }
            let q = try QueryKernels(estimator: estimator, deployment: deployment, serving: try EstimateCommand.servingRequest(args, gpus: estimator.gpus))
            switch format {
            case .csv:
                Output.write(q.csv())
                if let note = q.negativeNote { Output.note("note: \(note)") }
            case .json: Output.write(JSONWriter(sortKeys: false).write(q.json()))
            default: Output.write(q.text())
            }
            return .success
        }
        // A stage past the pipeline is a usage error (64), as README's exit codes say; the
        // listing's own refusal had exited 1 (`--pp 2 --tp 2 --stage 3`, 2026-12-07 probe).
        let stage = try args.int("stage", 1...4096) ?? 1
        guard stage <= deployment.pipelineParallel else {
            throw UsageError(description: "--stage \(stage): the pipeline has \(deployment.pipelineParallel) stage(s) (--pp); give 1 to \(deployment.pipelineParallel)")
        }
        let listing = try KernelListing(
            estimator: estimator, deployment: deployment, serving: try EstimateCommand.servingRequest(args, gpus: estimator.gpus),
            pass: try args.choice("pass", KernelListing.Pass.self) ?? .decode,
            context: try args.int("context", 1...100_000_000), stage: stage - 1)
        switch format {
        case .csv:
            Output.write(listing.csv())
            // The CSV has no place for them; text and JSON carry them (--context beside --pass
            // prefill was ignored in CSV with nothing said).
            for note in listing.notes { Output.note("note: \(note)") }
        case .json: Output.write(JSONWriter(sortKeys: false).write(listing.json()))
        default: Output.write(listing.text())
        }
        return .success
    }
}
