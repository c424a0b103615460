import Foundation
import KernelPower

/// A deployment's steady state for one traffic class, reduced to a few numbers so that a
/// Monte Carlo query costs microseconds: decode-step energy and time piecewise linear in context
/// on a grid of contexts, and the marginal cost of prompt chunks on a log-spaced grid of chunk
/// lengths, plus their growth with the tokens already cached.
///
/// A class, immutable once built: as a struct each `surfaces[k]` copied it, retaining the
/// deployment's and the curves' storage one by one, which was two thirds of a trace replay's
/// time (341,000 rows a second; 1.13 million as a class) and a seventh of a Monte Carlo's.
public final class ServingSurface: Sendable {
    public let deployment: Deployment
    /// Sequences per attention rank, from the KV budget at the class's mean context.
    public let localBatch: Int
    public let maxBatch: Int
    /// What holds `localBatch` below the deployment's batch limit, and the step's token budget.
    public let batchLimit: BatchLimit
    public let tokenBudget: Int
    /// True for a disaggregated decode pool: its steps hold decodes only, prompts run elsewhere.
    public let disaggregated: Bool
    /// The KV cache of one engine (attention rank): what is left per GPU after weights and
    /// activations. A call needing more (`KVCacheBudget.fits`) does not fit even alone.
    public let kvBudget: KVCacheBudget
    /// The mean request the surface is built for, when its steps are plain vLLM steps (no lever
    /// changes them): what a class's tile-edge note re-prices (`KernelFleet.tileEdgeNote`).
    let plainProbe: ServingRequest?
    let ranks: Double
    let gpus: Double
    /// Per-GPU decode step by mean context (16, 64, then doublings from 256 to the model's
    /// window): energy and host-gap energy (J), time (s), per emitted token. A straight line
    /// through two contexts (256 and 4,096) had priced sliding-window and sparse attention, whose
    /// cost flattens past the window, 8 % low at 1,000 + 3,000 tokens and 18 % high at
    /// 30,000 + 1,000 (DeepSeek-V3.2 on 8 H200s).
    let decodeEnergy: CostCurve, decodeGap: CostCurve, decodeTime: CostCurve
    /// The plain decode step's energy, host-gap energy and time, per GPU: the place-steps that
    /// emit one token whatever the lever (a prompt's chunks before its last, and each sequence's
    /// first token, which the step running the last chunk emits). Under speculative decoding
    /// they had been priced at the verification step per accepted token, so a class of one-token
    /// answers, which never decodes, "saved 2 %" (GPUs 512 → 500, TTFT 499 → 488 ms). The same
    /// curves as the three above without speculation.
    let plainEnergy: CostCurve, plainGap: CostCurve, plainTime: CostCurve
    /// Whether the decode curves are speculative decoding's (a verification step per accepted token).
    let speculative: Bool
    /// Marginal per-GPU cost of a prompt chunk of n tokens after no cached tokens, and the
    /// extra per chunk token by the tokens cached before it (J, s): piecewise linear on doubling
    /// lengths, since sparse attention's cost stops growing with them. A straight line from 8,192
    /// cached tokens had priced DeepSeek-V3.2's 100,000-token prompts 13 % above `estimate`.
    let grid: [(n: Double, e: Double, t: Double)]
    let pastEnergy: CostCurve, pastTime: CostCurve
    let chunk: Int
    /// The class's mean context, tokens: where its decode step and the prompt chunks beside it are priced.
    public let decodeContext: Int
    /// Prompt tokens that join a step on average (what sets the chunks a step carries, `ChunkMix`).
    let promptTokensPerStep: Double
    /// Full-load and idle wall power of the whole deployment (W).
    public let busyWallPower: Double
    public let idleWallPower: Double
    public let hostWattsPerGPU: Double
    let psuEfficiency: Double

