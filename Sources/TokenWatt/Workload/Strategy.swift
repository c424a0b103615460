import KernelPower

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

    /// The strategy's parameters by the names the workload file gives them (`factor`, `n`,
    /// `beams`, `rounds`, `calls`, `toolTokens`); none for a single answer.
    public var parameters: [(name: String, value: Double)] {
        switch self {
        case .single: return []
        case let .longReasoning(factor): return [("factor", factor)]
        case let .parallelSamples(n, kind, factor): return kind == "beam-search" ? [("beams", Double(n))] : [("n", Double(n)), ("factor", factor)]
        case let .sequentialRevision(rounds): return [("rounds", Double(rounds))]
        case let .agentLoop(calls, tool): return [("calls", Double(calls)), ("toolTokens", Double(tool))]
        }
    }

    /// The strategy, its parameters and a class's prefix-cache hit, as reports show them:
    /// "self-consistency: n 16, factor 4", "sequential-revision: rounds 4; prefixCacheHit 0.9 of
    /// re-reads", "single: prefixCacheHit 0.5 of the prompt", "single". A parallel-samples
    /// factor of 1 (the file's default) is left out.
    public func words(prefixCacheHit hit: Double) -> String {
        let shown = parameters.filter { !($0.name == "factor" && $0.value == 1 && name != "long-reasoning") }
        var parts = shown.isEmpty ? [] : [shown.map { "\($0.name) \(formatNumber($0.value))" }.joined(separator: ", ")]
        if hit > 0 { parts.append("prefixCacheHit \(formatNumber(hit)) of \(rereadsItsOwnContext ? "re-reads" : "the prompt")") }
        return parts.isEmpty ? name : name + ": " + parts.joined(separator: "; ")
    }

    /// Whether the strategy's calls re-read the query's own earlier context (sequential revision,
    /// agent loop): its `prefixCacheHit` is then a share of those re-reads, not of the prompt.
    public var rereadsItsOwnContext: Bool {
        switch self {
        case .sequentialRevision, .agentLoop: return true
        case .single, .longReasoning, .parallelSamples: return false
        }
    }

    /// The share of the query's prompt (its first call's) found in the prefix cache, for a class
    /// whose `prefixCacheHit` is `hit`: 0 for a strategy that re-reads its own context, whose hit
    /// is a share of those re-reads; `hit` for a one-call strategy, whose prompt is all it reads
    /// (a shared system prompt, a conversation's earlier turns).
    public func promptCacheHit(_ hit: Double) -> Double { rereadsItsOwnContext ? 0 : hit }

    /// The model calls one query makes, given its sampled input and output lengths.
    ///
    /// `prefixCacheHit` is the share of re-read tokens found in the prefix cache; only the rest is
    /// prefilled. Sequential revision and agent loops re-read the prompt and the earlier answers
    /// (and tool output) in every call after the first, and the hit is a share of those: the first
    /// call reads its prompt fresh, as a `single` answer at hit 0 pays it, so that the two compare
    /// like for like. (Until 2026-12-06 the first call's prompt was cached too: the bundled
    /// revision with 90 % hits read 2.51 × single where it costs 3.04 ×, the agent loop with 95 %
    /// 21.9 × where it costs 22.5 ×.) A one-call strategy (single, long reasoning, parallel samples)
    /// has only its prompt to re-read: the hit is the share of it that earlier traffic left in
    /// the cache (`promptCacheHit`).
    ///
    /// The latest answer is a re-read like the others, not fresh: vLLM's automatic prefix cache
    /// hashes every full KV block a request fills, generated tokens included, so when the next
    /// call's prompt (the chat template re-rendering the history: prompt, assistant header,
    /// answer, then the new turn) starts with the same tokens, the answer's blocks are found as
    /// the prompt's are. Only the tokens after it (an agent's tool output) are new. A template
    /// that rewrites earlier turns (Qwen3 and DeepSeek-R1 drop the reasoning of earlier answers)
    /// breaks the match after the prompt: such a workload sets a lower hit. (Until 2026-12-06 the
    /// latest answer was prefilled fresh in every round, against the documented "share of the
    /// prompt and every earlier answer": the bundled revision at 90 % read 3.05 × single, the
    /// agent loop at 95 % 22.5 ×.)
    public func calls(input: Int, output: Int, prefixCacheHit: Double) -> [ModelCall] {
        let first = ModelCall.reading(seen: input, fresh: 0, output: output, hit: promptCacheHit(prefixCacheHit))
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
                ModelCall.reading(seen: input + r * output, fresh: 0, output: output, hit: prefixCacheHit)
            }
        case let .agentLoop(calls, tool):
            return [first] + (1..<max(1, calls)).map { k in
                ModelCall.reading(seen: input + (k - 1) * (output + tool) + output, fresh: tool, output: output, hit: prefixCacheHit)
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
    /// `fresh` new ones. The cache serves whole pages (`KVCacheBudget.pageTokens`; the hit rounded
    /// down to them) and never the prompt's last token, whose logits the first output token needs:
    /// vLLM caps a hit at the prompt's length − 1, block-aligned (`max_cache_hit_length =
    /// request.num_tokens - 1`, "when all tokens hit the cache, we must recompute the last token to
    /// obtain logits", vllm/v1/core/kv_cache_manager.py `get_computed_blocks`). So a full hit
    /// prefills the last 1–16 tokens, not none: until 2026-12-06 `prefixCacheHit: 1` priced a
    /// prompt's prefill at exactly 0.
    static func reading(seen: Int, fresh: Int, output: Int, hit: Double) -> ModelCall {
        let page = KVCacheBudget.pageTokens
        let cacheable = max(0, (seen + fresh - 1) / page * page)
        let cached = min(Int((Double(seen) * hit).rounded()) / page * page, cacheable)
        return ModelCall(newTokens: seen - cached + fresh, cachedTokens: cached, outputTokens: output, sequences: 1)
    }
}
