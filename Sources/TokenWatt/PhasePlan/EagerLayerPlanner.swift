import KernelPower

/// Kernels of a layer as Hugging Face transformers runs it in PyTorch eager mode: every tensor
/// operation of the modelling code is its own kernel launched from Python. The recipes follow
/// transformers 4.5x modelling files (RMSNorm upcasts to FP32 in six ops; rotary embedding is
/// rotate_half with neg and cat; eager attention materialises the score matrix, scales it, adds
/// the mask and runs softmax, in FP32 for Llama-style models; GPT-2's gelu_new is eight ops).
struct EagerLayerPlanner {
    let b: KernelBuilder
    let phase: Phase

    var d: Deployment { b.deployment }
    var m: ModelArchitecture { d.model }
    var tokens: Double { Double(phase.tokens) }
    var hidden: Double { Double(m.hiddenSize) }
    var act: Double { b.act }
    /// Eager passes are plain prefill or decode: one attention group.
    var group: AttentionGroup { phase.attentionGroups[0] }

    func embedding() -> [Kernel] {
        let th = tokens * hidden
        var k = [b.stream("embedding", elements: th, read: th * act + tokens * 8, written: th * act)]
        switch m.positional {
        case .learned:
            k.append(b.stream("position_embedding", elements: th, read: th * act, written: th * act))
            k.append(b.elementwise("add_positions", th, inputs: 2))
        case .rope:
            // inv_freq matmul, cat, cos, sin and casts: small kernels once per pass.
            let e = Double(group.kvLength * m.headDim)
            for name in ["rope_freqs", "rope_cat", "rope_cos", "rope_sin", "rope_cast_cos", "rope_cast_sin"] {
                k.append(b.elementwise(name, e, inBytes: 4, outBytes: 4, special: name.hasSuffix("cos") || name.hasSuffix("sin") ? 1 : 0))
            }
        case .alibi, .none: break
        }
        if m.kind == .encoder {
            k.append(b.stream("token_type_embedding", elements: th, read: th * act, written: th * act))
            k.append(b.elementwise("add_token_type", th, inputs: 2))
            k.append(b.stream("embedding_norm", elements: th, read: th * act, written: th * act, flops: 8))
        }
        // Building the 4-D additive attention mask: arange, compare, fill, expand, cast.
        let maskElements = Double(group.batch * group.queryLength * group.kvLength)
        for name in ["mask_arange", "mask_compare", "mask_fill", "mask_expand", "mask_cast"] {
            k.append(b.elementwise(name, maskElements, inBytes: 1, outBytes: name == "mask_cast" ? act : 1))
        }
        return k
    }

    func layer(_ v: LayerVariant) -> [Kernel] {
        var k: [Kernel] = []
        if m.kind == .decoder { k += norm("input_norm") }
        k += attention(v)
        if m.kind == .encoder {
            k.append(b.elementwise("attn_residual", tokens * hidden, inputs: 2))
            k += norm("attn_norm")
        } else {
            k.append(b.elementwise("attn_residual", tokens * hidden, inputs: 2))
            k += norm("post_attn_norm")
        }
        k += mlp(part: v.sixteenBitMLP ? .sixteenBitMLP : .mlp)
        k.append(b.elementwise("mlp_residual", tokens * hidden, inputs: 2))
        if m.kind == .encoder { k += norm("output_norm") }
        return k
    }

    func norm(_ name: String) -> [Kernel] {
        let th = tokens * hidden
        guard m.norm == .rmsnorm, d.precision != .fp32 else {
            if m.norm == .layernorm { return [b.stream(name, elements: th, read: th * act, written: th * act, flops: 8)] }
            return rmsOps(name, th, upcast: false)
        }
        return rmsOps(name, th, upcast: true)
    }

    /// HF RMSNorm: to(fp32), pow(2), mean, add eps, rsqrt, mul, to(dtype), mul weight.
    func rmsOps(_ name: String, _ th: Double, upcast: Bool) -> [Kernel] {
        var k: [Kernel] = []
        if upcast { k.append(b.elementwise(name + "_upcast", th, inBytes: act, outBytes: 4)) }
        k.append(b.elementwise(name + "_pow", th, inBytes: 4, outBytes: 4))
        k.append(b.stream(name + "_mean", elements: th, read: th * 4, written: tokens * 4))
        k.append(b.elementwise(name + "_add_eps", tokens, inBytes: 4, outBytes: 4))
        k.append(b.elementwise(name + "_rsqrt", tokens, inBytes: 4, outBytes: 4, special: 1))
        k.append(b.stream(name + "_scale", elements: th, read: th * 4 + tokens * 4, written: th * 4))
        if upcast { k.append(b.elementwise(name + "_downcast", th, inBytes: 4, outBytes: act)) }
        k.append(b.elementwise(name + "_weight", th, inputs: 1))
        return k
    }

    func mlp(part: Deployment.WeightPart) -> [Kernel] {
        let f = m.ffnSize / d.tensorParallel
        let tf = tokens * Double(f)
        if m.ffnGated {
            return [b.linear("gate_proj", tokens: phase.tokens, n: f, k: m.hiddenSize, part: part),
                    b.linear("up_proj", tokens: phase.tokens, n: f, k: m.hiddenSize, part: part),
                    b.elementwise("act", tf, flops: 4, special: 1),
                    b.elementwise("mul", tf, inputs: 2),
                    b.linear("down_proj", tokens: phase.tokens, n: m.hiddenSize, k: f, part: part)]
        }
        var k = [b.linear("fc1", tokens: phase.tokens, n: f, k: m.hiddenSize, part: part)]
        if m.activation == .geluTanh && m.family == "gpt2" {
            // gelu_new written out in Python: pow, mul, add, mul, tanh, add, mul, mul.
            for (i, special) in [0.0, 0, 0, 0, 1, 0, 0, 0].enumerated() {
                k.append(b.elementwise("gelu_new_\(i)", tf, inputs: i == 2 || i == 7 ? 2 : 1, special: special))
            }
        } else {
            k.append(b.elementwise("act", tf, flops: 4, special: m.activation == .relu ? 0 : 1))
        }
        k.append(b.linear("fc2", tokens: phase.tokens, n: m.hiddenSize, k: f, part: part))
        return k
    }
}
