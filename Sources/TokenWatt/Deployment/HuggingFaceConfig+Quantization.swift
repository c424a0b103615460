import KernelPower

/// The checkpoint's weight format from its `quantization_config`: FP8 (with its scale block),
/// MXFP4, 4-bit integer AWQ/GPTQ, and the `compressed-tensors` schemes vLLM loads (4-bit integer,
/// FP8, INT8, NVFP4) and FBGEMM's row-wise FP8. A scheme that leaves the attention layers
/// unquantized on a MoE model (Kimi-K2-Thinking's ignore list) quantizes its routed experts only;
/// on a dense model, its MLPs only (Meta's FP8 Llama-3.1-405B).
extension HuggingFaceConfig {
    struct Quantization: Equatable {
        var precision: Precision
        var fp8Block: Int? = nil
        var int4Group: Int? = nil
        var expertsOnly = false
        /// A dense checkpoint whose attention stays 16-bit (`quantizedModules: mlp`), and the
        /// layers whose MLP the unquantized list names too.
        var mlpOnly = false
        var sixteenBitMLPLayers = 0
        /// The list that named those layers' MLPs (`quantization_config.modules_to_not_convert`,
        /// `.ignore`), and the MLP modules it named, for a refusal to point at.
        var unconvertedField = ""
        var sixteenBitMLPModules: [String] = []
    }

    static let quantizationMethods = ["fp8", "fbgemm_fp8", "mxfp4", "awq", "gptq", "compressed-tensors", "modelopt"]

    /// The checkpoint's format: config.json's `quantization_config` (transformers reads a null one
    /// as none), else a ModelOpt `hf_quant_config.json` beside it (vLLM reads that file only
    /// when config.json names no quantization), else the saved dtype.
    static func quantization(_ r: inout Reader, root: JSONValue, quant: QuantFile?, modelType: String, moe: Bool) throws -> Quantization {
        let inRoot = root["quantization_config"].map { $0 != .null } ?? false
        let field = inRoot ? "quantization_config" : r.field("quantization_config")
        guard let q = inRoot ? root["quantization_config"] : r.config["quantization_config"].flatMap({ $0 == .null ? nil : $0 }) else {
            if let quant { return try modelOptFile(&r, quant, moe: moe) }
            return Quantization(precision: dtypePrecision(&r, root: root, modelType: modelType))
        }
        if let quant { r.notes.append("\(quant.file) not read: config.json's quantization_config takes precedence, as in vLLM") }
        // ModelOpt's own configs may name only their producer (Qwen3-32B-FP8-Static-PerTensor).
        let producer = q["producer"]?["name"].flatMap(stringValue)
        guard let method = q["quant_method"].flatMap(stringValue) ?? (producer == "modelopt" ? "modelopt" : nil) else {
            throw InputError.invalidValue(file: r.file, field: "\(field).quant_method", value: "missing",
                                          expected: "the checkpoint's format, one of " + quantizationMethods.joined(separator: ", ")
                                              + " (without it the weights' format is unknown; set defaultPrecision by hand)")
        }
        switch method {
        case "mxfp4":
            // gpt-oss's format quantizes the routed experts only (`Deployment.checkPrecision`
            // refuses mxfp4 on a dense model): an entry written here would be refused by every command.
            guard moe else {
                throw InputError.invalidValue(file: r.file, field: "\(field).quant_method", value: method,
                                              expected: "a mixture-of-experts model for mxfp4 (the format quantizes routed experts only, as "
                                                  + "gpt-oss ships it; a dense model's MXFP4 checkpoint is not modelled: write the entry by hand)")
            }
            return Quantization(precision: .mxfp4)
        case "fp8": return Quantization(precision: .fp8, fp8Block: try fp8Block(q["weight_block_size"], r.file, "\(field).weight_block_size"))
        case "fbgemm_fp8":
            // Row-wise FP8 (FBGEMM): no scale blocks; modules_to_not_convert names what stays BF16.
            var out = Quantization(precision: .fp8)
            scope(&r, ignored: q["modules_to_not_convert"], field: "\(field).modules_to_not_convert", moe: moe, into: &out)
            return out
        case "awq", "gptq":
            guard let bits = q["bits"].flatMap(numberValue), bits == 4 else {
                throw InputError.invalidValue(file: r.file, field: "\(field).bits", value: q["bits"]?.shortDescription ?? "missing",
                                              expected: "4 (other \(method) widths are not modelled)")
            }
            var out = Quantization(precision: .int4, int4Group: try int4Group(&r, q["group_size"], field: "\(field).group_size"))
            scope(&r, ignored: q["modules_to_not_convert"], field: "\(field).modules_to_not_convert", moe: moe, into: &out)
            return out
        case "compressed-tensors": return try compressedTensors(&r, q, field: field, moe: moe)
        case "modelopt": return try modelOpt(&r, q, file: r.file, field: field, moe: moe)
        default:
            throw InputError.invalidValue(file: r.file, field: "\(field).quant_method", value: method,
                                          expected: quantizationMethods.joined(separator: ", ")
                                              + " or no quantization_config (set defaultPrecision by hand for other formats)")
        }
    }

