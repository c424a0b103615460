import KernelPower
import Testing
@testable import TokenWatt

@Suite struct PlannerTests {
    static let estimator = Estimator()

    func deployment(_ model: String, gpu: String = "h100-sxm", gpus: Int = 1, framework: Framework = .vllm,
                    precision: Precision? = nil, ep: Int? = nil) throws -> Deployment {
        try Self.estimator.deployment(DeploymentRequest(model: model, gpu: gpu, gpus: gpus, expertParallel: ep, precision: precision,
                                                        framework: framework))
    }

    @Test func identicalLayersAreOneBlock() throws {
        let d = try deployment("meta-llama/Llama-3.1-70B-Instruct", gpus: 4)
        let p = try PhasePlanner(deployment: d).program(for: .prefill(batch: 1, tokens: 512))
        let layers = p.blocks.filter { $0.name.hasPrefix("layer") }
        #expect(layers.count == 1)
        #expect(layers[0].repeats == 80)
    }

    @Test func tensorParallelAddsAllReducesPerLayer() throws {
        let one = try PhasePlanner(deployment: deployment("meta-llama/Llama-3.1-8B-Instruct")).program(for: .decode(batch: 8, context: 512))
        let four = try PhasePlanner(deployment: deployment("meta-llama/Llama-3.1-8B-Instruct", gpus: 4)).program(for: .decode(batch: 8, context: 512))
        func reduces(_ p: KernelProgram) -> Int {
            p.blocks.reduce(0) { $0 + $1.kernels.filter { if case .collective = $0.shape { return true } else { return false } }.count * $1.repeats }
        }
        #expect(reduces(one) == 0)
        #expect(reduces(four) == 2 * 32 + 1)
    }

    @Test func decodeStepsRunAsPiecewiseCUDAGraphsInVLLM() throws {
        // One launch for the graph pieces plus one per attention call (36 layers).
        let p = try PhasePlanner(deployment: deployment("Qwen/Qwen3-8B")).program(for: .decode(batch: 16, context: 1024))
        #expect(p.hostOpCount == 1 + 36)
        let big = try PhasePlanner(deployment: deployment("Qwen/Qwen3-8B")).program(for: .prefill(batch: 1, tokens: 4096))
        #expect(big.hostOpCount == big.kernelCount)
        let hf = try PhasePlanner(deployment: deployment("Qwen/Qwen3-8B", framework: .hf)).program(for: .decode(batch: 16, context: 1024))
        #expect(hf.hostOpCount == hf.kernelCount)
    }

    @Test func eagerQwen2LayerHasTheTracedKernelMix() throws {
        // The EnergAIzer trace of Qwen2-1.5B prefill has 9 GEMMs, 1 softmax and about 24 elementwise
        // kernels per layer (960 kernels over 28 layers; kernel-power.md §1.4).
        let d = try deployment("qwen2-1.5b", gpu: "a100-pcie-40gb", framework: .hf, precision: .bf16)
        let p = try PhasePlanner(deployment: d, includeLMHead: false).program(for: .prefill(batch: 1, tokens: 1024))
        let layer = try #require(p.blocks.first { $0.name == "layer" })
        let gemms = layer.kernels.filter { if case .gemm = $0.shape { return true } else { return false } }.count
        #expect(gemms == 9)
        let softmax = layer.kernels.filter { $0.name == "softmax" }.count
        #expect(softmax == 1)
        #expect((30...50).contains(layer.kernels.count))
    }

