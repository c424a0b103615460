import KernelPower
import Testing
@testable import TokenWatt

/// What the receipt's phase lines mean, and the step-budget sawtooth (2026-12-07 metamorphic probe).
@Suite struct PhaseWordsAndBudgetStepTests {
    static let estimator = Estimator()

    func estimate(gpu: String, batch: Int, input: Int, output: Int, framework: Framework = .vllm) throws -> QueryEstimate {
        let d = try Self.estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: gpu, framework: framework))
        // At the engine's default step budget for the GPU, as `estimate` runs (2048 on an L40S).
        let r = ServingRequest(batch: batch, inputTokens: input, outputTokens: output, tokenBudget: ServingRequest.defaultTokenBudget(for: d))
        return try QueryEstimate(estimator: Self.estimator, deployment: d, request: r, settings: try LedgerSettings(), boundary: .gpu)
    }

    /// 674 W × 31.8 ms read 0.00596 Wh beside a prefill of 0.004434 Wh with nothing said unless a
    /// clock was locked; the words now sit under the phase lines, with the gpu-idle share that
    /// parts the phase figure from the ledger's prefill-gpu. A static batch's Wh is W × time ÷ batch.
    @Test func thePhaseLinesSayWhatTheirWattsAndSecondsAre() throws {
        let q = try estimate(gpu: "h100-sxm", batch: 32, input: 1000, output: 500)
        let p = q.serving.prefill
        #expect(!approx(p.gpuPower.watts * p.time.seconds, p.energy.joules, rel: 0.05))
        let receipt = q.receipt()
        let phases = try #require(receipt.components(separatedBy: "PHASES").last)
        #expect(phases.contains("Wh ≠ W/GPU × TTFT × GPUs") && phases.contains("share of the gpu-idle line"), "\(phases)")
        let gaps = q.ledger.items.first { $0.item == "gpu-idle" }!.energy.joules
        #expect(approx(q.serving.prefill.energy.joules + q.serving.decode.energy.joules,
                       q.ledger.items.filter { $0.item.hasSuffix("-gpu") }.reduce(0) { $0 + $1.energy.joules } + gaps, rel: 1e-9))
        #expect(q.markdown().contains("Wh ≠ W/GPU × TTFT × GPUs"))
        let hf = try estimate(gpu: "h100-sxm", batch: 8, input: 1000, output: 100, framework: .hf)
        #expect(hf.receipt().contains("W/GPU × the phase's time (TTFT; ITL × decode passes) × GPUs ÷ sequences in the batch"))
        let s = hf.serving
        #expect(approx(s.prefill.gpuPower.watts * s.prefill.time.seconds / Double(s.effectiveBatch), s.prefill.energy.joules, rel: 1e-9))
    }

    /// Llama-3.1-8B on an L40S, 3000 input tokens, 2048-token budget: 2 output tokens (1 sequence
    /// decoding) cost more than 3 (2 sequences). The receipt says so with the next batch's figure,
    /// which is that query's own; at 1 output token the next batch is dearer and nothing is said.
    @Test func aBatchHeldSmallByTheBudgetSaysOneMoreTokenCanCostLess() throws {
        func note(_ q: QueryEstimate) -> String? { q.caveats.first { $0.contains("step with the whole number of sequences") } }
        let two = try estimate(gpu: "l40s", batch: 16, input: 3000, output: 2)
        let three = try estimate(gpu: "l40s", batch: 16, input: 3000, output: 3)
        #expect(two.serving.effectiveBatch == 1 && three.serving.effectiveBatch == 2)
        let cheaper = three.ledger.total(at: .gpu).wattHours
        #expect(cheaper < two.ledger.total(at: .gpu).wattHours)
        let text = try #require(note(two), "\(two.assumptions)")
        #expect(text.contains("at 3 output tokens it keeps 2 decoding and the query costs \(formatNumber(cheaper, significant: 4)) Wh at the gpu boundary"), "\(text)")
        #expect(two.assumptions.contains(text))
        #expect(note(try estimate(gpu: "l40s", batch: 16, input: 3000, output: 1)) == nil)
        // Not held by the budget, or held at a batch of 4 or more: nothing is priced or said.
        #expect(note(try estimate(gpu: "l40s", batch: 16, input: 3000, output: 7)) == nil)
        #expect(note(try estimate(gpu: "h100-sxm", batch: 32, input: 1000, output: 500)) == nil)
    }

    /// The output length at which the budget keeps one more sequence decoding: ⌊2048 × O ÷ (3000 + O)⌋.
    @Test(arguments: 1...12)
    func theNextWholeBatchIsTheFirstLongerOutputThatHoldsMore(_ output: Int) throws {
        let r = ServingRequest(batch: 16, inputTokens: 3000, outputTokens: output, tokenBudget: 2048)
        let next = try #require(BudgetStepCaveat.nextOutputTokens(r))
        var n = r
        n.outputTokens = next
        #expect(n.budgetLimitedBatch == r.budgetLimitedBatch + 1 || (next == output + 1 && n.budgetLimitedBatch > r.budgetLimitedBatch))
        for o in (output + 1)..<next {
            n.outputTokens = o
            #expect(n.budgetLimitedBatch == r.budgetLimitedBatch)
        }
    }
}
