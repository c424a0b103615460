import KernelPower

/// Kernels of a layer as vLLM runs it: fused residual-add + RMSNorm, one QKV GEMM, a fused rotary
/// kernel, a KV-cache write, FlashAttention (prefill) or paged decode attention, one gate-up
/// GEMM with a fused SiLU-and-multiply, and a tensor-parallel all-reduce after attention and FFN.
struct FusedLayerPlanner {
    let b: KernelBuilder
    let phase: Phase

    var d: Deployment { b.deployment }
    var m: ModelArchitecture { d.model }
    var tokens: Double { Double(phase.tokens) }
    var hidden: Double { Double(m.hiddenSize) }

    func embedding() -> [Kernel] {
        [b.stream("embedding", elements: tokens * hidden, read: tokens * hidden * d.embeddingBytes + tokens * 8,
                  written: tokens * hidden * b.act)]
    }

    func layer(_ v: LayerVariant) -> [Kernel] {
        switch v.mixer {
        case .transformer: break
        case .attention: return block(attention(v), allReduce: "attn_all_reduce")
        case .mlp: return block(denseFFN(size: m.ffnSize, part: .mlp), allReduce: "ffn_all_reduce")
        case .mamba2: return block(mamba2(), allReduce: "mixer_all_reduce")
        }
        var k = norm("input_norm")
        k += v.linear ? gatedDeltaNet() : attention(v)
        if let ar = b.allReduce("attn_all_reduce", elements: tokens * hidden) { k.append(ar) }
        k += norm("post_attn_norm")
        k += v.moe ? moeFFN() : denseFFN(size: m.ffnSize, part: v.sixteenBitMLP ? .sixteenBitMLP : .mlp)
        if let ar = b.allReduce("ffn_all_reduce", elements: tokens * hidden) { k.append(ar) }
        return k
    }

    /// A hybrid's block: the norm, its one mixer and the tensor-parallel all-reduce after it.
    func block(_ mixer: [Kernel], allReduce name: String) -> [Kernel] {
        var k = norm("input_norm") + mixer
        if let ar = b.allReduce(name, elements: tokens * hidden) { k.append(ar) }
        return k
    }

    /// The residual add and the norm before a sublayer. vLLM fuses the add into its RMSNorm kernel
    /// (fused_add_rms_norm), and torch.compile fuses it into a LayerNorm; run eagerly, a LayerNorm
    /// model (BLOOM, OPT) launches the add and the LayerNorm as two kernels, since vLLM's own
    /// kernels fuse the add only with RMSNorm (csrc/layernorm_kernels.cu).
    func norm(_ name: String) -> [Kernel] {
        let x = tokens * hidden
        if m.norm == .rmsnorm {
            // fused_add_rms_norm: reads x and the residual, writes both.
            return [b.stream(name, elements: x, read: 2 * x * b.act, written: 2 * x * b.act, flops: 5)]
        }
        guard d.framework == .vllmEager else {
            return [b.stream(name, elements: x, read: 2 * x * b.act, written: 2 * x * b.act, flops: 8)]
        }
        return [b.elementwise(name + "_residual_add", x, inputs: 2),
                b.stream(name, elements: x, read: x * b.act, written: x * b.act, flops: 8)]
    }

    func attention(_ v: LayerVariant) -> [Kernel] {
        if m.attention.mla != nil { return mlaAttention() }
        let hd = m.headDim, hl = d.localHeads, kvl = d.localKVHeads
        let gate = m.attention.outputGate
        var k: [Kernel] = [b.linear("qkv_proj", tokens: phase.tokens, n: ((gate ? 2 : 1) * hl + 2 * kvl) * hd, k: m.hiddenSize)]
        if m.positional == .rope {
            k.append(b.elementwise("rotary", tokens * Double((hl + kvl) * hd), flops: 3))
        }
        k.append(cacheWrite(elementsPerToken: Double(2 * kvl * hd)))
        for g in phase.attentionGroups where g.batch > 0 {
            k.append(Kernel(g.isDecode ? "decode_attention" : "prefill_attention", .attention(AttentionShape(
                batch: g.batch, heads: hl, kvHeads: kvl, queryLength: g.queryLength, kvLength: g.kvLength,
                headDim: hd, causal: m.kind == .decoder, window: v.window, verticalStride: v.verticalStride, qBytes: b.act,
                kvBytes: d.kvPrecision.weightBytesPerElement, unit: b.activationUnit))))
        }
        if gate {
            // The attention output times the sigmoid of its gate.
            k.append(b.elementwise("attn_output_gate", tokens * Double(hl * hd), inputs: 2, flops: 4, special: 1))
        }
        k.append(b.linear("o_proj", tokens: phase.tokens, n: m.hiddenSize, k: hl * hd))
        return k
    }

    func cacheWrite(elementsPerToken: Double) -> Kernel {
        let e = tokens * elementsPerToken
        return b.stream("kv_cache_write", elements: e, read: e * b.act, written: e * d.kvPrecision.weightBytesPerElement)
    }

