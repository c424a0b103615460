import Testing
@testable import TokenWatt
import KernelPower

/// `tokenwatt kernels --per-query`: a query's GPU energy split by kernel adds up to the ledger's GPU boundary.
@Suite struct QueryKernelsTests {
    let estimator = Estimator()

    func check(_ r: DeploymentRequest, _ s: ServingRequest) throws -> QueryKernels {
        let d = try estimator.deployment(r)
        let q = try QueryKernels(estimator: estimator, deployment: d, serving: s)
        let e = try QueryEstimate(estimator: estimator, deployment: d, request: s, settings: try LedgerSettings(), boundary: .gpu)
        #expect(approx(q.total.wattHours, e.ledger.total(at: .gpu).wattHours, rel: 1e-7), "\(r.model) on \(r.gpu)")
        #expect(approx(q.lines.reduce(0) { $0 + $1.decode.joules }, e.serving.decode.energy.joules, rel: 1e-7))
        #expect(zip(q.lines, q.lines.dropFirst()).allSatisfy { $0.total.joules >= $1.total.joules })
        return q
    }

    @Test func continuousBatchingAddsUpToTheLedger() throws {
        let q = try check(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm"),
                          ServingRequest(batch: 64, inputTokens: 4000, outputTokens: 500))
        let attention = try #require(q.lines.first { $0.kernel == "prefill_attention" })
        #expect(attention.decode == .zero && attention.prefill.joules > 0)
        #expect(q.lines.first?.kernel == "decode_attention", "4,250 tokens of context: the KV stream costs the query most")
    }

    /// A prompt of several chunks holds its batch place through the chunks before its last; the
    /// split charges that to prefill, as the ledger does (it was 0.3 % short at 30,000 tokens).
    @Test func multiChunkPromptsAddUpToo() throws {
        _ = try check(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm"),
                      ServingRequest(batch: 8, inputTokens: 30_000, outputTokens: 250))
    }

