import KernelPower

/// A model served on GPUs: everything resolved from the catalogs and validated.
public struct Deployment: Sendable {
    public let model: ModelArchitecture
    public let gpu: GPUSpec
    /// Whether the expert GEMMs carry FP8 block scales on FP8 tensor cores (`FusedLayerPlanner`'s
    /// `blockScaledB`): an FP8 mixture of experts with a weight block. Dequantized on a GPU
    /// without FP8 units (FP8 Marlin) they are read per group, not block-scaled, and the
    /// caveats on block-FP8 expert kernels do not apply there.
    public var hasBlockScaledFP8Experts: Bool {
        model.moe != nil && precision == .fp8 && model.fp8WeightBlock != nil && mathUnit == .tensor(.fp8)
    }

    /// The server the deployment's GPUs sit in (settable for the does-not-fit search's shapes).
    public internal(set) var node: NodeSpec
    /// The node a shape of more GPUs than `node` holds takes (`GPUCatalog.node(of:gpuCount:)`): an
    /// A10 deployment of one GPU runs on a workstation, of two on the 8-GPU server. The
    /// does-not-fit search sizes its layouts on it, or it suggested tp 32 over workstations.
    var serverNode: NodeSpec? = nil
    /// GPUs of the deployment (tensor-parallel group × pipeline stages × data-parallel replicas).
    // The layout is settable here so that the does-not-fit search (`smallestFit`) can try other
    // shapes of this deployment by the same rules (`checkShape`, `leavesRoom`).
    public internal(set) var gpuCount: Int
    public internal(set) var tensorParallel: Int
    /// Pipeline stages: each holds a contiguous run of the layers on its own tensor-parallel group
    /// (`stageLayers`).
    public internal(set) var pipelineParallel: Int
    public internal(set) var expertParallel: Int
    public let precision: Precision
    public let kvPrecision: Precision
    public let framework: Framework
    public let attention: AttentionImplementation
    public let sampling: Sampling
    /// Locked SM clock, or nil for the default (boost, throttled by the power cap).
    public private(set) var lockedClock: Frequency?
    public private(set) var powerCap: Power?
    public let host: HostModel
    public let mathUnit: MathUnit
    /// Fraction of each GPU's memory the engine may use for weights, activations and KV cache
    /// (vLLM's `--gpu-memory-utilization`; `Deployment.memoryUtilization`, 0.9, unless asked).
    /// The weights must fit in it (`checkWeightsFit`); `KVCacheBudget` sizes the cache from the
    /// serving request's fraction, which the CLI takes from the same flag.
    public let memoryUtilization: Double

    public var dataParallel: Int { gpuCount / (tensorParallel * pipelineParallel) }

    /// Whether each step sorts every sampled sequence's logits: top-p under an engine that sorts
    /// for it on this GPU (`Framework.sortsTopP`: vLLM's PyTorch sampler; SGLang on an AMD GPU).
    public var sortsLogits: Bool { sampling == .topP && framework.sortsTopP(on: gpu) }

    /// How a weight-only format is computed, for the assumptions: its weights stream at 4 or 8
    /// bits but the matrix units run at 16 (NVFP4 is native on FP4 tensor cores; MXFP4, with
    /// 16-bit activations, is native nowhere; FP8 is dequantized where there are no FP8 tensor
    /// cores, as vLLM's FP8 Marlin does), nil otherwise.
    public var dequantization: String? {
        guard precision.isDequantized(on: mathUnit), case let .tensor(format) = mathUnit else { return nil }
        let why = precision == .int4 ? "a weight-only format"
            : precision == .fp8 ? "\(gpu.id) has no FP8 tensor cores; vLLM runs FP8 checkpoints there as W8A16 through FP8 Marlin"
            : gpu.tensorPeaks[.fp4] == nil ? "\(gpu.id) has no FP4 tensor cores"
            : precision == .nvfp4 && gpu.vendor == "amd" ? Self.nvfp4OnCDNA4
            : "its activations stay 16-bit, and FP4 tensor cores multiply only 4-, 6- or 8-bit operands"
        return "\(precision.rawValue) weights dequantized to \(format.rawValue) for the matrix math (\(why)): "
            + "weights read at \(precision == .fp8 ? 8 : 4) bits, tensor cores at the \(format.rawValue) rate"
    }

    /// Why NVFP4 is dequantized on an AMD GPU with FP4 matrix cores (CDNA 4: MI350X, MI355X): its
    /// scales are not the ones those cores take, whatever the activations (`GPUSpec.mathUnit`).
    /// It had been told "FP4 tensor cores multiply only 4-, 6- or 8-bit operands", which is the
    /// reason for gpt-oss's MXFP4 (16-bit activations), not for NVFP4.
    static let nvfp4OnCDNA4 = "CDNA 4's FP4 matrix cores take the OCP MX format's scales, one 8-bit power of two (E8M0) per 32 "
        + "elements, not NVFP4's FP8 (E4M3) scale per 16, so NVFP4 weights are not multiplied natively there"

