import KernelPower

/// Summary statistics of a sample of Wh per query.
public struct QueryStatistics: Sendable, Equatable {
    public var median: Double
    public var mean: Double
    public var p5: Double
    public var p25: Double
    public var p75: Double
    public var p95: Double

    /// Percentiles by linear interpolation between order statistics (numpy's default).
    public init(_ values: [Double]) {
        let s = values.sorted()
        func q(_ p: Double) -> Double {
            guard !s.isEmpty else { return 0 }
            let x = p * Double(s.count - 1)
            let i = Int(x.rounded(.down)), f = x - Double(i)
            return i + 1 < s.count ? s[i] + (s[i + 1] - s[i]) * f : s[i]
        }
        median = q(0.5); p5 = q(0.05); p25 = q(0.25); p75 = q(0.75); p95 = q(0.95)
        mean = s.isEmpty ? 0 : s.reduce(0, +) / Double(s.count)
    }

    /// Statistics of draws that carry weights (a class's share over its draws, as `KernelFleet`
    /// weighs them): the mean Σ wᵢxᵢ / Σ wᵢ, and percentiles as `weightedQuantile` reads them, so
    /// that the spread weighs the classes as the mean does. Equal weights give `init(_:)`.
    public init(_ values: [Double], weights: [Double]) {
        let q = Self.weightedQuantiles(values, weights: weights, [0.5, 0.05, 0.25, 0.75, 0.95])
        median = q[0]; p5 = q[1]; p25 = q[2]; p75 = q[3]; p95 = q[4]
        mean = Self.weightedMean(values, weights: weights)
    }

    /// Σ wᵢxᵢ / Σ wᵢ; the plain mean where `weights` are not one per value; 0 for none.
    public static func weightedMean(_ values: [Double], weights: [Double]) -> Double {
        guard weights.count == values.count else { return values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count) }
        let total = weights.reduce(0, +)
        return total > 0 ? zip(values, weights).reduce(0) { $0 + $1.0 * $1.1 } / total : 0
    }

    /// Quantiles `ps` of weighted draws: each draw counts as wᵢ / w_min copies of the lightest
    /// draw, and the quantiles are numpy's linear ones over those copies (position p·(N − 1) in
    /// N = Σ wᵢ / w_min; a draw's copies hold its value, one step between neighbours is
    /// interpolated). Equal weights give numpy's own. Drawn as drawn, 9 draws of a 99 % class and
    /// 1 of a 1 % class had put the P95 0.55 of the way to the rare draw (0.927 Wh where 99 % of
    /// queries use 0.0297); weighted they read as 99 and 1 draws, whose P95 is 0.0297. Draws of
    /// weight 0 are left out; the plain quantiles where `weights` are not one per value.
    public static func weightedQuantiles(_ values: [Double], weights: [Double], _ ps: [Double]) -> [Double] {
        guard weights.count == values.count else {
            let sorted = values.sorted()
            return ps.map { quantile(sorted, $0) }
        }
        let order = values.indices.filter { weights[$0] > 0 }.sorted { values[$0] < values[$1] }
        guard let lightest = order.map({ weights[$0] }).min() else { return ps.map { _ in 0 } }
        let copies = order.map { weights[$0] / lightest }
        let total = copies.reduce(0, +)
        return ps.map { p in
            let x = p * (total - 1)
            var first = 0.0  // position of the draw's first copy
            for (k, i) in order.enumerated() {
                let last = first + copies[k] - 1
                if x <= last || k + 1 == order.count { return values[i] }
                if x < last + 1 { return values[i] + (values[order[k + 1]] - values[i]) * (x - last) }
                first += copies[k]
            }
            return values[order[order.count - 1]]
        }
    }
}

/// Share of the variance of Wh per query explained by one uncertain input (first-order,
/// a first-order Sobol index, estimated from neighbouring samples in the order of the input).
public struct VarianceShare: Sendable, Equatable {
    public var input: String
    public var share: Double
    /// Whether the input took one value in every draw: its 0 is exact, not an estimate.
    public var constant = false

