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
/// Below about 1e9 the embeddings (2 × 128,256 × d) take most of the count: where they leave fewer
/// than d/256 layers (half the aspect ratio's), d steps down by 1024, so 6e8 is 22 layers × 1024
/// rather than one layer × 2048 of 0.58B; 1 layer × 1024 (about 2.78e8) is the smallest it builds.
public enum GenericArchitecture {
    static let vocabulary = 128_256
    static let headDim = 128, kvHeads = 8
    static let largestParameters = 1e13

    /// The smallest parameter count the rule builds: one layer of hidden size 1024 beside its
    /// embeddings. A smaller request had been built at this size under the requested label
    /// ("generic-decoder-100M" of 0.278B parameters).
    public static let smallestParameters = shape(hidden: 1024, layers: 1, label: "", precision: .bf16).totalParams

    /// The parameter counts `decoder` accepts.
    public static var parameterRange: ClosedRange<Double> { smallestParameters...largestParameters }

    /// What `--params` accepts, in words: the smallest count rounded up to four figures, so that
    /// the value quoted is one the rule builds.
    public static var parameterRangeText: String {
        "a parameter count from \(formatNumber((smallestParameters / 1e5).rounded(.up) / 1e3))e8 "
            + "(the smallest the generic rule builds: 1 layer of hidden size 1024 beside its 128,256-token embeddings) to 1e13"
    }

    public static func decoder(parameters n: Double, precision: Precision) throws -> ModelArchitecture {
        guard n.isFinite, parameterRange.contains(n) else {
            throw InputError.invalidValue(file: "--params", field: "params", value: n.isFinite ? formatNumber(n) : "\(n)", expected: parameterRangeText)
        }
        // Aspect-ratio estimate of the layer count (per layer ≈ 12.5 d², d = 128 L), then d.
        let l0 = pow(n / (12.5 * 128 * 128), 1.0 / 3)
        var d = max(1024, Int((128 * l0 / 1024).rounded()) * 1024)
        while d > 1024 && layersFitting(n, hidden: d) < Double(d) / 256 { d -= 1024 }
        let layers = max(1, Int(layersFitting(n, hidden: d).rounded()))
        let label = n >= 1e9 ? "\(formatNumber(n / 1e9, significant: 4))B" : "\(formatNumber(n / 1e6, significant: 4))M"
        return shape(hidden: d, layers: layers, label: label, precision: precision)
    }

    static func ffnSize(hidden d: Int) -> Int { Int((3.5 * Double(d) / 256).rounded()) * 256 }

    /// Layers of hidden size `d` that `n` parameters hold beside the embeddings (fractional).
    static func layersFitting(_ n: Double, hidden d: Int) -> Double {
        let perLayer = Double(2 * d * d + 2 * d * kvHeads * headDim + 3 * d * ffnSize(hidden: d) + 2 * d)
        let embeddings = 2 * Double(vocabulary) * Double(d)
        return (n - embeddings) / perLayer
    }

    static func shape(hidden d: Int, layers: Int, label: String, precision: Precision) -> ModelArchitecture {
        ModelArchitecture(
            id: "generic-decoder-\(label)", aliases: [], family: "generic", kind: .decoder, layers: layers, hiddenSize: d,
            heads: d / headDim, kvHeads: kvHeads, headDim: headDim, ffnSize: ffnSize(hidden: d), ffnGated: true, activation: .silu, norm: .rmsnorm,
            positional: .rope, maxPositions: 131_072, vocabSize: vocabulary, tiedEmbeddings: false, qkvBias: false, outputBias: false,
            mlpBias: false, attention: .init(kind: .gqa, slidingWindow: nil, slidingWindowLayers: nil, mla: nil, blockSparse: nil), moe: nil, layerKinds: nil,
            defaultPrecision: precision, publishedTotalParams: nil, publishedActiveParams: nil, variantOf: nil,
            source: "derived from the parameter count by TokenWatt's generic-decoder rule (Llama-3 shapes; see GenericArchitecture.swift)",
            sources: [:])
    }
}
