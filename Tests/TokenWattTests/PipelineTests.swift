import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// Pipeline parallelism: stages of contiguous layers, the batch as microbatches, one cycle per step.
@Suite struct PipelineTests {
    let estimator = Estimator()
    static let model70B = "meta-llama/Llama-3.1-70B-Instruct"

    func deployment(tp: Int, pp: Int, gpus: Int? = nil) throws -> Deployment {
        try estimator.deployment(DeploymentRequest(model: Self.model70B, gpu: "h100-sxm", gpus: gpus ?? tp * pp, tensorParallel: tp,
                                                   pipelineParallel: pp))
    }

    @Test func aStepSplitsIntoMicrobatches() {
        #expect(Estimator.microbatches(of: .decode(batch: 65, context: 100), count: 2) == [.decode(batch: 33, context: 100), .decode(batch: 32, context: 100)])
        #expect(Estimator.microbatches(of: .decode(batch: 1, context: 100), count: 4) == [.decode(batch: 1, context: 100)])
        let mixed = Estimator.microbatches(of: .mixed(decodeBatch: 8, context: 100, prefillTokens: 50, prefillPast: 0, prefillSequences: 1), count: 2)
        #expect(mixed == [.mixed(decodeBatch: 4, context: 100, prefillTokens: 50, prefillPast: 0, prefillSequences: 1), .decode(batch: 4, context: 100)])
    }

    /// 80 layers over 3 stages: 27, 27 and 26; the first embeds, the others receive, the last samples.
    @Test func stagesSplitTheLayers() throws {
        let d = try deployment(tp: 1, pp: 3, gpus: 3)
        let planner = PhasePlanner(deployment: d)
        let programs = try (0..<3).map { try planner.program(for: .decode(batch: 8, context: 100), stage: $0) }
        let layers = programs.map { $0.blocks.filter { $0.name.hasPrefix("layer") }.reduce(0) { $0 + $1.repeats } }
        #expect(layers == [27, 27, 26])
        #expect(programs.map { $0.blocks.first?.name } == ["embedding", "layer", "layer"])
        #expect(programs.map { $0.blocks.last?.name } == ["stage-send", "stage-send", "head"])
    }

    /// Each GPU holds its stage's layers: 70B in BF16 on tp 2 × pp 2 holds about what tp 4 does,
    /// and the KV cache of its stage's layers only.
    @Test func aStageHoldsItsShareOfWeightsAndCache() throws {
        let tp4 = try deployment(tp: 4, pp: 1), pp2 = try deployment(tp: 2, pp: 2)
        #expect(abs(pp2.weightBytesPerGPU.bytes / tp4.weightBytesPerGPU.bytes - 1) < 0.03)
        #expect(pp2.kvBytesPerTokenPerGPU.bytes == 2 * tp4.kvBytesPerTokenPerGPU.bytes / 2)
    }

    /// Balanced stages and microbatches: the cycle is each stage's work on both microbatches, so a
    /// memory-bound decode reads each stage's weights once per microbatch, and costs more per token
    /// than tensor parallelism over the same GPUs; with one microbatch the pipeline idles.
    @Test func aCycleRunsEveryMicrobatchThroughEveryStage() throws {
        let pp2 = try deployment(tp: 2, pp: 2), tp4 = try deployment(tp: 4, pp: 1)
        let phase = Phase.decode(batch: 64, context: 1000)
        let cycle = try estimator.forwardPass(pp2, phase: phase)
        let stage = try estimator.forwardPass(pp2, phase: .decode(batch: 32, context: 1000))
        #expect(cycle.time.seconds > 1.5 * stage.time.seconds / 2)
        let flat = try estimator.forwardPass(tp4, phase: phase)
        #expect(cycle.energy.joules > flat.energy.joules, "per GPU per step")
        let single = try estimator.forwardPass(pp2, phase: .decode(batch: 1, context: 1000))
        #expect(single.idleShare > 0.4, "one microbatch leaves one stage idle half the cycle: \(single.idleShare)")
        #expect(cycle.energy.joules.isFinite && cycle.time.seconds > 0)
    }

