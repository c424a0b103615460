import Foundation
import Testing
@testable import TokenWatt
import KernelPower

/// Eager attention's score matrix and a forward pass's activations count against memory.
@Suite struct ActivationMemoryTests {
    let estimator = Estimator()

    func deployment(_ attention: String) throws -> Deployment {
        var r = DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm", framework: .hf)
        r.attention = AttentionImplementation(rawValue: attention)
        return try estimator.deployment(r)
    }

    func estimate(_ d: Deployment, _ s: ServingRequest) throws -> QueryEstimate {
        try QueryEstimate(estimator: estimator, deployment: d, request: s, settings: try LedgerSettings(), boundary: .gpu)
    }

    /// One 131,000-token prompt's scores (32 heads × 131,000² × 6 B, 3.3 TB) fit no H100: refused,
    /// naming the attention flag; SDPA, which tiles them, still prices it. It had priced 27.96 Wh, "fits 3".
    @Test func aScoreMatrixPastMemoryIsRefused() throws {
        let long = ServingRequest(batch: 64, inputTokens: 131_000, outputTokens: 50)
        do {
            _ = try estimate(try deployment("eager"), long)
            Issue.record("priced")
        } catch {
            #expect("\(error)".contains("eager attention materialises the score matrix"), "\(error)")
            #expect("\(error)".contains("--attention sdpa"))
        }
        #expect(throws: Never.self) { _ = try estimate(try deployment("sdpa"), long) }
    }

    /// Where the scores fit for some prompts, they cap the batch, and the note says why.
    @Test func scoresCapTheBatch() throws {
        let e = try estimate(try deployment("eager"), ServingRequest(batch: 64, inputTokens: 8192, outputTokens: 100))
        #expect(e.serving.effectiveBatch < 64)
        #expect(e.serving.notes.contains { $0.contains("eager attention's score matrix") }, "\(e.serving.notes)")
        let sdpa = try estimate(try deployment("sdpa"), ServingRequest(batch: 64, inputTokens: 8192, outputTokens: 100))
        #expect(sdpa.serving.effectiveBatch > e.serving.effectiveBatch)
    }

    /// predict's forward rows say when a pass's activations cannot fit (64 × 131,072 tokens had
    /// priced 791 s with no word); a small pass has no note.
    @Test func forwardRowsSayWhenActivationsDoNotFit() throws {
        let d = try estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm"))
        #expect(d.activationNote(sequences: 64, tokens: 131_072)?.contains("cannot run at once") == true)
        #expect(d.activationNote(sequences: 1, tokens: 512) == nil)
    }
}
