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
    """

    static func run(_ argv: [String]) throws -> ExitCode {
        let args = try Arguments(argv, valued: EstimateCommand.requestFlags.union(["format"]), boolean: [])
        _ = try args.requirePositional(0, usage: usage)
        let format = try args.format([.text, .json], default: .text)
        let serving = try EstimateCommand.servingRequest(args)
        let d = try Diagnosis(estimator: try CommonOptions.estimator(args), request: try EstimateCommand.deploymentRequest(args), serving: serving)
        Output.write(format == .json ? JSONWriter(sortKeys: false).write(d.json()) : d.text())
        return .success
    }
}
