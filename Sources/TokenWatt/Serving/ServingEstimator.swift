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
            let scores = budget.scoresLimitBatch
                ? " beside eager attention's score matrix of each prompt at its prefill (\(Deployment.gigabytes(budget.scoreBytesPerSequence.bytes)) per GPU a sequence)" : ""
            notes.append("batch \(r.batch) does not fit in memory: the KV cache holds \(formatCount(budget.maxBatch, "sequence")) \(held)\(scores); using \(flight.memoryLocal * ranks)")
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

    /// A deployment's batch split evenly over its attention ranks (data-parallel replicas):
    /// ⌊batch / ranks⌋ each, at least one. The batch is a maximum (vLLM's `max_num_seqs`, a sweep's
    /// `maxBatch`), so a split that does not come out even rounds down: rounding to the nearest had
    /// priced `--gpus 3 --tp 1 --batch 8` at 9 sequences and a sweep's maxBatch 10 on 4 GPUs at 12.
    /// Every replica runs the same batch, so one price serves them all; the few sequences left over
    /// (fewer than the replicas) are not priced, and `replicaSplitNote` says so.
    public static func perRank(_ batch: Int, ranks: Int) -> Int {
        max(1, batch / max(1, ranks))
    }

    /// Says so when the batch does not split evenly over the data-parallel replicas: every
    /// replica is priced with the same whole number of sequences, ⌊batch / replicas⌋, so the
    /// deployment's batch and throughput are that number times the replicas, below the batch asked for.
    static func replicaSplitNote(_ batch: Int, perRank: Int, ranks: Int) -> String? {
        guard ranks > 1, perRank * ranks != batch else { return nil }
        if batch < ranks {
            return "batch \(batch) is fewer sequences than the \(ranks) data-parallel replicas: each replica is priced with one sequence (\(ranks) in all), as if every replica were serving; with \(batch) in flight, \(ranks - batch) would sit idle"
        }
        return "batch \(batch) does not split evenly over \(ranks) data-parallel replicas: each is priced with \(formatCount(perRank, "sequence")), "
            + "\(perRank * ranks) in all (rounded down: the batch is a maximum)"
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

extension Estimator {
    /// Steady-state serving of `request` on `deployment`.
    public func serve(_ deployment: Deployment, _ request: ServingRequest) throws -> ServingEstimate {
        try ServingEstimator(estimator: self, deployment: deployment).estimate(request)
    }
}
