import KernelPower

/// A transformer's architecture, from its published configuration (`models.json`).
public struct ModelArchitecture: Sendable {
    public enum Kind: String, Sendable { case decoder, encoder }
    public enum Norm: String, Sendable { case rmsnorm, layernorm }
    public enum Positional: String, Sendable { case rope, learned, alibi, none }
    public enum Activation: String, Sendable, CaseIterable {
        case silu, gelu, geluTanh = "gelu-tanh", relu, swigluOAI = "swiglu-oai"
        /// Phi-3-small's clamped GEGLU: quick_gelu of one half of the up projection times the other half plus one.
        case gegelu
    }

    public enum AttentionKind: String, Sendable { case mha, gqa, mqa, mla }

    public struct Attention: Sendable {
        public var kind: AttentionKind
        public var slidingWindow: Int?
        /// Layers that use the window (the rest attend globally).
        public var slidingWindowLayers: Int?
        public var mla: MLA?
        public var blockSparse: BlockSparse? = nil
        /// A sigmoid gate on the attention output (Qwen3-Next, Qwen3.5): the query projection
        /// also produces one gate per output element, applied before the output projection.
        public var outputGate = false
        /// DeepSeek sparse attention (DeepSeek-V3.2): a lightning indexer picks the tokens MLA attends.
        public var sparseIndex: SparseIndex? = nil
    }

    /// DeepSeek sparse attention's lightning indexer (DeepSeek-AI, "DeepSeek-V3.2-Exp: Boosting
    /// Long-Context Efficiency with DeepSeek Sparse Attention", 2025): `heads` small FP8 heads of
    /// `headDim` score every past token of every query (a ReLU of q·k, weighted per head and summed),
    /// and MLA then attends the `topK` best-scoring ones only, so its cost stops growing with the
    /// context beyond `topK` tokens while the indexer's (about a seventeenth of MLA's per token pair) does not.
    public struct SparseIndex: Sendable, Equatable {
        public var heads: Int
        public var headDim: Int
        public var topK: Int

        /// Bytes of one token's indexer key in one layer: FP8 values and one FP32 scale per 128
        /// (vLLM's DeepseekV32IndexerCache: head_dim + head_dim / 128 × 4).
        public var cacheBytesPerToken: Int { headDim + (headDim + 127) / 128 * 4 }
    }

    /// Block-sparse attention (Phi-3-small; vLLM's blocksparse attention): keys come in blocks of
    /// `blockSize` tokens; a query attends its `localBlocks` most recent blocks and, further back,
    /// every `verticalStride`-th block, each head of a KV group at its own offset.
    public struct BlockSparse: Sendable, Hashable {
        public var blockSize: Int
        public var localBlocks: Int
        public var verticalStride: Int
        /// Layers that attend block-sparsely (the rest attend densely).
        public var layers: Int
        public var localTokens: Int { blockSize * localBlocks }
    }

    /// Multi-head latent attention ranks (DeepSeek-V2/V3).
    public struct MLA: Sendable {
        public var qLoraRank: Int?
        public var kvLoraRank: Int
        public var qkNopeHeadDim: Int
        public var qkRopeHeadDim: Int
        public var vHeadDim: Int
    }

    public struct MoE: Sendable, Equatable {
        public var experts: Int
        public var expertsPerToken: Int
        public var sharedExperts: Int
        public var expertFFNSize: Int
        public var sharedExpertFFNSize: Int
        /// Leading layers that are dense.
        public var denseLayers: Int
        /// After the dense layers, every `layerInterval`-th layer is MoE (others dense).
        public var layerInterval: Int
    }

    /// A hybrid stack (Nemotron-H): every block holds one mixer, Mamba-2, attention or an MLP,
    /// each behind its own norm and residual, where a transformer layer holds attention and an FFN.
    public struct Hybrid: Sendable {
        public var mambaLayers: Int
        public var attentionLayers: Int
        public var mlpLayers: Int
        public var mamba: Mamba2
    }

    /// A Mamba-2 mixer (state-space duality, Dao & Gu 2024): `heads` SSM heads of `headDim`
    /// channels, B and C shared by `groups` groups of heads, a `stateSize`-wide state per channel.
    public struct Mamba2: Sendable {
        public var heads: Int
        public var headDim: Int
        public var groups: Int
        public var stateSize: Int
        public var convKernel: Int
        /// Tokens per chunk of the chunked scan that prefills.
        public var chunkSize: Int
        /// Bytes per element of the cached SSM state (the engine's `mamba_ssm_cache_dtype`).
        public var stateBytes: Double

