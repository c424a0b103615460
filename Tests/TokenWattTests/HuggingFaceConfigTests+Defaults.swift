import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// What a config leaves out is the family's transformers default, named in `sources.converter`;
/// what it names wrongly (a wrapper's fields, a local path, a bundled id) is refused by its path.
extension HuggingFaceConfigTests {
    /// google/gemma-3-12b-it's config.json as Google publishes it: the text part states only
    /// what differs from Gemma3TextConfig (no head_dim, vocab_size or max_position_embeddings).
    static let gemma3Sparse = """
    {"architectures": ["Gemma3ForConditionalGeneration"], "model_type": "gemma3", "torch_dtype": "bfloat16",
     "text_config": {"hidden_size": 3840, "intermediate_size": 15360, "model_type": "gemma3_text", "num_attention_heads": 16,
      "num_hidden_layers": 48, "num_key_value_heads": 8, "rope_scaling": {"factor": 8.0, "rope_type": "linear"}, "sliding_window": 1024},
     "vision_config": {"hidden_size": 1152, "model_type": "siglip_vision_model"}}
    """

    /// Gemma's head is 256 wide whatever hidden ÷ heads gives (240 here), and Qwen3's 128.
    @Test func missingHeadDimIsTheFamilyDefault() throws {
        let gemma = try Self.convert(Self.gemma3Sparse, id: "test/gemma-3-12b")
        let bundled = try ModelCatalog.bundled.model("google/gemma-3-12b-it")
        let sizes = { (m: ModelArchitecture) -> [Int] in [m.headDim, m.vocabSize, m.maxPositions] }
        #expect(sizes(gemma) == sizes(bundled))
        #expect(gemma.totalParams == bundled.totalParams && gemma.windowedLayerCount == bundled.windowedLayerCount)
        #expect((gemma.sources["converter"] ?? "").contains("text_config.head_dim missing: 256 assumed (transformers' Gemma3TextConfig default)"))
        let qwen = try #require(Self.configs["Qwen/Qwen3-8B"]).replacingOccurrences(of: "\"head_dim\": 128, ", with: "")
        #expect(try Self.convert(qwen, id: "t/q").headDim == 128)
        // A family whose default is neither must state it: Qwen3-30B-A3B's hidden ÷ heads is 64.
        let moe = try #require(Self.configs["Qwen/Qwen3-30B-A3B-Instruct-2507"]).replacingOccurrences(of: "\"head_dim\": 128,", with: "")
        #expect(throws: InputError.self) { _ = try Self.convert(moe, id: "t/q") }
    }

    /// A missing sliding_window is Gemma 2's default window on alternate layers; null is none.
    @Test func missingSlidingWindowIsTheFamilyDefault() throws {
        let gemma = """
        {"head_dim": 256, "hidden_act": "gelu_pytorch_tanh", "hidden_size": 3584, "intermediate_size": 14336, "max_position_embeddings": 8192,
         "model_type": "gemma2", "num_attention_heads": 16, "num_hidden_layers": 42, "num_key_value_heads": 8, "torch_dtype": "bfloat16",
         "vocab_size": 256000}
        """
        let m = try Self.convert(gemma, id: "test/gemma-2-9b")
        let bundled = try ModelCatalog.bundled.model("google/gemma-2-9b-it")
        #expect(m.attention.slidingWindow == 4096 && m.windowedLayerCount == bundled.windowedLayerCount)
        #expect((m.sources["converter"] ?? "").contains("sliding_window missing: 4096 assumed (transformers' Gemma2Config default)"))
        let none = try Self.convert(gemma.replacingOccurrences(of: "\"vocab_size\"", with: "\"sliding_window\": null, \"vocab_size\""), id: "t/g")
        #expect(none.attention.slidingWindow == nil)
    }

    /// vLLM never serves Gemma 2 or 3 in FP16, so an FP32 Gemma checkpoint is BF16; Qwen2's q/k/v
    /// biases are not an "attention_bias false" assumption.
    @Test func dtypeAndBiasNotesAreTrue() throws {
        let gemma = try Self.convert(try #require(Self.configs["google/gemma-2-2b-it"]), id: "test/g")
        #expect(gemma.defaultPrecision == .bf16 && (gemma.sources["converter"] ?? "").contains("_FLOAT16_NOT_SUPPORTED_MODELS"))
        let qwen2 = try Self.convert(try #require(Self.configs["Qwen/Qwen2.5-7B-Instruct"]), id: "test/q2")
        let notes = qwen2.sources["converter"] ?? ""
        #expect(qwen2.qkvBias && !notes.contains("attention_bias missing") && notes.contains("qkvBias true"), "\(notes)")
    }

    /// A wrapper's errors name the key's path in the file, and an unsupported text part names
    /// the file's own model_type.
    @Test func wrapperErrorsNameTheirPath() throws {
        let cases: [(String, [String])] = [
            (Self.gemma3Sparse.replacingOccurrences(of: "\"num_attention_heads\": 16,", with: ""), ["text_config.num_attention_heads"]),
            (#"{"model_type": "llama4", "text_config": {"model_type": "llama4_text", "num_hidden_layers": 48}}"#,
             ["text_config.model_type", "llama4_text", "the file's model_type is llama4"]),
            (#"{"model_type": "minimax_m3_vl", "text_config": {"num_hidden_layers": 60}}"#, ["model_type", "minimax_m3_vl"]),
        ]
        for (json, words) in cases {
            do {
                _ = try Self.convert(json, id: "test/x")
                Issue.record("accepted \(json)")
            } catch {
                #expect(words.allSatisfy { "\(error)".contains($0) }, "\(error)")
            }
        }
    }

    /// `_name_or_path` names the entry only when it is a Hub id; a local path, or a model the
    /// catalog bundles, is refused saying to pass --id.
    @Test func nameOrPathMustBeANewHubID() throws {
        let qwen = try #require(Self.configs["Qwen/Qwen3-8B"])
        for (name, words) in [("/opt/ckpts/Qwen3-8B/", ["_name_or_path", "--id"]), ("Qwen/Qwen3-8B", ["bundled already", "--id"])] {
            let json = qwen.replacingOccurrences(of: "{\"architectures\"", with: "{\"_name_or_path\": \"\(name)\", \"architectures\"")
            do {
                _ = try Self.convert(json, id: nil)
                Issue.record("accepted the id \(name)")
            } catch {
                #expect(words.allSatisfy { "\(error)".contains($0) }, "\(error)")
            }
        }
        let hub = qwen.replacingOccurrences(of: "{\"architectures\"", with: "{\"_name_or_path\": \"acme/qwen3-8b-support\", \"architectures\"")
        #expect(try Self.convert(hub, id: nil).id == "acme/qwen3-8b-support")
    }
}
