import Foundation
import KernelPower

/// Replays a request log against one deployment (`replicas` copies of it). The load a request
/// arrives into (an exponentially weighted arrival rate) sets how many sequences share each step:
/// the smallest batch whose throughput carries the load, and the share of time the deployment is
/// busy at all. A quiet hour therefore runs small batches and idles, and each query costs more.
public struct TraceReplay {
    public struct Options: Sendable {
        public var maxBatch = 256
        public var tokenBudget = 8192
        public var replicas = 1
        /// Time constant of the arrival-rate average, seconds.
        public var windowSeconds = 300.0
        /// What `--window-s` takes: one second up to 10^7 s (116 days), longer than any log whose
        /// requests a rate average could follow. `TraceSummary.windowNote` advises within it.
        public static let windowSecondsRange = 1.0...1e7
        public var boundary = Boundary.facility
        public var pue = LedgerSettings.defaultPUE
        public init() {}
    }

    /// What one request cost.
    public struct Priced: Sendable {
        public var request: TraceRequest
        /// Sequences in flight while it ran (all ranks) and the share of time the deployment was busy.
        public var batch: Double
        public var busyFraction: Double
        public var gpuWh: Double
        public var wh: Double
        /// `wh` with the GPU energy at the two ends of the measured error band (nil without a band).
        public var whLow: Double?
        public var whHigh: Double?
        public var overloaded: Bool
        /// Sequences in flight (all ranks) on the top rung of the ladder that priced it: the most
        /// a replica runs for requests of the log's shape then (`--max-batch`, or what the KV
        /// cache holds).
        public var topBatch = 0
        /// Whether the request is longer than the model's context window (costed as logged).
        public var overContext = false
        /// Whether one sequence of it at its full length does not fit in a replica's KV cache even
        /// alone (`OneSequenceRoom`): an engine would refuse or preempt it; costed as logged.
        public var overKVCache = false
        /// Whether it is logged earlier than the request before it (priced at the rate so far).
        public var outOfOrder = false
        /// Of `wh`, the replicas' idle charged to this request (none inside the `it` boundary).
        public var idleWh = 0.0
        /// The replicas' idle just before this arrival, which the hourly profile books in the
        /// hours it happened (nil when the replicas were busy up to it).
        public var idleBefore: IdleStretch?
    }

    /// A stretch in which every replica stood idle, and its draw at the chosen boundary.
    public struct IdleStretch: Sendable {
        public var from: Double
        public var to: Double
        public var wattHoursPerSecond: Double
    }

    let deployment: Deployment
    let options: Options
    let estimator: Estimator
    /// Surfaces at a ladder of batch sizes, with the requests per second each can carry: those of
    /// `ladders[ladder]`, the ladder for the recent requests' shape.
    var surfaces: [ServingSurface]
    /// The ladders built so far, each for the shape the log had when it was built (the first for
    /// the first rows'), and which one prices the requests now. Built once for the first rows,
    /// the ladder priced a log whose requests grew long at the KV-cache batch of its short ones:
    /// 8,000 + 1,000-token requests after 200 + 50-token ones on Llama-3.1-70B, 2 × H100, fp8, at
    /// 0.99 Wh and batch 256 where alone they cost 1.35 Wh at batch 27.
    var ladders: [TraceLadder]
    var ladder = 0
    /// Requests priced since the shape was last looked at (`RequestShape.checkEvery`).
    var sinceShapeCheck = 0
    /// The recent requests' input and output tokens and their weight, decayed as the
    /// occupancy is: the log's shape now.
    var shapeWeight: Double
    var inputSum: Double
    var outputSum: Double
    /// The same requests' decode steps, and their resident tokens weighed by them (`RequestShape.residentTokens`).
    var stepSum: Double
    var residentSum: Double
    /// Of `occupancyWeight`, what is left of the first rows' starting weight, and those rows,
    /// whose mean occupancy a new ladder's rungs start from as the first one's did.
    var seedWeight: Double
    let seed: [TraceRequest]
    var recent = RecentRequests()
    /// The recent requests' occupancy on each rung, weighted as the arrival rate weights them
    /// (e^(−age/window)), and the sum of the weights: a rung carries 1 / their mean occupancy
    /// requests a second (`capacity`). Fixed by the log's first rows, the ladder priced a log
    /// whose mix changed 2–3× off: the Azure conversation hour after the code hour at batch 4
    /// instead of 16, 28.8 kW for two 4 × H100 replicas, where both hours traced alone cost 16.6
    /// kWh against 35.5.
    var occupancySums: [Double]
    var occupancyWeight: Double
    /// Whether a request fits in a replica's KV cache alone.
    let room: OneSequenceRoom
    /// The estimator's measured error on this GPU (`ErrorBands`); nil under another calibration.
    public let errorBand: ErrorBand?
    var rate = 0.0
    var lastTime: Double?
    /// The requests still to come of a group that arrived at one instant, and that instant.
    var simultaneous = 0
    var simultaneousTime = 0.0
    /// The replicas' idle time, so that the requests' idle charges add up to it.
    var idle = IdleLedger()

