import KernelPower
import Testing
@testable import TokenWatt

/// A refusal of a tp group or of stages says which it is about (`ParallelismRefusal`), and
/// `Estimator.deployment` rewords by that, not by the opening words of the message: it had
/// matched "tp \(tp) " and "pp \(pp) does not divide", so a reworded message in `Deployment`
/// would have silently changed which refusal a user saw.
@Suite struct ParallelismRefusalTests {
    let base = try! Estimator().deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm"))

    func subject(gpus: Int, tp: Int, pp: Int) -> ParallelismRefusal.Subject? {
        let d = base
        do {
            _ = try Deployment(checking: d.model, gpu: d.gpu, node: d.node, gpuCount: gpus, tensorParallel: tp, expertParallel: 1,
                               precision: d.precision, kvPrecision: d.kvPrecision, framework: d.framework, attention: d.attention,
                               lockedClock: nil, powerCap: nil, host: d.host, sampling: nil, pipelineParallel: pp,
                               memoryUtilization: Deployment.memoryUtilization)
            return nil
        } catch let refusal as ParallelismRefusal {
            return refusal.subject
        } catch {
            Issue.record("not a ParallelismRefusal: \(error)")
            return nil
        }
    }

    /// Each refusal of a tp group (alone or with stages) or of stages carries its subject.
    @Test func eachRefusalNamesItsSubject() {
        #expect(subject(gpus: 3, tp: 3, pp: 1) == .tensorParallel)  // the 32 heads
        #expect(subject(gpus: 3, tp: 2, pp: 1) == .tensorParallel)  // tp 2 does not divide gpus 3
        #expect(subject(gpus: 2, tp: 2, pp: 2) == .tensorParallel)  // tp 2 × pp 2 exceeds gpus 2
        #expect(subject(gpus: 5, tp: 1, pp: 3) == .stagesUnevenOverGPUs)
        #expect(subject(gpus: 4, tp: 1, pp: 5) == .stagesBeyondGPUsOrLayers)
        #expect(subject(gpus: 33, tp: 1, pp: 33) == .stagesBeyondGPUsOrLayers)  // 32 layers
        #expect(subject(gpus: 8, tp: 2, pp: 4) == nil)
    }

    /// The public init throws the same reason as a `DeploymentError`, as it always has.
    @Test func thePublicInitThrowsTheReasonAsADeploymentError() {
        let d = base
        #expect(throws: DeploymentError.invalidParallelism("pp 3 does not divide gpus 5: gpus must be a multiple of 3")) {
            try Deployment(model: d.model, gpu: d.gpu, node: d.node, gpuCount: 5, tensorParallel: 1, expertParallel: 1,
                           precision: d.precision, kvPrecision: d.kvPrecision, framework: d.framework, attention: d.attention,
                           lockedClock: nil, powerCap: nil, host: d.host, pipelineParallel: 3)
        }
    }

    /// Which refusal a request is shown: reworded where the refused tp or GPU count was set by
    /// the request's defaults, the deployment's own otherwise.
    @Test(arguments: [
        // gpus and pp given, tp defaulted to gpus ÷ pp: its refusal and a pp not dividing the gpus are reworded…
        (DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm", gpus: 12, pipelineParallel: 4),
         "pp 4 over gpus 12 sets tp 3 (tp defaults to gpus ÷ pp), and tp 3 does not divide the 32 attention heads"),
        (DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm", gpus: 5, pipelineParallel: 3),
         "pp 3 does not divide gpus 5 (tp defaults to gpus ÷ pp); give --gpus 3 (tp 1 × pp 3) or 6 (tp 2 × pp 3)"),
        (DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm", gpus: 16, pipelineParallel: 3),
         "pp 3 does not divide gpus 16 (tp defaults to gpus ÷ pp); give --gpus 12 (tp 4 × pp 3) or 24 (tp 8 × pp 3)"),
        // …stages beyond the gpus given or the layers are not: that pp is the user's own.
        (DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm", gpus: 4, pipelineParallel: 5),
         "pp 5 exceeds gpus 4: it needs at least 5 GPUs"),
        (DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm", gpus: 66, pipelineParallel: 33),
         "pp 33 is more stages than the model's 32 layers"),
        // tp given: the refusal is the deployment's own.
        (DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm", gpus: 6, tensorParallel: 2, pipelineParallel: 2),
         "tp 2 × pp 2 = 4 does not divide gpus 6: gpus must be a multiple of 4"),
        // An ep given alone set the gpus and tp: every refusal of the tp or the stages speaks of the ep.
        (DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm", expertParallel: 3),
         "ep 3 sets 3 GPUs, and tp defaults to the GPU count: tp 3 does not divide the 32 attention heads"),
        (DeploymentRequest(model: "Qwen/Qwen3-30B-A3B", gpu: "h100-sxm", expertParallel: 4, pipelineParallel: 3),
         "ep 4 sets 4 GPUs, and tp defaults to the GPU count over pp 3: pp 3 does not divide gpus 4"),
        (DeploymentRequest(model: "Qwen/Qwen3-30B-A3B", gpu: "h100-sxm", expertParallel: 128, pipelineParallel: 64),
         "ep 128 sets 128 GPUs, and tp defaults to the GPU count over pp 64: pp 64 is more stages than the model's 48 layers"),
        // A refusal of the ep itself is not a tp's or the stages', and is the deployment's own.
        (DeploymentRequest(model: "mistralai/Mixtral-8x7B-Instruct-v0.1", gpu: "h100-sxm", expertParallel: 16),
         "ep 16 does not divide the 8 experts of mistralai/Mixtral-8x7B-Instruct-v0.1"),
    ])
    func whichRefusalWins(_ request: DeploymentRequest, opening: String) {
        let refusal = deploymentRefusal(request)
        #expect(refusal.hasPrefix(opening), "\(refusal)")
    }
}