    /// Builds the surface. `meanResidentTokens` (what a sequence in the batch holds on average)
    /// sets the batch the KV cache allows and the context decode steps are priced at;
    /// `meanPrompt` ÷ `meanOutput` the prompt tokens that join a step (nil: the resident tokens
    /// less half the output, a single shape's prompt); `change` may switch on speculative decoding
    /// or disaggregated prefill.
    public init(estimator: Estimator, deployment d: Deployment, maxBatch: Int, tokenBudget: Int,
                meanResidentTokens: Double, meanOutput: Double, meanPrompt: Double? = nil, change: LeverChange? = nil) throws {
        deployment = d
        ranks = Double(d.attentionRanks)
        gpus = Double(d.gpuCount)
        let disaggregated = change?.disaggregated == true
        self.disaggregated = disaggregated
        let (probe, budget, flight, held) = try Self.inFlight(deployment: d, maxBatch: maxBatch, tokenBudget: tokenBudget,
                                                        meanResidentTokens: meanResidentTokens, meanOutput: meanOutput,
                                                        meanPrompt: meanPrompt, disaggregated: disaggregated)
        kvBudget = budget
        // The request the KV budget was sized for: the tile-edge note prices its decode at the context the surface does.
        plainProbe = change == nil ? held : nil
        self.maxBatch = budget.maxBatch
        let b = flight.local
        localBatch = b
        batchLimit = flight.limit
        self.tokenBudget = tokenBudget
        func pass(_ p: Phase) throws -> PassEstimate { try estimator.forwardPass(d, phase: p) }
        // Decode steps (speculative decoding: verification steps of k+1 tokens).
        func step(_ c: Int) throws -> PassEstimate {
            if let s = change?.speculative { return try pass(.prefill(batch: b, tokens: s.draftTokens + 1, pastTokens: c)) }
            return try pass(.decode(batch: b, context: c))
        }
        // The 256-token step sets the busy wall power too; the grid reuses it rather than pricing it again.
        let s1 = try step(256)
        let steps = try Self.decodeSteps(contexts: Self.doublings(from: 256, upTo: max(4096, d.model.maxPositions), below: [16, 64]),
                                         speculative: change?.speculative, step: { $0 == 256 ? s1 : try step($0) },
                                         plain: { try pass(.decode(batch: b, context: $0)) })
        decodeEnergy = CostCurve(steps.map { ($0.c, $0.e) })
        decodeGap = CostCurve(steps.map { ($0.c, $0.gap) })
        decodeTime = CostCurve(steps.map { ($0.c, $0.t) })
        speculative = change?.speculative != nil
        (plainEnergy, plainGap, plainTime) = speculative
            ? (CostCurve(steps.map { ($0.c, $0.pe) }), CostCurve(steps.map { ($0.c, $0.pgap) }), CostCurve(steps.map { ($0.c, $0.pt) }))
            : (decodeEnergy, decodeGap, decodeTime)
        chunk = max(1, tokenBudget - b)
        let promptTokensPerStep = Double(b) * Double(probe.inputTokens) / Double(probe.outputTokens)
        self.promptTokensPerStep = promptTokensPerStep
        decodeContext = max(1, Int(meanResidentTokens.rounded()))
        (grid, pastEnergy, pastTime) = try Self.prefillGrid(estimator: estimator, d: d, b: b, chunk: chunk, tokenBudget: tokenBudget,
                                                    disaggregated: disaggregated, promptTokensPerStep: promptTokensPerStep,
                                                    decodeContext: decodeContext, window: d.model.maxPositions)
        let node = d.node
        psuEfficiency = node.psuEfficiency
        hostWattsPerGPU = node.hostActivePower.watts / Double(node.gpuCount)
        busyWallPower = (s1.averagePower.watts + hostWattsPerGPU) * gpus / psuEfficiency
        idleWallPower = d.idleWallPower.watts
    }

    /// The mean request a surface is built for, its KV budget and the sequences in flight per
    /// attention rank: continuous batching keeps no more decoding than a step's token budget holds
    /// beside the prompts that join them; a disaggregated decode pool's steps hold decodes only.
    /// The budget is sized for a request whose mean context is `meanResidentTokens`, the step's
    /// prompt share from `meanPrompt` (`init`): in a mix of lengths the two differ, since a long
    /// answer stays in the batch longer than a short one.
    static func inFlight(deployment d: Deployment, maxBatch: Int, tokenBudget: Int, meanResidentTokens: Double, meanOutput: Double,
                         meanPrompt: Double? = nil, disaggregated: Bool = false)
        throws -> (ServingRequest, KVCacheBudget, ServingEstimator.InFlight, held: ServingRequest) {
        func request(input: Double) -> ServingRequest {
            ServingRequest(batch: maxBatch, inputTokens: max(1, Int(input)), outputTokens: max(1, Int(meanOutput)),
                           tokenBudget: tokenBudget, memoryUtilization: d.memoryUtilization)
        }
        let held = request(input: meanResidentTokens - meanOutput / 2)
        let probe = meanPrompt.map { request(input: $0) } ?? held
        let budget = try KVCacheBudget(deployment: d, request: held)
        let flight = ServingEstimator.inFlight(maxBatch, budget: budget, ranks: d.attentionRanks,
                                               stepLimit: disaggregated ? max(1, tokenBudget) : probe.budgetLimitedBatch)
        return (probe, budget, flight, held)
    }

