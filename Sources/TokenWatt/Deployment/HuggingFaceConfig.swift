import Foundation
import KernelPower

/// Turns a Hugging Face `config.json` into an entry of the model catalog's schema
/// (`tokenwatt models --from-hf`), so that a model the bundled catalog lacks can be estimated
/// from its own published shapes (`--model-catalog FILE`). Only the transformer families whose
/// layers the planner already models are converted; anything the config does not state is taken
/// from the family's `transformers` defaults and named in the entry's `sources`, so the reader
/// can check it. The entry is validated by the catalog's own reader before it is returned.
public enum HuggingFaceConfig {
    /// The `model_type`s converted, and the family name each entry gets.
    public static let supported: [String: String] = [
        "llama": "llama", "mistral": "mistral", "mixtral": "mixtral", "qwen2": "qwen2", "qwen2_moe": "qwen2-moe",
        "qwen3": "qwen3", "qwen3_moe": "qwen3-moe", "gemma2": "gemma-2", "gemma3_text": "gemma-3",
        "deepseek_v3": "deepseek-v3", "kimi_k2": "deepseek-v3", "deepseek_v32": "deepseek-v3.2", "glm4_moe": "glm-4.5", "gpt_oss": "gpt-oss",
        "phi3": "phi-3", "minimax_m2": "minimax-m2", "qwen3_next": "qwen3-next", "qwen3_5_text": "qwen3.5", "qwen3_5_moe_text": "qwen3.5-moe",
    ]

    /// A one-model catalog file (`{"schemaVersion": 1, "models": [entry]}`) for `config`.
    /// `id` names the entry (default: the config's `_name_or_path`); `source` says where the
    /// config was published (default: the file it was read from).
    public static func catalogFile(_ data: Data, file: String, id: String?, source: String?, quantConfig: QuantFile? = nil) throws -> JSONValue {
        try conversion(data, file: file, id: id, source: source, quantConfig: quantConfig).file
    }

    /// A ModelOpt checkpoint's `hf_quant_config.json`, read beside its config.json.
    public typealias QuantFile = (data: Data, file: String)

    /// `catalogFile`, with the assumptions the user should see before using the entry (a dtype
    /// the converter does not map), which are otherwise only in the entry's `sources`.
    public static func conversion(_ data: Data, file: String, id: String?, source: String?,
                                  quantConfig: QuantFile? = nil) throws -> (file: JSONValue, warnings: [String]) {
        var warnings: [String] = []
        let root = try JSONParser.parse(data, file: file)
        let entry = try catalogEntry(root, file: file, id: id, source: source, quant: quantConfig, warnings: &warnings)
        do {
            _ = try ModelArchitectureReader.read(entry, file: file, path: convertedPath)
        } catch let InputError.invalidValue(f, field, value, expected) where field.hasPrefix(convertedPath + ".") {
            // The entry's own field names ("converted entry.layers") are not in the user's file.
            let own = String(field.dropFirst(convertedPath.count + 1))
            let prefix = isWrapper(root) ? "text_config." : ""
            throw InputError.invalidValue(file: f, field: configKeys[own].map { "\(prefix)\($0) (the entry's \(own))" } ?? field, value: value, expected: expected)
        }
        return (.obj([("schemaVersion", .num(1)), ("models", .array([entry]))]), warnings)
    }

    static let convertedPath = "converted entry"

    /// The config key each simple entry field comes from.
    static let configKeys = ["layers": "num_hidden_layers", "hiddenSize": "hidden_size", "heads": "num_attention_heads",
                             "kvHeads": "num_key_value_heads", "headDim": "head_dim", "ffnSize": "intermediate_size",
                             "maxPositions": "max_position_embeddings", "vocabSize": "vocab_size"]

