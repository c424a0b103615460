import Foundation
import KernelPower

/// Wh per request as a closed form of its token counts, for a deployment serving at steady
/// state: the serving surface `fleet` and `trace` price queries with (decode-step energy and time
/// piecewise linear in context, prompt chunks log-log interpolated on a grid of chunk lengths with
/// a term per cached token), and the ledger's boundaries. `estimate --method surface` evaluates it in
/// Swift; `export-sql` writes the same arithmetic as SQL, so a warehouse gets the same numbers.
public struct TokenFormula: Sendable {
    /// One grid segment of prompt-chunk cost: for n in (nLow, nHigh], value = exp(a + s·(ln n − ln nLow)),
    /// or, where a grid value is zero, linear: value = v0 + s·(n − nLow).
    struct Segment: Sendable {
        var nLow: Double, nHigh: Double
        var logLog: Bool
        var a: Double, s: Double
        func value(_ n: Double) -> Double { logLog ? exp(a + s * (log(n) - log(nLow))) : a + s * (n - nLow) }
    }

    public let deployment: Deployment
    public let boundary: Boundary
    public let pue: Double
    public let utilization: Utilization
    /// Sequences in flight per attention rank, and the chunk length of chunked prefill.
    public let localBatch: Int
    /// Sequences of the reference request the KV cache holds, and what holds the batch below the
    /// one asked for (`ServingSurface`), for `estimate --method surface`'s JSON.
    public let maxBatch: Int, batchLimit: BatchLimit
    let chunk: Double
    let ranks: Double, gpus: Double
    /// Per-GPU decode step (J, s) by mean context, and a prompt chunk's extra cost per token by
    /// the tokens cached before it: the surface's curves.
    let decodeEnergy: CostCurve, decodeTime: CostCurve
    let energySegments: [Segment], timeSegments: [Segment]
    let pastEnergy: CostCurve, pastTime: CostCurve
    let hostWattsPerGPU: Double, psuEfficiency: Double, idleWallPower: Double
    /// Busy fraction for `.busyFraction` and `.load` (nil: idle is a share of active energy).
    let busy: Double?
    /// The estimator's measured error on this GPU (`ErrorBands`); nil under another calibration.
    public let errorBand: ErrorBand?
    /// What the band's runs are beyond its ends (`ErrorBands.caveat`), "" without a band or caveat:
    /// export-sql had printed an MI300X's band without "holds no AMD GPU", which estimate says.
    public let bandCaveat: String
    /// Tokens the reference request keeps in the KV cache on average (input + output/2).
    let referenceResidentTokens: Double
    /// What qualifies the reference request, as `estimate` says it: a reference longer than the
    /// model's context window (200,000 + 1,000 tokens on Llama-3.1-70B's 131,072) is costed as
    /// asked, which export-sql had done without a word.
    public let notes: [String]
    /// Whether one sequence fits in one engine's KV cache alone at its full length: the free bytes
    /// and KV bytes per token `estimate` and `trace` test a request with (`OneSequenceRoom`), for
    /// export-sql's `over_kv_cache`.
    let room: OneSequenceRoom

    /// The batch is `batch` or what the KV cache holds for the reference request (`input`, `output`).
    public init(estimator: Estimator, deployment d: Deployment, batch: Int, input: Int, output: Int, tokenBudget: Int = 8192,
                settings: LedgerSettings, boundary: Boundary) throws {
        let s = try ServingSurface(estimator: estimator, deployment: d, maxBatch: batch, tokenBudget: tokenBudget,
                                   meanResidentTokens: Double(input) + Double(output) / 2, meanOutput: Double(max(1, output)))
        deployment = d
        self.boundary = boundary
        pue = settings.pue
        utilization = settings.utilization
        localBatch = s.localBatch
        (maxBatch, batchLimit) = (s.maxBatch, s.batchLimit)
        chunk = Double(s.chunk)
        ranks = Double(d.attentionRanks)
        gpus = Double(d.gpuCount)
        (decodeEnergy, decodeTime) = (s.decodeEnergy, s.decodeTime)
        (pastEnergy, pastTime) = (s.pastEnergy, s.pastTime)
        energySegments = Self.segments(s.grid.map { ($0.n, $0.e) })
        timeSegments = Self.segments(s.grid.map { ($0.n, $0.t) })
        hostWattsPerGPU = s.hostWattsPerGPU
        psuEfficiency = s.psuEfficiency
        idleWallPower = s.idleWallPower
        errorBand = estimator.errorBand(for: d.gpu.id)
        bandCaveat = errorBand != nil ? ErrorBands.bundled.caveat(for: d.gpu, catalog: estimator.gpus) : ""
        referenceResidentTokens = Double(input) + Double(output) / 2
        room = OneSequenceRoom(deployment: d, tokenBudget: tokenBudget, memoryUtilization: d.memoryUtilization)
        notes = [d.contextNote(tokens: input + output)].compactMap { $0 }.map { "reference request: \($0)" }
        switch settings.utilization {
        case let .busyFraction(f): busy = f
        case let .load(q):
            let occupancy = Self.occupancy(s, input: input, output: output)
            guard q * occupancy <= 1 else {
                throw DeploymentError.invalidShape("load \(formatNumber(q)) queries/s is above what the deployment serves (\(formatNumber(1 / occupancy, significant: 4)) queries/s)")
            }
            busy = q * occupancy
        case .idleShareOfActive: busy = nil
        }
    }

