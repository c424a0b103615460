import Foundation
import KernelPower

/// NVIDIA ModelOpt checkpoints: their format is `quant_algo`, in the `quantization` object of an
/// `hf_quant_config.json` beside config.json (nvidia/Llama-3.1-70B-Instruct-FP8, the DeepSeek
/// NVFP4 releases) or in a `quant_method: modelopt` quantization_config (newer exports), read
/// as vLLM's modelopt loader reads them (vllm/model_executor/layers/quantization/modelopt.py).
extension HuggingFaceConfig {
    /// The `quant_algo`s converted: FP8 (per-tensor scales), NVFP4 (an FP8 scale per 16 weights),
    /// W4A16_AWQ (INT4 groups, 16-bit activations, as the `int4` precision assumes).
    static let modelOptAlgorithms: [String: Precision] = ["FP8": .fp8, "NVFP4": .nvfp4, "W4A16_AWQ": .int4]

    /// An `hf_quant_config.json`: ModelOpt's `quantization` object, its errors naming that file.
    static func modelOptFile(_ r: inout Reader, _ quant: QuantFile, moe: Bool) throws -> Quantization {
        let root = try JSONParser.parse(quant.data, file: quant.file)
        let producer = root["producer"]?["name"].flatMap(stringValue)
        guard producer == nil || producer == "modelopt", let q = root["quantization"] else {
            throw InputError.invalidValue(file: quant.file, field: producer == "modelopt" ? "quantization" : "producer.name",
                                          value: producer ?? "missing", expected: "ModelOpt's quantization object (producer modelopt)")
        }
        return try modelOpt(&r, q, file: quant.file, field: "quantization", moe: moe)
    }

    static func modelOpt(_ r: inout Reader, _ q: JSONValue, file: String, field: String, moe: Bool) throws -> Quantization {
        let algo = q["quant_algo"].flatMap(stringValue)
        guard let algo, let precision = modelOptAlgorithms[algo] else {
            throw InputError.invalidValue(file: file, field: "\(field).quant_algo", value: algo ?? q["quant_algo"]?.shortDescription ?? "missing",
                                          expected: modelOptAlgorithms.keys.sorted().joined(separator: ", ")
                                              + " (other ModelOpt formats are not modelled; set defaultPrecision by hand)")
        }
        // The companion file by its name alone: an entry keeps no path of the machine it was made on.
        let source = file == r.file ? field : "\((file as NSString).lastPathComponent) \(field)"
        var out = Quantization(precision: precision)
        if precision == .int4 { out.int4Group = try int4Group(&r, q["group_size"], field: "\(source).group_size", file: file) }
        r.notes.append("ModelOpt quant_algo \(algo) (\(source)): defaultPrecision \(precision.rawValue)")
        kvCacheNote(&r, q, source: source)
        out.expertsOnly = modelOptScope(&r, excluded: q["exclude_modules"] ?? q["ignore"], precision: precision, moe: moe)
        return out
    }

    /// The KV cache's format is the deployment's (`--kv-precision`), not the model entry's: the
    /// catalog has no field for it, so an FP8-scaled cache is a note.
    static func kvCacheNote(_ r: inout Reader, _ q: JSONValue, source: String) {
        let algo = q["kv_cache_quant_algo"].flatMap(stringValue)
            ?? q["kv_cache_scheme"].flatMap { stringValue($0) ?? ($0["type"].flatMap(stringValue) == "float" && $0["num_bits"].flatMap(numberValue) == 8 ? "FP8" : nil) }
        guard let algo else { return }
        r.notes.append("\(source) KV cache \(algo): the catalog holds no KV format; estimate with --kv-precision \(algo.lowercased()) for that cache")
    }

    /// What the checkpoint leaves 16-bit. On a MoE model whose attention and shared experts both
    /// stay so (nvidia's Qwen3.5 and Kimi-K2.6 NVFP4), only the routed experts carry the format.
    /// Attention alone left out (Kimi-K2.5 NVFP4) is a few percent of a large model's weights,
    /// counted at the quantized width, as the bundled nvidia/DeepSeek-R1-0528-FP4-v2 entry does.
    static func modelOptScope(_ r: inout Reader, excluded: JSONValue?, precision: Precision, moe: Bool) -> Bool {
        guard case let .array(items)? = excluded else { return false }
        let names = items.compactMap(stringValue)
        let attention = names.filter { $0.contains("attn") }
        guard let example = attention.first else { return false }
        if moe, names.contains(where: { $0.contains("shared_expert") && !$0.hasSuffix("shared_expert_gate") }) {
            r.notes.append("exclude_modules keeps attention and the shared experts 16-bit: only the routed experts are \(precision.rawValue)")
            return true
        }
        r.notes.append("exclude_modules keeps \(attention.count) attention module pattern\(attention.count == 1 ? "" : "s") (\(example)) 16-bit: "
                       + "counted at \(precision.rawValue) like the other linear layers")
        return false
    }
}