    static func catalogEntry(_ root: JSONValue, file: String, id: String?, source: String?, quant: QuantFile? = nil,
                             warnings: inout [String]) throws -> JSONValue {
        // Multimodal wrappers (Gemma 3 4B and up) keep the language model's shape in text_config.
        let nested = isWrapper(root)
        var r = Reader(config: nested ? inheriting(root["text_config"]!, from: root) : root, file: file, notes: [],
                       parent: nested ? "text_config" : "")
        let modelType = try resolvedModelType(&r, root: root)
        guard let family = supported[modelType] else { throw unsupportedType(r, root: root) }
        r.defaults = familyDefaults[modelType]
        if nested { r.notes.append("only the language decoder (text_config) is described; the rest of the \(root["model_type"].flatMap(stringValue) ?? "wrapper") model is not modelled") }
        let name = try entryID(root, id: id, file: file)
        let layers = try r.int("num_hidden_layers")
        let heads = try r.int("num_attention_heads")
        let kvHeads = try r.int("num_key_value_heads", default: heads)
        // Grouped-query attention shares each KV head among a whole number of query heads.
        guard kvHeads <= heads, heads % kvHeads == 0 else {
            throw InputError.invalidValue(file: file, field: r.field("num_key_value_heads"), value: String(kvHeads),
                                          expected: "a divisor of num_attention_heads (\(heads))")
        }
        var pairs: [(String, JSONValue)] = [("id", .str(name)), ("aliases", .array([])), ("family", .str(family)), ("kind", .str("decoder"))]
        pairs += try shape(&r, modelType: modelType, layers: layers, heads: heads, kvHeads: kvHeads)
        pairs += try biases(&r, modelType: modelType)
        let attn = try attention(&r, modelType: modelType, layers: layers, heads: heads, kvHeads: kvHeads)
        pairs.append(("attention", attn))
        if let moe = try moe(&r, modelType: modelType) { pairs.append(("moe", moe)) }
        let linear = try gatedDeltaNet(&r, modelType: modelType, layers: layers)
        if let linear { pairs.append(("linearAttention", linear)) }
        let q = try quantization(&r, root: root, quant: quant, modelType: modelType, moe: pairs.contains { $0.0 == "moe" })
        warnings += r.warnings
        pairs += try precisionFields(q, r: r, layers: layers, attention: attn, linearAttention: linear != nil)
        pairs.append(("source", .str(source ?? "\(file) (Hugging Face config.json, converted by tokenwatt models --from-hf)")))
        pairs.append(("sources", .obj(r.notes.isEmpty ? [] : [("converter", .str(r.notes.joined(separator: "; ")))])))
        return .obj(pairs)
    }

    /// Whether the language model's shape sits in `text_config` (multimodal wrappers).
    static func isWrapper(_ root: JSONValue) -> Bool { root["num_hidden_layers"] == nil && root["text_config"] != nil }

    /// Types converted as another family: a wrapper, or its text part, whose language decoder is
    /// that family's layer for layer. Qwen3-VL's text decoder is Qwen3's (or Qwen3-MoE's) with
    /// interleaved M-RoPE, which changes no shape (transformers' modeling_qwen3_vl, _moe).
    public static let convertedAs = ["gemma3": "gemma3_text", "qwen3_vl": "qwen3", "qwen3_vl_text": "qwen3",
                                     "qwen3_vl_moe": "qwen3_moe", "qwen3_vl_moe_text": "qwen3_moe"]

    /// Wrappers whose language decoder is read from `text_config`, by that part's own
    /// `model_type` (a supported one): Qwen3.5's. `isWrapper` accepts any such wrapper; these are
    /// the ones named in the lists of accepted types (the refusal's list had left out `qwen3_5`,
    /// which converts, 2026-12-07 probe).
    public static let textConfigWrappers = ["qwen3_5": "qwen3_5_text", "qwen3_5_moe": "qwen3_5_moe_text"]

    /// Every `model_type` a config.json may have at its top to be converted, for the lists the
    /// refusal and `models --from-hf`'s help print.
    public static var acceptedTypes: [String] {
        Set(supported.keys).union(convertedAs.keys).union(textConfigWrappers.keys).sorted()
    }

