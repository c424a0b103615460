import Foundation
import KernelPower
import TokenWatt

/// `tokenwatt power`: a quick power estimate for a model known by its size (or its id).
enum PowerCommand {
    static let usage = """
    tokenwatt power (--params N | --model ID) --gpu ID [--gpus N --tp N --ep N --pp N] [--precision P] [--kv-precision P] [--batch N]
                    (--seq-length N | --input N --output N) [--duty-cycle F] [--pue X] [--price-per-kwh P [--currency CODE]]
                    [--power-cap-w W] [--sm-clock-mhz F] [--spec FILE] [--format text|json] [--calibration FILE] [--model-catalog FILE] [--gpu-catalog FILE]
      --params builds a generic Llama-3-shaped decoder of that size (2.779e8 to 1e13); a sequence of --seq-length tokens
      is half prompt, half answer unless --input/--output say otherwise. --spec FILE is an output: it
      writes the power spec as JSON to FILE in an existing folder, and replaces only a spec an earlier --spec wrote.
      --ep N spreads a mixture-of-experts model's experts over N GPUs, as in estimate (alone, it sets N GPUs at tp N).
      Defaults: --gpus 1, --batch 8 sequences in flight, --duty-cycle 1 (serving all year), --pue \(formatNumber(LedgerSettings.defaultPUE))
      (the facility catalog's default, as in estimate; --pue 1 for IT energy alone), no price, no cap.
      --currency CODE is the ISO 4217 code (three letters, such as EUR) the price and the year's cost are in; USD unless given.
    """

    static let valued: Set<String> = ["params", "model", "gpu", "gpus", "tp", "ep", "pp", "precision", "kv-precision", "batch", "seq-length", "input", "output",
                                      "duty-cycle", "pue", "price-per-kwh", "currency", "power-cap-w", "sm-clock-mhz", "spec", "format", "calibration",
                                      "model-catalog", "gpu-catalog"]

    static func run(_ argv: [String]) throws -> ExitCode {
        let args = try Arguments(argv, valued: valued, boolean: [])
        _ = try args.requirePositional(0, usage: usage)
        let format = try args.format([.text, .json], default: .text)
        if let spec = args.string("spec") { try checkSpecDestination(spec, args: args) }
        var estimator = try CommonOptions.estimator(args)
        let precision = try args.precision("precision")
        var deploymentArgs = args
        if let p = args.string("params") {
            guard args.string("model") == nil else { throw UsageError(description: "give --params or --model, not both") }
            // Out of range is a usage error like every other flag's (0 had exited 1).
            guard let n = Double(decimal: p), GenericArchitecture.parameterRange.contains(n) else {
                throw UsageError(description: "--params \(p): expected \(GenericArchitecture.parameterRangeText), such as 70e9")
            }
            let generic = try estimator.withGenericModel(parameters: n, precision: precision ?? .bf16)
            estimator = generic.estimator
            // The generic model stands as --model, so that its deployment is read as any other's.
            deploymentArgs = try Arguments(argv + ["--model", generic.modelID], valued: valued, boolean: [])
        }
        guard deploymentArgs.string("model") != nil else { throw UsageError(description: "--params or --model is required; usage: \(usage)") }
        // The deployment flags as estimate reads them (gpus, tp, ep, pp, precision, clock, cap):
        // power had read its own copy, which drifted twice, refusing --ep and then --pp as
        // unknown options, so an MoE or pipelined deployment priced elsewhere could not be sized here.
        let request = try EstimateCommand.deploymentRequest(deploymentArgs, gpus: estimator.gpus)
        let (input, output) = try lengths(args)
        let inputs = PowerPlan.Inputs(batch: try args.int("batch", 1...1_000_000) ?? 8, inputTokens: input, outputTokens: output,
                                      dutyCycle: try args.double("duty-cycle", 0...1) ?? 1, pue: try args.pue() ?? LedgerSettings.defaultPUE,
                                      pricePerKWh: try args.double("price-per-kwh", 0...100), currency: try currency(args))
        let deployment = try EstimateCommand.parallelismFlagged { try estimator.deployment(request) }
        let plan = try PowerPlan(estimator: estimator, deployment: deployment, inputs: inputs)
        if let spec = args.string("spec") {
            try Output.writeFile(JSONWriter(sortKeys: false).write(plan.specJSON()), to: spec)
        }
        switch format {
        case .json: Output.write(JSONWriter(sortKeys: false).write(plan.specJSON()))
        default: Output.write(plan.text())
        }
        return .success
    }

    /// `--spec` sat beside input flags with no word that it writes, and replaced a workload
    /// passed to it: it refuses an input of the run and any existing file that is not a spec
    /// an earlier `--spec` wrote (a JSON object with its `wattsPerGPU` and `recommendedPSUWatts`),
    /// and a folder that does not exist (it was made).
    static func checkSpecDestination(_ path: String, args: Arguments) throws {
        try Output.refuseOverlaps(outputs: [("--spec", path)], inputs: CommonOptions.inputFiles(args))
        try Output.checkOutputFile(path, flag: "--spec", kind: "a power spec", isOurs: {
            Output.isJSONObject($0, withKeys: ["wattsPerGPU", "recommendedPSUWatts"])
        })
    }

    /// `--currency`, checked as a workload's `currency` is and upper-cased; refused without
    /// `--price-per-kwh`, whose unit it is (it would label nothing).
    static func currency(_ args: Arguments) throws -> String {
        guard let given = args.string("currency") else { return "USD" }
        guard let code = EmissionsSettings.currencyCode(given) else {
            throw UsageError(description: "--currency \(given): expected \(EmissionsSettings.currencyExpected)")
        }
        guard args.string("price-per-kwh") != nil else {
            throw UsageError(description: "--currency \(given) names the unit of --price-per-kwh: give the price too (the currency alone prices nothing)")
        }
        return code
    }

    static func lengths(_ args: Arguments) throws -> (Int, Int) {
        let input = try args.int("input", ServingRequest.tokensPerQueryRange), output = try args.int("output", ServingRequest.tokensPerQueryRange)
        if let seq = try args.int("seq-length", 2...(2 * ServingRequest.maxTokensPerQuery)) {
            guard input == nil && output == nil else { throw UsageError(description: "give --seq-length or --input/--output, not both") }
            return (seq / 2, seq - seq / 2)
        }
        guard let i = input, let o = output else { throw UsageError(description: "--seq-length N (or --input N and --output N) is required") }
        return (i, o)
    }
}
