import KernelPower

/// The checkpoint's weight format from its `quantization_config`: FP8 (with its scale block),
/// MXFP4, 4-bit integer AWQ/GPTQ, and the `compressed-tensors` schemes vLLM loads (4-bit integer,
/// FP8, INT8, NVFP4). A scheme that leaves the attention layers unquantized on a MoE model
/// (Kimi-K2-Thinking's ignore list) quantizes its routed experts only.
extension HuggingFaceConfig {
    struct Quantization {
        var precision: Precision
        var fp8Block: Int? = nil
        var int4Group: Int? = nil
        var expertsOnly = false
    }

    static let quantizationMethods = ["fp8", "mxfp4", "awq", "gptq", "compressed-tensors"]

    static func quantization(_ r: inout Reader, root: JSONValue, moe: Bool) throws -> Quantization {
        guard let q = root["quantization_config"] ?? r.config["quantization_config"] else {
            return Quantization(precision: dtypePrecision(&r, root: root))
        }
        let method = q["quant_method"].flatMap(stringValue) ?? "unknown"
        switch method {
        case "mxfp4": return Quantization(precision: .mxfp4)
        case "fp8": return Quantization(precision: .fp8, fp8Block: try fp8Block(q["weight_block_size"], r.file, "quantization_config.weight_block_size"))
        case "awq", "gptq":
            guard let bits = q["bits"].flatMap(numberValue), bits == 4 else {
                throw InputError.invalidValue(file: r.file, field: "quantization_config.bits", value: q["bits"]?.shortDescription ?? "missing",
                                              expected: "4 (other \(method) widths are not modelled)")
            }
            var out = Quantization(precision: .int4, int4Group: try int4Group(&r, q["group_size"], field: "quantization_config.group_size"))
            out.expertsOnly = try expertsOnly(&r, ignored: q["modules_to_not_convert"], moe: moe)
            return out
        case "compressed-tensors": return try compressedTensors(&r, q, moe: moe)
        default:
            throw InputError.invalidValue(file: r.file, field: "quantization_config.quant_method", value: method,
                                          expected: quantizationMethods.joined(separator: ", ")
                                              + " or no quantization_config (set defaultPrecision by hand for other formats)")
        }
    }

    /// The first config group's weight scheme: 4-bit integers (groups), 8-bit floats (FP8, blocks
    /// or channels), 8-bit integers, or 4-bit floats (NVFP4).
    static func compressedTensors(_ r: inout Reader, _ q: JSONValue, moe: Bool) throws -> Quantization {
        let field = "quantization_config.config_groups"
        guard case let .object(groups)? = q["config_groups"], let first = groups.first, let w = first.value["weights"] else {
            throw InputError.invalidValue(file: r.file, field: field, value: "missing", expected: "a config group with a weights scheme")
        }
        let bits = w["num_bits"].flatMap(numberValue), kind = w["type"].flatMap(stringValue) ?? "int"
        var out: Quantization
        switch (bits, kind) {
        case (4, "int"): out = Quantization(precision: .int4, int4Group: try int4Group(&r, w["group_size"], field: "\(field).\(first.key).weights.group_size"))
        case (8, "float"):
            let block = w["strategy"].flatMap(stringValue) == "block" ? w["block_structure"] : nil
            out = Quantization(precision: .fp8, fp8Block: try fp8Block(block, r.file, "\(field).\(first.key).weights.block_structure"))
        case (8, "int"): out = Quantization(precision: .int8)
        case (4, "float"): out = Quantization(precision: .nvfp4)
        default:
            throw InputError.invalidValue(file: r.file, field: "\(field).\(first.key).weights", value: "\(bits.map { formatNumber($0) } ?? "?")-bit \(kind)",
                                          expected: "4-bit int, 8-bit float, 8-bit int or 4-bit float weights")
        }
        r.notes.append("compressed-tensors \(formatNumber(bits ?? 0))-bit \(kind) weights read from config group \(first.key)")
        out.expertsOnly = try expertsOnly(&r, ignored: q["ignore"], moe: moe)
        return out
    }

    /// A FP8 scale block's side, nil when the weights are scaled per tensor or channel.
    static func fp8Block(_ v: JSONValue?, _ file: String, _ field: String) throws -> Int? {
        guard case let .array(block)? = v, let side = block.first.flatMap(numberValue) else { return nil }
        guard (1...65_536).contains(side), side == side.rounded() else {
            throw InputError.invalidValue(file: file, field: field, value: formatNumber(side), expected: "a block side from 1 to 65536")
        }
        return Int(side)
    }

    /// An INT4 scale group other than the 128 the `int4` precision assumes; a per-channel scale
    /// (-1, GPTQ) is counted as groups of 128, with a note.
    static func int4Group(_ r: inout Reader, _ v: JSONValue?, field: String) throws -> Int? {
        guard let g = v.flatMap(numberValue) else { r.notes.append("\(field) missing: groups of 128 assumed"); return nil }
        if g == -1 { r.notes.append("\(field) -1 (one scale per channel): counted as groups of 128"); return nil }
        guard (8...65_536).contains(g), g == g.rounded() else {
            throw InputError.invalidValue(file: r.file, field: field, value: formatNumber(g), expected: "a group of 8 to 65536 weights, or -1")
        }
        return g == 128 ? nil : Int(g)
    }

    /// Whether the unquantized modules include the attention layers: on a MoE model the routed
    /// experts then carry the format alone; on a dense one the catalog cannot say so, and a note does.
    static func expertsOnly(_ r: inout Reader, ignored: JSONValue?, moe: Bool) throws -> Bool {
        guard case let .array(items)? = ignored else { return false }
        let attention = items.compactMap(stringValue).contains { $0.contains("self_attn") || $0.contains("attn") }
        guard attention else { return false }
        if !moe { r.notes.append("the attention layers stay 16-bit in the checkpoint; counted at its quantized width") }
        return moe
    }
}
