import KernelPower

/// The kernels of a Gated DeltaNet mixer as vLLM runs Qwen3-Next and Qwen3.5
/// (model_executor/layers/mamba/gdn, its kernels from flash-linear-attention): one projection to
/// q, k, v and the output gate z, one to the per-head β and decay inputs, and their unpacking;
/// then, inside the `gdn_attention_core` op, the causal convolution over q, k and v and the delta
/// rule: for a decoding sequence one fused kernel (gating, L2 norms of q and k, the state update
/// and the read-out), for prompt tokens the gating and norms, then the chunked form; last the
/// RMSNorm of the output gated by z and the output projection. Heads split over the
/// tensor-parallel group. (On Hopper vLLM's default prefill is FlashInfer's fused GDN kernel,
/// which does the chunked form's work in fewer launches.)
extension FusedLayerPlanner {
    func gatedDeltaNet() -> [Kernel] {
        guard let s = m.linearAttention else { return [] }
        let tp = d.tensorParallel
        let conv = d.localLinearConvChannels, qkvz = s.qkvzSize / tp, value = s.valueWidth / tp
        var k = [b.linear("in_proj_qkvz", tokens: phase.tokens, n: qkvz, k: m.hiddenSize),
                 b.linear("in_proj_ba", tokens: phase.tokens, n: 2 * d.localLinearValueHeads, k: m.hiddenSize),
                 b.elementwise("qkvz_unpack", tokens * Double(qkvz))]
        for g in phase.attentionGroups where g.batch > 0 {
            let rows = Double(g.batch * g.queryLength)
            // Inside vLLM's `gdn_attention_core` op, a splitting op of its piecewise CUDA graphs.
            let core = [convolution(rows: rows, sequences: Double(g.batch), channels: Double(conv), width: s.convKernel, decode: g.isDecode)]
                + (g.isDecode ? [recurrentDeltaRule(s, sequences: g.batch)] : chunkedDeltaRule(s, group: g))
            k += core.map { $0.launchedOutsideGraphs() }
        }
        // RMSNorm over each value head, times SiLU(z): reads the output and z, writes the result.
        let y = tokens * Double(value)
        k.append(b.stream("gated_norm", elements: y, read: 2 * y * b.act, written: y * b.act, flops: 8, special: 1))
        k.append(b.linear("out_proj", tokens: phase.tokens, n: m.hiddenSize, k: value))
        return k
    }

    /// Per token, the bytes of q, k and v after the convolution, and of the β and decay inputs.
    func deltaRuleInputBytes() -> Double {
        Double(d.localLinearConvChannels) * b.act + Double(2 * d.localLinearValueHeads) * b.act
    }

    /// One decode step's fused_sigmoid_gating_delta_rule_update: every sequence reads and rewrites
    /// each local value head's `valueHeadDim × keyHeadDim` state, in place. Per state element: the
    /// decay, the key's read-out (Sk), the rank-one delta-rule correction and the query's read-out.
    func recurrentDeltaRule(_ s: ModelArchitecture.GatedDeltaNet, sequences: Int) -> Kernel {
        let heads = d.localLinearValueHeads
        let states = Double(sequences) * Double(heads) * Double(s.keyHeadDim) * Double(s.valueHeadDim)
        let n = Double(sequences)
        return b.stream("gdn_recurrent_update", elements: states, read: states * s.stateBytes + n * deltaRuleInputBytes(),
                        written: states * s.stateBytes + n * Double(heads * s.valueHeadDim) * b.act, flops: 7)
    }

    /// The chunked delta rule of a group of prompts (chunk_gated_delta_rule, chunks of
    /// `chunkSize` tokens per sequence): q and k unpacked and L2-normed with the decay and β
    /// computed; the decay's cumulative sum; the β-scaled KKᵀ of each chunk (FP32) and the inverse
    /// of its triangular system; the chunk's W and U; the state carried from chunk to chunk, each
    /// chunk's state kept in 16-bit for the output; the output from the state entering the chunk
    /// plus the chunk's own tokens. A longer prompt's chunk starts from the cached state; every
    /// sequence's last state goes back to the cache.
    func chunkedDeltaRule(_ s: ModelArchitecture.GatedDeltaNet, group g: AttentionGroup) -> [Kernel] {
        let heads = d.localLinearValueHeads
        let perSequence = (g.queryLength + s.chunkSize - 1) / s.chunkSize
        let c = Int((Double(g.queryLength) / Double(perSequence)).rounded(.up))
        let batch = g.batch * perSequence * heads
        let rows = Double(g.batch * g.queryLength)
        let state = Double(g.batch) * Double(heads) * Double(s.keyHeadDim) * Double(s.valueHeadDim) * s.stateBytes
        let square = Double(batch) * Double(c) * Double(c)
        return [
            b.stream("gdn_post_conv_prep", elements: rows * Double(d.localLinearConvChannels), read: rows * deltaRuleInputBytes(),
                     written: rows * (Double(d.localLinearConvChannels) * b.act + Double(heads) * (4 + b.act)), flops: 4, special: 1),
            b.stream("gdn_chunk_cumsum", elements: rows * Double(heads), read: rows * Double(heads) * 4,
                     written: rows * Double(heads) * 4, flops: 1),
            b.batchedProduct("gdn_chunk_kkt", batch: batch, m: c, n: c, k: s.keyHeadDim, outBytes: 4),
            b.stream("gdn_solve_tril", elements: square, read: square * 4, written: square * b.act, flops: Double(c) / 3),
            b.batchedProduct("gdn_recompute_w_u", batch: batch, m: c, n: s.keyHeadDim + s.valueHeadDim, k: c),
            // Per chunk W·S and Kᵀ·V′ (2 · c · dk · dv multiply-adds); writes each chunk's state.
            b.batchedProduct("gdn_chunk_state", batch: batch, m: s.keyHeadDim, n: s.valueHeadDim, k: 2 * c),
            // The initial states gathered from the cache (a resumed prompt's) and the final ones scattered back.
            b.stream("gdn_state_io", elements: state / s.stateBytes, read: g.kvLength > g.queryLength ? state : 0, written: state, flops: 0),
            // Q·S (c·dk·dv), the masked QKᵀ (c·c·dk) and its product with V′ (c·c·dv) per chunk.
            b.batchedProduct("gdn_chunk_output", batch: batch, m: c, n: s.valueHeadDim,
                             k: s.keyHeadDim + c + c * s.keyHeadDim / s.valueHeadDim),
        ]
    }
}
