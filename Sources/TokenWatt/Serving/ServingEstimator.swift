import Foundation
import KernelPower

/// Steady-state serving, in closed form over a few representative steps (cost does not grow with
/// the number of output tokens).
///
/// vLLM (continuous batching with chunked prefill): each step decodes every in-flight sequence
/// and fills the rest of the token budget with prompt chunks. At steady state the in-flight
/// sequences sit uniformly along their decode, so one decode step at the mean context
/// I + (O+1)/2 represents every step (decode attention is linear in context); a request's prefill
/// costs what its chunks add to the steps they join; and b/(O + K − 1) requests start per step per
/// rank (a request holds its place through its K prompt chunks, the last emitting its first token).
/// HF (static batching): one prefill pass of the batch, then O decode steps whose context grows
/// from I to I+O, integrated with 3-point Gauss–Legendre quadrature.
public struct ServingEstimator: Sendable {
    public let estimator: Estimator
    public let deployment: Deployment

    public init(estimator: Estimator, deployment: Deployment) {
        self.estimator = estimator
        self.deployment = deployment
    }

    public func estimate(_ r: ServingRequest) throws -> ServingEstimate {
        try deployment.requireGenerator()
        guard r.batch >= 1, r.inputTokens >= 1, r.outputTokens >= 1 else {
            throw DeploymentError.invalidShape("serving needs batch, input tokens and output tokens of at least 1")
        }
        guard r.tokenBudget >= 1, (0.05...1).contains(r.memoryUtilization) else {
            throw DeploymentError.invalidShape("token budget must be ≥ 1 and memory utilization between 0.05 and 1")
        }
        let budget = try KVCacheBudget(deployment: deployment, request: r)
        let ranks = deployment.attentionRanks
        let isStatic = r.isStatic(on: deployment.framework)
        let flight = Self.inFlight(r.batch, budget: budget, ranks: ranks, stepLimit: isStatic ? nil : r.budgetLimitedBatch)
        let local = flight.local
        var notes = [deployment.contextNote(tokens: r.inputTokens + r.outputTokens)].compactMap { $0 }
        if r.batch > budget.maxBatch {
            // Continuous batching sizes the cache at the mean context (`KVCacheBudget`): "126
            // sequences of 1000+3000 tokens" had read as each holding 4,000 where they hold 2,500.
            let held = isStatic ? "of \(r.inputTokens)+\(r.outputTokens) tokens"
                : "at their mean context of \(formatNumber((r.prefilledTokens + Double(r.outputTokens) / 2).rounded())) tokens (\(r.inputTokens)+\(r.outputTokens) at the end)"
            notes.append("batch \(r.batch) does not fit in memory: the KV cache holds \(formatCount(budget.maxBatch, "sequence")) \(held); using \(flight.memoryLocal * ranks)")
        }
        if let note = Self.replicaSplitNote(min(r.batch, budget.maxBatch), perRank: flight.memoryLocal, ranks: ranks) {
            notes.append(note)
        }
        if flight.limit == .stepBudget {
            notes.append("a step's \(r.tokenBudget)-token budget holds \(formatCount(r.budgetLimitedBatch, "decoding sequence")) per engine plus the prompts that start beside them (\(r.inputTokens) input tokens per \(r.outputTokens) output); using \(local * ranks) of the \(flight.memoryLocal * ranks) sequences")
        }
        if let note = Self.pipelineFillNote(local, stages: deployment.pipelineParallel) {
            notes.append(note)
        }
        var s: ServingEstimate
        if isStatic {
            s = try staticBatch(r, local: local)
        } else {
            s = try continuous(r, local: local)
        }
        if !isStatic, let note = try tileEdgeNote(r, local: local, estimate: s) {
            notes.append(note)
        }
        s.requestedBatch = r.batch
        s.maxBatch = budget.maxBatch
        s.batchLimit = flight.limit
        s.notes = notes
        return s
    }

    /// The multiple of 64 that `rows` sits 1–16 rows past, and by how many; nil elsewhere.
    static func tileEdge(below rows: Int) -> (edge: Int, past: Int)? {
        let past = rows % 64, edge = rows - past
        return edge >= 64 && (1...16).contains(past) ? (edge, past) : nil
    }