    @Test func staticBatchingAndExpertsAddUpToo() throws {
        _ = try check(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "a100-sxm-80gb", framework: .hf),
                      ServingRequest(batch: 8, inputTokens: 500, outputTokens: 200))
        let moe = try check(DeploymentRequest(model: "Qwen/Qwen3-30B-A3B", gpu: "h200", gpus: 2, tensorParallel: 1, expertParallel: 2),
                            ServingRequest(batch: 128, inputTokens: 1000, outputTokens: 1000))
        #expect(moe.lines.contains { $0.kernel == "moe_dispatch" } && moe.lines.contains { $0.kernel == "experts_gate_up" })
    }

    /// A negative prefill entry says what the table knows: the kernel cost less in the step with
    /// the prompt's rows. It blamed the power cap on steps far below it; the cap is named only
    /// when it throttled a kernel.
    @Test func aNegativeEntryBlamesTheCapOnlyWhenItIsReached() throws {
        let uncapped = QueryKernels.negativeNote(powerLimited: false)
        #expect(uncapped == "a negative prefill entry is a kernel that cost less in the step with the prompt's rows than in the decode step alone "
            + "(for instance a GEMM whose extra rows make it pick another tiling); the rows still add up to the query's GPU energy")
        #expect(QueryKernels.negativeNote(powerLimited: true).contains("another tiling, or a step the power cap holds at a lower clock)"))
        // 1-token prompts beside 64 decodes (Llama-3.1-8B on an H100, far below its cap).
        let q = try check(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm"),
                          ServingRequest(batch: 64, inputTokens: 1, outputTokens: 100))
        // The table's notes, above estimate's assumptions (which name every cap, "power cap 700 W").
        let tableNotes = q.text().components(separatedBy: "\nassumptions and caveats")[0]
        #expect(!q.powerLimited && !tableNotes.contains("power cap"))
        // That query has no negative entry, so the note went untested there: the first short prompt
        // that moves a GEMM to another tiling far below the cap gives one, and the note names no
        // cap; a query whose entries are all ≥ 0 has no note.
        let (negative, clean) = try uncappedQueries()
        let shifted = try #require(negative, "no short prompt below the cap gives a negative prefill entry")
        #expect(shifted.negativeNote == uncapped && shifted.text().contains(uncapped))
        let plain = try #require(clean)
        #expect(plain.negativeNote == nil && !plain.text().contains("a negative prefill entry"))
        // A step the cap holds at a lower clock makes decode attention cheaper beside the prompt
        // (1,000 + 500 tokens at batch 64): JSON says so too, as the text does (it had said nothing).
        let capped = try check(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm"),
                               ServingRequest(batch: 64, inputTokens: 1000, outputTokens: 500))
        #expect(capped.powerLimited && capped.lines.contains { $0.kernel == "decode_attention" && $0.prefill.joules < 0 })
        let note = try #require(capped.negativeNote)
        #expect(capped.text().contains(note) && JSONWriter().write(capped.json()).contains("power cap holds at a lower clock"))
    }

    /// Short prompts beside decode batches on an H100 and an A100, below their caps: the first
    /// with a negative prefill entry and the first without one.
    func uncappedQueries() throws -> (negative: QueryKernels?, clean: QueryKernels?) {
        var negative: QueryKernels?, clean: QueryKernels?
        for gpu in ["h100-sxm", "a100-sxm-80gb"] {
            for batch in [64, 32, 16, 8] {
                for input in [1, 2, 4, 8, 16, 32, 64, 128] where negative == nil || clean == nil {
                    let q = try check(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: gpu),
                                      ServingRequest(batch: batch, inputTokens: input, outputTokens: 100))
                    guard !q.powerLimited else { continue }
                    if q.lines.contains(where: { $0.prefill.joules < 0 }) { negative = negative ?? q } else { clean = clean ?? q }
                }
            }
        }
        return (negative, clean)
    }

    /// Each step is a cycle of every stage's microbatches; the stages that finish first wait at
    /// idle power, and that wait is the query's too.
    @Test func pipelinesAddUpWithTheirWaits() throws {
        var r = DeploymentRequest(model: "meta-llama/Llama-3.1-70B-Instruct", gpu: "h100-sxm", gpus: 4, tensorParallel: 2)
        r.pipelineParallel = 2
        let q = try check(r, ServingRequest(batch: 64, inputTokens: 2000, outputTokens: 500))
        let wait = try #require(q.lines.first { $0.kernel == "pipeline_wait" })
        #expect(wait.prefill.joules > 0, "a prompt chunk lengthens one microbatch, and the other stage waits for it")
        #expect(q.lines.contains { $0.kernel == "pp_send" && $0.total.joules > 0 })
        // Three sequences in two microbatches (2 and 1): the stages run unequal work and wait.
        let uneven = try check(r, ServingRequest(batch: 3, inputTokens: 100, outputTokens: 100))
        #expect(try #require(uneven.lines.first { $0.kernel == "pipeline_wait" }).decode.joules > 0)
        var hf = r
        hf.framework = .vllmEager
        _ = try check(hf, ServingRequest(batch: 16, inputTokens: 300, outputTokens: 300))
    }

    /// The header names the batch priced, with the request where the KV cache holds fewer (it
    /// said "at batch 256" of a query priced at 97), and JSON and CSV carry it.
    @Test func theBatchPricedIsTheOneNamed() throws {
        let q = try check(DeploymentRequest(model: "Qwen/Qwen3-32B", gpu: "h100-sxm", gpus: 2),
                          ServingRequest(batch: 256, inputTokens: 1000, outputTokens: 4500))
        #expect(q.effectiveBatch < 256 && q.effectiveBatch == q.maxBatch)
        #expect(q.text().contains("at batch \(q.effectiveBatch) (requested 256, fits \(q.maxBatch)), GPU boundary"), "\(q.text())")
        let json = JSONWriter().write(q.json())
        #expect(json.contains("\"effectiveBatch\": \(q.effectiveBatch),") && json.contains("\"requestedBatch\": 256"), "\(json)")
        let lines = q.csv().split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let column = try #require(lines[0].firstIndex(of: "effective_batch"))
        #expect(lines.dropFirst().allSatisfy { $0[column] == String(q.effectiveBatch) })
        let fits = try check(DeploymentRequest(model: "Qwen/Qwen3-32B", gpu: "h100-sxm", gpus: 2),
                             ServingRequest(batch: 16, inputTokens: 1000, outputTokens: 500))
        #expect(fits.text().contains("at batch 16, GPU boundary"))
    }
}