    /// Serving with a pipeline runs end to end, and says what it assumed.
    @Test func aPipelineServes() throws {
        let d = try deployment(tp: 8, pp: 2)
        let e = try QueryEstimate(estimator: estimator, deployment: d, request: ServingRequest(batch: 64, inputTokens: 1000, outputTokens: 500),
                                  settings: try LedgerSettings(), boundary: .facility)
        #expect(e.ledger.total(at: .gpu).wattHours > 0)
        #expect(e.assumptions.contains { $0.hasPrefix("pp 2: 2 stages of up to 40 layers") })
        #expect(e.assumptions.contains { $0.contains("stages span 2 dgx-h100 nodes") })
        #expect(e.json()["pipelineParallel"] == .number(2) && e.json()["tensorParallel"] == .number(8))
    }

    /// Fewer sequences than stages leave microbatches empty; the receipt says so (it said the
    /// batch of 3 ran as 4 microbatches), and says nothing when every microbatch has work.
    @Test func aBatchSmallerThanThePipelineSaysWhichMicrobatchesRun() throws {
        let d = try deployment(tp: 2, pp: 4)
        func assumptions(_ batch: Int) throws -> [String] {
            try QueryEstimate(estimator: estimator, deployment: d, request: ServingRequest(batch: batch, inputTokens: 1000, outputTokens: 500),
                              settings: try LedgerSettings(), boundary: .gpu).assumptions
        }
        #expect(try assumptions(3).contains { $0.hasPrefix("3 sequences per engine fill only 3 of the 4 microbatches") })
        #expect(try assumptions(1).contains { $0.hasPrefix("1 sequence per engine fills only 1 of the 4 microbatches") })
        #expect(try !assumptions(8).contains { $0.contains("fill only") || $0.contains("fills only") })
    }

    @Test func pipelinesTheModelCannotRunAreRefused() {
        func refused(_ r: DeploymentRequest) -> Bool { (try? estimator.deployment(r)) == nil }
        #expect(refused(DeploymentRequest(model: Self.model70B, gpu: "h100-sxm", gpus: 12, tensorParallel: 4, pipelineParallel: 2)))
        #expect(refused(DeploymentRequest(model: Self.model70B, gpu: "h100-sxm", gpus: 4, pipelineParallel: 0)))
        #expect(refused(DeploymentRequest(model: "Qwen/Qwen3-8B", gpu: "h100-sxm", gpus: 40, tensorParallel: 1, pipelineParallel: 40)))
        #expect(refused(DeploymentRequest(model: "mistralai/Mixtral-8x7B-v0.1", gpu: "h100-sxm", gpus: 4, tensorParallel: 1, expertParallel: 2,
                                          pipelineParallel: 2)))
        #expect(refused(DeploymentRequest(model: "Qwen/Qwen3-8B", gpu: "h100-sxm", gpus: 2, tensorParallel: 1, framework: .hf, pipelineParallel: 2)))
    }

    /// A pipeline too small for the weights says what all its stages need.
    @Test func aPipelineThatDoesNotFitCountsEveryStage() {
        do {
            _ = try estimator.deployment(DeploymentRequest(model: "deepseek-ai/DeepSeek-V3.1", gpu: "h100-sxm", gpus: 8, tensorParallel: 4,
                                                           pipelineParallel: 2))
            Issue.record("DeepSeek-V3.1 in FP8 does not fit 8 H100s")
        } catch {
            // 684 GB over 77 GB per GPU: 9 at the least; 10 as tp × pp with whole layers per stage.
            #expect("\(error)".contains("this pipeline") && "\(error)".contains("at least 10 GPUs (tp 2 × pp 5)"), "\(error)")
        }
    }
}
