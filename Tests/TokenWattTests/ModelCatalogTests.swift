import Foundation
import Testing
@testable import TokenWatt

@Suite struct ModelCatalogTests {
    static let catalog = ModelCatalog.bundled

    /// Ids the spine issue requires (issue 2), by Hugging Face id or the data folders' names.
    static let requiredIDs = [
        "meta-llama/Llama-3.1-8B-Instruct", "meta-llama/Llama-3.1-70B-Instruct", "meta-llama/Llama-3.1-405B-Instruct",
        "meta-llama/Llama-3.1-405B-Instruct-FP8", "meta-llama/Llama-3.3-70B-Instruct",
        "meta-llama/Llama-4-Scout-17B-16E-Instruct", "meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8",
        "Qwen/Qwen3-8B", "Qwen/Qwen3-14B", "Qwen/Qwen3-32B", "Qwen/Qwen3-30B-A3B-Instruct-2507",
        "Qwen/Qwen3-235B-A22B-Instruct-2507", "Qwen/Qwen3-235B-A22B-Thinking-2507-FP8", "Qwen/Qwen3-Coder-30B-A3B-Instruct",
        "Qwen/Qwen3-Coder-480B-A35B-Instruct", "openai/gpt-oss-20b", "openai/gpt-oss-120b", "deepseek-ai/DeepSeek-V3.1",
        "deepseek-ai/DeepSeek-R1-0528", "google/gemma-3-12b-it", "google/gemma-3-27b-it", "mistralai/Mistral-Large-Instruct-2407",
        "nvidia/Llama-3_1-Nemotron-Ultra-253B-v1", "meta-llama/Llama-2-7b-hf", "meta-llama/Llama-2-70b-hf",
        "meta-llama/Meta-Llama-3-8B", "EleutherAI/gpt-j-6b", "mistralai/Mixtral-8x7B-v0.1", "mistralai/Mixtral-8x22B-Instruct-v0.1",
        "bigscience/bloom", "gpt2-124m", "opt-1.3b", "qwen2-1.5b", "bert-large",
        "nvidia/NVIDIA-Nemotron-Nano-9B-v2", "nvidia/NVIDIA-Nemotron-Nano-12B-v2",
    ]

    /// `--match` also finds models by the architecture words the listing shows: `mla` and `mamba`
    /// had matched nothing though DeepSeek-V3.1's attention column reads `mla`.
    @Test func matchFindsArchitectureTerms() {
        let mla = Self.catalog.matching("MLA")
        #expect(mla.contains { $0.id == "deepseek-ai/DeepSeek-V3.1" })
        #expect(mla.allSatisfy { $0.attention.kind == .mla || $0.id.lowercased().contains("mla") })
        let mamba = Self.catalog.matching("mamba")
        #expect(mamba.contains { $0.id == "nvidia/NVIDIA-Nemotron-Nano-9B-v2" } && mamba.allSatisfy { $0.hybrid != nil })
        let deltanet = Self.catalog.matching("gated-deltanet")
        #expect(!deltanet.isEmpty && deltanet.allSatisfy { $0.linearAttention != nil })
        // Names still match as before.
        #expect(Self.catalog.matching("llama-3.1-8b").contains { $0.id == "meta-llama/Llama-3.1-8B-Instruct" })
    }

    @Test(arguments: requiredIDs)
    func requiredModelIsPresent(_ id: String) throws {
        _ = try Self.catalog.model(id)
        _ = try Self.catalog.model(id.uppercased())
    }

    /// Every model of the ML.ENERGY v3 export that is a text model resolves.
    @Test(.enabled(if: sharedData != nil))
    func everyMLEnergyV3TextModelResolves() throws {
        let t = try CSVTableLoader.load(sharedData! + "/mlenergy-benchmark-v3/llm_runs.csv")
        let col = try #require(t.column("model_id"))
        let taskCol = try #require(t.column("task"))
        for row in t.rows where !["image-chat", "video-chat"].contains(row.fields[taskCol]) && !row.fields[col].contains("-VL") {
            #expect(throws: Never.self, "\(row.fields[col])") { _ = try Self.catalog.model(row.fields[col]) }
        }
    }

