import KernelPower

/// One phase of a query as the query sees it.
public struct PhaseCost: Sendable {
    /// Wall time of the phase for the query (time to first token; output tokens × inter-token latency).
    public var time: Time
    /// GPU energy attributed to the query, all GPUs of the deployment.
    public var energy: Energy
    /// Mean power per GPU while the phase runs.
    public var gpuPower: Power
    /// Part of `energy` spent idle in the gaps between kernels and steps.
    public var gapEnergy: Energy
}

/// What limits the sequences in flight below the requested batch.
public enum BatchLimit: String, Sendable {
    case none
    /// The KV cache holds fewer sequences of these lengths.
    case memory
    /// A continuous-batching step's token budget keeps fewer decoding (`ServingRequest.budgetLimitedBatch`).
    case stepBudget = "step-budget"
}

/// How a continuous-batching engine carries prompts beside its decodes.
public struct PromptChunking: Sendable, Equatable {
    /// Requests that start per step per engine: batch / output tokens.
    public let startsPerStep: Double
    /// Prompt chunks per step that carries any, on average (`ChunkMix.mean`): steps of the whole
    /// numbers either side, each priced as one pass.
    public let chunksPerStep: Double
    /// Tokens per chunk: the prompt, or what the step budget leaves beside the decodes.
    public let chunkTokens: Int

    public init(startsPerStep: Double, chunksPerStep: Double, chunkTokens: Int) {
        self.startsPerStep = startsPerStep; self.chunksPerStep = chunksPerStep; self.chunkTokens = chunkTokens
    }
}

/// Steady-state serving of a deployment: latencies, throughput, power, and the GPU energy of one
/// query split into prefill and decode.
public struct ServingEstimate: Sendable {
    public var requestedBatch: Int
    /// Sequences actually in flight: the requested batch, or what fits in memory.
    public var effectiveBatch: Int
    /// The largest batch the KV cache holds for these request lengths.
    public var maxBatch: Int
    /// What holds the batch below the requested one, if anything.
    public var batchLimit: BatchLimit = .none
    public var batchLimitedByMemory: Bool { batchLimit == .memory }
    /// Mean time of one engine step (every in-flight sequence emits one token).
    public var stepTime: Time
    /// Mean time between a sequence's tokens (the mean step, prompt chunks included).
    public var interTokenLatency: Time
    /// The median step: what clients report as median ITL. Prompts start as a Poisson stream, so
    /// it is the plain decode step while more than half the steps carry no prompt chunk (fewer
    /// than ln 2 ≈ 0.69 chunks per step), then the step with the median count of chunks.
    public var medianInterTokenLatency: Time
    /// The step nine in ten steps (and tokens) do not exceed: the p90 inter-token latency.
    public var p90InterTokenLatency: Time
    public var timeToFirstToken: Time
    /// Output tokens per second of the whole deployment.
    public var outputTokensPerSecond: Double
    /// Mean board power per GPU.
    public var gpuPower: Power
    /// GPU energy per output token, all GPUs, prefill included.
    public var energyPerOutputToken: Energy
    public var prefill: PhaseCost
    public var decode: PhaseCost
    /// Part of the query's GPU energy spent idle in the gaps between kernels and steps.
    public var gapEnergy: Energy { prefill.gapEnergy + decode.gapEnergy }
    /// One decode step, per GPU: at the mean context under continuous batching; a static batch's
    /// last decode pass (its steps are priced at quadrature nodes, none at the mean), which
    /// `diagnose` and `kernels` do not use: they price the mean-context step themselves.
    public var decodeStep: PassEstimate
    /// Whether the power cap throttled any kernel.
    public var powerLimited: Bool
    public var notes: [String]
    /// How continuous batching carries the prompts (nil for a static batch).
    public var promptChunking: PromptChunking? = nil

    /// GPU energy of one query, all GPUs.
    public var queryEnergy: Energy { prefill.energy + decode.energy }
    /// Share of the query's GPU energy spent in prefill.
    public var prefillShare: Double { queryEnergy.joules > 0 ? prefill.energy / queryEnergy : 0 }
    /// Queries completed per second by the whole deployment when it is busy.
    public func queriesPerSecond(outputTokens: Int) -> Double { outputTokensPerSecond / Double(max(1, outputTokens)) }
}
