import Foundation
import KernelPower
import TokenWatt

/// `tokenwatt diagnose`: where a configuration's energy goes and what nearby ones would cost.
enum DiagnoseCommand {
    static let usage = """
    tokenwatt diagnose --model ID --gpu ID [--gpus N --tp N --ep N --pp N] [--precision P] --batch N --input N --output N
                       [--kv-precision P] [--ssm-state-precision P] [--power-cap-w W] [--sm-clock-mhz F] [--framework \(EstimateCommand.frameworks)]
                       [--sampling top-p|direct] [--attention eager|sdpa|flash] [--token-budget N] [--memory-utilization F] [--host-launch-us US]
                       [--format text|json] [--calibration FILE] [--model-catalog FILE] [--gpu-catalog FILE]
      Prices one query as `estimate` does, at the GPU boundary only (the GPU boards while serving, at
      the default ledger settings): it takes no --boundary, --pue, --load or --busy-fraction, which are
      refused; `estimate` gives the node, IT and facility figures. Prints the GPU energy per query with
      the measured error range, ITL, TTFT and watts per GPU; where the prefill and decode passes' time
      and the query's energy go (compute-, memory-, L2- or communication-bound, per-kernel overhead,
      decode attention's fitted per-sequence time, idle gaps); the decode step's largest kernels (`tokenwatt kernels` lists every one); what limits
      the batch (KV cache, step budget); nearby configurations (precision, parallelism, GPU count, batch
      and the like), each priced at the GPU boundary beside this one, and why each costs more or less;
      how well `validate` found such changes predicted; and estimate's assumptions and caveats.
    """

    static func run(_ argv: [String]) throws -> ExitCode {
        let args = try Arguments(argv, valued: EstimateCommand.requestFlags.union(["format"]), boolean: [])
        _ = try args.requirePositional(0, usage: usage)
        let format = try args.format([.text, .json], default: .text)
        let estimator = try CommonOptions.estimator(args)
        let serving = try EstimateCommand.servingRequest(args, gpus: estimator.gpus)
        let request = try EstimateCommand.deploymentRequest(args, gpus: estimator.gpus)
        let d = try EstimateCommand.parallelismFlagged { try Diagnosis(estimator: estimator, request: request, serving: serving) }
        // The JSON carries the KV cache in vLLM's start-up figures, as estimate's does.
        let kvCache = KVCacheCapacity(deployment: d.base.deployment, request: d.base.request)
        Output.write(format == .json ? JSONWriter(sortKeys: false).write(kvCache.appended(to: d.json())) : d.text())
        return .success
    }
}
