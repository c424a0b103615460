import KernelPower

/// A transformer's architecture, from its published configuration (`models.json`).
public struct ModelArchitecture: Sendable {
    public enum Kind: String, Sendable { case decoder, encoder }
    public enum Norm: String, Sendable { case rmsnorm, layernorm }
    public enum Positional: String, Sendable { case rope, learned, alibi, none }
    public enum Activation: String, Sendable, CaseIterable {
        case silu, gelu, geluTanh = "gelu-tanh", relu, swigluOAI = "swiglu-oai"
    }

    public enum AttentionKind: String, Sendable { case mha, gqa, mqa, mla }

    public struct Attention: Sendable {
        public var kind: AttentionKind
        public var slidingWindow: Int?
        /// Layers that use the window (the rest attend globally).
        public var slidingWindowLayers: Int?
        public var mla: MLA?
    }

    /// Multi-head latent attention ranks (DeepSeek-V2/V3).
    public struct MLA: Sendable {
        public var qLoraRank: Int?
        public var kvLoraRank: Int
        public var qkNopeHeadDim: Int
        public var qkRopeHeadDim: Int
        public var vHeadDim: Int
    }

    public struct MoE: Sendable {
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
    /// Layer kinds of hybrid models (Mamba, linear attention); non-nil means the estimator refuses it.
    public var layerKinds: [String: Int]?
    public var defaultPrecision: Precision
    public var publishedTotalParams: Double?
    public var publishedActiveParams: Double?
    /// Side of the square weight blocks that share one FP8 scale in the checkpoint (128 for
    /// fine-grained FP8 releases), nil when FP8 weights are scaled per tensor or per channel.
    public var fp8WeightBlock: Int? = nil
    /// The entry this one is a variant of (same architecture, other weights), if any.
    public var variantOf: String?
    public var source: String
    public var sources: [String: String]

    public func source(of field: String) -> String { sources[field] ?? source }

    /// Whether the estimator can plan this architecture.
    public var unsupportedReason: String? {
        if let kinds = layerKinds, !kinds.isEmpty {
            let list = kinds.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            return "model \(id) is a hybrid (\(list) layers); the estimator models attention+MLP transformer layers only"
        }
        return nil
    }

    /// Number of MoE layers and dense layers.
    public var moeLayerCount: Int {
        guard let m = moe else { return 0 }
        let rest = max(0, layers - m.denseLayers)
        return m.layerInterval <= 1 ? rest : rest / m.layerInterval
    }

    public var denseLayerCount: Int { layers - moeLayerCount }

    /// Layers that use the sliding window.
    public var windowedLayerCount: Int {
        guard attention.slidingWindow != nil else { return 0 }
        return min(layers, attention.slidingWindowLayers ?? layers)
    }
}