    /// A decode step a few rows past a multiple of 64 pads its GEMMs to whole tiles (methodology
    /// §3: GEMM time quantises to whole tiles), which can cost far more than the rows it adds. When
    /// the batch at that edge costs clearly less per output token, say so: the batch is a setting
    /// (vLLM's `--max-num-seqs`), and the step explains why a longer query, which leaves fewer
    /// sequences in the KV cache, can cost less than a shorter one.
    func tileEdgeNote(_ r: ServingRequest, local b: Int, estimate s: ServingEstimate) throws -> String? {
        guard let (edge, past) = Self.tileEdge(below: b) else { return nil }
        let atEdge = try continuous(r, local: edge)
        let saving = 1 - atEdge.energyPerOutputToken / s.energyPerOutputToken
        guard saving >= 0.03 else { return nil }
        let ranks = deployment.attentionRanks
        let engines = ranks > 1 ? " per engine" : ""
        let throughput = atEdge.outputTokensPerSecond / s.outputTokensPerSecond
        let rate = throughput >= 1 ? "with \(formatPercent(throughput - 1, decimals: 1)) more" : "at \(formatPercent(throughput, decimals: 1)) of the"
        return "\(formatCount(b, "sequence"))\(engines) sit \(formatCount(past, "row")) past the \(edge)-row edge of the decode GEMMs' tiles, which run padded to whole tiles: "
            + "at \(edge * ranks) sequences an output token would cost \(formatPercent(saving, decimals: 1)) less GPU energy \(rate) throughput "
            + "(vLLM's --max-num-seqs sets the batch); a longer query that leaves fewer sequences in the KV cache can cost less for the same reason"
    }

    /// Sequences per attention rank: the requested batch, or what the KV cache holds, split
    /// evenly over the ranks.
    public static func localBatch(_ batch: Int, budget: KVCacheBudget, ranks: Int) -> Int {
        perRank(min(batch, budget.maxBatch), ranks: ranks)
    }

    /// A deployment's batch split evenly over its attention ranks (data-parallel replicas), to
    /// the nearest whole sequence and at least one each.
    public static func perRank(_ batch: Int, ranks: Int) -> Int {
        max(1, Int((Double(batch) / Double(ranks)).rounded()))
    }

    /// Says so when the batch does not split evenly over the data-parallel replicas: every
    /// replica is priced with the same whole number of sequences, so the deployment's batch and
    /// throughput are that number times the replicas, not the batch asked for.
    static func replicaSplitNote(_ batch: Int, perRank: Int, ranks: Int) -> String? {
        guard ranks > 1, perRank * ranks != batch else { return nil }
        if batch < ranks {
            return "batch \(batch) is fewer sequences than the \(ranks) data-parallel replicas: each replica is priced with one sequence (\(ranks) in all), as if every replica were serving; with \(batch) in flight, \(ranks - batch) would sit idle"
        }
        return "batch \(batch) does not split evenly over \(ranks) data-parallel replicas: each is priced with \(formatCount(perRank, "sequence")), \(perRank * ranks) in all"
    }

    /// A pipeline whose engine holds fewer sequences than stages cannot fill its microbatches:
    /// the empty ones are not run, and each stage waits while the others work.
    static func pipelineFillNote(_ perEngine: Int, stages: Int) -> String? {
        guard stages > 1, perEngine < stages else { return nil }
        return "\(perEngine) sequence\(perEngine == 1 ? "" : "s") per engine fill\(perEngine == 1 ? "s" : "") only \(perEngine) of the \(stages) "
            + "microbatches (the empty ones are not run): each stage idles while the others work, and a microbatch's trip through the stages sets the cycle"
    }

    /// Sequences per attention rank a deployment runs, what the KV cache alone would allow, and
    /// what holds them below the requested batch.
    public struct InFlight: Sendable {
        public let local: Int
        public let memoryLocal: Int
        public let limit: BatchLimit
    }

    /// The batch per attention rank: what the KV cache holds, and no more than `stepLimit`, the
    /// sequences a step's token budget keeps decoding (each rank runs its own scheduler; nil for a
    /// static batch).
    public static func inFlight(_ batch: Int, budget: KVCacheBudget, ranks: Int, stepLimit: Int?) -> InFlight {
        let memory = localBatch(batch, budget: budget, ranks: ranks)
        let local = min(memory, stepLimit ?? memory)
        return InFlight(local: local, memoryLocal: memory, limit: local < memory ? .stepBudget : batch > budget.maxBatch ? .memory : .none)
    }