    /// The config's `model_type` as converted; a text part without one (MiniMax-M3-VL's) is named
    /// by its wrapper's.
    static func resolvedModelType(_ r: inout Reader, root: JSONValue) throws -> String {
        guard let type = r.config["model_type"].flatMap(stringValue) ?? root["model_type"].flatMap(stringValue) else {
            throw InputError.invalidValue(file: r.file, field: r.field("model_type"), value: "missing", expected: "a string")
        }
        return convertedAs[type] ?? type
    }

    /// The refusal of a family the converter does not describe, naming the file's own
    /// `model_type` when the text part's differs (`llama4_text` inside `llama4`).
    static func unsupportedType(_ r: Reader, root: JSONValue) -> InputError {
        let own = r.config["model_type"].flatMap(stringValue), top = root["model_type"].flatMap(stringValue)
        var value = own ?? top ?? "missing"
        if let own, let top, own != top { value += " (the file's model_type is \(top))" }
        if own == nil, !r.parent.isEmpty { value += " (\(r.parent) has no model_type)" }
        return InputError.invalidValue(file: r.file, field: own == nil ? "model_type" : r.field("model_type"), value: value,
                                       expected: "one of " + acceptedTypes.joined(separator: ", ")
                                           + " (other families need a hand-written catalog entry; see models.json)")
    }

    /// The entry's id: `--id`, else `_name_or_path` when it is a Hub id (`org/name`); a local path
    /// (`/opt/ckpts/Llama-3.1-70B/`) names the machine the checkpoint was saved on, not the model.
    /// An id the bundled catalog holds is refused here, saying what to do instead.
    static func entryID(_ root: JSONValue, id: String?, file: String) throws -> String {
        let named = root["_name_or_path"].flatMap(stringValue)
        guard let name = id ?? named.flatMap(hubID), !name.isEmpty else {
            throw InputError.invalidValue(file: file, field: "_name_or_path", value: named.map { "'\($0)'" } ?? "missing",
                                          expected: "a Hugging Face id such as org/name (pass --id ID to name the entry)")
        }
        if let bundled = try? ModelCatalog.bundled.model(name) {
            throw InputError.invalidValue(file: file, field: id == nil ? "_name_or_path" : "--id", value: name,
                                          expected: "an id the bundled catalog does not hold: \(bundled.id) is bundled already (tokenwatt models "
                                              + "--match '\(name)'); pass --id ID to convert this config under a new id, or name \(bundled.id) in variantOf")
        }
        return name
    }

    /// `s` when it reads as a Hub id: two non-empty parts of letters, digits, `-`, `_` and `.`.
    static func hubID(_ s: String) -> String? {
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        let valid = parts.count == 2 && parts.allSatisfy { p in
            !p.isEmpty && !p.hasPrefix(".") && p.allSatisfy { $0.isLetter || $0.isNumber || "-_.".contains($0) }
        }
        return valid ? s : nil
    }

    /// Sizes, activation and embeddings: every family here is a pre-norm RMSNorm, RoPE, gated-FFN
    /// decoder.
    static func shape(_ r: inout Reader, modelType: String, layers: Int, heads: Int, kvHeads: Int) throws -> [(String, JSONValue)] {
        let hidden = try r.int("hidden_size")
        let gemma = modelType.hasPrefix("gemma")
        return [
            ("layers", .num(Double(layers))), ("hiddenSize", .num(Double(hidden))), ("heads", .num(Double(heads))),
            ("kvHeads", .num(Double(kvHeads))),
            ("headDim", .num(Double(try headDim(&r, modelType: modelType, hidden: hidden, heads: heads)))),
            ("ffnSize", .num(Double(try ffnSize(&r, modelType: modelType)))), ("ffnGated", .bool(true)),
            ("activation", .str(modelType == "gpt_oss" ? "swiglu-oai" : try activation(&r, gemma: gemma))),
            ("norm", .str("rmsnorm")), ("positional", .str("rope")),
            ("maxPositions", .num(Double(try r.int("max_position_embeddings")))), ("vocabSize", .num(Double(try r.int("vocab_size")))),
            ("tiedEmbeddings", .bool(try r.bool("tie_word_embeddings", default: gemma))),
        ]
    }

