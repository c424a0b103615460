import KernelPower

/// A deployment as a user writes it (ids and optional knobs), before resolution.
public struct DeploymentRequest: Sendable, Equatable {
    public var model: String
    public var gpu: String
    public var gpus: Int?
    public var tensorParallel: Int?
    public var expertParallel: Int?
    /// Pipeline stages (vLLM's `--pipeline-parallel-size`); nil is 1.
    public var pipelineParallel: Int?
    public var precision: Precision?
    public var kvPrecision: Precision?
    /// Precision of a Mamba-2 hybrid's cached SSM state (vLLM's `mamba_ssm_cache_dtype`): fp32,
    /// bf16 or fp16; nil keeps the model catalog's.
    public var ssmStatePrecision: Precision?
    public var framework: Framework
    public var attention: AttentionImplementation?
    public var smClockMHz: Double?
    public var powerCapWatts: Double?
    /// Host CPU time per framework operation, overriding the calibrated default.
    public var hostLaunchMicroseconds: Double?
    /// How tokens are sampled; nil takes the framework's default (`Sampling.defaultFor`).
    public var sampling: Sampling?
    /// Fraction of each GPU's memory the engine may use (`--memory-utilization`); nil is
    /// `Deployment.memoryUtilization` (0.9). The weights must fit in it; give the serving request
    /// the same fraction, which sizes the KV cache from it.
    public var memoryUtilization: Double?
    /// The serving request's shape, where one is known, for the smallest layout a does-not-fit
    /// refusal suggests (`Deployment.smallestFit`): it must leave room for the activations and one
    /// sequence of it, or the suggestion is refused in turn for its KV cache.
    public var fitRequirement: FitRequirement?

    public init(model: String, gpu: String, gpus: Int? = nil, tensorParallel: Int? = nil, expertParallel: Int? = nil,
                precision: Precision? = nil, kvPrecision: Precision? = nil, framework: Framework = .vllm,
                attention: AttentionImplementation? = nil, smClockMHz: Double? = nil, powerCapWatts: Double? = nil,
                hostLaunchMicroseconds: Double? = nil, sampling: Sampling? = nil, pipelineParallel: Int? = nil) {
        self.model = model; self.gpu = gpu; self.gpus = gpus; self.tensorParallel = tensorParallel
        self.expertParallel = expertParallel; self.precision = precision; self.kvPrecision = kvPrecision
        self.framework = framework; self.attention = attention; self.smClockMHz = smClockMHz
        self.powerCapWatts = powerCapWatts; self.hostLaunchMicroseconds = hostLaunchMicroseconds
        self.sampling = sampling
        self.pipelineParallel = pipelineParallel
    }
}

/// The catalogs and calibration an estimate is made with.
public struct Estimator: Sendable {
    public let gpus: GPUCatalog
    public let models: ModelCatalog
    public let calibration: CoefficientFile
    /// Whether `calibration` is the bundled one, whose error the bundled bands measure (compared
    /// once here rather than on every estimate).
    public let calibrationIsBundled: Bool

    public init(gpus: GPUCatalog = .bundled, models: ModelCatalog = .bundled, calibration: CoefficientFile = .bundled) {
        self.gpus = gpus
        self.models = models
        self.calibration = calibration
        calibrationIsBundled = calibration == .bundled
    }

    /// The measured error band an estimate on `gpu` takes (`ErrorBands`): nil under a calibration
    /// other than the bundled one, which the bands do not measure.
    public func errorBand(for gpu: String) -> ErrorBand? {
        guard calibrationIsBundled else { return nil }
        // A catalog GPU without a band of its own takes its architecture's (`ErrorBands.band(for:catalog:)`).
        return (try? gpus.gpu(gpu)).map { ErrorBands.bundled.band(for: $0, catalog: gpus) } ?? ErrorBands.bundled.band(for: gpu)
    }

    /// How well changes of one kind of lever were predicted where measured (`LeverValidation`,
    /// bundled with the bands); nil under another calibration, as for the bands.
    public func leverAccuracy(_ lever: String) -> LeverValidation.Row? {
        calibrationIsBundled ? ErrorBands.bundled.lever(lever) : nil
    }

