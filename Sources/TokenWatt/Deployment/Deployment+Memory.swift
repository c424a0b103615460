import KernelPower

/// Weight bytes as stored on the deployment's GPUs.
extension Deployment {
    /// The kinds of weight a checkpoint may quantize or leave 16-bit, for a linear layer's bytes.
    enum WeightPart: Sendable {
        /// Attention (or another token mixer's) projections.
        case attention
        /// A dense layer's FFN or a MoE layer's shared experts.
        case mlp
        /// The FFN of a layer whose MLP the checkpoint leaves 16-bit (`sixteenBitMLPLayers`).
        case sixteenBitMLP
    }

    /// Whether the checkpoint's precision applies to a part (outside the routed experts, which
    /// always take it): every part under `quantizedModules: all`, none under `experts`, the MLPs
    /// but for the `sixteenBitMLPLayers` under `mlp`.
    func quantizes(_ part: WeightPart) -> Bool {
        switch model.quantizedModules {
        case .all: return true
        case .experts: return false
        case .mlp: return part == .mlp
        }
    }

    /// Bytes per element of a part's weights: the quantized width, or 16 bits (32 at fp32) for a
    /// part the checkpoint leaves unquantized. MXFP4 checkpoints (gpt-oss) quantize only the expert
    /// weights and keep attention in BF16 (gpt-oss model card).
    func weightBytes(of part: WeightPart) -> Double {
        precision == .mxfp4 || !quantizes(part) ? max(2, min(4, quantizedWeightBytes)) : quantizedWeightBytes
    }

    /// Bytes per element of the attention weights (and, unless the checkpoint quantizes its MLPs
    /// alone, of the dense FFNs): 16-bit under `quantizedModules: experts` or `mlp` with a
    /// sub-16-bit precision, and in MXFP4 checkpoints.
    public var denseWeightBytes: Double { weightBytes(of: .attention) }

    /// Bytes per element of the dense FFN and shared-expert weights (but those of the
    /// `sixteenBitMLPLayers`): the quantized width under `quantizedModules: all` or `mlp`. Meta's
    /// FP8 Llama-3.1-405B stores these in FP8 beside BF16 attention (its config's
    /// modules_to_not_convert), so they are 1 byte where `denseWeightBytes` is 2.
    public var mlpWeightBytes: Double { weightBytes(of: .mlp) }

    /// Bytes per weight at the deployment's precision, scales included: an INT4 checkpoint's own
    /// group size where the catalog gives one (`int4GroupSize`), else the precision's.
    public var quantizedWeightBytes: Double {
        if precision == .int4, let g = model.int4GroupSize { return 0.5 + 2 / Double(g) }
        return precision.weightBytesPerElement
    }

    /// The weights' precision in words, naming the 16-bit rest of an experts-only or MLP-only checkpoint.
    public var weightsInWords: String {
        guard denseWeightBytes != quantizedWeightBytes else { return "\(precision.rawValue) weights" }
        let rest = denseWeightBytes == 4 ? "fp32" : "16-bit"
        guard mlpWeightBytes == quantizedWeightBytes, model.quantizedModules == .mlp else {
            return "\(precision.rawValue) expert weights (attention, shared and dense layers \(rest))"
        }
        let layers = model.sixteenBitMLPLayers
        return "\(precision.rawValue) MLP weights (attention projections\(layers > 0 ? " and the MLPs of \(layers) layers" : "") \(rest))"
    }

    /// Says that an FP32 checkpoint runs in FP16 on a fused engine (`Estimator.defaultPrecision`),
    /// so a receipt does not read as if the catalog's fp32 had been priced.
    public var checkpointPrecisionNote: String? {
        guard model.defaultPrecision == .fp32, precision == .fp16, framework.isFused else { return nil }
        return "\(model.id)'s checkpoint is fp32; \(framework.rawValue) runs it in fp16 (vLLM's --dtype auto: fp16 for fp32 "
            + "checkpoints; HF transformers, --framework hf, keeps fp32; --precision fp32 to price fp32)"
    }

    /// Bytes per element of routed-expert weights.
    public var expertWeightBytes: Double { quantizedWeightBytes }

    /// Embeddings and the LM head stay in 16-bit in quantized checkpoints (FP8 and MXFP4
    /// checkpoints quantize the linear layers of the blocks only).
    public var embeddingBytes: Double { precision == .fp32 ? 4 : 2 }

    /// Weights held by one GPU: dense layers split over the tensor-parallel group, experts over
    /// the expert-parallel group (or the tensor-parallel group when ep = 1), vocabulary-parallel
    /// embeddings and LM head.
    public var weightBytesPerGPU: ByteCount { weightBytesPerGPU(tensorParallel: tensorParallel, pipelineParallel: pipelineParallel) }

