import KernelPower

/// The attention block of a converted entry: its kind (MHA, GQA, MQA, DeepSeek's latent
/// attention) and the sliding window of the families that have one.
extension HuggingFaceConfig {
    /// The families with multi-head latent attention (DeepSeek-V3's, which Kimi K2 and DeepSeek-V3.2 share).
    static let latentAttentionTypes: Set<String> = ["deepseek_v3", "kimi_k2", "deepseek_v32"]

    /// Attention kind and sliding window: Mistral's window on every layer; Gemma 2 alternates
    /// local and global layers; Gemma 3 has one global layer in `sliding_window_pattern` (or the
    /// layers `layer_types` calls sliding). Qwen's optional window is not converted.
    static func attention(_ r: inout Reader, modelType: String, layers: Int, heads: Int, kvHeads: Int) throws -> JSONValue {
        if latentAttentionTypes.contains(modelType) { return try latentAttention(&r, sparse: modelType == "deepseek_v32") }
        let kind = kvHeads == heads ? "mha" : kvHeads == 1 ? "mqa" : "gqa"
        var pairs: [(String, JSONValue)] = [("kind", .str(kind))]
        if modelType.hasPrefix("qwen"), try r.bool("use_sliding_window", default: false) {
            throw InputError.invalidValue(file: r.file, field: r.field("use_sliding_window"), value: "true",
                                          expected: "false (Qwen's per-layer window is not converted; write attention.slidingWindowLayers by hand)")
        }
        if gatedAttentionTypes.contains(modelType), try r.bool("attn_output_gate", default: true) { pairs.append(("outputGate", .bool(true))) }
        guard !modelType.hasPrefix("qwen"), let window = try slidingWindow(&r) else { return .obj(pairs) }
        let windowed: Int
        if case let .array(types)? = r.config["layer_types"] {
            windowed = types.filter { stringValue($0) == "sliding_attention" }.count
        } else {
            switch modelType {
            case "gemma2", "gpt_oss": windowed = layers / 2
            case "gemma3_text": windowed = layers - layers / max(1, try r.int("sliding_window_pattern", default: 6))
            default: windowed = layers
            }
        }
        pairs += [("slidingWindow", .num(Double(window))), ("slidingWindowLayers", .num(Double(windowed)))]
        return .obj(pairs)
    }

    /// The window config.json states. An absent key is the family's transformers default (Gemma 2
    /// and 3, Mistral: 4096) where it has one, while an explicit null means no window.
    static func slidingWindow(_ r: inout Reader) throws -> Int? {
        switch r.config["sliding_window"] {
        case nil: return r.defaults?.values["sliding_window"] == nil ? nil : try r.int("sliding_window")
        case .null?: return nil
        case let v?: return numberValue(v) == nil ? nil : try r.int("sliding_window")
        }
    }

    /// DeepSeek-V3's multi-head latent attention (Kimi K2 shares the architecture), with
    /// DeepSeek-V3.2's lightning indexer (`index_n_heads`, `index_head_dim`, `index_topk`).
    static func latentAttention(_ r: inout Reader, sparse: Bool) throws -> JSONValue {
        var pairs: [(String, JSONValue)] = [("kind", .str("mla"))]
        // V2-Lite-style configs project queries directly (q_lora_rank null).
        if let q = r.config["q_lora_rank"], q != .null { pairs.append(("qLoraRank", .num(Double(try r.int("q_lora_rank"))))) }
        for (key, field) in [("kv_lora_rank", "kvLoraRank"), ("qk_nope_head_dim", "qkNopeHeadDim"), ("qk_rope_head_dim", "qkRopeHeadDim"),
                             ("v_head_dim", "vHeadDim")] {
            pairs.append((field, .num(Double(try r.int(key)))))
        }
        if sparse {
            pairs.append(("sparseIndex", .obj([("heads", .num(Double(try r.int("index_n_heads")))),
                                               ("headDim", .num(Double(try r.int("index_head_dim")))),
                                               ("topK", .num(Double(try r.int("index_topk"))))])))
        }
        return .obj(pairs)
    }
}