    /// `leverAccuracy` as quoted for a change on `gpus` (catalog ids): the row names those of them
    /// its pairs were not measured on (`LeverValidation.Row.unmeasuredGPUs`), which the words
    /// and a fleet lever's `measuredOn` then say.
    public func leverAccuracy(_ lever: String, on gpus: [String]) -> LeverValidation.Row? {
        leverAccuracy(lever)?.onGPUs(gpus)
    }

    /// vLLM's host before calibration: 5 µs per kernel launched outside CUDA graphs (a CUDA
    /// launch costs a few µs of CPU; NVIDIA CUDA C++ Best Practices Guide) and 0.5 ms of scheduler
    /// and sampler work per step; the per-step cost is refitted on serving measurements.
    public static let defaultVLLMHost = HostModel(launchTime: .microseconds(5), passOverhead: .microseconds(500))

    /// Default host model per framework: the one fitted for it with the GPU's coefficients, else
    /// - hf: the host fitted on the EnergAIzer A100 machine (PyTorch eager from Python);
    /// - vllm: the host fitted on the ML.ENERGY H100 runs, else `defaultVLLMHost`. Those runs used
    ///   async scheduling, vLLM's default since vllm-project/vllm#27614, so this host leaves no
    ///   per-sequence idle gap; synchronous stacks (vLLM before it) idle the GPU longer.
    public func defaultHost(for framework: Framework, set: CoefficientSet) -> HostModel {
        if let fitted = set.hosts[framework.hostKey] { return fitted }
        switch framework {
        case .hf, .vllmEager:
            // Eager launches from Python cost what the measured HF eager host costs per operation.
            var h = set.hosts["hf"] ?? calibration.fittedSet(for: "a100-pcie-40gb")?.set.hosts["hf"]
                ?? HostModel(launchTime: .microseconds(25), passOverhead: .microseconds(100))
            // vLLM's per-step scheduler and sampler time, as the graph-launching `vllm` host has it on this GPU.
            if framework == .vllmEager { h.passOverhead = defaultHost(for: .vllm, set: set).passOverhead }
            return h
        case .vllm:
            return calibration.fittedSet(for: "h100-sxm")?.set.hosts["vllm"] ?? Self.defaultVLLMHost
        case .trtllm, .sglang:
            return defaultHost(for: .vllm, set: set)
        }
    }

    /// Resolves ids, fills defaults and validates.
    public func deployment(_ r: DeploymentRequest, context: String = "") throws -> Deployment {
        var model = try models.model(r.model, context: context)
        if let p = r.ssmStatePrecision { try model.setSSMStatePrecision(p) }
        var gpu = try gpus.gpu(r.gpu, context: context)
        if let idle = calibration.fittedSet(for: gpu.id)?.idlePoints, !idle.isEmpty {
            gpu = gpu.withIdlePower(.table(PiecewiseLinear(points: idle.map { ($0.clockMHz, $0.watts) })))
        }
        let pp = r.pipelineParallel ?? 1
        guard pp >= 1 else { throw DeploymentError.invalidParallelism("pp must be at least 1") }
        // An ep group alone asks for its GPUs as a tp group or stages do: `--ep 2` is 2 GPUs, as
        // `--gpus 2 --ep 2` (where one of tp and ep divides the other, the larger is the count).
        let count = r.gpus ?? max((r.tensorParallel ?? 1) * pp, r.expertParallel ?? 1)
        // At least 1, so that more stages than GPUs is refused as such, not as "tp must be at least 1".
        let tp = r.tensorParallel ?? max(1, count / pp)
        let precision = r.precision ?? Self.defaultPrecision(of: model, framework: r.framework)
        let set = calibration.coefficients(for: gpu)
        var host = defaultHost(for: r.framework, set: set)
        if let us = r.hostLaunchMicroseconds { host.launchTime = .microseconds(us) }
        // Fused engines run their own attention kernels: an HF attention choice would change nothing.
        if let a = r.attention, r.framework.isFused, a != .flash {
            throw DeploymentError.invalidShape("attention \(a.rawValue) is an HF transformers choice (--framework hf); "
                                               + "\(r.framework.rawValue) runs its own fused attention kernels")
        }
        let attention = r.attention ?? (r.framework.isFused ? .flash : .eager)
        do {
            return try Deployment(
                checking: model, gpu: gpu, node: gpus.node(of: gpu, gpuCount: count), gpuCount: count, tensorParallel: tp,
                expertParallel: r.expertParallel ?? 1, precision: precision,
                kvPrecision: r.kvPrecision ?? Deployment.defaultKVPrecision(weights: precision, gpu: gpu), framework: r.framework,
                attention: attention, lockedClock: r.smClockMHz.map { .megahertz($0) },
                powerCap: r.powerCapWatts.map { .watts($0) }, host: host, sampling: r.sampling, pipelineParallel: pp,
                memoryUtilization: r.memoryUtilization ?? Deployment.memoryUtilization,
                fitRequirement: r.fitRequirement ?? .minimal, serverNode: gpus.node(of: gpu, gpuCount: Int.max))
        } catch let DeploymentError.unsupportedPrecision(g, p, supported) where r.precision == nil && p == precision.rawValue {
            throw DeploymentError.unsupportedDefaultPrecision(model: model.id, gpu: g, precision: p, supported: supported)
        } catch let refusal as ParallelismRefusal {
            throw DeploymentError.invalidParallelism(reason(refusal, request: r, gpus: count, tp: tp, pp: pp, model: model, gpu: gpu))
        }
    }

