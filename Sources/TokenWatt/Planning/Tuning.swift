import Foundation
import KernelPower

/// Which inter-token latency an ITL target is judged on (`tune --itl-stat`, a sweep's
/// `targets.itlStat`): the mean over all intervals (the default), the median step, or the step
/// nine in ten do not exceed, as `estimate` reports all three. A target met on the mean can be
/// missed by far at p90: Llama-3.1-70B on 4 × H100 at 1350 MHz, batch 64, has a mean ITL of
/// 39.2 ms and a p90 of 105 ms.
public enum ITLStatistic: String, Sendable, CaseIterable {
    case mean, median, p90

    /// The statistic in words: "mean inter-token latency".
    public var words: String { self == .p90 ? "p90 inter-token latency" : "\(rawValue) inter-token latency" }

    /// This statistic among the three a point carries (nil for a one-token answer).
    func of(mean: Double?, median: Double?, p90: Double?) -> Double? {
        switch self {
        case .mean: return mean
        case .median: return median
        case .p90: return p90
        }
    }

    /// This statistic of an estimate's inter-token latency, ms; nil for a one-token answer, which
    /// has no interval between tokens.
    func milliseconds(_ e: ServingEstimate, outputTokens: Int) -> Double? {
        guard ServingRequest.hasInterTokenInterval(outputTokens) else { return nil }
        switch self {
        case .mean: return e.interTokenLatency.seconds * 1000
        case .median: return e.medianInterTokenLatency.seconds * 1000
        case .p90: return e.p90InterTokenLatency.seconds * 1000
        }
    }
}

/// Power caps and locked clocks against latency targets: the setting that minimises energy per
/// query at a boundary, for each phase and for the query as a whole. Prefill is bound by the
/// tensor cores or the L2 cache, both on the SM clock, and slows almost in proportion to it;
/// decode is bound by HBM and barely slows, so a cap saves more there. Beyond the GPUs the host
/// keeps drawing over the longer steps, so the setting that saves the most GPU energy can cost
/// more at the wall: the boundary is the facility by default, as in `estimate`.
public struct Tuning: Sendable {
    public enum Knob: String, Sendable { case none = "default", powerCap = "power cap", clock = "locked clock" }
    /// What a setting is chosen for: prefill (TTFT target), decode (ITL target) or the whole query (both).
    public enum Phase: String, Sendable, CaseIterable { case prefill, decode, query }

    /// One setting's outcome.
    public struct Point: Sendable, Equatable {
        public var knob: Knob
        /// Watts for a cap, MHz for a clock, 0 for the default.
        public var value: Double
        public var ttftMs: Double
        /// Nil for a one-token answer: its token comes from the step that ends the prompt, and
        /// no interval follows (as `estimate` shows it).
        public var itlMs: Double?
        /// The median and p90 inter-token latency (nil as `itlMs` is).
        public var medianITLMs: Double? = nil
        public var p90ITLMs: Double? = nil
        public var prefillJoules: Double
        public var decodeJoules: Double
        public var gpuWatts: Double
        /// Wh per query at every boundary, as `estimate` gives them.
        public var whPerQuery: [Boundary: Double]
        /// Prefill's share of the query's GPU time (each phase's GPU energy over its mean GPU power).
        public var prefillTimeShare: Double
        /// The part of `whPerQuery` beyond the GPUs, in joules at each boundary, that follows the
        /// query's time rather than the GPUs' energy (`Tuning.timeBoundJoules`).
        public var timeBoundJoules: [Boundary: Double]
        /// `ClockRangeCaveat`'s note where the setting is a clock below those measured (the table
        /// runs from 30 % of boost, below the 36 % the clock model was checked at): a pick there
        /// had been recommended with no word that its figures are an extrapolation.
        public var clockRangeNote: String? = nil
        public var queryJoules: Double { prefillJoules + decodeJoules }

