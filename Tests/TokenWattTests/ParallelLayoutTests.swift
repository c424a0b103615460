import KernelPower
import Testing
@testable import TokenWatt

/// The layouts tokenwatt suggests and accepts for large and mixture-of-experts models (2026-12-07
/// probe of an MoE/parallelism engineer): the does-not-fit suggestion runs, the weights it quotes
/// are the model's, a GPU count's default tp says where it came from, and stages are contiguous.
@Suite struct ParallelLayoutTests {
    let estimator = Estimator()
    static let request = ServingRequest(batch: 32, inputTokens: 1000, outputTokens: 500)

    func refusal(_ r: DeploymentRequest) -> DeploymentError? {
        do { _ = try estimator.deployment(r); return nil } catch { return error as? DeploymentError }
    }

    /// The layout the refusal suggests builds and leaves room for a sequence of the request: it
    /// had sized the weights alone (Kimi-K2 on H100s: tp 2 × pp 7, "0 GB per GPU is left for the
    /// KV cache") and ignored the nodes (PCIe nodes: stages across nodes with no network between).
    @Test(arguments: [("moonshotai/Kimi-K2-Instruct", "h100-sxm", nil), ("moonshotai/Kimi-K2-Instruct", "h100-pcie", Precision.fp8),
                      ("moonshotai/Kimi-K2-Instruct", "l4", .fp8), ("moonshotai/Kimi-K2-Instruct", "a10", .int4),
                      ("deepseek-ai/DeepSeek-V3.1", "h200", .bf16), ("meta-llama/Llama-4-Maverick-17B-128E-Instruct", "h100-sxm", nil)])
    func theSuggestedLayoutServesTheRequest(_ model: String, _ gpu: String, _ precision: Precision?) throws {
        var r = DeploymentRequest(model: model, gpu: gpu, gpus: 1, precision: precision)
        r.fitRequirement = FitRequirement(Self.request)
        guard case let .doesNotFit(_, _, _, _, fit, _, _, _)? = refusal(r) else {
            Issue.record("\(model) on one \(gpu) was not refused for its weights"); return
        }
        guard let fit else {
            #expect("\(refusal(r)!)".contains("cannot fit on any deployment of \(gpu)"))
            return
        }
        var suggested = r
        suggested.gpus = fit.gpus
        suggested.tensorParallel = fit.tp
        suggested.pipelineParallel = fit.pp
        suggested.expertParallel = fit.ep
        let d = try estimator.deployment(suggested)
        try KVCacheBudget.requireRoom(Self.request, on: d)
    }

    /// Kimi-K2 needs more than the 14 GPUs its weights alone would: tp 2 × pp 7 left no room for
    /// the activations; PCIe nodes of 8 with no scale-out network hold no 1 TB model in FP8.
    @Test func kimiIsSentWhereItRuns() throws {
        var r = DeploymentRequest(model: "moonshotai/Kimi-K2-Instruct", gpu: "h100-sxm", gpus: 8)
        r.fitRequirement = FitRequirement(Self.request)
        guard case let .doesNotFit(_, _, _, _, fit?, _, _, _)? = refusal(r) else { Issue.record("expected a fit"); return }
        // 16 GPUs as tp 8 within each node and the experts over both: tp 16 across nodes is as many.
        #expect(fit == ParallelFit(tp: 8, pp: 1, ep: 16), "\(fit.description)")
        r.gpu = "h100-pcie"
        r.precision = .fp8
        let text = "\(try #require(refusal(r)))"
        #expect(text.contains("cannot fit on any deployment of h100-pcie") && !text.contains("needs at least"), "\(text)")
    }

    /// The refusal quotes the model's weights, not the per-GPU share × tp × pp (Maverick on tp 1,
    /// ep 8 read 125 GB of 801; DeepSeek-V3.1 on tp 1, ep 4 read 182.4 GB of 672.9), and finds the
    /// expert-parallel layout that holds it (Maverick: 16 GPUs, tp 8, ep 16, not "40 GPUs (tp 40)").
    @Test(arguments: [("meta-llama/Llama-4-Maverick-17B-128E-Instruct", "h100-sxm", 8, 1, 8, 801.4),
                      ("deepseek-ai/DeepSeek-V3.1", "h200", 4, 1, 4, 672.9), ("deepseek-ai/DeepSeek-V3.1", "h200", 4, 2, 1, 672.9)])
    func theRefusalQuotesTheModelsWeights(_ model: String, _ gpu: String, _ gpus: Int, _ tp: Int, _ ep: Int, _ gigabytes: Double) throws {
        let r = DeploymentRequest(model: model, gpu: gpu, gpus: gpus, tensorParallel: tp, expertParallel: ep)
        guard case let .doesNotFit(_, _, weights, _, _, _, _, _)? = refusal(r) else { Issue.record("expected doesNotFit"); return }
        #expect(approx(weights, gigabytes, rel: 1e-3), "\(weights) GB")
    }

