import KernelPower

/// The serving framework, which decides how many kernels a layer becomes and how they are issued.
public enum Framework: String, Sendable, CaseIterable {
    /// vLLM: fused kernels (fused norms, QKV and gate-up GEMMs, FlashAttention), CUDA graphs in decode.
    case vllm
    /// vLLM's kernels launched eagerly, one host launch per kernel (`--enforce-eager`), as
    /// serving stacks without CUDA graphs run (e.g. the Splitwise profiles).
    case vllmEager = "vllm-eager"
    /// Hugging Face transformers on PyTorch eager: one kernel launch per operation, issued from Python.
    case hf
    /// TensorRT-LLM: the same fused layer (fused QKV and gate-up GEMMs, fused attention) with
    /// in-flight batching, issued by a C++ runtime. Its decode attention (the XQA/masked-MHA kernels)
    /// is charged its KV stream only: the per-sequence decode time fitted on vLLM 0.11 is vLLM's.
    /// No TensorRT-LLM step has been measured separately, so its host is the `vllm` host.
    case trtllm
    /// SGLang: vLLM's kinds of kernels (fused layers, FlashInfer or FA3 attention, CUDA graphs in
    /// decode) and vLLM's host, with two differences that are its own. It samples with FlashInfer's
    /// sorting-free kernels by default (sgl-project/sglang, python/sglang/srt/server_args.py:
    /// `sampling_backend` falls back to "flashinfer"), and its block-FP8 expert GEMMs stream like
    /// 16-bit ones: DeepSeek-R1's steps on SGLang 0.5.6 (InferenceMAX, H200 and B200) grow with the
    /// experts a batch touches at about the dense rate, not at the block-FP8 efficiency fitted on
    /// vLLM 0.11's kernel for Qwen3 (docs/methodology.md §7, published-serving).
    case sglang

    /// Whether the framework runs fused kernels with continuous (in-flight) batching.
    public var isFused: Bool { self != .hf }

    /// The fused frameworks in words ("vllm, vllm-eager, trtllm or sglang"), so that a refusal
    /// names every framework that works, not vLLM alone.
    public static var fusedNames: String {
        let names = allCases.filter(\.isFused).map(\.rawValue)
        return names.dropLast().joined(separator: ", ") + " or " + names[names.count - 1]
    }

    /// Whether small steps replay as CUDA graphs (one host launch per graph, not per kernel).
    public var capturesCUDAGraphs: Bool { self == .vllm || self == .trtllm || self == .sglang }

    /// Whether decode attention pays the per-sequence time of the time model (vLLM's kernels do).
    public var paysDecodeSequenceTime: Bool { self != .trtllm }

    /// Whether tokens are picked by vLLM's PyTorch sampler (TensorRT-LLM samples with its own
    /// kernels; the HF planner has no sampler).
    public var usesVLLMSampler: Bool { self == .vllm || self == .vllmEager }

    /// Whether its expert kernels stream block-FP8 weights at the 16-bit grouped efficiency rather
    /// than the block-FP8 one fitted on vLLM 0.11 (SGLang's do).
    public var streamsBlockFP8LikeSixteenBit: Bool { self == .sglang }

    /// Whether pipeline parallelism is modelled for it (vLLM's stages, graphs or eager).
    public var supportsPipelineParallel: Bool { self == .vllm || self == .vllmEager }

    /// The time model as this framework's kernels run under it.
    public func timeModel(_ t: TimeModel) -> TimeModel {
        var u = t
        if !paysDecodeSequenceTime {
            u.decodeSequenceBytes = 0
            u.decodeQueryHeadBytes = 0
        }
        if streamsBlockFP8LikeSixteenBit { u.blockFP8GroupedMemoryEfficiency = u.groupedMemoryEfficiency }
        return u
    }
}

/// How each step picks the next token from the logits, which decides the sampler's kernels.
public enum Sampling: String, Sendable, CaseIterable {
    /// From the logits as they are: greedy, temperature alone, or top-p by a sampler that does
    /// not sort (FlashInfer's rejection sampler, opt-in in vLLM 0.11): one pass over the logits.
    case direct
    /// Nucleus (top-p) sampling as vLLM's PyTorch sampler does it: every sequence's logits sorted
    /// over the whole vocabulary, then softmax, cumulative sum, mask and scatter back. vLLM 0.11
    /// runs this path by default: FlashInfer's sorting-free sampler became opt-in in
    /// vllm-project/vllm#26859 (2025-10-15); the PR that first brought it (#11394) measured the
    /// sort at up to ~20 % of throughput in high-throughput serving.
    case topP = "top-p"

