/// How a query spends tokens: test-time compute strategies as first-class shapes of work.
public enum Strategy: Sendable, Equatable {
    /// One prompt, one answer.
    case single
    /// Long reasoning: the answer is `factor` × the base output length.
    case longReasoning(factor: Double)
    /// Best-of-N, self-consistency and beam search: one prefill, `n` parallel decodes sharing the
    /// prompt's KV cache (prefix caching), then a choice (best-of-N by a scorer, self-consistency
    /// by a vote, beam search by the hypotheses' likelihood).
    /// Each sample is `factor` × the base output length (reasoning paths are often long).
    case parallelSamples(n: Int, kind: String, factor: Double)
    /// Sequential revision: `rounds` rounds, each re-reading the prompt and every earlier answer.
    case sequentialRevision(rounds: Int)
    /// Agent loop: `calls` model calls, each adding its answer and `toolTokens` of tool output
    /// to the context the next call reads.
    case agentLoop(calls: Int, toolTokens: Int)

    public var name: String {
        switch self {
        case .single: return "single"
        case .longReasoning: return "long-reasoning"
        case let .parallelSamples(_, kind, _): return kind
        case .sequentialRevision: return "sequential-revision"
        case .agentLoop: return "agent-loop"
        }
    }

    /// The model calls one query makes, given its sampled input and output lengths.
    ///
    /// `prefixCacheHit` is the fraction of a call's prompt found in the prefix cache (a shared
    /// system prompt, the conversation so far, earlier rounds): only the rest is prefilled.
    public func calls(input: Int, output: Int, prefixCacheHit: Double) -> [ModelCall] {
        let first = ModelCall.reading(seen: input, fresh: 0, output: output, hit: prefixCacheHit)
        switch self {
        case .single:
            return [first]
        case let .longReasoning(factor):
            var c = first
            c.outputTokens = Int((Double(output) * factor).rounded())
            return [c]
        case let .parallelSamples(n, _, factor):
            var c = first
            c.sequences = n
            c.outputTokens = Int((Double(output) * factor).rounded())
            return [c]
        case let .sequentialRevision(rounds):
            return [first] + (1..<max(1, rounds)).map { r in
                ModelCall.reading(seen: input + (r - 1) * output, fresh: output, output: output, hit: prefixCacheHit)
            }
        case let .agentLoop(calls, tool):
            return [first] + (1..<max(1, calls)).map { k in
                ModelCall.reading(seen: input + (k - 1) * (output + tool), fresh: output + tool, output: output, hit: prefixCacheHit)
            }
        }
    }
}

/// One model call of a query: prompt tokens to prefill, tokens already in the KV cache, output
/// tokens per sequence, and how many sequences decode in parallel from the same prompt.
public struct ModelCall: Sendable, Equatable {
    public var newTokens: Int
    public var cachedTokens: Int
    public var outputTokens: Int
    public var sequences: Int

    /// Context the call's decode attends to on average: its prompt plus half its answer.
    public var meanDecodeContext: Double { Double(newTokens + cachedTokens) + Double(outputTokens) / 2 }

    /// KV tokens the call keeps resident on average: the shared prompt once, each sequence's answer.
    public var residentKVTokens: Double { Double(newTokens + cachedTokens) + Double(sequences) * Double(outputTokens) / 2 }

    /// A call that re-reads `seen` tokens (a fraction `hit` of them from the prefix cache) plus
    /// `fresh` new ones.
    static func reading(seen: Int, fresh: Int, output: Int, hit: Double) -> ModelCall {
        let cached = Int((Double(seen) * hit).rounded())
        return ModelCall(newTokens: seen - cached + fresh, cachedTokens: cached, outputTokens: output, sequences: 1)
    }
}