    /// Parameter counts computed from the architecture fields agree with the published counts:
    /// a wrong layer count or FFN size shows here. Qwen3-VL-8B's published count includes its
    /// vision tower, which the catalog does not describe. Hybrids the estimator refuses are not counted.
    @Test(arguments: ModelCatalog.bundled.models.filter { $0.variantOf == nil && $0.publishedTotalParams != nil && $0.layerKinds == nil }.map(\.id))
    func computedParametersMatchPublished(_ id: String) throws {
        let m = try Self.catalog.model(id)
        let published = try #require(m.publishedTotalParams)
        let tolerance = id == "Qwen/Qwen3-VL-8B-Instruct" ? 0.08 : 0.03
        #expect(approx(m.totalParams, published, rel: tolerance), "\(id): computed \(m.totalParams / 1e9) B vs published \(published / 1e9) B")
        #expect(m.activeParams <= m.totalParams)
    }

    /// Active parameters of MoE models agree with the published count under one of the counting
    /// conventions publishers use: everything, all but the embedding table (gpt-oss's model card),
    /// or all but the embedding table and the LM head (GLM-4.5-Air's 12 B of 13.4 B).
    @Test(arguments: ModelCatalog.bundled.models.filter { $0.moe != nil && $0.variantOf == nil && $0.publishedActiveParams != nil }.map(\.id))
    func activeParametersMatchPublished(_ id: String) throws {
        let m = try Self.catalog.model(id)
        let published = try #require(m.publishedActiveParams)
        let computed = m.activeParams
        let withoutEmbedding = computed - m.embeddingParams
        let withoutEither = withoutEmbedding - m.lmHeadParams
        #expect([computed, withoutEmbedding, withoutEither].contains { approx($0, published, rel: 0.06) },
                "\(id): computed \(computed / 1e9) B vs published \(published / 1e9) B")
    }

    @Test func hybridLayerKindsTheEstimatorCannotPlanAreRefused() throws {
        let json = #"{"schemaVersion": 1, "models": [{"id": "lin", "aliases": [], "family": "f", "layers": 4, "hiddenSize": 64, "heads": 4, "kvHeads": 2, "headDim": 16, "ffnSize": 128, "ffnGated": true, "activation": "silu", "norm": "rmsnorm", "positional": "rope", "maxPositions": 4096, "vocabSize": 1000, "tiedEmbeddings": false, "attention": {"kind": "gqa"}, "layerKinds": {"linear_attention": 3, "attention": 1}, "defaultPrecision": "bf16", "source": "test"}]}"#
        let catalog = try ModelCatalog.load(Data(json.utf8), file: "m.json")
        let m = try catalog.model("lin")
        #expect(m.unsupportedReason?.contains("3 linear_attention") == true)
        #expect(throws: DeploymentError.self) {
            _ = try Estimator(models: catalog).deployment(DeploymentRequest(model: "lin", gpu: "h100-sxm"))
        }
    }

    @Test func fp8BlockSizeIsReadAndChecked() throws {
        let base = #"{"schemaVersion": 1, "models": [{"id": "a", "aliases": [], "family": "f", "layers": 2, "hiddenSize": 64, "heads": 4, "kvHeads": 2, "headDim": 16, "ffnSize": 128, "ffnGated": true, "activation": "silu", "norm": "rmsnorm", "positional": "rope", "maxPositions": 4096, "vocabSize": 1000, "tiedEmbeddings": false, "attention": {"kind": "gqa"}, "defaultPrecision": "bf16", "source": "test"}, {"id": "a-fp8", "variantOf": "a", "aliases": [], "defaultPrecision": "fp8", "fp8WeightBlock": BLOCK, "source": "test"}]}"#
        let ok = try ModelCatalog.load(Data(base.replacingOccurrences(of: "BLOCK", with: "128").utf8), file: "m.json")
        #expect(try ok.model("a-fp8").fp8WeightBlock == 128)
        #expect(try ok.model("a").fp8WeightBlock == nil)
        do {
            _ = try ModelCatalog.load(Data(base.replacingOccurrences(of: "BLOCK", with: "0").utf8), file: "m.json")
            Issue.record("accepted a zero FP8 block")
        } catch {
            #expect("\(error)".contains("fp8WeightBlock") && "\(error)".contains("m.json"))
        }
    }

    /// A variant whose config.json lists another context window than its base keeps its own:
    /// Qwen3-8B-Base had inherited the post-trained model's 40,960 and priced 35,000-token
    /// requests its checkpoint cannot take. A learned position table cannot be re-sized so.
    @Test func aVariantsOwnContextWindowIsKept() throws {
        #expect(try Self.catalog.model("Qwen/Qwen3-8B-Base").maxPositions == 32_768)
        #expect(try Self.catalog.model("Qwen/Qwen3-8B").maxPositions == 40_960)
        #expect(try Self.catalog.model("Qwen/Qwen2-72B-Instruct").maxPositions == 32_768)
        let d = try Estimator().deployment(DeploymentRequest(model: "Qwen/Qwen3-8B-Base", gpu: "h100-sxm"))
        #expect(d.exceedsContext(tokens: 35_000))
        let learned = #"{"schemaVersion": 1, "models": [{"id": "a", "aliases": [], "family": "f", "layers": 2, "hiddenSize": 64, "heads": 4, "kvHeads": 4, "headDim": 16, "ffnSize": 128, "ffnGated": false, "activation": "gelu", "norm": "layernorm", "positional": "learned", "maxPositions": 2048, "vocabSize": 1000, "tiedEmbeddings": true, "attention": {"kind": "mha"}, "defaultPrecision": "fp16", "source": "test"}, {"id": "a-long", "variantOf": "a", "aliases": [], "maxPositions": 4096, "source": "test"}]}"#
        do {
            _ = try ModelCatalog.load(Data(learned.utf8), file: "m.json")
            Issue.record("a learned-position variant took another window")
        } catch {
            #expect("\(error)".contains("models[1].maxPositions") && "\(error)".contains("learns its position embeddings"))
        }
    }

    @Test func unknownModelSuggestsClosest() {
        do {
            _ = try Self.catalog.model("meta-llama/Llama-3.1-8B-Instrct")
            Issue.record("accepted an unknown model")
        } catch {
            #expect("\(error)".contains("meta-llama/Llama-3.1-8B-Instruct"))
        }
    }
}

