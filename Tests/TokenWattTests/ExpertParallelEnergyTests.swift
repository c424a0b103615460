import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// Expert parallelism at small batches: a step lasts as long as the busiest GPU's experts take,
/// but the GPUs together stream only the experts the tokens hit (methodology §1, §2). Every GPU
/// had been charged at least one whole expert: Mixtral at ep 8 and batch 1 streamed 8 experts'
/// weights a step where top-2 of 8 hits 2, and cost 5.83 Wh of GPU energy a query against 2.41
/// at ep 1 on the same 8 GPUs.
@Suite struct ExpertParallelEnergyTests {
    static let estimator = Estimator()

    /// The expert GEMM of a decode step of `batch` sequences, with the timer `estimate` runs it on.
    func expertGEMM(_ model: String, gpus: Int, batch: Int) throws -> (shape: GEMMShape, timer: KernelTimer, experts: Double) {
        let d = try Self.estimator.deployment(DeploymentRequest(model: model, gpu: "h100-sxm", gpus: gpus, tensorParallel: gpus,
                                                                expertParallel: gpus))
        let program = try PhasePlanner(deployment: d).program(for: .decode(batch: batch, context: 1500))
        let kernel = try #require(program.blocks.flatMap(\.kernels).first { $0.name == "experts_gate_up" })
        guard case let .gemm(g) = kernel.shape else { throw CancellationError() }
        let moe = try #require(d.model.moe)
        let hit = FusedLayerPlanner.activeExperts(experts: moe.experts, perToken: moe.expertsPerToken, tokens: Double(batch))
        let timer = KernelTimer(gpu: d.gpu, clock: d.gpu.boostClock, model: Self.estimator.passEstimator(for: d).timeModel)
        return (g, timer, hit)
    }

    /// Over the ep GPUs, the expert GEMM's HBM bytes are the weights of the experts the tokens hit
    /// (plus their few activation rows), while its time is one whole expert's stream, the busiest GPU's.
    @Test(arguments: [("mistralai/Mixtral-8x7B-v0.1", 8, 1), ("mistralai/Mixtral-8x7B-v0.1", 4, 1),
                      ("mistralai/Mixtral-8x7B-v0.1", 8, 2), ("openai/gpt-oss-120b", 8, 1)])
    func theGPUsTogetherStreamTheExpertsHit(model: String, gpus: Int, batch: Int) throws {
        let (g, timer, hit) = try expertGEMM(model, gpus: gpus, batch: batch)
        let cost = timer.cost(Kernel("experts_gate_up", .gemm(g)))
        let weights = Double(g.n) * Double(g.k) * g.bBytes
        let streamed = cost.activity.hbmBytes * Double(gpus)
        #expect(streamed > hit * weights && streamed < hit * weights * 1.02, "\(model) ep \(gpus) batch \(batch): \(streamed / weights) experts for \(hit) hit")
        var whole = g
        whole.expectedBatch = 1
        whole.busiestBatch = nil
        #expect(cost.time == timer.cost(Kernel("experts_gate_up", .gemm(whole))).time, "the busiest GPU streams one whole expert")
        let expected = try #require(g.expectedBatch)
        #expect(g.busiestBatch == 1 && approx(expected * Double(gpus), hit, rel: 1e-9))
    }

    /// Where every GPU's experts are hit many times over, the mean GPU is the busiest: nothing is split.
    @Test func aLargeBatchHasNoBusiestGPUApart() throws {
        let (g, _, _) = try expertGEMM("mistralai/Mixtral-8x7B-v0.1", gpus: 4, batch: 64)
        let expected = try #require(g.expectedBatch)
        #expect(g.busiestBatch == nil && expected > 1)
    }

    /// A query's GPU energy at ep 8 comes near ep 1's: the expert GEMMs' energy a step is the two
    /// experts hit (Mixtral, one sequence), the longer step the ep 8 GPUs wait for at idle power.
    @Test func expertParallelismAtBatchOneCostsAboutWhatTensorParallelismDoes() throws {
        func wh(ep: Int) throws -> Double {
            let d = try Self.estimator.deployment(DeploymentRequest(model: "mistralai/Mixtral-8x7B-v0.1", gpu: "h100-sxm", gpus: 8,
                                                                    tensorParallel: 8, expertParallel: ep))
            let e = try QueryEstimate(estimator: Self.estimator, deployment: d, request: ServingRequest(batch: 1, inputTokens: 1000, outputTokens: 1000),
                                      settings: try LedgerSettings(), boundary: .gpu)
            return e.ledger.total(at: .gpu).wattHours
        }
        let tp = try wh(ep: 1), ep = try wh(ep: 8)
        #expect(ep < tp * 1.5, "ep 8 \(ep) Wh against ep 1 \(tp) Wh (it was 5.83 against 2.41)")
    }
}