    /// A parallelism refusal as the user reads it. Where the refused tp or GPU count is one this
    /// request set itself (from an ep given alone, or tp from gpus ÷ pp), the refusal says so.
    /// Which refusals those are is told by the refusal's subject, not by its opening words
    /// ("tp 3 ", "pp 2 does not divide"), which a rewording in `Deployment` would have changed.
    func reason(_ refusal: ParallelismRefusal, request r: DeploymentRequest, gpus count: Int, tp: Int, pp: Int,
                model: ModelArchitecture, gpu: GPUSpec) -> String {
        // An ep given alone set the GPU count, and through it tp and the GPUs the stages split.
        let epAlone = r.gpus == nil && r.tensorParallel == nil && count > 1 && count == r.expertParallel
        // Stages with a GPU count and no tp set tp to ⌊gpus ÷ pp⌋; a GPU count alone sets tp to it.
        let tpFromStages = r.gpus != nil && r.tensorParallel == nil && pp > 1
        let tpFromGPUs = r.gpus != nil && r.tensorParallel == nil && pp == 1
        let node = gpus.node(of: gpu, gpuCount: count)
        let fitsNodes = { (tp: Int) in tp <= node.gpuCount || (tp % node.gpuCount == 0 && node.scaleOutBandwidthPerGPU != nil) }
        switch refusal.subject {
        case .tensorParallel, .stagesUnevenOverGPUs:
            if epAlone { return Self.expertParallelAlone(refusal.reason, ep: count, pp: pp, model: model) }
            if tpFromStages {
                return Self.stagesWithDefaultTP(refusal.reason, gpus: count, pp: pp, tp: tp, model: model, fitsNodes: fitsNodes)
            }
            if tpFromGPUs {
                return Self.gpusWithDefaultTP(refusal.reason, gpus: count, ep: r.expertParallel ?? 1, model: model, fitsNodes: fitsNodes,
                                              runs: { tp, pp in self.runs(r, gpus: count, tp: tp, pp: pp) })
            }
        case .stagesBeyondGPUsOrLayers:
            // Stages beyond the GPUs given, or the layers, are the user's own pp against them.
            if epAlone { return Self.expertParallelAlone(refusal.reason, ep: count, pp: pp, model: model) }
        }
        return refusal.reason
    }

    /// Stages given with a GPU count but no tp set tp to ⌊gpus ÷ pp⌋ (`deployment`): a refusal of
    /// that tp ("tp 5 does not divide gpus 16" of `--gpus 16 --pp 3`) had named a value the user
    /// never gave. It now opens with the pp given, says where the tp came from, and offers the
    /// nearest GPU counts on either side whose tp the model's heads allow and the node holds.
    static func stagesWithDefaultTP(_ reason: String, gpus: Int, pp: Int, tp: Int, model: ModelArchitecture,
                                    fitsNodes: (Int) -> Bool) -> String {
        let origin = "tp defaults to gpus ÷ pp"
        let opening = gpus % pp != 0 ? "pp \(pp) does not divide gpus \(gpus) (\(origin))"
            : "pp \(pp) over gpus \(gpus) sets tp \(tp) (\(origin)), and \(reason)"
        let fits = Deployment.allowedTensorParallel(model: model).filter(fitsNodes).map { ParallelFit(tp: $0, pp: pp) }
        let below = fits.last { $0.gpus < gpus }, above = fits.first { $0.gpus > gpus }
        let offers = [below, above].compactMap { $0 }.map { "\($0.gpus) (\($0.description))" }
        guard !offers.isEmpty else { return opening }
        let tpToo = gpus % pp == 0 ? ", or set --tp as well (the GPUs past tp × pp run data-parallel replicas)" : ""
        return opening + "; give --gpus " + offers.joined(separator: " or ") + tpToo
    }

