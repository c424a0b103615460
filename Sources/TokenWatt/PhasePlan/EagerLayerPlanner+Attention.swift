import KernelPower

extension EagerLayerPlanner {
    func attention(_ v: LayerVariant) -> [Kernel] {
        let hd = m.headDim, hl = d.localHeads, kvl = d.localKVHeads
        var k = projections(hl: hl, kvl: kvl, hd: hd)
        if m.positional == .rope {
            // q·cos + rotate_half(q)·sin, for q and k: mul, neg, cat, mul, add.
            for (name, heads) in [("q", hl), ("k", kvl)] {
                let e = tokens * Double(heads * hd)
                k += [b.elementwise("rope_\(name)_cos", e, inputs: 2), b.elementwise("rope_\(name)_neg", e / 2),
                      b.elementwise("rope_\(name)_cat", e), b.elementwise("rope_\(name)_sin", e, inputs: 2),
                      b.elementwise("rope_\(name)_add", e, inputs: 2)]
                // GPT-NeoX rotates only part of each head and joins the rest back with a cat.
                if m.family == "gpt-neox" { k.append(b.elementwise("rope_\(name)_join", e)) }
            }
        }
        if group.kvLength > group.queryLength {
            // DynamicCache.update: torch.cat of the whole cache with the new entries, K and V.
            let cache = Double(group.batch * kvl * group.kvLength * hd)
            k.append(b.stream("kv_cat_k", elements: cache, read: cache * act, written: cache * act))
            k.append(b.stream("kv_cat_v", elements: cache, read: cache * act, written: cache * act))
        }
        // Phi-3-small's remote code runs its block-sparse layers through a Triton kernel whatever
        // the attention implementation asked for (modeling_phi3_small.py, _apply_blocksparse_attention).
        if d.attention == .eager && v.verticalStride == nil {
            k += eagerScores(hl: hl, kvl: kvl, hd: hd)
        } else {
            k.append(Kernel(v.verticalStride == nil ? "sdpa" : "blocksparse_attention", .attention(AttentionShape(
                batch: group.batch, heads: hl, kvHeads: kvl, queryLength: group.queryLength, kvLength: group.kvLength,
                headDim: hd, causal: m.kind == .decoder, window: v.window, verticalStride: v.verticalStride, qBytes: act, kvBytes: act,
                unit: b.activationUnit))))
        }
        let out = tokens * Double(hl * hd)
        k.append(b.stream("attn_transpose", elements: out, read: out * act, written: out * act))
        k.append(b.linear("o_proj", tokens: phase.tokens, n: m.hiddenSize, k: hl * hd))
        return k
    }

    /// Separate Q, K and V projections (GPT-2's c_attn and GPT-NeoX's query_key_value are one
    /// fused GEMM); biases fuse into addmm.
    func projections(hl: Int, kvl: Int, hd: Int) -> [Kernel] {
        if ["gpt2", "gpt-neox"].contains(m.family) {
            return [b.linear(m.family == "gpt2" ? "c_attn" : "query_key_value", tokens: phase.tokens, n: (hl + 2 * kvl) * hd, k: m.hiddenSize)]
        }
        var k = [b.linear("q_proj", tokens: phase.tokens, n: hl * hd, k: m.hiddenSize),
                 b.linear("k_proj", tokens: phase.tokens, n: kvl * hd, k: m.hiddenSize),
                 b.linear("v_proj", tokens: phase.tokens, n: kvl * hd, k: m.hiddenSize)]
        if m.family == "opt" { k.append(b.elementwise("q_scale", tokens * Double(hl * hd))) }
        return k
    }

    /// Eager attention: repeat_kv copies for GQA, QKᵀ, scale, mask, softmax (FP32 for
    /// Llama-style models, then a cast back), PV. The score matrix makes several HBM round trips,
    /// which is why long prompts lower power (memory-bound softmax) in the EnergAIzer data.
    func eagerScores(hl: Int, kvl: Int, hd: Int) -> [Kernel] {
        let q = group.queryLength, kv = group.kvLength
        let bh = group.batch * hl
        let scores = Double(bh) * Double(q) * Double(kv)
        var k: [Kernel] = []
        if kvl < hl {
            let e = Double(group.batch * hl * kv * hd)
            k += [b.stream("repeat_kv_k", elements: e, read: e * act / Double(hl / kvl), written: e * act),
                  b.stream("repeat_kv_v", elements: e, read: e * act / Double(hl / kvl), written: e * act)]
        }
        k.append(b.batchedProduct("qk_matmul", batch: bh, m: q, n: kv, k: hd))
        // Scaling the scores is its own kernel, even OPT's `* 1.0` (its queries are pre-scaled).
        k.append(b.elementwise("score_scale", scores))
        if m.family == "gpt2" { k.append(b.elementwise("causal_where", scores, inputs: 1.5)) }
        k.append(b.elementwise("mask_add", scores, inputs: 1.5))
        // transformers' shared eager_attention_forward runs softmax in FP32 and casts back;
        // GPT-2's and BERT's own attention code keep the input dtype.
        let fp32Softmax = d.eagerSoftmaxInFP32
        k.append(b.stream("softmax", elements: scores, read: scores * act, written: scores * (fp32Softmax ? 4 : act),
                          flops: 5, special: 1))
        if fp32Softmax && d.precision != .fp32 {
            k.append(b.elementwise("softmax_cast", scores, inBytes: 4, outBytes: act))
        }
        k.append(b.batchedProduct("pv_matmul", batch: bh, m: q, n: hd, k: kv))
        return k
    }

    func head(lmHead: Bool) -> [Kernel] {
        var k: [Kernel] = m.kind == .decoder ? norm("final_norm") : []
        if lmHead && m.kind == .decoder {
            k.append(b.linear("lm_head", tokens: phase.tokens, n: m.vocabSize / d.tensorParallel, k: m.hiddenSize,
                              weightBytes: d.embeddingBytes))
        }
        return k
    }
}
