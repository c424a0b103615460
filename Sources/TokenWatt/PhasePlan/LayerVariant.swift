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