        /// The inter-token latency `statistic` reads, ms (nil for a one-token answer).
        public func itlMs(_ statistic: ITLStatistic) -> Double? {
            statistic.of(mean: itlMs, median: medianITLMs, p90: p90ITLMs)
        }

        /// A phase's energy at `boundary`: its GPU energy, plus the query's energy beyond the GPUs
        /// split by what each part scales with. The host draws for as long as the GPUs run, so
        /// the time-bound part (`timeBoundJoules`) goes by the phase's share of GPU time; the
        /// rest (PSU loss, idle share and PUE overhead on the GPUs' own energy) by its share of
        /// GPU energy. Splitting all of it by time had moved prefill's overhead onto a long,
        /// low-power decode and made the picks change between node, IT and facility. The
        /// phases add up to the query's ledger total at that boundary.
        public func joules(_ phase: Phase, at boundary: Boundary) -> Double {
            let total = (whPerQuery[boundary] ?? 0) * 3600
            guard phase != .query else { return total }
            let gpu = queryJoules, time = timeBoundJoules[boundary] ?? 0
            let byEnergy = total - gpu - time
            let (own, timeShare) = phase == .prefill ? (prefillJoules, prefillTimeShare) : (decodeJoules, 1 - prefillTimeShare)
            return own + (gpu > 0 ? byEnergy * own / gpu : 0) + time * timeShare
        }
    }

    public struct Targets: Sendable {
        public var ttftMs: Double?
        public var itlMs: Double?
        /// The inter-token latency `itlMs` is judged on (the mean unless given).
        public var itlStatistic: ITLStatistic
        public init(ttftMs: Double? = nil, itlMs: Double? = nil, itlStatistic: ITLStatistic = .mean) {
            self.ttftMs = ttftMs; self.itlMs = itlMs; self.itlStatistic = itlStatistic
        }
    }

    public let base: DeploymentRequest
    public let serving: ServingRequest
    public let targets: Targets
    /// The boundary whose energy the best settings minimise, and the PUE of its facility line.
    public let boundary: Boundary
    public let pue: Double
    public let points: [Point]
    /// How well `validate` found locked-clock changes predicted where measured (nil under another
    /// calibration); power caps have no measured pairs.
    public let clockAccuracy: LeverValidation.Row?
    /// Sequences in flight as priced (what fits, which may be fewer than asked) and what the
    /// default setting's estimate says about it.
    public let effectiveBatch: Int
    public let notes: [String]
    /// The deployment as resolved: catalog ids and every GPU it runs on (the header had shown the
    /// request's `--gpus`, 1 when absent, and the GPU as typed, so tp 2 read "1 × h100").
    public let modelID: String
    public let gpuID: String
    public let gpuCount: Int
    /// Tensor, pipeline and expert parallelism as resolved (4 GPUs at tp 2 × pp 2 and at tp 2 ×
    /// ep 2 read alike in JSON without them).
    public let parallelism: (tensor: Int, pipeline: Int, expert: Int)
    /// The weights' and the KV cache's formats as resolved, and the header's words for them
    /// (`Deployment.precisionWords`): no output had named either.
    public let precision: Precision
    public let kvPrecision: Precision
    let precisionWords: String
    /// The GPU's fitted HBM energy, for `DecodeClockCaveat`'s note on the chosen decode setting.
    let hbmJoulesPerByte: Double

