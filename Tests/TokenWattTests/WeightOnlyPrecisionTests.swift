import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// Weight-only formats: dequantized GEMMs stream their stored width in decode, FP8
/// runs dequantized on GPUs without FP8 tensor cores, and the outputs name the precisions.
@Suite struct WeightOnlyPrecisionTests {
    static let estimator = Estimator()

    static func pass(_ model: String, _ gpu: String, _ precision: Precision, _ phase: Phase, tp: Int = 1) throws -> Double {
        let d = try estimator.deployment(DeploymentRequest(model: model, gpu: gpu, gpus: tp, tensorParallel: tp, precision: precision))
        return try estimator.forwardPass(d, phase: phase, lmHead: false).time.seconds
    }

    /// Decode keeps the saving of streaming 4-bit weights (a dequantizing GEMM reads them from HBM
    /// at their stored width). Prefill is not pinned: on an H100 W4A16 prefill still runs 0.898×
    /// the BF16 time (methodology §11, the 16-bit L2 feed tried and not kept).
    @Test(arguments: ["h100-sxm", "a100-sxm-80gb", "mi355x", "b200"])
    func weightOnlyDecodeStreamsTheStoredWidth(_ gpu: String) throws {
        let decodeBF16 = try Self.pass("llama-3.1-8b", gpu, .bf16, .decode(batch: 16, context: 1000))
        let decodeInt4 = try Self.pass("llama-3.1-8b", gpu, .int4, .decode(batch: 16, context: 1000))
        #expect(decodeInt4 < decodeBF16 * 0.8, "\(gpu): int4 decode \(decodeInt4 / decodeBF16)× BF16")
    }

    /// Block-FP8 experts dequantized on an A100 are read per group, not block-scaled, so neither
    /// estimate's block-FP8 caveat nor SGLang's "block-FP8 experts" difference is said of them
    /// (both had been, while the A100 priced them exactly as vLLM's); on an H100 both still are.
    @Test func dequantizedBlockFP8ExpertsCarryNoBlockFP8Caveat() throws {
        func deployment(_ gpu: String, _ framework: Framework = .vllm) throws -> Deployment {
            try Self.estimator.deployment(DeploymentRequest(model: "Qwen/Qwen3-30B-A3B-FP8", gpu: gpu, framework: framework))
        }
        let a100 = try deployment("a100-sxm-80gb"), h100 = try deployment("h100-sxm")
        #expect(!a100.hasBlockScaledFP8Experts && h100.hasBlockScaledFP8Experts)
        #expect(!PublishedServing.servingCaveats(for: a100).contains(PublishedServing.blockFP8MoECaveat))
        #expect(PublishedServing.servingCaveats(for: h100).contains(PublishedServing.blockFP8MoECaveat))
        #expect(!QueryEstimate.sglangDifference(try deployment("a100-sxm-80gb", .sglang)).contains("block-FP8"))
        #expect(QueryEstimate.sglangDifference(try deployment("h100-sxm", .sglang)).contains("block-FP8"))
    }

    /// FP8 on an A100 runs as vLLM's FP8 Marlin does (W8A16): dequantized to BF16, with the note
    /// estimate gives INT4; a V100 (no Marlin FP8) still refuses it.
    @Test func fp8IsDequantizedOnAmpere() throws {
        let a100 = try Self.estimator.gpus.gpu("a100-sxm-80gb")
        #expect(a100.mathUnit(for: .fp8) == .tensor(.bf16))
        #expect(try Self.estimator.gpus.gpu("a10").mathUnit(for: .fp8) == .tensor(.bf16))
        #expect(try Self.estimator.gpus.gpu("v100-sxm2-32gb").mathUnit(for: .fp8) == nil)
        let d = try Self.estimator.deployment(DeploymentRequest(model: "nvidia/Llama-3.1-70B-Instruct-FP8", gpu: "a100-sxm-80gb", gpus: 2, tensorParallel: 2))
        #expect(d.precision == .fp8 && d.mathUnit == .tensor(.bf16))
        #expect(d.dequantization?.contains("fp8 weights dequantized to bf16") == true, "\(d.dequantization ?? "nil")")
        let serve = try Self.estimator.serve(d, ServingRequest(batch: 16, inputTokens: 1000, outputTokens: 200))
        let bf16 = try Self.estimator.serve(try Self.estimator.deployment(DeploymentRequest(model: "llama-3.1-70b", gpu: "a100-sxm-80gb", gpus: 2, tensorParallel: 2)),
                                            ServingRequest(batch: 16, inputTokens: 1000, outputTokens: 200))
        // Half the weight bytes in decode, the BF16 rate in prefill.
        #expect(serve.energyPerOutputToken.joules < bf16.energyPerOutputToken.joules)
        #expect(Precision.fp8.gemmActivationBytes(on: .tensor(.bf16)) == 2)
    }

    /// The decode-step note (kernels --context, predict) leaves the KV cache what estimate leaves it:
    /// the activations of the engine's step budget, not of the batch (59.6 against 58.5 GB).
    @Test func decodeStepNoteUsesTheEnginesStepBudget() throws {
        let d = try Self.estimator.deployment(DeploymentRequest(model: "llama-3.1-8b", gpu: "h100-sxm"))
        let note = try #require(PredictTable.kvNote(d, batch: 64, context: 1_000_000))
        let free = KVCacheBudget.freeBytes(d, tokenBudget: ServingRequest.defaultTokenBudget(for: d), memoryUtilization: d.memoryUtilization)
        #expect(note.contains("\(formatNumber(free / 1e9, significant: 3)) GB per GPU"), "\(note)")
    }

    /// The fp8 KV advice is given only where an fp8 cache would hold the call and is not the cache already.
    @Test func fp8KVAdviceOnlyWhereItHelps() throws {
        func refusal(_ kv: Precision?, input: Int) throws -> String {
            var r = DeploymentRequest(model: "llama-3.1-8b", gpu: "h100-sxm")
            r.kvPrecision = kv
            let d = try Self.estimator.deployment(r)
            do {
                try KVCacheBudget.requireRoom(ServingRequest(batch: 8, inputTokens: input, outputTokens: 500, tokenBudget: 8192), on: d)
                return ""
            } catch { return "\(error)" }
        }
        #expect(try refusal(nil, input: 500_000).contains("--kv-precision fp8"))  // 65.6 GB at fp8 > 58.5: no
        #expect(try !refusal(nil, input: 1_000_000).contains("--kv-precision fp8"))
        #expect(try !refusal(.fp8, input: 1_000_000).contains("fp8 KV cache"))
    }
}