    /// Every config group's weight scheme, which must agree: a mix (FP8 attention beside INT4
    /// experts) is not one the catalog's single precision can describe, and picking one group
    /// would depend on the file's key order.
    static func compressedTensors(_ r: inout Reader, _ q: JSONValue, field: String, moe: Bool) throws -> Quantization {
        guard case let .object(groups)? = q["config_groups"], !groups.isEmpty else {
            throw InputError.invalidValue(file: r.file, field: "\(field).config_groups", value: "missing", expected: "a config group with a weights scheme")
        }
        let schemes = try groups.map { try weightScheme(&r, $0.value, field: "\(field).config_groups.\($0.key)") }
        guard let first = schemes.first, schemes.allSatisfy({ $0.format == first.format }) else {
            let named = zip(groups, schemes).map { g, s in "\(g.key) \(s.name) (targets \(targets(g.value)))" }
            throw InputError.invalidValue(file: r.file, field: "\(field).config_groups", value: named.joined(separator: ", "),
                                          expected: "config groups of one weight format (a mix is not modelled; write the entry by hand)")
        }
        r.notes.append("compressed-tensors \(first.name) weights read from config group\(groups.count > 1 ? "s" : "") "
                       + groups.map(\.key).joined(separator: ", "))
        var out = first.format
        scope(&r, ignored: q["ignore"], field: "\(field).ignore", moe: moe, into: &out)
        return out
    }

    /// A config group's `targets` as written (`Linear`, `re:.*mlp.*`).
    static func targets(_ group: JSONValue) -> String {
        guard case let .array(items)? = group["targets"] else { return "unstated" }
        return items.compactMap(stringValue).joined(separator: " ")
    }

    /// One config group's weights: 4-bit integers (groups), 8-bit floats (FP8, blocks or
    /// channels), 8-bit integers, or 4-bit floats (NVFP4).
    static func weightScheme(_ r: inout Reader, _ group: JSONValue, field: String) throws -> (format: Quantization, name: String) {
        guard let w = group["weights"] else {
            throw InputError.invalidValue(file: r.file, field: "\(field).weights", value: "missing", expected: "a weights scheme")
        }
        let bits = w["num_bits"].flatMap(numberValue), kind = w["type"].flatMap(stringValue) ?? "int"
        let name = "\(bits.map { formatNumber($0) } ?? "?")-bit \(kind)"
        // A scheme whose `input_activations` is null quantizes the weights alone (W8A16, W4A16);
        // llm-compressor writes the key in every group, so one left out is read as unstated.
        let weightOnly = group["input_activations"] == .null
        switch (bits, kind) {
        case (4, "int"): return (Quantization(precision: .int4, int4Group: try int4Group(&r, w["group_size"], field: "\(field).weights.group_size")), name)
        case (8, "float"):
            let block = w["strategy"].flatMap(stringValue) == "block" ? w["block_structure"] : nil
            if weightOnly { r.notes.append(weightOnlyNote(field: field, name: name, precision: .fp8, native: "FP8")) }
            return (Quantization(precision: .fp8, fp8Block: try fp8Block(block, r.file, "\(field).weights.block_structure")), name)
        case (8, "int"):
            // `int8` is W8A8 on INT8 tensor cores; no precision here streams 8-bit integers into 16-bit math.
            guard !weightOnly else {
                throw InputError.invalidValue(file: r.file, field: "\(field).input_activations", value: "null (8-bit int weights only, W8A16)",
                                              expected: "quantized input activations (W8A8, which int8 prices); weight-only INT8 is not modelled "
                                                  + "(vLLM runs it through Marlin at the 16-bit rate): write the entry by hand")
            }
            return (Quantization(precision: .int8), name)
        case (4, "float"):
            if weightOnly { r.notes.append(weightOnlyNote(field: field, name: name, precision: .nvfp4, native: "FP4")) }
            return (Quantization(precision: .nvfp4), name)
        default:
            throw InputError.invalidValue(file: r.file, field: "\(field).weights", value: name,
                                          expected: "4-bit int, 8-bit float, 8-bit int or 4-bit float weights")
        }
    }

