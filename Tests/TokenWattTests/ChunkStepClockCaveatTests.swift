import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// A locked clock above the clock the power limit holds the prompt-chunk steps at: a probe saw
/// TTFT and the prefill draw unchanged while prefill Wh rose and p90 ITL fell (Llama-3.3-70B on
/// 2 × B200, batch 256, 2000 + 300 tokens, at 1860 and 1725 MHz) and asked whether it was a bug.
@Suite struct ChunkStepClockCaveatTests {
    static let estimator = Estimator()
    static let query = ServingRequest(batch: 256, inputTokens: 2000, outputTokens: 300)

    func estimate(_ clock: Double?) throws -> QueryEstimate {
        let d = try Self.estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.3-70B-Instruct", gpu: "b200", gpus: 2, smClockMHz: clock))
        return try QueryEstimate(estimator: Self.estimator, deployment: d, request: Self.query, settings: try LedgerSettings())
    }

    func note(_ e: QueryEstimate) -> String? { e.assumptions.first { $0.contains("steps that carry prompt chunks run at") } }

    /// Why the figures move as they do, checked on the figures: the chunk step is the same pass at
    /// the default and at the lock (so TTFT holds), the decode step gets cheaper, and the prefill
    /// line grows by what the decode step saves per chunk. The note says so, with the p90 part.
    @Test func theLockMovesOnlyTheDecodeStep() throws {
        let base = try estimate(nil), locked = try estimate(1725)
        #expect(approx(base.serving.timeToFirstToken.seconds, locked.serving.timeToFirstToken.seconds, rel: 1e-6))
        #expect(locked.serving.decodeStep.energy < base.serving.decodeStep.energy)
        #expect(locked.serving.prefill.energy > base.serving.prefill.energy)
        #expect(locked.serving.p90InterTokenLatency < base.serving.p90InterTokenLatency)
        let text = try #require(note(locked))
        #expect(text.contains("held there by the 1000 W limit below the locked 1725 MHz") && text.contains("p90 ITL is a step with more than one chunk"), "\(text)")
        #expect(locked.caveats.contains(text))
        #expect(note(base) == nil)
    }

    /// Below the clock the limit holds the chunk step at (1648 MHz), the lock binds both steps,
    /// TTFT rises, and there is nothing to explain.
    @Test func noNoteWhereTheLockBindsTheChunkStep() throws {
        let base = try estimate(nil), locked = try estimate(1500)
        #expect(locked.serving.timeToFirstToken > base.serving.timeToFirstToken)
        #expect(note(locked) == nil)
    }
}