    /// Builds the batch ladder for requests shaped like `sample` (the log's first rows).
    public init(estimator: Estimator, deployment d: Deployment, options: Options, sample: [TraceRequest]) throws {
        guard !sample.isEmpty else { throw FleetError(description: "the request log holds no requests") }
        deployment = d
        self.options = options
        self.estimator = estimator
        errorBand = estimator.errorBand(for: d.gpu.id)
        room = OneSequenceRoom(deployment: d, tokenBudget: options.tokenBudget)
        let shape = RequestShape(sample)
        let first = try TraceLadder(estimator: estimator, deployment: d, options: options, shape: shape, seed: sample)
        ladders = [first]
        surfaces = first.surfaces
        // The span of the sample, not its first and last rows: a log slightly out of time order
        // would otherwise start with no arrival rate at all.
        let times = sample.map(\.timestamp)
        if sample.count > 1, let first = times.min(), let last = times.max() {
            // A sample logged at one instant is a burst: the rate its rows would give the average
            // (one 1/window each). From 0 the burst's second request was charged 300 s of idle
            // per replica, which no later request could take back (114 Wh for 1.3).
            rate = last > first ? Double(sample.count - 1) / (last - first) : Double(sample.count) / options.windowSeconds
        }
        // The sample's occupancy starts the average with the weight the window gives the
        // arrivals it holds at the starting rate (as the rate itself starts), so it fades at the
        // window's pace once the log's own requests come.
        let weight = max(1, rate * options.windowSeconds)
        occupancyWeight = weight
        seedWeight = weight
        shapeWeight = weight
        seed = sample
        inputSum = shape.inputTokens * weight
        outputSum = shape.outputTokens * weight
        stepSum = shape.outputTokens * weight
        residentSum = shape.residentTokens * stepSum
        occupancySums = first.seedOccupancy.map { $0 * weight }
    }

    /// The mean occupancy of `requests` on each rung, not the occupancy of their mean request:
    /// prefill grows faster than the prompt, so a log of mixed lengths holds a replica longer
    /// than its mean request would (the fleet's busy share counts it so too).
    static func meanOccupancy(of requests: [TraceRequest], on surfaces: [ServingSurface]) -> [Double] {
        let calls = requests.map(Self.call)
        return surfaces.map { s in calls.reduce(0) { $0 + s.occupancySeconds($1) } / Double(calls.count) }
    }

    /// Requests per second rung `k` carries: 1 / the recent requests' mean occupancy on it.
    func capacity(_ k: Int) -> Double { occupancyWeight / max(1e-12, occupancySums[k]) }

