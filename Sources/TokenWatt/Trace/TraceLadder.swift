import Foundation
import KernelPower

/// The mean request of a stretch of a log, which sets what a batch ladder's rungs hold: the KV
/// cache's batch goes with the tokens a sequence keeps resident, the chunk mix of a step with
/// the prompt tokens per output token.
public struct RequestShape: Sendable, Equatable {
    public var inputTokens: Double
    public var outputTokens: Double
    /// Tokens a sequence in the batch keeps in the KV cache, on average over the steps it decodes:
    /// each request's prompt and half its answer, weighed by its output tokens, since a long
    /// answer sits in the batch longer (`CallMix`, as a fleet class sizes its batch).
    public var residentTokens: Double

    /// A shape whose requests all have one length unless `residentTokens` says otherwise.
    public init(inputTokens: Double, outputTokens: Double, residentTokens: Double? = nil) {
        self.inputTokens = inputTokens
        self.outputTokens = max(1, outputTokens)
        self.residentTokens = residentTokens ?? inputTokens + max(1, outputTokens) / 2
    }

    /// The mean of `requests` (an output of at least one token, as the surfaces price it).
    public init(_ requests: [TraceRequest]) {
        let n = Double(max(1, requests.count))
        let steps = requests.reduce(0.0) { $0 + Self.steps($1) }
        self.init(inputTokens: requests.reduce(0.0) { $0 + Double($1.inputTokens) } / n,
                  outputTokens: requests.reduce(0.0) { $0 + Double($1.outputTokens) } / n,
                  residentTokens: steps > 0 ? requests.reduce(0.0) { $0 + Self.steps($1) * Self.resident($1) } / steps : nil)
    }

    /// The steps a request stays in the batch, at least one, and what it holds over them on average.
    static func steps(_ r: TraceRequest) -> Double { Double(max(1, r.outputTokens)) }
    static func resident(_ r: TraceRequest) -> Double { Double(r.inputTokens) + Double(r.outputTokens) / 2 }

    public var promptPerOutput: Double { inputTokens / outputTokens }

    /// How far the log may drift from the shape a ladder was built for before it is priced on
    /// another. Where the KV cache binds, a rung's batch goes as 1 / resident tokens, so 1.1×
    /// bounds its error to 10 %: long requests after short ones on Llama-3.1-70B, 2 × H100, fp8,
    /// cost 1.349 Wh at batch 27.2 against 1.352 at batch 27 alone (one ladder: 1.239 at 37). The
    /// chunk mix moves the cost less, hence the wider 1.5×. Not fitted: the four bundled logs
    /// (resident tokens 0.78–1.19× their first rows', prompt per output 0.65–1.71×) build 1–3
    /// ladders at these and their totals move by at most 0.4 %.
    public static let residentTolerance = 1.1
    public static let mixTolerance = 1.5

    /// Requests the rolling shape averages over at least, whatever the window: over fewer its
    /// mean follows the requests' spread, not a change of mix (over 50, the Azure conversation
    /// hour at a 3 s window moved past 1.1× every few dozen rows and switched ladders thousands
    /// of times, 10.9 s against 0.17 s for the same total; now 3 ladders, 0.5 s). More makes the
    /// shape lag a change: over 1,000, long requests after short ones at one per 1.2 s were still
    /// priced 4.3 % low 1,000 requests later (−0.2 % over 200).
    public static let minimumRequests = 200.0

    /// Requests between two looks at the shape: it moves over hundreds of requests, and a look
    /// that leads to another ladder costs a pass over the recent requests.
    static let checkEvery = 64

    /// Whether a ladder built for `self` prices requests shaped like `other` (`residentTolerance`,
    /// `mixTolerance`): plain ratios, no logarithms, for the look every `checkEvery` rows.
    func holds(_ other: RequestShape) -> Bool {
        let r = other.residentTokens / residentTokens
        return r <= Self.residentTolerance && r >= 1 / Self.residentTolerance && holdsMix(other)
    }

    /// Whether `other`'s prompt tokens per output token are within `mixTolerance` of these.
    func holdsMix(_ other: RequestShape) -> Bool {
        let m = other.promptPerOutput / promptPerOutput
        return m <= Self.mixTolerance && m >= 1 / Self.mixTolerance
    }

