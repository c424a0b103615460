import KernelPower
import Testing
@testable import TokenWatt

/// The serving commands' refusal of encoders (found by a probe of `estimate`: BERT was priced as a generator).
@Suite struct EncoderServingTests {
    /// An encoder has a forward pass and nothing to serve: every serving path refuses it by name,
    /// and the forward pass alone (predict's forward phase) is still priced.
    @Test func anEncoderIsRefusedForServingButPricedForAForwardPass() throws {
        let e = Estimator()
        let d = try e.deployment(DeploymentRequest(model: "bert-large", gpu: "h100-sxm"))
        let r = ServingRequest(batch: 8, inputTokens: 100, outputTokens: 50)
        let refusal = DeploymentError.encoderOnly(model: "google-bert/bert-large-uncased")
        #expect(throws: refusal) { try e.serve(d, r) }
        #expect(throws: refusal) { try KVCacheBudget(deployment: d, request: r) }
        #expect(throws: refusal) { try KVCacheBudget.requireRoom(r, on: d) }
        #expect(throws: refusal) { try QueryEstimate(estimator: e, deployment: d, request: r, settings: try LedgerSettings()) }
        #expect(throws: refusal) { try e.forwardPass(d, phase: .decode(batch: 8, context: 100)) }
        #expect(throws: refusal) { try e.forwardPass(d, phase: .prefill(batch: 8, tokens: 100, pastTokens: 100)) }
        #expect(try e.forwardPass(d, phase: .prefill(batch: 8, tokens: 100)).energy.joules > 0)
        #expect(refusal.description.contains("tokenwatt predict"))
    }
}