    /// Prices the next request of the log (in arrival order).
    /// - Parameter together: the requests after this one that arrive at the same instant, as
    ///   far as the caller has read ahead (`price(_:rest:into:each:)` finds them); read only at
    ///   the first request of such a group. The group is one arrival: its requests join the rate,
    ///   the occupancy average and the log's shape together before the first is priced, so each
    ///   sees the same load, and the idle the gap before them releases is shared evenly. Priced
    ///   one by one, each saw the rate 1/window higher than the one before and the first took
    ///   all the release: two 100 + 10-token requests logged at one second cost 13.80 and 9.20 Wh
    ///   on one H100 (Llama-3.1-8B, facility); they now cost 9.20 Wh each.
    public mutating func price(_ r: TraceRequest, together: [TraceRequest] = []) -> Priced {
        let outOfOrder = lastTime.map { r.timestamp < $0 } ?? false
        let joins = simultaneous > 0 && r.timestamp == simultaneousTime
        if joins { simultaneous -= 1 } else { simultaneous = together.count; simultaneousTime = r.timestamp }
        let (dt, decay) = advanceClock(to: r.timestamp, joining: joins, arriving: joins ? 0 : together.count)
        let perReplica = rate / Double(options.replicas)
        // The request joins the occupancy average before its rung is chosen, with the rate's
        // decay: the ladder follows the log's mix as the rate follows its load. A group joins
        // whole at its first request.
        if !joins {
            for (i, m) in ([r] + together).enumerated() {
                let d = i == 0 ? decay : 1
                let memberCall = Self.call(m)
                occupancyWeight = occupancyWeight * d + 1
                for k in surfaces.indices {
                    occupancySums[k] = occupancySums[k] * d + surfaces[k].occupancySeconds(memberCall)
                }
                followShape(m, decay: d, fits: room.fits(inputTokens: m.inputTokens, outputTokens: m.outputTokens))
            }
        }
        let call = Self.call(r)
        let fits = room.fits(inputTokens: r.inputTokens, outputTokens: r.outputTokens)
        let (lo, hi, w, overloaded) = rung(perReplica: perReplica)
        // Energy only on the two rungs the request is priced between.
        let a = surfaces[lo].cost(call), c = hi == lo ? a : surfaces[hi].cost(call)
        let gpuJ = (a.prefillJoules + a.decodeJoules) * (1 - w) + (c.prefillJoules + c.decodeJoules) * w
        let occ = a.occupancySeconds * (1 - w) + c.occupancySeconds * w
        let meanOcc = 1 / capacity(lo) * (1 - w) + 1 / capacity(hi) * w
        let busy = overloaded ? 1 : min(1, perReplica * meanOcc)
        let s = surfaces[hi]
        let batch = 1 / ((1 - w) / Double(surfaces[lo].localBatch) + w / Double(s.localBatch))
        let charge = idle.charge(arrivalAt: r.timestamp, replicas: options.replicas, windowSeconds: options.windowSeconds,
                                 estimate: busy > 0 ? occ * (1 - busy) / busy : 0, occupancy: occ, known: (dt, decay),
                                 sharedWith: joins ? nil : simultaneous)
        let wh = wattHours(gpuJoules: gpuJ, occupancy: occ, idleSeconds: charge.seconds, surface: s)
        var p = Priced(request: r, batch: batch * Double(deployment.attentionRanks), busyFraction: busy, gpuWh: gpuJ / 3600,
                       wh: wh, whLow: errorBand.map { wh + ($0.ratioLow - 1) * gpuJ / 3600 * whPerGPUWh },
                       whHigh: errorBand.map { wh + ($0.ratioHigh - 1) * gpuJ / 3600 * whPerGPUWh }, overloaded: overloaded,
                       overContext: deployment.exceedsContext(tokens: r.inputTokens + r.outputTokens), outOfOrder: outOfOrder)
        p.overKVCache = !fits
        p.topBatch = surfaces[surfaces.count - 1].localBatch * deployment.attentionRanks
        p.idleWh = idleWattHours(replicaSeconds: charge.seconds)
        if let from = charge.idleFrom, let to = charge.idleTo {
            p.idleBefore = IdleStretch(from: from, to: to, wattHoursPerSecond: idleWattHours(replicaSeconds: Double(options.replicas)))
        }
        return p
    }

    /// Moves the clock to an arrival at `time` and decays the arrival rate over the gap, adding
    /// the arrival; returns the gap `dt` (s) and the decay e^(−dt/window), both 0 and 1 for the
    /// first request. A request logged out of order adds no time: it is priced as if it came no
    /// earlier than the latest so far. Taking its time as the clock's made the next row's gap too
    /// long, the rate too low and the batch too small (±0.5 s of jitter on the Azure conversation
    /// hour cost +46 %).
    /// A request `joining` a group that arrived at the same instant adds nothing: the group's
    /// first request added all of it, its own arrival and the `arriving` others.
    mutating func advanceClock(to time: Double, joining: Bool = false, arriving others: Int = 0) -> (dt: Double, decay: Double) {
        var decay = 1.0, dt = 0.0
        if let t = lastTime {
            dt = max(0, time - t)
            decay = exp(-dt / options.windowSeconds)
            if !joining { rate = rate * decay + Double(1 + others) / options.windowSeconds }
        } else {
            // The log's first request is in the starting rate already (`init`); the others of a
            // burst at that first instant are added as arrivals, as the replay one row at a time
            // added them before bursts were priced together, so a log's total stays as it was.
            rate += Double(others) / options.windowSeconds
        }
        lastTime = max(lastTime ?? time, time)
        return (dt, decay)
    }

    /// The two rungs a replica's load `perReplica` (requests a second) is priced between and the
    /// weight `w` of the upper one `hi`: the smallest rung that carries the load, and whether even
    /// the largest does not (`overloaded`: priced on it alone). Between two rungs a request's
    /// occupancy and energy both go about as a + b/batch (a step's fixed cost shared by its
    /// sequences), so they are interpolated in 1/batch, at the batch whose occupancy is 1/λ:
    /// linear in log capacity they overpriced the middle of a rung by up to 11 % against
    /// `estimate --load` (0.5 q/s between batches 8 and 16).
    func rung(perReplica: Double) -> (lo: Int, hi: Int, w: Double, overloaded: Bool) {
        let hi = surfaces.indices.first { capacity($0) >= perReplica } ?? (surfaces.count - 1)
        let overloaded = capacity(hi) < perReplica
        let lo = max(0, hi - 1)
        var w = 1.0
        if hi > lo && !overloaded {
            let oLo = 1 / capacity(lo), oHi = 1 / capacity(hi)
            w = oLo > oHi ? max(0, min(1, (oLo - 1 / perReplica) / (oLo - oHi))) : 1
        }
        return (lo, hi, w, overloaded)
    }

