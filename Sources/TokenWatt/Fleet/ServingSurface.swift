import Foundation
import KernelPower

/// A deployment's steady state for one traffic class, reduced to a few numbers so that a
/// Monte Carlo query costs microseconds: decode-step energy and time linear in context (decode
/// attention is linear in the context it reads), and the marginal cost of prompt chunks on a
/// log-spaced grid of chunk lengths, plus their growth with the tokens already cached.
public struct ServingSurface: Sendable {
    public let deployment: Deployment
    /// Sequences per attention rank, from the KV budget at the class's mean context.
    public let localBatch: Int
    public let maxBatch: Int
    /// What holds `localBatch` below the deployment's batch limit, and the step's token budget.
    public let batchLimit: BatchLimit
    public let tokenBudget: Int
    /// True for a disaggregated decode pool: its steps hold decodes only, prompts run elsewhere.
    public let disaggregated: Bool
    let ranks: Double
    let gpus: Double
    /// Per-GPU decode step: energy `eA + eB·c` (J), time `tA + tB·c` (s), gap energy share.
    let eA: Double, eB: Double, tA: Double, tB: Double, gapShare: Double
    /// Marginal per-GPU cost of a prompt chunk of n tokens after no cached tokens, and the
    /// extra per chunk token per cached token.
    let grid: [(n: Double, e: Double, t: Double)]
    let pastE: Double, pastT: Double
    let chunk: Int
    /// Full-load and idle wall power of the whole deployment (W).
    public let busyWallPower: Double
    public let idleWallPower: Double
    public let hostWattsPerGPU: Double
    let psuEfficiency: Double

    /// Builds the surface. `meanCall` sets the batch the KV cache allows; `lever` may switch on
    /// speculative decoding or disaggregated prefill.
    public init(estimator: Estimator, deployment d: Deployment, maxBatch: Int, tokenBudget: Int,
                meanResidentTokens: Double, meanOutput: Double, change: LeverChange? = nil) throws {
        deployment = d
        ranks = Double(d.attentionRanks)
        gpus = Double(d.gpuCount)
        let probe = ServingRequest(batch: maxBatch, inputTokens: max(1, Int(meanResidentTokens - meanOutput / 2)),
                                   outputTokens: max(1, Int(meanOutput)), tokenBudget: tokenBudget)
        let budget = try KVCacheBudget(deployment: d, request: probe)
        self.maxBatch = budget.maxBatch
        let disaggregated = change?.disaggregated == true
        self.disaggregated = disaggregated
        // Continuous batching keeps no more sequences decoding than a step's token budget holds
        // beside the prompts that join them; a disaggregated decode pool's steps hold decodes only.
        let flight = ServingEstimator.inFlight(maxBatch, budget: budget, ranks: d.attentionRanks,
                                               stepLimit: disaggregated ? max(1, tokenBudget) : probe.budgetLimitedBatch)
        let b = flight.local
        localBatch = b
        batchLimit = flight.limit
        self.tokenBudget = tokenBudget
        func pass(_ p: Phase) throws -> PassEstimate { try estimator.forwardPass(d, phase: p) }
        // Decode steps at two contexts (speculative decoding: verification steps of k+1 tokens).
        let (c1, c2) = (256, 4096)
        func step(_ c: Int) throws -> PassEstimate {
            if let s = change?.speculative { return try pass(.prefill(batch: b, tokens: s.draftTokens + 1, pastTokens: c)) }
            return try pass(.decode(batch: b, context: c))
        }
        let s1 = try step(c1), s2 = try step(c2)
        var tokensPerStep = 1.0
        var draftRatio = 0.0
        if let s = change?.speculative {
            tokensPerStep = (1 - pow(s.acceptance, Double(s.draftTokens + 1))) / (1 - s.acceptance)
            draftRatio = s.draftCostRatio * Double(s.draftTokens)
        }
        let plain1 = change?.speculative == nil ? s1 : try pass(.decode(batch: b, context: c1))
        let plain2 = change?.speculative == nil ? s2 : try pass(.decode(batch: b, context: c2))
        // Energy per step normalised to one emitted token per sequence; the draft model's cost is
        // a fraction of a plain decode step per drafted token.
        func norm(_ x: Double, _ plain: Double) -> Double { (x + draftRatio * plain) / tokensPerStep }
        eB = (norm(s2.energy.joules, plain2.energy.joules) - norm(s1.energy.joules, plain1.energy.joules)) / Double(c2 - c1)
        eA = norm(s1.energy.joules, plain1.energy.joules) - eB * Double(c1)
        tB = (norm(s2.time.seconds, plain2.time.seconds) - norm(s1.time.seconds, plain1.time.seconds)) / Double(c2 - c1)
        tA = norm(s1.time.seconds, plain1.time.seconds) - tB * Double(c1)
        gapShare = s1.energy.joules > 0 ? s1.gapEnergy.joules / s1.energy.joules : 0
        chunk = max(1, tokenBudget - b)
        let promptTokensPerStep = Double(b) * Double(probe.inputTokens) / Double(probe.outputTokens)
        (grid, pastE, pastT) = try Self.prefillGrid(estimator: estimator, d: d, b: b, chunk: chunk, tokenBudget: tokenBudget,
                                                    disaggregated: disaggregated, promptTokensPerStep: promptTokensPerStep)
        let node = d.node
        psuEfficiency = node.psuEfficiency
        hostWattsPerGPU = node.hostActivePower.watts / Double(node.gpuCount)
        busyWallPower = (s1.averagePower.watts + hostWattsPerGPU) * gpus / psuEfficiency
        idleWallPower = (d.gpu.idle(at: .megahertz(210)).watts + node.hostIdlePower.watts / Double(node.gpuCount)) * gpus / psuEfficiency
    }

