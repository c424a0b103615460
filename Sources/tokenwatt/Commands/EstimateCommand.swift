import KernelPower
import TokenWatt

/// `tokenwatt estimate`: Wh per query of one deployment at steady state, as a receipt.
enum EstimateCommand {
    static let usage = """
    tokenwatt estimate --model ID --gpu ID [--gpus N --tp N --ep N --pp N] [--precision P] --batch N --input N --output N
                       [--kv-precision P] [--ssm-state-precision P] [--load QPS | --busy-fraction F] [--pue X] [--boundary gpu|node|it|facility]
                       [--power-cap-w W] [--sm-clock-mhz F] [--framework \(frameworks)] [--token-budget N]
                       [--sampling top-p|direct] [--attention eager|sdpa|flash] [--memory-utilization F] [--host-launch-us US]
                       [--calibration FILE] [--model-catalog FILE] [--gpu-catalog FILE]
                       [--format text|json|csv|markdown]
                       [--method kernel|surface [--reference-input N --reference-output N]]
      --load QPS runs the batch and charges the idle rest at the it boundary; under continuous batching
      it also prices the load served by this deployment alone (Little's law: fewer sequences in flight).
      --method surface gives the closed form that fleet, trace and export-sql use (text: each boundary's
      Wh, then the measured error range's two ends, tab-separated; csv, markdown or json); the reference
      request (--reference-input/--reference-output, surface only; default: this one) sets how many
      sequences the KV cache holds.
      --sampling top-p (vLLM's default, from the model's generation config) sorts every sequence's
      logits each step under vLLM's PyTorch sampler; direct samples from them as they are.
      --token-budget N is vLLM's max_num_batched_tokens; left out, vLLM's server default for the GPU:
      8192 on a GPU of 70 GiB or more other than an A100, 2048 elsewhere (8192 under trtllm; under
      sglang its default chunked_prefill_size by GPU memory: 2048 under 35 GiB (L4, A10, V100), 4096 under
      60 GiB (A100 40GB, A40, L40S), 8192 under 160 GiB, 16384 from 160 GiB (B200, MI300X and larger)).
      The JSON starts with tool and catalogs, and the receipt and Markdown end with the line
      `tokenwatt version` prints: the build a figure came from. The JSON's kvCache gives the KV cache
      as vLLM's start-up log does: GiB per GPU, tokens per engine, bytes per token per GPU, page size.
    """

    /// The serving engines `--framework` takes, for usage texts.
    static let frameworks = Framework.allCases.map(\.rawValue).joined(separator: "|")

    /// The flags `deploymentRequest` reads.
    static let deploymentFlags: Set<String> = ["model", "gpu", "gpus", "tp", "ep", "pp", "precision", "kv-precision", "ssm-state-precision",
                                               "framework", "attention", "sm-clock-mhz", "power-cap-w", "host-launch-us", "sampling"]
    /// The catalog and calibration flags `CommonOptions.estimator` reads.
    static let catalogFlags: Set<String> = ["calibration", "model-catalog", "gpu-catalog"]
    /// The flags `servingRequest` reads.
    static let servingFlags: Set<String> = ["batch", "input", "output", "token-budget", "memory-utilization"]
    /// The flags `ledgerSettings` reads, and the boundary.
    static let ledgerFlags: Set<String> = ["load", "busy-fraction", "pue", "boundary"]
    /// The flags that price one deployment serving one request shape (`diagnose`, `tune`, `kernels`).
    static let requestFlags = deploymentFlags.union(catalogFlags).union(servingFlags)
    static let valued = requestFlags.union(ledgerFlags).union(["format", "method", "reference-input", "reference-output"])

