import KernelPower
import Testing
@testable import TokenWatt

/// Stages given with a GPU count and no tp set tp to ⌊gpus ÷ pp⌋: a refusal had named that tp
/// ("tp 5 does not divide gpus 16" of `--gpus 16 --pp 3`), a value the user never gave.
@Suite struct DefaultTensorParallelTests {
    let model = "meta-llama/Llama-3.1-70B-Instruct"

    func refusal(_ r: DeploymentRequest) -> String { deploymentRefusal(r) }

    @Test(arguments: [(16, 3, "pp 3 does not divide gpus 16 (tp defaults to gpus ÷ pp); give --gpus 12 (tp 4 × pp 3) or 24 (tp 8 × pp 3)"),
                      (7, 2, "pp 2 does not divide gpus 7 (tp defaults to gpus ÷ pp); give --gpus 4 (tp 2 × pp 2) or 8 (tp 4 × pp 2)"),
                      // tp 2 divides 8, and "tp 2 × pp 3 = 6 does not divide gpus 8" came from the stages' check.
                      (8, 3, "pp 3 does not divide gpus 8 (tp defaults to gpus ÷ pp); give --gpus 6 (tp 2 × pp 3) or 12 (tp 4 × pp 3)")])
    func theRefusalOpensWithTheStagesGiven(_ gpus: Int, _ pp: Int, _ expected: String) throws {
        #expect(refusal(DeploymentRequest(model: model, gpu: "h100-sxm", gpus: gpus, pipelineParallel: pp)) == expected)
        // The counts offered run.
        for offered in [expected.firstMatch(of: /--gpus (\d+)/), expected.firstMatch(of: /or (\d+) \(/)] {
            let n = try #require(offered.flatMap { Int($0.1) })
            _ = try Estimator().deployment(DeploymentRequest(model: model, gpu: "h100-sxm", gpus: n, pipelineParallel: pp))
        }
    }

    /// A count that pp divides but whose tp the heads refuse says where the tp came from.
    @Test func aTPTheHeadsRefuseSaysWhereItCameFrom() {
        let text = refusal(DeploymentRequest(model: model, gpu: "h100-sxm", gpus: 18, pipelineParallel: 3))
        #expect(text.hasPrefix("pp 3 over gpus 18 sets tp 6 (tp defaults to gpus ÷ pp), and tp 6 does not divide the 64 attention heads")
                && text.contains("give --gpus 12 (tp 4 × pp 3) or 24 (tp 8 × pp 3), or set --tp as well"), "\(text)")
    }

    /// Where tp was given the refusal is the user's, unchanged.
    @Test func aTPGivenIsRefusedAsGiven() {
        #expect(refusal(DeploymentRequest(model: model, gpu: "h100-sxm", gpus: 16, tensorParallel: 5, pipelineParallel: 3))
            .hasPrefix("tp 5 does not divide gpus 16"))
        #expect(refusal(DeploymentRequest(model: model, gpu: "h100-sxm", gpus: 2, pipelineParallel: 3)) == "pp 3 exceeds gpus 2: it needs at least 3 GPUs")
    }

    /// A predict row with gpus and pp has its error on the pp column (no cell held the tp refused).
    @Test func predictNamesThePPColumn() throws {
        let csv = "model,gpu,gpus,pp,phase,batch,input_tokens,output_tokens\n\(model),h100-sxm,16,3,serve,8,100,10\n"
        let t = PredictTable.score(try CSVTable.parse(csv, file: "p.csv"), estimator: Estimator())
        let error = try #require(t.header.firstIndex(of: "error"))
        #expect(t.rows[0][error] == .string("line 2, column pp: " + refusal(DeploymentRequest(model: model, gpu: "h100-sxm", gpus: 16, pipelineParallel: 3))),
                "\(t.rows[0][error])")
    }
}
