/// Parameter counts computed from the architecture fields, checked against the published counts
/// by the catalog tests (a wrong field shows up as a wrong count).
extension ModelArchitecture {
    var hidden: Double { Double(hiddenSize) }

    /// Attention weights of one layer.
    public var attentionParamsPerLayer: Double {
        let h = Double(heads), kv = Double(kvHeads), d = Double(headDim)
        if let m = attention.mla {
            let qk = Double(m.qkNopeHeadDim + m.qkRopeHeadDim)
            let q = m.qLoraRank.map { r in hidden * Double(r) + Double(r) + Double(r) * h * qk } ?? hidden * h * qk
            let kvA = hidden * Double(m.kvLoraRank + m.qkRopeHeadDim) + Double(m.kvLoraRank)
            let kvB = Double(m.kvLoraRank) * h * Double(m.qkNopeHeadDim + m.vHeadDim)
            let o = h * Double(m.vHeadDim) * hidden
            return q + kvA + kvB + o + indexerParamsPerLayer
        }
        // An output gate doubles the query projection (queries and gates).
        let q = attention.outputGate ? 2 * h : h
        var p = hidden * (q + 2 * kv) * d + h * d * hidden
        if qkvBias { p += (q + 2 * kv) * d }
        if outputBias { p += hidden }
        return p
    }

    /// Weights of one layer's lightning indexer (DeepSeek-V3.2 inference/model.py, Indexer): its
    /// query projection from MLA's query latent, its key projection and key LayerNorm, and the
    /// per-head weights projection.
    public var indexerParamsPerLayer: Double {
        guard let x = attention.sparseIndex, let m = attention.mla else { return 0 }
        let width = Double(x.heads * x.headDim)
        return Double(m.qLoraRank ?? hiddenSize) * width + hidden * Double(x.headDim) + 2 * Double(x.headDim) + hidden * Double(x.heads)
    }

    /// Weights of a dense FFN of intermediate size `f`.
    func ffnParams(_ f: Int) -> Double {
        let ff = Double(f)
        var p = (ffnGated ? 3 : 2) * hidden * ff
        if mlpBias { p += (ffnGated ? 2 : 1) * ff + hidden }
        return p
    }

    /// Weights of one routed expert.
    public var expertParams: Double { moe.map { ffnParams($0.expertFFNSize) } ?? 0 }

    /// Weights of one MoE layer's FFN: routed experts, shared experts and the router.
    var moeFFNParams: Double {
        guard let m = moe else { return 0 }
        let shared = Double(m.sharedExperts) * ffnParams(m.sharedExpertFFNSize > 0 ? m.sharedExpertFFNSize : m.expertFFNSize)
        return Double(m.experts) * expertParams + shared + hidden * Double(m.experts)
    }

    /// MLP weights outside the routed experts: the dense layers' FFNs (a hybrid's MLP blocks) and
    /// the shared experts of the MoE layers, the weights `quantizedModules: mlp` quantizes beside
    /// the experts.
    public var nonExpertMLPParams: Double {
        if let h = hybrid { return Double(h.mlpLayers) * ffnParams(ffnSize) }
        let shared = moe.map { m in
            Double(m.sharedExperts) * ffnParams(m.sharedExpertFFNSize > 0 ? m.sharedExpertFFNSize : m.expertFFNSize)
        } ?? 0
        return Double(denseLayerCount) * ffnParams(ffnSize) + Double(moeLayerCount) * shared
    }

    /// Norm weights (and biases for LayerNorm) of one layer.
    var normParamsPerLayer: Double { (norm == .layernorm ? 4 : 2) * hidden }

    /// Token (and learned position) embeddings.
    public var embeddingParams: Double {
        var p = Double(vocabSize) * hidden
        if positional == .learned { p += Double(maxPositions) * hidden }
        return p
    }

    /// The LM head, zero when tied to the embeddings.
    public var lmHeadParams: Double { tiedEmbeddings ? 0 : Double(vocabSize) * hidden }

    /// Weights of one Mamba-2 mixer: the input projection (z, x, B, C, dt), the depthwise causal
    /// convolution with its bias, A, D and the dt bias per head, the gated norm, the output projection.
    public var mambaParamsPerLayer: Double {
        guard let s = hybrid?.mamba else { return 0 }
        let conv = Double(s.convChannels * (s.convKernel + 1))
        return hidden * Double(s.inProjSize) + conv + 3 * Double(s.heads) + Double(s.innerSize)
            + Double(s.innerSize) * hidden
    }

    /// Weights of one Gated DeltaNet mixer: the projection to q, k, v and the gate z, the
    /// projection to the per-head β and decay inputs, the causal convolution over q, k and v (no
    /// bias), A and the dt bias per value head, the gated norm over a value head, the output projection.
    public var linearAttentionParamsPerLayer: Double {
        guard let g = linearAttention else { return 0 }
        return hidden * Double(g.qkvzSize + 2 * g.valueHeads) + Double(g.convChannels * g.convKernel)
            + 2 * Double(g.valueHeads) + Double(g.valueHeadDim) + Double(g.valueWidth) * hidden
    }

    /// Token-mixer weights of all layers: attention, with Gated DeltaNet in its layers.
    var mixerParams: Double {
        Double(attentionLayerCount) * attentionParamsPerLayer + Double(linearAttentionLayerCount) * linearAttentionParamsPerLayer
    }

    /// All weights.
    public var totalParams: Double {
        if let h = hybrid {
            // One norm per block (its mixer's), not two.
            let blocks = Double(h.attentionLayers) * attentionParamsPerLayer + Double(h.mambaLayers) * mambaParamsPerLayer
                + Double(h.mlpLayers) * ffnParams(ffnSize)
            return blocks + Double(layers) * normParamsPerLayer / 2 + embeddingParams + lmHeadParams + hidden
        }
        return mixerParams + Double(layers) * normParamsPerLayer
            + Double(denseLayerCount) * ffnParams(ffnSize)
            + Double(moeLayerCount) * moeFFNParams
            + embeddingParams + lmHeadParams + (norm == .layernorm ? 2 : 1) * hidden
    }

    /// Weights touched per token: routed experts count only `expertsPerToken` of `experts`.
    public var activeParams: Double {
        guard let m = moe else { return totalParams }
        return totalParams - Double(moeLayerCount) * Double(m.experts - m.expertsPerToken) * expertParams
    }
}