    /// The drift from `self` to `other` in units of the tolerances (1 at the edge of `holds`).
    func drift(to other: RequestShape) -> Double {
        max(abs(log(other.residentTokens / residentTokens)) / log(Self.residentTolerance),
            abs(log(other.promptPerOutput / promptPerOutput)) / log(Self.mixTolerance))
    }
}

/// Serving surfaces at batches 1, 2, 4, … up to the batch limit, or up to what the KV cache
/// holds for requests of `shape`.
struct TraceLadder {
    let shape: RequestShape
    let surfaces: [ServingSurface]
    /// Sequences per attention rank on the top rung: shapes that give the same run the same
    /// batches on every rung (each is the smaller of its batch and the top's).
    let topBatch: Int
    /// The first rows' mean occupancy on each rung (`TraceReplay.meanOccupancy`), which every
    /// ladder's average starts from.
    let seedOccupancy: [Double]

    init(estimator: Estimator, deployment d: Deployment, options: TraceReplay.Options, shape: RequestShape, seed: [TraceRequest]) throws {
        self.shape = shape
        var ladder: [ServingSurface] = []
        var b = 1
        while true {
            let s = try ServingSurface(estimator: estimator, deployment: d, maxBatch: b, tokenBudget: options.tokenBudget,
                                       meanResidentTokens: shape.residentTokens, meanOutput: shape.outputTokens, meanPrompt: shape.inputTokens)
            if let last = ladder.last, s.localBatch <= last.localBatch { break }  // the KV cache allows no more
            ladder.append(s)
            if b >= options.maxBatch { break }
            b = min(options.maxBatch, b * 2)
        }
        surfaces = ladder
        topBatch = ladder.last!.localBatch
        seedOccupancy = TraceReplay.meanOccupancy(of: seed, on: ladder)
    }

    /// The top rung's sequences per rank for requests of `shape` (nil when one does not fit).
    static func topBatch(deployment d: Deployment, options: TraceReplay.Options, shape: RequestShape) -> Int? {
        try? ServingSurface.inFlight(deployment: d, maxBatch: options.maxBatch, tokenBudget: options.tokenBudget,
                                     meanResidentTokens: shape.residentTokens, meanOutput: shape.outputTokens,
                                     meanPrompt: shape.inputTokens).2.local
    }

    /// Whether this ladder prices requests of `shape` (of top batch `top`) as one built for them
    /// would: within the tolerances, or with the same batch on every rung and a mix near its own
    /// (with `--max-batch 1`, or below the KV cache's limit, a new ladder changed no price).
    func serves(_ shape: RequestShape, top: Int) -> Bool {
        self.shape.holds(shape) || (top == topBatch && self.shape.holdsMix(shape))
    }
}

/// The latest requests of a log, at the clock they were priced at, so that a new ladder's rungs
/// can take up the occupancy average where the old one's left it (`TraceReplay`). A ring of
/// `capacity` requests: at the default 300 s window it holds every arrival of the last 10
/// windows (weights above e^−10) up to 3 requests a second, and the recent rest beyond.
struct RecentRequests {
    static let capacity = 8192
    private(set) var times: [Double] = []
    private(set) var requests: [TraceRequest] = []
    private var next = 0

    mutating func add(_ r: TraceRequest, at clock: Double) {
        if times.count < Self.capacity {
            times.append(clock)
            requests.append(r)
        } else {
            times[next] = clock
            requests[next] = r
            next = (next + 1) % Self.capacity
        }
    }

    /// Each request's weight in the rate's average now: e^(−age/window).
    func weights(now: Double, windowSeconds: Double) -> [Double] {
        times.map { exp(-(now - $0) / windowSeconds) }
    }
}