    /// Lengths a cost is priced at: `below`, then doublings from `start` to at least `top` (the
    /// model's context window), so each segment spans a factor of two where sliding windows and
    /// sparse top-k selections bend the cost.
    static func doublings(from start: Int, upTo top: Int, below: [Int] = []) -> [Int] {
        var xs = below + [start]
        while xs.last! < top { xs.append(xs.last! * 2) }
        return xs
    }

    /// The decode step at each context, per emitted token (speculative decoding: a verification
    /// step of k + 1 tokens emits the accepted ones, and the draft model costs a fraction of a
    /// plain decode step per drafted token), with the plain step's energy, gap and time beside it.
    static func decodeSteps(contexts: [Int], speculative: LeverChange.Speculation?, step: (Int) throws -> PassEstimate,
                            plain: (Int) throws -> PassEstimate) throws
        -> [(c: Double, e: Double, gap: Double, t: Double, pe: Double, pgap: Double, pt: Double)] {
        var tokensPerStep = 1.0, draftRatio = 0.0
        if let s = speculative {
            tokensPerStep = (1 - pow(s.acceptance, Double(s.draftTokens + 1))) / (1 - s.acceptance)
            draftRatio = s.draftCostRatio * Double(s.draftTokens)
        }
        return try contexts.map { c in
            let s = try step(c), p = speculative == nil ? s : try plain(c)
            func norm(_ x: Double, _ plain: Double) -> Double { (x + draftRatio * plain) / tokensPerStep }
            return (Double(c), norm(s.energy.joules, p.energy.joules), norm(s.gapEnergy.joules, p.gapEnergy.joules), norm(s.time.seconds, p.time.seconds),
                    p.energy.joules, p.gapEnergy.joules, p.time.seconds)
        }
    }

    /// Per-GPU decode step at mean context `c`: energy, host-gap energy (J) and time (s).
    func decodeStep(_ c: Double) -> (e: Double, gap: Double, t: Double) {
        (decodeEnergy.value(c), decodeGap.value(c), decodeTime.value(c))
    }

    /// The deployment's host energy over `occupancySeconds` of its time, Wh, its power × `scale`
    /// (the drawn `uncertain.hostPowerScale`).
    func hostWattHours(occupancySeconds: Double, scale: Double) -> Double {
        hostWattsPerGPU * Double(deployment.gpuCount) * occupancySeconds * scale / 3600
    }

    /// Per-GPU plain decode step at mean context `c` (`plainEnergy`): the step itself without speculation.
    func plainStep(_ c: Double) -> (e: Double, gap: Double, t: Double) {
        speculative ? (plainEnergy.value(c), plainGap.value(c), plainTime.value(c)) : decodeStep(c)
    }

    /// Energy to move one bit between GPUs: 1.3 pJ/bit, NVIDIA's figure for NVLink ("What Is
    /// NVLink?", https://blogs.nvidia.com/blog/what-is-nvidia-nvlink/, 2023); used for the KV
    /// transfer of disaggregated prefill.
    static let linkJoulesPerBit = 1.3e-12

