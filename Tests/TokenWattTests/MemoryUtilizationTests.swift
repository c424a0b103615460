import KernelPower
import Testing
@testable import TokenWatt

/// `--memory-utilization` holds the weights as it holds the KV cache: the weights' fit had been
/// checked at 90 % whatever was asked, so 0.99 refused weights it holds, and 0.5 let weights past
/// the fraction through to a KV cache with "0 GB per GPU" left and no GPU count.
@Suite struct MemoryUtilizationTests {
    let estimator = Estimator()

    func refusal(_ r: DeploymentRequest) -> DeploymentError? {
        do { _ = try estimator.deployment(r); return nil } catch { return error as? DeploymentError }
    }

    /// Mixtral-8x7B's 93.4 GB of weights pass 0.99 × 96 GiB of an H20 (102 GB), not 0.9 × (92.8 GB).
    @Test func theWeightsFitInTheFractionAsked() throws {
        var r = DeploymentRequest(model: "mistralai/Mixtral-8x7B-v0.1", gpu: "h20")
        let refused = try #require(refusal(r))
        #expect("\(refused)".contains("(memory utilization 0.9: 90 % of memory)"), "\(refused)")
        r.memoryUtilization = 0.99
        let d = try estimator.deployment(r)
        #expect(d.memoryUtilization == 0.99)
        let s = try estimator.serve(d, ServingRequest(batch: 8, inputTokens: 1000, outputTokens: 300, memoryUtilization: 0.99))
        #expect(s.effectiveBatch == 8)
    }

    /// Llama-3.1-70B on two H100s at 0.5: refused for its weights, quoting the fraction, with the GPUs it needs.
    @Test func weightsPastALowFractionAreRefusedWithTheGPUsNeeded() throws {
        var r = DeploymentRequest(model: "meta-llama/Llama-3.1-70B-Instruct", gpu: "h100-sxm", gpus: 2)
        r.memoryUtilization = 0.5
        guard case let .doesNotFit(_, _, _, usable, fit?, _, _, fraction)? = refusal(r) else {
            Issue.record("expected doesNotFit"); return
        }
        #expect(fraction == 0.5 && approx(usable, 0.5 * 80 * 1.073741824, rel: 1e-9))
        #expect(fit.gpus == 4)
        #expect("\(DeploymentError.doesNotFit(model: "m", gpu: "g", weightsGB: 1, usableGB: 1, fit: fit, largest: fit, memoryUtilization: 0.5))"
            .contains("(memory utilization 0.5: 50 % of memory); it needs at least 4 GPUs (tp 4)"))
    }

    /// A serving request whose fraction is below the deployment's meets the same weights check,
    /// not a KV cache with nothing left.
    @Test func theKVBudgetChecksTheWeightsAtTheRequestsFraction() throws {
        let d = try estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-70B-Instruct", gpu: "h100-sxm", gpus: 2))
        let low = ServingRequest(batch: 8, inputTokens: 100, outputTokens: 100, memoryUtilization: 0.5)
        for attempt in [{ _ = try KVCacheBudget(deployment: d, request: low) }, { try KVCacheBudget.requireRoom(low, on: d) }] {
            do {
                try attempt()
                Issue.record("expected a refusal")
            } catch let DeploymentError.doesNotFit(_, _, _, _, fit, _, _, fraction) {
                #expect(fraction == 0.5 && fit?.gpus == 4)
            }
        }
    }

    @Test(arguments: [0.01, 1.5])
    func aFractionOutsideItsRangeIsRefused(_ f: Double) {
        var r = DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm")
        r.memoryUtilization = f
        #expect(refusal(r).map { "\($0)".hasPrefix("memory utilization") } == true)
    }
}