    /// A GPU count given without tp or stages sets tp to it (`deployment`): a refusal of that tp
    /// ("tp 12 does not divide the 128 attention heads" of `--gpus 12`) had named a value the user
    /// never gave and offered no way out. It now says where the tp came from and offers the largest
    /// tp that the heads allow, divides the GPUs, the node holds and any ep given goes with, the
    /// rest of the GPUs running as data-parallel replicas.
    /// The offer is the first layout over the GPUs that `runs` (builds and leaves room for the
    /// request), fewest stages first and then the largest tp; else the largest tp the checks allow.
    static func gpusWithDefaultTP(_ reason: String, gpus: Int, ep: Int, model: ModelArchitecture, fitsNodes: (Int) -> Bool,
                                  runs: (Int, Int) -> Bool = { _, _ in true }) -> String {
        let opening = "gpus \(gpus) sets tp \(gpus) (tp defaults to the GPU count), and \(reason)"
        let tps = Deployment.allowedTensorParallel(model: model).reversed().filter {
            $0 < gpus && gpus % $0 == 0 && fitsNodes($0) && (ep == 1 || $0 % ep == 0 || ep % $0 == 0)
        }
        // Stages only without ep (pp beside ep is not modelled).
        let layouts = (1...(ep == 1 ? gpus : 1)).flatMap { pp in tps.filter { gpus % ($0 * pp) == 0 }.map { (tp: $0, pp: pp) } }
        guard let offer = layouts.first(where: { runs($0.tp, $0.pp) }) ?? tps.first.map({ (tp: $0, pp: 1) }) else { return opening }
        let flags = "--gpus \(gpus) --tp \(offer.tp)" + (offer.pp > 1 ? " --pp \(offer.pp)" : "") + (ep > 1 ? " --ep \(ep)" : "")
        let replicas = gpus / (offer.tp * offer.pp)
        let layout = ParallelFit(tp: offer.tp, pp: offer.pp).description
        return opening + "; set --tp \(offer.tp)\(offer.pp > 1 ? " and --pp \(offer.pp)" : "") as well (\(flags): "
            + (replicas > 1 ? "\(replicas) data-parallel replicas of \(layout))" : "\(layout))")
    }

    /// Whether `r` on `gpus` GPUs as `tp` × `pp` builds and leaves room for its serving request
    /// (`Deployment.leavesRoom`), for the layouts a refusal offers.
    func runs(_ r: DeploymentRequest, gpus: Int, tp: Int, pp: Int) -> Bool {
        var tried = r
        tried.gpus = gpus
        tried.tensorParallel = tp
        tried.pipelineParallel = pp
        guard let d = try? deployment(tried) else { return false }
        return d.leavesRoom(memoryUtilization: d.memoryUtilization, for: r.fitRequirement ?? .minimal)
    }

    /// An ep group given alone sets the GPU count and, through it, tp (`deployment`): a refusal of
    /// that tp ("tp 3 does not divide the 32 attention heads") had named a value the user never
    /// gave. It now opens with the ep given, says where the tp came from and the way out.
    /// The way out is offered only where it runs: "tp 1 with ep 3" had been offered for 128
    /// experts, which ep 3 does not divide. With stages, the GPUs the ep group sets must also split
    /// into them (`--ep 3 --pp 2` had been refused as "pp 2 does not divide gpus 3", a count the
    /// user never gave), and only a GPU count given with them can.
    static func expertParallelAlone(_ reason: String, ep: Int, pp: Int = 1, model: ModelArchitecture) -> String {
        let way: String
        if let moe = model.moe {
            way = moe.experts % ep != 0 ? "and ep \(ep) does not divide the \(moe.experts) experts either: choose an ep that does"
                : pp > 1 ? "give --gpus as well, a multiple of pp \(pp)"
                : "set tp as well (tp 1 with ep \(ep) runs attention data-parallel on each GPU)"
        } else {
            way = "ep applies to mixture-of-experts models, and \(model.id) is dense"
        }
        let tp = pp > 1 ? "tp defaults to the GPU count over pp \(pp)" : "tp defaults to the GPU count"
        return "ep \(ep) sets \(ep) GPUs, and \(tp): \(reason); \(way)"
    }