    /// The marginal cost of prompt chunks: chunks joining a decode step (continuous batching;
    /// as many of that length as carry the step's mean prompt tokens, `ChunkMix`),
    /// or a prefill-only pass that batches prompts up to the token budget (disaggregated).
    static func prefillGrid(estimator: Estimator, d: Deployment, b: Int, chunk: Int, tokenBudget: Int, disaggregated: Bool,
                            promptTokensPerStep: Double, decodeContext: Int, window: Int) throws
        -> ([(n: Double, e: Double, t: Double)], CostCurve, CostCurve) {
        let ns = chunkGrid(chunk)
        // The plain decode step every chunk's increment is measured against (once, not per chunk);
        // a disaggregated pool's prompts run as prefill-only passes, beside no decode step.
        let base = disaggregated ? nil : try estimator.forwardPass(d, phase: .decode(batch: b, context: decodeContext))
        func cost(_ tokens: Int, past: Int) throws -> (Double, Double) {
            guard let base else {  // disaggregated
                let prompts = max(1, tokenBudget / max(1, tokens + past))
                let p = try estimator.forwardPass(d, phase: .prefill(batch: prompts, tokens: tokens, pastTokens: past))
                // KV transfer to the decode pool over the node's links: each prefill GPU sends its
                // shard to one decode GPU, point to point, which on a mesh is one link of seven
                // (the group size is two, whatever the pools' tp). A bridged pair straddles the
                // pools only where each pool's engine is one GPU; at tp ≥ 2 a pool fills its
                // pairs and the shard crosses the host bus.
                let kv = d.kvBytesPerTokenPerGPU.bytes * Double(tokens + past)
                let rate = d.gpu.interconnect.unidirectionalBandwidth(participants: 2, leavesPair: d.tensorParallel > 1)
                let link = kv / rate.bytesPerSecond
                return (p.energy.joules / Double(prompts) + kv * 8 * linkJoulesPerBit, p.time.seconds / Double(prompts) + link)
            }
            let mix = ChunkMix(mean: promptTokensPerStep / Double(tokens), chunk: tokens, room: tokenBudget - b)
            func added(_ g: Int) throws -> (Double, Double) {
                guard g > 0 else { return (0, 0) }
                let m = try estimator.forwardPass(d, phase: .mixed(decodeBatch: b, context: decodeContext, prefillTokens: tokens,
                                                                   prefillPast: past, prefillSequences: g))
                return (m.energy.joules - base.energy.joules, m.time.seconds - base.time.seconds)
            }
            let high = try added(mix.high), low = mix.low == mix.high ? high : try added(mix.low)
            return (mix.perChunk(low.0, high.0), mix.perChunk(low.1, high.1))
        }
        let grid = try ns.map { n -> (n: Double, e: Double, t: Double) in
            let (e, t) = try cost(n, past: 0)
            return (Double(n), max(0, e), max(0, t))
        }
        let (e0, t0) = (grid.last!.e, grid.last!.t)
        let pasts = try doublings(from: 8192, upTo: max(16384, window)).map { past -> (Double, Double, Double) in
            let (e, t) = try cost(chunk, past: past)
            return (Double(past), max(0, e - e0) / Double(chunk), max(0, t - t0) / Double(chunk))
        }
        let points = [(0.0, 0.0, 0.0)] + pasts
        return (grid, CostCurve(points.map { ($0.0, $0.1) }), CostCurve(points.map { ($0.0, $0.2) }))
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
        let (lo, hi) = bracket(n)
        return (Self.interpolate(lo.e, hi.e, n: n, lo: lo.n, hi: hi.n) + n * pastEnergy.value(past), chunkTime(n, past: past, lo: lo, hi: hi))
    }

    /// The time part of `chunkCost` alone, the same bits: trace weighs every rung of its ladder
    /// by the requests' occupancy, and the energy it leaves out is half the interpolation.
    func chunkTime(_ n: Double, past: Double) -> Double {
        let (lo, hi) = bracket(n)
        return chunkTime(n, past: past, lo: lo, hi: hi)
    }

    func chunkTime(_ n: Double, past: Double, lo: GridPoint, hi: GridPoint) -> Double {
        Self.interpolate(lo.t, hi.t, n: n, lo: lo.n, hi: hi.n) + n * pastTime.value(past)
    }

    typealias GridPoint = (n: Double, e: Double, t: Double)

    /// The grid points either side of `n`: lo the last at or below it, hi the first at or above
    /// it, clamped to the ends (a binary search: the grid is sorted by n).
    func bracket(_ n: Double) -> (lo: GridPoint, hi: GridPoint) {
        var first = 0, end = grid.count
        while first < end {
            let mid = (first + end) / 2
            if grid[mid].n < n { first = mid + 1 } else { end = mid }
        }
        let hi = first < grid.count ? grid[first] : grid[grid.count - 1]
        let lo = first < grid.count && grid[first].n == n ? grid[first] : grid[max(0, first - 1)]
        return (lo, hi)
    }

    /// `a` at `lo` to `b` at `hi`, at `n`: linear on the dense grid, log-log on its sparse tail.
    static func interpolate(_ a: Double, _ b: Double, n: Double, lo: Double, hi: Double) -> Double {
        guard hi > lo, a > 0, b > 0, !isLinearSegment(lo, hi) else { return a + (b - a) * (hi > lo ? (n - lo) / (hi - lo) : 0) }
        return exp(log(a) + (log(b) - log(a)) * (log(n) - log(lo)) / (log(hi) - log(lo)))
    }
}
