import KernelPower

/// Qwen3-Next and Qwen3.5: three of every four layers mix tokens by Gated DeltaNet, the fourth
/// attends fully with a sigmoid gate on its output (transformers' modeling_qwen3_next and
/// modeling_qwen3_5; vLLM's qwen3_next.py and qwen3_5.py).
extension HuggingFaceConfig {
    /// The `model_type`s whose full-attention layers gate their output (`attn_output_gate`, on
    /// unless the config turns it off; Qwen3-Next's configs do not state it).
    static let gatedAttentionTypes: Set<String> = ["qwen3_next", "qwen3_5_text", "qwen3_5_moe_text"]

    /// A multimodal wrapper's text part, with the wrapper's `tie_word_embeddings` when the text
    /// part does not repeat it (Qwen3.5 keeps it at the top level; the quantization is read from
    /// the top level anyway).
    static func inheriting(_ text: JSONValue, from root: JSONValue) -> JSONValue {
        guard case var .object(pairs) = text, text["tie_word_embeddings"] == nil, let tied = root["tie_word_embeddings"] else { return text }
        pairs.append((key: "tie_word_embeddings", value: tied))
        return .object(pairs)
    }

    /// The dense FFN size. Qwen3.5's MoE configs omit `intermediate_size` (every layer is MoE), so
    /// the expert size stands in for a value nothing uses.
    static func ffnSize(_ r: inout Reader, modelType: String) throws -> Int {
        if modelType == "qwen3_5_moe_text", r.config["intermediate_size"] == nil {
            r.notes.append("intermediate_size missing: every layer is MoE, moe_intermediate_size used (unused)")
            return try r.int("moe_intermediate_size")
        }
        return try r.int("intermediate_size")
    }

    /// The Gated DeltaNet mixer: its layers are those `layer_types` calls `linear_attention`, or
    /// all but every `full_attention_interval`-th. The state's precision is the one vLLM caches:
    /// Qwen3.5's `mamba_ssm_dtype` (vLLM copies it into `mamba_ssm_cache_dtype`), else the
    /// model's 16-bit dtype (vLLM's default `auto`, as for Qwen3-Next).
    static func gatedDeltaNet(_ r: inout Reader, modelType: String, layers: Int) throws -> JSONValue? {
        guard gatedAttentionTypes.contains(modelType) else { return nil }
        let linear: Int
        if case let .array(types)? = r.config["layer_types"] {
            linear = types.filter { stringValue($0) == "linear_attention" }.count
        } else {
            linear = layers - layers / max(1, try r.int("full_attention_interval", default: 4))
        }
        let stateDType = r.config["mamba_ssm_dtype"].flatMap(stringValue)
        if stateDType == nil { r.notes.append("mamba_ssm_dtype missing: the recurrent state cached in 16-bit (vLLM's auto)") }
        r.notes.append("Gated DeltaNet prefill chunk of 64 tokens (flash-linear-attention's chunk_gated_delta_rule)")
        return .obj([
            ("layers", .num(Double(linear))),
            ("keyHeads", .num(Double(try r.int("linear_num_key_heads")))), ("valueHeads", .num(Double(try r.int("linear_num_value_heads")))),
            ("keyHeadDim", .num(Double(try r.int("linear_key_head_dim")))), ("valueHeadDim", .num(Double(try r.int("linear_value_head_dim")))),
            ("convKernel", .num(Double(try r.int("linear_conv_kernel_dim", default: 4)))), ("chunkSize", .num(64)),
            ("stateBytes", .num(stateDType == "float32" ? 4 : 2)),
        ])
    }
}
