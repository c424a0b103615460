import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// What an AMD Instinct operator was told that was not so (a 2026-12-07 probe): SGLang priced
/// with FlashInfer's sampler, a pooled NVIDIA median called an MI355X's measured one, NVIDIA-only
/// lever pairs quoted for AMD changes with no GPU named, a dense MXFP4 refusal that said such
/// checkpoints do not exist, and SGLang's chunk on a 192 GB GPU.
@Suite struct AMDServingTests {
    let e = Estimator()

    func gpuWh(_ gpu: String, _ framework: Framework, _ sampling: Sampling?) throws -> (Double, QueryEstimate) {
        let d = try e.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-70B-Instruct", gpu: gpu, gpus: 8, precision: .fp8,
                                                   framework: framework, sampling: sampling))
        let q = try QueryEstimate(estimator: e, deployment: d, request: ServingRequest(batch: 64, inputTokens: 1000, outputTokens: 500),
                                  settings: try LedgerSettings())
        return (q.ledger.total(at: .gpu).wattHours, q)
    }

    // MARK: - SGLang's sampler on ROCm

    /// FlashInfer is CUDA-only, so SGLang on an MI300X samples top-p with its PyTorch backend,
    /// which sorts: a dense Llama costs what vLLM's does (0.1195 Wh had been 4 % under vLLM's
    /// 0.1245). On an H100 it still samples without the sort.
    @Test func sglangSortsUnderTopPOnAnAMDGPU() throws {
        let (sglang, q) = try gpuWh("mi300x", .sglang, .topP)
        let (vllm, _) = try gpuWh("mi300x", .vllm, .topP)
        #expect(approx(sglang, vllm, rel: 1e-9), "\(sglang) \(vllm)")
        #expect(q.deployment.sortsLogits)
        #expect(!q.assumptions.contains { $0.contains("without sorting") }, "\(q.assumptions)")
        #expect(q.assumptions.contains { $0.hasPrefix("top-p sampling: SGLang's PyTorch sampling backend") }, "\(q.assumptions)")
        let line = try #require(q.assumptions.first { $0.hasPrefix("SGLang continuous batching") })
        #expect(line.contains("sorts under top-p as vLLM's does") && !line.contains("FlashInfer's sorting-free kernels)"), "\(line)")
        let (nvidiaSGLang, h) = try gpuWh("h100-sxm", .sglang, .topP)
        let (nvidiaVLLM, _) = try gpuWh("h100-sxm", .vllm, .topP)
        #expect(nvidiaSGLang < nvidiaVLLM && !h.deployment.sortsLogits)
    }

    /// SGLang reads the model's generation config (top-p) by default: on an AMD GPU that sorts,
    /// so the default is top-p there; on NVIDIA GPUs it costs what direct does and stays direct.
    @Test func sglangsDefaultSamplingFollowsItsSampler() throws {
        #expect(try gpuWh("mi355x", .sglang, nil).1.deployment.sampling == .topP)
        #expect(try gpuWh("h200", .sglang, nil).1.deployment.sampling == .direct)
        #expect(try gpuWh("mi355x", .vllm, nil).1.deployment.sampling == .topP)
    }

    // MARK: - A lever onto an AMD GPU

    static func fleet() throws -> FleetResult {
        let d = #"{"name": "d", "model": "meta-llama/Llama-3.1-70B-Instruct", "gpu": "h100-sxm", "gpus": 4, "precision": "fp8"}"#
        return try runWorkload(kernelWorkload(extra: #""levers": [{"name": "b200", "gpu": "b200"}, {"name": "mi355x", "gpu": "mi355x"}]"#,
                                              deployment: d), samples: 300)[0]
    }

    /// The pool of GPUs without a fit of their own holds no AMD GPU: its median is no measured
    /// median of an MI355X, and AMD's published runs go the other way. No adjusted saving is
    /// printed for it; an NVIDIA GPU's lever keeps its note.
    @Test func aLeverOntoAnAMDGPUGetsNoPooledMedian() throws {
        let r = try Self.fleet()
        #expect(!r.notes.contains { $0.hasPrefix("lever mi355x: with each GPU's energy at its measured median") }, "\(r.notes)")
        let note = try #require(r.notes.first { $0.hasPrefix("lever mi355x: no saving at measured medians") }, "\(r.notes)")
        #expect(note.contains("holds no AMD GPU") && note.contains("the other way from the pool's median") && !note.contains("(pooled)"), "\(note)")
        #expect(r.notes.contains { $0.hasPrefix("lever b200: with each GPU's energy at its measured median") })
    }

    /// The GPU-change pairs are NVIDIA's: a lever onto an MI355X says so in its words and its
    /// JSON `measuredOn` (it had been null).
    @Test func aLeverOntoAnAMDGPUNamesTheGPUsItsPairsRanOn() throws {
        let l = try #require(try Self.fleet().levers.first { $0.name == "mi355x" })
        let m = try #require(l.measured)
        #expect(m.lever == "gpu" && m.unmeasuredGPUs == ["mi355x"] && !m.gpus.isEmpty, "\(m)")
        #expect(m.gpus.allSatisfy { (try? GPUCatalog.bundled.gpu($0))?.vendor == "nvidia" }, "\(m.gpus)")
        let on = try #require(FleetRendering.measuredOn(m))
        #expect(on.contains("none on mi355x") && on.contains(m.gpus[0]), "\(on)")
        #expect(FleetRendering.savingWords(l).contains("none on mi355x"))
        guard case let .object(fields) = FleetRendering.leverJSON(l) else { Issue.record("not an object"); return }
        #expect(fields.first { $0.key == "measuredOn" }?.value == .string(on))
    }

    /// The bundled lever rows keep the GPUs their pairs ran on.
    @Test func bundledLeverRowsNameTheirGPUs() throws {
        for row in ErrorBands.bundled.levers { #expect(!row.gpus.isEmpty, "\(row.lever)") }
        let again = try ErrorBands.read(Data(ErrorBands.bundled.json().utf8), file: "error-bands.json")
        #expect(again.levers.map(\.gpus) == ErrorBands.bundled.levers.map(\.gpus))
    }

    /// diagnose and tune on an MI300X quote pairs measured on other GPUs, and say which.
    @Test func diagnoseAndTuneNameTheGPUsOfTheirPairs() throws {
        let r = DeploymentRequest(model: "meta-llama/Llama-3.1-70B-Instruct", gpu: "mi300x", gpus: 8, precision: .fp8)
        let d = try Diagnosis(estimator: e, request: r, serving: ServingRequest(batch: 64, inputTokens: 1000, outputTokens: 500))
        let text = d.text()
        let section = try #require(text.components(separatedBy: "HOW WELL SUCH CHANGES ARE PREDICTED").last?.components(separatedBy: "\n\n").first)
        for line in section.split(separator: "\n").dropFirst() { #expect(line.contains("none on mi300x"), "\(line)") }
        let t = try Tuning(estimator: e, base: DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "mi300x"),
                           serving: ServingRequest(batch: 1, inputTokens: 1000, outputTokens: 500), targets: Tuning.Targets(), steps: 2)
        #expect(t.text().contains("clock changes where measured:") && t.text().contains("none on mi300x"), "\(t.text())")
    }

    // MARK: - FP4 on CDNA 4

    /// A dense MXFP4 checkpoint exists (AMD's W4A4 Llama-3.3-70B MXFP4); the refusal says it is
    /// not modelled here and what is priced for 4-bit dense weights, not that MXFP4 is experts-only.
    @Test func denseMXFP4IsRefusedAsNotModelled() throws {
        #expect {
            try e.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-70B-Instruct", gpu: "mi355x", gpus: 8, precision: .mxfp4))
        } throws: { error in
            let s = "\(error)"
            return s.contains("a dense mxfp4 checkpoint (W4A4") && s.contains("is not modelled here") && s.contains("int4 (weight-only")
                && s.contains("nvfp4 (W4A4 on NVIDIA Blackwell") && !s.contains("quantize a mixture-of-experts model's experts only")
        }
    }

    /// NVFP4 on an MI355X is dequantized because CDNA 4's FP4 cores take MX scales, not because
    /// of its activations (NVFP4's are 4-bit too).
    @Test func nvfp4OnCDNA4NamesTheScales() throws {
        let d = try e.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-70B-Instruct", gpu: "mi355x", gpus: 8, precision: .nvfp4))
        let words = try #require(d.dequantization)
        #expect(words.contains("E8M0") && words.contains("NVFP4's FP8 (E4M3) scale per 16") && !words.contains("multiply only"), "\(words)")
        let gptoss = try e.deployment(DeploymentRequest(model: "openai/gpt-oss-120b", gpu: "mi355x", gpus: 1, precision: .mxfp4))
        #expect(gptoss.dequantization?.contains("its activations stay 16-bit") == true)
    }

    // MARK: - SGLang's chunk

    /// SGLang 0.5's `chunked_prefill_size` tiers (`_handle_gpu_memory_settings`): the MI300X and
    /// B200 take 16384 ("B200, MI300"), the A100 40GB and L40S 4096, the V100 2048.
    @Test func sglangTakesItsChunkTierByMemory() throws {
        let expected = ["l4": 2048, "a10": 2048, "v100-sxm2-32gb": 2048, "a100-pcie-40gb": 4096, "l40s": 4096, "a40": 4096,
                        "a100-sxm-80gb": 8192, "h100-sxm": 8192, "h200": 8192, "h20": 8192, "b200": 16384, "gb200": 16384,
                        "mi300x": 16384, "mi325x": 16384, "mi355x": 16384]
        for (id, tokens) in expected {
            let gpu = try GPUCatalog.bundled.gpu(id)
            #expect(ServingRequest.defaultTokenBudget(on: gpu, framework: .sglang) == tokens, "\(id)")
            #expect(ServingRequest.defaultTokenBudget(on: gpu, framework: .vllm) == ServingRequest.vllmServerDefaults(on: gpu).tokenBudget)
        }
    }
}