    /// Sequences per attention rank under continuous batching (`ServingRequest.budgetLimitedBatch`).
    public static func localBatch(_ r: ServingRequest, budget: KVCacheBudget, ranks: Int) -> Int {
        inFlight(r.batch, budget: budget, ranks: ranks, stepLimit: r.budgetLimitedBatch).local
    }

    func pass(_ phase: Phase) throws -> PassEstimate {
        try estimator.forwardPass(deployment, phase: phase)
    }

    /// A step that runs prompt chunks beside the decode rows, priced as the decode step alone when
    /// it would cost less: a tiling edge can make it (Llama-3.1-8B on an H100 at batch 64, a
    /// 1-token prompt: 65 rows pick a layout with 73 % of the SMs busy where 64 rows keep 97 %,
    /// the same time for 15 % less energy), and the prompt's ledger line went negative
    /// (−0.20 J a query). Doing more work is never a saving the prompt can claim.
    func chunkStep(_ phase: Phase, decode: PassEstimate) throws -> PassEstimate {
        let p = try pass(phase)
        return Self.pricedAsDecode(p, decode: decode) ? decode : p
    }

    /// Whether a step with prompt chunks is priced as the decode step alone (`chunkStep`); the one
    /// test `kernels --per-query` applies too, so that its lines add up to the estimate.
    static func pricedAsDecode(_ step: PassEstimate, decode: PassEstimate) -> Bool { step.energy < decode.energy }

    /// Gauss–Legendre nodes and weights on [0, 1] (3 points: exact for polynomials of degree 5).
    static let gaussLegendre: [(x: Double, w: Double)] = [
        (0.5 - 0.5 * (0.6).squareRoot(), 5.0 / 18), (0.5, 8.0 / 18), (0.5 + 0.5 * (0.6).squareRoot(), 5.0 / 18),
    ]
}

// MARK: - Continuous batching (vLLM)

/// The representative steps of continuous batching for one request shape: a decode step at the
/// mean context, and the mixed steps that carry one request's prompt chunks, with weights.
public struct ContinuousPlan: Sendable {
    /// Sequences in flight per attention rank.
    public let local: Int
    public let context: Int
    public let decode: Phase
    /// A request's prompt chunks with quadrature weights. Each chunk runs in a step of `local`
    /// decodes carrying `chunkMix.low` or `chunkMix.high` such chunks (`low` nil when it is 0 or
    /// `high`),
    /// and costs its share of what those steps add to the decodes (`ChunkMix.perChunk`).
    public let chunks: [(low: Phase?, high: Phase, weight: Double)]
    /// Prompts that start prefilling per step per rank: b/`slotSteps` requests start, one in
    /// `sharingCopies` of them with a prompt the prefix cache does not already hold.
    public let startsPerStep: Double
    /// Steps a request holds its place in the batch: its O token steps (the last prompt chunk
    /// emits the first token), and before them the steps of its other prompt chunks, which emit
    /// nothing. With b/O starts a step, a 128,000-token prompt in 16 chunks at batch 1 was served
    /// in less than its own time to first token, at a mean power above both phases'.
    public let slotSteps: Double
    /// Prompt chunks per step: the chunks started per step (`startsPerStep` times the chunks of a
    /// prompt), as steps of the whole numbers either side, each priced as one pass, at most what
    /// the budget leaves room for. Priced one at a time, a chunk whose rows tip a GEMM into
    /// another wave of tiles was charged that whole wave b/O times over: per-query prefill energy
    /// swung 3.7× between batches 377 and 610 (StarCoder2-15B on 2 L40S, 100 + 10 tokens).
    public let chunkMix: ChunkMix
    /// Tokens per prompt chunk: the prompt, or what the budget leaves beside the decodes.
    public let chunkTokens: Int
    /// Chunks one prompt is split into.
    public let chunksPerPrompt: Int