    /// Multi-head latent attention (DeepSeek-V3): prefill decompresses K and V and runs ordinary
    /// attention; decode absorbs the up-projections and attends over the cached latent
    /// (one shared KV head of kvLoraRank + rope dims), as vLLM's MLA backends do.
    func mlaAttention() -> [Kernel] {
        guard let a = m.attention.mla else { return [] }
        if let index = m.attention.sparseIndex { return sparseMLAAttention(a, index) }
        let hl = d.localHeads
        let qk = a.qkNopeHeadDim + a.qkRopeHeadDim
        var k = mlaProjections(a)
        k.append(cacheWrite(elementsPerToken: Double(a.kvLoraRank + a.qkRopeHeadDim)))
        let kvBytes = d.kvPrecision.weightBytesPerElement
        for g in phase.attentionGroups where g.batch > 0 {
            if g.isDecode {
                k.append(absorb("q_absorb", rows: g.batch, n: a.kvLoraRank, k: a.qkNopeHeadDim))
                k.append(Kernel("decode_attention", .attention(AttentionShape(
                    batch: g.batch, heads: hl, kvHeads: 1, queryLength: 1, kvLength: g.kvLength,
                    headDim: a.kvLoraRank + a.qkRopeHeadDim, valueHeadDim: a.kvLoraRank, causal: true,
                    qBytes: b.act, kvBytes: kvBytes, unit: b.activationUnit))))
                k.append(absorb("v_up", rows: g.batch, n: a.vHeadDim, k: a.kvLoraRank))
            } else {
                let ctx = g.batch * g.kvLength
                k.append(b.linear("kv_b_proj", tokens: ctx, n: hl * (a.qkNopeHeadDim + a.vHeadDim), k: a.kvLoraRank))
                k.append(Kernel("prefill_attention", .attention(AttentionShape(
                    batch: g.batch, heads: hl, kvHeads: hl, queryLength: g.queryLength, kvLength: g.kvLength,
                    headDim: qk, valueHeadDim: a.vHeadDim, causal: true, qBytes: b.act, kvBytes: b.act,
                    unit: b.activationUnit))))
            }
        }
        k.append(b.linear("o_proj", tokens: phase.tokens, n: m.hiddenSize, k: hl * a.vHeadDim))
        return k
    }

    /// MLA's query projections (through the query latent when the model has one), its latent
    /// KV projection and the rotary embedding of the query and key rope parts.
    func mlaProjections(_ a: ModelArchitecture.MLA) -> [Kernel] {
        let hl = d.localHeads
        let qk = a.qkNopeHeadDim + a.qkRopeHeadDim
        var k: [Kernel] = []
        if let r = a.qLoraRank {
            k.append(b.linear("q_a_proj", tokens: phase.tokens, n: r, k: m.hiddenSize))
            k.append(b.linear("q_b_proj", tokens: phase.tokens, n: hl * qk, k: r))
        } else {
            k.append(b.linear("q_proj", tokens: phase.tokens, n: hl * qk, k: m.hiddenSize))
        }
        k.append(b.linear("kv_a_proj", tokens: phase.tokens, n: a.kvLoraRank + a.qkRopeHeadDim, k: m.hiddenSize))
        k.append(b.elementwise("rotary", tokens * Double((hl + 1) * a.qkRopeHeadDim), flops: 3))
        return k
    }

    /// A per-head product of the queries with an absorbed weight (batch = local heads).
    func absorb(_ name: String, rows: Int, n: Int, k: Int) -> Kernel {
        Kernel(name, .gemm(GEMMShape(batch: d.localHeads, m: rows, n: n, k: k, aBytes: b.act,
                                     bBytes: d.denseWeightBytes, cBytes: b.act, unit: b.unit, sharedB: false)))
    }

    /// A dense FFN (or shared experts) of intermediate size `size`, its weights of `part`.
    func denseFFN(size: Int, prefix: String = "", part: Deployment.WeightPart) -> [Kernel] {
        let f = size / d.tensorParallel
        if m.ffnGated {
            return [b.linear(prefix + "gate_up_proj", tokens: phase.tokens, n: 2 * f, k: m.hiddenSize, part: part),
                    b.stream(prefix + "act_and_mul", elements: tokens * Double(f), read: 2 * tokens * Double(f) * b.act,
                             written: tokens * Double(f) * b.act, flops: 4, special: 1),
                    b.linear(prefix + "down_proj", tokens: phase.tokens, n: m.hiddenSize, k: f, part: part)]
        }
        return [b.linear(prefix + "up_proj", tokens: phase.tokens, n: f, k: m.hiddenSize, part: part),
                b.elementwise(prefix + "act", tokens * Double(f), flops: 4, special: 1),
                b.linear(prefix + "down_proj", tokens: phase.tokens, n: m.hiddenSize, k: f, part: part)]
    }
}
