import KernelPower

/// One query's GPU energy kernel by kernel (`tokenwatt kernels --per-query`): what each kernel
/// name costs the query in its prefill and its decode, the idle gaps as `gaps`, adding up to the
/// GPU boundary of `estimate`'s ledger. Built from the same steps the serving estimate weighs:
/// under continuous batching, what each prompt chunk adds to the step it joins (the mixed step's
/// kernels less the decode step's) and the query's share of every decode step; under static
/// batching, the batch's prefill pass and decode steps at the quadrature's contexts. Under pipeline
/// parallelism each step is a cycle of every stage's microbatches, with the stages' waits for the
/// slowest as `pipeline_wait`.
public struct QueryKernels: Sendable {
    public struct Line: Sendable {
        public let kernel: String
        public var prefill: Energy
        public var decode: Energy
        public var total: Energy { prefill + decode }
    }

    public let deployment: Deployment
    public let request: ServingRequest
    /// Largest total first.
    public let lines: [Line]
    public var total: Energy { lines.reduce(.zero) { $0 + $1.total } }
    /// Whether the power cap throttled any kernel of the query's steps.
    public let powerLimited: Bool
    /// The batch the query is priced at (`ServingEstimate.effectiveBatch`: the request's, or what
    /// the KV cache or the step budget holds of it) and the most sequences the KV cache holds.
    public let effectiveBatch: Int
    public let maxBatch: Int
    /// The assumptions and caveats `estimate` gives for the same query (`QueryEstimate.assumptions`,
    /// read from the estimate whose GPU energy the lines split, so a note added there reaches this
    /// split too), less the one on its error range's settings, as no range is printed here. The
    /// split had carried none: at a locked 1,200 MHz, Llama-3.1-70B on 4 H100 priced decode 47.6 %
    /// below the default clock with no word that only up to 32 % was measured.
    public let assumptions: [String]
    /// The same energy by what bounds the kernels that spend it (`Bound`; nil: the gaps and
    /// pipeline waits, at idle power): a kernel's prefill entry under its bound in the step of
    /// chunks that spends it, its decode entry under its bound in the decode step. `diagnose`
    /// reads its energy column from here; it had split one chunk's step, at the first quadrature
    /// position (10,151 tokens of a 100,000-token prompt), and put 45 % of the query in L2-bound
    /// GEMMs where the prompt's later chunks make prefill attention 59 %.
    public let byBound: [Bound?: Energy]

    public init(estimator: Estimator, deployment d: Deployment, serving r: ServingRequest) throws {
        // The estimate refuses a request the KV cache cannot hold, as an engine would.
        try self.init(estimator: estimator, estimate: QueryEstimate(estimator: estimator, deployment: d, request: r, settings: try LedgerSettings(), boundary: .gpu))
    }