    /// Caps from the GPU's lowest allowed to its TDP and clocks from 30 % of boost to boost, in
    /// `steps` each, priced at `boundary` with `settings` (nil: the default PUE and utilization).
    public init(estimator: Estimator, base: DeploymentRequest, serving: ServingRequest, targets: Targets, steps: Int = 12,
                boundary: Boundary = .facility, settings: LedgerSettings? = nil) throws {
        self.base = base
        self.serving = serving
        self.targets = targets
        self.boundary = boundary
        let settings = try settings ?? LedgerSettings()
        pue = settings.pue
        let gpu = try estimator.gpus.gpu(base.gpu)
        clockAccuracy = estimator.leverAccuracy("clock", on: [gpu.id])
        hbmJoulesPerByte = estimator.calibration.coefficients(for: gpu).power.hbmJoulesPerByte
        func estimate(_ knob: Knob, _ value: Double) throws -> (ServingEstimate, Deployment) {
            var r = base
            r.powerCapWatts = knob == .powerCap ? value : base.powerCapWatts
            r.smClockMHz = knob == .clock ? value : base.smClockMHz
            let d = try estimator.deployment(r)
            return (try ServingEstimator(estimator: estimator, deployment: d).estimate(serving), d)
        }
        func point(_ knob: Knob, _ value: Double, _ run: (ServingEstimate, Deployment)) throws -> Point {
            let (e, d) = run
            // One ledger gives both the totals and their time-bound part (it was built twice a point).
            let amounts = try QueryLedger.Amounts(serving: e, deployment: d, outputTokens: serving.outputTokens, settings: settings)
            return Point(knob: knob, value: value, ttftMs: e.timeToFirstToken.seconds * 1000,
                         itlMs: ITLStatistic.mean.milliseconds(e, outputTokens: serving.outputTokens),
                         medianITLMs: ITLStatistic.median.milliseconds(e, outputTokens: serving.outputTokens),
                         p90ITLMs: ITLStatistic.p90.milliseconds(e, outputTokens: serving.outputTokens),
                         prefillJoules: e.prefill.energy.joules, decodeJoules: e.decode.energy.joules, gpuWatts: e.gpuPower.watts,
                         whPerQuery: amounts.totals, prefillTimeShare: Self.prefillTimeShare(e),
                         timeBoundJoules: Self.timeBoundJoules(amounts, serving: e, deployment: d, outputTokens: serving.outputTokens, settings: settings),
                         clockRangeNote: ClockRangeCaveat.note(d))
        }
        let deployment = try estimator.deployment(base)
        try KVCacheBudget.requireRoom(serving, on: deployment)
        (modelID, gpuID, gpuCount) = (deployment.model.id, deployment.gpu.id, deployment.gpuCount)
        parallelism = (deployment.tensorParallel, deployment.pipelineParallel, deployment.expertParallel)
        (precision, kvPrecision, precisionWords) = (deployment.precision, deployment.kvPrecision, deployment.precisionWords)
        // The default setting's estimate gives the batch that runs and its notes, and the first point.
        let first = try estimate(.none, 0)
        effectiveBatch = first.0.effectiveBatch
        // The caps tried start at the catalog's floor, which for nine GPUs is assumed (`PowerCapFloorCaveat`).
        // And estimate's caveats of the deployment (`QueryEstimate.deploymentCaveats`): tune had
        // dropped the dequantized weights and the AMD runs' gap, and never said a decoder was priced alone.
        notes = first.0.notes + [Self.unboundTargetNote(targets, outputTokens: serving.outputTokens),
                                 PowerCapFloorCaveat.tuningNote(gpu)].compactMap { $0 } + QueryEstimate.deploymentCaveats(deployment)
        let n = max(2, steps)
        let low: Double = gpu.powerCapRange.lowerBound, tdp: Double = gpu.tdp.watts, boost: Double = gpu.boostClock.megahertz
        let fractions: [Double] = (0..<n).map { Double($0) / Double(n - 1) }
        let caps = Self.distinct(fractions.map { low + (tdp - low) * $0 })
        let clocks = Self.clockSteps(fractions, boost: boost)
        points = try [point(.none, 0, first)] + caps.map { try point(.powerCap, $0, try estimate(.powerCap, $0)) }
            + clocks.map { try point(.clock, $0, try estimate(.clock, $0)) }
    }