/// What a model catalog file may not say, refused with the file, the field path and what was expected.
@Suite struct ModelCatalogInputTests {
    /// A 4-layer model; `EXTRA` sits among its top-level fields, `ATTN` in its attention object.
    static let entry = #"{"id": "a", "aliases": [], "family": "f", "layers": 4, "hiddenSize": 64, "heads": 4, "kvHeads": 2, "headDim": 16, "ffnSize": 128, "ffnGated": true, "activation": "silu", "norm": "rmsnorm", "positional": "rope", "maxPositions": 4096, "vocabSize": 1000, "tiedEmbeddings": false, "attention": {"kind": "gqa"ATTN}EXTRA, "defaultPrecision": "bf16", "source": "test", "sources": {}}"#
    static let moe = #", "moe": {"experts": 8, "expertsPerToken": 2, "expertFfnSize": 64MOE}"#

    static func file(attention: String = "", extra: String = "", more: String = "") -> String {
        let e = entry.replacingOccurrences(of: "ATTN", with: attention).replacingOccurrences(of: "EXTRA", with: extra)
        return #"{"schemaVersion": 1, "models": ["# + e + more + "]}"
    }

    static func moeFile(_ fields: String) -> String { file(extra: moe.replacingOccurrences(of: "MOE", with: fields)) }

    static func expectRefusal(_ text: String, _ needles: [String]) {
        do {
            _ = try ModelCatalog.bundled.adding(Data(text.utf8), file: "m.json")
            Issue.record("accepted: \(needles)")
        } catch {
            #expect(needles.allSatisfy("\(error)".contains) && "\(error)".contains("m.json"), "\(error)")
        }
    }

    @Test func theBaseFileLoads() throws {
        #expect(try ModelCatalog.bundled.adding(Data(Self.file().utf8), file: "m.json").contains("a"))
        #expect(try ModelCatalog.bundled.adding(Data(Self.moeFile(#", "denseLayers": 3"#).utf8), file: "m.json").model("a").moeLayerCount == 1)
    }

