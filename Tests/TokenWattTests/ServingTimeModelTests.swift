import KernelPower
import Testing
@testable import TokenWatt

/// Fused serving kernels on a GPU fitted only on HF-eager prefill take the serving fit's streaming
/// and per-sequence constants; everything else stays the GPU's own.
@Suite struct ServingTimeModelTests {
    static let estimator = Estimator()

    func timeModel(_ gpu: String, _ framework: Framework, estimator: Estimator = estimator) throws -> TimeModel {
        let d = try estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: gpu, gpus: 1,
                                                           framework: framework))
        return estimator.passEstimator(for: d).timeModel
    }

    /// Eager vLLM launches each operation from Python as HF does, and keeps vLLM's per-step
    /// scheduler and sampler time: the same on every GPU as the graph-launching `vllm` host's.
    @Test(arguments: ["h100-sxm", "a100-sxm-80gb", "l40s"])
    func eagerVLLMHasVLLMsPerStepHostTime(_ gpu: String) throws {
        func host(_ f: Framework) throws -> HostModel {
            try Self.estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: gpu, framework: f)).host
        }
        #expect(try host(.vllmEager).passOverhead == host(.vllm).passOverhead)
        #expect(try host(.vllmEager).launchTime == host(.hf).launchTime)
    }

    @Test func anA100ServingVLLMBorrowsTheH100ServingConstants() throws {
        let h100 = try #require(CoefficientFile.bundled.fittedSet(for: "h100-sxm")).set.timeModel
        let a100GPU = try GPUCatalog.bundled.gpu("a100-sxm-40gb")
        let own = CoefficientFile.bundled.coefficients(for: a100GPU).timeModel
        let served = try timeModel("a100-sxm-40gb", .vllm)
        #expect(served.memoryEfficiency == h100.memoryEfficiency)
        #expect(served.memoryEfficiency != own.memoryEfficiency)
        // The same per-sequence bytes, read at the A100's 1.555 TB/s: 2.15× the H100's time.
        #expect(served.decodeSequenceBytes == h100.decodeSequenceBytes && served.decodeQueryHeadBytes == h100.decodeQueryHeadBytes)
        #expect(approx(h100.pagedDecodeBandwidth(try GPUCatalog.bundled.gpu("h100-sxm")) / served.pagedDecodeBandwidth(a100GPU),
                       3.35 / 1.555, rel: 0.01))
        #expect(served.tensorEfficiency == own.tensorEfficiency)
        #expect(served.kernelOverhead == own.kernelOverhead)
    }

    @Test func hfKernelsAndGPUsWithAServingFitKeepTheirOwnTimeModel() throws {
        let a100 = CoefficientFile.bundled.coefficients(for: try GPUCatalog.bundled.gpu("a100-sxm-40gb")).timeModel
        #expect(try timeModel("a100-sxm-40gb", .hf) == a100)
        for gpu in ["h100-sxm", "h200"] {
            let own = CoefficientFile.bundled.coefficients(for: try GPUCatalog.bundled.gpu(gpu)).timeModel
            #expect(try timeModel(gpu, .vllm) == own)
        }
    }

    /// TensorRT-LLM drops the per-sequence decode time after the serving constants are borrowed.
    @Test func tensorRTLLMStillDropsThePerSequenceTime() throws {
        let served = try timeModel("a100-sxm-40gb", .trtllm)
        #expect(served.decodeSequenceBytes == 0 && served.decodeQueryHeadBytes == 0)
        #expect(served.memoryEfficiency == (try timeModel("a100-sxm-40gb", .vllm)).memoryEfficiency)
    }

    /// SGLang runs vLLM's kernels with vLLM's host, but streams block-FP8 experts like 16-bit ones
    /// and samples without sorting: DeepSeek-R1 at 64 requests steps faster than under vLLM, a
    /// BF16 MoE and a dense FP8 model step as fast as under vLLM without the sampler's sort.
    @Test func sglangStreamsBlockFP8ExpertsLikeSixteenBitOnes() throws {
        let h200 = try timeModel("h200", .sglang)
        #expect(h200.blockFP8GroupedMemoryEfficiency == h200.groupedMemoryEfficiency)
        #expect(try timeModel("h200", .vllm).blockFP8GroupedMemoryEfficiency < h200.blockFP8GroupedMemoryEfficiency)
        func step(_ model: String, _ f: Framework, sampling: Sampling? = nil) throws -> Double {
            let d = try Self.estimator.deployment(DeploymentRequest(model: model, gpu: "h200", gpus: 8, framework: f, sampling: sampling))
            #expect(d.host.passOverhead == (try Self.estimator.deployment(DeploymentRequest(model: model, gpu: "h200", gpus: 8))).host.passOverhead)
            return try Self.estimator.serve(d, ServingRequest(batch: 64, inputTokens: 1000, outputTokens: 1000)).stepTime.seconds
        }
        #expect(try step("deepseek-ai/DeepSeek-R1-0528", .sglang) < 0.8 * step("deepseek-ai/DeepSeek-R1-0528", .vllm, sampling: .direct))
        for model in ["Qwen/Qwen3-235B-A22B-Instruct-2507", "Qwen/Qwen3-32B-FP8"] {
            #expect(try step(model, .sglang) == step(model, .vllm, sampling: .direct), "\(model)")
        }
    }

    /// A user calibration on fused runs is the GPU's own serving fit: nothing is borrowed over it.
    @Test func aUserServingFitIsNotOverridden() throws {
        let bundled = CoefficientFile.bundled
        var a100 = try #require(bundled.fittedSet(for: "a100-pcie-40gb"))
        a100.set.hosts[Framework.trtllm.hostKey] = Estimator.defaultVLLMHost
        a100.set.timeModel.memoryEfficiency = 0.7
        let file = CoefficientFile(capHoldFraction: bundled.capHoldFraction,
                                   fitted: bundled.fitted.map { $0.gpuID == a100.gpuID ? a100 : $0 }, provenance: "test")
        let served = try timeModel("a100-pcie-40gb", .vllm, estimator: Estimator(calibration: file))
        #expect(served.memoryEfficiency == 0.7)
    }
}
