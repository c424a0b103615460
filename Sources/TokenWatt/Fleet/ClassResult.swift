import KernelPower

/// One query class's figures in a fleet result: its Wh per query, batch, tokens per query and
/// the shares of its draws that its notes count.
public struct ClassResult: Sendable {
    public var name: String
    public var strategy: String
    public var share: Double
    public var whPerQuery: QueryStatistics
    public var effectiveBatch: Int
    public var meanOutputTokens: Double
    /// The class's strategy with its parameters, and its prefix-cache hit (`Strategy.calls`).
    public var queryStrategy: Strategy = .single
    public var prefixCacheHit = 0.0
    /// Sequences one engine (attention rank) keeps in flight, and what holds it there.
    public var engineBatch = 0
    public var engineBatchLimit: BatchLimit = .none
    /// The data-parallel engines of one replica of the class's deployment, among which its
    /// `maxBatch` is split: `effectiveBatch` is `engines` × `engineBatch`.
    public var engines = 1
    /// Share of the class's queries with a call longer than the model's context window, and with
    /// a call one of whose sequences (its prompt and one answer) does not fit in one engine's KV
    /// cache even alone (`KVCacheBudget.fits`).
    public var overContextShare = 0.0
    public var kvOverflowShare = 0.0
    /// Share of the class's queries whose parallel samples, each fitting alone, cannot all be
    /// resident in one engine at once (more than its batch, or than its KV cache holds at their
    /// last token): they decode in turns (`KernelFleet.samplesInTurnsNote`).
    public var samplesInTurnsShare = 0.0
    /// Per query, on average: model calls, prompt tokens prefilled, and prompt tokens found in
    /// the prefix cache (what `Strategy.calls` gives the sampled lengths), so that a strategy's
    /// token accounting can be checked from the output.
    public var meanCalls = 0.0
    public var meanPrefilledTokens = 0.0
    public var meanCachedTokens = 0.0
    /// The class's draws. None (no traffic, or too rare for the draws): its Wh, tokens and shares
    /// are none, not 0, and reports print "–" or null (a 0 % class had read 0 Wh per query).
    public var draws = 0
    /// Half the 95 % interval of the class's mean Wh per query from its draws alone, as a share
    /// of the mean (`KernelFleet.relativeHalfWidth`); nil with fewer than two draws.
    public var meanSamplingHalfWidth: Double? = nil
    /// The weights' and KV cache's formats of the deployment serving the class (nil where the
    /// scenario prices no deployment of its own: a throughput table, a mix); reports had named neither.
    public var precision: Precision? = nil
    public var kvPrecision: Precision? = nil
    /// The deployment that serves the class and its model as priced (catalog id; nil where the
    /// scenario prices no deployment of its own): the JSON had carried neither, so which model
    /// served which class could not be read from it.
    public var deployment: String? = nil
    public var model: String? = nil
    /// The class's own mean inter-token latency and time to first token (per model call), ms
    /// (`KernelFleet.classLatencies`; nil without draws, ITL nil where every answer is one token,
    /// TTFT nil on a disaggregated deployment). The fleet's mean had been the only figure, so a
    /// class at 63.9 ms hid behind a mean of 54.4.
    public var interTokenLatencyMs: Double? = nil
    public var timeToFirstTokenMs: Double? = nil

    /// The strategy, its parameters and the prefix-cache hit in words (`Strategy.words`).
    public var strategyWords: String { queryStrategy.words(prefixCacheHit: prefixCacheHit) }

    /// A share of a class's queries as a note prints it: one decimal, or two significant digits
    /// below 0.05 % ("0.04 %"), so that a share above none never reads "0.0 %" (4 of 10,000 draws
    /// with a call the KV cache cannot hold had been printed so).
    public static func shareWords(_ x: Double) -> String {
        x > 0 && x < 0.0005 ? "\(formatNumber(x * 100, significant: 2)) %" : formatPercent(x)
    }

    /// Sequences one query decodes side by side: a parallel-samples strategy's n, else 1.
    public var sequencesPerQuery: Int {
        if case let .parallelSamples(n, _, _) = queryStrategy { return n }
        return 1
    }
}