    /// `weightBytesPerGPU` had the deployment `tensorParallel` × `pipelineParallel` GPUs (for the
    /// smallest shape that would hold the weights).
    func weightBytesPerGPU(tensorParallel: Int, pipelineParallel: Int) -> ByteCount {
        let m = model
        let tp = Double(tensorParallel)
        let expertShards = Double(max(tensorParallel, expertParallel))
        let routed = Double(m.moeLayerCount) * Double(m.moe?.experts ?? 0) * m.expertParams
        let denseLinear = m.totalParams - routed - m.embeddingParams - m.lmHeadParams
        // Under pipeline parallelism the first stage holds the embedding and the last the LM head
        // (tied, a copy of the embedding): the heavier end stage sizes the GPU.
        let head = m.lmHeadParams > 0 ? m.lmHeadParams : m.embeddingParams
        let ends = (pipelineParallel > 1 ? max(m.embeddingParams, head) : m.embeddingParams + m.lmHeadParams) * embeddingBytes
        // The lightning indexer is replicated on every GPU of the group (vLLM: ReplicatedLinear).
        let indexer = Double(m.layers) * m.indexerParamsPerLayer
        // The MLPs a `quantizedModules: mlp` checkpoint quantizes, at their width instead of the
        // attention's (zero where the two widths agree). Llama-3.1-405B-FP8's 7.2e10 attention
        // weights and its first and last layers' MLPs (5.2e9) had been counted at FP8's 1 byte
        // where the checkpoint stores them in BF16: 410 GB of weights where it holds 487 GB.
        let quantizedMLP = m.nonExpertMLPParams - Double(m.sixteenBitMLPLayers) * m.ffnParams(m.ffnSize)
        let mlpExtra = (mlpWeightBytes - denseWeightBytes) * max(0, quantizedMLP)
        let layers = ((denseLinear - indexer) * denseWeightBytes / tp + mlpExtra / tp + indexer * denseWeightBytes
                      + routed * expertWeightBytes / expertShards) * heaviestStageShare(stages: pipelineParallel)
        return .bytes(layers + ends / tp)
    }

    /// KV-cache bytes of one token on one GPU (all attention layers; MLA stores the compressed latent).
    public var kvBytesPerTokenPerGPU: ByteCount {
        let m = model
        let bytes = kvPrecision.weightBytesPerElement
        let layers = Double(m.attentionLayerCount) * heaviestStageShare
        if let mla = m.attention.mla {
            guard let index = m.attention.sparseIndex else { return .bytes(layers * Double(mla.kvLoraRank + mla.qkRopeHeadDim) * bytes) }
            return .bytes(layers * (sparseMLACacheBytesPerToken(mla) + Double(index.cacheBytesPerToken)))
        }
        return .bytes(layers * 2 * Double(localKVHeads) * Double(m.headDim) * bytes)
    }

    /// Bytes of one token's MLA cache entry in one layer of a sparse-attention model: vLLM stores
    /// DeepSeek-V3.2's FP8 cache as `fp8_ds_mla` (the latent in FP8 with one FP32 scale per 128
    /// values, the rope key in BF16: 656 bytes; FlashMLA's "FP8 with scale" format), its 16-bit
    /// cache as the plain latent and rope key.
    func sparseMLACacheBytesPerToken(_ mla: ModelArchitecture.MLA) -> Double {
        guard kvPrecision.weightBytesPerElement < 2 else { return Double(mla.kvLoraRank + mla.qkRopeHeadDim) * 2 }
        return Double(mla.kvLoraRank + (mla.kvLoraRank + 127) / 128 * 4 + mla.qkRopeHeadDim * 2)
    }

    /// Mamba-2 heads held by one GPU (vLLM splits the SSM heads over the tensor-parallel group).
    public var localMambaHeads: Int { (model.hybrid?.mamba.heads ?? 0) / tensorParallel }
    /// B/C groups held by one GPU: split like the heads, except a single group, which is replicated.
    public var localMambaGroups: Int {
        guard let s = model.hybrid?.mamba else { return 0 }
        return s.groups == 1 ? 1 : s.groups / tensorParallel
    }
    /// Channels through one GPU's causal convolution: its share of x, and its groups' B and C.
    public var localMambaConvChannels: Int {
        guard let s = model.hybrid?.mamba else { return 0 }
        return s.innerSize / tensorParallel + 2 * localMambaGroups * s.stateSize
    }

    /// Bytes of one sequence's Mamba-2 state on one GPU, the same at every context length: per
    /// layer the SSM state (local heads × head dim × state size, at the state cache's precision)
    /// and the last `convKernel − 1` inputs of the causal convolution (vLLM's MambaMixer2 state
    /// shapes), in the model's activation precision.
    public var mambaStateBytesPerSequencePerGPU: ByteCount {
        guard let h = model.hybrid else { return .bytes(0) }
        let s = h.mamba
        let ssm = Double(localMambaHeads * s.headDim * s.stateSize) * s.stateBytes
        let conv = Double(localMambaConvChannels * (s.convKernel - 1)) * precision.activationBytes
        return .bytes(Double(h.mambaLayers) * heaviestStageShare * (ssm + conv))
    }