    /// What a weight-only float scheme is priced as: the precision computes natively where the
    /// GPU has the tensor cores, dequantized to 16 bits (as the checkpoint runs) elsewhere.
    static func weightOnlyNote(field: String, name: String, precision: Precision, native: String) -> String {
        "\(field) \(name) weights with input_activations null (weight-only; vLLM runs it through Marlin at the 16-bit rate): "
            + "read as \(precision.rawValue), which is dequantized to 16 bits on GPUs without \(native) tensor cores but computed "
            + "natively, activations quantized, on GPUs with them (prefill priced faster than this checkpoint runs there)"
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
    static func int4Group(_ r: inout Reader, _ v: JSONValue?, field: String, file: String? = nil) throws -> Int? {
        guard let g = v.flatMap(numberValue) else { r.notes.append("\(field) missing: groups of 128 assumed"); return nil }
        if g == -1 { r.notes.append("\(field) -1 (one scale per channel): counted as groups of 128"); return nil }
        guard (8...65_536).contains(g), g == g.rounded() else {
            throw InputError.invalidValue(file: file ?? r.file, field: field, value: formatNumber(g), expected: "a group of 8 to 65536 weights, or -1")
        }
        return g == 128 ? nil : Int(g)
    }

    /// Which weights the format covers, from the modules it leaves unquantized. Attention among
    /// them: on a MoE model the routed experts carry the format alone (`experts`); on a dense one
    /// its MLPs do (`mlp`), and a layer whose MLP the list names too keeps it 16-bit (Meta's FP8
    /// Llama-3.1-405B lists every q/k/v/o projection and the MLPs of layers 0 and 125; it had been
    /// counted all FP8, 410 GB where the checkpoint holds 487 GB).
    static func scope(_ r: inout Reader, ignored: JSONValue?, field: String, moe: Bool, into out: inout Quantization) {
        guard case let .array(items)? = ignored else { return }
        let names = items.compactMap(stringValue)
        guard names.contains(where: { $0.contains("self_attn") || $0.contains("attn") }) else { return }
        guard !moe else { out.expertsOnly = true; return }
        out.mlpOnly = true
        out.sixteenBitMLPLayers = Set(names.compactMap(mlpLayer)).count
        out.unconvertedField = field
        out.sixteenBitMLPModules = names.filter { mlpLayer($0) != nil }
        r.notes.append("the attention projections stay 16-bit in the checkpoint (quantizedModules mlp)"
                       + (out.sixteenBitMLPLayers > 0 ? ", and the MLPs of \(out.sixteenBitMLPLayers) layers it names" : ""))
    }

    /// The layer of a module name such as `model.layers.125.mlp.down_proj`, nil for another module.
    static func mlpLayer(_ name: String) -> Int? {
        let parts = name.split(separator: ".")
        guard let i = parts.firstIndex(of: "layers"), i + 2 < parts.count, parts[i + 2] == "mlp" else { return nil }
        return Int(parts[i + 1])
    }

    /// The entry's weight-format fields: `defaultPrecision`, the FP8 block or INT4 group, and
    /// what the format covers (`quantizedModules`, `sixteenBitMLPLayers`).
    static func precisionFields(_ q: Quantization, r: Reader, layers: Int, attention: JSONValue,
                                linearAttention: Bool) throws -> [(String, JSONValue)] {
        var pairs: [(String, JSONValue)] = [("defaultPrecision", .str(q.precision.rawValue))]
        if let block = q.fp8Block { pairs.append(("fp8WeightBlock", .num(Double(block)))) }
        if let group = q.int4Group { pairs.append(("int4GroupSize", .num(Double(group)))) }
        if q.expertsOnly { pairs.append(("quantizedModules", .str("experts"))) }
        if q.mlpOnly {
            pairs.append(("quantizedModules", .str("mlp")))
            if q.sixteenBitMLPLayers > 0 {
                try checkSixteenBitMLPs(q, r: r, layers: layers, attention: attention, linearAttention: linearAttention)
                pairs.append(("sixteenBitMLPLayers", .num(Double(q.sixteenBitMLPLayers))))
            }
        }
        return pairs
    }

    /// Refuses MLP modules in the unquantized list that the catalog cannot hold as
    /// `sixteenBitMLPLayers`, naming the list: a layer the model does not have, or any layer of
    /// a stack whose layers differ (windowed or Gated DeltaNet layers), where the reader
    /// models no 16-bit MLP layers (`ModelArchitectureReader.readQuantizedModules`). The
    /// converter had written such an entry and then refused it as "converted entry.
    /// sixteenBitMLPLayers", a field of no file the user has.
    static func checkSixteenBitMLPs(_ q: Quantization, r: Reader, layers: Int, attention: JSONValue,
                                    linearAttention: Bool) throws {
        let modules = q.sixteenBitMLPModules
        if let outside = modules.first(where: { (mlpLayer($0) ?? 0) >= layers }) {
            throw InputError.invalidValue(file: r.file, field: q.unconvertedField, value: outside,
                                          expected: "modules of layers 0 to \(layers - 1) (\(r.field("num_hidden_layers")) \(layers))")
        }
        // The key that made the layers differ: the window, or the layers Gated DeltaNet takes.
        let linearKey = r.config["layer_types"] == nil ? "full_attention_interval" : "layer_types"
        let kinds = (attention["slidingWindow"] == nil ? [] : ["sliding-window attention layers (\(r.field("sliding_window")))"])
            + (linearAttention ? ["Gated DeltaNet linear-attention layers (\(r.field(linearKey)))"] : [])
        guard !kinds.isEmpty else { return }
        let shown = modules.prefix(3).joined(separator: ", ") + (modules.count > 3 ? ", … (\(modules.count) MLP modules)" : "")
        throw InputError.invalidValue(file: r.file, field: q.unconvertedField, value: shown,
                                      expected: "no MLP modules of single layers: the model has " + kinds.joined(separator: " and ")
                                          + ", and a 16-bit MLP in some layers is modelled only where every layer is alike "
                                          + "(sixteenBitMLPLayers); drop them from the list to count those MLPs at \(q.precision.rawValue), "
                                          + "or write the entry by hand")
    }
}