extension TraceReplay {
    /// Adds `r` to the log's rolling shape, and moves to a ladder for that shape when the one in
    /// use no longer holds it: one built before for a shape near it, or a new one. A request no
    /// replica holds alone is left out of the shape, as out of the first rows' (`TraceSample`).
    mutating func followShape(_ r: TraceRequest, decay: Double, fits: Bool) {
        seedWeight *= decay
        let kept = max(decay, 1 - 1 / RequestShape.minimumRequests)
        shapeWeight *= kept
        inputSum *= kept
        outputSum *= kept
        stepSum *= kept
        residentSum *= kept
        if fits {
            shapeWeight += 1
            inputSum += Double(r.inputTokens)
            outputSum += Double(r.outputTokens)
            stepSum += RequestShape.steps(r)
            residentSum += RequestShape.steps(r) * RequestShape.resident(r)
        }
        recent.add(r, at: lastTime ?? r.timestamp)
        sinceShapeCheck += 1
        guard sinceShapeCheck >= RequestShape.checkEvery, shapeWeight > 0 else { return }
        sinceShapeCheck = 0
        let now = RequestShape(inputTokens: inputSum / shapeWeight, outputTokens: outputSum / shapeWeight,
                               residentTokens: stepSum > 0 ? residentSum / stepSum : nil)
        guard !ladders[ladder].shape.holds(now) else { return }
        // Its mean request fits no replica's KV cache at batch 1: the ladder in use goes on.
        guard let top = TraceLadder.topBatch(deployment: deployment, options: options, shape: now) else { return }
        let near = ladders.indices.filter { ladders[$0].serves(now, top: top) }
        func closest(_ ks: [Int]) -> Int? { ks.min { ladders[$0].shape.drift(to: now) < ladders[$1].shape.drift(to: now) } }
        if near.contains(ladder) { return }
        if let k = closest(near) {
            use(k)
        } else if ladders.count >= Self.maxLadders {
            if let k = closest(Array(ladders.indices)), k != ladder { use(k) }
        } else if let built = try? TraceLadder(estimator: estimator, deployment: deployment, options: options, shape: now, seed: seed) {
            ladders.append(built)
            use(ladders.count - 1)
        }
    }

    /// Ladders a replay builds at most (about 0.07 s each for Llama-3.1-70B on 4 × H100): a log
    /// drifting 35-fold, from 225 to 7,970 resident tokens, builds 13 (rungs whose batches the
    /// KV cache does not yet bound are shared); past this the closest is used, and `shapeNote`
    /// says so.
    static let maxLadders = 64

    /// Prices the following requests on ladder `k`, its rungs' occupancy average taken up from
    /// the requests the old one's held: the first rows' share of the weight, and the recent
    /// requests' at their own weights (scaled to the rest of it, for those that left the ring).
    mutating func use(_ k: Int) {
        ladder = k
        surfaces = ladders[k].surfaces
        let clock = lastTime ?? 0
        let seeded = ladders[k].seedOccupancy
        let rest = max(0, occupancyWeight - seedWeight)
        // Requests older than 30 windows (weight under 1e-13) are left out: under a 1 s window
        // most of the ring, and weighing them made each switch cost 8,192 occupancies a rung.
        let weighed = zip(recent.weights(now: clock, windowSeconds: options.windowSeconds), recent.requests)
            .filter { $0.0 > 1e-13 }.map { (w: $0.0, call: Self.call($0.1)) }
        let ringWeight = weighed.reduce(0) { $0 + $1.w }
        occupancySums = surfaces.indices.map { i in
            var ring = 0.0
            for (w, call) in weighed { ring += w * surfaces[i].occupancySeconds(call) }
            return seedWeight * seeded[i] + (ringWeight > 0 ? ring / ringWeight * rest : 0)
        }
    }

    /// The shapes of the ladders built, in the order they were (the first rows' first).
    public var ladderShapes: [RequestShape] { ladders.map(\.shape) }

    /// Says how the requests' shape moved when they were priced on more than one ladder.
    public var shapeNote: String? {
        guard ladders.count > 1 else { return nil }
        let resident = ladders.map(\.shape.residentTokens)
        return "the requests' mean length drifted (tokens a sequence keeps resident: \(formatNumber(resident.min()!, significant: 3))"
            + "–\(formatNumber(resident.max()!, significant: 3))): \(ladders.count) batch ladders were built, each request priced on the one for the "
            + "mean shape of the requests of the last --window-s"
            + (ladders.count >= Self.maxLadders ? " (the most a replay builds: later shapes were priced on the closest)" : "")
    }
}
