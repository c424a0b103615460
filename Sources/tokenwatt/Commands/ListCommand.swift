import Foundation
import KernelPower
import TokenWatt

/// `tokenwatt gpus` and `tokenwatt models`: the catalogs, with the sources of their numbers in
/// the JSON form (`regions` and `facilities`, the emissions catalogs, are in ListCommand+Emissions).
enum ListCommand {
    static let gpuUsage = """
    tokenwatt gpus [--match TEXT] [--gpu-catalog FILE] [--format text|json|csv]
      Columns: memory_gb in GB (1e9 bytes), bandwidth_gbps in GB/s (gigabytes, not gigabits, a second), tdp_w
      and idle_w_at_boost in W, bf16_tflops, fp8_tflops, fp4_tflops, int8_tops and fp16_tflops the dense tensor peaks
      (empty in CSV where the GPU has none; the text shows the FP16 peak, labelled, where there is no BF16),
      link_gbps the GPU-to-GPU link in GB/s (both directions, per GPU) and topology how a node's GPUs reach it:
      switched (every peer at the full rate), mesh (a group of p GPUs uses p - 1 of the links) or bridged pairs
      (beyond its pair a GPU crosses the bus at the rate given).
      This is a listing, not a catalog: its JSON names differ from the catalog's and leave out the idle
      curve; each GPU's JSON holds its source and its per-field sources. A --gpu-catalog
      entry follows docs/catalog-schema.md; the bundled Sources/KernelPower/Resources/gpus.json is a
      template to copy an entry from.
    """
    // The converter's model types come from its own table, so the usage cannot fall behind it.
    static let modelUsage = """
    tokenwatt models [--match TEXT] [--model-catalog FILE] [--format text|json|csv]
    tokenwatt models --from-hf CONFIG.json|MODEL_DIR [--id ID] [--source URL] [--model-catalog FILE]
      --match TEXT keeps the models whose id, alias, family or architecture (mha, gqa, mqa, mla, moe, mamba2,
      gated-deltanet, sparse, block-sparse, window) contains it.
      \(ModelArchitecture.parameterCountsNote).
      --from-hf writes a catalog file for a Hugging Face config.json (model_type \(HuggingFaceConfig.acceptedTypes.joined(separator: ", "))):
      A MODEL_DIR's (or CONFIG.json's folder's) hf_quant_config.json, ModelOpt's format, is read too.
      check it, save it, and pass it to any command as --model-catalog FILE (or set TOKENWATT_MODEL_CATALOG).
      A catalog file's variants may name a bundled model in variantOf. With --model-catalog FILE (or
      TOKENWATT_MODEL_CATALOG) the entry is checked against that catalog too, which it is to join: an id or alias
      the file already holds is refused (pass --id ID).
    """

    /// `--match TEXT`: the entries whose names contain it; none is an error naming the closest ids.
    static func filtered<T>(_ args: Arguments, _ kind: String, _ all: [T], ids: (T) -> [String], matching: (String) -> [T]) throws -> [T] {
        guard let text = args.string("match") else { return all }
        let found = matching(text)
        guard found.isEmpty else { return found }
        // Fragments are what --match takes, so each name is also tried as its pieces
        // (`llama-3.1` is near `meta-llama/llama-3.1-8b-instruct`'s piece `llama-3.1-8b`).
        // An emissions catalog has a row per figure, so an id is offered once however many it has.
        var seen = Set<String>()
        let near = Suggestions.closest(to: text, amongEntries: all.map { entry in
            let names = ids(entry)
            return names + names.flatMap(Self.pieces)
        }.filter { seen.insert($0.first ?? "").inserted })
        let command = ["GPU": "gpus", "model": "models", "region": "regions"][kind] ?? "facilities"
        throw UsageError(description: "--match: no \(kind) matches '\(text)'"
                         + (near.isEmpty ? "; none is near it (`tokenwatt \(command)` lists them all)"
                                         : "; closest: \(near.joined(separator: ", "))"))
    }

