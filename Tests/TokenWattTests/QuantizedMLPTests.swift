import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// Checkpoints that quantize their MLPs alone (`quantizedModules: mlp`). Meta's FBGEMM FP8
/// Llama-3.1-405B keeps lm_head, every attention projection and the MLPs of layers 0 and 125 in
/// BF16 (its config's modules_to_not_convert); it was priced as if every linear layer were FP8:
/// 410 GB of weights where the checkpoint holds 487 GB, and ~19 % fewer weight bytes a decode step.
@Suite struct QuantizedMLPTests {
    static let estimator = Estimator()

    func deployment(_ model: String, gpu: String = "h100-sxm", gpus: Int = 8, precision: Precision? = nil) throws -> Deployment {
        try Self.estimator.deployment(DeploymentRequest(model: model, gpu: gpu, gpus: gpus, tensorParallel: gpus, precision: precision))
    }

    /// Weight bytes and (bytes, 16-bit unit) of every dense GEMM in a decode step, by block.
    func gemms(_ d: Deployment) throws -> [(block: String, name: String, repeats: Int, shape: GEMMShape)] {
        let program = try PhasePlanner(deployment: d).program(for: .decode(batch: 32, context: 1000))
        return program.blocks.flatMap { b in
            b.kernels.compactMap { k -> (String, String, Int, GEMMShape)? in
                guard case let .gemm(g) = k.shape else { return nil }
                return (b.name, k.name, b.repeats, g)
            }
        }
    }

    /// Weight bytes one GPU reads for its GEMMs in a decode step.
    func weightBytesRead(_ d: Deployment) throws -> Double {
        try gemms(d).reduce(0) { $0 + Double($1.repeats * $1.shape.batch * $1.shape.n * $1.shape.k) * $1.shape.bBytes }
    }

    @Test func theCatalogSaysWhichWeightsMetasCheckpointsQuantize() throws {
        for id in ["meta-llama/Llama-3.1-405B-Instruct-FP8", "meta-llama/Llama-3.1-405B-FP8"] {
            let m = try ModelCatalog.bundled.model(id)
            #expect(m.quantizedModules == .mlp && m.sixteenBitMLPLayers == 2, "\(id)")
        }
        // Neural Magic's checkpoint quantizes every linear layer of the blocks: its own entry, no
        // longer an alias of Meta's.
        let nm = try ModelCatalog.bundled.model("neuralmagic/Meta-Llama-3.1-405B-Instruct-FP8")
        #expect(nm.id == "neuralmagic/Meta-Llama-3.1-405B-Instruct-FP8" && nm.quantizedModules == .all && nm.defaultPrecision == .fp8)
    }

    /// Memory: 2 bytes for every weight but the 124 FP8 MLPs, which save one byte each (487 GB,
    /// not the 410 GB of an all-FP8 reading); the all-linear FP8 checkpoint stays at ~410 GB.
    @Test func memoryCountsTheSixteenBitAttentionAndEndLayers() throws {
        let d = try deployment("meta-llama/Llama-3.1-405B-Instruct-FP8")
        let m = d.model
        let quantizedMLPs = Double(m.layers - 2) * m.ffnParams(m.ffnSize)
        let expected = 2 * m.totalParams - quantizedMLPs
        #expect(approx(d.weightBytesPerGPU.bytes * 8, expected, rel: 1e-9), "\(d.weightBytesPerGPU.bytes * 8) vs \(expected)")
        #expect(approx(expected / 1e9, 487, rel: 0.01))
        let all = try deployment("neuralmagic/Meta-Llama-3.1-405B-Instruct-FP8")
        let allExpected = m.totalParams - m.embeddingParams - m.lmHeadParams + 2 * (m.embeddingParams + m.lmHeadParams)
        #expect(approx(all.weightBytesPerGPU.bytes * 8, allExpected, rel: 1e-9))
        #expect(d.weightsInWords == "fp8 MLP weights (attention projections and the MLPs of 2 layers 16-bit)", "\(d.weightsInWords)")
    }

