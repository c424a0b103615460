import KernelPower

/// Reads and validates `models.json`: full entries first, then variants (`variantOf`) that reuse
/// a full entry's architecture with other weights. A user's catalog file may also name a full
/// entry of the catalog it extends (`known`, keyed by lowercased id) as a variant's base, and a
/// variant may be based on another variant, as on a bundled one.
enum ModelArchitectureReader {
    /// `sources` keys that name no field but notes the schema documents: the converter's assumed
    /// defaults, and the config, architecture and KV-cache readings of entries transcribed by hand.
    static let extraSourceKeys = ["architecture", "config", "converter", "kvCache"]

    static func readAll(_ root: JSONValue, file: String, known: [String: ModelArchitecture] = [:]) throws -> [ModelArchitecture] {
        var top = try JSONObjectReader(root, file: file, path: "")
        _ = try top.schemaVersion(highest: ModelCatalog.highestSchemaVersion)
        let items = try top.array("models")
        try top.finish()
        // A GPU catalog refuses empty arrays too; an empty file added nothing and said nothing.
        guard !items.isEmpty else { throw InputError.invalidValue(file: file, field: "models", value: "[]", expected: "at least one model") }
        var full = known
        var out: [ModelArchitecture] = []
        var variants: [(Int, JSONValue)] = []
        for (i, v) in items.enumerated() {
            if v["variantOf"] != nil { variants.append((i, v)); continue }
            let m = try read(v, file: file, path: "models[\(i)]")
            full[m.id.lowercased()] = m
            out.append(m)
        }
        return out + (try readVariants(variants, file: file, full: full))
    }

    /// The file's variants, each read once its base is known: a variant may name another variant
    /// of the file listed before or after it (it said "unknown model" for one in the same file).
    static func readVariants(_ variants: [(Int, JSONValue)], file: String, full: [String: ModelArchitecture]) throws -> [ModelArchitecture] {
        var pending = variants, known = full, out: [ModelArchitecture] = []
        func base(_ v: JSONValue) -> String? { if case let .string(b)? = v["variantOf"] { return b.lowercased() } else { return nil } }
        while !pending.isEmpty {
            // None ready: the first is read anyway, so its base is refused as unknown.
            let next = pending.firstIndex { base($0.1).map { known[$0] != nil } ?? true } ?? 0
            let (i, v) = pending.remove(at: next)
            if let b = base(v), known[b] == nil, idOf(v) == b || pending.contains(where: { idOf($0.1) == b }) {
                throw InputError.invalidValue(file: file, field: "models[\(i)].variantOf", value: "\"\(b)\"",
                                              expected: "a base that is not, through other variants, based on this variant (the variants form a cycle)")
            }
            let m = try readVariant(v, file: file, path: "models[\(i)]", full: known)
            known[m.id.lowercased()] = m
            out.append(m)
        }
        return out
    }

    static func idOf(_ v: JSONValue) -> String? { if case let .string(s)? = v["id"] { return s.lowercased() } else { return nil } }

    static func readVariant(_ v: JSONValue, file: String, path: String, full: [String: ModelArchitecture]) throws -> ModelArchitecture {
        var o = try JSONObjectReader(v, file: file, path: path)
        let id = try o.nonBlankString("id", expected: "a non-empty model id")
        let baseID = try o.string("variantOf")
        guard var m = full[baseID.lowercased()] else {
            throw InputError.unknownID(kind: "model", id: baseID, suggestions: Suggestions.closest(to: baseID, among: Array(full.values.map(\.id))),
                                       context: "\(file): \(path) (\(id)).variantOf")
        }
        m.variantOf = m.id
        m.id = id
        m.aliases = try o.aliases()
        if let p = try o.optionalString("defaultPrecision", allowed: Precision.allCases.map(\.rawValue)) { m.defaultPrecision = Precision(rawValue: p)! }
        if let t = try o.optionalDouble("publishedTotalParams", 1...1e14, expected: "a parameter count") { m.publishedTotalParams = t }
        if let a = try o.optionalDouble("publishedActiveParams", 1...1e14, expected: "a parameter count") { m.publishedActiveParams = a }
        if let f = try o.optionalString("family") { m.family = f }
        if let w = try maxPositions(&o, base: m, file: file, path: path) { m.maxPositions = w }
        if let b = try fp8WeightBlock(&o) { m.fp8WeightBlock = b }
        if let g = try int4GroupSize(&o) { m.int4GroupSize = g }
        if let parts = try unmodelledParts(&o) { m.unmodelledParts = parts }
        try readQuantizedModules(&o, into: &m)
        m.source = try o.source()
        m.sources = try o.stringMap("sources")
        try o.finish(sources: m.sources, extra: extraSourceKeys)
        return m
    }

