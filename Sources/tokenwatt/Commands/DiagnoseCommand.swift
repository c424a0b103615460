import Foundation
import KernelPower
import TokenWatt

/// `tokenwatt diagnose`: where a configuration's energy goes and what nearby ones would cost.
enum DiagnoseCommand {
    static let usage = """
    tokenwatt diagnose --model ID --gpu ID [--gpus N --tp N --ep N --precision P] --batch N --input N --output N
                       [--power-cap-w W] [--sm-clock-mhz F] [--framework vllm|trtllm|sglang|hf] [--calibration FILE] [--model-catalog FILE] [--gpu-catalog FILE]
    """

    static func run(_ argv: [String]) throws -> ExitCode {
        let args = try Arguments(argv, valued: EstimateCommand.valued, boolean: [])
        _ = try args.requirePositional(0, usage: usage)
        let serving = ServingRequest(batch: try EstimateCommand.required(args.int("batch", 1...1_000_000), "batch"),
                                     inputTokens: try EstimateCommand.required(args.int("input", 1...10_000_000), "input"),
                                     outputTokens: try EstimateCommand.required(args.int("output", 1...10_000_000), "output"))
        let d = try Diagnosis(estimator: try CommonOptions.estimator(args), request: try EstimateCommand.deploymentRequest(args), serving: serving)
        Output.write(d.text())
        return .success
    }
}
