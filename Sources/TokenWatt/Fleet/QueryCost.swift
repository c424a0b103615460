/// What one query costs on a surface.
public struct QueryCost: Sendable {
    public var prefillJoules = 0.0
    public var decodeJoules = 0.0
    public var gapJoules = 0.0
    /// Deployment-seconds the query occupies (its share of the deployment's busy time).
    public var occupancySeconds = 0.0
    public var outputTokens = 0.0
    /// For the latencies (`KernelFleet.meanLatency`): the places in an engine's batch the query holds
    /// for one step each (its prompt's chunks before the last, then its tokens), the plain decode
    /// step's seconds over them, its calls, and the seconds to each call's first token summed
    /// over them (`ServingSurface.chunkStepTime`).
    public var slotSteps = 0.0
    public var decodeStepSeconds = 0.0
    public var calls = 0.0
    public var firstTokenSeconds = 0.0
    /// Intervals between a sequence's tokens, over the query's calls: Σ sequences × (output − 1).
    /// A call of one output token has none (its only token comes with its prompt's last chunk),
    /// and the inter-token latency skips it, as `estimate` prints "ITL –" for it.
    public var decodeIntervals = 0.0
}
