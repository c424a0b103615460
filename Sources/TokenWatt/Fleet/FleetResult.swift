import KernelPower

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
    /// Whose runs `gwhPerDayRange`'s bands were measured on, where a GPU takes another's band
    /// (`ErrorBands.rangeSource`); nil where each GPU has its own or there is no range.
    public var gwhPerDayRangeSource: String? = nil
    /// GWh per day with every query at the site's PUE at the P5 and at the P95 of its draws
    /// (kernel scenarios at the facility boundary with a drawn PUE; nil otherwise).
    public var gwhPerDaySitePUE: SiteFactorRange?
    /// GWh per day with every query's host power at the P5 and at the P95 of the drawn
    /// `uncertain.hostPowerScale` (kernel scenarios from the node boundary out that draw it; nil otherwise).
    public var gwhPerDayHostPower: SiteFactorRange?
    /// A mix's GWh per day with each part's lever divisor held for every query at its P5 and then
    /// at its P95 (low is the day at the larger divisors); nil unless a part has a drawn divisor.
    public var gwhPerDayDivisorRange: Bounds?
    /// The part of the mean Wh per query that moves with GPU energy (with its PSU loss and PUE;
    /// kernel scenarios, 0 otherwise): what a lever's measured error scales.
    public var gpuProportionalWhPerQuery = 0.0
    /// `gpuProportionalWhPerQuery` split by the GPU (catalog id) whose energy it is, GPUs with
    /// traffic only (`KernelFleet.gpuProportionalByGPU`): what each GPU's measured bias scales.
    public var gpuProportionalWhPerQueryByGPU: [String: Double] = [:]
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
    /// Per-hour mean power at the facility, MW (24 values; kernel scenarios), at the draws' mean
    /// PUE (`hourlyPUE`): the energy of each hour, which `hourlyEnergyShares` weighs.
    public var hourlyMegawatts: [Double]
    /// The PUE `hourlyMegawatts` is at: the draws' mean, never the scenario's `peakPUE`; nil
    /// without an hourly series. Its maximum is below `busiestHourFacilityMegawatts` where the
    /// scenario's peak PUE is above the mean, and a reader of the series alone could not tell why
    /// (chat service at peakPUE 1.5: series peak 1.79 MW, busiest hour 2.16 MW).
    public var hourlyPUE: Double? = nil
    /// The busiest hour's power at the facility, MW, at `busiestHourPUE`; nil without a fleet.
    public var busiestHourFacilityMegawatts: Double? = nil
    /// The PUE the busiest hour is at: the scenario's `peakPUE` where it sets one (the hot hours
    /// the peak comes on), else the draws' mean PUE; nil without a fleet.
    public var busiestHourPUE: Double? = nil
    /// Share of the day's energy used in each local hour (24 values adding up to 1), which weights
    /// the grid's hourly intensity: the energy inside the scenario's boundary by hour (a fleet's
    /// queries at `gpu` and `node`, its hourly power with idle replicas at `it` and `facility`;
    /// `KernelFleet.hourlyEnergyShares`), or a mix's parts' shares weighted by
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
    /// Deployments capped below TDP whose steps never reach the cap (`KernelFleet.unboundCaps`).
    public var unboundCapDeployments: [String] = []
    /// Mean inter-token latency and time to first token (per model call) of the run's queries, ms
    /// (kernel scenarios; `KernelFleet.meanLatency`): what its levers are compared by.
    public var meanITLMs: Double? = nil
    public var meanTTFTMs: Double? = nil
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

    /// These bounds widened to hold `point`. A divisor's range holds every query at the factor's
    /// P5 and then its P95, while its point is the mean of 1 ÷ each draw, which a tail towards
    /// zero can put outside both (a 2026-12-07 review: a divisor of 0.01 in 30 draws read a
    /// −330 % saving against a 0 %…0 % range).
    public func including(_ point: Double) -> Bounds { Bounds(low: min(low, point), high: max(high, point)) }
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
