import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// Under tensor parallelism vLLM gathers the LM head's 16-bit output into every rank's
/// full-vocabulary buffer; the collective is sized on that buffer.
@Suite struct LogitsGatherTests {
    let estimator = Estimator()

    func gather(tp: Int, batch: Int) throws -> CollectiveShape? {
        let d = try estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h200", gpus: tp, tensorParallel: tp))
        let program = try PhasePlanner(deployment: d).program(for: .decode(batch: batch, context: 1000))
        return program.blocks.flatMap(\.kernels).compactMap { k -> CollectiveShape? in
            if k.name == "logits_gather", case let .collective(c) = k.shape { return c } else { return nil }
        }.first
    }

    /// Batch 512 at tp 8: 512 rows × 128,256 logits × 2 bytes gathered, 7/8 of it over each GPU's
    /// links (229.8 MB). Sized on one rank's FP32 shard it had been 33 MB × 7/8.
    @Test func theGatherMovesTheWholeVocabularyAtSixteenBits() throws {
        let c = try #require(try gather(tp: 8, batch: 512))
        #expect(c.kind == .allGather && c.participants == 8)
        #expect(c.bytes == 512 * 128_256 * 2)
        #expect(abs(c.bytesOnWire - 7.0 / 8 * 512 * 128_256 * 2) < 1)
        #expect(try gather(tp: 1, batch: 512) == nil, "one GPU gathers nothing")
    }
}