    /// The split of `estimate`'s GPU energy, for a caller that has the estimate already.
    init(estimator: Estimator, estimate: QueryEstimate) throws {
        let d = estimate.deployment, r = estimate.request
        let serving = estimate.serving
        assumptions = estimate.assumptions.filter { $0 != DecodeClockCaveat.rangeAtDefaultSettings }
        let local = max(1, serving.effectiveBatch / d.attentionRanks)
        powerLimited = serving.powerLimited
        effectiveBatch = serving.effectiveBatch
        maxBatch = serving.maxBatch
        var prefill = Tally(), decode = Tally()
        func pass(_ phase: Phase) throws -> StepEnergies { try Self.energies(of: phase, on: d, estimator: estimator) }
        let gpus = Double(d.gpuCount)
        if r.isStatic(on: d.framework) {
            // Per query: the batch's passes on the tensor-parallel group, shared by its sequences.
            let perQuery = Double(d.tensorParallel) / Double(local)
            prefill.add(try pass(.prefill(batch: local, tokens: r.inputTokens)), times: perQuery)
            for (context, passes) in ServingEstimator.staticDecodeSteps(r) {
                decode.add(try pass(.decode(batch: local, context: context)), times: passes * perQuery)
            }
        } else {
            let plan = ContinuousPlan(request: r, local: local)
            let step = try pass(plan.decode)
            let mix = plan.chunkMix, scale = gpus / Double(d.attentionRanks) / r.sharingCopies
            let decodeStep = try estimator.forwardPass(d, phase: plan.decode)
            // What each kernel adds in a step of chunks, or nothing where the estimate prices that
            // step as the decode step alone (`ServingEstimator.chunkStep`).
            func added(_ phase: Phase) throws -> StepEnergies {
                guard try !ServingEstimator.pricedAsDecode(estimator.forwardPass(d, phase: phase), decode: decodeStep) else { return StepEnergies() }
                return try pass(phase).less(step)
            }
            for chunk in plan.chunks {
                // The steps of `high` and of `low` chunks, as the estimate weighs them
                // (`ChunkMix.perChunk`, linear in the two).
                prefill.add(try added(chunk.high), times: mix.perChunk(0, 1) * chunk.weight * scale)
                if let low = chunk.low {
                    prefill.add(try added(low), times: mix.perChunk(1, 0) * chunk.weight * scale)
                }
            }
            decode.add(step, times: gpus / Double(local * d.attentionRanks) * Double(r.outputTokens))
            // The batch place a prompt holds through its chunks before the last, charged to
            // prefill as the ledger charges it (left out, a 30,000-token prompt fell 0.3 % short).
            prefill.add(step, times: gpus / Double(local * d.attentionRanks) * (plan.slotSteps - Double(r.outputTokens)))
            // The estimate's phase split (`ServingEstimator.phaseGaps`): a chunk that leaves its step
            // less idle takes that idle from the decode steps, so prefill's idle (its gaps and, in a
            // pipeline, its stages' waits) is never negative; what moves is charged to `gaps`.
            let idle = { (t: Tally) in ["gaps", "pipeline_wait"].reduce(Energy.zero) { $0 + (t.byKernel[$1] ?? .zero) } }
            let moved = ServingEstimator.phaseGaps(prefill: idle(prefill), decode: idle(decode)).moved
            if moved > .zero {
                prefill.byKernel["gaps", default: .zero] += moved
                decode.byKernel["gaps", default: .zero] -= moved
            }
        }
        byBound = prefill.byBound.merging(decode.byBound, uniquingKeysWith: +)
        // A kernel the chunk leaves alone differs between the two steps by rounding alone (1e-19 Wh):
        // below a billionth of the query it is zero.
        let floor = (prefill.byKernel.values.reduce(.zero, +) + decode.byKernel.values.reduce(.zero, +)).joules * 1e-9
        func clean(_ e: Energy?) -> Energy { e.map { abs($0.joules) < floor ? .zero : $0 } ?? .zero }
        let names = Set(prefill.byKernel.keys).union(decode.byKernel.keys)
        lines = names.map { Line(kernel: $0, prefill: clean(prefill.byKernel[$0]), decode: clean(decode.byKernel[$0])) }
            .sorted { $0.total.joules != $1.total.joules ? $0.total.joules > $1.total.joules : $0.kernel < $1.kernel }
        deployment = d
        request = r
    }

    /// One step's energy per GPU by kernel name, and how each name's energy there splits by the
    /// bound of its kernels (fractions adding to 1; none for `gaps` and `pipeline_wait`).
    struct StepEnergies {
        var byKernel: [String: Energy] = [:]
        var bounds: [String: [Bound: Double]] = [:]

        /// What this step spends beyond `base`, kernel by kernel, split by the bounds here (or in
        /// `base` for a kernel this step does not run).
        func less(_ base: StepEnergies) -> StepEnergies {
            StepEnergies(byKernel: byKernel.merging(base.byKernel.mapValues { $0 * -1 }) { $0 + $1 },
                         bounds: bounds.merging(base.bounds) { here, _ in here })
        }
    }

    /// A query's energy by kernel name and by bound, summed over the steps it is charged for.
    struct Tally {
        var byKernel: [String: Energy] = [:]
        var byBound: [Bound?: Energy] = [:]