    /// Energy to move one bit between GPUs: 1.3 pJ/bit, NVIDIA's figure for NVLink ("What Is
    /// NVLink?", https://blogs.nvidia.com/blog/what-is-nvidia-nvlink/, 2023); used for the KV
    /// transfer of disaggregated prefill.
    static let linkJoulesPerBit = 1.3e-12

    /// The marginal cost of prompt chunks: chunks joining a decode step (continuous batching;
    /// as many of that length as carry the step's mean prompt tokens, `ContinuousPlan.chunksPerStep`),
    /// or a prefill-only pass that batches prompts up to the token budget (disaggregated).
    static func prefillGrid(estimator: Estimator, d: Deployment, b: Int, chunk: Int, tokenBudget: Int, disaggregated: Bool,
                            promptTokensPerStep: Double) throws -> ([(n: Double, e: Double, t: Double)], Double, Double) {
        let ns = chunkGrid(chunk)
        // The plain decode step every chunk's increment is measured against (once, not per chunk);
        // a disaggregated pool's prompts run as prefill-only passes, beside no decode step.
        let base = disaggregated ? nil : try estimator.forwardPass(d, phase: .decode(batch: b, context: 1024))
        func cost(_ tokens: Int, past: Int) throws -> (Double, Double) {
            guard let base else {  // disaggregated
                let prompts = max(1, tokenBudget / max(1, tokens + past))
                let p = try estimator.forwardPass(d, phase: .prefill(batch: prompts, tokens: tokens, pastTokens: past))
                // KV transfer to the decode pool over the node's links.
                let kv = d.kvBytesPerTokenPerGPU.bytes * Double(tokens + past)
                let link = kv / d.gpu.interconnect.unidirectionalBandwidth.bytesPerSecond
                return (p.energy.joules / Double(prompts) + kv * 8 * linkJoulesPerBit, p.time.seconds / Double(prompts) + link)
            }
            let g = ContinuousPlan.chunksPerStep(mean: promptTokensPerStep / Double(tokens), chunk: tokens, room: tokenBudget - b)
            let m = try estimator.forwardPass(d, phase: .mixed(decodeBatch: b, context: 1024, prefillTokens: tokens, prefillPast: past,
                                                               prefillSequences: g))
            return ((m.energy.joules - base.energy.joules) / Double(g), (m.time.seconds - base.time.seconds) / Double(g))
        }
        let grid = try ns.map { n -> (n: Double, e: Double, t: Double) in
            let (e, t) = try cost(n, past: 0)
            return (Double(n), max(0, e), max(0, t))
        }
        let past = 8192
        let (e0, t0) = (grid.last!.e, grid.last!.t)
        let (ep, tp) = try cost(chunk, past: past)
        let denominator = Double(chunk) * Double(past)
        return (grid, max(0, ep - e0) / denominator, max(0, tp - t0) / denominator)
    }

