import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// `tokenwatt models --from-hf` and `--model-catalog`: a Hugging Face config.json becomes a
/// catalog entry, and a user's catalog file extends the bundled one.
@Suite struct HuggingFaceConfigTests {
    /// The published config.json of each model, cut to the keys the converter reads plus a few it
    /// must ignore (values as on the model's Hugging Face page, the `source` of its bundled entry).
    static let configs: [String: String] = [
        "Qwen/Qwen3-8B": """
        {"architectures": ["Qwen3ForCausalLM"], "attention_bias": false, "head_dim": 128, "hidden_act": "silu",
         "hidden_size": 4096, "intermediate_size": 12288, "max_position_embeddings": 40960, "max_window_layers": 36,
         "model_type": "qwen3", "num_attention_heads": 32, "num_hidden_layers": 36, "num_key_value_heads": 8,
         "rms_norm_eps": 1e-06, "rope_theta": 1000000, "sliding_window": null, "tie_word_embeddings": false,
         "torch_dtype": "bfloat16", "use_sliding_window": false, "vocab_size": 151936}
        """,
        "mistralai/Mixtral-8x7B-v0.1": """
        {"architectures": ["MixtralForCausalLM"], "hidden_act": "silu", "hidden_size": 4096, "intermediate_size": 14336,
         "max_position_embeddings": 32768, "model_type": "mixtral", "num_attention_heads": 32, "num_experts_per_tok": 2,
         "num_hidden_layers": 32, "num_key_value_heads": 8, "num_local_experts": 8, "rope_theta": 1e6,
         "sliding_window": null, "tie_word_embeddings": false, "torch_dtype": "bfloat16", "vocab_size": 32000}
        """,
        "Qwen/Qwen3-30B-A3B-Instruct-2507": """
        {"architectures": ["Qwen3MoeForCausalLM"], "attention_bias": false, "decoder_sparse_step": 1, "head_dim": 128,
         "hidden_act": "silu", "hidden_size": 2048, "intermediate_size": 6144, "max_position_embeddings": 262144,
         "mlp_only_layers": [], "model_type": "qwen3_moe", "moe_intermediate_size": 768, "num_attention_heads": 32,
         "num_experts": 128, "num_experts_per_tok": 8, "num_hidden_layers": 48, "num_key_value_heads": 4,
         "tie_word_embeddings": false, "torch_dtype": "bfloat16", "use_sliding_window": false, "vocab_size": 151936}
        """,
        "Qwen/Qwen2.5-7B-Instruct": """
        {"architectures": ["Qwen2ForCausalLM"], "hidden_act": "silu", "hidden_size": 3584, "intermediate_size": 18944,
         "max_position_embeddings": 32768, "max_window_layers": 28, "model_type": "qwen2", "num_attention_heads": 28,
         "num_hidden_layers": 28, "num_key_value_heads": 4, "sliding_window": 131072, "tie_word_embeddings": false,
         "torch_dtype": "bfloat16", "use_sliding_window": false, "vocab_size": 152064}
        """,
        "google/gemma-2-2b-it": """
        {"architectures": ["Gemma2ForCausalLM"], "head_dim": 256, "hidden_activation": "gelu_pytorch_tanh", "hidden_size": 2304,
         "intermediate_size": 9216, "max_position_embeddings": 8192, "model_type": "gemma2", "num_attention_heads": 8,
         "num_hidden_layers": 26, "num_key_value_heads": 4, "sliding_window": 4096, "torch_dtype": "float32", "vocab_size": 256000}
        """,
        "google/gemma-3-1b-it": """
        {"architectures": ["Gemma3ForCausalLM"], "head_dim": 256, "hidden_activation": "gelu_pytorch_tanh", "hidden_size": 1152,
         "intermediate_size": 6912, "max_position_embeddings": 32768, "model_type": "gemma3_text", "num_attention_heads": 4,
         "num_hidden_layers": 26, "num_key_value_heads": 1, "sliding_window": 512, "sliding_window_pattern": 6,
         "torch_dtype": "bfloat16", "vocab_size": 262144}
        """,
        "microsoft/Phi-3-mini-4k-instruct": """
        {"architectures": ["Phi3ForCausalLM"], "attention_bias": false, "hidden_act": "silu", "hidden_size": 3072,
         "intermediate_size": 8192, "max_position_embeddings": 4096, "model_type": "phi3", "num_attention_heads": 32,
         "num_hidden_layers": 32, "num_key_value_heads": 32, "rope_theta": 10000.0, "sliding_window": 2047,
         "tie_word_embeddings": false, "torch_dtype": "bfloat16", "vocab_size": 32064}
        """,
        "microsoft/phi-4": """
        {"architectures": ["Phi3ForCausalLM"], "attention_bias": false, "hidden_act": "silu", "hidden_size": 5120,
         "intermediate_size": 17920, "max_position_embeddings": 16384, "model_type": "phi3", "num_attention_heads": 40,
         "num_hidden_layers": 40, "num_key_value_heads": 10, "rope_theta": 250000, "sliding_window": null,
         "tie_word_embeddings": false, "torch_dtype": "bfloat16", "vocab_size": 100352}
        """,
        "deepseek-ai/DeepSeek-V3.1": """
        {"architectures": ["DeepseekV3ForCausalLM"], "first_k_dense_replace": 3, "hidden_act": "silu", "hidden_size": 7168,
         "intermediate_size": 18432, "kv_lora_rank": 512, "max_position_embeddings": 163840, "model_type": "deepseek_v3",
         "moe_intermediate_size": 2048, "moe_layer_freq": 1, "n_group": 8, "n_routed_experts": 256, "n_shared_experts": 1,
         "num_attention_heads": 128, "num_experts_per_tok": 8, "num_hidden_layers": 61, "num_key_value_heads": 128,
         "num_nextn_predict_layers": 1, "q_lora_rank": 1536, "qk_nope_head_dim": 128, "qk_rope_head_dim": 64,
         "quantization_config": {"activation_scheme": "dynamic", "fmt": "e4m3", "quant_method": "fp8", "weight_block_size": [128, 128]},
         "tie_word_embeddings": false, "torch_dtype": "bfloat16", "v_head_dim": 128, "vocab_size": 129280}
        """,
        "deepseek-ai/DeepSeek-V3.2": """
        {"architectures": ["DeepseekV32ForCausalLM"], "first_k_dense_replace": 3, "hidden_act": "silu", "hidden_size": 7168,
         "index_head_dim": 128, "index_n_heads": 64, "index_topk": 2048,
         "intermediate_size": 18432, "kv_lora_rank": 512, "max_position_embeddings": 163840, "model_type": "deepseek_v32",
         "moe_intermediate_size": 2048, "moe_layer_freq": 1, "n_group": 8, "n_routed_experts": 256, "n_shared_experts": 1,
         "num_attention_heads": 128, "num_experts_per_tok": 8, "num_hidden_layers": 61, "num_key_value_heads": 128,
         "num_nextn_predict_layers": 1, "q_lora_rank": 1536, "qk_nope_head_dim": 128, "qk_rope_head_dim": 64,
         "quantization_config": {"activation_scheme": "dynamic", "fmt": "e4m3", "quant_method": "fp8", "weight_block_size": [128, 128]},
         "tie_word_embeddings": false, "torch_dtype": "bfloat16", "v_head_dim": 128, "vocab_size": 129280}
        """,
        "MiniMaxAI/MiniMax-M2": """
        {"architectures": ["MiniMaxM2ForCausalLM"], "attn_type_list": \(String(repeating: "1, ", count: 62).dropLast(2).description.asJSONArray),
         "head_dim": 128, "hidden_act": "silu", "hidden_size": 3072, "intermediate_size": 1536, "max_position_embeddings": 196608,
         "mlp_intermediate_size": 8192, "model_type": "minimax_m2", "num_attention_heads": 48, "num_experts_per_tok": 8,
         "num_hidden_layers": 62, "num_key_value_heads": 8, "num_local_experts": 256,
         "quantization_config": {"activation_scheme": "dynamic", "fmt": "float8_e4m3fn", "quant_method": "fp8", "weight_block_size": [128, 128],
          "modules_to_not_convert": ["gate", "e_score_correction_bias", "lm_head"]},
         "rotary_dim": 64, "shared_intermediate_size": 0, "tie_word_embeddings": false, "use_qk_norm": true, "vocab_size": 200064}
        """,
        "moonshotai/Kimi-K2-Thinking": """
        {"architectures": ["DeepseekV3ForCausalLM"], "first_k_dense_replace": 1, "hidden_act": "silu", "hidden_size": 7168,
         "intermediate_size": 18432, "kv_lora_rank": 512, "max_position_embeddings": 262144, "model_type": "kimi_k2",
         "moe_intermediate_size": 2048, "moe_layer_freq": 1, "n_routed_experts": 384, "n_shared_experts": 1,
         "num_attention_heads": 64, "num_experts_per_tok": 8, "num_hidden_layers": 61, "num_key_value_heads": 64,
         "q_lora_rank": 1536, "qk_nope_head_dim": 128, "qk_rope_head_dim": 64, "v_head_dim": 128, "vocab_size": 163840,
         "tie_word_embeddings": false, "torch_dtype": "bfloat16",
         "quantization_config": {"quant_method": "compressed-tensors", "format": "pack-quantized",
          "config_groups": {"group_0": {"targets": ["Linear"], "input_activations": null,
           "weights": {"num_bits": 4, "type": "int", "strategy": "group", "group_size": 32, "symmetric": true}}},
          "ignore": ["lm_head", "re:.*self_attn.*", "re:.*shared_experts.*", "re:.*mlp\\\\.(gate|up|gate_up|down)_proj.*"]}}
        """,
        "zai-org/GLM-4.5-Air": """
        {"architectures": ["Glm4MoeForCausalLM"], "attention_bias": true, "first_k_dense_replace": 1, "head_dim": 128,
         "hidden_act": "silu", "hidden_size": 4096, "intermediate_size": 10944, "max_position_embeddings": 131072,
         "model_type": "glm4_moe", "moe_intermediate_size": 1408, "n_routed_experts": 128, "n_shared_experts": 1,
         "num_attention_heads": 96, "num_experts_per_tok": 8, "num_hidden_layers": 46, "num_key_value_heads": 8,
         "num_nextn_predict_layers": 1, "partial_rotary_factor": 0.5, "tie_word_embeddings": false, "torch_dtype": "bfloat16",
         "use_qk_norm": false, "vocab_size": 151552}
        """,
        "openai/gpt-oss-120b": """
        {"architectures": ["GptOssForCausalLM"], "experts_per_token": 4, "head_dim": 64, "hidden_act": "silu", "hidden_size": 2880,
         "intermediate_size": 2880, "layer_types": \(String(repeating: #""sliding_attention", "full_attention", "#, count: 18).dropLast(2).description.asJSONArray),
         "max_position_embeddings": 131072, "model_type": "gpt_oss", "num_attention_heads": 64, "num_experts_per_tok": 4,
         "num_hidden_layers": 36, "num_key_value_heads": 8, "num_local_experts": 128,
         "quantization_config": {"modules_to_not_convert": ["model.layers.*.self_attn"], "quant_method": "mxfp4"},
         "sliding_window": 128, "swiglu_limit": 7.0, "tie_word_embeddings": false, "torch_dtype": "bfloat16", "vocab_size": 201088}
        """,
        "Qwen/Qwen3-Next-80B-A3B-Instruct": """
        {"architectures": ["Qwen3NextForCausalLM"], "decoder_sparse_step": 1, "full_attention_interval": 4, "head_dim": 256,
         "hidden_act": "silu", "hidden_size": 2048, "intermediate_size": 5120, "linear_conv_kernel_dim": 4, "linear_key_head_dim": 128,
         "linear_num_key_heads": 16, "linear_num_value_heads": 32, "linear_value_head_dim": 128, "max_position_embeddings": 262144,
         "mlp_only_layers": [], "model_type": "qwen3_next", "moe_intermediate_size": 512, "norm_topk_prob": true,
         "num_attention_heads": 16, "num_experts": 512, "num_experts_per_tok": 10, "num_hidden_layers": 48, "num_key_value_heads": 2,
         "partial_rotary_factor": 0.25, "rope_theta": 10000000, "shared_expert_intermediate_size": 512, "tie_word_embeddings": false,
         "torch_dtype": "bfloat16", "vocab_size": 151936}
        """,
        "Qwen/Qwen3.5-27B": """
        {"architectures": ["Qwen3_5ForConditionalGeneration"], "model_type": "qwen3_5", "tie_word_embeddings": false,
         "text_config": {"attention_bias": false, "attn_output_gate": true, "dtype": "bfloat16", "full_attention_interval": 4,
          "head_dim": 256, "hidden_act": "silu", "hidden_size": 5120, "intermediate_size": 17408,
          "layer_types": \(qwen35LayerTypes(64)), "linear_conv_kernel_dim": 4, "linear_key_head_dim": 128,
          "linear_num_key_heads": 16, "linear_num_value_heads": 48, "linear_value_head_dim": 128, "mamba_ssm_dtype": "float32",
          "max_position_embeddings": 262144, "model_type": "qwen3_5_text", "mtp_num_hidden_layers": 1, "num_attention_heads": 24,
          "num_hidden_layers": 64, "num_key_value_heads": 4, "vocab_size": 248320},
         "vision_config": {"depth": 27, "hidden_size": 1152}}
        """,
        "Qwen/Qwen3.5-35B-A3B": """
        {"architectures": ["Qwen3_5MoeForConditionalGeneration"], "model_type": "qwen3_5_moe", "tie_word_embeddings": false,
         "text_config": {"attention_bias": false, "attn_output_gate": true, "dtype": "bfloat16", "full_attention_interval": 4,
          "head_dim": 256, "hidden_act": "silu", "hidden_size": 2048, "layer_types": \(qwen35LayerTypes(40)),
          "linear_conv_kernel_dim": 4, "linear_key_head_dim": 128, "linear_num_key_heads": 16, "linear_num_value_heads": 32,
          "linear_value_head_dim": 128, "mamba_ssm_dtype": "float32", "max_position_embeddings": 262144,
          "model_type": "qwen3_5_moe_text", "moe_intermediate_size": 512, "num_attention_heads": 16, "num_experts": 256,
          "num_experts_per_tok": 8, "num_hidden_layers": 40, "num_key_value_heads": 2, "shared_expert_intermediate_size": 512,
          "vocab_size": 248320}}
        """,
        // Qwen3-VL's text decoders are Qwen3's and Qwen3-MoE's (the vision tower is left out).
        "Qwen/Qwen3-VL-8B-Instruct": """
        {"architectures": ["Qwen3VLForConditionalGeneration"], "model_type": "qwen3_vl", "tie_word_embeddings": false,
         "text_config": {"attention_bias": false, "dtype": "bfloat16", "head_dim": 128, "hidden_act": "silu", "hidden_size": 4096,
          "intermediate_size": 12288, "max_position_embeddings": 262144, "model_type": "qwen3_vl_text", "num_attention_heads": 32,
          "num_hidden_layers": 36, "num_key_value_heads": 8, "rope_theta": 5000000, "vocab_size": 151936},
         "vision_config": {"depth": 27, "hidden_size": 1152, "model_type": "qwen3_vl"}}
        """,
        "Qwen/Qwen3-VL-30B-A3B-Instruct": """
        {"architectures": ["Qwen3VLMoeForConditionalGeneration"], "model_type": "qwen3_vl_moe", "tie_word_embeddings": false,
         "text_config": {"attention_bias": false, "decoder_sparse_step": 1, "dtype": "bfloat16", "head_dim": 128, "hidden_act": "silu",
          "hidden_size": 2048, "intermediate_size": 6144, "max_position_embeddings": 262144, "mlp_only_layers": [],
          "model_type": "qwen3_vl_moe_text", "moe_intermediate_size": 768, "num_attention_heads": 32, "num_experts": 128,
          "num_experts_per_tok": 8, "num_hidden_layers": 48, "num_key_value_heads": 4, "rope_theta": 5000000, "vocab_size": 151936}}
        """,
    ]