    /// The kernels read attention projections and the end layers' MLPs in BF16 on the 16-bit
    /// tensor cores, the other MLPs in FP8; a step reads more weight bytes than the all-FP8
    /// checkpoint's and fewer than BF16's.
    @Test func decodeReadsEachPartAtItsStoredWidth() throws {
        // On 8 H200s, which hold the BF16 checkpoint too (811 GB).
        let d = try deployment("meta-llama/Llama-3.1-405B-Instruct-FP8", gpu: "h200")
        let g = try gemms(d)
        for k in g where ["qkv_proj", "o_proj"].contains(k.name) {
            #expect(k.shape.bBytes == 2 && k.shape.unit == .tensor(.bf16), "\(k.block) \(k.name)")
        }
        let plain = g.filter { $0.block == "layer" && ["gate_up_proj", "down_proj"].contains($0.name) }
        let ends = g.filter { $0.block == "layer-16bit-mlp" && ["gate_up_proj", "down_proj"].contains($0.name) }
        #expect(plain.count == 2 && plain.allSatisfy { $0.shape.bBytes == 1 && $0.repeats == 124 && $0.shape.unit == .tensor(.fp8) })
        #expect(ends.count == 2 && ends.allSatisfy { $0.shape.bBytes == 2 && $0.repeats == 2 && $0.shape.unit == .tensor(.bf16) })
        let mlpOnly = try weightBytesRead(d)
        let allFP8 = try weightBytesRead(try deployment("neuralmagic/Meta-Llama-3.1-405B-Instruct-FP8", gpu: "h200"))
        let bf16 = try weightBytesRead(try deployment("meta-llama/Llama-3.1-405B-Instruct", gpu: "h200"))
        #expect(mlpOnly > allFP8 * 1.15 && mlpOnly < allFP8 * 1.25 && mlpOnly < bf16, "\(mlpOnly / allFP8)")
    }

    /// A MoE checkpoint marked `mlp` quantizes its shared experts and dense layers with the routed
    /// experts (where `experts` keeps them 16-bit), and keeps attention 16-bit (where `all` does not).
    @Test func aMoECheckpointsMLPsTakeThePrecision() throws {
        let variants = ["all", "experts", "mlp"].map {
            #"{"id": "v3-\#($0)", "variantOf": "deepseek-ai/DeepSeek-V3.1", "aliases": [], "quantizedModules": "\#($0)", "source": "test"}"#
        }
        let file = #"{"schemaVersion": 1, "models": ["# + variants.joined(separator: ", ") + "]}"
        let e = Estimator(models: try ModelCatalog.bundled.adding(Data(file.utf8), file: "v.json"))
        func d(_ mode: String) throws -> Deployment {
            try e.deployment(DeploymentRequest(model: "v3-" + mode, gpu: "h200", gpus: 8, tensorParallel: 8))
        }
        let all = try d("all"), experts = try d("experts"), mlp = try d("mlp")
        #expect(mlp.denseWeightBytes == 2 && mlp.mlpWeightBytes == 1 && all.denseWeightBytes == 1 && experts.mlpWeightBytes == 2)
        let m = mlp.model, moe = try #require(m.moe)
        // The 3 dense layers' FFNs and the 58 MoE layers' shared experts, at 1 byte instead of 2.
        let sharedAndDense = Double(moe.denseLayers) * m.ffnParams(m.ffnSize)
            + Double(m.layers - moe.denseLayers) * Double(moe.sharedExperts) * m.ffnParams(moe.sharedExpertFFNSize)
        #expect(approx(experts.weightBytesPerGPU.bytes - mlp.weightBytesPerGPU.bytes, sharedAndDense / 8, rel: 1e-9))
        #expect(mlp.weightBytesPerGPU.bytes > all.weightBytesPerGPU.bytes)
        let g = try gemms(mlp)
        #expect(g.contains { $0.name == "shared_gate_up_proj" && $0.shape.bBytes == 1 } && g.contains { $0.name == "o_proj" && $0.shape.bBytes == 2 })
    }

    static let dense = #"{"id": "d", "aliases": [], "family": "f", "layers": 4, "hiddenSize": 64, "heads": 4, "kvHeads": 2, "headDim": 16, "ffnSize": 128, "ffnGated": true, "activation": "silu", "norm": "rmsnorm", "positional": "rope", "maxPositions": 4096, "vocabSize": 1000, "tiedEmbeddings": false, "attention": {"kind": "gqa"}, "defaultPrecision": "fp8", "source": "test"}"#