    /// Chunk lengths to evaluate: 1, 2, 4, 8, then every 16 tokens to 1024 (GEMM tile waves make
    /// the cost step every 64–128 tokens of the step's rows, and short prompts are common), then
    /// ratio √2 up to the chunk length.
    static func chunkGrid(_ chunk: Int) -> [Int] {
        var ns = [1, 2, 4, 8].filter { $0 < chunk } + stride(from: 16, through: min(1024, chunk - 1), by: 16).map { $0 }
        var x = 1024.0 * 2.0.squareRoot()
        while Int(x.rounded()) < chunk { ns.append(Int(x.rounded())); x *= 2.0.squareRoot() }
        return ns + [chunk]
    }

    /// Whether the cost between two grid lengths is interpolated linearly (dense grid, where it is
    /// piecewise linear) or log-log (the sparse tail, where it grows as a power of the length).
    static func isLinearSegment(_ lo: Double, _ hi: Double) -> Bool { hi - lo <= 16 }

    /// Per-GPU marginal cost of one chunk of `n` tokens after `past` cached tokens, interpolated
    /// on the grid.
    func chunkCost(_ n: Double, past: Double) -> (Double, Double) {
        // Binary search (the grid is sorted by n; trace pricing calls this twice per request):
        // lo is the last point at or below n, hi the first at or above it, clamped to the ends.
        var first = 0, end = grid.count
        while first < end {
            let mid = (first + end) / 2
            if grid[mid].n < n { first = mid + 1 } else { end = mid }
        }
        let hi = first < grid.count ? grid[first] : grid[grid.count - 1]
        let lo = first < grid.count && grid[first].n == n ? grid[first] : grid[max(0, first - 1)]
        func interp(_ a: Double, _ b: Double) -> Double {
            guard hi.n > lo.n, a > 0, b > 0, !Self.isLinearSegment(lo.n, hi.n) else { return a + (b - a) * (hi.n > lo.n ? (n - lo.n) / (hi.n - lo.n) : 0) }
            return exp(log(a) + (log(b) - log(a)) * (log(n) - log(lo.n)) / (log(hi.n) - log(lo.n)))
        }
        return (interp(lo.e, hi.e) + n * past * pastE, interp(lo.t, hi.t) + n * past * pastT)
    }
}

/// What one query costs on a surface.
public struct QueryCost: Sendable {
    public var prefillJoules = 0.0
    public var decodeJoules = 0.0
    public var gapJoules = 0.0
    /// Deployment-seconds the query occupies (its share of the deployment's busy time).
    public var occupancySeconds = 0.0
    public var outputTokens = 0.0
}

extension ServingSurface {
    /// Cost of a query's calls, all GPUs of the deployment.
    public func cost(_ calls: [ModelCall]) -> QueryCost {
        var q = QueryCost()
        let perSequenceStep = gpus / (ranks * Double(localBatch))
        for call in calls {
            var past = Double(call.cachedTokens), left = Double(call.newTokens)
            var chunks = 0.0
            while left > 0 {
                let n = min(left, Double(chunk))
                let (e, t) = chunkCost(n, past: past)
                q.prefillJoules += e * gpus / ranks
                q.occupancySeconds += t / ranks
                past += n
                left -= n
                chunks += 1
            }
            let c = call.meanDecodeContext
            // The place in the batch the prompt holds through its chunks before the last (which
            // emits the first token), as `ContinuousPlan.slotSteps` counts it; a disaggregated
            // decode pool takes the request only once its prompt is read elsewhere.
            let held = disaggregated ? 0 : Double(call.sequences) * max(0, chunks - 1)
            q.prefillJoules += (eA + eB * c) * perSequenceStep * held
            q.occupancySeconds += (tA + tB * c) / (ranks * Double(localBatch)) * held
            let tokens = Double(call.sequences * call.outputTokens)
            let e = (eA + eB * c) * perSequenceStep * tokens
            q.decodeJoules += e
            q.gapJoules += e * gapShare
            q.occupancySeconds += (tA + tB * c) / (ranks * Double(localBatch)) * tokens
            q.outputTokens += tokens
        }
        return q
    }
}