    public init(request r: ServingRequest, local b: Int) {
        local = b
        let mean = r.inputTokens + (r.outputTokens + 1) / 2
        context = mean
        decode = .decode(batch: b, context: mean)
        let chunk = max(1, min(r.inputTokens, r.tokenBudget - b))
        chunkTokens = chunk
        let count = (r.inputTokens + chunk - 1) / chunk
        chunksPerPrompt = count
        outputTokens = r.outputTokens
        slotSteps = Double(r.outputTokens) + Double(count - 1) / r.sharingCopies
        startsPerStep = Double(b) / slotSteps / r.sharingCopies
        let mix = ChunkMix(mean: startsPerStep * Double(count), chunk: chunk, room: r.tokenBudget - b)
        chunkMix = mix
        chunks = Self.positions(chunks: count, chunk: chunk, input: r.inputTokens).map { past, w in
            func step(_ g: Int) -> Phase {
                .mixed(decodeBatch: b, context: mean, prefillTokens: min(chunk, r.inputTokens - past), prefillPast: past, prefillSequences: g)
            }
            return (mix.low > 0 && mix.low != mix.high ? step(mix.low) : nil, step(mix.high), w)
        }
    }

    /// Mean prompt chunks that join one step.
    public var meanChunksPerStep: Double { startsPerStep * Double(chunksPerPrompt) }
    /// Tokens a step emits per rank: each place in the batch emits O tokens in `slotSteps` steps.
    public var tokensPerStep: Double { Double(local) * Double(outputTokens) / slotSteps }
    /// Output tokens of the request shape (O).
    let outputTokens: Int
    /// Whether the budget holds every step full of chunks, so that they queue rather than arrive.
    public var budgetBound: Bool { chunkMix.mean < meanChunksPerStep }

    /// Phases whose weighted sum is one mean engine step: per chunk position, its share of the
    /// steps that carry `low` chunks (plain decode steps when `low` is 0) and `high` chunks.
    public var meanStep: [(phase: Phase, weight: Double)] {
        let m = chunkMix
        let steps = chunks.flatMap { c -> [(phase: Phase, weight: Double)] in
            let share = c.weight * startsPerStep / m.mean
            return (c.low.map { [($0, share * (1 - m.highShare))] } ?? []) + [(c.high, share * m.highShare)]
        }
        return [(decode, 1 - steps.reduce(0) { $0 + $1.weight })] + steps
    }

    /// Positions (tokens already prefilled) of the chunks of one prompt, with weights: every
    /// chunk when there are few; otherwise Gauss–Legendre nodes over the full chunks' positions,
    /// and the short last chunk on its own. Nodes taken at whole chunks over all K chunks had
    /// priced the last chunk full: a 100,000-token prompt read as 106,444 tokens (Llama-3.1-8B on
    /// an H100: prefill 10 % high).
    static func positions(chunks: Int, chunk: Int, input: Int) -> [(Int, Double)] {
        if chunks <= 8 { return (0..<chunks).map { ($0 * chunk, 1.0) } }
        let full = input / chunk, last = full * chunk
        let nodes = ServingEstimator.gaussLegendre.map { node in
            (Int((node.x * Double((full - 1) * chunk)).rounded()), node.w * Double(full))
        }
        return last < input ? nodes + [(last, 1.0)] : nodes
    }
}

