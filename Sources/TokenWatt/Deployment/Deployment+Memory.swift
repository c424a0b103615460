import KernelPower

/// Weight bytes as stored on the deployment's GPUs.
extension Deployment {
    /// Bytes per element of the attention and dense-FFN weights. MXFP4 checkpoints (gpt-oss)
    /// quantize only the expert weights and keep attention in BF16 (gpt-oss model card).
    public var denseWeightBytes: Double {
        precision == .mxfp4 ? 2 : precision.weightBytesPerElement
    }

    /// Bytes per element of routed-expert weights.
    public var expertWeightBytes: Double { precision.weightBytesPerElement }

    /// Embeddings and the LM head stay in 16-bit in quantized checkpoints (FP8 and MXFP4
    /// checkpoints quantize the linear layers of the blocks only).
    public var embeddingBytes: Double { precision == .fp32 ? 4 : 2 }

    /// Weights held by one GPU: dense layers split over the tensor-parallel group, experts over
    /// the expert-parallel group (or the tensor-parallel group when ep = 1), vocabulary-parallel
    /// embeddings and LM head.
    public var weightBytesPerGPU: ByteCount {
        let m = model
        let tp = Double(tensorParallel)
        let expertShards = Double(max(tensorParallel, expertParallel))
        let routed = Double(m.moeLayerCount) * Double(m.moe?.experts ?? 0) * m.expertParams
        let denseLinear = m.totalParams - routed - m.embeddingParams - m.lmHeadParams
        let embeddings = (m.embeddingParams + m.lmHeadParams) * embeddingBytes
        return .bytes(denseLinear * denseWeightBytes / tp + routed * expertWeightBytes / expertShards + embeddings / tp)
    }

    /// KV-cache bytes of one token on one GPU (all layers; MLA stores the compressed latent).
    public var kvBytesPerTokenPerGPU: ByteCount {
        let m = model
        let bytes = kvPrecision.weightBytesPerElement
        if let mla = m.attention.mla {
            return .bytes(Double(m.layers) * Double(mla.kvLoraRank + mla.qkRopeHeadDim) * bytes)
        }
        return .bytes(Double(m.layers) * 2 * Double(localKVHeads) * Double(m.headDim) * bytes)
    }

    /// KV-cache bytes on one GPU of a sequence holding `contextTokens`. A sliding-window layer
    /// keeps only its window, plus the one 16-token page it is filling: vLLM's hybrid KV cache
    /// manager reserves "slots only for the most recent sliding_window_size tokens" for such layers
    /// and frees the pages that fall out of the window (docs.vllm.ai, design/hybrid_kv_cache_manager;
    /// gpt-oss, Gemma 2/3 named there), and TensorRT-LLM keeps one pool per window size
    /// (nvidia.github.io/TensorRT-LLM, features/kvcache). Without this, gpt-oss-120b on two H100s
    /// held 771 sequences of ML.ENERGY v3's problem-solving requests where the run averaged 1,915.
    public func kvBytesPerSequencePerGPU(contextTokens: Double) -> ByteCount {
        let m = model
        let perLayerToken = kvBytesPerTokenPerGPU.bytes / Double(m.layers)
        let windowed = Double(m.windowedLayerCount)
        let windowTokens = m.attention.slidingWindow.map { min(contextTokens, Double($0 + 16)) } ?? contextTokens
        return .bytes(perLayerToken * ((Double(m.layers) - windowed) * contextTokens + windowed * windowTokens))
    }
}
