import KernelPower

/// How many sequences fit in memory: weights and activations first, the rest for the KV cache.
public struct KVCacheBudget: Sendable {
    /// Bytes per GPU left for the KV cache.
    public let kvBytesPerGPU: ByteCount
    /// KV bytes one sequence needs on one GPU, in whole 16-token pages (vLLM's default block
    /// size). Under continuous batching the sequences in flight sit uniformly along their decode,
    /// so one holds the mean context I + O/2 (I/c of its prompt when c copies of it share their
    /// pages, `ServingRequest.promptCopies`; a sliding-window layer no more than its window,
    /// `Deployment.kvBytesPerSequencePerGPU`). A static batch's sequences grow together and all
    /// hold I + O before any finishes: a batch sized on the mean would run out of pages halfway
    /// and the engine would preempt (Argonne's Llama-2-7B on an A100-40GB takes 1.84× as long for
    /// 32 requests as for 16, the time of about 17 at once).
    public let bytesPerSequence: ByteCount
    /// Sequences the whole deployment can hold.
    public let maxBatch: Int
    /// Bytes per GPU of one prompt's eager score matrix at its prefill (`Deployment.eagerScoreBytes`;
    /// 0 unless transformers' eager attention), and whether it, not the cache, sets `maxBatch`.
    public let scoreBytesPerSequence: ByteCount
    public let scoresLimitBatch: Bool

    /// Memory the engine keeps besides weights and KV cache: peak activations of one step of
    /// `tokenBudget` tokens (profiled by vLLM at start-up) and a fixed 1.5 GiB for the CUDA
    /// context, CUDA graphs and library workspaces (an assumption: vLLM start-up logs typically
    /// report 0.5–2 GiB for these).
    public static func reservedBytes(_ d: Deployment, tokenBudget: Int) -> ByteCount {
        .bytes(Double(tokenBudget) * d.activationBytesPerToken + contextBytes)
    }

    /// The CUDA context, CUDA graphs and library workspaces (`reservedBytes`).
    static let contextBytes = 1.5 * 1_073_741_824

    /// Bytes per GPU left for the KV cache (may be negative: the weights and activations do not fit).
    static func freeBytes(_ d: Deployment, tokenBudget: Int, memoryUtilization: Double) -> Double {
        d.gpu.memoryCapacity.bytes * memoryUtilization - d.weightBytesPerGPU.bytes - reservedBytes(d, tokenBudget: tokenBudget).bytes
    }

    /// The budget of `r` on `d`; `prefill` false leaves out what the prompt's prefill holds beside
    /// the cache (eager attention's score matrix), for a decode step costed on its own.
    public init(deployment d: Deployment, request r: ServingRequest, prefill: Bool = true) throws {
        try d.requireGenerator()
        // Weights past the request's fraction are refused as such, with the GPUs they need: the
        // cache had been "0 GB per GPU" with no count when this fraction was below the deployment's.
        try d.checkWeightsFit(memoryUtilization: r.memoryUtilization, requirement: FitRequirement(r))
        let free = Self.freeBytes(d, tokenBudget: r.tokenBudget, memoryUtilization: r.memoryUtilization)
        let isStatic = r.isStatic(on: d.framework)
        // Copies of a prompt in flight together share its KV pages (continuous batching only).
        let context = isStatic ? Double(r.inputTokens + r.outputTokens) : r.prefilledTokens + Double(r.outputTokens) / 2
        kvBytesPerGPU = .bytes(max(0, free))
        bytesPerSequence = d.kvBytesPerSequencePerGPU(contextTokens: Self.pages(context))
        var perRank = Int((max(0, free) / bytesPerSequence.bytes).rounded(.down))
        // Eager attention's prefill holds each prompt's score matrix beside the cache filled so far.
        scoreBytesPerSequence = .bytes(prefill ? d.eagerScoreBytes(sequences: 1, queryTokens: r.inputTokens, kvTokens: r.inputTokens) : 0)
        if scoreBytesPerSequence.bytes > 0 {
            let prefill = d.kvBytesPerSequencePerGPU(contextTokens: Self.pages(Double(r.inputTokens))).bytes + scoreBytesPerSequence.bytes
            let held = Int((max(0, free) / prefill).rounded(.down))
            if held < 1 { throw Self.scoresDoNotFit(r, on: d, scores: scoreBytesPerSequence.bytes, free: free) }
            scoresLimitBatch = held < perRank
            perRank = min(perRank, held)
        } else {
            scoresLimitBatch = false
        }
        maxBatch = perRank * d.attentionRanks
        guard maxBatch >= 1 else {
            throw DeploymentError.invalidShape(
                "no sequence of \(r.inputTokens)+\(r.outputTokens) tokens fits: \(formatNumber(max(0, free) / 1e9, significant: 3)) GB per GPU is left for the KV cache after weights and activations, one sequence needs \(formatNumber(bytesPerSequence.bytes / 1e9, significant: 3)) GB\(d.model.hybrid != nil ? " with its Mamba-2 state" : ""); use more GPUs or shorter requests")
        }
    }
}