    /// The share below which the rank estimator (`conditionalVariance`) cannot tell an input from
    /// one that moves nothing, for `draws` draws: 3 ÷ √draws. For an input that leaves Wh per query
    /// alone, the estimator reads the lag-1 autocorrelation of the draws in a random order, whose
    /// standard deviation is 1 ÷ √n (a sum of n − 1 neighbouring products, each of variance σ⁴,
    /// uncorrelated with the next, over n σ²), clamped at 0; three of them hold the noise of a
    /// heavy-tailed Wh per query too: at 20,000 draws (threshold 2.1 %) the chat service's PUE
    /// read 0–1.5 % and its GPU-energy scale 0–1.9 % over seeds 1–10, each printed as a precise
    /// "0 %" or "2 %". At most 1 (all of it: 9 draws or fewer say nothing).
    public static func noiseLevel(draws: Int) -> Double { draws > 0 ? min(1, 3 / Double(draws).squareRoot()) : 1 }
}

/// The GPUs and servers of one GPU type on one server model, over the deployments that use them:
/// a fleet of several types had printed its GPUs and nodes in all alone ("716 GPUs in 90 nodes").
public struct HardwareType: Sendable, Equatable {
    public var gpu: String
    public var node: String
    public var gpus: Int
    public var nodes: Int
}

/// A fleet scenario's results.
public struct FleetResult: Sendable {
    public var name: String
    public var description: String
    public var boundary: Boundary
    public var whPerQuery: QueryStatistics
    public var gwhPerDay: Double
    /// GWh per day with every query's GPU energy at the two ends of its GPU's measured error
    /// band (kernel scenarios, the bundled calibration; nil otherwise).
    public var gwhPerDayRange: Bounds?
    /// GWh per day with every query at the site's PUE at the P5 and at the P95 of its draws
    /// (kernel scenarios at the facility boundary with a drawn PUE; nil otherwise).
    public var gwhPerDaySitePUE: SiteFactorRange?
    /// GWh per day with every query's host power at the P5 and at the P95 of the drawn
    /// `uncertain.hostPowerScale` (kernel scenarios from the node boundary out that draw it; nil otherwise).
    public var gwhPerDayHostPower: SiteFactorRange?
    /// The part of the mean Wh per query that moves with GPU energy (with its PSU loss and PUE;
    /// kernel scenarios, 0 otherwise): what a lever's measured error scales.
    public var gpuProportionalWhPerQuery = 0.0
    public var queriesPerDay: Double
    /// GPUs provisioned for the peak hour with headroom (nil for throughput-table scenarios).
    public var gpus: Int?
    public var nodes: Int?
    /// Provisioned peak power at the wall and at the facility, MW.
    public var megawatts: Double
    public var facilityMegawatts: Double
    /// Energy per day of provisioned capacity while idle, GWh, at the IT boundary (the wall of
    /// its servers), where the ledger first counts it.
    public var idleGWhPerDay: Double
    /// The same with the facility's overhead (× the draws' mean PUE): what it adds to a
    /// facility-boundary day (kernel scenarios; 0 otherwise).
    public var idleFacilityGWhPerDay = 0.0
    /// Ledger of the median query (kernel scenarios).
    public var medianLedger: [LedgerItem]
    /// Ledger averaged over the samples (its items within the scenario's boundary sum to the mean).
    public var meanLedger: [LedgerItem]
    public var varianceShares: [VarianceShare]
    /// Per-hour mean power at the facility, MW (24 values; kernel scenarios).
    public var hourlyMegawatts: [Double]
    /// Share of the day's energy used in each local hour (24 values adding up to 1), which weights
    /// the grid's hourly intensity: a fleet's hourly power, or a mix's parts' shares weighted by
    /// the energy each adds to its day. Empty where no fleet behind the scenario has a daily
    /// profile (a throughput table): its energy is then spread evenly over the day.
    public var hourlyEnergyShares: [Double] = []
    public var classes: [ClassResult]
    /// The provisioned hardware, per class (kernel scenarios; empty otherwise).
    public var hardware: [HardwareUse] = []
    /// The servers each deployment's GPUs fill, its classes' together (kernel scenarios; empty
    /// otherwise): `nodes` is theirs added up, and embodied carbon counts them.
    public var servers: [ServerUse] = []