    /// Which weights the default precision quantizes (`quantizedModules`) and, under `mlp`, how many
    /// layers keep their MLP 16-bit (`sixteenBitMLPLayers`), read alike for full entries and
    /// variants (a variant keeps its base's unless it names its own: Meta's FP8 Llama-3.1-405B
    /// quantizes what its BF16 base does not). `experts` needs experts; the 16-bit MLP layers are
    /// modelled in a uniform dense stack only (no experts, hybrid, window, block-sparse or linear
    /// attention layers), which is where Meta's checkpoint has them.
    static func readQuantizedModules(_ o: inout JSONObjectReader, into m: inout ModelArchitecture) throws {
        let field = "\(o.path).quantizedModules"
        if let q = try o.optionalString("quantizedModules", allowed: ModelArchitecture.QuantizedModules.allCases.map(\.rawValue)) {
            m.quantizedModules = ModelArchitecture.QuantizedModules(rawValue: q)!
            m.sixteenBitMLPLayers = 0
            guard m.quantizedModules != .experts || m.moe != nil else {
                throw InputError.invalidValue(file: o.file, field: field, value: q, expected: "all or mlp (\(m.id) has no experts)")
            }
        }
        guard let n = try o.optionalInt("sixteenBitMLPLayers", 0...m.layers, expected: "a layer count from 0 to layers (\(m.layers))") else { return }
        let layersField = "\(o.path).sixteenBitMLPLayers"
        guard m.quantizedModules == .mlp else {
            throw InputError.invalidValue(file: o.file, field: layersField, value: String(n),
                                          expected: "no sixteenBitMLPLayers without quantizedModules mlp (the other modes keep no MLP 16-bit by layer)")
        }
        let uniform = m.moe == nil && m.hybrid == nil && m.linearAttention == nil && m.attention.slidingWindow == nil
            && m.attention.blockSparse == nil
        guard uniform || n == 0 else {
            throw InputError.invalidValue(file: o.file, field: layersField, value: String(n),
                                          expected: "0: 16-bit MLP layers are modelled in a dense transformer whose layers are all alike "
                                              + "(\(m.id) has experts, a hybrid, windowed, block-sparse or linear-attention layers)")
        }
        m.sixteenBitMLPLayers = n
    }

