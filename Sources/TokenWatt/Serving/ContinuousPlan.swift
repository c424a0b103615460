import KernelPower

/// The representative steps of continuous batching for one request shape: a decode step at the
/// mean context, and the mixed steps that carry one request's prompt chunks, with weights.
public struct ContinuousPlan: Sendable {
    /// Sequences in flight per attention rank.
    public let local: Int
    public let context: Int
    public let decode: Phase
    /// A request's prompt chunks with quadrature weights. Each chunk runs in a step of `local`
    /// decodes carrying `chunkMix.low` or `chunkMix.high` such chunks (`low` nil when it is 0 or
    /// `high`),
    /// and costs its share of what those steps add to the decodes (`ChunkMix.perChunk`).
    public let chunks: [(low: Phase?, high: Phase, weight: Double)]
    /// Prompts that start prefilling per step per rank: b/`slotSteps` requests start, one in
    /// `sharingCopies` of them with a prompt the prefix cache does not already hold.
    public let startsPerStep: Double
    /// Steps a request holds its place in the batch: its O token steps (the last prompt chunk
    /// emits the first token), and before them the steps of its other prompt chunks, which emit
    /// nothing. With b/O starts a step, a 128,000-token prompt in 16 chunks at batch 1 was served
    /// in less than its own time to first token, at a mean power above both phases'.
    public let slotSteps: Double
    /// Prompt chunks per step: the chunks started per step (`startsPerStep` times the chunks of a
    /// prompt), as steps of the whole numbers either side, each priced as one pass, at most what
    /// the budget leaves room for. Priced one at a time, a chunk whose rows tip a GEMM into
    /// another wave of tiles was charged that whole wave b/O times over: per-query prefill energy
    /// swung 3.7× between batches 377 and 610 (StarCoder2-15B on 2 L40S, 100 + 10 tokens).
    public let chunkMix: ChunkMix
    /// Tokens per prompt chunk: the prompt, or what the budget leaves beside the decodes.
    public let chunkTokens: Int
    /// Chunks one prompt is split into.
    public let chunksPerPrompt: Int

    public init(request r: ServingRequest, local b: Int) {
        local = b
        let mean = r.inputTokens + (r.outputTokens + 1) / 2
        context = mean
        decode = .decode(batch: b, context: mean)
        let chunk = max(1, min(r.inputTokens, r.tokenBudget - b))
        chunkTokens = chunk
        let count = (r.inputTokens + chunk - 1) / chunk
        chunksPerPrompt = count
        outputTokens = r.outputTokens
        slotSteps = Double(r.outputTokens) + Double(count - 1) / r.sharingCopies
        startsPerStep = Double(b) / slotSteps / r.sharingCopies
        let mix = ChunkMix(mean: startsPerStep * Double(count), chunk: chunk, room: r.tokenBudget - b)
        chunkMix = mix
        chunks = Self.positions(chunks: count, chunk: chunk, input: r.inputTokens).map { past, w in
            func step(_ g: Int) -> Phase {
                .mixed(decodeBatch: b, context: mean, prefillTokens: min(chunk, r.inputTokens - past), prefillPast: past, prefillSequences: g)
            }
            return (mix.low > 0 && mix.low != mix.high ? step(mix.low) : nil, step(mix.high), w)
        }
    }

    /// Mean prompt chunks that join one step.
    public var meanChunksPerStep: Double { startsPerStep * Double(chunksPerPrompt) }
    /// Tokens a step emits per rank: each place in the batch emits O tokens in `slotSteps` steps.
    public var tokensPerStep: Double { Double(local) * Double(outputTokens) / slotSteps }
    /// Output tokens of the request shape (O).
    let outputTokens: Int
    /// Whether the budget holds every step full of chunks, so that they queue rather than arrive.
    public var budgetBound: Bool { chunkMix.mean < meanChunksPerStep }

    /// Phases whose weighted sum is one mean engine step: per chunk position, its share of the
    /// steps that carry `low` chunks (plain decode steps when `low` is 0) and `high` chunks.
    public var meanStep: [(phase: Phase, weight: Double)] {
        let m = chunkMix
        let steps = chunks.flatMap { c -> [(phase: Phase, weight: Double)] in
            let share = c.weight * startsPerStep / m.mean
            return (c.low.map { [($0, share * (1 - m.highShare))] } ?? []) + [(c.high, share * m.highShare)]
        }
        return [(decode, 1 - steps.reduce(0) { $0 + $1.weight })] + steps
    }

    /// Positions (tokens already prefilled) of the chunks of one prompt, with weights: every
    /// chunk when there are few; otherwise Gauss–Legendre nodes over the full chunks' positions,
    /// and the short last chunk on its own. Nodes taken at whole chunks over all K chunks had
    /// priced the last chunk full: a 100,000-token prompt read as 106,444 tokens (Llama-3.1-8B on
    /// an H100: prefill 10 % high).
    static func positions(chunks: Int, chunk: Int, input: Int) -> [(Int, Double)] {
        if chunks <= 8 { return (0..<chunks).map { ($0 * chunk, 1.0) } }
        let full = input / chunk, last = full * chunk
        let nodes = ServingEstimator.gaussLegendre.map { node in
            (Int((node.x * Double((full - 1) * chunk)).rounded()), node.w * Double(full))
        }
        return last < input ? nodes + [(last, 1.0)] : nodes
    }
}