        mutating func add(_ step: StepEnergies, times f: Double) {
            QueryKernels.add(step.byKernel, times: f, to: &byKernel)
            for (k, v) in step.byKernel {
                guard let split = step.bounds[k] else { byBound[nil, default: .zero] += v * f; continue }
                for (b, share) in split { byBound[b, default: .zero] += v * (f * share) }
            }
        }
    }

    /// The energy per GPU of the pass `estimate` prices for `phase`, by kernel name, its gaps as
    /// `gaps`. Under pipeline parallelism that is one cycle: every stage runs every microbatch, and
    /// a stage that finishes before the cycle does waits at idle power (`pipeline_wait`); summed
    /// over the stages and divided by them, as `PassEstimator.pipelineCycle` does.
    static func energies(of phase: Phase, on d: Deployment, estimator: Estimator) throws -> StepEnergies {
        let step = try PricedStep(phase, on: d, estimator: estimator)
        var sum: [String: Energy] = [:]
        var bound: [String: [Bound: Double]] = [:]
        for run in step.runs {
            add(Dictionary(uniqueKeysWithValues: run.totalsByKernel.map { ($0.kernel, $0.energy) }), times: 1, to: &sum)
            for k in run.kernels { bound[k.kernel, default: [:]][k.bound, default: 0] += k.totalEnergy.joules }
        }
        if d.pipelineParallel > 1 { sum["pipeline_wait"] = step.wait }
        let fractions = bound.mapValues { split in
            let all = split.values.reduce(0, +)
            return all > 0 ? split.mapValues { $0 / all } : split.mapValues { _ in 1 / Double(split.count) }
        }
        return StepEnergies(byKernel: sum.mapValues { $0 * (1 / Double(d.pipelineParallel)) }, bounds: fractions)
    }

    /// The pass `estimate` prices for a phase, kernel by kernel: one breakdown, or under pipeline
    /// parallelism every stage's microbatches and the idle energy of the stages' waits for the
    /// cycle's slowest (`PassEstimator.pipelineCycle`), summed over the stages.
    struct PricedStep {
        let runs: [PassBreakdown]
        let wait: Energy

        init(_ phase: Phase, on d: Deployment, estimator: Estimator) throws {
            let first = estimator.passEstimator(for: d)
            guard d.pipelineParallel > 1 else {
                runs = [first.breakdown(try PhasePlanner(deployment: d).program(for: phase), clock: d.lockedClock, powerCap: d.powerCap)]
                wait = .zero
                return
            }
            let staged = try estimator.pipelineRuns(d, phase: phase) { $0.breakdown($1, clock: d.lockedClock, powerCap: d.powerCap) }
            runs = Array(staged.joined())
            let cycle = first.pipelineCycle(staged.map { $0.map(\.pass) })
            wait = cycle.energy * Double(d.pipelineParallel) - runs.reduce(.zero) { $0 + $1.pass.energy }
        }
    }

    static func add(_ e: [String: Energy], times f: Double, to sum: inout [String: Energy]) {
        for (k, v) in e { sum[k, default: .zero] += v * f }
    }
}

// MARK: - Rendering

extension QueryKernels {
    /// `effective_batch`, the batch priced, is the same on every row (after the columns scripts
    /// read by place).
    public static let csvHeader = ["kernel", "prefill_wh", "decode_wh", "wh", "share", "effective_batch", "precision", "kv_precision"]

    /// One row per kernel, to the text table's digits.
    public var rows: [[String]] { rows(significant: nil) }

    /// The rows with every number to `significant` digits (nil: the text table's 3 or 4). The
    /// CSV takes 6, as `estimate` and `sweep` write: at 3 the share column summed to 1.00076.
    public func rows(significant digits: Int?) -> [[String]] {
        let all = total
        func n(_ x: Double, _ display: Int) -> String { formatNumber(x, significant: digits ?? display) }
        return lines.map { l in
            [l.kernel, n(l.prefill.wattHours, 4), n(l.decode.wattHours, 4), n(l.total.wattHours, 4), n(all.joules > 0 ? l.total / all : 0, 3)]
        }
    }

