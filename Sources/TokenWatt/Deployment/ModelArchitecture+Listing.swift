import KernelPower

/// How `tokenwatt models` lists a model: its mixers column, whether the serving commands price
/// it, and its JSON entry. The words of the mixers column are the terms `--match` finds a model
/// by (`ModelCatalog.matching`), built in one place: the listing and the terms had each written
/// them out, and disagreed on `window` (the listing showed "window 4096 ×0" for a model whose
/// window no layer attends, which `--match window` did not find).
extension ModelArchitecture {
    /// The features of its token mixing beyond the attention kind, in the listing's order of
    /// precedence: each with its term and the listing's words for it.
    var mixerFeatures: [(term: String, listing: String)] {
        let kind = attention.kind.rawValue
        var features: [(term: String, listing: String)] = []
        func add(_ term: String, _ listing: (String) -> String) { features.append((term, listing(term))) }
        if let h = hybrid { add("mamba2") { "\(kind) ×\(h.attentionLayers) + \($0) ×\(h.mambaLayers)" } }
        if let g = linearAttention { add("gated-deltanet") { "\(kind) ×\(attentionLayerCount) + \($0) ×\(g.layers)" } }
        if let x = attention.sparseIndex { add("sparse") { "\(kind), \($0) top-\(x.topK)" } }
        if let bs = attention.blockSparse { add("block-sparse") { "\(kind), \($0) ×\(bs.layers)" } }
        if let w = attention.slidingWindow, windowedLayerCount > 0 { add("window") { "\(kind), \($0) \(w) ×\(windowedLayerCount)" } }
        return features
    }

    /// The words `--match` finds it by beside its names: its attention kind (`mha`, `gqa`,
    /// `mqa`, `mla`), `moe` where it has experts (the listing's experts column), and the term of
    /// each mixer feature (`mamba2`, `gated-deltanet`, `sparse`, `block-sparse`, `window`).
    public var architectureTerms: [String] {
        [attention.kind.rawValue] + (moe == nil ? [] : ["moe"]) + mixerFeatures.map(\.term)
    }

    /// The listing's mixers column: the attention kind, with a hybrid's block mix (`gqa ×4 +
    /// mamba2 ×27`, `gqa ×12 + gated-deltanet ×36`), DeepSeek's sparse selection (`mla, sparse
    /// top-2048`), the layers that attend block-sparsely (`gqa, block-sparse ×16`) or in a
    /// window (`gqa, window 4096 ×21`); the first of these that applies.
    public var mixersListing: String { mixerFeatures.first?.listing ?? attention.kind.rawValue }

    /// Whether the serving commands price it: an encoder (BERT) has a forward pass only
    /// (`predict`), and `estimate` refuses it (`Deployment.requireGenerator`).
    public var servingSupport: String {
        unsupportedReason != nil ? "no (hybrid)" : kind == .encoder ? "forward only (encoder)" : "yes"
    }

    /// What the listing's parameter counts include, for `tokenwatt models`: both are counted from
    /// the architecture, the input embeddings and the LM head included (gpt-oss-120b's 5.712B
    /// active is its card's 5.13B plus its 0.58B input embeddings); `activeParams` counts the
    /// routed experts a token uses, not all of them.
    public static let parameterCountsNote = "total_params_b and active_params_b are counted from the architecture, input "
        + "embeddings and LM head included (active: the weights one token uses, its routed experts only); model cards often "
        + "leave the embeddings out (their figures: publishedTotalParams and publishedActiveParams in --format json)"

    /// Its entry in `tokenwatt models --format json`: the shape, the derived and published
    /// parameter counts, and its provenance (a listing, not a catalog entry: no `sources`).
    public var listingJSON: JSONValue {
        .obj([
            ("id", .str(id)), ("aliases", .array(aliases.map(JSONValue.str))), ("family", .str(family)),
            ("kind", .str(kind.rawValue)), ("maxPositions", .num(Double(maxPositions))),
            ("layers", .num(Double(layers))), ("hiddenSize", .num(Double(hiddenSize))), ("heads", .num(Double(heads))),
            ("kvHeads", .num(Double(kvHeads))), ("headDim", .num(Double(headDim))), ("ffnSize", .num(Double(ffnSize))),
            ("attention", .str(attention.kind.rawValue)),
            ("slidingWindow", .optionalNumber(attention.slidingWindow.map(Double.init))),
            ("slidingWindowLayers", .optionalNumber(attention.slidingWindow == nil ? nil : Double(windowedLayerCount))),
            ("blockSparse", attention.blockSparse.map { s in .obj([("blockSize", .num(Double(s.blockSize))), ("localBlocks", .num(Double(s.localBlocks))),
                                                                   ("verticalStride", .num(Double(s.verticalStride))), ("layers", .num(Double(s.layers)))]) } ?? .null),
            ("moeExperts", .optionalNumber(moe.map { Double($0.experts) })),
            ("hybrid", hybrid.map { h in .obj([("mambaLayers", .num(Double(h.mambaLayers))), ("attentionLayers", .num(Double(h.attentionLayers))),
                                                ("mlpLayers", .num(Double(h.mlpLayers))), ("ssmStateBytes", .num(h.mamba.stateBytes))]) } ?? .null),
            ("sparseIndex", attention.sparseIndex.map { x in .obj([("heads", .num(Double(x.heads))), ("headDim", .num(Double(x.headDim))),
                                                                  ("topK", .num(Double(x.topK)))]) } ?? .null),
            ("linearAttention", linearAttention.map { g in .obj([("kind", .str("gated-deltanet")), ("layers", .num(Double(g.layers))),
                                                                  ("stateBytes", .num(g.stateBytes))]) } ?? .null),
            ("totalParams", .num(totalParams)), ("activeParams", .num(activeParams)),
            ("publishedTotalParams", .optionalNumber(publishedTotalParams)),
            ("publishedActiveParams", .optionalNumber(publishedActiveParams)), ("defaultPrecision", .str(defaultPrecision.rawValue)),
            ("variantOf", variantOf.map(JSONValue.str) ?? .null), ("unsupportedReason", unsupportedReason.map(JSONValue.str) ?? .null),
            ("unmodelledParts", unmodelledParts.map(JSONValue.str) ?? .null), ("source", .str(source)),
        ])
    }
}