    /// A per-layer count beyond the model's layers: 1000 dense layers of a 48-layer MoE priced it
    /// as dense, and 1000 windowed layers of 32 changed the result without a word.
    @Test(arguments: [
        (file(attention: #", "slidingWindow": 128, "slidingWindowLayers": 1000"#), ["models[0].attention.slidingWindowLayers", "at most the attention layers (4)"]),
        (file(attention: #", "slidingWindowLayers": 2"#), ["models[0].attention.slidingWindowLayers", "attention.slidingWindow"]),
        (moeFile(#", "denseLayers": 1000"#), ["models[0].moe.denseLayers", "fewer than layers (4)"]),
        (moeFile(#", "denseLayers": 4"#), ["models[0].moe.denseLayers"]),
        (moeFile(#", "layerInterval": 1000"#), ["models[0].moe.layerInterval", "(4)"]),
        (moeFile(#", "denseLayers": 2, "layerInterval": 3"#), ["models[0].moe.layerInterval", "(2)"]),
        (file(extra: #", "layerKinds": {"linear_attention": 300, "attention": 1}"#), ["layerKinds.linear_attention", "layers (4)"]),
    ])
    func layerCountsBeyondTheLayersAreRefused(_ text: String, _ needles: [String]) {
        Self.expectRefusal(text, needles)
    }

    /// Ids, aliases and sources that say nothing, `sources` keys that name no field, and a file
    /// that adds nothing.
    @Test(arguments: [
        (file().replacingOccurrences(of: #""source": "test""#, with: #""source": " ""#), ["models[0].source", "non-empty source"]),
        (file().replacingOccurrences(of: #""id": "a""#, with: #""id": """#), ["models[0].id"]),
        (file().replacingOccurrences(of: #""aliases": []"#, with: #""aliases": ["a2", ""]"#), ["models[0].aliases[1]"]),
        (file().replacingOccurrences(of: #""sources": {}"#, with: #""sources": {"layer": "x"}"#), ["models[0].sources.layer", "'layers'"]),
        (file(more: #", {"id": "b", "variantOf": "a", "aliases": [], "source": "t", "sources": {"hiddenSize": "x"}}"#), ["models[1].sources.hiddenSize"]),
        (file(more: #", {"id": "b", "variantOf": "a", "aliases": [], "source": ""}"#), ["models[1].source"]),
        (#"{"schemaVersion": 1, "models": []}"#, ["models", "at least one model"]),
    ])
    func emptyAndStrayFieldsAreRefused(_ text: String, _ needles: [String]) {
        Self.expectRefusal(text, needles)
    }

    /// The notes the schema documents under `sources` (the converter's assumptions, a transcribed
    /// config), and a field the entry leaves out on purpose, are kept.
    @Test func documentedSourceNotesAreKept() throws {
        let text = Self.file().replacingOccurrences(of: #""sources": {}"#,
                                                    with: #""sources": {"converter": "x", "config": "y", "publishedTotalParams": "not published", "layers.vision": "z"}"#)
        #expect(try ModelCatalog.bundled.adding(Data(text.utf8), file: "m.json").model("a").sources["converter"] == "x")
    }

    /// A variant may be based on another variant of its file, listed before or after it (it said
    /// "unknown model" although the base was in the file), but not in a cycle.
    @Test func aVariantOfAVariantInTheFileResolves() throws {
        let chain = Self.file(more: #", {"id": "c", "variantOf": "b", "aliases": [], "defaultPrecision": "int4", "source": "t"}, {"id": "b", "variantOf": "a", "aliases": [], "defaultPrecision": "fp8", "source": "t"}"#)
        let c = try ModelCatalog.bundled.adding(Data(chain.utf8), file: "m.json").model("c")
        #expect(c.variantOf == "b" && c.defaultPrecision == .int4 && c.layers == 4)
        let cycle = Self.file(more: #", {"id": "c", "variantOf": "b", "aliases": [], "source": "t"}, {"id": "b", "variantOf": "c", "aliases": [], "source": "t"}"#)
        Self.expectRefusal(cycle, ["variantOf", "cycle"])
    }

    /// A GPU catalog given as a model catalog is named as one, not as a missing field 'models'.
    @Test(arguments: [#"{"schemaVersion": 1, "gpus": []}"#, #"{"schemaVersion": 1, "nodes": []}"#])
    func aGPUCatalogIsNamedAsOne(_ text: String) {
        Self.expectRefusal(text, ["this is a GPU catalog"])
    }
}