    /// The optional parts of a multimodal checkpoint left out ("vision encoder"), read alike for
    /// full entries and variants (a variant keeps its base's unless it names its own).
    static func unmodelledParts(_ o: inout JSONObjectReader) throws -> String? {
        guard let parts = try o.optionalString("unmodelledParts") else { return nil }
        guard !parts.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw InputError.invalidValue(file: o.file, field: "\(o.path).unmodelledParts", value: "\"\"",
                                          expected: "the parts left out, e.g. \"vision encoder\"")
        }
        return parts
    }

    /// A variant's own context window, where its config.json differs from its base's: Qwen3's
    /// -Base checkpoints list 32,768 positions where the post-trained models list 40,960, and
    /// Qwen2's -Instruct ones 32,768 where the base lists 131,072. A learned position table is
    /// part of the weights' shape, so such a model's window cannot differ in a variant.
    static func maxPositions(_ o: inout JSONObjectReader, base: ModelArchitecture, file: String, path: String) throws -> Int? {
        guard let w = try o.optionalInt("maxPositions", 1...Int(1e9), expected: "a positive token count") else { return nil }
        guard base.positional != .learned else {
            throw InputError.invalidValue(file: file, field: "\(path).maxPositions", value: String(w),
                                          expected: "no maxPositions: \(base.id) learns its position embeddings, so its window is part of "
                                              + "its weights (describe a model with another window as a full entry)")
        }
        return w
    }

    /// The optional INT4 scale-group size, read alike for full entries and variants.
    static func int4GroupSize(_ o: inout JSONObjectReader) throws -> Int? {
        try o.optionalInt("int4GroupSize", 8...65_536, expected: "weights per INT4 scale group, 8 or more")
    }

    /// The optional FP8 scale-block side, read alike for full entries and variants.
    static func fp8WeightBlock(_ o: inout JSONObjectReader) throws -> Int? {
        try o.optionalInt("fp8WeightBlock", 1...65_536, expected: "the FP8 scale block side in elements")
    }

    static func read(_ v: JSONValue, file: String, path: String) throws -> ModelArchitecture {
        var o = try JSONObjectReader(v, file: file, path: path)
        let id = try o.nonBlankString("id", expected: "a non-empty model id")
        let positive = 1...Int(1e9)
        let layers = try o.int("layers", positive, expected: "a positive layer count")
        let heads = try o.int("heads", positive, expected: "a positive head count")
        let kvHeads = try o.int("kvHeads", 1...heads, expected: "between 1 and heads")
        guard heads % kvHeads == 0 else {
            throw InputError.invalidValue(file: file, field: "\(path).kvHeads", value: String(kvHeads), expected: "a divisor of heads (\(heads))")
        }
        var m = ModelArchitecture(
            id: id, aliases: try o.aliases(), family: try o.string("family"),
            kind: ModelArchitecture.Kind(rawValue: try o.optionalString("kind", allowed: ["decoder", "encoder"]) ?? "decoder")!,
            layers: layers, hiddenSize: try o.int("hiddenSize", positive, expected: "a positive size"),
            heads: heads, kvHeads: kvHeads, headDim: try o.int("headDim", positive, expected: "a positive size"),
            ffnSize: try o.int("ffnSize", positive, expected: "a positive size"), ffnGated: try o.bool("ffnGated"),
            activation: ModelArchitecture.Activation(rawValue: try o.string("activation", allowed: ModelArchitecture.Activation.allCases.map(\.rawValue)))!,
            norm: ModelArchitecture.Norm(rawValue: try o.string("norm", allowed: ["rmsnorm", "layernorm"]))!,
            positional: ModelArchitecture.Positional(rawValue: try o.string("positional", allowed: ["rope", "learned", "alibi", "none"]))!,
            maxPositions: try o.int("maxPositions", positive, expected: "a positive token count"),
            vocabSize: try o.int("vocabSize", positive, expected: "a positive vocabulary size"),
            tiedEmbeddings: try o.bool("tiedEmbeddings"), qkvBias: try o.optionalBool("qkvBias") ?? false,
            outputBias: try o.optionalBool("outputBias") ?? false, mlpBias: try o.optionalBool("mlpBias") ?? false,
            attention: try readAttention(try o.object("attention")), moe: try o.optionalObject("moe").map(readMoE),
            layerKinds: nil,
            defaultPrecision: Precision(rawValue: try o.string("defaultPrecision", allowed: Precision.allCases.map(\.rawValue)))!,
            publishedTotalParams: try o.optionalDouble("publishedTotalParams", 1...1e14, expected: "a parameter count"),
            publishedActiveParams: try o.optionalDouble("publishedActiveParams", 1...1e14, expected: "a parameter count"),
            variantOf: nil, source: try o.source(), sources: try o.stringMap("sources"))
        m.fp8WeightBlock = try fp8WeightBlock(&o)
        m.int4GroupSize = try int4GroupSize(&o)
        if let k = try o.optionalObject("layerKinds") { m.layerKinds = try readLayerKinds(k, layers: layers) }
        m.hybrid = try o.optionalObject("hybrid").map { try readHybrid($0, layers: layers, file: file, path: path) }
        m.linearAttention = try o.optionalObject("linearAttention").map { try readGatedDeltaNet($0, of: m, file: file, path: path) }
        try readQuantizedModules(&o, into: &m)
        m.unmodelledParts = try unmodelledParts(&o)
        try o.finish(sources: m.sources, extra: extraSourceKeys)
        try checkLayerCounts(m, file: file, path: path)
        try checkCombinations(m, file: file, path: path)
        return m
    }

    /// The optional per-kind layer counts (`layerKinds`), each from 0 to the model's layers.
    static func readLayerKinds(_ r: JSONObjectReader, layers: Int) throws -> [String: Int] {
        var k = r
        var kinds: [String: Int] = [:]
        for key in k.keys { kinds[key] = try k.int(key, 0...layers, expected: "a layer count from 0 to layers (\(layers))") }
        try k.finish()
        return kinds
    }

    /// Refuses parts that are not modelled together: experts in a Mamba-2 hybrid, block-sparse
    /// attention on more layers than the model has or beside a window, experts or a hybrid, and
    /// more experts per token than experts.
    static func checkCombinations(_ m: ModelArchitecture, file: String, path: String) throws {
        if m.hybrid != nil, m.moe != nil {
            throw InputError.invalidValue(file: file, field: "\(path).moe", value: "an object",
                                          expected: "no moe in a hybrid model (Mamba-2 hybrids with experts are not modelled)")
        }
        if let bs = m.attention.blockSparse {
            let field = "\(path).attention.blockSparse"
            guard bs.layers <= m.layers else {
                throw InputError.invalidValue(file: file, field: field + ".layers", value: String(bs.layers), expected: "at most layers (\(m.layers))")
            }
            guard m.attention.slidingWindow == nil, m.moe == nil, m.hybrid == nil else {
                throw InputError.invalidValue(file: file, field: field, value: "an object",
                                              expected: "block-sparse attention in a dense transformer without a sliding window (the combination is not modelled)")
            }
        }
        if let moe = m.moe, moe.expertsPerToken > moe.experts {
            throw InputError.invalidValue(file: file, field: "\(path).moe.expertsPerToken", value: String(moe.expertsPerToken),
                                          expected: "at most moe.experts (\(moe.experts))")
        }
    }

    /// Refuses a per-layer count the model's layers cannot hold: 1000 dense layers of a 48-layer
    /// MoE priced it as dense, and 1000 windowed layers of 32 were taken as 32.
    static func checkLayerCounts(_ m: ModelArchitecture, file: String, path: String) throws {
        func bad(_ field: String, _ value: Int, _ expected: String) -> InputError {
            .invalidValue(file: file, field: "\(path).\(field)", value: String(value), expected: expected)
        }
        if let w = m.attention.slidingWindowLayers {
            guard m.attention.slidingWindow != nil else { throw bad("attention.slidingWindowLayers", w, "no slidingWindowLayers without attention.slidingWindow") }
            guard w <= m.attentionLayerCount else { throw bad("attention.slidingWindowLayers", w, "at most the attention layers (\(m.attentionLayerCount))") }
        }
        guard let moe = m.moe else { return }
        // At least one layer must keep its experts, or the model is dense under an moe object.
        guard moe.denseLayers < m.layers else { throw bad("moe.denseLayers", moe.denseLayers, "fewer than layers (\(m.layers))") }
        let rest = m.layers - moe.denseLayers
        guard moe.layerInterval <= rest else {
            throw bad("moe.layerInterval", moe.layerInterval, "at most the layers after the dense ones (\(rest)), so that one layer has experts")
        }
    }

    static func readAttention(_ r: JSONObjectReader) throws -> ModelArchitecture.Attention {
        var o = r
        let kind = ModelArchitecture.AttentionKind(rawValue: try o.string("kind", allowed: ["mha", "gqa", "mqa", "mla"]))!
        var a = ModelArchitecture.Attention(
            kind: kind, slidingWindow: try o.optionalInt("slidingWindow", 1...Int(1e9), expected: "a positive token count"),
            slidingWindowLayers: try o.optionalInt("slidingWindowLayers", 0...Int(1e9), expected: "a layer count"), mla: nil)
        a.outputGate = try o.optionalBool("outputGate") ?? false
        if var s = try o.optionalObject("blockSparse") {
            a.blockSparse = ModelArchitecture.BlockSparse(
                blockSize: try s.int("blockSize", 1...1_000_000, expected: "tokens per block"),
                localBlocks: try s.int("localBlocks", 1...1_000_000, expected: "a block count"),
                verticalStride: try s.int("verticalStride", 1...1_000_000, expected: "a block stride"),
                layers: try s.int("layers", 0...100_000, expected: "a layer count"))
            try s.finish()
        }
        if var x = try o.optionalObject("sparseIndex") {
            a.sparseIndex = ModelArchitecture.SparseIndex(
                heads: try x.int("heads", 1...100_000, expected: "a head count from 1 to 100000"),
                headDim: try x.int("headDim", 1...100_000, expected: "a size from 1 to 100000"),
                topK: try x.int("topK", 1...Int(1e9), expected: "a positive token count"))
            try x.finish()
            guard kind == .mla else {
                throw InputError.invalidValue(file: o.file, field: o.path + ".sparseIndex", value: "an object",
                                              expected: "a sparse index with mla attention only (DeepSeek sparse attention selects MLA's tokens)")
            }
        }
        if kind == .mla {
            a.mla = ModelArchitecture.MLA(
                qLoraRank: try o.optionalInt("qLoraRank", 1...Int(1e9), expected: "a positive rank"),
                kvLoraRank: try o.int("kvLoraRank", 1...Int(1e9), expected: "a positive rank"),
                qkNopeHeadDim: try o.int("qkNopeHeadDim", 1...Int(1e9), expected: "a positive size"),
                qkRopeHeadDim: try o.int("qkRopeHeadDim", 0...Int(1e9), expected: "a size"),
                vHeadDim: try o.int("vHeadDim", 1...Int(1e9), expected: "a positive size"))
        }
        try o.finish()
        return a
    }

    static func readMoE(_ r: JSONObjectReader) throws -> ModelArchitecture.MoE {
        var o = r
        let m = ModelArchitecture.MoE(
            experts: try o.int("experts", 1...100_000, expected: "a positive expert count"),
            expertsPerToken: try o.int("expertsPerToken", 1...100_000, expected: "a positive count"),
            sharedExperts: try o.optionalInt("sharedExperts", 0...1000, expected: "a count") ?? 0,
            expertFFNSize: try o.int("expertFfnSize", 1...Int(1e9), expected: "a positive size"),
            sharedExpertFFNSize: try o.optionalInt("sharedExpertFfnSize", 0...Int(1e9), expected: "a size") ?? 0,
            denseLayers: try o.optionalInt("denseLayers", 0...100_000, expected: "a layer count") ?? 0,
            layerInterval: try o.optionalInt("layerInterval", 1...1000, expected: "a positive interval") ?? 1)
        try o.finish()
        return m
    }

    /// A Gated DeltaNet mixer's shape, and the layers it replaces attention in. It combines with
    /// full attention (GQA or MHA) and experts, not with another hybrid form, a window or MLA.
    static func readGatedDeltaNet(_ r: JSONObjectReader, of m: ModelArchitecture, file: String, path: String) throws -> ModelArchitecture.GatedDeltaNet {
        var o = r
        // Bounds far above any published model, low enough that no product of them overflows.
        let size = 1...100_000
        let g = ModelArchitecture.GatedDeltaNet(
            layers: try o.int("layers", 1...m.layers, expected: "a layer count from 1 to layers (\(m.layers))"),
            keyHeads: try o.int("keyHeads", size, expected: "a head count from 1 to 100000"),
            valueHeads: try o.int("valueHeads", size, expected: "a head count from 1 to 100000"),
            keyHeadDim: try o.int("keyHeadDim", size, expected: "a size from 1 to 100000"),
            valueHeadDim: try o.int("valueHeadDim", size, expected: "a size from 1 to 100000"),
            convKernel: try o.int("convKernel", 1...64, expected: "a kernel width of 1 to 64"),
            chunkSize: try o.int("chunkSize", 1...65_536, expected: "a token count from 1 to 65536"),
            stateBytes: try o.double("stateBytes", 1...4, expected: "bytes per state element (2 for BF16, 4 for FP32)"))
        try o.finish()
        let field = "\(path).linearAttention"
        guard g.valueHeads % g.keyHeads == 0 else {
            throw InputError.invalidValue(file: file, field: field + ".keyHeads", value: String(g.keyHeads),
                                          expected: "a divisor of valueHeads (\(g.valueHeads))")
        }
        guard m.hybrid == nil, m.attention.slidingWindow == nil, m.attention.blockSparse == nil, m.attention.mla == nil else {
            throw InputError.invalidValue(file: file, field: field, value: "an object",
                                          expected: "Gated DeltaNet beside full GQA or MHA attention (with a Mamba-2 hybrid, a sliding window, "
                                              + "block-sparse or latent attention it is not modelled)")
        }
        return g
    }

    /// A Mamba-2 hybrid's block counts (which must add up to `layers`) and its mixer's shape.
    static func readHybrid(_ r: JSONObjectReader, layers: Int, file: String, path: String) throws -> ModelArchitecture.Hybrid {
        var o = r
        let count = 0...100_000
        let mambaLayers = try o.int("mambaLayers", count, expected: "a layer count")
        let attentionLayers = try o.int("attentionLayers", count, expected: "a layer count")
        let mlpLayers = try o.int("mlpLayers", count, expected: "a layer count")
        var s = try o.object("mamba2")
        let positive = 1...Int(1e9)
        let mamba = ModelArchitecture.Mamba2(
            heads: try s.int("heads", positive, expected: "a positive head count"),
            headDim: try s.int("headDim", positive, expected: "a positive size"),
            groups: try s.int("groups", positive, expected: "a positive group count"),
            stateSize: try s.int("stateSize", positive, expected: "a positive size"),
            convKernel: try s.int("convKernel", 1...64, expected: "a kernel width of 1 to 64"),
            chunkSize: try s.int("chunkSize", positive, expected: "a positive token count"),
            stateBytes: try s.double("stateBytes", 1...4, expected: "bytes per state element (2 for BF16, 4 for FP32)"))
        try s.finish()
        try o.finish()
        guard mambaLayers + attentionLayers + mlpLayers == layers else {
            throw InputError.invalidValue(file: file, field: "\(path).hybrid", value: "\(mambaLayers) + \(attentionLayers) + \(mlpLayers) blocks",
                                          expected: "block counts that add up to layers (\(layers))")
        }
        guard mamba.heads % mamba.groups == 0 else {
            throw InputError.invalidValue(file: file, field: "\(path).hybrid.mamba2.groups", value: String(mamba.groups),
                                          expected: "a divisor of heads (\(mamba.heads))")
        }
        return ModelArchitecture.Hybrid(mambaLayers: mambaLayers, attentionLayers: attentionLayers, mlpLayers: mlpLayers, mamba: mamba)
    }
}