extension ServingEstimator {
    func continuous(_ r: ServingRequest, local b: Int) throws -> ServingEstimate {
        let d = deployment
        let plan = ContinuousPlan(request: r, local: b)
        let ranks = Double(d.attentionRanks)
        let decode = try pass(plan.decode)
        // What each chunk adds to the step it joins, summed over the request's chunks.
        var extraEnergy = Energy.zero, extraTime = Time.zero, extraGap = Energy.zero, ttft = Time.zero
        var chunkStepsEnergy = Energy.zero, limited = decode.powerLimited
        let mix = plan.chunkMix
        for chunk in plan.chunks {
            let high = try chunkStep(chunk.high, decode: decode), low = try chunk.low.map { try chunkStep($0, decode: decode) }
            func added(_ x: (PassEstimate) -> Double) -> Double {
                mix.perChunk(low.map { x($0) - x(decode) } ?? 0, x(high) - x(decode)) * chunk.weight
            }
            extraEnergy += .joules(added { $0.energy.joules })
            extraTime += .seconds(added { $0.time.seconds })
            extraGap += .joules(added { $0.gapEnergy.joules })
            // A chunk waits for the step it runs in: one of `high` chunks, or of `low`.
            let inHigh = low == nil ? 1 : mix.highChunkShare
            ttft += .seconds((high.time.seconds * inHigh + (low?.time.seconds ?? 0) * (1 - inHigh)) * chunk.weight)
            chunkStepsEnergy += .joules((high.energy.joules * inHigh + (low?.energy.joules ?? 0) * (1 - inHigh)) * chunk.weight)
            limited = limited || high.powerLimited || (low?.powerLimited ?? false)
        }
        let step = decode.time + extraTime * plan.startsPerStep
        // A decoding sequence waits on the chunks of the other b − 1 places, never on its own
        // (they ran before its first token): at batch 1 its tokens come one decode step apart.
        let others = Double(b - 1) / Double(b)
        let itl = decode.time + extraTime * (plan.startsPerStep * others)
        // A step with k prompt chunks takes the decode step plus k chunks' increments.
        let timePerChunk = extraTime / Double(plan.chunksPerPrompt)
        func quantile(_ q: StepQuantile) -> Time {
            plan.budgetBound ? itl : decode.time + timePerChunk * Double(Self.poissonQuantile(plan.meanChunksPerStep * others, q))
        }
        let stepEnergy = decode.energy + extraEnergy * plan.startsPerStep
        let tokensPerStep = plan.tokensPerStep * ranks
        let gpus = Double(d.gpuCount)
        // A query's place in the batch for its O token steps (decode), and for the steps of its
        // earlier prompt chunks (prefill: the place is held while the prompt is read).
        let perPlaceStep = gpus / (ranks * Double(b))
        let decodeSteps = Double(r.outputTokens), heldSteps = plan.slotSteps - decodeSteps
        return ServingEstimate(
            requestedBatch: r.batch, effectiveBatch: b * d.attentionRanks, maxBatch: 0, stepTime: step,
            interTokenLatency: itl, medianInterTokenLatency: quantile(.median), p90InterTokenLatency: quantile(.p90),
            timeToFirstToken: ttft, outputTokensPerSecond: tokensPerStep / step.seconds,
            gpuPower: stepEnergy / step, energyPerOutputToken: stepEnergy * (gpus / tokensPerStep),
            // Per query: one request in `sharingCopies` prefills (the rest find the prompt cached).
            prefill: PhaseCost(time: ttft, energy: extraEnergy * (gpus / ranks / r.sharingCopies) + decode.energy * (perPlaceStep * heldSteps),
                               // The mean power of the steps the prompt's chunks ran in, over all of them: the
                               // last chunk's alone had read 338 W for a 100,000-token prompt that drew 380 W.
                               gpuPower: ttft.seconds > 0 ? chunkStepsEnergy / ttft : decode.averagePower,
                               gapEnergy: extraGap * (gpus / ranks / r.sharingCopies) + decode.gapEnergy * (perPlaceStep * heldSteps)),
            decode: PhaseCost(time: itl * decodeSteps, energy: decode.energy * (perPlaceStep * decodeSteps), gpuPower: decode.averagePower,
                              gapEnergy: decode.gapEnergy * (perPlaceStep * decodeSteps)),
            decodeStep: decode, powerLimited: limited, notes: [],
            promptChunking: PromptChunking(startsPerStep: plan.startsPerStep, chunksPerStep: mix.low == 0 ? 1 : mix.mean,
                                           chunkTokens: plan.chunkTokens))
    }

    /// A quantile of the step time, with the standard normal score of its probability.
    enum StepQuantile {
        case median, p90
        var probability: Double { self == .median ? 0.5 : 0.9 }
        var normalScore: Double { self == .median ? 0 : 1.2815515655446004 }
    }