    /// The fleet's GPUs and servers by GPU type and server model (`servers` added up), in the
    /// order they first serve a class.
    public var hardwareTypes: [HardwareType] {
        var out: [HardwareType] = []
        for s in servers {
            let gpu = hardware.first { $0.deployment == s.deployment && $0.node == s.node.id }?.gpu ?? s.node.gpuID
            if let i = out.firstIndex(where: { $0.gpu == gpu && $0.node == s.node.id }) {
                out[i].gpus += s.gpus
                out[i].nodes += s.nodes
            } else {
                out.append(HardwareType(gpu: gpu, node: s.node.id, gpus: s.gpus, nodes: s.nodes))
            }
        }
        return out
    }
    /// Share of the mean Wh per query that is facility overhead (0 below the facility boundary).
    public var overheadShare: Double = 0
    /// The site's PUE as the mean query meets it, at every boundary: facility ÷ IT energy of the
    /// mean ledger (a throughput table's mean PUE). On-site water belongs to the site, so a WUE
    /// published per facility kWh is that × this per IT kWh whatever the scenario's boundary.
    public var sitePUE: Double = 1
    public var levers: [LeverResult]
    /// The estimator's measured error on each GPU the scenario serves on (kernel scenarios, the
    /// bundled calibration; `ErrorBands`).
    public var estimatorError: [GPUErrorBand] = []
    public var notes: [String]
    /// The sample of Wh per query at the boundary (kept for reports and charts).
    public var samples: [Double]
    /// Each sample's weight in the figures (a kernel scenario's draws: its class's share over the
    /// class's draws, adding up to 1); empty where the samples weigh alike (a throughput table, a
    /// mix). A mix draws its kernel parts' samples by it, and a report's histogram counts by it.
    public var sampleWeights: [Double] = []
    /// Half the 95 % interval of the mean Wh per query from the draws alone, as a share of the
    /// mean (`KernelFleet.samplingHalfWidth`; kernel scenarios).
    public var meanSamplingHalfWidth: Double? = nil
    /// Classes with a share of the traffic that got none of the draws (kernel scenarios): their
    /// queries are counted at the other classes' mean, their replicas nowhere.
    public var undrawnClasses: [String] = []
    /// A mix's parts as it adds them up, in its order (empty for any other scenario).
    public var mixContributions: [MixContribution] = []
    /// `DecodeClockCaveat`'s note where a deployment's locked clock or cap saves more decode
    /// energy than has been measured (kernel scenarios; `KernelFleet.decodeClockCaveat`).
    public var decodeClockCaveat: String? = nil
    /// Mean inter-token latency and time to first token (per model call) of the run's queries, ms
    /// (kernel scenarios; `KernelFleet.latency`): what its levers are compared by.
    public var meanITLMs: Double? = nil
    public var meanTTFTMs: Double? = nil
}

/// What one part adds to a mix (`FleetRunner.runMix`): the Wh it adds to the mix's mean query and
/// to its day per query of the mix (a throughput table's fleet overhead included, a divisor
/// applied), how many of the mix's samples it gave (they come in the parts' order), and its day
/// at the ends of its measured error band ÷ its day (nil without a band).
public struct MixContribution: Sendable, Equatable {
    public var scenario: String
    public var share: Double
    public var queryWattHours: Double
    public var dayWattHours: Double
    public var samples: Int
    public var bandRatios: Bounds?
}

/// A quantity's two ends, low ≤ high: GWh per day, Wh per query, grams of carbon, a saving.
public struct Bounds: Sendable, Equatable {
    public var low: Double
    public var high: Double
}

/// A day's energy with one drawn factor of the whole site (its PUE, or the scale on its hosts'
/// power) held at the P5 and then the P95 of the scenario's draws for every query. A site runs
/// at one PUE on one kind of server: drawn afresh for each query, such a factor's spread averages
/// out of the day.
public struct SiteFactorRange: Sendable, Equatable {
    /// The factor's P5 and P95 over the draws.
    public var factor: Bounds
    public var gwhPerDay: Bounds
}