    /// Qwen2's and GLM-4.5's attention have q/k/v biases and no output bias (modeling_qwen2,
    /// modeling_glm4_moe); gpt-oss biases every projection; the others put `attention_bias` on
    /// all four projections and `mlp_bias` on the FFN.
    static func biases(_ r: inout Reader, modelType: String) throws -> [(String, JSONValue)] {
        let gptOSS = modelType == "gpt_oss"
        // Qwen2's q/k/v biases are part of its layers; its config's attention_bias is not read.
        if modelType.hasPrefix("qwen2") { r.notes.append("qkvBias true: Qwen2's q/k/v projections always carry biases (modeling_qwen2); attention_bias not read") }
        let attentionBias = modelType.hasPrefix("qwen2") ? false : try r.bool("attention_bias", default: false)
        let mlpBias = try r.bool("mlp_bias", default: false)
        let qkvOnly = modelType.hasPrefix("qwen2") || (modelType == "glm4_moe" && attentionBias)
        let all = gptOSS || (!qkvOnly && attentionBias)
        return [("qkvBias", .bool(qkvOnly || all)), ("outputBias", .bool(all)), ("mlpBias", .bool(gptOSS || mlpBias))]
    }

    /// The families whose transformers config derives a missing `head_dim` as hidden ÷ heads.
    static let derivedHeadDimTypes: Set<String> = ["llama", "mistral", "mixtral", "qwen2", "qwen2_moe", "phi3"]

    /// Query/key head size: MLA's no-rope and rope parts together, else `head_dim`. A missing one
    /// is the family's default (Gemma 256, Qwen3 128: `familyDefaults`), or hidden ÷ heads where
    /// transformers derives it so; other families must state it.
    static func headDim(_ r: inout Reader, modelType: String, hidden: Int, heads: Int) throws -> Int {
        if latentAttentionTypes.contains(modelType) { return try r.int("qk_nope_head_dim") + r.int("qk_rope_head_dim") }
        return try r.int("head_dim", default: derivedHeadDimTypes.contains(modelType) ? hidden / max(1, heads) : nil)
    }

    /// What transformers' config class sets for a key config.json leaves out, where that is not
    /// what the converter assumes otherwise (hidden ÷ heads, no window): Gemma2Config and
    /// Gemma3TextConfig (head_dim 256, sliding_window 4096, their vocabulary and context),
    /// Qwen3Config (head_dim 128), MistralConfig (sliding_window 4096).
    static let familyDefaults: [String: Reader.Defaults] = [
        "gemma2": .init(configClass: "Gemma2Config", values: ["head_dim": 256, "sliding_window": 4096, "vocab_size": 256_000,
                                                               "max_position_embeddings": 8192]),
        "gemma3_text": .init(configClass: "Gemma3TextConfig", values: ["head_dim": 256, "sliding_window": 4096, "vocab_size": 262_208,
                                                                       "max_position_embeddings": 131_072]),
        "qwen3": .init(configClass: "Qwen3Config", values: ["head_dim": 128]),
        "mistral": .init(configClass: "MistralConfig", values: ["sliding_window": 4096]),
    ]

    static func activation(_ r: inout Reader, gemma: Bool) throws -> String {
        let key = r.config["hidden_activation"] != nil ? "hidden_activation" : "hidden_act"
        let act = try r.string(key, default: gemma ? "gelu_pytorch_tanh" : "silu")
        switch act {
        case "silu", "swish": return "silu"
        case "gelu_pytorch_tanh", "gelu_new", "gelu_fast": return "gelu-tanh"
        case "gelu": return "gelu"
        case "relu": return "relu"
        default:
            throw InputError.invalidValue(file: r.file, field: r.field(key), value: act, expected: "silu, gelu, gelu_pytorch_tanh, gelu_new or relu")
        }
    }

