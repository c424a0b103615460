import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// The weight formats a config states outside config.json's shapes: ModelOpt's
/// hf_quant_config.json, compressed-tensors groups, and a null or method-less quantization_config.
extension HuggingFaceConfigTests {
    /// nvidia/Llama-3.1-70B-Instruct-FP8's config.json, cut to the keys read: it names no
    /// quantization (and a build machine's path as its name); hf_quant_config.json does.
    static let llama70BFP8 = """
    {"_name_or_path": "/opt/ckpts/Llama-3.1-70B-Instruct/", "architectures": ["LlamaForCausalLM"], "hidden_act": "silu",
     "hidden_size": 8192, "intermediate_size": 28672, "max_position_embeddings": 131072, "model_type": "llama",
     "num_attention_heads": 64, "num_hidden_layers": 80, "num_key_value_heads": 8, "tie_word_embeddings": false,
     "torch_dtype": "bfloat16", "vocab_size": 128256}
    """

    static func modelOpt(_ algo: String, kv: String = "null", excluded: String = #"["lm_head"]"#) -> String {
        #"{"producer": {"name": "modelopt", "version": "0.23.0"}, "quantization": {"quant_algo": "\#(algo)", "kv_cache_quant_algo": \#(kv), "group_size": 16, "exclude_modules": \#(excluded)}}"#
    }

    /// J per output token of `model` in `catalog` (batch 16, 1024 in, 256 out, TP over `gpus`).
    static func joules(_ model: String, _ catalog: ModelCatalog = .bundled, gpu: String, gpus: Int) throws -> Double {
        let estimator = Estimator(models: catalog)
        return try estimator.serve(try estimator.deployment(DeploymentRequest(model: model, gpu: gpu, gpus: gpus, tensorParallel: gpus)),
                                   ServingRequest(batch: 16, inputTokens: 1024, outputTokens: 256)).energyPerOutputToken.joules
    }

    /// The bundled catalog with the converted entry added.
    static func catalog(_ json: String, id: String, quant: String? = nil) throws -> ModelCatalog {
        let file = try HuggingFaceConfig.catalogFile(Data(json.utf8), file: "config.json", id: id, source: nil,
                                                     quantConfig: quant.map { (Data($0.utf8), "hf_quant_config.json") })
        return try ModelCatalog.bundled.adding(Data(JSONWriter().write(file).utf8), file: "converted.json")
    }