/// The error band an estimate on `gpu` takes (its own, or the forecast pool).
public struct GPUErrorBand: Sendable, Equatable {
    public var gpu: String
    public var band: ErrorBand
}

/// GPUs provisioned for one class; the servers they sit in are its deployment's (`ServerUse`).
public struct HardwareUse: Sendable, Equatable {
    public var className: String
    /// The deployment whose replicas serve the class (the classes of one share its servers).
    public var deployment: String = ""
    public var gpu: String
    public var node: String
    public var gpus: Int
    /// GPUs of one replica: the smallest step the class's fleet can shrink or grow by.
    public var gpusPerReplica: Int
    /// Replicas the busiest hour needs with headroom, before rounding up to whole ones.
    public var replicasNeeded = 0.0
    /// Wall power of one replica while busy (W): what each replica adds to the peak.
    public var replicaWallWatts = 0.0

    /// The whole replicas a class with traffic runs for `needed` (at least one): the rule
    /// `fleet` sizes by and `capacity` fills a budget by.
    public static func wholeReplicas(needed: Double) -> Int { max(1, Int(needed.rounded(.up))) }
}

/// The servers of one deployment: the GPUs of every class it serves, packed into whole nodes.
/// Rounded up per class, three 4-GPU classes on one deployment had taken three 8-GPU servers
/// where two hold them (embodied carbon +43 %), while the ledger charged host power per GPU.
public struct ServerUse: Sendable {
    public var deployment: String
    /// The server model, with its host power and the catalog's sources for them.
    public var node: NodeSpec
    public var gpus: Int
    /// The classes the deployment serves and each one's GPUs, in the scenario's order.
    public var classes: [(name: String, gpus: Int)]

    /// ⌈GPUs ÷ GPUs per server⌉.
    public var nodes: Int { node.gpuCount > 0 ? (gpus + node.gpuCount - 1) / node.gpuCount : 0 }

    /// Each deployment's servers from its classes' hardware, in the order deployments first serve a class.
    static func group(_ hardware: [HardwareUse], nodes: [String: NodeSpec]) -> [ServerUse] {
        var out: [ServerUse] = []
        for h in hardware {
            if let i = out.firstIndex(where: { $0.deployment == h.deployment && $0.node.id == h.node }) {
                out[i].gpus += h.gpus
                out[i].classes.append((h.className, h.gpus))
            } else if let spec = nodes[h.deployment] {
                out.append(ServerUse(deployment: h.deployment, node: spec, gpus: h.gpus, classes: [(h.className, h.gpus)]))
            }
        }
        return out
    }
}

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

public struct LeverResult: Sendable {
    public var name: String
    public var meanWhPerQuery: Double
    public var gwhPerDay: Double
    /// Fraction of the baseline's energy per day saved (negative: costs more).
    public var saving: Double
    /// How well `validate` found changes of this kind of lever predicted (nil: a kind it does not
    /// measure, several at once, or another calibration).
    public var measured: LeverValidation.Row? = nil
    /// The saving with the lever's predicted change of GPU energy at the P5 and P95 of the
    /// measured errors of its kind (`measured`): low ≤ `saving` ≤ high.
    public var savingRange: Bounds? = nil
    /// For a lever that sets a power cap or a locked clock, `DecodeClockCaveat`'s note where its
    /// decode saving is beyond the largest measured: read the saving as an upper bound.
    public var caveat: String? = nil
    /// The scenario's mean inter-token latency and time to first token (per model call), ms, and
    /// its GPUs, with the lever (mechanistic levers; nil for a divisor, which prices no deployment).
    public var meanITLMs: Double? = nil
    public var meanTTFTMs: Double? = nil
    public var gpus: Int? = nil
}

/// Why a workload cannot be run.
public struct FleetError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(description: String) { self.description = description }

    /// Runs `body`, naming `file` in front of a fleet error it throws (a scenario's deployment
    /// that cannot run is found after the file has been read).
    public static func naming<T>(_ file: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as FleetError { throw FleetError(description: "\(file): \(e.description)") }
    }
}