    /// A logged request as the serving surface prices it (a prompt of at least one token).
    static func call(_ r: TraceRequest) -> [ModelCall] {
        [ModelCall(newTokens: max(1, r.inputTokens), cachedTokens: 0, outputTokens: r.outputTokens, sequences: 1)]
    }

    /// Wh at the chosen boundary per Wh of GPU energy: host, idle and PUE terms do not move with
    /// it, the PSU loss and the facility overhead do (as in `wattHours`).
    public var whPerGPUWh: Double {
        switch options.boundary {
        case .gpu: return 1
        case .node, .it: return 1 / deployment.node.psuEfficiency
        case .facility: return options.pue / deployment.node.psuEfficiency
        }
    }

    /// A log's total Wh with its GPU energy at both ends of the measured error band.
    public struct TotalRange: Sendable {
        public var band: ErrorBand
        public var low: Double
        public var high: Double
        /// What the band's runs are beyond its ends (`ErrorBands.caveat`), as estimate says it: the
        /// trace had dropped it, so an MI300X's band read as measured ("holds no AMD GPU" unsaid).
        public var caveat = ""
    }

    public func totalRange(_ s: TraceSummary) -> TotalRange? {
        guard let b = errorBand else { return nil }
        return TotalRange(band: b, low: s.totalWh + (b.ratioLow - 1) * s.gpuWh * whPerGPUWh,
                          high: s.totalWh + (b.ratioHigh - 1) * s.gpuWh * whPerGPUWh,
                          caveat: ErrorBands.bundled.caveat(for: deployment.gpu, catalog: estimator.gpus))
    }

    /// Idle Wh at the chosen boundary that no request had been charged when the log ended (the
    /// part of the replicas' idle time the rate window had not yet passed on; `IdleLedger`).
    public var owedIdleWh: Double { idleWattHours(replicaSeconds: idle.owedSeconds) }

    /// A warning when the requests' occupancy outran the replicas though none counted as
    /// overloaded: work still queued when the log ended (`IdleLedger`) of more than a window of
    /// the replicas' time and 1 % of their time over the log (the last requests of any log are
    /// still being served when it ends: two requests a second apart queued 83 % of that second). With a ladder fixed by the first rows, a conversation hour
    /// after a code hour queued 3× the replicas' time and drew 28.8 kW from two 4 × H100
    /// replicas, with no word; each rung now follows the mix, and this says when that was not enough.
    public func unservedNote(_ s: TraceSummary) -> String? {
        let span = Double(options.replicas) * s.durationSeconds
        let window = Double(options.replicas) * options.windowSeconds
        guard s.overloaded == 0, span > 0, idle.backlogSeconds > max(0.01 * span, window) else { return nil }
        return "the requests occupy the \(options.replicas) replica\(options.replicas == 1 ? "" : "s") "
            + "\(formatNumber(idle.backlogSeconds / span * 100, significant: 3)) % longer than the log lasts, "
            + "though none arrived above a rung's capacity: the hours' power may exceed what the replicas can draw; "
            + "more replicas, a larger --max-batch or a shorter --window-s would show where"
    }

    /// Adds what is owed to the summary's total, once the log has been read.
    public func close(_ summary: inout TraceSummary) {
        summary.owedIdleWh = owedIdleWh
    }

    /// Wh at the chosen boundary of replica-seconds of idle: none inside the node boundary.
    func idleWattHours(replicaSeconds: Double) -> Double {
        let wh = surfaces[0].idleWallPower * replicaSeconds / 3600
        switch options.boundary {
        case .gpu, .node: return 0
        case .it: return wh
        case .facility: return wh * options.pue
        }
    }

    /// A request's energy at the chosen boundary, as the fleet ledger counts it, with
    /// `idleSeconds` replica-seconds of idle (`idleWattHours`: at the `it` boundary and beyond).
    func wattHours(gpuJoules: Double, occupancy: Double, idleSeconds: Double, surface s: ServingSurface) -> Double {
        let gpus = Double(deployment.gpuCount)
        let node = (gpuJoules + s.hostWattsPerGPU * gpus * occupancy) / s.psuEfficiency
        let active: Double
        switch options.boundary {
        case .gpu: active = gpuJoules
        case .node, .it: active = node
        case .facility: active = node * options.pue
        }
        return active / 3600 + idleWattHours(replicaSeconds: idleSeconds)
    }
}