    /// The default per framework: vLLM serves with the model's generation config, whose top-p is
    /// below 1 for most instruct models (Llama 3.1 0.9, Qwen3 0.8–0.95, Gemma 3 0.95); TensorRT-LLM
    /// samples with its own kernels and HF's top-p warper is off unless asked for.
    public static func defaultFor(_ f: Framework) -> Sampling { f.usesVLLMSampler ? .topP : .direct }
}

/// The attention implementation of the HF framework (vLLM always uses fused attention).
public enum AttentionImplementation: String, Sendable, CaseIterable {
    /// Separate QKᵀ, scale, mask, softmax and PV kernels; the score matrix goes through HBM.
    case eager
    /// PyTorch scaled_dot_product_attention: one fused kernel.
    case sdpa
    /// FlashAttention-2: one fused kernel.
    case flash
}

/// A model served on GPUs: everything resolved from the catalogs and validated.
public struct Deployment: Sendable {
    public let model: ModelArchitecture
    public let gpu: GPUSpec
    public let node: NodeSpec
    /// GPUs of the deployment (tensor-parallel group × pipeline stages × data-parallel replicas).
    public let gpuCount: Int
    public let tensorParallel: Int
    /// Pipeline stages: each holds a contiguous 1/pp of the layers on its own tensor-parallel group.
    public let pipelineParallel: Int
    public let expertParallel: Int
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

    /// Whether each step sorts every sampled sequence's logits: top-p under vLLM's PyTorch sampler.
    public var sortsLogits: Bool { sampling == .topP && framework.usesVLLMSampler }

