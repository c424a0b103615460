import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// DeepSeek sparse attention (DeepSeek-V3.2): a lightning indexer scores every past token in FP8
/// and MLA attends the 2,048 best; the numbers follow from the published config and vLLM's formats.
@Suite struct SparseAttentionTests {
    static let v32 = "deepseek-ai/DeepSeek-V3.2"
    let estimator = Estimator()

    /// Per layer the indexer holds wq_b (1,536 → 64 × 128), wk (7,168 → 128), the key LayerNorm
    /// and weights_proj (7,168 → 64): 13.96 M, 0.85 B over 61 layers on top of V3's weights.
    @Test func indexerParametersFollowTheConfig() throws {
        let m = try ModelCatalog.bundled.model(Self.v32)
        let perLayer: Double = 1536 * 8192 + 7168 * 128 + 2 * 128 + 7168 * 64
        #expect(m.indexerParamsPerLayer == perLayer)
        let v31 = try ModelCatalog.bundled.model("deepseek-ai/DeepSeek-V3.1")
        #expect(m.totalParams - v31.totalParams == 61 * perLayer)
    }

    /// A token's cache per layer: the indexer's 128 FP8 values and FP32 scale (132 B) beside MLA's
    /// entry, 1,152 B in BF16 or vLLM's 656 B fp8_ds_mla.
    @Test func theCacheHoldsTheIndexerKeys() throws {
        var r = DeploymentRequest(model: Self.v32, gpu: "h200", gpus: 8, tensorParallel: 8)
        r.kvPrecision = .bf16
        #expect(try estimator.deployment(r).kvBytesPerTokenPerGPU.bytes == 61 * (1152 + 132))
        r.kvPrecision = .fp8
        #expect(try estimator.deployment(r).kvBytesPerTokenPerGPU.bytes == 61 * (656 + 132))
    }

    @Test func aQueryAttendsItsPositionUpToTopK() {
        let f = FusedLayerPlanner.selectedTokens
        #expect(f(1, 100, 2048) == 100)
        #expect(f(1, 100_000, 2048) == 2048)
        #expect(f(1000, 1000, 2048) == 501)
        // Positions 1…2,048 attend themselves, the 2,048 after them 2,048 each: 1,536.25 on average.
        #expect(f(4096, 4096, 2048) == 1536)
        #expect(f(1000, 100_000, 2048) == 2048)
    }

    /// In decode MLA reads the 2,048 selected entries whatever the context, while the indexer
    /// scores every past token.
    @Test func decodeAttendsTheSelectedTokensOnly() throws {
        let d = try estimator.deployment(DeploymentRequest(model: Self.v32, gpu: "h200", gpus: 8, tensorParallel: 8))
        let program = try PhasePlanner(deployment: d).program(for: .decode(batch: 4, context: 100_000))
        let layer = try #require(program.blocks.first { $0.name == "moe-layer" })
        guard case let .attention(a)? = layer.kernels.first(where: { $0.name == "decode_attention" })?.shape,
              case let .gemm(scores)? = layer.kernels.first(where: { $0.name == "indexer_logits" })?.shape else {
            Issue.record("missing kernels"); return
        }
        // 16 local heads run padded to FlashMLA's 64.
        #expect(a.kvLength == 2048 && a.heads == 64 && a.headDim == 576 && a.valueHeadDim == 512)
        #expect(scores.n == 100_000 && scores.m == 64 && scores.k == 128 && scores.batch == 4)
        let hosted = Set(layer.kernels.filter { $0.hostOps == 1 }.map(\.name))
        #expect(hosted.isSuperset(of: ["indexer_k_cache_write", "indexer_logits", "indexer_topk", "decode_attention"]))
    }

    /// From 8k to 128k tokens of context a V3.2 decode step grows far less than V3.1's, whose MLA
    /// reads every token's latent.
    @Test func decodeGrowsLessWithContextThanV31s() throws {
        func added(_ model: String) throws -> Double {
            try estimator.decodeTimeAdded(model, gpu: "h200", gpus: 8, batch: 8, from: 8192, to: 131_072)
        }
        let sparse = try added(Self.v32), dense = try added("deepseek-ai/DeepSeek-V3.1")
        #expect(sparse > 0 && sparse < 0.5 * dense, "V3.2 +\(sparse) s, V3.1 +\(dense) s")
    }