    /// An `--id` must be one catalog id: an empty one had been reported as a missing
    /// `_name_or_path` in the config, and one with a space was written as it was.
    static func checkCatalogID(_ id: String) throws {
        if id.trimmingCharacters(in: .whitespaces).isEmpty {
            throw UsageError(description: "--id is empty; give the entry's id, such as org/name")
        }
        if id.contains(where: \.isWhitespace) {
            throw UsageError(description: "--id '\(id)' holds a space; a catalog id is one word such as org/name (ids are kebab-case)")
        }
    }

    /// A name's parts after an organisation (`org/`) and its runs of dash-joined words from
    /// the start of each part: the fragments a `--match` is typed as.
    static func pieces(_ name: String) -> [String] {
        let base = name.split(separator: "/").last.map(String.init) ?? name
        let words = base.split(separator: "-")
        return words.indices.dropLast().map { words[...$0].joined(separator: "-") } + [base]
    }

    static func gpus(_ argv: [String]) throws -> ExitCode {
        let args = try Arguments(argv, valued: ["format", "match", "gpu-catalog"], boolean: [])
        _ = try args.requirePositional(0, usage: gpuUsage)
        let format = try args.format([.text, .json, .csv], default: .text)
        let catalog = try CommonOptions.gpus(args)
        let gpus = try filtered(args, "GPU", catalog.gpus, ids: { [$0.id] + $0.aliases }, matching: catalog.matching)
        // The FP4, INT8 and FP16 peaks go last (new columns are appended): the listing had shown
        // BF16 and FP8 alone, so neither the FP4 parts nor a Volta's FP16 peak could be read from it.
        let header = ["id", "name", "sms", "boost_mhz", "bf16_tflops", "fp8_tflops", "memory_gb", "bandwidth_gbps", "tdp_w",
                      "idle_w_at_boost", "node", "link_gbps", "topology", "fp4_tflops", "int8_tops", "fp16_tflops"]
        // A missing number is an empty cell in CSV, as in every other CSV ("-" made the column text
        // to pandas and spreadsheets), and "-" in the text table.
        let missing = format == .csv ? "" : "-"
        func peak(_ g: GPUSpec, _ f: TensorFormat) -> String { g.tensorPeaks[f].map { formatNumber($0.teraflopsPerSecond) } ?? missing }
        let rows: [[String]] = gpus.map { g in
            // The text names the FP16 peak, labelled, where a part has no BF16 (V100); the CSV keeps its column numeric.
            let bf16 = g.tensorPeaks[.bf16] == nil && g.tensorPeaks[.fp16] != nil && format != .csv ? "\(peak(g, .fp16)) (fp16)" : peak(g, .bf16)
            return [g.id, g.name, String(g.smCount), formatNumber(g.boostClock.megahertz), bf16, peak(g, .fp8),
                    formatNumber(g.memoryCapacity.gigabytes, significant: 4), formatNumber(g.memoryBandwidth.gigabytesPerSecond, significant: 4),
                    formatNumber(g.tdp.watts), formatFixed(g.idle(at: g.boostClock).watts, decimals: 1), g.defaultNodeID,
                    formatNumber(g.interconnect.bidirectionalBandwidth.gigabytesPerSecond, significant: 5), g.interconnect.topologyInWords,
                    peak(g, .fp4), peak(g, .int8), peak(g, .fp16)]
        }
        switch format {
        case .json:
            Output.write(JSONWriter().write(.obj([("gpus", .array(gpus.map(\.listingJSON)))])))
        case .csv:
            Output.write(([header] + rows).map(CSVWriter.line).joined(separator: "\n") + "\n")
        default:
            Output.write(Output.table(header, rows))
        }
        return .success
    }