    /// The weights' precision when none is asked for: the checkpoint's, except that the fused
    /// engines run an FP32 checkpoint in FP16. vLLM's `--dtype auto` (its default) "will use FP16
    /// precision for FP32 and FP16 models, and BF16 precision for BF16 models" (vLLM engine
    /// arguments, https://docs.vllm.ai/en/v0.4.0.post1/models/engine_args.html, `--dtype`; the
    /// same words in later releases). SGLang and TensorRT-LLM are priced by the same rule, an
    /// assumption not checked against their documents (no FP32 run of either is measured here;
    /// Mini-SGLang documents its `--dtype auto` that way). HF transformers
    /// instantiates a model in FP32 unless `torch_dtype` is given
    /// (https://huggingface.co/docs/transformers/main_classes/model, "Model Instantiation dtype"),
    /// so under `hf` an FP32 checkpoint stays FP32, as in the EnergAIzer runs.
    public static func defaultPrecision(of model: ModelArchitecture, framework: Framework) -> Precision {
        model.defaultPrecision == .fp32 && framework.isFused ? .fp16 : model.defaultPrecision
    }

    /// The pass estimator for a deployment's GPU.
    public func passEstimator(for d: Deployment) -> PassEstimator {
        let set = calibration.coefficients(for: d.gpu)
        return PassEstimator(gpu: d.gpu,
                             power: PowerModel(gpu: d.gpu, coefficients: set.power, capHoldFraction: calibration.capHoldFraction),
                             timeModel: timeModel(for: d, set: set), host: d.host)
    }

    /// One forward pass (prefill or decode step) of `d`, per GPU.
    public func forwardPass(_ d: Deployment, phase: Phase, lmHead: Bool = true) throws -> PassEstimate {
        if d.pipelineParallel > 1 { return try pipelinePass(d, phase: phase, lmHead: lmHead) }
        let program = try PhasePlanner(deployment: d, includeLMHead: lmHead).program(for: phase)
        return passEstimator(for: d).estimate(program, clock: d.lockedClock, powerCap: d.powerCap)
    }
}

extension Estimator {
    /// This estimator with a model catalog of one model, the generic decoder of `parameters`
    /// weights at `precision` (`GenericArchitecture.decoder`), and the same GPUs and calibration:
    /// what `tokenwatt power --params` prices. Returns it and the generic model's id.
    /// - Throws: what `GenericArchitecture.decoder` throws for a count outside
    ///   `GenericArchitecture.parameterRange`.
    public func withGenericModel(parameters: Double, precision: Precision) throws -> (estimator: Estimator, modelID: String) {
        let generic = try GenericArchitecture.decoder(parameters: parameters, precision: precision)
        return (Estimator(gpus: gpus, models: try ModelCatalog(models: [generic]), calibration: calibration), generic.id)
    }
}

extension ModelArchitecture {
    /// The precisions vLLM's `--mamba-ssm-cache-dtype` takes (float32, bfloat16, float16).
    public static let ssmStatePrecisions: [Precision] = [.fp32, .bf16, .fp16]

    /// Caches the SSM (or Gated DeltaNet) state at `p` instead of the catalog's precision.
    mutating func setSSMStatePrecision(_ p: Precision) throws {
        guard recurrentState != nil else {
            throw DeploymentError.invalidShape("an SSM state precision applies to Mamba-2 and Gated DeltaNet hybrids; \(id) has no recurrent state")
        }
        guard Self.ssmStatePrecisions.contains(p) else {
            throw DeploymentError.invalidShape(
                "SSM state precision \(p.rawValue) is not one vLLM caches; use \(Self.ssmStatePrecisions.map(\.rawValue).joined(separator: ", "))")
        }
        hybrid?.mamba.stateBytes = p.activationBytes
        linearAttention?.stateBytes = p.activationBytes
    }
}
