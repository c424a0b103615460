import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// Mamba-2 hybrids (Nemotron-H): one mixer per block, a fixed-size state per sequence in place of
/// most of the KV cache, and a decode cost that does not grow with the context.
@Suite struct HybridModelTests {
    static let nano9B = "nvidia/NVIDIA-Nemotron-Nano-9B-v2"
    let estimator = Estimator()

    /// A one-model catalog around `hybrid` (Mamba-2 fields as in Nemotron Nano 9B v2 unless given).
    static func catalog(hybrid: String, extra: String = "", heads: Int = 4, kvHeads: Int = 2) throws -> ModelCatalog {
        let json = #"{"schemaVersion": 1, "models": [{"id": "h", "aliases": [], "family": "f", "layers": 4, "hiddenSize": 64, "heads": \#(heads), "kvHeads": \#(kvHeads), "headDim": 16, "ffnSize": 128, "ffnGated": false, "activation": "relu", "norm": "rmsnorm", "positional": "none", "maxPositions": 4096, "vocabSize": 1000, "tiedEmbeddings": false, "attention": {"kind": "gqa"}, "hybrid": \#(hybrid), \#(extra) "defaultPrecision": "bf16", "source": "test"}]}"#
        return try ModelCatalog.load(Data(json.utf8), file: "m.json")
    }

    static func mamba(groups: Int = 8) -> String {
        #"{"heads": 128, "headDim": 80, "groups": \#(groups), "stateSize": 128, "convKernel": 4, "chunkSize": 128, "stateBytes": 4}"#
    }

    /// The Mamba-2 mixer's weights from its config: in_proj to z, x, B, C, dt (2·10240 + 2·8·128 +
    /// 128 = 22,656 outputs of 4,480 inputs), the convolution over 12,288 channels (4 taps and a
    /// bias), A, D and dt bias per head, the gated norm's 10,240 weights, out_proj (10,240 × 4,480).
    @Test func mambaParametersFollowTheConfig() throws {
        let m = try ModelCatalog.bundled.model(Self.nano9B)
        let projections: Double = 4480 * 22656 + 10240 * 4480
        let rest: Double = 12288 * 5 + 3 * 128 + 10240
        let expected = projections + rest
        #expect(m.mambaParamsPerLayer == expected)
        #expect(abs(m.totalParams / 8.89e9 - 1) < 0.01, "\(m.totalParams)")
        #expect(m.attentionLayerCount == 4 && m.mambaLayerCount == 27 && m.ffnLayerCount == 25)
    }

    /// A sequence holds 4 attention layers' KV and 27 layers' Mamba-2 state: 128 heads × 80 × 128
    /// FP32 values (5.24 MB) plus 3 × 12,288 BF16 convolution inputs per layer.
    @Test func aSequenceHoldsItsStateOnceAndKVOnlyForAttentionLayers() throws {
        let d = try estimator.deployment(DeploymentRequest(model: Self.nano9B, gpu: "h100-sxm"))
        let state = 27.0 * (128 * 80 * 128 * 4 + 12288 * 3 * 2)
        #expect(d.mambaStateBytesPerSequencePerGPU.bytes == state)
        #expect(d.kvBytesPerTokenPerGPU.bytes == 4 * 2 * 8 * 128 * 2)
        let perSequence = d.kvBytesPerSequencePerGPU(contextTokens: 1024).bytes
        #expect(perSequence == state + 1024 * 4 * 2 * 8 * 128 * 2)
        let tp2 = try estimator.deployment(DeploymentRequest(model: Self.nano9B, gpu: "h100-sxm", gpus: 2, tensorParallel: 2))
        #expect(tp2.mambaStateBytesPerSequencePerGPU.bytes == state / 2)
    }

    /// Decode reads and rewrites each sequence's whole state every step whatever its context, so a
    /// hybrid's step grows far less with the context than a transformer's of like size does: from
    /// 1k to 32k tokens only its 4 attention layers read more (×1.75 against Qwen3-8B's ×8.6).
    @Test func decodeCostHardlyGrowsWithContext() throws {
        func growth(_ model: String) throws -> Double {
            let d = try estimator.deployment(DeploymentRequest(model: model, gpu: "h100-sxm"))
            let short = try estimator.forwardPass(d, phase: .decode(batch: 64, context: 1024))
            let long = try estimator.forwardPass(d, phase: .decode(batch: 64, context: 32768))
            return long.time.seconds / short.time.seconds
        }
        let hybrid = try growth(Self.nano9B)
        let transformer = try growth("Qwen/Qwen3-8B")
        #expect(hybrid < 2 && transformer > 5, "hybrid ×\(hybrid), transformer ×\(transformer)")
    }

    /// The FP32 state is the bulk of a large batch's decode traffic: the same model with a BF16
    /// state decodes 256 sequences in less time and energy.
    @Test func theStatePrecisionMovesTheDecodeCost() throws {
        let base = try ModelCatalog.bundled.model(Self.nano9B)
        var bf16 = base
        bf16.hybrid?.mamba.stateBytes = 2
        let catalog = try ModelCatalog(models: [base, bf16.renamed("nano-bf16-state")])
        let e = Estimator(models: catalog)
        let phase = Phase.decode(batch: 256, context: 1024)
        let fp32 = try e.forwardPass(try e.deployment(DeploymentRequest(model: Self.nano9B, gpu: "h100-sxm")), phase: phase)
        let half = try e.forwardPass(try e.deployment(DeploymentRequest(model: "nano-bf16-state", gpu: "h100-sxm")), phase: phase)
        #expect(half.time.seconds < 0.8 * fp32.time.seconds)
        #expect(half.energy.joules < 0.85 * fp32.energy.joules)
    }