    static func run(_ argv: [String]) throws -> ExitCode {
        let args = try Arguments(argv, valued: valued, boolean: [])
        _ = try args.requirePositional(0, usage: usage)
        let format = try args.format([.text, .json, .csv, .markdown], default: .text)
        let estimator = try CommonOptions.estimator(args)
        let request = try deploymentRequest(args, gpus: estimator.gpus)
        let serving = try servingRequest(args, gpus: estimator.gpus)
        let settings = try ledgerSettings(args)
        let boundary = try args.choice("boundary", Boundary.self) ?? .facility
        let deployment = try parallelismFlagged { try estimator.deployment(request) }
        // hf batches statically, with no step budget: a --token-budget there had been taken and
        // dropped without a word (a 2026-12-07 probe).
        if args.string("token-budget") != nil, !deployment.framework.isFused {
            Output.note("note: --token-budget has no effect under --framework hf: it runs static batching (prefill of the batch, then decode), "
                        + "with no step budget; the budget is vLLM's, TensorRT-LLM's and SGLang's (\(Framework.fusedNames))")
        }
        // A request whose own input + output the whole KV cache cannot hold is refused, as an
        // engine would refuse it; the budget at its mean context had priced it at batch 1.
        try KVCacheBudget.requireRoom(serving, on: deployment)
        // The cache in vLLM's start-up figures, for the JSON of either method.
        let kvCache = KVCacheCapacity(deployment: deployment, request: serving)
        switch args.string("method") ?? "kernel" {
        case "kernel":
            // The kernel path prices the request itself: a reference shape there was ignored silently.
            for flag in ["reference-input", "reference-output"] where args.string(flag) != nil {
                throw UsageError(description: "--\(flag) sets the reference request of --method surface; it has no effect on --method kernel")
            }
        case "surface":
            let reference = (try args.int("reference-input", ServingRequest.tokensPerQueryRange) ?? serving.inputTokens,
                             try args.int("reference-output", ServingRequest.tokensPerQueryRange) ?? serving.outputTokens)
            let e = try SurfaceEstimate(estimator: estimator, deployment: deployment, request: serving, reference: reference,
                                        settings: settings, boundary: boundary)
            if let note = e.formula.shareNote(input: serving.inputTokens, output: serving.outputTokens) { Output.note("note: " + note) }
            switch format {
            case .json: Output.write(JSONWriter(sortKeys: false).write(kvCache.appended(to: withProvenance(e.json()))))
            case .csv: Output.write(e.csv())
            // The markdown ends with the build that printed it, as the kernel path's does; the
            // text stays its four tab-separated lines, one per boundary, which tools read, and
            // its caveats go to stderr (the other formats carry them, as the kernel method's do).
            case .markdown: Output.write(e.markdown() + "\n\(ToolVersion.line)\n")
            case .text:
                Output.write(e.text())
                for c in e.caveats where c != e.formula.shareNote(input: serving.inputTokens, output: serving.outputTokens) {
                    Output.note("note: " + c)
                }
            }
            return .success
        case let other: throw UsageError(description: "--method \(other): expected kernel or surface")
        }
        let e = try QueryEstimate(estimator: estimator, deployment: deployment, request: serving, settings: settings, boundary: boundary)
        switch format {
        case .json: Output.write(JSONWriter(sortKeys: false).write(kvCache.appended(to: e.json())))
        case .csv: Output.write(CSVWriter.line(QueryEstimate.csvHeader) + "\n" + CSVWriter.line(e.csvRow()) + "\n")
        case .markdown: Output.write(e.markdown())
        case .text: Output.write(e.receipt())
        }
        return .success
    }

    /// The surface's JSON with `tool` and `catalogs` first, as the kernel path's and fleet's
    /// (it named no version or catalogs, 2026-12-07 probe).
    static func withProvenance(_ body: JSONValue) -> JSONValue {
        guard case let .object(pairs) = body else { return body }
        return .obj(ToolVersion.jsonFields + pairs.map { ($0.key, $0.value) })
    }

    static func required<T>(_ v: T?, _ name: String) throws -> T {
        guard let v else { throw UsageError(description: "--\(name) is required") }
        return v
    }

    /// The request shape shared by `estimate`, `diagnose`, `tune` and `kernels`; the step budget is
    /// `--token-budget`, or the engine's default on the GPU `--gpu` names (`defaultTokenBudget`).
    static func servingRequest(_ args: Arguments, gpus: GPUCatalog) throws -> ServingRequest {
        ServingRequest(
            batch: try required(args.int("batch", 1...1_000_000), "batch"),
            inputTokens: try required(args.int("input", ServingRequest.tokensPerQueryRange), "input"),
            outputTokens: try required(args.int("output", ServingRequest.tokensPerQueryRange), "output"),
            tokenBudget: try args.int("token-budget", 1...10_000_000) ?? defaultTokenBudget(args, gpus: gpus),
            memoryUtilization: try memoryUtilization(args) ?? Deployment.memoryUtilization)
    }

    /// The step budget when `--token-budget` is not given: vLLM's default on the GPU and engine the
    /// command line names (`ServingRequest.defaultTokenBudget(on:framework:)`), 8192 on an H100 and
    /// 2048 on an A100 or L40S; every estimate had taken 8192. An unknown GPU or engine takes 8192
    /// here, and is refused where the deployment is read, naming the flag.
    static func defaultTokenBudget(_ args: Arguments, gpus: GPUCatalog?) -> Int {
        guard let gpus, let id = args.string("gpu"), let gpu = try? gpus.gpu(id) else { return ServingRequest.defaultTokenBudget }
        let framework = (try? args.choice("framework", Framework.self)) ?? .vllm
        return ServingRequest.defaultTokenBudget(on: gpu, framework: framework)
    }