    @Test func eagerGPTNeoXProjectsQKVInOneGEMMAndJoinsItsPartialRotary() throws {
        // transformers' GPT-NeoX: one query_key_value Linear, then rotary on part of each head and
        // a cat that joins the rest back, for queries and keys.
        let d = try deployment("EleutherAI/pythia-12b", gpu: "a100-sxm-40gb", framework: .hf, precision: .fp16)
        let p = try PhasePlanner(deployment: d).program(for: .decode(batch: 1, context: 300))
        let layer = try #require(p.blocks.first { $0.name == "layer" })
        let names = layer.kernels.map(\.name)
        #expect(names.filter { $0 == "query_key_value" }.count == 1 && !names.contains("q_proj"))
        #expect(names.contains("rope_q_join") && names.contains("rope_k_join"))
        let gemms = layer.kernels.filter { if case .gemm = $0.shape { return true } else { return false } }.count
        #expect(gemms == 6, "query_key_value, QKᵀ, PV, dense, dense_h_to_4h, dense_4h_to_h")
    }

    @Test func eagerVLLMLaunchesALayerNormModelsResidualAddsOnTheirOwn() throws {
        // vLLM fuses the residual add only into RMSNorm; BLOOM's LayerNorm, run eagerly, is two
        // kernels per norm, while the graph-captured (compiled) vLLM layer keeps one.
        func norms(_ framework: Framework) throws -> [String] {
            let d = try deployment("bigscience/bloom", gpus: 8, framework: framework, precision: .fp16)
            let p = try PhasePlanner(deployment: d).program(for: .decode(batch: 1, context: 600))
            let layer = try #require(p.blocks.first { $0.name == "layer" })
            return layer.kernels.map(\.name).filter { $0.contains("norm") }
        }
        #expect(try norms(.vllmEager) == ["input_norm_residual_add", "input_norm", "post_attn_norm_residual_add", "post_attn_norm"])
        #expect(try norms(.vllm) == ["input_norm", "post_attn_norm"])
        let llama = try deployment("meta-llama/Llama-2-70b-hf", gpus: 8, framework: .vllmEager, precision: .fp16)
        let layer = try #require(try PhasePlanner(deployment: llama).program(for: .decode(batch: 1, context: 600)).blocks.first { $0.name == "layer" })
        #expect(layer.kernels.map(\.name).filter { $0.contains("norm") } == ["input_norm", "post_attn_norm"])
    }