    static func models(_ argv: [String]) throws -> ExitCode {
        let args = try Arguments(argv, valued: ["format", "match", "model-catalog", "from-hf", "id", "source"], boolean: [])
        _ = try args.requirePositional(0, usage: modelUsage)
        if let config = args.string("from-hf") { return try fromHuggingFace(config, args) }
        let format = try args.format([.text, .json, .csv], default: .text)
        let catalog = try CommonOptions.models(args)
        let models = try filtered(args, "model", catalog.models, ids: { [$0.id] + $0.aliases }, matching: catalog.matching)
        let header = ["id", "family", "layers", "hidden", "heads", "kv_heads", "attention", "experts", "total_params_b",
                      "active_params_b", "precision", "supported"]
        let missing = format == .csv ? "" : "-"  // as in `gpus`
        let rows: [[String]] = models.map { m in
            [m.id, m.family, String(m.layers), String(m.hiddenSize), String(m.heads), String(m.kvHeads), m.mixersListing,
             m.moe.map { "\($0.expertsPerToken)/\($0.experts)" } ?? missing, formatNumber(m.totalParams / 1e9, significant: 4),
             formatNumber(m.activeParams / 1e9, significant: 4), m.defaultPrecision.rawValue, m.servingSupport]
        }
        switch format {
        case .json:
            Output.write(JSONWriter().write(.obj([("models", .array(models.map(\.listingJSON)))])))
        case .csv:
            Output.write(([header] + rows).map(CSVWriter.line).joined(separator: "\n") + "\n")
        default:
            Output.write(Output.table(header, rows))
            Output.note("note: " + ModelArchitecture.parameterCountsNote)
        }
        return .success
    }

    /// `--from-hf CONFIG.json`: the one-model catalog file for a Hugging Face config, on stdout.
    static func fromHuggingFace(_ given: String, _ args: Arguments) throws -> ExitCode {
        // A catalog file is JSON: `--format csv` had been ignored, writing JSON with nothing said.
        if let f = args.string("format"), f != "json" {
            throw UsageError(description: "--format \(f): --from-hf writes a catalog file, which is JSON; give --format json or leave it out")
        }
        if args.string("match") != nil { throw UsageError(description: "--match filters the listing; --from-hf converts one config") }
        if let id = args.string("id") { try checkCatalogID(id) }
        // A downloaded model's directory holds its config.json.
        var isDirectory: ObjCBool = false
        let path = FileManager.default.fileExists(atPath: given, isDirectory: &isDirectory) && isDirectory.boolValue
            ? (given as NSString).appendingPathComponent("config.json") : given
        // A ModelOpt checkpoint keeps its format in hf_quant_config.json beside config.json.
        let quantPath = ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent("hf_quant_config.json")
        let quant = FileManager.default.fileExists(atPath: quantPath)
            ? (data: try InputFile.data(quantPath, expected: "a ModelOpt hf_quant_config.json"), file: quantPath) : nil
        let (file, warnings) = try HuggingFaceConfig.conversion(try InputFile.data(path, expected: "a Hugging Face config.json"), file: path,
                                                                id: args.string("id"), source: args.string("source"), quantConfig: quant)
        let text = JSONWriter(sortKeys: false).write(file)
        // The entry must also join the bundled catalog: an id it already holds is refused here.
        _ = try ModelCatalog.bundled.adding(Data(text.utf8), file: path)
        try checkJoins(text, config: path, args: args)
        // A dtype the converter does not map was only a phrase inside the entry's sources.
        for w in warnings { Output.note("note: \(w)") }
        Output.write(text)
        return .success
    }

    /// The entry must join the user's catalog (`--model-catalog FILE` or TOKENWATT_MODEL_CATALOG)
    /// as well as the bundled one: the option had been ignored, so an id the file already held
    /// gave a second file that no command could load beside it, and a missing FILE went unnoticed.
    static func checkJoins(_ text: String, config: String, args: Arguments) throws {
        guard let user = CommonOptions.catalogPath(args, option: "model-catalog", variable: "TOKENWATT_MODEL_CATALOG") else { return }
        let catalog = try CommonOptions.models(args)
        do {
            _ = try catalog.adding(Data(text.utf8), file: config)
        } catch let InputError.invalidValue(file, field, value, _) where field.hasPrefix("model ") {
            // `adding` names the taken id but not the file that holds it.
            throw InputError.invalidValue(file: file, field: args.string("id") == nil ? "_name_or_path" : "--id", value: value,
                                          expected: "an id and aliases \(user) does not hold: it has '\(value)' already; "
                                              + "pass --id ID to convert this config under a new id")
        }
    }
}