    /// The `q` quantile of a Poisson count of mean `mean`: the prompt chunks in that step.
    /// Sequences of scattered lengths finish independently, and each finish admits a request, so
    /// the prompts that start in a step form a Poisson stream (the Palm–Khintchine theorem: many
    /// independent renewal streams superposed). Each step emits one token per sequence, so the
    /// quantiles of the step time are those of the inter-token latency. Above a mean of 30 the
    /// quantile is ⌊μ + z√μ + (z² + 2)/6⌋ (the Cornish–Fisher expansion; for the median,
    /// ⌊μ + 1/3⌋, within one of exact: μ − ln 2 ≤ median < μ + 1/3, K. P. Choi, Proc. AMS 121(1),
    /// 1994); below it the distribution is summed.
    static func poissonQuantile(_ mean: Double, _ q: StepQuantile) -> Int {
        guard mean >= 0 else { return 0 }
        guard mean < 30 else {
            let z = q.normalScore
            return Int((mean + z * mean.squareRoot() + (z * z + 2) / 6).rounded(.down))
        }
        var p = exp(-mean), cdf = p, k = 0
        while cdf < q.probability {
            k += 1
            p *= mean / Double(k)
            cdf += p
        }
        return k
    }
}

// MARK: - Static batching (HF transformers)

extension ServingEstimator {
    /// A static batch's decode passes as quadrature nodes: (context, passes it stands for). The
    /// prefill's logits give the first token, so O tokens take O − 1 decode passes over contexts
    /// I + 1 … I + O − 1 (`generate` runs no pass after its last token). O passes over I … I + O
    /// had charged one step too many: +26 % GPU energy at one output token, +15 % at two.
    static func staticDecodeSteps(_ r: ServingRequest) -> [(context: Int, passes: Double)] {
        let steps = r.outputTokens - 1
        guard steps > 0 else { return [] }
        return gaussLegendre.map { (r.inputTokens + 1 + Int($0.x * Double(steps - 1)), $0.w * Double(steps)) }
    }

    func staticBatch(_ r: ServingRequest, local b: Int) throws -> ServingEstimate {
        let d = deployment
        let prefill = try pass(.prefill(batch: b, tokens: r.inputTokens))
        var decodeEnergy = Energy.zero, decodeTime = Time.zero, decodeGap = Energy.zero, limited = prefill.powerLimited
        let steps = r.outputTokens - 1
        var lastStep: PassEstimate?
        for (context, n) in Self.staticDecodeSteps(r) {
            let step = try pass(.decode(batch: b, context: context))
            decodeEnergy += step.energy * n
            decodeTime += step.time * n
            decodeGap += step.gapEnergy * n
            limited = limited || step.powerLimited
            lastStep = step
        }
        // With one output token no decode pass runs: the step a second token would take stands
        // for the inter-token latency.
        let last = try lastStep ?? pass(.decode(batch: b, context: r.inputTokens + 1))
        let batchTime = prefill.time + decodeTime
        let gpusPerQuery = Double(d.tensorParallel) / Double(b)
        let tokens = Double(b * d.attentionRanks * r.outputTokens)
        let energy = (prefill.energy + decodeEnergy) * Double(d.gpuCount)
        let itl = steps > 0 ? decodeTime / Double(steps) : last.time
        return ServingEstimate(
            requestedBatch: r.batch, effectiveBatch: b * d.attentionRanks, maxBatch: 0, stepTime: itl,
            interTokenLatency: itl, medianInterTokenLatency: itl, p90InterTokenLatency: itl, timeToFirstToken: prefill.time, outputTokensPerSecond: tokens / batchTime.seconds,
            gpuPower: (prefill.energy + decodeEnergy) / batchTime, energyPerOutputToken: energy / tokens,
            prefill: PhaseCost(time: prefill.time, energy: prefill.energy * gpusPerQuery, gpuPower: prefill.averagePower,
                               gapEnergy: prefill.gapEnergy * gpusPerQuery),
            decode: PhaseCost(time: decodeTime, energy: decodeEnergy * gpusPerQuery, gpuPower: steps > 0 ? decodeEnergy / decodeTime : last.averagePower,
                              gapEnergy: decodeGap * gpusPerQuery),
            decodeStep: last, powerLimited: limited, notes: [])
    }
}

extension Estimator {
    /// Steady-state serving of `request` on `deployment`.
    public func serve(_ deployment: Deployment, _ request: ServingRequest) throws -> ServingEstimate {
        try ServingEstimator(estimator: self, deployment: deployment).estimate(request)
    }
}
