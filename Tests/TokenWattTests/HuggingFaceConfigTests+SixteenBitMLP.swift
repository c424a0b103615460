import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// A checkpoint whose unquantized list names the MLPs of some layers (`sixteenBitMLPLayers`, as
/// Meta's FP8 Llama-3.1-405B's does) converts to an entry the catalog reader takes back, or is
/// refused by the list that names them.
extension HuggingFaceConfigTests {
    /// `config` with a `quantization_config` at its top level, inserted after `anchor`.
    static func with(_ config: String, after anchor: String, quantization: String) throws -> String {
        #expect(config.contains(anchor), "no \(anchor) in the config")
        return config.replacingOccurrences(of: anchor, with: anchor + ", \"quantization_config\": " + quantization)
    }

    /// Row-wise FP8 (FBGEMM) leaving `modules` unconverted.
    static func fbgemm(_ modules: [String]) -> String {
        #"{"quant_method": "fbgemm_fp8", "modules_to_not_convert": ["lm_head", "# + modules.map { "\"\($0)\"" }.joined(separator: ", ") + "]}"
    }

    /// The 16-bit MLP layers of a stack whose layers are all alike round-trip (write with
    /// `--from-hf`, read back); on a model with windowed or Gated DeltaNet layers, or naming a
    /// layer the model lacks, they are refused by the config's list. The converter had written
    /// `sixteenBitMLPLayers` there and then refused its own entry as "converted entry.
    /// sixteenBitMLPLayers", a field of no file the user has; a layer past the last was counted.
    @Test func sixteenBitMLPLayersRoundTripOrNameTheirList() throws {
        let phi4 = try #require(Self.configs["microsoft/phi-4"])
        let gemma2 = try #require(Self.configs["google/gemma-2-2b-it"])
        let qwen35 = try #require(Self.configs["Qwen/Qwen3.5-27B"])
        // A uniform stack (phi-4, no window): the first and last layers' MLPs stay 16-bit.
        let dense = try Self.convert(try Self.with(phi4, after: "\"vocab_size\": 100352", quantization: Self.fbgemm(
            ["model.layers.0.self_attn.qkv_proj", "model.layers.0.mlp.down_proj", "model.layers.39.mlp.gate_up_proj"])), id: "test/phi-4-fp8")
        #expect(dense.quantizedModules == .mlp && dense.sixteenBitMLPLayers == 2)
        // Attention alone left 16-bit on a windowed model: quantizedModules mlp reads back too.
        let windowed = try Self.convert(try Self.with(gemma2, after: "\"vocab_size\": 256000", quantization: Self.fbgemm(
            ["model.layers.0.self_attn.q_proj"])), id: "test/gemma-2-fp8")
        #expect(windowed.quantizedModules == .mlp && windowed.sixteenBitMLPLayers == 0 && windowed.attention.slidingWindow == 4096)
        let ignore = #"{"quant_method": "compressed-tensors", "config_groups": {"group_0": {"targets": ["Linear"], "#
            + #""weights": {"num_bits": 8, "type": "float", "strategy": "channel"}}}, "ignore": ["lm_head", "#
            + #""model.layers.3.self_attn.q_proj", "model.layers.0.linear_attn.in_proj_qkvz", "model.layers.0.mlp.down_proj"]}"#
        let refused: [(config: String, words: [String])] = [
            (try Self.with(gemma2, after: "\"vocab_size\": 256000", quantization: Self.fbgemm(
                ["model.layers.0.self_attn.q_proj", "model.layers.0.mlp.down_proj", "model.layers.25.mlp.up_proj"])),
             ["'quantization_config.modules_to_not_convert'", "model.layers.0.mlp.down_proj", "sliding_window", "at fp8"]),
            (try Self.with(qwen35, after: "\"tie_word_embeddings\": false", quantization: ignore),
             ["'quantization_config.ignore'", "model.layers.0.mlp.down_proj", "text_config.layer_types"]),
            (try Self.with(phi4, after: "\"vocab_size\": 100352", quantization: Self.fbgemm(
                ["model.layers.0.self_attn.qkv_proj", "model.layers.40.mlp.down_proj"])),
             ["'quantization_config.modules_to_not_convert'", "model.layers.40.mlp.down_proj", "layers 0 to 39"]),
        ]
        for (config, words) in refused {
            do {
                let m = try Self.convert(config, id: "test/x")
                Issue.record("accepted, \(m.sixteenBitMLPLayers) 16-bit MLP layers: \(words[1])")
            } catch {
                #expect(words.allSatisfy { "\(error)".contains($0) } && !"\(error)".contains("converted entry"), "\(error)")
            }
        }
    }
}