        /// Channels of x (heads × head dim), the SSM's inner width.
        public var innerSize: Int { heads * headDim }
        /// Channels through the causal convolution: x, B and C.
        public var convChannels: Int { innerSize + 2 * groups * stateSize }
        /// Output width of the input projection: z, x, B, C and dt.
        public var inProjSize: Int { 2 * innerSize + 2 * groups * stateSize + heads }
    }

    /// Gated DeltaNet linear attention (Yang, Kautz & Hatamizadeh, "Gated Delta Networks:
    /// Improving Mamba2 with Delta Rule", ICLR 2025), the token mixer of `layers` of the model's
    /// layers in Qwen3-Next and Qwen3.5 (the rest attend fully). Each of `valueHeads` heads keeps
    /// a `keyHeadDim × valueHeadDim` state that every token decays, corrects by the delta rule
    /// and reads with its query; `keyHeads` query/key heads are shared by groups of value heads.
    public struct GatedDeltaNet: Sendable, Equatable {
        public var layers: Int
        public var keyHeads: Int
        public var valueHeads: Int
        public var keyHeadDim: Int
        public var valueHeadDim: Int
        public var convKernel: Int
        /// Tokens per chunk of the chunked delta rule that prefills (64 in flash-linear-attention).
        public var chunkSize: Int
        /// Bytes per element of the cached recurrent state (the engine's `mamba_ssm_cache_dtype`).
        public var stateBytes: Double

        public var keyWidth: Int { keyHeads * keyHeadDim }
        public var valueWidth: Int { valueHeads * valueHeadDim }
        /// Channels through the causal convolution: q, k and v.
        public var convChannels: Int { 2 * keyWidth + valueWidth }
        /// Outputs of the fused input projection: q, k, v and the output gate z.
        public var qkvzSize: Int { 2 * keyWidth + 2 * valueWidth }
    }

    public var id: String
    public var aliases: [String]
    public var family: String
    public var kind: Kind
    public var layers: Int
    public var hiddenSize: Int
    public var heads: Int
    public var kvHeads: Int
    public var headDim: Int
    public var ffnSize: Int
    public var ffnGated: Bool
    public var activation: Activation
    public var norm: Norm
    public var positional: Positional
    public var maxPositions: Int
    public var vocabSize: Int
    public var tiedEmbeddings: Bool
    public var qkvBias: Bool
    public var outputBias: Bool
    public var mlpBias: Bool
    public var attention: Attention
    public var moe: MoE?
    /// Layer kinds of hybrid models the estimator cannot plan (linear attention, other SSMs);
    /// non-nil means the estimator refuses the model.
    public var layerKinds: [String: Int]?
    /// The block mix of a Mamba-2 hybrid the estimator plans.
    public var hybrid: Hybrid? = nil
    /// The linear-attention mixer of the layers that do not attend fully, if any.
    public var linearAttention: GatedDeltaNet? = nil
    public var defaultPrecision: Precision
    public var publishedTotalParams: Double?
    public var publishedActiveParams: Double?
    /// Side of the square weight blocks that share one FP8 scale in the checkpoint (128 for
    /// fine-grained FP8 releases), nil when FP8 weights are scaled per tensor or per channel.
    public var fp8WeightBlock: Int? = nil
    /// Weights that share one 16-bit scale in an INT4 checkpoint, when not the 128 the `int4`
    /// precision assumes (Kimi-K2-Thinking's groups of 32).
    public var int4GroupSize: Int? = nil
    /// Which weights the checkpoint's default precision quantizes: all linear layers, the routed
    /// experts only (Kimi-K2-Thinking's INT4 experts beside BF16 attention, shared expert and dense
    /// layers), or the MLP weights only (dense FFNs, shared and routed experts: Meta's FBGEMM FP8
    /// Llama-3.1-405B keeps every attention projection in BF16); the rest stay 16-bit. (MXFP4
    /// checkpoints quantize the experts only whatever this says.)
    public enum QuantizedModules: String, Sendable, CaseIterable { case all, experts, mlp }
    public var quantizedModules = QuantizedModules.all
    /// Layers whose MLP also stays 16-bit under `quantizedModules: mlp`: Meta's FP8 Llama-3.1-405B
    /// leaves the MLPs of its first and last layers (0 and 125) unquantized, so 2.
    public var sixteenBitMLPLayers = 0
    /// Parts of a multimodal checkpoint the catalog leaves out ("vision encoder"), nil for a
    /// text-only model. Only the language decoder is priced, so estimates say so (`unmodelledNote`).
    public var unmodelledParts: String? = nil
    /// The entry this one is a variant of (same architecture, other weights), if any.
    public var variantOf: String?
    public var source: String
    public var sources: [String: String]

