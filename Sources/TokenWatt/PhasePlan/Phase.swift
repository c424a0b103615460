/// One forward pass of a batch.
public enum Phase: Sendable, Equatable {
    /// Prefill of `batch` sequences of `tokens` new tokens each, after `pastTokens` already cached.
    case prefill(batch: Int, tokens: Int, pastTokens: Int = 0)
    /// One decode step of `batch` sequences, each attending to `context` cached tokens.
    case decode(batch: Int, context: Int)
    /// A continuous-batching step (vLLM chunked prefill): `decodeBatch` sequences decode at
    /// `context` while `prefillSequences` prompt chunks of `prefillTokens` tokens each are
    /// prefilled after `prefillPast` cached tokens, all in the same kernels.
    case mixed(decodeBatch: Int, context: Int, prefillTokens: Int, prefillPast: Int, prefillSequences: Int = 1)

    /// Sequences in the pass.
    public var batch: Int {
        switch self {
        case let .prefill(b, _, _), let .decode(b, _): return b
        case let .mixed(b, _, _, _, g): return b + g
        }
    }

    /// Rows of every linear layer: all new tokens of the pass.
    public var tokens: Int {
        switch self {
        case let .prefill(b, t, _): return b * t
        case let .decode(b, _): return b
        case let .mixed(b, _, p, _, g): return b + g * p
        }
    }

    /// Rows that are sampled (one per sequence whose last token is in the pass).
    public var sampledRows: Int { batch }

    public var isDecode: Bool { if case .decode = self { return true } else { return false } }

    /// The attention work of the pass: one or two groups of sequences with the same shape.
    public var attentionGroups: [AttentionGroup] {
        switch self {
        case let .prefill(b, t, p): return [AttentionGroup(batch: b, queryLength: t, kvLength: t + p)]
        case let .decode(b, c): return [AttentionGroup(batch: b, queryLength: 1, kvLength: c)]
        case let .mixed(b, c, t, p, g):
            return [AttentionGroup(batch: b, queryLength: 1, kvLength: c), AttentionGroup(batch: g, queryLength: t, kvLength: t + p)]
        }
    }

    var isValid: Bool {
        tokens >= 1 && batch >= 1 && attentionGroups.allSatisfy { $0.batch >= 0 && $0.queryLength >= 1 && $0.kvLength >= $0.queryLength }
    }
}

/// Sequences of one attention shape within a pass.
public struct AttentionGroup: Sendable, Equatable {
    public let batch: Int
    public let queryLength: Int
    public let kvLength: Int

    public var isDecode: Bool { queryLength == 1 }
}