    @Test func maverickIsSentWhereItFits() throws {
        let r = DeploymentRequest(model: "meta-llama/Llama-4-Maverick-17B-128E-Instruct", gpu: "h100-sxm", gpus: 8, tensorParallel: 1, expertParallel: 8)
        guard case let .doesNotFit(_, _, _, _, fit?, _, _, _)? = refusal(r) else { Issue.record("expected a fit"); return }
        #expect(fit == ParallelFit(tp: 4, pp: 3), "\(fit.description)")
        #expect("\(refusal(r)!)".contains("it needs at least 12 GPUs (tp 4 × pp 3)"))
    }

    /// A GPU count alone sets tp to it; the refusal of that tp says so and offers a layout over
    /// the GPUs: one that runs where there is one (DeepSeek-V3.1 in FP8 on 12 H200s: tp 4 × pp 3,
    /// as tp 4 alone does not hold its weights), else the largest tp the checks allow (with ep 4,
    /// whose groups take no stages: tp 4, three replicas).
    @Test(arguments: [(nil, "set --tp 4 and --pp 3 as well (--gpus 12 --tp 4 --pp 3: tp 4 × pp 3)"),
                      (4, "set --tp 4 as well (--gpus 12 --tp 4 --ep 4: 3 data-parallel replicas of tp 4)")])
    func aGPUCountsDefaultTPSaysWhereItCameFrom(_ ep: Int?, _ offer: String) throws {
        let r = DeploymentRequest(model: "deepseek-ai/DeepSeek-V3.1", gpu: "h200", gpus: 12, expertParallel: ep)
        let text = "\(try #require(refusal(r)))"
        #expect(text.contains("tp defaults to the GPU count") && text.contains(offer), "\(text)")
        if ep == nil { _ = try estimator.deployment(DeploymentRequest(model: r.model, gpu: "h200", gpus: 12, tensorParallel: 4, pipelineParallel: 3)) }
    }

    /// DeepSeek-V3.2's sparse MLA cache has no 4-bit format: an NVFP4 cache had been priced as
    /// its FP8 one under an "nvfp4 KV cache" label.
    @Test func aSparseMLACacheRefusesNVFP4() throws {
        let r = DeploymentRequest(model: "deepseek-ai/DeepSeek-V3.2", gpu: "b200", gpus: 8, kvPrecision: .nvfp4)
        let text = "\(try #require(refusal(r)))"
        #expect(text.contains("no nvfp4 format") && text.contains("--kv-precision fp8"), "\(text)")
        _ = try estimator.deployment(DeploymentRequest(model: "deepseek-ai/DeepSeek-V3.2", gpu: "b200", gpus: 8, kvPrecision: .fp8))
    }

    /// HF's eager planner has no MoE or MLA path: it priced Qwen3-30B-A3B's experts as a dense FFN
    /// and DeepSeek's MLA as multi-head attention.
    @Test(arguments: ["Qwen/Qwen3-30B-A3B", "deepseek-ai/DeepSeek-V3.1"])
    func hfRefusesMoEAndMLA(_ model: String) throws {
        let r = DeploymentRequest(model: model, gpu: "h100-sxm", gpus: 8, framework: .hf)
        guard case let .unsupportedFramework(framework, _, features)? = refusal(r) else { Issue.record("expected unsupportedFramework"); return }
        #expect(framework == "hf" && features.contains("mixture-of-experts layers"))
        #expect(features.contains("multi-head latent attention (MLA)") == (model == "deepseek-ai/DeepSeek-V3.1"))
        #expect("\(refusal(r)!)".contains("run it under vllm"))
    }

    /// vLLM cuts the layers into contiguous runs (`get_pp_indices`): 61 over 2 is 31 and 30, 22
    /// over 4 is 5, 6, 6, 5, 80 over 3 is 27, 27, 26.
    @Test(arguments: [(61, 2, [31, 30]), (22, 4, [5, 6, 6, 5]), (80, 3, [27, 27, 26]), (7, 3, [2, 3, 2]), (32, 4, [8, 8, 8, 8])])
    func stagesAreVLLMsContiguousRuns(_ layers: Int, _ pp: Int, _ sizes: [Int]) throws {
        var m = try ModelCatalog.bundled.model("meta-llama/Llama-3.1-8B-Instruct")
        m.id = "test/layers"
        m.aliases = []
        m.layers = layers
        let e = Estimator(models: try ModelCatalog(models: [m]))
        let d = try e.deployment(DeploymentRequest(model: m.id, gpu: "h100-sxm", gpus: pp, tensorParallel: 1, pipelineParallel: pp))
        let runs = (0..<pp).map(d.stageLayers)
        #expect(runs.map(\.count) == sizes)
        #expect(runs.first?.lowerBound == 0 && runs.last?.upperBound == layers)
        #expect(zip(runs, runs.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
    }