    /// A ModelOpt FP8 or NVFP4 checkpoint costs what its bundled entry does; read as BF16 (its
    /// config.json alone) it cost 43 % and 109 % more.
    @Test func modelOptCheckpointsMatchTheirBundledEntries() throws {
        let llama = try Self.convert(Self.llama70BFP8, id: "test/l70-fp8", quant: Self.modelOpt("FP8", kv: #""FP8""#))
        #expect(llama.defaultPrecision == .fp8 && llama.fp8WeightBlock == nil)
        let notes = llama.sources["converter"] ?? ""
        #expect(notes.contains("ModelOpt quant_algo FP8") && notes.contains("--kv-precision fp8"), "\(notes)")
        let bundledLlama = try ModelCatalog.bundled.model("nvidia/Llama-3.1-70B-Instruct-FP8")
        let withLlama = try Self.catalog(Self.llama70BFP8, id: "test/l70-fp8", quant: Self.modelOpt("FP8", kv: #""FP8""#))
        #expect(try Self.joules("test/l70-fp8", withLlama, gpu: "h100-sxm", gpus: 8) == Self.joules(bundledLlama.id, gpu: "h100-sxm", gpus: 8))

        // nvidia/DeepSeek-V3.1-NVFP4's config.json is DeepSeek-V3.1's without its FP8 quantization_config.
        let v31 = try #require(Self.configs["deepseek-ai/DeepSeek-V3.1"])
        let plain = v31.replacingOccurrences(of: #""quantization_config": {"activation_scheme": "dynamic", "fmt": "e4m3", "quant_method": "fp8", "weight_block_size": [128, 128]},"#, with: "")
        let fp4 = try Self.convert(plain, id: "test/ds-nvfp4", quant: Self.modelOpt("NVFP4"))
        #expect(fp4.defaultPrecision == .nvfp4 && fp4.quantizedModules == .all)
        let bundledFP4 = try ModelCatalog.bundled.model("nvidia/DeepSeek-R1-0528-FP4-v2")
        let withFP4 = try Self.catalog(plain, id: "test/ds-nvfp4", quant: Self.modelOpt("NVFP4"))
        #expect(try Self.joules("test/ds-nvfp4", withFP4, gpu: "b200", gpus: 8) == Self.joules(bundledFP4.id, gpu: "b200", gpus: 8))
    }

    /// A ModelOpt format the catalog does not model is refused by name, in the file that names it;
    /// a config.json quantization_config wins over the file, as in vLLM.
    @Test func modelOptFormatsOutsideTheCatalogAreRefused() throws {
        do {
            _ = try Self.convert(Self.llama70BFP8, id: "test/x", quant: Self.modelOpt("W4A8_AWQ"))
            Issue.record("accepted W4A8_AWQ")
        } catch {
            #expect("\(error)".contains("hf_quant_config.json") && "\(error)".contains("quantization.quant_algo")
                    && "\(error)".contains("W4A8_AWQ"), "\(error)")
        }
        let qwen = try #require(Self.configs["Qwen/Qwen3-8B"])
        let fp8 = qwen.replacingOccurrences(of: "\"vocab_size\": 151936}",
                                            with: "\"vocab_size\": 151936, \"quantization_config\": {\"quant_method\": \"fp8\", \"weight_block_size\": [128, 128]}}")
        #expect(try Self.convert(fp8, id: "test/x", quant: Self.modelOpt("NVFP4")).defaultPrecision == .fp8)
    }

    /// ModelOpt's newer exports state `quant_method: modelopt` in config.json; one that keeps
    /// attention and the shared experts 16-bit quantizes only the routed experts, one that keeps
    /// only attention 16-bit is counted whole, with a note.
    @Test func modelOptInConfigScopesTheExperts() throws {
        let moe = try #require(Self.configs["Qwen/Qwen3-30B-A3B-Instruct-2507"])
        func with(_ ignore: String) throws -> ModelArchitecture {
            let q = #"{"quant_method": "modelopt", "quant_algo": "NVFP4", "producer": {"name": "modelopt"}, "ignore": \#(ignore)}"#
            return try Self.convert(moe.replacingOccurrences(of: "\"vocab_size\": 151936}", with: "\"vocab_size\": 151936, \"quantization_config\": \(q)}"), id: "t/q")
        }
        let experts = try with(#"["lm_head", "model.layers.0.self_attn*", "model.layers.0.mlp.shared_expert*"]"#)
        #expect(experts.defaultPrecision == .nvfp4 && experts.quantizedModules == .experts)
        let whole = try with(#"["lm_head", "model.layers.0.self_attn*"]"#)
        #expect(whole.quantizedModules == .all && (whole.sources["converter"] ?? "").contains("attention"), "\(whole.sources)")
    }

    /// compressed-tensors groups of different formats are refused by name; one format in several
    /// groups is read.
    @Test func compressedTensorsGroupsMustAgree() throws {
        let qwen = try #require(Self.configs["Qwen/Qwen3-8B"])
        func with(_ groups: String) throws -> ModelArchitecture {
            let q = #"{"quant_method": "compressed-tensors", "config_groups": \#(groups)}"#
            return try Self.convert(qwen.replacingOccurrences(of: "\"vocab_size\": 151936}", with: "\"vocab_size\": 151936, \"quantization_config\": \(q)}"), id: "t/q")
        }
        let fp8 = #"{"targets": ["re:.*self_attn.*"], "weights": {"num_bits": 8, "type": "float", "strategy": "channel"}}"#
        let int4 = #"{"targets": ["re:.*mlp.*"], "weights": {"num_bits": 4, "type": "int", "strategy": "group", "group_size": 128}}"#
        do {
            _ = try with(#"{"group_0": \#(fp8), "group_1": \#(int4)}"#)
            Issue.record("a mixed scheme was read as its first group")
        } catch {
            #expect("\(error)".contains("group_0 8-bit float") && "\(error)".contains("group_1 4-bit int"), "\(error)")
        }
        #expect(try with(#"{"group_0": \#(int4), "group_1": \#(int4)}"#).defaultPrecision == .int4)
    }

    /// transformers reads `"quantization_config": null` as none; one without quant_method is
    /// refused saying the method is missing.
    @Test func nullOrMethodlessQuantizationConfig() throws {
        let qwen = try #require(Self.configs["Qwen/Qwen3-8B"])
        let null = qwen.replacingOccurrences(of: "\"vocab_size\": 151936}", with: "\"vocab_size\": 151936, \"quantization_config\": null}")
        #expect(try Self.convert(null, id: "t/q").defaultPrecision == .bf16)
        let methodless = qwen.replacingOccurrences(of: "\"vocab_size\": 151936}", with: "\"vocab_size\": 151936, \"quantization_config\": {\"bits\": 4}}")
        do {
            _ = try Self.convert(methodless, id: "t/q")
            Issue.record("accepted a quantization_config without quant_method")
        } catch {
            #expect("\(error)".contains("quantization_config.quant_method' has value missing"), "\(error)")
        }
    }
}
