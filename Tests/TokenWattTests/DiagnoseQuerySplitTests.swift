import Foundation
import Testing
@testable import TokenWatt
import KernelPower

/// `diagnose`'s energy column is the query's split (`kernels --per-query`), its prefill pass says
/// which chunk it carries, and its nearby configurations name what the figures rest on.
@Suite struct DiagnoseQuerySplitTests {
    let estimator = Estimator()
    static let llama8B = DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm")

    func share(_ d: Diagnosis, _ name: String) -> Double { d.energyShares.first { $0.0 == name }?.1 ?? -1 }

    /// A 100,000-token prompt: its energy column had split one chunk's step at 10,151 tokens
    /// (33 % compute-bound, 45 % L2-bound) where prefill attention, compute-bound, is 59 % of
    /// the query. The column now sums `QueryKernels.byBound`, which adds up to the query's GPU energy.
    @Test func energySharesAreTheQuerys() throws {
        let serving = ServingRequest(batch: 64, inputTokens: 100_000, outputTokens: 300)
        let d = try Diagnosis(estimator: estimator, request: Self.llama8B, serving: serving)
        let q = try QueryKernels(estimator: estimator, deployment: try estimator.deployment(Self.llama8B), serving: serving)
        let attention = try #require(q.lines.first { $0.kernel == "prefill_attention" }).total / q.total
        #expect(attention > 0.5)
        #expect(share(d, "compute-bound") >= attention * 0.95, "compute \(share(d, "compute-bound")), prefill attention \(attention)")
        #expect(share(d, "compute-bound") > share(d, "L2-bound"))
        #expect(abs(d.energyShares.reduce(0) { $0 + $1.1 } - 1) < 1e-9)
        #expect(abs(q.byBound.values.reduce(.zero, +).joules / q.total.joules - 1) < 1e-9)
        // The pass is a quadrature position, not the first chunk.
        #expect(!d.passLines.contains("first chunk"), "\(d.passLines)")
        #expect(d.passLines.contains("the first of"), "\(d.passLines)")
    }

    /// A prompt of a few chunks is listed at its first, and says so.
    @Test func aShortPromptsPassIsItsFirstChunk() throws {
        let d = try Diagnosis(estimator: estimator, request: Self.llama8B, serving: ServingRequest(batch: 64, inputTokens: 20_000, outputTokens: 300))
        #expect(d.passLines.contains("the step that carries a prompt's first chunk"), "\(d.passLines)")
    }

    /// DeepSeek-R1's FP8 neighbour of its FP4 checkpoint: the gap had been put on the weight bytes,
    /// while most of it is the block-FP8 efficiency `estimate` calls likely pessimistic.
    @Test func blockFP8NeighbourCarriesTheEfficiencyCaveat() throws {
        let r = DeploymentRequest(model: "nvidia/DeepSeek-R1-0528-FP4-v2", gpu: "b200", gpus: 8)
        let d = try Diagnosis(estimator: estimator, request: r, serving: ServingRequest(batch: 64, inputTokens: 1000, outputTokens: 1000))
        let fp8 = try #require(d.alternatives.first { $0.change.hasPrefix("fp8 weights") })
        #expect(fp8.explanation.contains("1.34–1.65×"), "\(fp8.explanation)")
        #expect(fp8.explanation.contains("likely pessimistic"), "\(fp8.explanation)")
        #expect(fp8.explanation.contains("of the gap, not the bytes"), "\(fp8.explanation)")
        // A dense model has no block-FP8 experts: no such words.
        let dense = try Diagnosis(estimator: estimator, request: Self.llama8B, serving: ServingRequest(batch: 64, inputTokens: 500, outputTokens: 500))
        #expect(!(dense.alternatives.first { $0.change.hasPrefix("fp8 weights") }?.explanation.contains("1.34–1.65×") ?? true))
    }

    /// Where the KV cache limits the batch, an fp8 KV cache is among the nearby configurations.
    @Test func anFP8KVCacheIsOfferedWhereTheCacheLimitsTheBatch() throws {
        let limited = try Diagnosis(estimator: estimator, request: Self.llama8B, serving: ServingRequest(batch: 64, inputTokens: 32_000, outputTokens: 300))
        #expect(limited.base.serving.batchLimitedByMemory)
        let kv = try #require(limited.alternatives.first { $0.change == "fp8 KV cache instead of bf16" })
        #expect(kv.gpuWhPerQuery < limited.base.ledger.total(at: .gpu).wattHours)
        #expect(kv.effectiveBatch > limited.base.serving.effectiveBatch)
        let roomy = try Diagnosis(estimator: estimator, request: Self.llama8B, serving: ServingRequest(batch: 8, inputTokens: 500, outputTokens: 500))
        #expect(!roomy.alternatives.contains { $0.change.contains("KV cache") })
    }
}