    /// Top-p under vLLM's PyTorch sampler sorts every sampled sequence's logits: two streaming
    /// kernels over rows × vocabulary (152 and 58 bytes an element), vLLM's default; direct
    /// sampling and TensorRT-LLM have none, and the sort makes the step longer.
    @Test func topPSamplingSortsEverySequencesLogitsUnderVLLM() throws {
        func plan(_ f: Framework, _ s: Sampling?) throws -> (Deployment, KernelProgram) {
            let d = try Self.estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm",
                                                                    framework: f, sampling: s))
            return (d, try PhasePlanner(deployment: d).program(for: .decode(batch: 64, context: 512)))
        }
        func sortBytes(_ p: KernelProgram) -> Double {
            p.blocks.flatMap(\.kernels).filter { $0.name.hasPrefix("top_p_") }.reduce(0) {
                if case let .memory(m) = $1.shape { return $0 + m.bytesRead + m.bytesWritten } else { return $0 }
            }
        }
        let (d, topP) = try plan(.vllm, nil)
        #expect(d.sampling == .topP && d.sortsLogits)
        #expect(sortBytes(topP) == 64 * 128_256 * (152 + 58))
        for (f, s) in [(Framework.vllm, Sampling.direct), (.trtllm, nil), (.trtllm, .topP)] {
            #expect(sortBytes(try plan(f, s).1) == 0, "\(f) \(String(describing: s))")
        }
        let direct = try Self.estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm",
                                                                     sampling: .direct))
        let step = Phase.decode(batch: 64, context: 512)
        #expect(try Self.estimator.forwardPass(d, phase: step).time > (try Self.estimator.forwardPass(direct, phase: step).time))
    }

    /// Whatever the expert-parallel degree, the GPUs together do the expert work of the tokens in
    /// flight and each holds 1/max(tp, ep) of the experts. An ep below tp once computed
    /// experts/ep whole experts on every GPU of the group: DeepSeek-V3.1 on 16 B200s at tp 16 cost
    /// 0.297 Wh of GPU energy a query at ep 1, 1.325 at ep 2 and 0.267 at ep 16; now 0.297, 0.281, 0.267.
    @Test func everyExpertParallelDegreeSplitsTheExpertWorkOverAllGPUs() throws {
        let model = "deepseek-ai/DeepSeek-V3.1"
        // Expert GEMM rows × columns over all GPUs, per token in flight (512 a rank: every expert is
        // hit, and whole rows per expert round the work up by at most 1/16).
        func expertWork(tp: Int, ep: Int) throws -> (perToken: Double, weights: Double) {
            let d = try Self.estimator.deployment(DeploymentRequest(model: model, gpu: "b200", gpus: 16, tensorParallel: tp, expertParallel: ep))
            let program = try PhasePlanner(deployment: d).program(for: .decode(batch: 512, context: 1000))
            var work = 0.0
            for k in program.blocks.flatMap(\.kernels) where k.name == "experts_gate_up" {
                if case .gemm(let g) = k.shape { work += (g.expectedBatch ?? Double(g.batch)) * Double(g.m * g.n) }
            }
            return (work * 16 / Double(512 * d.dataParallel), d.weightBytesPerGPU.bytes)
        }
        let whole = try expertWork(tp: 16, ep: 1)
        for (tp, ep) in [(16, 2), (16, 4), (16, 16), (4, 16), (2, 8), (4, 2), (8, 4)] {
            let x = try expertWork(tp: tp, ep: ep)
            #expect(approx(x.perToken, whole.perToken, rel: 0.07), "tp \(tp) ep \(ep): \(x.perToken) vs \(whole.perToken)")
        }
        let energy = try [1, 2, 4, 8, 16].map { ep in
            let d = try Self.estimator.deployment(DeploymentRequest(model: model, gpu: "b200", gpus: 16, tensorParallel: 16, expertParallel: ep))
            return try Self.estimator.serve(d, ServingRequest(batch: 64, inputTokens: 1000, outputTokens: 250)).energyPerOutputToken.joules
        }
        #expect(energy == energy.sorted(by: >), "\(energy)")
        #expect(throws: DeploymentError.self) {
            try Self.estimator.deployment(DeploymentRequest(model: model, gpu: "b200", gpus: 24, tensorParallel: 6, expertParallel: 4))
        }
    }

    /// Replicas whose expert groups are their own tensor-parallel GPUs exchange no tokens: two
    /// replicas of tp 4, ep 4 cost per token what one does at half their batch. They had each paid an
    /// all-to-all dispatch and combine (+4.5 % GPU Wh for Qwen3-235B-A22B on 8 H200s). Data-parallel
    /// attention ranks that share an expert group (tp 1, ep 8) still do.
    @Test func replicasWithTheirOwnExpertGroupsExchangeNoTokens() throws {
        func run(gpus: Int, tp: Int, ep: Int) throws -> (joulesPerToken: Double, exchanges: Bool) {
            let d = try Self.estimator.deployment(DeploymentRequest(model: "Qwen/Qwen3-235B-A22B", gpu: "h200", gpus: gpus,
                                                                    tensorParallel: tp, expertParallel: ep))
            let program = try PhasePlanner(deployment: d).program(for: .decode(batch: 64, context: 1500))
            let j = try Self.estimator.serve(d, ServingRequest(batch: 32 * gpus / tp, inputTokens: 1000, outputTokens: 1000))
                .energyPerOutputToken.joules
            return (j, program.blocks.flatMap(\.kernels).contains { $0.name == "moe_dispatch" })
        }
        let one = try run(gpus: 4, tp: 4, ep: 4), two = try run(gpus: 8, tp: 4, ep: 4)
        #expect(!one.exchanges && !two.exchanges)
        #expect(approx(one.joulesPerToken, two.joulesPerToken, rel: 1e-9), "\(one.joulesPerToken) vs \(two.joulesPerToken)")
        #expect(try run(gpus: 8, tp: 1, ep: 8).exchanges)
    }

    @Test func activeExpertsFollowUniformRouting() {
        // One token hits exactly k experts; very many tokens hit all of them.
        #expect(approx(FusedLayerPlanner.activeExperts(experts: 128, perToken: 8, tokens: 1), 8, rel: 1e-12))
        #expect(approx(FusedLayerPlanner.activeExperts(experts: 128, perToken: 8, tokens: 100_000), 128, rel: 1e-9))
    }

    @Test func onlyBlockScaledFP8CheckpointsUseTheBlockFP8ExpertKernel() throws {
        // Qwen's FP8 releases scale weights per 128×128 block (config.json weight_block_size);
        // Llama 4 Maverick FP8 scales per channel; BF16 has no FP8 scales at all.
        func blockScaled(_ model: String, gpus: Int) throws -> [Bool] {
            let d = try deployment(model, gpus: gpus, ep: gpus)
            let program = try PhasePlanner(deployment: d).program(for: .decode(batch: 16, context: 600))
            return program.blocks.flatMap(\.kernels).compactMap { k in
                if case .gemm(let g) = k.shape, g.grouped { return g.blockScaledB }
                return nil
            }
        }
        let qwen = try blockScaled("Qwen/Qwen3-235B-A22B-Instruct-2507-FP8", gpus: 4)
        #expect(!qwen.isEmpty && qwen.allSatisfy { $0 })
        for (model, gpus) in [("meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8", 8), ("Qwen/Qwen3-235B-A22B-Instruct-2507", 8)] {
            let flags = try blockScaled(model, gpus: gpus)
            #expect(!flags.isEmpty && flags.allSatisfy { !$0 }, "\(model)")
        }
        #expect(try Self.estimator.models.model("Qwen/Qwen3-235B-A22B-Instruct-2507-FP8").fp8WeightBlock == 128)
    }

    @Test func invalidParallelismIsRefusedWithReason() throws {
        #expect(throws: DeploymentError.self) { try deployment("meta-llama/Llama-3.1-8B-Instruct", gpus: 3) }
        do {
            _ = try deployment("Qwen/Qwen3-30B-A3B-Instruct-2507", gpus: 2, ep: 3)
            Issue.record("accepted ep 3")
        } catch {
            #expect("\(error)".contains("ep 3"))
        }
    }

    /// A group larger than the deployment says so and how many GPUs it needs ("tp 4 does not
    /// divide gpus 2" read as a divisibility slip); one that fits but does not divide says that.
    @Test(arguments: [
        (gpus: 2, tp: 4, pp: nil, ep: nil, "tp 4 exceeds gpus 2: it needs at least 4 GPUs"),
        (gpus: 4, tp: 3, pp: nil, ep: nil, "tp 3 does not divide gpus 4: gpus must be a multiple of 3"),
        (gpus: 2, tp: nil, pp: 4, ep: nil, "pp 4 exceeds gpus 2: it needs at least 4 GPUs"),
        (gpus: 6, tp: 1, pp: 4, ep: nil, "pp 4 does not divide gpus 6: gpus must be a multiple of 4"),
        (gpus: 4, tp: 2, pp: 4, ep: nil, "tp 2 × pp 4 = 8 exceeds gpus 4: it needs at least 8 GPUs"),
        (gpus: 4, tp: 4, pp: nil, ep: 8, "ep 8 exceeds gpus 4: it needs at least 8 GPUs"),
        (gpus: 6, tp: 2, pp: nil, ep: 4, "ep 4 does not divide gpus 6: gpus must be a multiple of 4"),
    ] as [(gpus: Int, tp: Int?, pp: Int?, ep: Int?, String)])
    func aGroupTheGPUsCannotHoldSaysWhy(_ c: (gpus: Int, tp: Int?, pp: Int?, ep: Int?, String)) {
        let model = c.ep == nil ? "meta-llama/Llama-3.1-8B-Instruct" : "Qwen/Qwen3-30B-A3B-Instruct-2507"
        do {
            _ = try Self.estimator.deployment(DeploymentRequest(model: model, gpu: "h100-sxm", gpus: c.gpus, tensorParallel: c.tp,
                                                                expertParallel: c.ep, pipelineParallel: c.pp))
            Issue.record("accepted \(c)")
        } catch let DeploymentError.invalidParallelism(message) {
            #expect(message == c.4)
        } catch {
            Issue.record("\(error)")
        }
    }

    /// HF batches statically: a continuous-batching step names every framework that runs one
    /// (it named vllm alone, though sglang, trtllm and vllm-eager run them too).
    @Test func aMixedStepUnderHFNamesTheFrameworksThatRunIt() throws {
        let step = Phase.mixed(decodeBatch: 8, context: 110, prefillTokens: 100, prefillPast: 0, prefillSequences: 1)
        do {
            _ = try PhasePlanner(deployment: try deployment("meta-llama/Llama-3.1-8B-Instruct", framework: .hf)).program(for: step)
            Issue.record("hf planned a mixed step")
        } catch let DeploymentError.invalidShape(message) {
            #expect(message == "the hf framework batches statically; continuous-batching steps need vllm, vllm-eager, trtllm or sglang")
        }
        for f in Framework.allCases where f.isFused {
            #expect(throws: Never.self, "\(f)") { try PhasePlanner(deployment: try deployment("meta-llama/Llama-3.1-8B-Instruct", framework: f)).program(for: step) }
        }
    }

    @Test func modelTooLargeSaysHowManyGPUs() {
        do {
            _ = try deployment("meta-llama/Llama-3.1-405B-Instruct", gpus: 1)
            Issue.record("405B fit on one GPU")
        } catch {
            // 812 GB over 77 GB per GPU: 11 at the least, 12 with whole layers per stage (doubling tp said 16).
            #expect("\(error)".contains("at least 12 GPUs (tp 4 × pp 3)"), "\(error)")
        }
    }

    @Test func precisionTheGPULacksIsRefused() {
        #expect(throws: DeploymentError.self) { try deployment("meta-llama/Llama-3.1-8B-Instruct", gpu: "v100-sxm2-32gb", precision: .fp8) }
    }

    @Test func clockAboveMaximumIsRefused() {
        #expect(throws: DeploymentError.self) {
            try Self.estimator.deployment(DeploymentRequest(model: "gpt2-124m", gpu: "a10", smClockMHz: 3000))
        }
    }
}

