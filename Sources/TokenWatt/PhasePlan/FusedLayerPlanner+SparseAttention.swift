import KernelPower

/// DeepSeek sparse attention as vLLM runs DeepSeek-V3.2 (model_executor/models/deepseek_v2.py,
/// layers/sparse_attn_indexer.py, the FlashMLA sparse backend): MLA's projections as in V3; the
/// lightning indexer's own query and key projections (replicated on every GPU of the group), its
/// FP8 key cache, its scores of every past token (DeepGEMM's FP8 mqa_logits, FP32 out) and their
/// top-k; then MLA in its absorbed form over the selected tokens only (FlashMLA's sparse kernels,
/// which run 64 or 128 heads: fewer local heads are padded).
extension FusedLayerPlanner {
    func sparseMLAAttention(_ a: ModelArchitecture.MLA, _ x: ModelArchitecture.SparseIndex) -> [Kernel] {
        var k = mlaProjections(a) + indexerProjections(a, x)
        let entry = d.sparseMLACacheBytesPerToken(a)
        let e = tokens * entry
        k.append(b.stream("kv_cache_write", elements: tokens * Double(a.kvLoraRank + a.qkRopeHeadDim), read: e, written: e))
        for g in phase.attentionGroups where g.batch > 0 {
            k += indexerScores(x, group: g)
            k.append(absorb("q_absorb", rows: g.batch * g.queryLength, n: a.kvLoraRank, k: a.qkNopeHeadDim))
            k += sparseAttention(a, x, group: g, entryBytes: entry)
            k.append(absorb("v_up", rows: g.batch * g.queryLength, n: a.vHeadDim, k: a.kvLoraRank))
        }
        k.append(b.linear("o_proj", tokens: phase.tokens, n: m.hiddenSize, k: d.localHeads * a.vHeadDim))
        return k
    }

    /// The indexer's query (from MLA's query latent, FP8 weights in the checkpoint) and its key and
    /// head weights (one BF16 GEMM in vLLM), the query's rope and FP8 quantization, and the key's
    /// norm, rope and FP8 write into the indexer cache.
    func indexerProjections(_ a: ModelArchitecture.MLA, _ x: ModelArchitecture.SparseIndex) -> [Kernel] {
        let width = x.heads * x.headDim
        let q = tokens * Double(width)
        return [
            b.linear("indexer_q_proj", tokens: phase.tokens, n: width, k: a.qLoraRank ?? m.hiddenSize),
            b.linear("indexer_k_weights_proj", tokens: phase.tokens, n: x.headDim + x.heads, k: m.hiddenSize, weightBytes: 2),
            b.stream("indexer_q_rope_quant", elements: q, read: q * b.act + tokens * Double(x.heads) * b.act,
                     written: q + tokens * Double(x.heads) * 4, flops: 4),
            // Inside vLLM's `sparse_attn_indexer` op, a splitting op of its piecewise CUDA graphs.
            b.stream("indexer_k_cache_write", elements: tokens * Double(x.headDim), read: tokens * Double(x.headDim) * b.act,
                     written: tokens * Double(x.cacheBytesPerToken), flops: 8, special: 1).launchedOutsideGraphs(),
        ]
    }

    /// Every query's scores of the keys before it: a ReLU of q·k per indexer head, weighted and
    /// summed over heads into one FP32 score per key (2 · heads · headDim FP8 FLOPs per pair), then
    /// the top-k of each query's row. A prompt's chunk first gathers its context's keys from the
    /// paged cache. All inside vLLM's `sparse_attn_indexer` op, launched by the host.
    func indexerScores(_ x: ModelArchitecture.SparseIndex, group g: AttentionGroup) -> [Kernel] {
        let keys = max(1, g.kvLength - g.queryLength / 2)
        let rows = Double(g.batch * g.queryLength)
        let scores = Kernel("indexer_logits", .gemm(GEMMShape(
            batch: g.batch, m: g.queryLength * x.heads, n: keys, k: x.headDim, aBytes: 1,
            bBytes: Double(x.cacheBytesPerToken) / Double(x.headDim), cBytes: 4 / Double(x.heads),
            unit: .tensor(.fp8), sharedB: false)))
        let pairs = rows * Double(keys)
        let topK = b.stream("indexer_topk", elements: pairs, read: pairs * 4, written: rows * Double(min(x.topK, keys)) * 4, flops: 2)
        let context = Double(g.batch) * Double(g.kvLength) * Double(x.cacheBytesPerToken)
        let gather = g.isDecode ? [] : [b.stream("indexer_k_gather", elements: context, read: context, written: context, flops: 0)]
        return (gather + [scores, topK]).map { $0.launchedOutsideGraphs() }
    }

    /// MLA over each query's selected tokens: `topK` of them once the context is longer. A prompt
    /// from an FP8 cache runs on a 16-bit copy of its context when a GPU holds 32 heads or more
    /// (vLLM's upconvert), else on the decode kernel.
    func sparseAttention(_ a: ModelArchitecture.MLA, _ x: ModelArchitecture.SparseIndex, group g: AttentionGroup,
                         entryBytes: Double) -> [Kernel] {
        let width = a.kvLoraRank + a.qkRopeHeadDim
        let hl = d.localHeads
        let padded = hl <= 64 ? 64 : (hl + 127) / 128 * 128
        let fp8 = d.kvPrecision.weightBytesPerElement < 2
        let upconvert = !g.isDecode && fp8 && hl >= 32
        var k: [Kernel] = []
        if upconvert {
            let n = Double(g.batch * g.kvLength)
            k.append(b.stream("mla_upconvert", elements: n * Double(width), read: n * entryBytes, written: n * Double(width) * 2, flops: 1)
                .launchedOutsideGraphs())
        }
        k.append(Kernel(g.isDecode ? "decode_attention" : "prefill_attention", .attention(AttentionShape(
            batch: g.batch, heads: padded, kvHeads: 1, queryLength: g.queryLength,
            kvLength: Self.selectedTokens(query: g.queryLength, context: g.kvLength, topK: x.topK),
            headDim: width, valueHeadDim: a.kvLoraRank, causal: false, qBytes: b.act,
            kvBytes: upconvert ? 2 : entryBytes / Double(width), unit: b.activationUnit))))
        return k
    }

    /// The mean number of tokens a query of a chunk attends: its position, up to `topK`.
    static func selectedTokens(query: Int, context: Int, topK: Int) -> Int {
        let first = context - query + 1
        guard first < topK else { return topK }
        // Positions first…context, each capped at topK.
        let below = max(0, min(context, topK) - first + 1)
        let sumBelow = Double(below) * Double(first + first + below - 1) / 2
        let sum = sumBelow + Double(query - below) * Double(topK)
        return max(1, Int((sum / Double(query)).rounded()))
    }
}