    static func moe(_ r: inout Reader, modelType: String) throws -> JSONValue? {
        switch modelType {
        case "deepseek_v3", "kimi_k2", "deepseek_v32", "glm4_moe":
            let expert = try r.int("moe_intermediate_size")
            let shared = try r.count("n_shared_experts", default: 0)
            let dense = try r.count("first_k_dense_replace", default: 0)
            return .obj([("experts", .num(Double(try r.int("n_routed_experts")))),
                         ("expertsPerToken", .num(Double(try r.int("num_experts_per_tok")))),
                         ("sharedExperts", .num(Double(shared))), ("expertFfnSize", .num(Double(expert))),
                         ("sharedExpertFfnSize", .num(Double(shared > 0 ? expert : 0))), ("denseLayers", .num(Double(dense))),
                         ("layerInterval", .num(Double(try r.int("moe_layer_freq", default: 1))))])
        case "mixtral", "gpt_oss", "minimax_m2":
            // Every layer is MoE and intermediate_size is the expert's; gpt-oss may name top-k experts_per_token.
            let perToken = modelType == "gpt_oss" && r.config["num_experts_per_tok"] == nil ? "experts_per_token" : "num_experts_per_tok"
            return .obj([("experts", .num(Double(try r.int("num_local_experts")))),
                         ("expertsPerToken", .num(Double(try r.int(perToken)))),
                         ("expertFfnSize", .num(Double(try r.int("intermediate_size"))))])
        case "qwen2_moe", "qwen3_moe", "qwen3_next", "qwen3_5_moe_text":
            var pairs: [(String, JSONValue)] = [
                ("experts", .num(Double(try r.int("num_experts")))), ("expertsPerToken", .num(Double(try r.int("num_experts_per_tok")))),
                ("expertFfnSize", .num(Double(try r.int("moe_intermediate_size")))),
                ("layerInterval", .num(Double(try r.int("decoder_sparse_step", default: 1)))),
            ]
            if case let .array(dense)? = r.config["mlp_only_layers"], !dense.isEmpty {
                pairs.append(("denseLayers", .num(Double(dense.count))))
                r.notes.append("mlp_only_layers \(dense.count) dense layers counted as the first ones")
            }
            if modelType != "qwen3_moe" {
                pairs += [("sharedExperts", .num(1)), ("sharedExpertFfnSize", .num(Double(try r.int("shared_expert_intermediate_size"))))]
            }
            return .obj(pairs)
        default:
            return nil
        }
    }

    /// The model types vLLM will not run in FP16 (`_FLOAT16_NOT_SUPPORTED_MODELS`, vllm/config/model.py).
    static let float16Unsupported: Set<String> = ["gemma2", "gemma3_text"]

    /// The weights' precision when the checkpoint is not quantized: the dtype it was saved in
    /// (FP32 ones as vLLM serves them).
    static func dtypePrecision(_ r: inout Reader, root: JSONValue, modelType: String) -> Precision {
        let key = root["torch_dtype"] != nil ? "torch_dtype" : "dtype"
        let dtype = root[key].flatMap(stringValue) ?? r.config[key].flatMap(stringValue)
        switch dtype {
        case "bfloat16": return .bf16
        case "float16": return .fp16
        case "float32":
            // vLLM's `--dtype auto` downcasts FP32 to the GPU's first supported type that the model
            // allows (_resolve_auto_dtype; CUDA lists bf16 first from Ampere on, fp16 before).
            if float16Unsupported.contains(modelType) {
                r.notes.append("\(key) float32: served in bf16, as vLLM's --dtype auto does for \(modelType), which it never runs in fp16 "
                               + "(_FLOAT16_NOT_SUPPORTED_MODELS; fp32 on GPUs without bf16)")
                return .bf16
            }
            r.notes.append("\(key) float32: counted as fp16; vLLM's --dtype auto serves it in bf16 from Ampere on and in fp16 on older GPUs")
            return .fp16
        default:
            r.notes.append("\(key) \(dtype ?? "missing"): defaultPrecision bf16 assumed")
            r.warnings.append("\(r.file): \(key) \(dtype.map { "'\($0)' is not one the converter maps (bfloat16, float16, float32)" } ?? "is missing"); "
                              + "the entry assumes bf16 weights (defaultPrecision); edit it, or pass --precision, if the checkpoint is otherwise")
            return .bf16
        }
    }
}