    /// The hf planner has no indexer: it would price dense attention, so it refuses.
    @Test func theHFFrameworkIsRefused() throws {
        var r = DeploymentRequest(model: Self.v32, gpu: "h200", gpus: 8, tensorParallel: 8)
        r.framework = .hf
        // Refused as it is built (its experts have no hf path either), or else when planned.
        #expect(throws: DeploymentError.self) {
            let d = try estimator.deployment(r)
            _ = try estimator.forwardPass(d, phase: .decode(batch: 1, context: 100))
        }
    }

    @Test func aGPUWithoutFP8IsRefused() throws {
        #expect(throws: DeploymentError.self) {
            _ = try estimator.deployment(DeploymentRequest(model: Self.v32, gpu: "a100-sxm-80gb", gpus: 8, tensorParallel: 8,
                                                           precision: .bf16))
        }
    }

    @Test func aSparseIndexNeedsLatentAttention() throws {
        let json = #"{"schemaVersion": 1, "models": [{"id": "s", "aliases": [], "family": "f", "layers": 2, "hiddenSize": 64, "heads": 4, "kvHeads": 2, "headDim": 16, "ffnSize": 128, "ffnGated": true, "activation": "silu", "norm": "rmsnorm", "positional": "rope", "maxPositions": 4096, "vocabSize": 1000, "tiedEmbeddings": false, "attention": {"kind": "gqa", "sparseIndex": {"heads": 4, "headDim": 16, "topK": 64}}, "defaultPrecision": "bf16", "source": "test"}]}"#
        #expect(throws: InputError.self) { _ = try ModelCatalog.load(Data(json.utf8), file: "m.json") }
    }
}

/// Checkpoints that quantize the routed experts only (Kimi-K2-Thinking's INT4 experts beside BF16
/// attention, shared expert and dense layer).
@Suite struct ExpertOnlyQuantizationTests {
    let estimator = Estimator()

    @Test func onlyTheExpertsStreamAtFourBits() throws {
        let d = try estimator.deployment(DeploymentRequest(model: "moonshotai/Kimi-K2-Thinking", gpu: "h200", gpus: 8, tensorParallel: 8))
        // INT4 in groups of 32 weights, each with a 16-bit scale: 0.5625 bytes per weight.
        #expect(d.precision == .int4 && d.expertWeightBytes == 0.5625 && d.denseWeightBytes == 2)
        let m = d.model
        let routed = Double(m.moeLayerCount * 384) * m.expertParams
        let dense = m.totalParams - routed - m.embeddingParams - m.lmHeadParams
        let expected = (routed * 0.5625 + dense * 2 + (m.embeddingParams + m.lmHeadParams) * 2) / 8
        #expect(abs(d.weightBytesPerGPU.bytes / expected - 1) < 1e-9)
        // The 16-bit layers run on the 16-bit tensor cores.
        let program = try PhasePlanner(deployment: d).program(for: .decode(batch: 8, context: 1000))
        let layer = try #require(program.blocks.first { $0.name == "moe-layer" })
        guard case let .gemm(q)? = layer.kernels.first(where: { $0.name == "q_a_proj" })?.shape else { Issue.record("no q_a_proj"); return }
        #expect(q.bBytes == 2)
    }

    /// Without a group size of its own an INT4 checkpoint takes the precision's 128.
    @Test func anINT4CheckpointWithoutAGroupSizeTakes128() throws {
        var r = DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm")
        r.precision = .int4
        #expect(try estimator.deployment(r).expertWeightBytes == Precision.int4.weightBytesPerElement)
    }

    @Test func aDenseModelCannotQuantizeExpertsOnly() throws {
        let json = #"{"schemaVersion": 1, "models": [{"id": "q", "aliases": [], "family": "f", "layers": 2, "hiddenSize": 64, "heads": 4, "kvHeads": 2, "headDim": 16, "ffnSize": 128, "ffnGated": true, "activation": "silu", "norm": "rmsnorm", "positional": "rope", "maxPositions": 4096, "vocabSize": 1000, "tiedEmbeddings": false, "attention": {"kind": "gqa"}, "quantizedModules": "experts", "defaultPrecision": "int4", "source": "test"}]}"#
        #expect(throws: InputError.self) { _ = try ModelCatalog.load(Data(json.utf8), file: "m.json") }
    }
}
