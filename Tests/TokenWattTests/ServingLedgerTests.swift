import KernelPower
import Testing
@testable import TokenWatt

@Suite struct ServingLedgerTests {
    /// The CSV row's note cell, by name: the layout columns come after it.
    static func note(_ row: [String]) -> String { row[QueryEstimate.csvHeader.firstIndex(of: "note")!] }

    static let estimator = Estimator()

    func deployment(_ model: String = "meta-llama/Llama-3.1-8B-Instruct", gpu: String = "h100-sxm", gpus: Int = 1) throws -> Deployment {
        try Self.estimator.deployment(DeploymentRequest(model: model, gpu: gpu, gpus: gpus))
    }

    func estimate(_ d: Deployment, batch: Int = 32, input: Int = 500, output: Int = 300,
                  settings: LedgerSettings? = nil) throws -> QueryEstimate {
        try QueryEstimate(estimator: Self.estimator, deployment: d,
                          request: ServingRequest(batch: batch, inputTokens: input, outputTokens: output),
                          settings: try settings ?? LedgerSettings())
    }

    @Test(arguments: ["h100-sxm", "a100-sxm-80gb", "l40s", "mi300x", "b200"])
    func ledgerLinesAddUpAtEveryBoundary(_ gpu: String) throws {
        let q = try estimate(try deployment(gpu: gpu))
        var running = 0.0
        for b in Boundary.allCases {
            running += q.ledger.items.filter { $0.boundary == b }.reduce(0) { $0 + $1.energy.wattHours }
            #expect(approx(q.ledger.total(at: b).wattHours, running, rel: 1e-12))
            #expect(q.ledger.total(at: b).wattHours > 0)
        }
        let gpuLines = q.ledger.items.filter { $0.boundary == .gpu }.reduce(0) { $0 + $1.energy.joules }
        #expect(approx(gpuLines, q.serving.queryEnergy.joules, rel: 1e-12))
    }