    /// vLLM keeps the Mamba-2 mixer outside its piecewise CUDA graphs, as it does attention: every
    /// mixer kernel is launched by the host, the block's norm and all-reduce replay in the graph.
    @Test func theMixerIsLaunchedByTheHost() throws {
        let d = try estimator.deployment(DeploymentRequest(model: Self.nano9B, gpu: "h100-sxm"))
        let program = try PhasePlanner(deployment: d).program(for: .decode(batch: 8, context: 1024))
        let block = try #require(program.blocks.first { $0.name == "mamba2-block" })
        #expect(block.repeats == 27)
        #expect(block.kernels.map(\.name) == ["input_norm", "in_proj", "conv1d_update", "selective_state_update", "gated_norm", "out_proj"])
        #expect(block.kernels.map(\.hostOps) == [0, 1, 1, 1, 1, 1])
        #expect(program.blocks.map(\.name) == ["embedding", "mamba2-block", "attention-block", "mlp-block", "head"])
    }

    /// A prompt runs the chunked scan: 1,000 tokens are 8 chunks of 125 per sequence.
    @Test func aPromptRunsTheChunkedScan() throws {
        let d = try estimator.deployment(DeploymentRequest(model: Self.nano9B, gpu: "h100-sxm"))
        let program = try PhasePlanner(deployment: d).program(for: .prefill(batch: 2, tokens: 1000))
        let block = try #require(program.blocks.first { $0.name == "mamba2-block" })
        let scan = try #require(block.kernels.first { $0.name == "ssd_chunk_scan" })
        guard case let .gemm(g) = scan.shape else { Issue.record("ssd_chunk_scan is not a product"); return }
        #expect(g.batch == 2 * 8 * 128 && g.m == 125 && g.n == 80 && g.k == 125 + 128)
    }

    @Test func blockCountsMustAddUpToTheLayers() throws {
        #expect(throws: InputError.self) {
            _ = try Self.catalog(hybrid: #"{"mambaLayers": 2, "attentionLayers": 1, "mlpLayers": 2, "mamba2": \#(Self.mamba())}"#)
        }
        let ok = try Self.catalog(hybrid: #"{"mambaLayers": 2, "attentionLayers": 1, "mlpLayers": 1, "mamba2": \#(Self.mamba())}"#)
        #expect(try ok.model("h").hybrid?.mambaLayers == 2)
    }

    @Test func aHybridWithExpertsIsRefusedAtLoad() throws {
        let moe = #""moe": {"experts": 4, "expertsPerToken": 2, "expertFfnSize": 32},"#
        #expect(throws: InputError.self) {
            _ = try Self.catalog(hybrid: #"{"mambaLayers": 2, "attentionLayers": 1, "mlpLayers": 1, "mamba2": \#(Self.mamba())}"#, extra: moe)
        }
    }

    /// Tensor parallelism splits the SSM heads and the B/C groups: a group count the tp does not
    /// divide is refused, not silently replicated.
    @Test func tensorParallelismMustDivideTheMambaGroups() throws {
        let catalog = try Self.catalog(hybrid: #"{"mambaLayers": 2, "attentionLayers": 1, "mlpLayers": 1, "mamba2": \#(Self.mamba(groups: 2))}"#,
                                       heads: 8, kvHeads: 4)
        let e = Estimator(models: catalog)
        #expect(throws: DeploymentError.self) {
            _ = try e.deployment(DeploymentRequest(model: "h", gpu: "h100-sxm", gpus: 4, tensorParallel: 4))
        }
        _ = try e.deployment(DeploymentRequest(model: "h", gpu: "h100-sxm", gpus: 2, tensorParallel: 2))
    }
}

extension ModelArchitecture {
    func renamed(_ id: String) -> ModelArchitecture {
        var m = self
        m.id = id
        m.aliases = []
        return m
    }
}

@Suite struct SSMStatePrecisionTests {
    let estimator = Estimator()

    /// vLLM's `--mamba-ssm-cache-dtype`: a BF16 state halves the state bytes a sequence holds.
    @Test func theRequestSetsTheStatePrecision() throws {
        var r = DeploymentRequest(model: HybridModelTests.nano9B, gpu: "h100-sxm")
        let fp32 = try estimator.deployment(r).mambaStateBytesPerSequencePerGPU.bytes
        r.ssmStatePrecision = .bf16
        let bf16 = try estimator.deployment(r).mambaStateBytesPerSequencePerGPU.bytes
        let conv = 27.0 * 12288 * 3 * 2
        #expect(bf16 - conv == (fp32 - conv) / 2)
    }

    @Test func aStatePrecisionNeedsAHybridAndOneVLLMCaches() throws {
        var transformer = DeploymentRequest(model: "Qwen/Qwen3-8B", gpu: "h100-sxm")
        transformer.ssmStatePrecision = .bf16
        #expect(throws: DeploymentError.self) { _ = try estimator.deployment(transformer) }
        var fp8 = DeploymentRequest(model: HybridModelTests.nano9B, gpu: "h100-sxm")
        fp8.ssmStatePrecision = .fp8
        #expect(throws: DeploymentError.self) { _ = try estimator.deployment(fp8) }
    }
}