    public func csv() -> String {
        let run = [String(effectiveBatch), deployment.precision.rawValue, deployment.kvPrecision.rawValue]
        return ([CSVWriter.line(Self.csvHeader)] + rows(significant: 6).map { CSVWriter.line($0 + run) }).joined(separator: "\n") + "\n"
    }

    public func json() -> JSONValue {
        let kernels: [JSONValue] = lines.map { l in
            .obj([("kernel", .str(l.kernel)), ("prefillWh", .num(l.prefill.wattHours)), ("decodeWh", .num(l.decode.wattHours)),
                  ("wh", .num(l.total.wattHours))])
        }
        let d = deployment
        let head: [(String, JSONValue)] = [
            ("model", .str(d.model.id)), ("gpu", .str(d.gpu.id)), ("gpus", .num(Double(d.gpuCount))),
            ("precision", .str(d.precision.rawValue)), ("kvPrecision", .str(d.kvPrecision.rawValue)),
            ("inputTokens", .num(Double(request.inputTokens))), ("outputTokens", .num(Double(request.outputTokens))),
            ("effectiveBatch", .num(Double(effectiveBatch))), ("requestedBatch", .num(Double(request.batch))),
        ]
        return .obj(head + [("gpuWhPerQuery", .num(total.wattHours)), ("kernels", .array(kernels)),
                            ("notes", .array([negativeNote].compactMap { $0 }.map(JSONValue.str))),
                            ("assumptions", .array(assumptions.map(JSONValue.str)))])
    }

    public func text() -> String {
        let d = deployment, r = request
        var s = "TokenWatt kernels — \(d.model.id) on \(d.gpuCount) × \(d.gpu.id), \(d.precisionWords), \(d.framework.rawValue): "
            + "one query of \(r.inputTokens) + \(r.outputTokens) tokens at \(batchWords), GPU boundary\n\n"
        s += "\(formatNumber(total.wattHours, significant: 4)) Wh per query at the GPUs, kernel by kernel (gaps: idle power between kernels and steps)\n\n"
        s += FleetRendering.table(["kernel", "prefill Wh", "decode Wh", "Wh", "share"], rows.map { r in
            [r[0], r[1], r[2], r[3], Double(r[4]).map { formatPercent($0, decimals: 1) } ?? r[4]]
        })
        s += "\nprefill: what the query's prompt chunks add to the steps they join"
        if let note = negativeNote { s += "; " + note }
        s += "\ndecode: the query's share of every decode step it is in flight for\n"
        if d.pipelineParallel > 1 {
            s += "pipeline_wait: idle power while a stage waits for the slowest stage or microbatch of each cycle (pp \(d.pipelineParallel))\n"
        }
        s += "\nassumptions and caveats (tokenwatt estimate's, for this query):\n" + assumptions.map { "  - \($0)\n" }.joined()
        return s
    }

    /// The batch priced, as `estimate`'s receipt gives it where it is not the one requested
    /// ("batch 97 (requested 256, fits 97)"): the header had named the request's 256.
    var batchWords: String {
        effectiveBatch == request.batch ? "batch \(effectiveBatch)"
            : "batch \(effectiveBatch) (requested \(request.batch), fits \(maxBatch))"
    }

    /// What a negative prefill entry means. The table cannot tell why a kernel costs less with the
    /// prompt's rows: it blamed the power cap, on steps far below it where a GEMM with more rows
    /// had picked another tiling (Llama-3.1-8B on an H100, batch 64, 1-token prompts). It names
    /// the cap only when the cap did throttle a kernel of the query's steps.
    /// Nil when no entry is negative. CSV and JSON carry it too (stderr, `notes`): their negative
    /// cells had come without a word.
    public var negativeNote: String? {
        lines.contains(where: { $0.prefill.joules < 0 }) ? Self.negativeNote(powerLimited: powerLimited) : nil
    }

    static func negativeNote(powerLimited: Bool) -> String {
        "a negative prefill entry is a kernel that cost less in the step with the prompt's rows than in the decode step alone "
            + "(for instance a GEMM whose extra rows make it pick another tiling"
            + (powerLimited ? ", or a step the power cap holds at a lower clock)" : ")") + "; the rows still add up to the query's GPU energy"
    }
}