/// predict costs a pass as asked and says when it could not run as asked.
@Suite struct PredictNoteTests {
    func notes(_ rows: [String]) throws -> [String] {
        let csv = "model,gpu,phase,batch,input_tokens,output_tokens\n" + rows.joined(separator: "\n") + "\n"
        let t = PredictTable.score(try CSVTable.parse(csv, file: "p.csv"), estimator: Estimator())
        let column = try #require(t.header.firstIndex(of: "note"))
        return t.rows.map { if case let .string(s) = $0[column] { return s } else { return "" } }
    }

    /// A column a letter or two from a known one the file lacks is refused as a misspelling;
    /// an unrelated column, an `x_` one, a result column and one beside its look-alike are echoed.
    @Test func misspeltColumnsAreRefusedOthersEchoed() throws {
        func check(_ header: String) throws { try PredictTable.checkColumns(try CSVTable.parse(header + "\n", file: "p.csv")) }
        for bad in ["phse", "power_cap", "precison", "batchsize", "sm_clock", "output_token"] {
            #expect(throws: InputError.self, "\(bad)") { try check("model,gpu,input_tokens,\(bad)") }
        }
        for fine in ["id", "x_batchsize", "note", "input_error", "gpu_type", "comment"] {
            #expect(throws: Never.self, "\(fine)") { try check("model,gpu,input_tokens,batch,\(fine)") }
        }
    }

