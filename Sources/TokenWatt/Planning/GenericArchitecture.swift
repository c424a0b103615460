import Foundation
import KernelPower

/// A generic decoder for users who know only a model's parameter count, shaped like the Llama-3
/// family (Meta's published configs: 8B is 32 layers × 4096, 70B 80 × 8192, 405B 126 × 16384):
/// - hidden size d ≈ 128 × layers (8B: 128.0, 70B: 102.4, 405B: 130.0), rounded to a multiple of
///   1024 so that heads of 128 divide into 8 KV-head groups;
/// - grouped-query attention, heads of 128, 8 KV heads;
/// - gated SiLU FFN of 3.5 × d (8B and 70B: 3.5; 405B: 3.25), rounded to a multiple of 256;
/// - vocabulary 128,256, untied embeddings, RMSNorm, RoPE.
/// Layers are then chosen so the total matches the requested count as closely as whole layers allow.
public enum GenericArchitecture {
    static let vocabulary = 128_256
    static let headDim = 128, kvHeads = 8

    public static func decoder(parameters n: Double, precision: Precision) throws -> ModelArchitecture {
        guard n.isFinite, n >= 1e8, n <= 1e13 else {
            throw InputError.invalidValue(file: "--params", field: "params", value: n.isFinite ? formatNumber(n) : "\(n)", expected: "a parameter count from 1e8 to 1e13")
        }
        // Aspect-ratio estimate of the layer count (per layer ≈ 12.5 d², d = 128 L), then d.
        let l0 = pow(n / (12.5 * 128 * 128), 1.0 / 3)
        let d = max(1024, Int((128 * l0 / 1024).rounded()) * 1024)
        let ffn = Int((3.5 * Double(d) / 256).rounded()) * 256
        let perLayer = Double(2 * d * d + 2 * d * kvHeads * headDim + 3 * d * ffn + 2 * d)
        let embeddings = 2 * Double(vocabulary) * Double(d)
        let layers = max(1, Int(((n - embeddings) / perLayer).rounded()))
        let label = n >= 1e9 ? "\(formatNumber(n / 1e9, significant: 4))B" : "\(formatNumber(n / 1e6, significant: 4))M"
        return ModelArchitecture(
            id: "generic-decoder-\(label)", aliases: [], family: "generic", kind: .decoder, layers: layers, hiddenSize: d,
            heads: d / headDim, kvHeads: kvHeads, headDim: headDim, ffnSize: ffn, ffnGated: true, activation: .silu, norm: .rmsnorm,
            positional: .rope, maxPositions: 131_072, vocabSize: vocabulary, tiedEmbeddings: false, qkvBias: false, outputBias: false,
            mlpBias: false, attention: .init(kind: .gqa, slidingWindow: nil, slidingWindowLayers: nil, mla: nil, blockSparse: nil), moe: nil, layerKinds: nil,
            defaultPrecision: precision, publishedTotalParams: nil, publishedActiveParams: nil, variantOf: nil,
            source: "derived from the parameter count by TokenWatt's generic-decoder rule (Llama-3 shapes; see GenericArchitecture.swift)",
            sources: [:])
    }
}