    public func source(of field: String) -> String { sources[field] ?? source }

    /// What an estimate on a multimodal checkpoint leaves out. A 2026-12-07 check priced
    /// Qwen3-VL-8B (8.77 B published parameters, 8.19 B in its language decoder) with no word
    /// that the vision encoder's weights and any image's encoding were not counted.
    public var unmodelledNote: String? {
        unmodelledParts.map { "\(id) is priced as its language decoder alone: its \($0) is not modelled (neither its weights' "
            + "memory nor the encoding of image or audio inputs), so these figures hold for text-only queries" }
    }

    /// Whether the estimator can plan this architecture.
    public var unsupportedReason: String? {
        if let kinds = layerKinds, !kinds.isEmpty {
            let list = kinds.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            return "model \(id) is a hybrid (\(list) layers); the estimator models attention+MLP transformer layers only"
        }
        return nil
    }

    /// Blocks with attention, which hold the KV cache.
    public var attentionLayerCount: Int { hybrid?.attentionLayers ?? (layers - linearAttentionLayerCount) }
    /// Layers whose token mixer is Gated DeltaNet, which hold a fixed-size state per sequence.
    public var linearAttentionLayerCount: Int { linearAttention?.layers ?? 0 }
    /// Blocks with an FFN (dense or MoE).
    public var ffnLayerCount: Int { hybrid?.mlpLayers ?? layers }
    /// Blocks with a Mamba-2 mixer, which hold a fixed-size state per sequence.
    public var mambaLayerCount: Int { hybrid?.mambaLayers ?? 0 }

    /// Number of MoE layers and dense layers.
    public var moeLayerCount: Int {
        guard let m = moe else { return 0 }
        let rest = max(0, layers - m.denseLayers)
        return m.layerInterval <= 1 ? rest : rest / m.layerInterval
    }

    public var denseLayerCount: Int { ffnLayerCount - moeLayerCount }

    /// The attention pattern in words when not every layer attends the whole context, for the
    /// assumptions (`12 of 24 layers attend a 128-token sliding window; their KV cache holds it`).
    public var attentionPatternNote: String? {
        if let bs = attention.blockSparse {
            return "\(bs.layers) of \(layers) layers attend block-sparsely: their \(bs.localTokens) most recent keys and every "
                + "\(bs.verticalStride)th \(bs.blockSize)-token block before them; the KV cache keeps every token"
        }
        if let s = attention.sparseIndex {
            return "every layer's MLA attends the \(s.topK) past tokens its lightning indexer (\(s.heads) FP8 heads of \(s.headDim)) "
                + "scores highest; the indexer scores every past token and keeps a \(s.cacheBytesPerToken)-byte key per token and layer "
                + "(priced from the kernels' shapes, never fitted; published-serving in tokenwatt validate scores them on published runs)"
        }
        if let g = linearAttention {
            return "\(g.layers) of \(layers) layers mix tokens by Gated DeltaNet linear attention (a fixed-size state per sequence); "
                + "the other \(attentionLayerCount) attend the whole context and hold the KV cache"
        }
        guard let w = attention.slidingWindow, windowedLayerCount > 0 else { return nil }
        return "\(windowedLayerCount) of \(attentionLayerCount) attention layers attend a \(w)-token sliding window; "
            + "their KV cache holds the window"
    }

    /// The fixed-size state a hybrid's recurrent layers keep per sequence: which mixer
    /// (`Mamba-2`, `Gated DeltaNet`), in how many layers, at what cached precision.
    public struct RecurrentState: Sendable {
        public var mixer: String
        public var layers: Int
        public var stateBytes: Double
        /// The cached state's precision in words: FP32, or one of the 16-bit formats.
        public var precisionName: String { stateBytes == 4 ? "fp32" : "16-bit" }
    }

    /// The recurrent state of a hybrid model, nil for a transformer.
    public var recurrentState: RecurrentState? {
        if let h = hybrid { return RecurrentState(mixer: "Mamba-2", layers: h.mambaLayers, stateBytes: h.mamba.stateBytes) }
        if let g = linearAttention { return RecurrentState(mixer: "Gated DeltaNet", layers: g.layers, stateBytes: g.stateBytes) }
        return nil
    }

    /// Layers that use the sliding window.
    public var windowedLayerCount: Int {
        guard attention.slidingWindow != nil else { return 0 }
        return min(attentionLayerCount, attention.slidingWindowLayers ?? attentionLayerCount)
    }
}