    /// `--memory-utilization F`, read by both `servingRequest` (the KV budget) and
    /// `deploymentRequest` (the weights' fit), so that the two checks take the same fraction: the
    /// weights had been held to 90 % whatever was asked.
    static func memoryUtilization(_ args: Arguments) throws -> Double? {
        try args.double("memory-utilization", 0.05...1)
    }

    /// The deployment flags shared by every command that prices one deployment. `gpus` resolves
    /// the default step budget that sizes a does-not-fit refusal's suggestion (`defaultTokenBudget`:
    /// vLLM's for the GPU, the one `estimate` and `power` price at; without it, 8192).
    static func deploymentRequest(_ args: Arguments, gpus: GPUCatalog? = nil) throws -> DeploymentRequest {
        var r = DeploymentRequest(model: try required(args.string("model"), "model"), gpu: try required(args.string("gpu"), "gpu"))
        // An alias another GPU's name extends ("a100": the SXM4 80GB, not a PCIe card) says what it chose.
        if let note = gpus?.aliasNote(r.gpu) { Output.note("note: \(note)") }
        r.gpus = try args.int("gpus", 1...4096)
        r.tensorParallel = try args.int("tp", 1...4096)
        r.expertParallel = try args.int("ep", 1...4096)
        r.pipelineParallel = try args.int("pp", 1...4096)
        r.precision = try args.precision("precision")
        r.kvPrecision = try args.precision("kv-precision", offered: Precision.kvCacheFormats)
        r.ssmStatePrecision = try args.choice("ssm-state-precision", Precision.self)
        r.framework = try args.choice("framework", Framework.self) ?? .vllm
        r.attention = try args.choice("attention", AttentionImplementation.self)
        r.smClockMHz = try args.double("sm-clock-mhz", 1...10_000)
        r.powerCapWatts = try args.double("power-cap-w", 1...100_000)
        r.hostLaunchMicroseconds = try args.double("host-launch-us", 0...1_000_000)
        r.sampling = try args.choice("sampling", Sampling.self)
        r.memoryUtilization = try memoryUtilization(args)
        // The request's shape, where given, sizes the layout a does-not-fit refusal suggests
        // (read leniently: `servingRequest` refuses bad values, and some commands take no request).
        if let i = try? args.int("input", ServingRequest.tokensPerQueryRange), let o = try? args.int("output", ServingRequest.tokensPerQueryRange) {
            r.fitRequirement = FitRequirement(tokenBudget: (try? args.int("token-budget", 1...10_000_000)) ?? defaultTokenBudget(args, gpus: gpus),
                                              inputTokens: i, outputTokens: o)
        }
        return r
    }

    /// The deployment the command line describes (`deploymentRequest`), its parallelism refused
    /// as a usage error (`parallelismFlagged`).
    static func deployment(_ estimator: Estimator, _ args: Arguments) throws -> Deployment {
        try parallelismFlagged { try estimator.deployment(try deploymentRequest(args, gpus: estimator.gpus)) }
    }

    /// Runs `body`, turning a refusal of the deployment's parallel layout into a usage error
    /// (exit 64, with the usage line): `--gpus 3 --tp 2` exited 1 with "tp 2 does not divide
    /// gpus 3", where a power cap outside the GPU's range exits 64 (`flagError`), though both are
    /// values of the command line and nothing else. The refusal already names the values given
    /// ("tp 2", "gpus 3", "ep 3 sets 3 GPUs"), so it is kept as it is. A workload file's layout is
    /// refused by the file's reader instead (exit 1, naming the file and field).
    static func parallelismFlagged<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let DeploymentError.invalidParallelism(reason) {
            throw UsageError(description: reason)
        }
    }

    static func ledgerSettings(_ args: Arguments) throws -> LedgerSettings {
        let load = try args.double("load", 1e-12...1e12)
        let busy = try args.double("busy-fraction", 1e-9...1)
        if load != nil && busy != nil { throw UsageError(description: "give --load or --busy-fraction, not both") }
        let utilization: Utilization = load.map { .load(queriesPerSecond: $0) } ?? busy.map { .busyFraction($0) } ?? .default
        guard let pue = try args.pue() else { return try LedgerSettings(utilization: utilization) }
        return try LedgerSettings(pue: pue, utilization: utilization)
    }
}