    /// Why an ITL target cannot bind a one-token answer, or nil where it binds: it had been held
    /// to the step time, and refused every setting for an interval no client sees.
    public static func unboundTargetNote(_ targets: Targets, outputTokens: Int) -> String? {
        guard let limit = targets.itlMs, !ServingRequest.hasInterTokenInterval(outputTokens) else { return nil }
        return "the ITL target of \(formatNumber(limit)) ms cannot bind: one output token has no interval between tokens "
            + "(it comes from the step that ends the prompt), so no setting is refused for it"
    }

    /// Prefill's share of the query's GPU time: each phase's GPU energy over its mean power per GPU.
    static func prefillTimeShare(_ e: ServingEstimate) -> Double {
        func seconds(_ p: PhaseCost) -> Double { p.gpuPower.watts > 0 ? p.energy.joules / p.gpuPower.watts : 0 }
        let prefill = seconds(e.prefill), total = prefill + seconds(e.decode)
        return total > 0 ? prefill / total : 0
    }

    /// Clocks from 30 % of boost to boost at `fractions` of the way, on the 15 MHz grid drivers
    /// accept, and boost itself at the top: boosts off that grid (GB200 2062, RTX PRO 6000 2493
    /// MHz) had their top row at 2055 or 2490 MHz, not the default clock, and many steps repeated
    /// a rounded clock (96 duplicate rows at `--steps 200` on an L4).
    static func clockSteps(_ fractions: [Double], boost: Double) -> [Double] {
        distinct(fractions.map { f in f >= 1 ? boost : min(boost, (boost * (0.3 + 0.7 * f) / 15).rounded() * 15) })
    }

    /// The values in order, each once.
    static func distinct(_ values: [Double]) -> [Double] {
        var seen = Set<Double>()
        return values.filter { seen.insert($0).inserted }
    }

    /// A point without an ITL (a one-token answer) meets any ITL target (`unboundTargetNote`); the
    /// ITL target is judged on `targets.itlStatistic`.
    func meets(_ p: Point, prefill: Bool, decode: Bool) -> Bool {
        (!prefill || targets.ttftMs.map { p.ttftMs <= $0 } ?? true)
            && (!decode || targets.itlMs.map { limit in p.itlMs(targets.itlStatistic).map { $0 <= limit } ?? true } ?? true)
    }

    /// Whether `p` meets the targets that bear on `phase`.
    public func meets(_ p: Point, for phase: Phase) -> Bool {
        meets(p, prefill: phase != .decode, decode: phase != .prefill)
    }

    /// How much less than the default a setting must cost, relative to it, to be recommended
    /// over it: settings that change nothing (on an L4 every clock from 1260 MHz up runs as the
    /// power-limited default does) differ from the default by rounding alone, and the least of
    /// them had been recommended as a clock lock that "saves 0.0 %". Not tighter than 1e-6: the
    /// limiter settles a power-limited pass within 1e-7 of the cap, and a pass held by the board's
    /// limit retunes its tiles at the clock it settles on, so the same pass reached from another
    /// locked clock lands a few 1e-8 away.
    public static let tieTolerance = 1e-6

    /// The setting with the least energy for `phase` at `boundary` among those that meet its
    /// targets; the default where it meets them and costs no more than that least within `tieTolerance`.
    public func best(_ phase: Phase, at boundary: Boundary) -> Point? {
        let least = points.filter { meets($0, for: phase) }.min { $0.joules(phase, at: boundary) < $1.joules(phase, at: boundary) }
        guard let least, meets(baseline, for: phase),
              baseline.joules(phase, at: boundary) <= least.joules(phase, at: boundary) * (1 + Self.tieTolerance) else { return least }
        return baseline
    }

    /// The lowest-energy setting at the tuning's boundary for prefill (TTFT target), decode (ITL
    /// target) and the whole query (both).
    public var bestPrefill: Point? { best(.prefill, at: boundary) }
    public var bestDecode: Point? { best(.decode, at: boundary) }
    public var bestQuery: Point? { best(.query, at: boundary) }
    public var baseline: Point { points[0] }
}