extension KVCacheBudget {
    /// The refusal of a prompt whose eager score matrix does not fit even for one sequence.
    static func scoresDoNotFit(_ r: ServingRequest, on d: Deployment, scores: Double, free: Double) -> DeploymentError {
        .invalidShape("eager attention materialises the score matrix of one \(r.inputTokens)-token prompt: \(d.localHeads) heads × "
            + "\(r.inputTokens)² × \(formatNumber(d.eagerScoreElementBytes)) B (QKᵀ and its \(d.eagerSoftmaxInFP32 ? "FP32 " : "")softmax) = "
            + "\(Deployment.gigabytes(scores)) per GPU, and \(Deployment.gigabytes(max(0, free))) is left after weights and activations; "
            + "transformers would run out of memory: use --attention sdpa or flash (neither holds the matrix), more GPUs, or a shorter prompt")
    }

    /// Tokens per KV-cache page (vLLM's default block size): the unit memory is held in and a
    /// prefix-cache hit comes in (`ModelCall.reading`).
    static let pageTokens = 16

    /// Tokens rounded up to whole pages.
    static func pages(_ tokens: Double) -> Double { (tokens / Double(pageTokens)).rounded(.up) * Double(pageTokens) }

    /// What one model call holds in one engine's KV cache at its last token, per GPU
    /// (`Deployment.kvBytesPerCallPerGPU`, prompt and answers in whole pages).
    public static func callBytes(_ d: Deployment, promptTokens: Int, outputTokens: Int, sequences: Int) -> ByteCount {
        d.kvBytesPerCallPerGPU(promptTokens: pages(Double(promptTokens)), outputTokens: pages(Double(outputTokens)), sequences: sequences)
    }

    /// Whether one model call fits in the KV cache of one engine even alone: a sequence lives on
    /// one attention rank, and under continuous batching a budget sized at the mean context I + O/2
    /// says nothing of whether a request's full I + O fits. One that does not is refused by vLLM,
    /// whose engine does not start with a `max_model_len` needing more KV cache than is free
    /// (`check_enough_kv_cache_memory`, vllm/v1/core/kv_cache_utils.py: "To serve at least one
    /// request with the model's max seq len … KV cache is needed, which is larger than the
    /// available KV cache memory"), or, admitted, it is preempted when its pages run out.
    public func fits(_ call: ByteCount) -> Bool { call.bytes <= kvBytesPerGPU.bytes }

    /// Throws when one sequence of the request, at its full length (input + output tokens), does
    /// not fit in the KV cache even alone (`fits`): `estimate`, `predict`'s serve rows, `diagnose`,
    /// `tune` and `kernels` refuse such a request (all but `estimate` had priced it at batch 1).
    public func requireRoomForOneSequence(_ r: ServingRequest, on d: Deployment) throws {
        try Self.requireRoomForOneSequence(r, on: d, freeBytes: kvBytesPerGPU.bytes)
    }

