import KernelPower

/// What a forward pass holds in memory besides weights and KV cache: its activations, and under
/// transformers' eager attention the score matrix each layer materialises, which grows with the
/// square of the prompt. The fit checks had left the score matrix out: Llama-3.1-8B on an H100
/// under `--framework hf --attention eager` priced 131,000-token prompts at 27.96 Wh, "fits 3",
/// where one prompt's FP32 softmax alone is 32 heads × 131,000² × 4 B ≈ 2.2 TB.
extension Deployment {
    /// Whether attention materialises its score matrix: transformers' eager attention (the `hf`
    /// planner's `EagerLayerPlanner.eagerScores`); SDPA, FlashAttention and every fused engine tile it.
    public var materialisesScores: Bool { framework == .hf && attention == .eager }

    /// Bytes per score element live at the softmax: QKᵀ in the activation precision, and the
    /// softmax's output beside it, FP32 where transformers' shared `eager_attention_forward`
    /// upcasts (`torch.softmax(..., dtype=torch.float32)`; GPT-2's and BERT's own code keep the
    /// input dtype), as `EagerLayerPlanner.eagerScores` prices its traffic.
    var eagerScoreElementBytes: Double {
        let act = precision.activationBytes
        return act + (eagerSoftmaxInFP32 ? 4 : act)
    }

    /// Whether eager attention's softmax writes FP32 (`EagerLayerPlanner.eagerScores`).
    var eagerSoftmaxInFP32: Bool { !["gpt2", "bert"].contains(model.family) || precision == .fp32 }

    /// Bytes per GPU of one layer's eager score matrix for `sequences` prompts of `queryTokens`
    /// new tokens over `kvTokens` (this GPU's heads); 0 where scores are not materialised. Freed
    /// after each layer, so the peak holds one layer's.
    public func eagerScoreBytes(sequences: Int, queryTokens: Int, kvTokens: Int) -> Double {
        guard materialisesScores else { return 0 }
        return Double(sequences) * Double(localHeads) * Double(queryTokens) * Double(kvTokens) * eagerScoreElementBytes
    }

    /// Activation bytes per token of a forward pass, per GPU: the residual stream and its norms,
    /// q, k and v, and the FFN's gate, up and product (vLLM profiles this peak at start-up;
    /// `KVCacheBudget.reservedBytes` reserves it for a step of the token budget).
    var activationBytesPerToken: Double {
        let m = model
        let perToken = Double(4 * m.hiddenSize + 2 * (localHeads + 2 * localKVHeads) * m.headDim
                              + 3 * max(m.ffnSize, m.moe?.expertFFNSize ?? 0) / tensorParallel)
        return perToken * precision.activationBytes
    }

    /// A note when one forward pass of `sequences` × `tokens` (after `past` cached tokens) holds
    /// more activations, eager scores included, than each GPU has beside its weights and the CUDA
    /// context: `predict`'s forward rows price such a pass as asked (64 × 131,072 tokens at 791 s
    /// with no word), so they say it cannot run. Nil when it fits.
    public func activationNote(sequences: Int, tokens: Int, past: Int = 0) -> String? {
        let free = gpu.memoryCapacity.bytes * memoryUtilization - weightBytesPerGPU.bytes - KVCacheBudget.contextBytes
        let scores = eagerScoreBytes(sequences: sequences, queryTokens: tokens, kvTokens: past + tokens)
        let need = Double(sequences) * Double(tokens) * activationBytesPerToken + scores
        guard need > free else { return nil }
        let eager = scores > 0 ? ", \(Self.gigabytes(scores)) of it eager attention's score matrix (--attention sdpa or flash does not hold one)" : ""
        return "the activations of \(sequences) × \(tokens) tokens take \(Self.gigabytes(need)) per GPU\(eager), more than the "
            + "\(Self.gigabytes(max(0, free))) left beside the weights on \(gpuCount) × \(gpu.id): the pass cannot run at once; costed as asked"
    }

    /// Bytes as GB (TB past 10,000 GB), three significant digits.
    static func gigabytes(_ b: Double) -> String {
        b >= 1e13 ? "\(formatNumber(b / 1e12, significant: 3)) TB" : "\(formatNumber(b / 1e9, significant: 3)) GB"
    }
}