    /// Heads and KV heads held by one GPU of the tensor-parallel group (KV heads are replicated
    /// when the group is larger than their count, as vLLM does).
    public var localHeads: Int { model.heads / tensorParallel }
    public var localKVHeads: Int { max(1, model.kvHeads / tensorParallel) }

    public init(model: ModelArchitecture, gpu: GPUSpec, node: NodeSpec, gpuCount: Int, tensorParallel: Int,
                expertParallel: Int, precision: Precision, kvPrecision: Precision, framework: Framework,
                attention: AttentionImplementation, lockedClock: Frequency?, powerCap: Power?, host: HostModel,
                sampling: Sampling? = nil, pipelineParallel: Int = 1,
                memoryUtilization: Double = Deployment.memoryUtilization) throws {
        do {
            try self.init(checking: model, gpu: gpu, node: node, gpuCount: gpuCount, tensorParallel: tensorParallel,
                          expertParallel: expertParallel, precision: precision, kvPrecision: kvPrecision, framework: framework,
                          attention: attention, lockedClock: lockedClock, powerCap: powerCap, host: host, sampling: sampling,
                          pipelineParallel: pipelineParallel, memoryUtilization: memoryUtilization)
        } catch let refusal as ParallelismRefusal {
            throw DeploymentError.invalidParallelism(refusal.reason)
        }
    }

    /// `init(model:…)`, with its refusals of a tp group or of stages thrown as
    /// `ParallelismRefusal`, which says which of them each is about: `Estimator.deployment` rewords
    /// the refusal of a tp or GPU count it set itself, and tells which by that.
    init(checking model: ModelArchitecture, gpu: GPUSpec, node: NodeSpec, gpuCount: Int, tensorParallel: Int,
         expertParallel: Int, precision: Precision, kvPrecision: Precision, framework: Framework,
         attention: AttentionImplementation, lockedClock: Frequency?, powerCap: Power?, host: HostModel,
         sampling: Sampling?, pipelineParallel: Int, memoryUtilization: Double,
         fitRequirement: FitRequirement = .minimal, serverNode: NodeSpec? = nil) throws {
        if let reason = model.unsupportedReason { throw DeploymentError.unsupportedModel(reason) }
        let unit = try Self.checkPrecision(precision, model: model, gpu: gpu)
        if let problem = Self.softwareProblem(gpu: gpu, framework: framework, attention: attention, precision: precision, kvPrecision: kvPrecision)
            ?? Self.sparseCacheProblem(model: model, kvPrecision: kvPrecision) {
            throw DeploymentError.invalidShape(problem)
        }
        if let features = Self.unplannedFeatures(model: model, framework: framework) {
            throw DeploymentError.unsupportedFramework(framework: framework.rawValue, model: model.id, features: features)
        }
        guard gpuCount >= 1, tensorParallel >= 1, expertParallel >= 1 else {
            throw DeploymentError.invalidParallelism("gpus, tp and ep must be at least 1")
        }
        // The indexer scores in FP8 (DeepGEMM's mqa_logits) and the sparse MLA kernels are
        // FlashMLA's: Hopper and Blackwell (or AMD's FP8 GPUs), not GPUs without FP8 tensor cores.
        if model.attention.sparseIndex != nil, gpu.tensorPeaks[.fp8] == nil {
            throw DeploymentError.unsupportedModel(
                "\(model.id)'s sparse attention needs FP8 tensor cores (its indexer scores in FP8; vLLM runs it on Hopper and Blackwell); \(gpu.id) has none")
        }
        try Self.checkLayout(model: model, gpuCount: gpuCount, tensorParallel: tensorParallel, pipelineParallel: pipelineParallel,
                             expertParallel: expertParallel, framework: framework)
        try Self.checkSettings(lockedClock: lockedClock, powerCap: powerCap, memoryUtilization: memoryUtilization, gpu: gpu)
        self.model = model; self.gpu = gpu; self.node = node; self.gpuCount = gpuCount
        self.tensorParallel = tensorParallel; self.expertParallel = expertParallel; self.pipelineParallel = pipelineParallel
        self.precision = precision; self.kvPrecision = kvPrecision; self.framework = framework
        self.attention = attention; self.sampling = sampling ?? .defaultFor(framework, on: gpu)
        self.lockedClock = lockedClock; self.powerCap = powerCap
        self.host = host; self.mathUnit = unit
        self.memoryUtilization = memoryUtilization
        self.serverNode = serverNode
        try checkGroupsFitNodes()
        try checkWeightsFit(requirement: fitRequirement)
    }