    static func requireRoomForOneSequence(_ r: ServingRequest, on d: Deployment, freeBytes free: Double) throws {
        let need = Self.callBytes(d, promptTokens: r.inputTokens, outputTokens: r.outputTokens, sequences: 1)
        guard need.bytes > free else { return }
        throw DeploymentError.invalidShape(
            "one sequence of \(r.inputTokens)+\(r.outputTokens) tokens does not fit in the KV cache even alone: at its last token it holds "
                + "\(formatNumber(need.bytes / 1e9, significant: 3)) GB per GPU\(d.model.recurrentState != nil ? " with its recurrent state" : ""), "
                + "and \(formatNumber(free / 1e9, significant: 3)) GB per GPU is left for the KV cache after weights and activations; "
                + "an engine would refuse the request (vLLM starts no engine whose max_model_len needs more KV cache than is free) or preempt it; "
                + "use more GPUs, \(fp8Advice(d, promptTokens: r.inputTokens, outputTokens: r.outputTokens, freeBytes: free).map { "\($0) " } ?? "")"
                + "or a shorter request")
    }

    /// "an fp8 KV cache (--kv-precision fp8)," where that cache would hold the call in `freeBytes`,
    /// nil where the cache is 8-bit or narrower already, the engine keeps no fp8 cache for this
    /// deployment, or it would not fit either (the advice had been given to an fp8 cache, and to a
    /// 16-bit one needing 65.6 GB in fp8 beside 58.5 GB free).
    static func fp8Advice(_ d: Deployment, promptTokens: Int, outputTokens: Int, freeBytes free: Double) -> String? {
        guard d.kvPrecision.weightBytesPerElement > 1, let fp8 = try? d.withKVPrecision(.fp8) else { return nil }
        let need = callBytes(fp8, promptTokens: promptTokens, outputTokens: outputTokens, sequences: 1)
        return need.bytes <= free ? "an fp8 KV cache (--kv-precision fp8)," : nil
    }

    /// `requireRoomForOneSequence` for `r` on `d`, with the budget `r` leaves. The full length is
    /// tested first, so a request far past the cache gets that message (the bytes at its last
    /// token and the fp8 hint), not the budget's own about its mean context, as it had when the
    /// mean did not fit either; weights that leave no room at all get the budget's.
    public static func requireRoom(_ r: ServingRequest, on d: Deployment) throws {
        try d.requireGenerator()
        let free = freeBytes(d, tokenBudget: r.tokenBudget, memoryUtilization: r.memoryUtilization)
        guard free > 0 else {
            _ = try KVCacheBudget(deployment: d, request: r)  // it throws, naming the room the weights leave
            return
        }
        // A sequence that fits at its full length fits at its mean context: the budget holds one.
        try requireRoomForOneSequence(r, on: d, freeBytes: free)
        if d.materialisesScores { _ = try KVCacheBudget(deployment: d, request: r) }  // it throws where one prompt's scores do not fit
    }
}

/// `KVCacheBudget.requireRoomForOneSequence`'s test for many requests on one deployment (a log's
/// rows): whether one sequence at its full length fits in one engine's KV cache alone, with the
/// free bytes and the layer counts read once.
public struct OneSequenceRoom: Sendable {
    let model: KVCallModel
    /// Bytes per GPU left for the KV cache (negative when the weights do not fit).
    let freeBytes: Double

    public init(deployment d: Deployment, tokenBudget: Int, memoryUtilization: Double = Deployment.memoryUtilization) {
        model = d.kvCallModel
        freeBytes = KVCacheBudget.freeBytes(d, tokenBudget: tokenBudget, memoryUtilization: memoryUtilization)
    }

    public func fits(inputTokens: Int, outputTokens: Int) -> Bool {
        let need = model.bytes(promptTokens: KVCacheBudget.pages(Double(max(1, inputTokens))),
                               outputTokens: KVCacheBudget.pages(Double(max(0, outputTokens))), sequences: 1)
        return freeBytes > 0 && need <= freeBytes
    }
}

extension Deployment {
    /// Throws for an encoder (BERT, `ModelArchitecture.Kind.encoder`): it reads its input in one
    /// bidirectional pass and generates nothing, so serving it has no decode steps, KV cache or
    /// sampler to price. Every serving command meets this check, since each sizes a KV cache
    /// (`KVCacheBudget`) or plans a decode step (`PhasePlanner`); a forward pass alone
    /// (`predict`'s forward phase) still prices it.
    public func requireGenerator() throws {
        guard model.kind == .encoder else { return }
        throw DeploymentError.encoderOnly(model: model.id)
    }

    /// Groups that hold their own KV cache and sequences: data-parallel replicas (or the
    /// data-parallel attention ranks of an expert-parallel MoE deployment).
    public var attentionRanks: Int { dataParallel }
}
