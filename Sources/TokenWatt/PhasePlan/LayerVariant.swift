/// A kind of layer: which mixers it holds, which FFN it has and whether its attention is windowed.
/// Layers of one variant are identical, so each variant is planned (and costed) once.
struct LayerVariant: Hashable {
    /// What one block holds: a transformer layer holds attention and an FFN; a hybrid's block
    /// holds one of them, or a Mamba-2 mixer.
    enum Mixer: Hashable { case transformer, attention, mlp, mamba2 }

    let moe: Bool
    let window: Int?
    var mixer: Mixer = .transformer
    /// Block-sparse attention: past the local `window`, every `verticalStride`-th block of keys.
    var verticalStride: Int? = nil
    /// A transformer layer whose token mixer is Gated DeltaNet instead of attention.
    var linear = false
    /// A dense layer whose MLP the checkpoint leaves 16-bit beside quantized ones (the first and
    /// last of Meta's FP8 Llama-3.1-405B, `sixteenBitMLPLayers`).
    var sixteenBitMLP = false

    /// The variants of a model with their layer counts, MoE and windowed layers spread evenly.
    static func variants(of m: ModelArchitecture) -> [(LayerVariant, Int)] {
        counts(of: m).filter { $0.1 > 0 }
    }

    /// The variants among `layers` (a pipeline stage's contiguous run, `Deployment.stageLayers`)
    /// with their counts there, in the order a model stacks them: a MoE model's leading dense
    /// layers first, then every `layerInterval`-th layer MoE (HF Llama 4's `moe_layers`,
    /// DeepSeek's `first_k_dense_replace`); the 16-bit-MLP layers of Meta's FP8 Llama-3.1-405B first
    /// and last; the rest (windowed or Gated DeltaNet layers, a hybrid's blocks, block-sparse
    /// layers) spread evenly as `variants(of:)` assumes. The counts over all the layers are
    /// `variants(of:)`'s.
    static func variants(of m: ModelArchitecture, in layers: Range<Int>) -> [(LayerVariant, Int)] {
        let end = cumulative(m, through: layers.upperBound), start = cumulative(m, through: layers.lowerBound)
        return zip(end, start).map { ($0.0, $0.1 - $1.1) }.filter { $0.1 > 0 }
    }

    /// `counts(of:)` over the first `x` layers, variant by variant in `counts`' order.
    private static func cumulative(_ m: ModelArchitecture, through x: Int) -> [(LayerVariant, Int)] {
        let total = counts(of: m), layers = max(1, m.layers)
        // The first `y` of `n` items of which `k` are spread evenly hold ⌊y·k ÷ n⌋ of them.
        func spread(_ y: Int, _ k: Int, _ n: Int) -> Int { n > 0 ? Int((Double(y) * Double(k) / Double(n)).rounded(.down)) : 0 }
        if m.hybrid != nil || m.attention.blockSparse != nil {
            // Nested, so that every running count only grows: the last variant among all, each
            // earlier one among those the later ones leave.
            var left = x, remaining = layers, out = total
            for i in total.indices.reversed() {
                let n = i == 0 ? left : spread(left, total[i].1, remaining)
                out[i].1 = n
                left -= n
                remaining -= total[i].1
            }
            return out
        }
        let moe = m.moe.map { max(0, x - $0.denseLayers) / max(1, $0.layerInterval) } ?? 0
        let moeAll = m.moeLayerCount, denseAll = m.layers - moeAll
        let sixteen = total[1].1, dense = x - moe
        let sixteenHere = min(x, (sixteen + 1) / 2) + max(0, x - (m.layers - sixteen / 2))
        let denseSpecial = spread(dense, total[2].1, denseAll), moeSpecial = spread(moe, total[4].1, moeAll)
        return [(total[0].0, dense - sixteenHere - denseSpecial), (total[1].0, sixteenHere), (total[2].0, denseSpecial),
                (total[3].0, moe - moeSpecial), (total[4].0, moeSpecial)]
    }

    /// Every variant a model's kind of stack has, with its layer count (zero for a variant it lacks).
    private static func counts(of m: ModelArchitecture) -> [(LayerVariant, Int)] {
        if let h = m.hybrid {
            return [(LayerVariant(moe: false, window: nil, mixer: .mamba2), h.mambaLayers),
                    (LayerVariant(moe: false, window: nil, mixer: .attention), h.attentionLayers),
                    (LayerVariant(moe: false, window: nil, mixer: .mlp), h.mlpLayers)]
        }
        if let bs = m.attention.blockSparse {
            return [(LayerVariant(moe: false, window: nil), m.layers - bs.layers),
                    (LayerVariant(moe: false, window: bs.localTokens, verticalStride: bs.verticalStride), bs.layers)]
        }
        let moeCount = m.moeLayerCount
        // The layers that differ from plain full attention: windowed ones, or Gated DeltaNet ones
        // (a model has one kind or the other), assumed spread evenly over dense and MoE layers.
        let linear = m.linearAttentionLayerCount > 0
        let special = linear ? m.linearAttentionLayerCount : m.windowedLayerCount
        let layers = m.layers
        let moeSpecial = layers > 0 ? Int((Double(moeCount) * Double(special) / Double(layers)).rounded()) : 0
        let denseSpecial = special - moeSpecial
        let window = linear ? nil : m.attention.slidingWindow
        // Only a uniform dense stack has 16-bit MLP layers (the catalog reader refuses others).
        let sixteenBit = m.quantizedModules == .mlp ? m.sixteenBitMLPLayers : 0
        return [(LayerVariant(moe: false, window: nil), layers - moeCount - denseSpecial - sixteenBit),
                (LayerVariant(moe: false, window: nil, sixteenBitMLP: true), sixteenBit),
                (LayerVariant(moe: false, window: window, linear: linear), denseSpecial),
                (LayerVariant(moe: true, window: nil), moeCount - moeSpecial),
                (LayerVariant(moe: true, window: window, linear: linear), moeSpecial)]
    }
}
