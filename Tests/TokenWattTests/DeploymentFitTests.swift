import KernelPower
import Testing
@testable import TokenWatt

/// The "does not fit" refusal names a deployment that holds the weights, or says none does.
@Suite struct DeploymentFitTests {
    /// A GPU without BF16 keeps an FP16 model's cache in FP16 (a V100 said "bf16 KV cache"), and
    /// Blackwell may keep an NVFP4 cache.
    @Test func theDefaultCacheIsTheModelsActivationType() throws {
        let e = Estimator()
        let volta = try e.deployment(DeploymentRequest(model: "meta-llama/Llama-2-7b-hf", gpu: "v100-sxm2-32gb"))
        #expect(volta.precision == .fp16 && volta.kvPrecision == .fp16)
        let fp8 = try e.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm", precision: .fp8))
        #expect(fp8.kvPrecision == .bf16)
        #expect(try e.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "b200", kvPrecision: .nvfp4)).kvPrecision == .nvfp4)
    }

    static func refusal(_ e: Estimator, _ r: DeploymentRequest) -> DeploymentError? {
        do { _ = try e.deployment(r); return nil } catch { return error as? DeploymentError }
    }

    /// The shape suggested holds the weights (the doubling suggestion could name a tp the heads
    /// do not allow, and a count whose stages, rounded to whole layers, still did not fit).
    /// (A10s sit 8 to a PCIe server with no scale-out network, which 405B outgrows: A100 40GB nodes have one.)
    @Test(arguments: [("meta-llama/Llama-3.1-405B-Instruct", "a100-sxm-40gb", Framework.vllm), ("meta-llama/Llama-3.1-405B-Instruct", "a100-sxm-40gb", .hf),
                      ("meta-llama/Llama-3.1-70B-Instruct", "l4", .vllm), ("deepseek-ai/DeepSeek-V3", "h100-sxm", .vllm)])
    func theSuggestedShapeHoldsTheWeights(_ model: String, _ gpu: String, _ framework: Framework) throws {
        let e = Estimator()
        guard case let .doesNotFit(_, _, _, _, fit?, _, _, _)? = Self.refusal(e, DeploymentRequest(model: model, gpu: gpu, framework: framework)) else {
            Issue.record("\(model) on one \(gpu) was not refused with a shape"); return
        }
        let r = DeploymentRequest(model: model, gpu: gpu, gpus: fit.gpus, tensorParallel: fit.tp, framework: framework,
                                  pipelineParallel: fit.pp)
        if case .doesNotFit? = Self.refusal(e, r) { Issue.record("\(fit.description) does not hold \(model) on \(gpu)") }
    }

    /// 9.6e10 bytes a layer on 32 heads and 32 layers: no tp × pp the model allows holds it (it
    /// said "at least 1024 GPUs (tp 1024)").
    @Test func aModelNoShapeHoldsSaysSo() throws {
        var m = try ModelCatalog.bundled.model("meta-llama/Llama-3.1-8B-Instruct")
        m.id = "test/huge"
        m.aliases = []
        m.hiddenSize *= 250
        m.ffnSize *= 250
        let e = Estimator(models: try ModelCatalog(models: [m]))
        let error = try #require(Self.refusal(e, DeploymentRequest(model: m.id, gpu: "h100-sxm")))
        let text = "\(error)"
        #expect(text.contains("cannot fit on any deployment of h100-sxm that its attention heads, layers and the nodes allow")
                && text.contains("tp 32 × pp 32 (1024 GPUs)") && !text.contains("needs at least"), "\(text)")
    }

    /// A catalog may give up to 1e9 heads and layers: the search for a shape that fits tried
    /// every tp up to the heads and every pp up to the layers, and took minutes.
    @Test(.timeLimit(.minutes(1)))
    func theFitSearchIsQuickForHugeModels() throws {
        var m = try ModelCatalog.bundled.model("meta-llama/Llama-3.1-8B-Instruct")
        m.id = "test/wide"
        m.aliases = []
        m.heads = 1_000_000_000
        m.kvHeads = 1_000_000_000
        var deep = m
        deep.id = "test/deep"
        deep.heads = 32
        deep.kvHeads = 8
        deep.layers = 1_000_000_000
        let e = Estimator(models: try ModelCatalog(models: [m, deep]))
        let wide = "\(try #require(Self.refusal(e, DeploymentRequest(model: m.id, gpu: "h200"))))"
        // 1e6 GPUs hold the weights; the suggestion also keeps a step's activations (10.8 GB a GPU
        // of 1,000 local heads at tp 1e6), so it asks for the next tp the heads allow.
        #expect(wide.contains("(tp 1250000)"), "\(wide)")
        let long = "\(try #require(Self.refusal(e, DeploymentRequest(model: deep.id, gpu: "h200"))))"
        #expect(long.contains("tp 32 × pp"), "\(long)")
    }

    /// The divisors the tp search walks are every divisor, ascending.
    @Test(arguments: [1, 2, 12, 36, 97, 128, 1000])
    func divisorsAreEveryDivisorAscending(_ n: Int) {
        #expect(Deployment.divisors(of: n) == (1...n).filter { n % $0 == 0 })
    }
}

/// The does-not-fit search sizes its shapes on the node they run on: an A10 deployment of one
/// GPU sits on a workstation, of more on the 8-GPU PCIe server, which has no scale-out network,
/// so 405B (810 GB of BF16 weights) has no shape there; the search had suggested tp 32 over
/// workstations, a layout the deployment then refused.
@Suite struct FitSearchNodeTests {
    @Test func theSearchUsesTheServerAShapeRunsOn() throws {
        let e = Estimator()
        guard case let .doesNotFit(_, _, _, _, fit, _, _, _)? = DeploymentFitTests.refusal(e, DeploymentRequest(model: "meta-llama/Llama-3.1-405B-Instruct", gpu: "a10")) else {
            Issue.record("405B on one A10 was not refused for its weights"); return
        }
        #expect(fit == nil, "\(String(describing: fit))")
        guard case let .doesNotFit(_, _, _, _, small?, _, _, _)? = DeploymentFitTests.refusal(e, DeploymentRequest(model: "meta-llama/Llama-3.1-70B-Instruct", gpu: "a10")) else {
            Issue.record("70B on one A10 was not refused with a shape"); return
        }
        #expect(small.gpus <= 8, "\(small.description)")
        _ = try e.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-70B-Instruct", gpu: "a10", gpus: small.gpus, tensorParallel: small.tp,
                                               pipelineParallel: small.pp))
    }
}
