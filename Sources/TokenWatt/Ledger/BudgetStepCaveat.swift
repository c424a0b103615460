import KernelPower

/// A batch held to a few sequences by the step's token budget, where one more output token can
/// make a query cheaper.
///
/// Continuous batching keeps ⌊budget × O ÷ (I + O)⌋ sequences decoding per engine
/// (`ServingRequest.budgetLimitedBatch`): a whole number, which steps up as the output grows. A
/// step's fixed costs (reading the weights, the decode step a prompt's held place is charged)
/// are split over that number, so per-query figures fall at each step up. A 2026-12-07 probe:
/// Llama-3.1-8B on an L40S, batch 16, 3000 input tokens, 2048-token budget: 0.02786 GPU Wh at
/// 2 output tokens (1 sequence), 0.02568 at 3 (2 sequences), a sawtooth over 1 to 8 tokens with
/// nothing said. The model is kept; the receipt says so and gives the next whole batch's figure.
enum BudgetStepCaveat {
    /// The batch per engine below which the note is considered. A step's fixed cost per query
    /// goes as 1/b, so stepping up to b + 1 cuts it by 1/(b + 1), less each time, while the extra
    /// output tokens add their own cost. In the probe's case (GPU Wh, output 2 → 9) the drops at
    /// each step up were 7.8 % (b 1 → 2), 3.9 % (2 → 3), 1.9 % (3 → 4), then 1.5 % and 0.9 %:
    /// below the range's width by far from 4 on. The next batch is priced only below it, so a
    /// sweep or diagnosis at ordinary batches pays nothing more.
    static let smallBatch = 4

    /// The output length past `r`'s at which the budget keeps more sequences decoding per engine,
    /// or nil where it never does (a budget of no more than b + 1 tokens).
    static func nextOutputTokens(_ r: ServingRequest) -> Int? {
        let b = r.budgetLimitedBatch, budget = Double(r.tokenBudget)
        guard budget > Double(b + 1) else { return nil }
        // ⌊budget × O ÷ (P + O)⌋ ≥ b + 1 from O ≥ (b + 1) P ÷ (budget − b − 1); the loop settles rounding.
        var o = max(r.outputTokens + 1, Int((Double(b + 1) * r.prefilledTokens / (budget - Double(b + 1))).rounded(.down)))
        var next = r
        next.outputTokens = o
        while next.budgetLimitedBatch <= b {
            o += 1
            next.outputTokens = o
        }
        return o
    }

    /// The note for `s`, `r` on `d` costing `here` Wh at `boundary`; `price` gives what a query of
    /// the given output length costs there and the batch it runs at (nil where it cannot be priced).
    /// Nil where the budget does not hold the batch, or holds it at `smallBatch` or more per engine,
    /// or where the next whole batch is not cheaper.
    static func note(_ d: Deployment, _ r: ServingRequest, _ s: ServingEstimate, here: Double, boundary: Boundary,
                     price: (ServingRequest) throws -> (wh: Double, batch: Int)?) rethrows -> String? {
        let perEngine = s.effectiveBatch / max(1, d.attentionRanks)
        guard s.batchLimit == .stepBudget, s.promptChunking != nil, perEngine < smallBatch,
              let o = nextOutputTokens(r) else { return nil }
        var next = r
        next.outputTokens = o
        guard let there = try price(next), there.batch > s.effectiveBatch, there.wh < here else { return nil }
        let engine = d.attentionRanks > 1 ? " per engine" : ""
        return "per-query figures step with the whole number of sequences a step's \(r.tokenBudget)-token budget keeps decoding "
            + "(\(perEngine)\(engine) here: ⌊\(r.tokenBudget) × \(r.outputTokens) ÷ (\(formatNumber(r.prefilledTokens)) + \(r.outputTokens))⌋), "
            + "which share each step's fixed costs, so one more output token can cost less: at \(formatCount(o, "output token")) "
            + "it keeps \(there.batch / max(1, d.attentionRanks))\(engine) decoding and the query costs \(formatNumber(there.wh, significant: 4)) Wh at the \(boundary.rawValue) "
            + "boundary against \(formatNumber(here, significant: 4)) here (`--token-budget` sets the budget)"
    }
}