    /// DeepSeek-V3.1's three dense layers lead: on two stages the first runs 3 dense and 28 MoE
    /// layers, the second 30 MoE (each variant had been split evenly: 2 + 29, then 1 + 29).
    @Test func theDenseLayersStayOnTheFirstStage() throws {
        let d = try estimator.deployment(DeploymentRequest(model: "deepseek-ai/DeepSeek-V3.1", gpu: "h100-sxm", gpus: 16, tensorParallel: 8, pipelineParallel: 2))
        let planner = PhasePlanner(deployment: d)
        let blocks = try (0..<2).map { s in
            try planner.program(for: .decode(batch: 8, context: 100), stage: s).blocks.reduce(into: [String: Int]()) { $0[$1.name, default: 0] += $1.repeats }
        }
        #expect(blocks[0]["layer"] == 3 && blocks[0]["moe-layer"] == 28, "\(blocks[0])")
        #expect(blocks[1]["layer"] == nil && blocks[1]["moe-layer"] == 30, "\(blocks[1])")
    }

    /// The stages' runs hold every layer of every variant once, for every catalog model.
    @Test(arguments: ModelCatalog.bundled.models)
    func theStagesHoldEveryLayerOnce(_ m: ModelArchitecture) {
        let whole = LayerVariant.variants(of: m)
        for pp in [2, 3, 5] where pp <= m.layers {
            var sums: [LayerVariant: Int] = [:]
            var next = 0
            for s in 0..<pp {
                let run = Deployment.stageLayers(layers: m.layers, stages: pp, stage: s)
                #expect(run.lowerBound == next && !run.isEmpty, "\(m.id) pp \(pp) stage \(s): \(run)")  // contiguous, none empty
                next = run.upperBound
                for (v, n) in LayerVariant.variants(of: m, in: run) { sums[v, default: 0] += n }
            }
            #expect(next == m.layers, "\(m.id) pp \(pp): the stages end at layer \(next)")
            #expect(whole.count == sums.count && whole.allSatisfy { sums[$0.0] == $0.1 }, "\(m.id) pp \(pp)")
        }
    }

    /// Diagnose's "twice the GPUs" is a layout that runs: Maverick's tp 8, ep 16 had been offered
    /// "32 GPUs (tp 16, ep 16)", which tp 16 (of 40 heads) refuses; now the ep group doubles.
    @Test func twiceTheGPUsIsALayoutThatRuns() throws {
        let d = try estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-4-Maverick-17B-128E-Instruct", gpu: "h100-sxm", gpus: 16,
                                                           tensorParallel: 8, expertParallel: 16))
        let wider = try #require(Diagnosis.twiceTheGPUs(d))
        #expect(wider.gpus == 32 && wider.tp == 8 && wider.ep == 32 && wider.description == "tp 8, ep 32")
        _ = try estimator.deployment(DeploymentRequest(model: d.model.id, gpu: "h100-sxm", gpus: 32, tensorParallel: 8, expertParallel: 32))
    }

    /// Data-parallel attention that shrinks the KV cache's room does not claim the cache is held
    /// once, and says the cache caps its batch (Qwen3-235B-A22B on 8 H100s: room for 271 → 56).
    @Test func dataParallelAttentionSaysWhenTheCacheShrinks() throws {
        let r = DeploymentRequest(model: "Qwen/Qwen3-235B-A22B", gpu: "h100-sxm", gpus: 8, tensorParallel: 8)
        let d = try Diagnosis(estimator: estimator, request: r, serving: ServingRequest(batch: 64, inputTokens: 1000, outputTokens: 500))
        let ep = try #require(d.alternatives.first { $0.change.contains("(tp 1, ep 8)") })
        #expect(!ep.explanation.contains("held once") && ep.explanation.contains("(the KV cache caps the batch)")
                && ep.explanation.contains("room for"), "\(ep.explanation)")
    }

    /// `models --format json` gives the card's active count beside its total.
    @Test func theListingGivesThePublishedActiveCount() throws {
        let m = try ModelCatalog.bundled.model("openai/gpt-oss-120b")
        guard case let .object(pairs) = m.listingJSON else { Issue.record("not an object"); return }
        let active = try #require(pairs.first { $0.key == "publishedActiveParams" })
        #expect(active.value == .number(try #require(m.publishedActiveParams)), "\(active.value)")
    }
}