    /// What the surface's price of a request far from the reference means. The surface charges a
    /// request its share of each step it is in, at the batch the reference's KV footprint allows;
    /// a request holding several times that footprint crowds out others it is not charged for, and
    /// `estimate` prices a batch of requests like it at the smaller batch that fits (a probe found
    /// 1000 + 8000 tokens on Qwen3-30B-A3B at 0.56 Wh here against 1.16 from `estimate`).
    public func shareNote(input: Int, output: Int) -> String? {
        let ratio = (Double(input) + Double(output) / 2) / referenceResidentTokens
        guard ratio >= 2 || ratio <= 0.5 else { return nil }
        return "this request keeps \(formatNumber(ratio, significant: 2))× the reference request's tokens in the KV cache; the surface prices it as "
            + "one of the \(localBatch * Int(ranks)) reference-sized sequences in flight, its share of each step and not of the cache "
            + "(estimate without --method surface prices a batch of requests like it)"
    }

    static func occupancy(_ s: ServingSurface, input: Int, output: Int) -> Double {
        s.cost([ModelCall(newTokens: input, cachedTokens: 0, outputTokens: output, sequences: 1)]).occupancySeconds
    }

    static func segments(_ grid: [(Double, Double)]) -> [Segment] {
        // A one-point grid (a one-token chunk) is a constant.
        if grid.count == 1, let p = grid.first { return [Segment(nLow: p.0, nHigh: p.0, logLog: false, a: p.1, s: 0)] }
        return zip(grid, grid.dropFirst()).map { lo, hi in
            lo.1 > 0 && hi.1 > 0 && hi.0 > lo.0 && !ServingSurface.isLinearSegment(lo.0, hi.0)
                ? Segment(nLow: lo.0, nHigh: hi.0, logLog: true, a: log(lo.1), s: (log(hi.1) - log(lo.1)) / (log(hi.0) - log(lo.0)))
                : Segment(nLow: lo.0, nHigh: hi.0, logLog: false, a: lo.1, s: hi.0 > lo.0 ? (hi.1 - lo.1) / (hi.0 - lo.0) : 0)
        }
    }

    /// The grid value at n (1 ≤ n ≤ chunk): the first segment whose upper end reaches n.
    static func interpolate(_ segments: [Segment], _ n: Double) -> Double {
        (segments.first { n <= $0.nHigh } ?? segments[segments.count - 1]).value(n)
    }

    /// Prompt cost of `input` new tokens, per GPU: K full chunks and a remainder, each after the
    /// tokens before it (closed form of the chunk loop).
    func prefill(_ input: Double, segments: [Segment], past: CostCurve) -> Double {
        let k = (input / chunk).rounded(.down), r = input - k * chunk
        let full = k > 0 ? k * Self.interpolate(segments, chunk) + chunk * past.sumAtMultiples(of: chunk, count: Int(k)) : 0
        let rest = r > 0 ? Self.interpolate(segments, r) + r * past.value(k * chunk) : 0
        return full + rest
    }

    /// Steps the request holds its place in the batch beside its O token steps: its prompt
    /// chunks before the last (`ServingSurface.cost`).
    func heldSteps(_ input: Double) -> Double {
        guard input > 0 else { return 0 }
        let k = (input / chunk).rounded(.down)
        return k + (input - k * chunk > 0 ? 1 : 0) - 1
    }

    /// Wh of one request at every boundary, its GPU energy × `gpuEnergyScale` (the range's ends;
    /// host, idle power and PUE held, as the ledger's range holds them). An empty prompt is priced
    /// as one token, as `trace` prices it (`TraceReplay.call`): a request is at least one token of
    /// prompt through the model before its first output token.
    ///
    /// The provisioned idle is held at the nominal figure too: under a busy fraction it is idle
    /// power over the request's occupancy, which the scale leaves alone; under the default idle
    /// share it is that share of the request's nominal node energy, as `QueryRange` holds the
    /// busy fraction the nominal ledger derives. It had been the share of the scaled node energy,
    /// so the surface's it and facility ends had moved the idle line with the GPU energy (Llama-3.1-70B
    /// on 4 H100, PUE 1.3: facility 0.215241–0.346451 against estimate's 0.219247–0.336399).
    public func wattHours(input: Int, output: Int, gpuEnergyScale: Double = 1) -> [Boundary: Double] {
        let i = Double(max(1, input)), o = Double(output)
        let context = i + o / 2
        let steps = o + heldSteps(i)
        let nominalGPUJ = prefill(i, segments: energySegments, past: pastEnergy) * gpus / ranks
            + decodeEnergy.value(context) * gpus / (ranks * Double(localBatch)) * steps
        let gpuJ = nominalGPUJ * gpuEnergyScale
        let occupancy = prefill(i, segments: timeSegments, past: pastTime) / ranks
            + decodeTime.value(context) / (ranks * Double(localBatch)) * steps
        let hostJ = hostWattsPerGPU * gpus * occupancy
        let nodeJ = (gpuJ + hostJ) / psuEfficiency
        let idleJ: Double
        if let f = busy {
            idleJ = idleWallPower * occupancy * (1 - f) / f
        } else if case let .idleShareOfActive(share) = utilization {
            idleJ = share * (nominalGPUJ + hostJ) / psuEfficiency
        } else {
            idleJ = 0
        }
        return [.gpu: gpuJ / 3600, .node: nodeJ / 3600, .it: (nodeJ + idleJ) / 3600, .facility: (nodeJ + idleJ) * pue / 3600]
    }

    /// Wh at every boundary with the GPU energy at the two ends of the measured error band (nil
    /// without a band: another calibration's error is not measured here).
    public func range(input: Int, output: Int) -> (band: ErrorBand, low: [Boundary: Double], high: [Boundary: Double])? {
        guard let b = errorBand else { return nil }
        return (b, wattHours(input: input, output: output, gpuEnergyScale: b.ratioLow),
                wattHours(input: input, output: output, gpuEnergyScale: b.ratioHigh))
    }
}