    /// How a weight-only format is computed, for the assumptions: its weights stream at 4 bits but
    /// the matrix units run at 16 (NVFP4 is native on FP4 tensor cores; MXFP4, with 16-bit
    /// activations, is native nowhere), nil otherwise.
    public var dequantization: String? {
        guard precision.isWeightOnly, case let .tensor(format) = mathUnit, format != .fp4 else { return nil }
        let why = precision == .int4 ? "a weight-only format"
            : gpu.tensorPeaks[.fp4] == nil ? "\(gpu.id) has no FP4 tensor cores"
            : "its activations stay 16-bit, and FP4 tensor cores multiply only 4-, 6- or 8-bit operands"
        return "\(precision.rawValue) weights dequantized to \(format.rawValue) for the matrix math (\(why)): "
            + "weights read at 4 bits, tensor cores at the \(format.rawValue) rate"
    }

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
         sampling: Sampling?, pipelineParallel: Int, memoryUtilization: Double) throws {
        if let reason = model.unsupportedReason { throw DeploymentError.unsupportedModel(reason) }
        let unit = try Self.checkPrecision(precision, model: model, gpu: gpu)
        if let problem = Self.softwareProblem(gpu: gpu, framework: framework, attention: attention, precision: precision, kvPrecision: kvPrecision) {
            throw DeploymentError.invalidShape(problem)
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
        if let problem = Self.groupProblem("tp \(tensorParallel)", size: tensorParallel, gpuCount: gpuCount) {
            throw ParallelismRefusal(.tensorParallel, problem)
        }
        try Self.checkPipeline(pipelineParallel, gpuCount: gpuCount, tensorParallel: tensorParallel, expertParallel: expertParallel,
                               layers: model.layers, framework: framework)
        if let problem = Self.tensorParallelProblem(tensorParallel, model: model) { throw ParallelismRefusal(.tensorParallel, problem) }
        try Self.checkExpertParallel(expertParallel, tensorParallel: tensorParallel, gpuCount: gpuCount, model: model)
        try Self.checkSettings(lockedClock: lockedClock, powerCap: powerCap, memoryUtilization: memoryUtilization, gpu: gpu)
        self.model = model; self.gpu = gpu; self.node = node; self.gpuCount = gpuCount
        self.tensorParallel = tensorParallel; self.expertParallel = expertParallel; self.pipelineParallel = pipelineParallel
        self.precision = precision; self.kvPrecision = kvPrecision; self.framework = framework
        self.attention = attention; self.sampling = sampling ?? .defaultFor(framework)
        self.lockedClock = lockedClock; self.powerCap = powerCap
        self.host = host; self.mathUnit = unit
        self.memoryUtilization = memoryUtilization
        try checkGroupsFitNodes()
        try checkWeightsFit()
    }

    /// The same deployment at its GPU's default clock and power limit.
    public var atDefaultSettings: Deployment {
        var d = self
        d.lockedClock = nil
        d.powerCap = nil
        return d
    }

    /// Raises `doesNotFit` with the smallest deployment the model's heads and layers allow that
    /// holds the weights in `fraction` of each GPU's memory (the deployment's own unless given),
    /// or none. `KVCacheBudget` asks it with the serving request's fraction, so that weights past
    /// it are refused with the GPUs they need, not as a KV cache with "0 GB per GPU" left.
    public func checkWeightsFit(memoryUtilization fraction: Double? = nil) throws {
        let fraction = fraction ?? memoryUtilization
        let usable = gpu.memoryCapacity.bytes * fraction
        let perGPU = weightBytesPerGPU.bytes
        guard perGPU > usable else { return }
        // Every stage holds about the heaviest stage's share.
        let total = perGPU * Double(tensorParallel * pipelineParallel)
        throw DeploymentError.doesNotFit(model: model.id, gpu: gpu.id, weightsGB: total / 1e9, usableGB: usable / 1e9,
                                         fit: smallestFit(usableBytes: usable), largest: largestFit,
                                         pipelined: pipelineParallel > 1, memoryUtilization: fraction)
    }

    /// The fewest GPUs whose weights per GPU fit `usableBytes`, as tp × pp with a tp the model's
    /// heads allow (`tensorParallelProblem`) and pp at most the layers where
    /// the framework pipelines; fewer stages first. Nil when even the largest such shape is too
    /// small: the suggestion stopped at "1024 GPUs (tp 1024)", which a 32-head model cannot run
    /// and which held a 2.5-billionth of the weights.
    func smallestFit(usableBytes: Double) -> ParallelFit? {
        allowedTensorParallel.compactMap { t -> ParallelFit? in
            fewestStages(tensorParallel: t, usableBytes: usableBytes).map { ParallelFit(tp: t, pp: $0) }
        }.min { ($0.gpus, $0.pp) < ($1.gpus, $1.pp) }
    }

    /// The fewest stages, up to `allowedStages`, whose GPUs hold `usableBytes` of weights each at
    /// `tp`, found by bisection: the heaviest stage's share never grows with the stages, and a walk
    /// over a catalog model's 1e9 layers took minutes.
    func fewestStages(tensorParallel tp: Int, usableBytes: Double) -> Int? {
        func fits(_ pp: Int) -> Bool { weightBytesPerGPU(tensorParallel: tp, pipelineParallel: pp).bytes <= usableBytes }
        guard fits(allowedStages) else { return nil }
        var low = 1, high = allowedStages
        while low < high {
            let mid = low + (high - low) / 2
            if fits(mid) { high = mid } else { low = mid + 1 }
        }
        return low
    }

    /// The most GPUs the weights can be spread over by tp and pp.
    var largestFit: ParallelFit { ParallelFit(tp: allowedTensorParallel.last ?? 1, pp: allowedStages) }

    /// Tensor-parallel degrees the model's heads allow, ascending.
    var allowedTensorParallel: [Int] { Self.allowedTensorParallel(model: model) }

    /// Tensor-parallel degrees `model`'s heads allow (`tensorParallelProblem`), ascending.
    static func allowedTensorParallel(model: ModelArchitecture) -> [Int] {
        divisors(of: max(1, model.heads)).filter { tensorParallelProblem($0, model: model) == nil }
    }

    /// The divisors of `n`, ascending, found in √n steps: a tp must divide the heads, and trying
    /// every tp up to a catalog model's 1e9 heads took minutes.
    static func divisors(of n: Int) -> [Int] {
        var low: [Int] = [], high: [Int] = []
        var d = 1
        while d * d <= n {
            if n % d == 0 {
                low.append(d)
                if d != n / d { high.append(n / d) }
            }
            d += 1
        }
        return low + high.reversed()
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

    /// Pipeline stages the framework allows: one per layer at most, none beside ep.
    var allowedStages: Int { framework.supportsPipelineParallel && expertParallel == 1 ? model.layers : 1 }

    /// Fraction of GPU memory the framework may use when none is asked for (vLLM's
    /// `gpu_memory_utilization` default, 0.9).
    public static let memoryUtilization = 0.9
}

/// A tensor- and pipeline-parallel shape: `tp` × `pp` GPUs.
public struct ParallelFit: Equatable, Sendable {
    public let tp: Int
    public let pp: Int
    public var gpus: Int { tp * pp }
    public var description: String { pp > 1 ? "tp \(tp) × pp \(pp)" : "tp \(tp)" }
}

/// A refusal of a deployment's tp group or stages, and which of them it is about.
/// `Deployment.init(checking:…)` throws it and `init(model:…)` turns it into
/// `DeploymentError.invalidParallelism` with the same reason. `Estimator.deployment` tells by the
/// subject whether the refused value is one it set itself (a tp from an ep given alone or from
/// gpus ÷ pp): it had told by the reason's opening words ("tp 3 ", "pp 2 does not divide"), so a
/// rewording of a message here would have changed, silently, which refusal a user is shown.
struct ParallelismRefusal: Error {
    enum Subject: Equatable {
        /// The tp group, alone or with its stages: the GPUs, the heads or the nodes refuse it
        /// ("tp 3 does not divide the 32 attention heads", "tp 2 × pp 2 = 4 exceeds gpus 2",
        /// "tp 1 × pp 4 spans … nodes").
        case tensorParallel
        /// Stages that do not divide the GPUs, with a tp of 1 ("pp 3 does not divide gpus 5").
        case stagesUnevenOverGPUs
        /// More stages than the GPUs or the layers ("pp 5 exceeds gpus 4", "pp 33 is more stages
        /// than the model's 32 layers").
        case stagesBeyondGPUsOrLayers
    }

    let subject: Subject
    let reason: String

    init(_ subject: Subject, _ reason: String) {
        self.subject = subject
        self.reason = reason
    }
}

/// Why a deployment cannot be estimated.
public enum DeploymentError: Error, Equatable, CustomStringConvertible, Sendable {
    case unsupportedModel(String)
    case unsupportedPrecision(gpu: String, precision: String, supported: [String])
    /// The model's own precision, taken because none was asked for, is one the GPU cannot run.
    case unsupportedDefaultPrecision(model: String, gpu: String, precision: String, supported: [String])
    case invalidParallelism(String)
    case clockOutOfRange(gpu: String, clockMHz: Double, maxMHz: Double)
    case powerCapOutOfRange(gpu: String, watts: Double, range: ClosedRange<Double>)
    /// `fit`: the smallest deployment that holds the weights, nil when none the model allows does.
    /// `largest`: the most GPUs the model's heads and layers can be spread over.
    /// `memoryUtilization`: the fraction of each GPU's memory `usableGB` is (the message had said
    /// "90 %" whatever `--memory-utilization` asked).
    case doesNotFit(model: String, gpu: String, weightsGB: Double, usableGB: Double, fit: ParallelFit?, largest: ParallelFit, pipelined: Bool = false,
                    memoryUtilization: Double = Deployment.memoryUtilization)
    case invalidShape(String)
    /// A precision that quantizes experts only (MXFP4), asked of a dense model.
    case expertsOnlyPrecision(model: String, precision: String, supported: [String])
    /// An encoder (BERT) asked to serve generation: it has no decode steps to price.
    case encoderOnly(model: String)

    public var description: String {
        switch self {
        case let .unsupportedModel(r): return r
        case let .unsupportedPrecision(gpu, p, s):
            return "GPU \(gpu) cannot run precision \(p) (no such tensor cores); it supports \(s.joined(separator: ", "))"
        case let .unsupportedDefaultPrecision(model, gpu, p, s):
            // vLLM refuses BF16 below compute capability 8.0 and asks for --dtype half (FP16).
            let hint = p == "bf16" && s.contains("fp16") ? " (fp16 is what vLLM's --dtype half runs)" : ""
            return "\(model)'s weights are \(p), which \(gpu) has no tensor cores for; it supports \(s.joined(separator: ", ")); "
                + "choose one with --precision, or a precision column or field\(hint)"
        case let .invalidParallelism(r): return r
        case let .clockOutOfRange(gpu, f, maxF):
            return "SM clock \(formatNumber(f)) MHz is outside what \(gpu) runs at (100 to \(formatNumber(maxF)) MHz)"
        case let .powerCapOutOfRange(gpu, w, r):
            return "power cap \(formatNumber(w)) W is outside the range \(gpu) allows (\(formatNumber(r.lowerBound)) to \(formatNumber(r.upperBound)) W)"
        case let .doesNotFit(model, gpu, w, u, fit, largest, pipelined, fraction):
            let group = pipelined ? "this pipeline" : "this tensor-parallel group"
            let need = fit.map { "it needs at least \($0.gpus) GPUs (\($0.description))" }
                ?? "it cannot fit on any deployment its attention heads and layers allow: the largest, \(largest.description) "
                + "(\(largest.gpus) GPUs), holds \(formatNumber(u * Double(largest.gpus), significant: 4)) GB"
            return "\(model) does not fit: its weights need \(formatNumber(w, significant: 4)) GB, but \(group) holds \(formatNumber(u, significant: 4)) GB per \(gpu) (memory utilization \(formatNumber(fraction)): \(formatNumber(fraction * 100, significant: 4)) % of memory); \(need)"
        case let .invalidShape(r): return r
        case let .expertsOnlyPrecision(model, p, s):
            return "\(model) is dense, and \(p) checkpoints (gpt-oss) quantize a mixture-of-experts model's experts only: every weight "
                + "would stay 16-bit; choose one of \(s.joined(separator: ", ")) (nvfp4 or int4 for 4-bit dense weights)"
        case let .encoderOnly(model):
            return "\(model) is an encoder (bidirectional attention, no KV cache): it reads its input in one pass and generates "
                + "no tokens, so there are no decode steps, output tokens or sampler to serve; price its forward pass with "
                + "`tokenwatt predict` (phase forward, input_tokens the sequence length), as validate's EnergAIzer prefill rows do"
        }
    }
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
