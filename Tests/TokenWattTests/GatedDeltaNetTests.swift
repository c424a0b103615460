import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// Gated DeltaNet hybrids (Qwen3-Next, Qwen3.5): three of four layers replace attention by a
/// linear-attention mixer with a fixed-size state per sequence; the fourth attends fully, its
/// output gated. The numbers below follow from the published configs.
@Suite struct GatedDeltaNetTests {
    static let next = "Qwen/Qwen3-Next-80B-A3B-Instruct"
    let estimator = Estimator()

    /// A one-model catalog with a Gated DeltaNet block (`linear`) on a small transformer.
    static func catalog(linear: String, attention: String = #"{"kind": "gqa", "outputGate": true}"#, heads: Int = 8, kvHeads: Int = 2) throws -> ModelCatalog {
        let json = #"{"schemaVersion": 1, "models": [{"id": "g", "aliases": [], "family": "f", "layers": 4, "hiddenSize": 64, "heads": \#(heads), "kvHeads": \#(kvHeads), "headDim": 16, "ffnSize": 128, "ffnGated": true, "activation": "silu", "norm": "rmsnorm", "positional": "rope", "maxPositions": 4096, "vocabSize": 1000, "tiedEmbeddings": false, "attention": \#(attention), "linearAttention": \#(linear), "defaultPrecision": "bf16", "source": "test"}]}"#
        return try ModelCatalog.load(Data(json.utf8), file: "m.json")
    }

    static func linear(layers: Int = 3, keyHeads: Int = 2, valueHeads: Int = 4) -> String {
        #"{"layers": \#(layers), "keyHeads": \#(keyHeads), "valueHeads": \#(valueHeads), "keyHeadDim": 16, "valueHeadDim": 16, "convKernel": 4, "chunkSize": 64, "stateBytes": 2}"#
    }

    /// Qwen3-Next's mixer weights from its config: in_proj_qkvz (2 · 2,048 + 2 · 4,096 = 12,288
    /// outputs) and in_proj_ba (64) of 2,048 inputs, the convolution over 8,192 channels (4 taps),
    /// A and dt bias per value head, the gated norm over a 128-wide head, out_proj 4,096 × 2,048.
    /// Its gated attention doubles the query projection. With 512 experts the total is the
    /// checkpoint's 79.67 B (the model card's 80 B).
    @Test func parametersFollowTheConfig() throws {
        let m = try ModelCatalog.bundled.model(Self.next)
        let linear: Double = 2048 * (12288 + 64) + 8192 * 4 + 2 * 32 + 128 + 4096 * 2048
        #expect(m.linearAttentionParamsPerLayer == linear)
        let attention: Double = 2048 * (2 * 16 + 2 * 2) * 256 + 16 * 256 * 2048
        #expect(m.attentionParamsPerLayer == attention)
        #expect(m.attentionLayerCount == 12 && m.linearAttentionLayerCount == 36)
        #expect(abs(m.totalParams / 79.674e9 - 1) < 1e-3, "\(m.totalParams)")
    }

    /// A sequence holds KV for the 12 attention layers only, and per Gated DeltaNet layer a
    /// 32 × 128 × 128 state (BF16 under vLLM's default) plus 3 × 8,192 convolution inputs.
    @Test func aSequenceHoldsItsStateOnceAndKVOnlyForAttentionLayers() throws {
        let d = try estimator.deployment(DeploymentRequest(model: Self.next, gpu: "h100-sxm", gpus: 4, tensorParallel: 4))
        let perLayer: Double = 32 * 128 * 128 * 2 + 8192 * 3 * 2
        let state = 36 * perLayer / 4
        let kvPerToken: Double = 12 * 2 * 1 * 256 * 2
        #expect(d.linearStateBytesPerSequencePerGPU.bytes == state)
        #expect(d.kvBytesPerTokenPerGPU.bytes == kvPerToken)
        #expect(d.kvBytesPerSequencePerGPU(contextTokens: 1000).bytes == state + 1000 * kvPerToken)
        var fp32 = DeploymentRequest(model: Self.next, gpu: "h100-sxm", gpus: 4, tensorParallel: 4)
        fp32.ssmStatePrecision = .fp32
        let conv: Double = 36 * 8192 * 3 * 2 / 4
        #expect(try estimator.deployment(fp32).linearStateBytesPerSequencePerGPU.bytes - conv == 2 * (state - conv))
        // Qwen3.5 asks for an FP32 state (mamba_ssm_dtype), which vLLM keeps.
        #expect(try ModelCatalog.bundled.model("Qwen/Qwen3.5-27B").linearAttention?.stateBytes == 4)
    }

    /// Decode reads each sequence's state whatever its context: from 1k to 32k tokens only the
    /// 12 attention layers read more KV (one 256-wide KV head per GPU at tp 4), where Qwen3-32B's
    /// 64 layers read two 128-wide heads each: a fifth of the added bytes, so well under half the
    /// added time.
    @Test func decodeCostGrowsLessWithContextThanATransformers() throws {
        func added(_ model: String) throws -> Double {
            try estimator.decodeTimeAdded(model, gpu: "h100-sxm", gpus: 4, batch: 16, from: 1024, to: 32768)
        }
        let hybrid = try added(Self.next)
        let transformer = try added("Qwen/Qwen3-32B")
        #expect(hybrid > 0 && hybrid < 0.4 * transformer, "hybrid +\(hybrid) s, transformer +\(transformer) s")
    }