    /// Gated DeltaNet value heads held by one GPU (vLLM's GatedDeltaNet splits its key and value
    /// heads over the tensor-parallel group).
    public var localLinearValueHeads: Int { (model.linearAttention?.valueHeads ?? 0) / tensorParallel }
    /// Channels through one GPU's causal convolution: its share of q, k and v.
    public var localLinearConvChannels: Int {
        guard let g = model.linearAttention else { return 0 }
        return g.convChannels / tensorParallel
    }

    /// Bytes of one sequence's Gated DeltaNet state on one GPU, the same at every context length:
    /// per layer the recurrent state (local value heads × key dim × value dim, at the state
    /// cache's precision) and the last `convKernel − 1` inputs of the causal convolution over q,
    /// k and v, in the activation precision (vLLM's GatedDeltaNet state shapes).
    public var linearStateBytesPerSequencePerGPU: ByteCount {
        guard let g = model.linearAttention else { return .bytes(0) }
        let state = Double(localLinearValueHeads) * Double(g.keyHeadDim) * Double(g.valueHeadDim) * g.stateBytes
        let conv = Double(localLinearConvChannels * (g.convKernel - 1)) * precision.activationBytes
        return .bytes(Double(g.layers) * heaviestStageShare * (state + conv))
    }

    /// The fixed-size state of one sequence on one GPU, whichever recurrent mixer holds it.
    public var recurrentStateBytesPerSequencePerGPU: ByteCount {
        .bytes(mambaStateBytesPerSequencePerGPU.bytes + linearStateBytesPerSequencePerGPU.bytes)
    }

    /// KV-cache bytes on one GPU of a sequence holding `contextTokens`, with a hybrid's Mamba-2
    /// or Gated DeltaNet state (which vLLM holds in the same cache, one slot per sequence). A sliding-window layer
    /// keeps only its window, plus the one 16-token page it is filling: vLLM's hybrid KV cache
    /// manager reserves "slots only for the most recent sliding_window_size tokens" for such layers
    /// and frees the pages that fall out of the window (docs.vllm.ai, design/hybrid_kv_cache_manager;
    /// gpt-oss, Gemma 2/3 named there), and TensorRT-LLM keeps one pool per window size
    /// (nvidia.github.io/TensorRT-LLM, features/kvcache). Without this, gpt-oss-120b on two H100s
    /// held 771 sequences of ML.ENERGY v3's problem-solving requests where the run averaged 1,915.
    public func kvBytesPerSequencePerGPU(contextTokens: Double) -> ByteCount {
        kvBytesPerCallPerGPU(promptTokens: contextTokens, outputTokens: 0, sequences: 1)
    }

    /// KV-cache bytes on one GPU of one model call at its last token: `sequences` sequences of
    /// `outputTokens` each decoded from one prompt of `promptTokens`, whose pages the prefix cache
    /// holds once for all of them (best-of-N, self-consistency, beam search). Full-attention
    /// layers hold P + n·O tokens, a sliding-window layer min(P + O, window + 16) for the first
    /// sequence and min(O, window + 16) for each other, and every sequence its recurrent state
    /// (`kvBytesPerSequencePerGPU`). Whole 16-token pages are the caller's to round to.
    public func kvBytesPerCallPerGPU(promptTokens: Double, outputTokens: Double, sequences: Int) -> ByteCount {
        .bytes(kvCallModel.bytes(promptTokens: promptTokens, outputTokens: outputTokens, sequences: sequences))
    }

    /// `kvBytesPerCallPerGPU` with the model's layer counts read once, for pricing many calls
    /// (a fleet's draws): reading them on every call cost the Monte Carlo a quarter of its time.
    public var kvCallModel: KVCallModel {
        let layers = Double(model.attentionLayerCount) * heaviestStageShare
        return KVCallModel(perLayerToken: layers > 0 ? kvBytesPerTokenPerGPU.bytes / layers : 0, layers: layers,
                           windowed: Double(model.windowedLayerCount) * heaviestStageShare,
                           window: model.attention.slidingWindow.map { Double($0 + 16) },
                           recurrentBytes: recurrentStateBytesPerSequencePerGPU.bytes)
    }
}

/// What one model call holds in the KV cache of one GPU at its last token: its prompt once and each
/// sequence's output in every full-attention layer, at most a window of them in a sliding-window
/// layer, and each sequence's recurrent state.
public struct KVCallModel: Sendable {
    let perLayerToken: Double, layers: Double, windowed: Double
    let window: Double?
    let recurrentBytes: Double

    public func bytes(promptTokens: Double, outputTokens: Double, sequences: Int) -> Double {
        let n = Double(max(1, sequences))
        func inWindow(_ t: Double) -> Double { window.map { min(t, $0) } ?? t }
        let kv = perLayerToken * ((layers - windowed) * (promptTokens + n * outputTokens)
                                  + windowed * (inWindow(promptTokens + outputTokens) + (n - 1) * inWindow(outputTokens)))
        return kv + n * recurrentBytes
    }
}