    /// A row the deployment refuses names the column that holds the refused value, as a cell
    /// that does not parse does (a cap of 900 W said only "line 2").
    @Test func aRefusedValueNamesItsColumn() throws {
        let csv = "model,gpu,phase,batch,input_tokens,output_tokens,power_cap_w,sm_clock_mhz,precision\n"
            + "meta-llama/Llama-3.1-8B-Instruct,h100-sxm,serve,8,100,50,900,,\n"
            + "meta-llama/Llama-3.1-8B-Instruct,h100-sxm,serve,8,100,50,,5000,\n"
            + "meta-llama/Llama-3.1-8B-Instruct,nogpu,serve,8,100,50,,,\n"
            + "meta-llama/Llama-3.1-8B-Instruct,v100-sxm2-32gb,serve,8,100,50,,,fp8\n"
        let t = PredictTable.score(try CSVTable.parse(csv, file: "p.csv"), estimator: Estimator())
        let column = try #require(t.header.firstIndex(of: "error"))
        let errors = t.rows.map { if case let .string(s) = $0[column] { return s } else { return "" } }
        #expect(errors.map { $0.prefix(30) } == ["line 2, column power_cap_w: po", "line 3, column sm_clock_mhz: S",
                                                  "line 4, column gpu: unknown GP", "line 5, column precision: GPU "], "\(errors)")
    }

    /// The shape, KV-cache, SSM-state, attention and framework refusals name their column too
    /// (they said only "line N"); a tp left blank stood for the gpus cell; a refusal of two cells
    /// together, or of none the row wrote, names the line only.
    @Test func everyRefusalOfOneCellNamesItsColumn() throws {
        let nemotron = "nvidia/NVIDIA-Nemotron-Nano-9B-v2"
        let rows: [(cells: String, error: String)] = [
            ("8B,h100-sxm,3,3,,,,,,,", "line 2, column tp: tp 3 does not divide the 32 attention heads"),
            ("8B,h100-sxm,3,,,,,,,,", "line 3, column gpus: gpus 3 sets tp 3 (tp defaults to the GPU count), and tp 3 does not divide the 32 attention heads"),
            ("8B,h100-sxm,2,4,,,,,,,", "line 4, column tp: tp 4 exceeds gpus 2"),
            ("8B,h100-sxm,2,,2,,,,,,", "line 5, column ep: ep 2 needs a mixture-of-experts model"),
            ("8B,h100-sxm,4,1,,3,,,,,", "line 6, column pp: pp 3 does not divide gpus 4"),
            ("8B,h100-sxm,64,1,,64,,,,,", "line 7, column pp: pp 64 is more stages than the model's 32 layers"),
            ("Qwen/Qwen3-30B-A3B,h100-sxm,4,1,3,,,,,,", "line 8, column ep: ep 3 does not divide the 128 experts"),
            ("8B,h100-sxm,1,,,,int4,,,,", "line 9, column kv_precision: no serving engine modelled here caches keys and values in int4"),
            ("8B,h100-sxm,1,,,,fp32,,,,", "line 10, column kv_precision: an FP32 KV cache holds"),
            ("8B,h100-sxm,1,,,,,fp32,,,", "line 11, column ssm_state_precision: an SSM state precision applies to Mamba-2"),
            ("8B,h100-sxm,1,,,,,,sdpa,,", "line 12, column attention: attention sdpa is an HF transformers choice"),
            ("8B,mi300x,1,,,,,,,trtllm,", "line 13, column framework: TensorRT-LLM runs on NVIDIA GPUs only"),
            ("8B,h100-sxm,4,2,,4,,,,,", "line 14: tp 2 × pp 4 = 8 exceeds gpus 4"),
            ("Qwen/Qwen3-30B-A3B,h100-sxm,8,4,8,2,,,,,", "line 15: pp with ep is not modelled"),
            ("8B,h100-sxm,2,1,,2,,,,hf,", "line 16: pp is modelled for vllm and vllm-eager only"),
            ("meta-llama/Llama-3.1-70B-Instruct,h100-sxm,1,,,,,,,,", "line 17: meta-llama/Llama-3.1-70B-Instruct does not fit"),
            ("8B,h100-sxm,1,,,,nvfp4,,,,", "line 18, column kv_precision: an NVFP4 KV cache needs NVIDIA FP4 tensor cores"),
            ("\(nemotron),h100-sxm,1,,,,,int8,,,", "line 19, column ssm_state_precision: SSM state precision int8 is not one vLLM caches"),
            ("\(nemotron),h100-sxm,1,,,,,,,hf,", "line 20, column framework: the hf framework is modelled for transformer layers only"),
            ("8B,v100-sxm2-32gb,1,,,,,,flash,hf,fp16", "line 21, column attention: FlashAttention-2 (--attention flash) needs an Ampere"),
        ]
        let csv = "model,gpu,gpus,tp,ep,pp,kv_precision,ssm_state_precision,attention,framework,precision,input_tokens\n"
            + rows.map { $0.cells.replacingOccurrences(of: "8B,", with: "meta-llama/Llama-3.1-8B-Instruct,") + ",100\n" }.joined()
        let t = PredictTable.score(try CSVTable.parse(csv, file: "p.csv"), estimator: Estimator())
        let column = try #require(t.header.firstIndex(of: "error"))
        let errors = t.rows.map { if case let .string(s) = $0[column] { return s } else { return "" } }
        #expect(errors.count == rows.count)
        for (error, row) in zip(errors, rows) { #expect(error.hasPrefix(row.error), "\(error)") }
    }

    /// `batch` is the deployment's in every phase: two replicas of batch 64 run 32 each, the step
    /// `kernels` lists, and the energy column counts both GPUs (it priced 64 on each, twice).
    @Test func aPassRowsBatchIsTheDeployments() throws {
        let csv = "model,gpu,gpus,tp,phase,batch,input_tokens\n"
            + "meta-llama/Llama-3.1-8B-Instruct,h100-sxm,1,1,decode-step,32,1000\n"
            + "meta-llama/Llama-3.1-8B-Instruct,h100-sxm,2,1,decode-step,64,1000\n"
            + "meta-llama/Llama-3.1-8B-Instruct,h100-sxm,2,1,forward,4,1000\n"
            + "meta-llama/Llama-3.1-8B-Instruct,h100-sxm,1,1,forward,2,1000\n"
            + "meta-llama/Llama-3.1-8B-Instruct,h100-sxm,2,1,decode-step,63,1000\n"
        let t = PredictTable.score(try CSVTable.parse(csv, file: "p.csv"), estimator: Estimator())
        let energy = try #require(t.header.firstIndex(of: "forward_energy_j")), note = try #require(t.header.firstIndex(of: "note"))
        let j = t.rows.map { if case let .number(x) = $0[energy] { return x } else { return -1 } }
        #expect(approx(j[1], 2 * j[0], rel: 1e-12) && approx(j[2], 2 * j[3], rel: 1e-12), "\(j)")
        if case let .string(s) = t.rows[4][note] { #expect(s.contains("does not split evenly over 2 data-parallel replicas")) } else { Issue.record("no note") }
    }

    @Test func passesBeyondTheContextWindowOrTheKVCacheSaySo() throws {
        let n = try notes(["meta-llama/Llama-3.1-8B-Instruct,h100-sxm,decode-step,64,1000,",
                           "meta-llama/Llama-3.1-8B-Instruct,h100-sxm,decode-step,64,100000,",
                           "meta-llama/Llama-3.1-8B-Instruct,h100-sxm,forward,1,140000,"])
        #expect(n[0] == "")
        #expect(n[1].hasPrefix("the KV cache of 64 sequences at 100000 tokens does not fit: it holds 4 on 1 × h100-sxm"))
        #expect(n[2].hasPrefix("140000 tokens per sequence exceed the 131072-token context window"))
    }
}