    /// The decode step's kernels: the projections and the gated norm replay in the piecewise
    /// graph; the convolution and the fused recurrent update, inside vLLM's gdn_attention_core
    /// op, are launched by the host.
    @Test func theLinearMixerSitsInATransformerLayer() throws {
        let d = try estimator.deployment(DeploymentRequest(model: Self.next, gpu: "h100-sxm", gpus: 4, tensorParallel: 4))
        let program = try PhasePlanner(deployment: d).program(for: .decode(batch: 8, context: 1024))
        #expect(program.blocks.map(\.name) == ["embedding", "moe-layer", "moe-layer-gdn", "head"])
        let block = try #require(program.blocks.first { $0.name == "moe-layer-gdn" })
        #expect(block.repeats == 36)
        let names = block.kernels.map(\.name)
        let mixer = Array(names[1..<8])
        #expect(mixer == ["in_proj_qkvz", "in_proj_ba", "qkvz_unpack", "conv1d_update", "gdn_recurrent_update", "gated_norm", "out_proj"])
        let hosted = block.kernels.filter { $0.hostOps == 1 }.map(\.name)
        #expect(hosted == ["conv1d_update", "gdn_recurrent_update"])
        let attention = try #require(program.blocks.first { $0.name == "moe-layer" })
        #expect(attention.repeats == 12)
        guard case let .gemm(qkv)? = attention.kernels.first(where: { $0.name == "qkv_proj" })?.shape else {
            Issue.record("no qkv_proj"); return
        }
        // 4 query heads and their 4 gates per GPU, and 1 of the 2 KV heads, × 256.
        #expect(qkv.n == (2 * 4 + 2 * 1) * 256)
        #expect(attention.kernels.contains { $0.name == "attn_output_gate" })
    }

    /// The decode update streams each sequence's whole state in and out, so an FP32 state adds at
    /// least its extra bytes at the GPU's peak bandwidth to the step (256 sequences × 36 layers ×
    /// 8 heads × 128 × 128 × 2 more bytes, read and written: 4.8 GB, 1.4 ms on an H100), and energy.
    @Test func theStatePrecisionMovesTheDecodeCost() throws {
        var r = DeploymentRequest(model: Self.next, gpu: "h100-sxm", gpus: 4, tensorParallel: 4)
        let phase = Phase.decode(batch: 256, context: 1024)
        let d = try estimator.deployment(r)
        let bf16 = try estimator.forwardPass(d, phase: phase)
        r.ssmStatePrecision = .fp32
        let fp32 = try estimator.forwardPass(try estimator.deployment(r), phase: phase)
        let extraBytes: Double = 256 * 36 * 8 * 128 * 128 * 2 * 2
        #expect(fp32.time.seconds - bf16.time.seconds >= (ByteCount.bytes(extraBytes) / d.gpu.memoryBandwidth).seconds)
        #expect(fp32.energy.joules > bf16.energy.joules)
    }

    /// A prompt runs the chunked delta rule: 1,000 tokens are 16 chunks of 63, per local value head.
    @Test func aPromptRunsTheChunkedDeltaRule() throws {
        let d = try estimator.deployment(DeploymentRequest(model: Self.next, gpu: "h100-sxm", gpus: 4, tensorParallel: 4))
        let program = try PhasePlanner(deployment: d).program(for: .prefill(batch: 2, tokens: 1000))
        let block = try #require(program.blocks.first { $0.name == "moe-layer-gdn" })
        guard case let .gemm(g)? = block.kernels.first(where: { $0.name == "gdn_chunk_state" })?.shape else {
            Issue.record("no gdn_chunk_state"); return
        }
        #expect(g.batch == 2 * 16 * 8 && g.m == 128 && g.n == 128 && g.k == 2 * 63)
        #expect(!block.kernels.contains { $0.name == "gdn_recurrent_update" })
    }

    /// vLLM shards the key and value heads over the tensor-parallel group: a tp that does not
    /// divide the 2 key heads is refused, naming the mixer.
    @Test func tensorParallelismMustDivideTheLinearHeads() throws {
        let e = Estimator(models: try Self.catalog(linear: Self.linear()))
        do {
            _ = try e.deployment(DeploymentRequest(model: "g", gpu: "h100-sxm", gpus: 4, tensorParallel: 4))
            Issue.record("tp 4 over 2 key heads was accepted")
        } catch let error as DeploymentError {
            #expect("\(error)".contains("Gated DeltaNet"))
        }
        _ = try e.deployment(DeploymentRequest(model: "g", gpu: "h100-sxm", gpus: 2, tensorParallel: 2))
    }

    @Test func badMixersAreRefusedAtLoad() throws {
        #expect(throws: InputError.self) { _ = try Self.catalog(linear: Self.linear(keyHeads: 3, valueHeads: 4)) }
        #expect(throws: InputError.self) { _ = try Self.catalog(linear: Self.linear(layers: 5)) }
        #expect(throws: InputError.self) {
            _ = try Self.catalog(linear: Self.linear(), attention: #"{"kind": "gqa", "slidingWindow": 128}"#)
        }
        #expect(try Self.catalog(linear: Self.linear()).model("g").linearAttentionLayerCount == 3)
    }

    /// The hf framework plans transformer layers only.
    @Test func theHFFrameworkIsRefused() throws {
        var r = DeploymentRequest(model: Self.next, gpu: "h100-sxm", gpus: 4, tensorParallel: 4)
        r.framework = .hf
        // Refused as it is built (its experts have no hf path either), or else when planned.
        #expect(throws: DeploymentError.self) {
            let d = try estimator.deployment(r)
            _ = try estimator.forwardPass(d, phase: .decode(batch: 1, context: 100))
        }
    }
}