    /// Qwen3.5's `layer_types`: three linear-attention layers, then one full-attention layer.
    static func qwen35LayerTypes(_ layers: Int) -> String {
        String(repeating: #""linear_attention", "linear_attention", "linear_attention", "full_attention", "#, count: layers / 4)
            .dropLast(2).description.asJSONArray
    }

    static func convert(_ json: String, id: String?, quant: String? = nil) throws -> ModelArchitecture {
        let file = try HuggingFaceConfig.catalogFile(Data(json.utf8), file: "config.json", id: id, source: nil,
                                                     quantConfig: quant.map { (Data($0.utf8), "hf_quant_config.json") })
        return try #require(try ModelCatalog.load(Data(JSONWriter().write(file).utf8), file: "converted.json").models.first)
    }

    /// Each converted config describes the layers its hand-written bundled entry does: the same
    /// shapes, window, experts, biases and parameter count.
    @Test(arguments: configs.keys.sorted())
    func convertedConfigMatchesTheBundledEntry(_ id: String) throws {
        let m = try Self.convert(try #require(Self.configs[id]), id: "test/\(id)")
        let b = try ModelCatalog.bundled.model(id)
        let shape = { (a: ModelArchitecture) -> [Int] in [a.layers, a.hiddenSize, a.heads, a.kvHeads, a.headDim, a.maxPositions, a.vocabSize] }
        #expect(shape(m) == shape(b))
        #expect(m.activation == b.activation)
        #expect(m.attention.kind == b.attention.kind)
        #expect(m.tiedEmbeddings == b.tiedEmbeddings)
        #expect(m.attention.slidingWindow == b.attention.slidingWindow)
        #expect(m.windowedLayerCount == b.windowedLayerCount)
        #expect([m.qkvBias, m.outputBias] == [b.qkvBias, b.outputBias])
        #expect(m.moe == b.moe)
        #expect(m.linearAttention == b.linearAttention)
        #expect(m.attention.outputGate == b.attention.outputGate)
        #expect(m.attention.sparseIndex == b.attention.sparseIndex)
        // A quantized checkpoint's format is the entry's (an unquantized FP32 one is served in
        // FP16 by the converter, where a hand-written entry may say BF16).
        if try #require(Self.configs[id]).contains("quantization_config") {
            #expect(m.defaultPrecision == b.defaultPrecision && m.fp8WeightBlock == b.fp8WeightBlock)
            #expect(m.int4GroupSize == b.int4GroupSize && m.quantizedModules == b.quantizedModules)
        }
        #expect([m.totalParams, m.activeParams] == [b.totalParams, b.activeParams])
    }

    /// A 4-bit AWQ or GPTQ checkpoint is INT4 with its scale group; a compressed-tensors FP8
    /// checkpoint scaled in 128-wide blocks keeps its block.
    @Test func integerAndCompressedCheckpointsKeepTheirFormat() throws {
        let qwen = try #require(Self.configs["Qwen/Qwen3-8B"])
        func with(_ q: String) throws -> ModelArchitecture {
            try Self.convert(qwen.replacingOccurrences(of: "\"vocab_size\": 151936}", with: "\"vocab_size\": 151936, \"quantization_config\": \(q)}"), id: "t/q")
        }
        let awq = try with(#"{"quant_method": "awq", "bits": 4, "group_size": 128, "zero_point": true, "version": "gemm"}"#)
        #expect(awq.defaultPrecision == .int4 && awq.int4GroupSize == nil && awq.quantizedModules == .all)
        let gptq = try with(#"{"quant_method": "gptq", "bits": 4, "group_size": 32, "desc_act": false}"#)
        #expect(gptq.defaultPrecision == .int4 && gptq.int4GroupSize == 32)
        let fp8 = try with(#"{"quant_method": "compressed-tensors", "config_groups": {"g": {"weights": {"num_bits": 8, "type": "float", "strategy": "block", "block_structure": [128, 128]}}}}"#)
        #expect(fp8.defaultPrecision == .fp8 && fp8.fp8WeightBlock == 128)
        let nvfp4 = try with(#"{"quant_method": "compressed-tensors", "format": "nvfp4-pack-quantized", "config_groups": {"g": {"weights": {"num_bits": 4, "type": "float", "group_size": 16}}}}"#)
        #expect(nvfp4.defaultPrecision == .nvfp4)
    }

    /// An FP8 checkpoint keeps its format and scale block; the dtype sets the rest.
    @Test func fp8CheckpointKeepsItsBlock() throws {
        var json = try #require(Self.configs["Qwen/Qwen3-8B"])
        json = json.replacingOccurrences(of: "\"vocab_size\": 151936}",
                                         with: "\"vocab_size\": 151936, \"quantization_config\": {\"quant_method\": \"fp8\", \"weight_block_size\": [128, 128]}}")
        let m = try Self.convert(json, id: "test/qwen3-8b-fp8")
        #expect(m.defaultPrecision == .fp8 && m.fp8WeightBlock == 128)
    }

    /// What the converter cannot describe is refused with the field that says so.
    @Test func unsupportedConfigsNameTheirField() throws {
        let qwen = try #require(Self.configs["Qwen/Qwen3-8B"])
        let cases: [(String, String)] = [
            (qwen.replacingOccurrences(of: "\"model_type\": \"qwen3\"", with: "\"model_type\": \"rwkv\""), "model_type"),
            (qwen.replacingOccurrences(of: "\"use_sliding_window\": false", with: "\"use_sliding_window\": true"), "use_sliding_window"),
            (qwen.replacingOccurrences(of: "\"vocab_size\": 151936}", with: "\"vocab_size\": 151936, \"quantization_config\": {\"quant_method\": \"bitsandbytes\"}}"),
             "quantization_config.quant_method"),
            (qwen.replacingOccurrences(of: "\"vocab_size\": 151936}", with: "\"vocab_size\": 151936, \"quantization_config\": {\"quant_method\": \"gptq\", \"bits\": 8}}"),
             "quantization_config.bits"),
            (qwen.replacingOccurrences(of: "\"num_hidden_layers\": 36,", with: "\"num_hidden_layers\": -2,"), "num_hidden_layers"),
            // Named "field 'converted entry.kvHeads'", a name the config does not have.
            (qwen.replacingOccurrences(of: "\"num_key_value_heads\": 8", with: "\"num_key_value_heads\": 5"), "num_key_value_heads"),
            (qwen.replacingOccurrences(of: "\"num_key_value_heads\": 8", with: "\"num_key_value_heads\": 64"), "num_attention_heads (32)"),
            (qwen.replacingOccurrences(of: "\"num_hidden_layers\": 36,", with: "\"num_hidden_layers\": 5000000000,"), "'num_hidden_layers (the entry's layers)'"),
        ]
        for (json, field) in cases {
            do {
                _ = try Self.convert(json, id: "test/x")
                Issue.record("accepted a config with a bad \(field)")
            } catch {
                #expect("\(error)".contains("config.json") && "\(error)".contains(field), "\(error)")
            }
        }
        #expect(throws: InputError.self) { _ = try Self.convert(qwen, id: nil) }
    }

    /// A dtype the converter does not map was recorded only inside the entry's `sources`, with
    /// BF16 assumed; it is now a warning the command prints.
    @Test func unmappedDtypeIsAWarning() throws {
        let qwen = try #require(Self.configs["Qwen/Qwen3-8B"])
        let odd = try HuggingFaceConfig.conversion(Data(qwen.replacingOccurrences(of: "\"bfloat16\"", with: "\"float8\"").utf8),
                                                   file: "config.json", id: "t/x", source: nil)
        #expect(odd.warnings.count == 1 && odd.warnings[0].contains("'float8'") && odd.warnings[0].contains("bf16"), "\(odd.warnings)")
        #expect(try HuggingFaceConfig.conversion(Data(qwen.utf8), file: "config.json", id: "t/x", source: nil).warnings.isEmpty)
    }

    /// A user's catalog joins the bundled one: a fine-tune named as a variant of a bundled model
    /// costs what its base does; a new id that the bundle already holds is refused, naming the file.
    @Test func userCatalogExtendsTheBundledOne() throws {
        let user = """
        {"schemaVersion": 1, "models": [
          {"id": "acme/support-bot-8b", "variantOf": "meta-llama/Llama-3.1-8B-Instruct", "aliases": [], "source": "acme model card"}]}
        """
        let catalog = try ModelCatalog.bundled.adding(Data(user.utf8), file: "acme.json")
        #expect(catalog.models.count == ModelCatalog.bundled.models.count + 1)
        let estimator = Estimator(models: catalog)
        func joules(_ model: String) throws -> Double {
            try estimator.serve(try estimator.deployment(DeploymentRequest(model: model, gpu: "h100-sxm")),
                                ServingRequest(batch: 32, inputTokens: 500, outputTokens: 200)).energyPerOutputToken.joules
        }
        #expect(try joules("acme/support-bot-8b") == joules("meta-llama/Llama-3.1-8B-Instruct"))
        // A bundled variant (an FP8 release), named by an alias, may be a base too.
        let fp8 = #"{"schemaVersion": 1, "models": [{"id": "acme/bot-fp8", "variantOf": "qwen3-235b-a22b-instruct-2507-fp8", "aliases": [], "source": "x"}]}"#
        let m = try ModelCatalog.bundled.adding(Data(fp8.utf8), file: "acme.json").model("acme/bot-fp8")
        #expect(m.defaultPrecision == .fp8 && m.fp8WeightBlock == 128)
        let clash = user.replacingOccurrences(of: "acme/support-bot-8b", with: "llama-3.1-8b-instruct")
        do {
            _ = try ModelCatalog.bundled.adding(Data(clash.utf8), file: "acme.json")
            Issue.record("a bundled alias was overridden")
        } catch {
            #expect("\(error)".contains("acme.json") && "\(error)".contains("variantOf"), "\(error)")
        }
    }

    /// A workload may name a model of the user's catalog when it is read with that catalog.
    @Test func workloadReadsTheExtendedCatalog() throws {
        let user = #"{"schemaVersion": 1, "models": [{"id": "acme/bot", "variantOf": "Qwen/Qwen3-8B", "aliases": [], "source": "x"}]}"#
        let catalog = try ModelCatalog.bundled.adding(Data(user.utf8), file: "acme.json")
        let workload = kernelWorkload(deployment: #"{"name": "d", "model": "acme/bot", "gpu": "h100-sxm"}"#)
        #expect(throws: InputError.self) { _ = try WorkloadReader.read(Data(workload.utf8), file: "w.json", dataDirectory: nil) }
        let w = try WorkloadReader.read(Data(workload.utf8), file: "w.json", dataDirectory: nil, models: catalog)
        #expect(w.scenarios.count == 1)
    }
}

extension String {
    /// `"a", "b"` as the JSON array `["a", "b"]`.
    var asJSONArray: String { "[" + self + "]" }
}
