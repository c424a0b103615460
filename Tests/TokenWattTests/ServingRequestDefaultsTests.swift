import KernelPower
import Testing
@testable import TokenWatt

/// Defaults a deployment request takes from its framework and flags (found by a probe of `estimate`).
@Suite struct ServingRequestDefaultsTests {
    static let bundledFP32 = ModelCatalog.bundled.models.filter { $0.defaultPrecision == .fp32 && $0.kind == .decoder }.map(\.id)

    /// vLLM's `--dtype auto` runs an FP32 checkpoint in FP16; HF transformers loads it in FP32.
    /// The bundled gpt2 and gpt-j-6b had been priced in FP32 weights and KV cache under vLLM.
    @Test(arguments: bundledFP32)
    func anFP32CheckpointRunsInFP16UnderVLLMAndFP32UnderHF(_ model: String) throws {
        let e = Estimator()
        let vllm = try e.deployment(DeploymentRequest(model: model, gpu: "h100-sxm"))
        #expect(vllm.precision == .fp16 && vllm.kvPrecision == .fp16)
        #expect(vllm.checkpointPrecisionNote?.contains("--dtype auto") == true)
        let hf = try e.deployment(DeploymentRequest(model: model, gpu: "h100-sxm", framework: .hf))
        #expect(hf.precision == .fp32 && hf.checkpointPrecisionNote == nil)
        // Asked for, FP32 is still priced under vLLM.
        #expect(try e.deployment(DeploymentRequest(model: model, gpu: "h100-sxm", precision: .fp32)).precision == .fp32)
    }

    @Test func fp32CheckpointsAreInTheBundle() { #expect(Self.bundledFP32.count >= 2) }

    /// `--ep 2` alone asks for 2 GPUs, as `--tp 2` and `--pp 2` do; it had refused with
    /// "ep 2 exceeds gpus 1".
    @Test func anExpertParallelGroupAloneSetsTheGPUCount() throws {
        let e = Estimator()
        let ep = try e.deployment(DeploymentRequest(model: "Qwen/Qwen3-30B-A3B", gpu: "h100-sxm", expertParallel: 2))
        let given = try e.deployment(DeploymentRequest(model: "Qwen/Qwen3-30B-A3B", gpu: "h100-sxm", gpus: 2, expertParallel: 2))
        #expect(ep.gpuCount == 2 && ep.expertParallel == 2)
        #expect(ep.tensorParallel == given.tensorParallel && ep.dataParallel == given.dataParallel)
        let dpAttention = try e.deployment(DeploymentRequest(model: "Qwen/Qwen3-30B-A3B", gpu: "h100-sxm", tensorParallel: 1, expertParallel: 2))
        #expect(dpAttention.gpuCount == 2 && dpAttention.dataParallel == 2)
    }
}