    @Test func mxfp4WithoutFP4TensorCoresSaysItRunsDequantized() throws {
        // Not a silent fallback: MXFP4 weights with 16-bit activations are computed at the BF16
        // rate, on the H100 for want of FP4 tensor cores, on the B200 because no tensor-core
        // product pairs a 16-bit operand with a 4-bit one.
        func notes(_ gpu: String) throws -> [String] {
            let d = try Self.estimator.deployment(DeploymentRequest(model: "openai/gpt-oss-120b", gpu: gpu, gpus: 1, precision: .mxfp4))
            return try estimate(d, batch: 8).assumptions.filter { $0.contains("dequantized") }
        }
        #expect(try notes("h100-sxm") == ["mxfp4 weights dequantized to bf16 for the matrix math (h100-sxm has no FP4 tensor cores): "
                                          + "weights read at 4 bits, tensor cores at the bf16 rate"])
        #expect(try notes("b200") == ["mxfp4 weights dequantized to bf16 for the matrix math (its activations stay 16-bit, and FP4 "
                                      + "tensor cores multiply only 4-, 6- or 8-bit operands): weights read at 4 bits, tensor cores at the bf16 rate"])
    }

    /// MXFP4 asked of a dense model is refused, naming what would give 4-bit dense weights: it
    /// quantizes experts only, and a dense Llama priced at exactly its BF16 cost under notes that
    /// said "weights read at 4 bits". A GPU's list of precisions leaves it out for a dense model.
    @Test func mxfp4OnADenseModelIsRefused() throws {
        #expect { try Self.estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm", precision: .mxfp4)) }
            throws: { "\($0)".contains("is dense") && "\($0)".contains("int4 (weight-only") && "\($0)".contains(" or nvfp4 (") }
        #expect { try Self.estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "v100-sxm2-32gb")) }
            throws: { !"\($0)".contains("mxfp4") && "\($0)".contains("fp16") }
    }

    /// NVFP4 quantizes every linear layer of a dense model (not only experts, as gpt-oss's MXFP4
    /// does): on the B200 its weights take 0.5625 bytes each and its GEMMs run on FP4 tensor cores
    /// with FP4 activations, so Llama-2-70B serves more tokens per joule than in FP8; the H100
    /// runs it dequantized, and says so.
    @Test func nvfp4QuantizesDenseLayersAndRunsNativelyOnBlackwell() throws {
        #expect(approx(Precision.nvfp4.weightBytesPerElement, 0.5625))
        func serve(_ gpu: String, _ p: Precision) throws -> (Deployment, ServingEstimate, [String]) {
            let d = try Self.estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-2-70b-hf", gpu: gpu, gpus: 2, precision: p,
                                                                    kvPrecision: .fp8, framework: .trtllm))
            let q = try estimate(d, batch: 256, input: 512, output: 294)
            return (d, q.serving, q.assumptions)
        }
        let (nv, nvServe, _) = try serve("b200", .nvfp4)
        let (fp8, fp8Serve, _) = try serve("b200", .fp8)
        #expect(nv.mathUnit == .tensor(.fp4) && nv.weightBytesPerGPU.bytes < 0.6 * fp8.weightBytesPerGPU.bytes)
        #expect(nvServe.energyPerOutputToken < fp8Serve.energyPerOutputToken)
        #expect(nvServe.outputTokensPerSecond > fp8Serve.outputTokensPerSecond)
        let (_, _, h100Notes) = try serve("h100-sxm", .nvfp4)
        #expect(h100Notes.contains { $0.hasPrefix("nvfp4 weights dequantized to bf16") })
    }

    @Test func aQueryLongerThanTheContextWindowIsCostedWithANote() throws {
        let d = try deployment()
        let long = try estimate(d, batch: 1, input: 130_000, output: 2_000)
        #expect(long.assumptions.contains { $0.hasPrefix("132000 tokens per sequence exceed the 131072-token context window") })
        #expect(!(try estimate(d, batch: 1, input: 120_000, output: 2_000)).assumptions.contains { $0.contains("context window") })
    }

    /// The receipt says which layers do not attend the whole context, and only for models with such layers.
    @Test func theAttentionPatternIsAnAssumption() throws {
        func notes(_ model: String) throws -> [String] {
            try estimate(try Self.estimator.deployment(DeploymentRequest(model: model, gpu: "h100-sxm")), batch: 8).assumptions
        }
        #expect(try notes("gpt-oss-20b").contains("12 of 24 attention layers attend a 128-token sliding window; their KV cache holds the window"))
        #expect(try notes("phi-3-small-8k-instruct").contains { $0.hasPrefix("16 of 32 layers attend block-sparsely: their 1024 most recent keys") })
        #expect(try !notes("qwen3-8b").contains { $0.contains("attend") })
    }

    @Test func theCSVRowCarriesTheNotes() throws {
        let shrunk = try estimate(try deployment(), batch: 100_000)
        let row = shrunk.csvRow()
        #expect(row.count == QueryEstimate.csvHeader.count)
        #expect(Self.note(row).hasPrefix("batch 100000 does not fit in memory"))
        #expect(Self.note(try estimate(try deployment()).csvRow()) == "")
    }

    /// Clients report the median and p90 inter-token latency. Prompts start as a Poisson stream,
    /// so the median step is the plain decode step below ln 2 chunks per step, then the step with
    /// the Poisson median count of chunks; the p90 step carries the Poisson 0.9 quantile.
    @Test func medianAndP90ITLAreStepQuantiles() throws {
        typealias S = ServingEstimator
        #expect(S.poissonQuantile(0, .median) == 0)
        #expect(S.poissonQuantile(0.69, .median) == 0)
        #expect(S.poissonQuantile(0.70, .median) == 1)
        #expect(S.poissonQuantile(2.57, .median) == 2)
        #expect(S.poissonQuantile(0.5, .p90) == 1)
        #expect(S.poissonQuantile(2.57, .p90) == 5)
        // The closed form above a mean of 30 agrees with the summed distribution on both sides.
        #expect(S.poissonQuantile(29.99, .median) == 30)
        #expect(S.poissonQuantile(30.0, .median) == 30)
        #expect(S.poissonQuantile(100.7, .median) == 101)
        #expect(S.poissonQuantile(29.99, .p90) == 37)
        #expect(S.poissonQuantile(30.0, .p90) == 37)
        #expect(S.poissonQuantile(500, .p90) == 529)
        let d = try deployment()
        let few = try Self.estimator.serve(d, ServingRequest(batch: 64, inputTokens: 1000, outputTokens: 500))
        #expect(few.medianInterTokenLatency == few.decodeStep.time)
        #expect(few.medianInterTokenLatency < few.interTokenLatency)
        // 64 / 40 = 1.6 prompts of one chunk start per step, 1.575 of them the other 63 places':
        // the median step a sequence waits on carries one chunk.
        let some = try Self.estimator.serve(d, ServingRequest(batch: 64, inputTokens: 200, outputTokens: 40))
        let perChunk = (some.interTokenLatency - some.decodeStep.time) / (1.6 * 63 / 64)
        #expect(approx(some.medianInterTokenLatency.seconds, (some.decodeStep.time + perChunk).seconds, rel: 1e-9))
        // 1.575 chunks per step: the p90 step carries 3 (cumulative 0.92).
        #expect(approx(some.p90InterTokenLatency.seconds, (some.decodeStep.time + perChunk * 3).seconds, rel: 1e-9))
        #expect(few.p90InterTokenLatency > few.medianInterTokenLatency)
    }

    /// A request holds its place in the batch through every chunk of its prompt, and only its
    /// last chunk emits a token. At batch 1 a 30,000-token prompt (4 chunks) and 16 output tokens
    /// are therefore served in TTFT + 15 decode steps, its tokens come one decode step apart, and
    /// the mean power lies between the phases'. With b/O starts a step, 30,000 + 1 tokens were
    /// served in 0.87 of their own TTFT at 679 W, above the prefill's 674 W; 128,000 + 1 tokens
    /// on 16 B200s capped at 600 W drew 605 W. The fleet's closed form counts the same steps.
    @Test func aLongPromptHoldsItsPlaceThroughItsChunks() throws {
        let d = try deployment()
        for output in [1, 16] {
            let s = try Self.estimator.serve(d, ServingRequest(batch: 1, inputTokens: 30_000, outputTokens: output))
            let served = s.timeToFirstToken + s.decodeStep.time * Double(output - 1)
            #expect(approx(Double(output) / s.outputTokensPerSecond, served.seconds, rel: 0.01), "output \(output)")
            #expect(approx(s.interTokenLatency.seconds, s.decodeStep.time.seconds, rel: 1e-9))
            #expect(s.gpuPower <= max(s.prefill.gpuPower, s.decode.gpuPower) * 1.001)
            let surface = try ServingSurface(estimator: Self.estimator, deployment: d, maxBatch: 1, tokenBudget: 8192,
                                             meanResidentTokens: 30_000 + Double(output) / 2, meanOutput: Double(output))
            let cost = surface.cost([ModelCall(newTokens: 30_000, cachedTokens: 0, outputTokens: output, sequences: 1)])
            #expect(approx(cost.occupancySeconds, served.seconds, rel: 0.05), "\(cost.occupancySeconds) vs \(served.seconds)")
        }
        let capped = try Self.estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "b200", gpus: 16,
                                                                     tensorParallel: 16, powerCapWatts: 600))
        let long = try Self.estimator.serve(capped, ServingRequest(batch: 1, inputTokens: 128_000, outputTokens: 1))
        #expect(long.gpuPower.watts <= 600)
    }

    /// The prefill's power is the mean over every chunk's step, not the last chunk's: a
    /// 100,000-token prompt on an A100 read 338 W, the short last chunk's step, where its steps
    /// drew 380 W on average.
    @Test func prefillPowerIsTheMeanOfItsChunksSteps() throws {
        let d = try Self.estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "a100-sxm-80gb"))
        for input in [8_000, 9_000, 100_000] {
            let s = try Self.estimator.serve(d, ServingRequest(batch: 1, inputTokens: input, outputTokens: 1))
            let drawn = s.prefill.energy / s.prefill.time
            #expect(approx(s.prefill.gpuPower.watts, drawn.watts, rel: 0.02), "\(input): \(s.prefill.gpuPower.watts) W vs \(drawn.watts) W")
        }
    }

    /// A step that adds a short prompt's rows to the decode rows is never priced below the decode
    /// step alone: at batch 64 on an H100, 65 rows pick a tiling with fewer SMs busy, and a 1-token
    /// prompt's prefill line read −0.20 J a query. `kernels --per-query` still adds up to it.
    @Test func aShortPromptsPrefillIsNeverNegative() throws {
        let d = try Self.estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm"))
        for batch in [32, 64] { for input in [1, 2, 8, 16] {
            let r = ServingRequest(batch: batch, inputTokens: input, outputTokens: 100)
            let s = try Self.estimator.serve(d, r)
            #expect(s.prefill.energy.joules >= 0, "batch \(batch) input \(input): \(s.prefill.energy.joules) J")
            #expect(s.p90InterTokenLatency >= s.medianInterTokenLatency)
            let q = try QueryKernels(estimator: Self.estimator, deployment: d, serving: r)
            #expect(approx(q.lines.reduce(0) { $0 + $1.prefill.joules }, s.prefill.energy.joules, rel: 1e-6, abs: 1e-9))
        } }
    }

    @Test func raisingPUEChangesOnlyTheFacilityLine() throws {
        let d = try deployment()
        let a = try estimate(d, settings: try LedgerSettings(pue: 1.1))
        let b = try estimate(d, settings: try LedgerSettings(pue: 1.5))
        for (x, y) in zip(a.ledger.items, b.ledger.items) {
            if x.item == "facility-overhead" { #expect(y.energy > x.energy) } else { #expect(x.energy == y.energy) }
        }
    }

    @Test func moreOutputTokensNeverCostLess() throws {
        let d = try deployment()
        var last = 0.0
        for output in [1, 10, 100, 1000, 4000] {
            let wh = try estimate(d, output: output).ledger.total(at: .facility).wattHours
            #expect(wh > last)
            last = wh
        }
    }

    @Test func moreInputTokensNeverCostLess() throws {
        let d = try deployment()
        var last = 0.0
        for input in [1, 100, 1000, 8000, 20000] {
            let wh = try estimate(d, batch: 8, input: input).ledger.total(at: .gpu).wattHours
            #expect(wh > last)
            last = wh
        }
    }

    /// One row past 128 pads Qwen3-32B's decode GEMMs on two A100s to 192 rows: the receipt says
    /// what the batch at the edge would cost, and says nothing at the edge itself.
    @Test func aBatchJustPastATileEdgeSaysWhatTheEdgeCosts() throws {
        let d = try deployment("Qwen/Qwen3-32B", gpu: "a100-sxm-80gb", gpus: 2)
        let past = try estimate(d, batch: 129, input: 250, output: 300)
        let edge = try estimate(d, batch: 128, input: 250, output: 300)
        let note = try #require(past.assumptions.first { $0.contains("128-row edge") })
        #expect(note.hasPrefix("129 sequences sit 1 row past the 128-row edge"))
        #expect(past.serving.energyPerOutputToken.joules > edge.serving.energyPerOutputToken.joules * 1.03)
        #expect(!edge.assumptions.contains { $0.contains("-row edge") })
        #expect(!(try estimate(d, batch: 200, input: 250, output: 300)).assumptions.contains { $0.contains("-row edge") })
    }

    @Test func batchThatDoesNotFitFallsBackAndSaysSo() throws {
        let q = try estimate(try deployment("meta-llama/Llama-3.1-70B-Instruct", gpus: 2), batch: 4096, input: 8000, output: 2000)
        #expect(q.serving.batchLimitedByMemory)
        #expect(q.serving.effectiveBatch == q.serving.maxBatch || q.serving.effectiveBatch <= q.serving.maxBatch)
        #expect(q.assumptions.contains { $0.contains("does not fit in memory") })
    }

    /// Every data-parallel replica is priced with the same whole number of sequences, so a batch
    /// that does not split evenly is served as another batch; the estimate says which (it used to
    /// turn 100 over 8 replicas into 104, and 1 over 4 into 4, without a word). The split rounds
    /// down, since the batch is a maximum (until 2026-12-07 it rounded 100 over 8 up to 104).
    @Test func aBatchThatDoesNotSplitOverTheReplicasSaysWhatIsPriced() throws {
        let d = try Self.estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm", gpus: 8, tensorParallel: 1))
        let uneven = try estimate(d, batch: 100)
        #expect(uneven.serving.effectiveBatch == 96)
        #expect(uneven.assumptions.contains("batch 100 does not split evenly over 8 data-parallel replicas: each is priced with 12 sequences, 96 in all (rounded down: the batch is a maximum)"))
        let few = try estimate(d, batch: 3)
        #expect(few.serving.effectiveBatch == 8)
        #expect(few.assumptions.contains { $0.hasPrefix("batch 3 is fewer sequences than the 8 data-parallel replicas") && $0.hasSuffix("5 would sit idle") })
        let even = try estimate(d, batch: 96)
        #expect(even.serving.effectiveBatch == 96)
        #expect(!even.assumptions.contains { $0.contains("data-parallel replicas") })
    }

    /// Each continuous-batching step holds the decodes plus the prompts that start beside them:
    /// 16 input tokens per 2 output, so an 8192-token step keeps at most 8192·2/18 = 910 sequences
    /// decoding. Asking for more changes nothing (it once jumped 40× at 8192, where the prompt
    /// chunk shrank to one token), and the estimate says why.
    @Test func continuousBatchIsHeldToWhatAStepsTokenBudgetSustains() throws {
        let d = try deployment("google/gemma-3-12b-it", gpu: "l4", gpus: 8)
        let below = try estimate(d, batch: 600, input: 16, output: 2)
        #expect(below.serving.effectiveBatch == 600 && below.serving.batchLimit == .none)
        let at = try estimate(d, batch: 910, input: 16, output: 2).ledger.total(at: .gpu).wattHours
        for batch in [911, 8191, 8192, 20000] {
            let q = try estimate(d, batch: batch, input: 16, output: 2)
            #expect(q.serving.effectiveBatch == 910)
            #expect(q.serving.batchLimit == .stepBudget)
            #expect(q.ledger.total(at: .gpu).wattHours == at)
            #expect(q.assumptions.contains { $0.contains("8192-token budget holds 910 decoding sequences") })
        }
    }

    /// The b/O prompts that start in each step are priced together, as the step carries them.
    /// Priced one chunk at a time, a chunk whose rows tipped a GEMM into another wave of tiles
    /// paid that wave b/O times over: StarCoder2-15B on 2 L40S, 100 + 10 tokens, cost 0.0018 GPU
    /// Wh per query at batch 377 and 0.0052 at 610. Now the whole range stays within 10 %, and
    /// neighbouring batches 13 apart within 5 % (the ripple left, up to 3.6 %, is the waves of
    /// tiles of the whole step).
    @Test func promptChunksOfAStepArePricedTogether() throws {
        let d = try deployment("bigcode/starcoder2-15b", gpu: "l40s", gpus: 2)
        let wh = try stride(from: 360, through: 620, by: 13).map {
            try estimate(d, batch: $0, input: 100, output: 10).ledger.total(at: .gpu).wattHours
        }
        for (a, b) in zip(wh, wh.dropFirst()) { #expect(abs(b / a - 1) < 0.05, "\(a) → \(b) Wh") }
        #expect(wh.max()! / wh.min()! < 1.1)
        let plan = ContinuousPlan(request: ServingRequest(batch: 610, inputTokens: 100, outputTokens: 10), local: 610)
        #expect(plan.chunkMix == ChunkMix(mean: 61, chunk: 100, room: 8192 - 610) && plan.chunkMix.low == 61 && plan.chunkMix.high == 61)
        let q = try estimate(d, batch: 610, input: 100, output: 10)
        #expect(q.serving.promptChunking == PromptChunking(startsPerStep: 61, chunksPerStep: 61, chunkTokens: 100))
        #expect(q.assumptions.contains { $0.contains("steps carry 61 prompt chunks of up to 100 tokens, priced together as one pass") })
    }

    /// A static batch needs every sequence's full context at once; continuous batching holds the
    /// sequences at their mean context. Llama-2-7B on an A100-40GB, 1024 + 1024 tokens: 512 KiB of
    /// KV per token, so 1 GiB per sequence at the end of a static batch and 0.75 GiB on average.
    @Test func aStaticBatchHoldsEachSequenceAtItsFullContext() throws {
        let d = try Self.estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-2-7b-hf", gpu: "a100-sxm-40gb", gpus: 1))
        let continuous = try KVCacheBudget(deployment: d, request: ServingRequest(batch: 64, inputTokens: 1024, outputTokens: 1024))
        let batch = try KVCacheBudget(deployment: d, request: ServingRequest(batch: 64, inputTokens: 1024, outputTokens: 1024,
                                                                            batching: .staticBatch))
        #expect(batch.bytesPerSequence.bytes == 2048 * d.kvBytesPerTokenPerGPU.bytes)
        #expect(continuous.bytesPerSequence.bytes == 1536 * d.kvBytesPerTokenPerGPU.bytes)
        #expect(batch.maxBatch == Int((batch.kvBytesPerGPU.bytes / batch.bytesPerSequence.bytes).rounded(.down)))
        #expect(batch.maxBatch < continuous.maxBatch)
        let s = try Self.estimator.serve(d, ServingRequest(batch: 64, inputTokens: 1024, outputTokens: 1024, batching: .staticBatch))
        #expect(s.effectiveBatch == batch.maxBatch)
    }

    /// A static batch's prefill gives the first token, so O tokens take O − 1 decode passes: one
    /// token takes none, two take one at context I + 1. O passes had charged a step too many
    /// (+26 % GPU energy at one output token).
    @Test func aStaticBatchRunsOneDecodePassFewerThanItsTokens() throws {
        let d = try Self.estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "a100-sxm-80gb", framework: .hf))
        let one = try Self.estimator.serve(d, ServingRequest(batch: 1, inputTokens: 1000, outputTokens: 1))
        #expect(one.decode.energy.joules == 0 && one.decode.time.seconds == 0)
        #expect(one.outputTokensPerSecond > 0 && one.interTokenLatency.seconds > 0 && one.decode.gpuPower.watts.isFinite)
        let two = try Self.estimator.serve(d, ServingRequest(batch: 1, inputTokens: 1000, outputTokens: 2))
        let step = try Self.estimator.forwardPass(d, phase: .decode(batch: 1, context: 1001))
        #expect(approx(two.decode.time.seconds, step.time.seconds, rel: 1e-9))
        #expect(approx(two.prefill.energy.joules, one.prefill.energy.joules, rel: 1e-9))
    }

    /// The decode line counts what runs: O token steps under continuous batching, O − 1 passes
    /// after a static batch's prefill and none at one token (it read "1 tokens × decode step" and,
    /// for HF, named a pass per token).
    @Test func theDecodeLineNamesTheStepsThatRun() throws {
        func basis(_ framework: Framework, output: Int) throws -> String {
            let d = try Self.estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm", framework: framework))
            let q = try estimate(d, batch: 8, input: 100, output: output)
            return try #require(q.ledger.items.first { $0.item == "decode-gpu" }).basis
        }
        #expect(try basis(.vllm, output: 1) == "1 token × decode step ÷ 8 sequences in flight: the step that runs the prompt's last chunk gives the only token (no decode step follows)")
        #expect(try basis(.vllm, output: 3) == "3 tokens × decode step ÷ 8 sequences in flight")
        #expect(try basis(.hf, output: 1) == "no decode pass: the prefill gives the only output token")
        #expect(try basis(.hf, output: 2) == "1 pass (2 tokens − 1: the prefill gives the first) × decode step ÷ 8 sequences in flight")
        #expect(try basis(.hf, output: 3) == "2 passes (3 tokens − 1: the prefill gives the first) × decode step ÷ 8 sequences in flight")
    }

    /// Counts of one read in the singular: one GPU, one sequence per replica or per engine, one
    /// request per step, a one-token chunk.
    @Test func countsOfOneAreSingular() throws {
        let gh200 = try estimate(try deployment(gpu: "gh200"), batch: 1, input: 1, output: 1)
        #expect(gh200.ledger.items.first?.basis.hasSuffix(", 1 GPU") == true)
        #expect(gh200.assumptions.contains { $0.hasSuffix("non-GPU power under load for 1 GPU") })
        #expect(gh200.assumptions.contains { $0.hasPrefix("1 request starts per step per engine") && $0.hasSuffix("one chunk of up to 1 token") })
        let replicas = try Self.estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm", gpus: 8, tensorParallel: 1))
        #expect(try estimate(replicas, batch: 11).assumptions.contains(
            "batch 11 does not split evenly over 8 data-parallel replicas: each is priced with 1 sequence, 8 in all (rounded down: the batch is a maximum)"))
        let budget = try estimate(try deployment(), batch: 8, input: 4096, output: 1)
        #expect(budget.assumptions.contains { $0.hasPrefix("a step's 8192-token budget holds 1 decoding sequence per engine") })
        for q in [gh200, budget] {
            let words = q.assumptions + q.ledger.items.map(\.basis)
            #expect(!words.contains { $0.contains("1 tokens") || $0.contains("1 sequences") || $0.contains("1 GPUs") || $0.contains("(s)") })
        }
    }

    /// gpt-oss-120b's 18 sliding-window layers (128 tokens) hold their window and the page being
    /// filled, its 18 full layers the whole context; a context inside the window pays every layer,
    /// and a model without windows pays every layer at any context.
    @Test func slidingWindowLayersHoldOnlyTheirWindow() throws {
        let d = try Self.estimator.deployment(DeploymentRequest(model: "openai/gpt-oss-120b", gpu: "h100-sxm", gpus: 2))
        let perLayer = d.kvBytesPerTokenPerGPU.bytes / 36
        #expect(abs(d.kvBytesPerSequencePerGPU(contextTokens: 1504).bytes - perLayer * (18 * 1504 + 18 * 144)) < 1e-6 * perLayer)
        #expect(abs(d.kvBytesPerSequencePerGPU(contextTokens: 96).bytes - perLayer * 36 * 96) < 1e-6 * perLayer)
        let budget = try KVCacheBudget(deployment: d, request: ServingRequest(batch: 2048, inputTokens: 634, outputTokens: 1721))
        #expect(budget.bytesPerSequence == d.kvBytesPerSequencePerGPU(contextTokens: 1504))
        #expect(budget.maxBatch > 1300 && budget.maxBatch < 1600)  // 1,407; the full-context charge held 771
        let dense = try deployment()
        #expect(dense.kvBytesPerSequencePerGPU(contextTokens: 1504).bytes == 1504 * dense.kvBytesPerTokenPerGPU.bytes)
    }

    /// Four copies of each prompt in flight share its KV pages and prefill once: the sequence holds
    /// I/4 + O/2 tokens of KV, each query pays a quarter of a prefill, and the decode step is the
    /// same. ML.ENERGY's GPQA runs cycle through 198 questions, so a mean batch of 792 holds four
    /// copies of each, and one of 150 holds one.
    @Test func promptCopiesShareTheirPromptKVAndPrefillOnce() throws {
        let d = try deployment()
        var r = ServingRequest(batch: 64, inputTokens: 2000, outputTokens: 400)
        let one = try Self.estimator.serve(d, r), oneBudget = try KVCacheBudget(deployment: d, request: r)
        r.promptCopies = 4
        let four = try Self.estimator.serve(d, r), fourBudget = try KVCacheBudget(deployment: d, request: r)
        #expect(fourBudget.bytesPerSequence == d.kvBytesPerSequencePerGPU(contextTokens: 704))  // 500 + 200 in 16-token pages
        #expect(oneBudget.bytesPerSequence == d.kvBytesPerSequencePerGPU(contextTokens: 2208))
        #expect(abs(four.prefill.energy.joules / one.prefill.energy.joules - 0.25) < 0.01)
        // The decode steps' busy energy is the same; their idle share is not quite, for a chunk that
        // leaves its step less idle takes that idle from decode (`ServingEstimator.phaseGaps`), and a
        // quarter prefill takes a quarter of it.
        #expect(approx((four.decode.energy - four.decode.gapEnergy).joules, (one.decode.energy - one.decode.gapEnergy).joules, rel: 1e-9))
        #expect(r.budgetLimitedBatch == Int(8192.0 * 400 / 900))
        let run = { (b: Double) in MLEnergyRun(task: "gpqa", model: "m", gpu: "h100", gpus: 1, tensorParallel: 1, expertParallel: 1,
                                               precision: .bf16, maxNumSeqs: 1024, averageBatch: b, averageOutputTokens: 400,
                                               powerPerGPU: 500, joulesPerOutputToken: 1, outputTokensPerSecond: 1, medianITLMilliseconds: 1) }
        #expect(run(792).servingRequest.promptCopies == 4)
        #expect(run(150).servingRequest.promptCopies == 1)
    }

    @Test func loadAboveCapacityIsRefused() throws {
        let d = try deployment()
        #expect(throws: DeploymentError.self) {
            _ = try estimate(d, settings: try LedgerSettings(utilization: .load(queriesPerSecond: 1e6)))
        }
        let half = try estimate(d, settings: try LedgerSettings(utilization: .busyFraction(0.5)))
        #expect(approx(half.ledger.busyFraction, 0.5))
    }

    /// Little's law: an engine offered less than it can serve settles at the batch whose output
    /// rate carries the load; one sequence fewer per engine falls short of it.
    @Test func anOfferedLoadSetsTheBatchInFlight() throws {
        let d = try Self.estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-70B-Instruct", gpu: "h100-sxm", gpus: 8,
                                                                tensorParallel: 4, precision: .fp8))
        let request = ServingRequest(batch: 256, inputTokens: 1000, outputTokens: 300)
        let full = try Self.estimator.serve(d, request)
        let half = try Self.estimator.serve(d, request, outputTokensPerSecond: full.outputTokensPerSecond / 2)
        #expect(!half.overloaded)
        #expect(half.estimate.outputTokensPerSecond >= full.outputTokensPerSecond / 2)
        #expect(half.estimate.effectiveBatch < full.effectiveBatch / 2)  // throughput grows slower than the batch
        var fewer = request
        fewer.batch = half.estimate.effectiveBatch - d.dataParallel
        #expect(try Self.estimator.serve(d, fewer).outputTokensPerSecond < full.outputTokensPerSecond / 2)
        let over = try Self.estimator.serve(d, request, outputTokensPerSecond: full.outputTokensPerSecond * 1.5)
        #expect(over.overloaded && over.estimate.effectiveBatch == full.effectiveBatch)
        for bad in [0, -1, Double.nan, .infinity] {
            #expect(throws: DeploymentError.self) { try Self.estimator.serve(d, request, outputTokensPerSecond: bad) }
        }
    }

    /// Under a load, the receipt also prices the load as one engine serves it alone: fewer
    /// sequences in flight than the batch limit, each query dearer, no idle time to charge.
    @Test func aLoadIsAlsoPricedAtTheBatchItHolds() throws {
        let d = try deployment()
        let full = try estimate(d, batch: 64)
        let q = full.serving.queriesPerSecond(outputTokens: 300) / 3
        let loaded = try estimate(d, batch: 64, settings: try LedgerSettings(utilization: .load(queriesPerSecond: q)))
        let alt = try #require(loaded.atLoad)
        #expect(alt.sequencesInFlight < 64 && alt.sequencesInFlight > 1)
        #expect(try #require(alt.whPerQuery[.gpu]) > loaded.ledger.total(at: .gpu).wattHours)
        #expect(loaded.assumptions.contains { $0.contains("Little's law") && $0.contains("\(alt.sequencesInFlight) sequences") })
        #expect(Self.note(loaded.csvRow()).contains("\(alt.sequencesInFlight) sequences in flight"))
        #expect(try estimate(d, batch: 64, settings: try LedgerSettings(utilization: .busyFraction(0.3))).atLoad == nil)
        var r = ServingRequest(batch: 64, inputTokens: 500, outputTokens: 300)
        r.batching = .staticBatch
        let staticBatch = try QueryEstimate(estimator: Self.estimator, deployment: d, request: r,
                                            settings: try LedgerSettings(utilization: .load(queriesPerSecond: q)))
        #expect(staticBatch.atLoad == nil)
    }

    /// Under a light load each engine holds one sequence and idles between queries: the note
    /// gives the mean in flight by Little's law, not one per engine (0.001 queries/s on 8
    /// replicas read "keep about 8 sequences in flight").
    @Test func aLightLoadSaysTheMeanInFlight() throws {
        let d = try Self.estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm", gpus: 8, tensorParallel: 1))
        let q = try estimate(d, batch: 256, input: 1000, output: 200, settings: try LedgerSettings(utilization: .load(queriesPerSecond: 0.001)))
        let alt = try #require(q.atLoad)
        #expect(alt.lightLoad && alt.sequencesInFlight == 8 && alt.meanSequencesInFlight > 0 && alt.meanSequencesInFlight < 0.1)
        // Little's law: the load times a query's stay, 8 sequences × 200 tokens at the rate of batch 8.
        let one = try Self.estimator.serve(d, ServingRequest(batch: 8, inputTokens: 1000, outputTokens: 200))
        #expect(approx(alt.meanSequencesInFlight, 0.001 * 8 * 200 / one.outputTokensPerSecond, rel: 1e-9))
        let mean = formatNumber(alt.meanSequencesInFlight, significant: 2)
        #expect(q.assumptions.contains { $0.contains("keep \(mean) sequences in flight on average, not 256 (Little's law: the load times a query's stay), "
                                                   + "and each of the 8 engines runs one sequence at a time, idle between queries: a query would cost") })
        #expect(!q.assumptions.contains { $0.contains("about 8 sequences") })
        #expect(Self.note(q.csvRow()).contains("served alone at this load: \(mean) sequences in flight on average"))
    }

    /// A model whose own precision the GPU cannot run is refused with the way out, not as if the
    /// user had asked for it (a BF16 model on a V100 said "cannot run precision bf16" to a user
    /// who never named one).
    @Test func aModelsOwnPrecisionTheGPULacksNamesTheFlag() throws {
        let request = DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "v100-sxm2-32gb")
        #expect { try Self.estimator.deployment(request) } throws: { e in
            guard case let .unsupportedDefaultPrecision(_, gpu, p, _)? = e as? DeploymentError else { return false }
            return gpu == "v100-sxm2-32gb" && p == "bf16" && "\(e)".contains("--precision") && "\(e)".contains("--dtype half")
        }
        var asked = request
        asked.precision = .bf16
        #expect(throws: DeploymentError.unsupportedPrecision(gpu: "v100-sxm2-32gb", precision: "bf16", supported: ["fp32", "fp16", "int4"])) {
            try Self.estimator.deployment(asked)
        }
        asked.precision = .fp16
        #expect(try Self.estimator.deployment(asked).precision == .fp16)
    }

    /// 4-bit float weights need vLLM's FP4 Marlin kernels, compute capability 7.5 or later: a V100
    /// (7.0) listed NVFP4 among what it runs and priced it. GPTQ INT4 runs there.
    @Test func voltaRunsNoFourBitFloats() throws {
        for p in [Precision.nvfp4, .mxfp4] {
            let r = DeploymentRequest(model: p == .mxfp4 ? "openai/gpt-oss-20b" : "meta-llama/Llama-3.1-8B-Instruct", gpu: "v100-sxm2-32gb", precision: p)
            #expect(throws: DeploymentError.self) { try Self.estimator.deployment(r) }
        }
        let int4 = DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "v100-sxm2-32gb", precision: .int4)
        #expect(try Self.estimator.deployment(int4).mathUnit == .tensor(.fp16))
        #expect(try Self.estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "a100-sxm-80gb", precision: .nvfp4))
                    .mathUnit == .tensor(.bf16))
    }

    @Test func impossibleSettingsAreRefused() {
        #expect(throws: DeploymentError.self) { try LedgerSettings(pue: 0.9) }
        #expect(throws: DeploymentError.self) { try LedgerSettings(utilization: .busyFraction(0)) }
        #expect(throws: DeploymentError.self) { try LedgerSettings(utilization: .busyFraction(1.5)) }
    }

    /// Google's 2025 accounting: 0.14 Wh of active accelerators becomes 0.24 Wh with host
    /// (0.06), idle capacity (0.02) and overhead (0.02, PUE 1.09). The ledger reproduces the step
    /// from those shares: host power set so host = 0.06/0.14 of accelerator energy, idle share
    /// 0.02/0.20 of active energy, PUE 1.09.
    @Test func googleBoundaryStepIsReproducedFromItsShares() throws {
        let d = try deployment()
        let q = try estimate(d)
        let s = q.serving
        let gpuWh = s.queryEnergy.wattHours
        let queryTime = Double(q.request.outputTokens) / s.outputTokensPerSecond
        // Host power per GPU that makes host = 0.06/0.14 of the GPU energy, with a lossless PSU.
        let hostWatts = gpuWh * 3600 * (0.06 / 0.14) / queryTime
        let node = NodeSpec(id: "google-like", name: "test", gpuID: d.gpu.id, gpuCount: 1, maxPower: .watts(10_000),
                            hostIdlePower: .watts(hostWatts / 2), hostActivePower: .watts(hostWatts), psuEfficiency: 1,
                            source: "test", sources: [:])
        let d2 = try Deployment(model: d.model, gpu: d.gpu, node: node, gpuCount: 1, tensorParallel: 1, expertParallel: 1,
                                precision: d.precision, kvPrecision: d.kvPrecision, framework: .vllm, attention: .flash,
                                lockedClock: nil, powerCap: nil, host: d.host)
        let ledger = try QueryLedger.build(serving: s, deployment: d2, outputTokens: q.request.outputTokens,
                                           settings: try LedgerSettings(pue: 1.09, utilization: .idleShareOfActive(0.02 / 0.20)))
        let scale = 0.14 / gpuWh
        #expect(approx(ledger.total(at: .gpu).wattHours * scale, 0.14, rel: 1e-9))
        #expect(approx(ledger.total(at: .node).wattHours * scale, 0.20, rel: 1e-9))
        #expect(approx(ledger.total(at: .it).wattHours * scale, 0.22, rel: 1e-9))
        #expect(approx(ledger.total(at: .facility).wattHours * scale, 0.2398, rel: 1e-9))
    }
}