    /// Refuses a tp group, stages or an ep group the GPUs, heads, layers, experts or framework do
    /// not allow (the nodes are `checkGroupsFitNodes`'s): the init's rules, which the does-not-fit
    /// search (`smallestFit`) tries its shapes by too.
    static func checkLayout(model: ModelArchitecture, gpuCount: Int, tensorParallel: Int, pipelineParallel: Int,
                            expertParallel: Int, framework: Framework) throws {
        if let problem = Self.groupProblem("tp \(tensorParallel)", size: tensorParallel, gpuCount: gpuCount) {
            throw ParallelismRefusal(.tensorParallel, problem)
        }
        try Self.checkPipeline(pipelineParallel, gpuCount: gpuCount, tensorParallel: tensorParallel, expertParallel: expertParallel,
                               layers: model.layers, framework: framework)
        if let problem = Self.tensorParallelProblem(tensorParallel, model: model) { throw ParallelismRefusal(.tensorParallel, problem) }
        try Self.checkExpertParallel(expertParallel, tensorParallel: tensorParallel, gpuCount: gpuCount, model: model)
    }

    /// The same deployment at its GPU's default clock and power limit.
    public var atDefaultSettings: Deployment {
        var d = self
        d.lockedClock = nil
        d.powerCap = nil
        return d
    }

    /// The features of `model` that `framework`'s planner has no path for, in words, or nil: the
    /// HF eager planner (`EagerLayerPlanner`) writes a dense FFN and q/k/v projections, so under
    /// `hf` a mixture of experts was priced as dense FFNs of its `ffnSize` in every layer and
    /// multi-head latent attention as plain multi-head attention (DeepSeek-V3.1: 3.203 Wh against
    /// vLLM's 1.295, no caveat). Hybrids and sparse attention are refused by `PhasePlanner`.
    static func unplannedFeatures(model: ModelArchitecture, framework: Framework) -> [String]? {
        guard framework == .hf else { return nil }
        let features = [model.moe != nil ? "mixture-of-experts layers" : nil,
                        model.attention.mla != nil ? "multi-head latent attention (MLA)" : nil,
                        model.attention.sparseIndex != nil ? "sparse attention (a lightning indexer)" : nil].compactMap { $0 }
        return features.isEmpty ? nil : features
    }

    /// Why `model`'s layers cannot be sharded over `tp` GPUs, or nil when they can: the one rule
    /// the deployment checks and the does-not-fit suggestion searches by (the search had its own
    /// copy of the attention-head part and could suggest a tp a hybrid's Mamba-2 or Gated
    /// DeltaNet heads refuse).
    static func tensorParallelProblem(_ tp: Int, model: ModelArchitecture) -> String? {
        if model.heads % tp != 0 { return "tp \(tp) does not divide the \(model.heads) attention heads of \(model.id)" }
        if model.kvHeads % tp != 0 && tp % model.kvHeads != 0 {
            return "tp \(tp) and the \(model.kvHeads) KV heads of \(model.id) must divide one another"
        }
        // vLLM's MambaMixer2 shards SSM heads and B/C groups over the group (a single group is
        // replicated instead).
        if let s = model.hybrid?.mamba, s.heads % tp != 0 || (s.groups % tp != 0 && s.groups != 1) {
            return "tp \(tp) must divide the \(s.heads) Mamba-2 heads and \(s.groups) groups of \(model.id)"
        }
        // vLLM's GatedDeltaNet shards its key and value heads over the group.
        if let g = model.linearAttention, g.keyHeads % tp != 0 || g.valueHeads % tp != 0 {
            return "tp \(tp) must divide the \(g.keyHeads) key heads and \(g.valueHeads) value heads of \(model.id)'s Gated DeltaNet layers"
        }
        return nil
    }

    /// Why groups of `size` GPUs, called `name` (`tp 4`, `tp 2 × pp 2 = 4`), cannot tile
    /// `gpuCount` GPUs, or nil when they can. A group larger than the deployment says so and how
    /// many GPUs it needs: "tp 4 does not divide gpus 2" read as a divisibility slip.
    static func groupProblem(_ name: String, size: Int, gpuCount: Int) -> String? {
        if size > gpuCount { return "\(name) exceeds gpus \(gpuCount): it needs at least \(size) GPUs" }
        if gpuCount % size != 0 { return "\(name) does not divide gpus \(gpuCount): gpus must be a multiple of \(size)" }
        return nil
    }

    /// Fraction of GPU memory the framework may use when none is asked for (vLLM's
    /// `gpu_memory_utilization` default, 0.9).
    public static let memoryUtilization = 0.9
}

extension Deployment {
    /// Whether a sequence of `tokens` is longer than the model's context window.
    public func exceedsContext(tokens: Int) -> Bool { tokens > model.maxPositions }

    /// A note when sequences of `tokens` are longer than the model's context window: the
    /// arithmetic is costed as asked, but the model was not trained that long and engines refuse it
    /// by default (vLLM caps max_model_len at the config's length unless
    /// VLLM_ALLOW_LONG_MAX_MODEL_LEN=1 is set).
    public func contextNote(tokens: Int) -> String? {
        guard exceedsContext(tokens: tokens) else { return nil }
        return "\(tokens) tokens per sequence exceed the \(model.maxPositions)-token context window of \(model.id) "
            + "(max_position_embeddings); costed as asked, as an engine runs it only with that limit lifted"
    }
}