    func load(_ entry: String, variant: String = "") throws -> ModelCatalog {
        try ModelCatalog.load(Data((#"{"schemaVersion": 1, "models": ["# + entry + variant + "]}").utf8), file: "m.json")
    }

    func refusal(_ entry: String, variant: String = "") -> String {
        do {
            _ = try load(entry, variant: variant)
            Issue.record("accepted: \(entry) \(variant)")
            return ""
        } catch { return "\(error)" }
    }

    func with(_ extra: String) -> String { Self.dense.replacingOccurrences(of: #""source": "test"}"#, with: extra + #", "source": "test"}"#) }

    @Test func theReaderTakesMLPAndRefusesWhatItCannotModel() throws {
        let c = try load(with(#""quantizedModules": "mlp", "sixteenBitMLPLayers": 2"#))
        #expect(try c.model("d").quantizedModules == .mlp && c.model("d").sixteenBitMLPLayers == 2)
        // A variant may say what its checkpoint quantizes, and saying another mode drops the layers.
        let v = try load(with(#""quantizedModules": "mlp", "sixteenBitMLPLayers": 2"#),
                         variant: #", {"id": "v", "variantOf": "d", "aliases": [], "quantizedModules": "all", "source": "test"}"#)
        #expect(try v.model("v").quantizedModules == .all && v.model("v").sixteenBitMLPLayers == 0)
        let e1 = refusal(with(#""sixteenBitMLPLayers": 2"#))
        #expect(e1.contains("models[0].sixteenBitMLPLayers") && e1.contains("quantizedModules mlp"), "\(e1)")
        let e2 = refusal(with(#""quantizedModules": "mlp", "sixteenBitMLPLayers": 5"#))
        #expect(e2.contains("models[0].sixteenBitMLPLayers") && e2.contains("4"), "\(e2)")
        let e3 = refusal(with(#""quantizedModules": "experts""#))
        #expect(e3.contains("models[0].quantizedModules") && e3.contains("no experts"), "\(e3)")
        let moe = with(#""moe": {"experts": 4, "expertsPerToken": 2, "sharedExperts": 0, "expertFfnSize": 32}, "quantizedModules": "mlp", "sixteenBitMLPLayers": 1"#)
        let e4 = refusal(moe)
        #expect(e4.contains("models[0].sixteenBitMLPLayers") && e4.contains("alike"), "\(e4)")
    }

    /// `models --from-hf` reads Meta's config as the catalog entry says: FBGEMM FP8, attention
    /// and the MLPs of the two layers it names in BF16 (it refused fbgemm_fp8 before).
    @Test func theConverterReadsMetasModulesToNotConvert() throws {
        var ignored = ["lm_head"]
        for layer in 0..<126 { ignored += ["k", "o", "q", "v"].map { "model.layers.\(layer).self_attn.\($0)_proj" } }
        for layer in [0, 125] { ignored += ["down", "gate", "up"].map { "model.layers.\(layer).mlp.\($0)_proj" } }
        let list = ignored.map { "\"\($0)\"" }.joined(separator: ", ")
        let config = #"{"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 16384, "intermediate_size": 53248, "num_attention_heads": 128, "num_hidden_layers": 126, "num_key_value_heads": 8, "hidden_act": "silu", "max_position_embeddings": 131072, "rms_norm_eps": 1e-05, "rope_theta": 500000.0, "tie_word_embeddings": false, "vocab_size": 128256, "torch_dtype": "bfloat16", "quantization_config": {"quant_method": "fbgemm_fp8", "activation_scale_ub": 1200.0, "modules_to_not_convert": ["# + list + "]}}"
        let file = try HuggingFaceConfig.catalogFile(Data(config.utf8), file: "config.json", id: "test/llama-3.1-405b-fp8", source: nil)
        let m = try #require(try ModelCatalog.load(Data(JSONWriter().write(file).utf8), file: "converted.json").models.first)
        let bundled = try ModelCatalog.bundled.model("meta-llama/Llama-3.1-405B-Instruct-FP8")
        #expect(m.defaultPrecision == .fp8 && m.quantizedModules == bundled.quantizedModules && m.sixteenBitMLPLayers == bundled.sixteenBitMLPLayers)
        #expect(approx(m.totalParams, bundled.totalParams, rel: 1e-12))
    }
}
