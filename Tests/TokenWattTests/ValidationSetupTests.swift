import KernelPower
import Testing
@testable import TokenWatt

/// How the validation data sets are read: the deployments they imply and the rows they drop.
@Suite struct ValidationSetupTests {
    static let estimator = Estimator()

    /// MLPerf MaxQ rows run at their submitter's GPU power limit; without it the same
    /// deployment draws more at the wall.
    @Test func mlperfRowsRunAtTheSubmittedPowerLimit() throws {
        let model = try #require(MLPerfValidation.models["llama2-70b"])
        let sub = try #require(MLPerfValidation.submissions["llama2-70b h100-sxm"])
        let (d, _, capped) = try MLPerfValidation.estimate(model: model, gpu: "h100-sxm", gpus: 8, submission: sub,
                                                           batch: sub.offlineBatch, estimator: Self.estimator)
        #expect(d.powerCap?.watts == 450)
        #expect(d.tensorParallel == 2)
        #expect(d.framework == .trtllm && d.kvPrecision == .fp8)
        let uncapped = MLPerfValidation.Submission(tp: 2, offlineBatch: 896, serverBatch: 1024, powerLimitWatts: 700)
        let (_, _, free) = try MLPerfValidation.estimate(model: model, gpu: "h100-sxm", gpus: 8, submission: uncapped,
                                                         batch: 896, estimator: Self.estimator)
        #expect(capped.nodePower.watts < free.nodePower.watts)
    }

    /// Every (model, GPU) the MLPerf loader scores has a published configuration.
    @Test func everyMLPerfModelAndGPUHasASubmission() {
        for key in MLPerfValidation.submissions.keys {
            let parts = key.split(separator: " ").map(String.init)
            #expect(MLPerfValidation.models[parts[0]] != nil, "\(key)")
            #expect(MLPerfValidation.gpuIDs.values.contains(parts[1]), "\(key)")
        }
    }

    /// TensorRT-LLM runs the fused layer without vLLM's per-sequence decode time: its decode steps
    /// are shorter at a large batch, its prefill is the same.
    @Test func trtllmDropsOnlyTheDecodeSequenceTime() throws {
        func pass(_ f: Framework, _ phase: Phase) throws -> Double {
            let d = try Self.estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm",
                                                                    framework: f))
            return try Self.estimator.forwardPass(d, phase: phase).time.seconds
        }
        let decode = Phase.decode(batch: 256, context: 2000)
        #expect(try pass(.trtllm, decode) < 0.9 * (try pass(.vllm, decode)))
        let prefill = Phase.prefill(batch: 1, tokens: 2000)
        #expect(try pass(.trtllm, prefill) == (try pass(.vllm, prefill)))
    }

    /// An Argonne run finishes every request of its batch: when the KV cache holds fewer, the
    /// predicted latency covers the waves (Llama-2-7B, 64 × 2048 tokens, does not fit on 40 GB).
    @Test(.enabled(if: sharedData != nil)) func argonneLatencyCoversEveryRequest() throws {
        let result = try ArgonneValidation.run(dataDirectory: sharedData!, estimator: Self.estimator)
        func latency(_ batch: Int) throws -> Double {
            try #require(result.records.first {
                $0.metric == "latency_s" && $0.label == "meta-llama/Llama-2-7b-hf a100-sxm-40gb vLLM b\(batch)"
            }).predicted
        }
        #expect(try latency(64) > 1.8 * (try latency(32)))
    }

    /// A Splitwise profile faster at batch 64 than at batch 32 is dropped with the reason; a
    /// profile that grows with the batch is kept.
    @Test func splitwiseDropsProfilesThatDidNotRunTheirBatch() throws {
        typealias C = SplitwiseValidation.Config
        let b32 = C(model: "llama2-70b", hardware: "a100-80gb", tp: 2, prompt: 512, batch: 32, tokens: 128)
        let b64 = C(model: "llama2-70b", hardware: "a100-80gb", tp: 2, prompt: 512, batch: 64, tokens: 128)
        let broken: [C: (Double, Double, Int)] = [b32: (2 * 6607, 144, 2), b64: (796, 67, 1)]
        let reason = try #require(SplitwiseValidation.incompleteRun(b64, sums: broken))
        #expect(reason.contains("batch 64") && reason.contains("batch 32"))
        #expect(SplitwiseValidation.incompleteRun(b32, sums: broken) == nil)
        let sound: [C: (Double, Double, Int)] = [b32: (6607, 72, 1), b64: (13_000, 80, 1)]
        #expect(SplitwiseValidation.incompleteRun(b64, sums: sound) == nil)
    }
}
