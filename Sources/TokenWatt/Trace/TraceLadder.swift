import Foundation
import KernelPower

/// The mean request of a stretch of a log, which sets what a batch ladder's rungs hold: the KV
/// cache's batch goes with the tokens a sequence keeps resident, the chunk mix of a step with
/// the prompt tokens per output token.
public struct RequestShape: Sendable, Equatable {
    public var inputTokens: Double
    public var outputTokens: Double

    public init(inputTokens: Double, outputTokens: Double) {
        self.inputTokens = inputTokens
        self.outputTokens = max(1, outputTokens)
    }

    /// The mean of `requests` (an output of at least one token, as the surfaces price it).
    public init(_ requests: [TraceRequest]) {
        let n = Double(max(1, requests.count))
        self.init(inputTokens: requests.reduce(0.0) { $0 + Double($1.inputTokens) } / n,
                  outputTokens: requests.reduce(0.0) { $0 + Double($1.outputTokens) } / n)
    }

    /// Tokens a sequence keeps in the KV cache on average: its prompt and half its answer.
    public var residentTokens: Double { inputTokens + outputTokens / 2 }
    public var promptPerOutput: Double { inputTokens / outputTokens }

    /// How far the log may drift from the shape a ladder was built for before it is priced on
    /// another. Where the KV cache binds, a rung's batch goes as 1 / resident tokens, so 1.1×
    /// bounds its error to 10 %: long requests after short ones on Llama-3.1-70B, 2 × H100, fp8,
    /// cost 1.337 Wh at batch 28 against 1.352 at batch 27 alone (one ladder: 1.239 at 37). The
    /// chunk mix moves the cost less, hence the wider 1.5×. Not fitted: the four bundled logs
    /// (resident tokens 0.78–1.19× their first rows', prompt per output 0.65–1.71×) build 2–5
    /// ladders at these and their totals move by at most 0.4 %.
    public static let residentTolerance = 1.1
    public static let mixTolerance = 1.5

    /// Whether a ladder built for `self` prices requests shaped like `other` (`residentTolerance`,
    /// `mixTolerance`); plain ratios, for the hot path of every row.
    func holds(_ other: RequestShape) -> Bool {
        let r = other.residentTokens / residentTokens, m = other.promptPerOutput / promptPerOutput
        return r <= Self.residentTolerance && r >= 1 / Self.residentTolerance && m <= Self.mixTolerance && m >= 1 / Self.mixTolerance
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

    init(estimator: Estimator, deployment d: Deployment, options: TraceReplay.Options, shape: RequestShape) throws {
        self.shape = shape
        var ladder: [ServingSurface] = []
        var b = 1
        while true {
            let s = try ServingSurface(estimator: estimator, deployment: d, maxBatch: b, tokenBudget: options.tokenBudget,
                                       meanResidentTokens: shape.residentTokens, meanOutput: shape.outputTokens)
            if let last = ladder.last, s.localBatch <= last.localBatch { break }  // the KV cache allows no more
            ladder.append(s)
            if b >= options.maxBatch { break }
            b = min(options.maxBatch, b * 2)
        }
        surfaces = ladder
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
        // The shape's average holds at least the last `arrivalsPerWindow` requests: over fewer
        // (a short window, a lull) its mean follows single requests, and a 2 s window on a log
        // of uniform lengths asked for a ladder every few rows.
        let kept = max(decay, 1 - 1 / TraceSummary.arrivalsPerWindow)
        shapeWeight *= kept
        inputSum *= kept
        outputSum *= kept
        if fits {
            shapeWeight += 1
            inputSum += Double(r.inputTokens)
            outputSum += Double(r.outputTokens)
        }
        recent.add(r, at: lastTime ?? r.timestamp)
        guard shapeWeight > 0 else { return }
        let now = RequestShape(inputTokens: inputSum / shapeWeight, outputTokens: outputSum / shapeWeight)
        guard !ladders[ladder].shape.holds(now), !unbuildable.contains(where: { $0.holds(now) }) else { return }
        let near = ladders.indices.filter { ladders[$0].shape.holds(now) }
        func closest(_ ks: [Int]) -> Int? { ks.min { ladders[$0].shape.drift(to: now) < ladders[$1].shape.drift(to: now) } }
        if let k = closest(near) {
            use(k)
        } else if ladders.count >= Self.maxLadders {
            if let k = closest(Array(ladders.indices)), k != ladder { use(k) }
        } else if let built = try? TraceLadder(estimator: estimator, deployment: deployment, options: options, shape: now) {
            ladders.append(built)
            use(ladders.count - 1)
        } else {
            // Its mean request fits no replica's KV cache at batch 1: the ladder in use goes on,
            // and this shape is not tried again.
            unbuildable.append(now)
        }
    }

    /// Ladders a replay builds at most (about 0.07 s each for Llama-3.1-70B on 4 × H100): a log
    /// drifting 30-fold, from 250 to 7,800 resident tokens, builds 37 at the 1.1× tolerance;
    /// past this the closest is used, and `shapeNote` says so.
    static let maxLadders = 64

    /// Prices the following requests on ladder `k`, its rungs' occupancy average taken up from
    /// the requests the old one's held: the first rows' share of the weight, and the recent
    /// requests' at their own weights (scaled to the rest of it, for those that left the ring).
    mutating func use(_ k: Int) {
        ladder = k
        surfaces = ladders[k].surfaces
        let clock = lastTime ?? 0
        let seeded = Self.meanOccupancy(of: seed, on: surfaces)
        let rest = max(0, occupancyWeight - seedWeight)
        let weights = recent.weights(now: clock, windowSeconds: options.windowSeconds)
        let ringWeight = weights.reduce(0, +)
        occupancySums = surfaces.indices.map { i in
            var ring = 0.0
            for (w, r) in zip(weights, recent.requests) { ring += w * surfaces[i].occupancySeconds(Self.call(r)) }
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
