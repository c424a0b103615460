/// What a deployment serves at steady state: how many sequences are in flight and how long the
/// requests are.
public struct ServingRequest: Sendable, Equatable {
    /// Concurrent sequences of the whole deployment (vLLM `max_num_seqs` summed over replicas).
    public var batch: Int
    public var inputTokens: Int
    public var outputTokens: Int
    /// Tokens per continuous-batching step (vLLM `max_num_batched_tokens`; its default with
    /// chunked prefill in the V1 engine is 8192, `defaultTokenBudget`).
    public var tokenBudget: Int
    /// vLLM V1's default step budget with chunked prefill, the one figure every default reads.
    public static let defaultTokenBudget = 8192
    /// Fraction of GPU memory the engine may use (vLLM `gpu_memory_utilization`, default 0.9).
    public var memoryUtilization: Double
    /// Continuous batching at steady state (a live service), or one static batch of identical
    /// requests submitted at once (an offline benchmark such as Argonne's fixed 1024/1024 runs).
    public var batching: Batching
    /// Copies of each prompt in flight together (1: every prompt distinct). A benchmark that fills
    /// more sequences than it has prompts repeats them (ML.ENERGY's `num_request_repeats`), and
    /// vLLM's prefix cache, on by default in its V1 engine, then holds one copy's prompt KV for all
    /// of them and prefills one in `promptCopies` requests. Continuous batching only.
    public var promptCopies: Double = 1

    public enum Batching: String, Sendable, CaseIterable { case continuous, staticBatch = "static" }

    /// The most sequences one engine keeps decoding under continuous batching. Every step holds at
    /// most `tokenBudget` tokens: one per decoding sequence, plus the prompt tokens of the requests
    /// that start alongside them, I for every O tokens decoded at steady state, so b·(1 + I/O) ≤
    /// budget. A larger `max_num_seqs` leaves requests waiting for prefill, not decoding. Both
    /// engines count a decode as one token of the step budget: vLLM schedules decodes first and
    /// fills what is left with prompt chunks (docs, "Optimization and Tuning", chunked prefill);
    /// TensorRT-LLM's `max_num_tokens` caps context plus generation tokens per iteration (docs,
    /// "Tuning Max Batch Size and Max Num Tokens").
    public var budgetLimitedBatch: Int {
        max(1, Int((Double(tokenBudget) * Double(outputTokens) / (prefilledTokens + Double(outputTokens))).rounded(.down)))
    }

    /// The copies that share each prompt's KV pages and its prefill: `promptCopies`, at least 1.
    public var sharingCopies: Double { max(1, promptCopies) }

    /// Prompt tokens prefilled per request: the prompt, once per `sharingCopies` requests.
    public var prefilledTokens: Double { Double(inputTokens) / sharingCopies }

    /// Whether `framework` serves this request as one static batch: HF transformers always does.
    public func isStatic(on framework: Framework) -> Bool { framework == .hf || batching == .staticBatch }

    public init(batch: Int, inputTokens: Int, outputTokens: Int, tokenBudget: Int = ServingRequest.defaultTokenBudget, memoryUtilization: Double = Deployment.memoryUtilization,
                batching: Batching = .continuous) {
        self.batch = batch
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.tokenBudget = tokenBudget
        self.memoryUtilization = memoryUtilization
        self.batching = batching
    }
}

extension ServingRequest {
    /// Whether an answer of `outputTokens` has an interval between tokens to time: a one-token
    /// answer's token comes from the step that ends its prompt, so it has a TTFT and no ITL, in
    /// every command that shows one.
    public static func hasInterTokenInterval(_ outputTokens: Int) -> Bool { outputTokens > 1 }
    public var hasInterTokenInterval: Bool { Self.hasInterTokenInterval(outputTokens) }
    /// The words that say why: "ITL – (one output token: no interval between tokens)".
    public static let noIntervalWords = "one output token: no interval between tokens"
}
