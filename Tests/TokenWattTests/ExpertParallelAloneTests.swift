import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// An ep group given alone (no tp, no gpus) sets the GPU count, and tp defaults to it: a refusal
/// of that tp had named "tp 3", a value the user never gave.
@Suite struct ExpertParallelAloneTests {
    func refusal(_ r: DeploymentRequest) -> String { deploymentRefusal(r) }

    @Test func theRefusalSpeaksOfTheEPGiven() {
        let heads = refusal(DeploymentRequest(model: "Qwen/Qwen3-30B-A3B", gpu: "h100-sxm", expertParallel: 3))
        #expect(heads.hasPrefix("ep 3 sets 3 GPUs, and tp defaults to the GPU count: tp 3 does not divide the 32 attention heads"), "\(heads)")
        // ep 3 does not divide Qwen3-30B-A3B's 128 experts: "tp 1 with ep 3" is not offered,
        // since it is refused too; ep 64 divides them, and it is.
        #expect(heads.hasSuffix("ep 3 does not divide the 128 experts either: choose an ep that does"), "\(heads)")
        let divides = refusal(DeploymentRequest(model: "Qwen/Qwen3-30B-A3B", gpu: "h100-sxm", expertParallel: 64))
        #expect(divides.hasPrefix("ep 64 sets 64 GPUs") && divides.contains("tp 1 with ep 64"), "\(divides)")
        #expect((try? Estimator().deployment(DeploymentRequest(model: "Qwen/Qwen3-30B-A3B", gpu: "h100-sxm", gpus: 64, tensorParallel: 1,
                                                                expertParallel: 64))) != nil)
        // With stages the refusal speaks of the ep too ("pp 2 does not divide gpus 3" named a
        // count never given), and the way out is a GPU count.
        let staged = refusal(DeploymentRequest(model: "Qwen/Qwen3-30B-A3B", gpu: "h100-sxm", expertParallel: 4, pipelineParallel: 3))
        #expect(staged.hasPrefix("ep 4 sets 4 GPUs, and tp defaults to the GPU count over pp 3: pp 3 does not divide gpus 4")
                && staged.hasSuffix("give --gpus as well, a multiple of pp 3"), "\(staged)")
        // A dense model's refusal of its tp comes first, and says so too.
        let dense = refusal(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm", expertParallel: 6))
        #expect(dense.hasPrefix("ep 6 sets 6 GPUs"), "\(dense)")
    }

    /// Where the user gave tp, the refusal is theirs, unchanged; where they gave gpus, it says the
    /// tp came from them; refusals of ep itself are unchanged.
    @Test func refusalsOfWhatWasGivenAreUnchanged() {
        #expect(refusal(DeploymentRequest(model: "Qwen/Qwen3-30B-A3B", gpu: "h100-sxm", tensorParallel: 3, expertParallel: 3))
            .hasPrefix("tp 3 does not divide"))
        #expect(refusal(DeploymentRequest(model: "Qwen/Qwen3-30B-A3B", gpu: "h100-sxm", gpus: 6, expertParallel: 3))
            .hasPrefix("gpus 6 sets tp 6 (tp defaults to the GPU count), and tp 6 does not divide"))
        #expect(refusal(DeploymentRequest(model: "mistralai/Mixtral-8x7B-Instruct-v0.1", gpu: "h100-sxm", expertParallel: 16))
            .hasPrefix("ep 16 does not divide the 8 experts"))
    }

    /// A predict row with ep alone has its error on the ep column (no cell held the tp refused).
    @Test func predictNamesTheEPColumn() throws {
        let csv = "model,gpu,ep,phase,batch,input_tokens,output_tokens\nQwen/Qwen3-30B-A3B,h100-sxm,3,serve,8,100,10\n"
        let t = PredictTable.score(try CSVTable.parse(csv, file: "p.csv"), estimator: Estimator())
        let error = try #require(t.header.firstIndex(of: "error"))
        #expect(t.rows[0][error] == .string("line 2, column ep: " + refusal(DeploymentRequest(model: "Qwen/Qwen3-30B-A3B", gpu: "h100-sxm", expertParallel: 3))),
                "\(t.rows[0][error])")
    }
}
