import Foundation
import KernelPower

/// A design-space sweep (`tokenwatt sweep FILE`): every combination of a grid of models, GPUs,
/// GPU counts, tensor-parallel degrees, precisions, KV cache precisions, batch limits and power caps, each estimated
/// at steady state, and the points no other point beats (lower in energy or latency, no higher in
/// the other).
public struct SweepSpec: Sendable {
    public var description: String
    public var inputTokens: Int
    public var outputTokens: Int
    public var boundary: Boundary
    public var pue: Double
    public var models: [String]
    public var gpus: [String]
    public var gpuCounts: [Int]
    /// Tensor-parallel degrees; nil = the GPU count.
    public var tensorParallel: [Int?]
    public var precisions: [Precision?]
    public var batchLimits: [Int]
    /// nil = no cap (TDP).
    public var powerCaps: [Double?]
    public var itlTargetMs: Double?
    public var ttftTargetMs: Double?
    /// The inter-token latency `itlTargetMs` is judged on (`targets.itlStat`; the mean unless given).
    public var itlStatistic: ITLStatistic = .mean
    /// Pipeline stages; a tensor-parallel degree of nil is then the GPU count ÷ the stages.
    public var pipelineParallel: [Int] = [1]
    /// Expert-parallel ranks of a MoE model (with tp 1: vLLM's data-parallel attention); nil = none.
    public var expertParallel: [Int?] = [nil]
    /// KV cache precisions; nil = the deployment's default (`Deployment.defaultKVPrecision`), as
    /// `estimate` without `--kv-precision`.
    public var kvPrecisions: [Precision?] = [nil]
    /// The step's token budget (vLLM's max_num_batched_tokens) every point runs at; nil = vLLM's
    /// default for the point's GPU (`ServingRequest.defaultTokenBudget`), as `estimate` without
    /// `--token-budget`.
    public var tokenBudget: Int?

    /// The step budget a point on `d` runs at: the file's, or vLLM's default for the GPU.
    func tokenBudget(on d: Deployment) -> Int { tokenBudget ?? ServingRequest.defaultTokenBudget(for: d) }

    /// The place of `null` (no cap) among the power caps, if the grid has one.
    var uncappedPosition: Int? { powerCaps.firstIndex { $0 == nil } }

    public var pointCount: Int {
        models.count * gpus.count * gpuCounts.count * tensorParallel.count * pipelineParallel.count * expertParallel.count
            * precisions.count * kvPrecisions.count * batchLimits.count * powerCaps.count
    }

    /// The i-th grid point, last dimension fastest.
    public func point(_ i: Int) -> (request: DeploymentRequest, batch: Int) {
        let p = position(i)
        let count = gpuCounts[p.count], pp = pipelineParallel[p.pp]
        var r = DeploymentRequest(model: models[p.model], gpu: gpus[p.gpu], gpus: count, tensorParallel: tensorParallel[p.tp] ?? max(1, count / pp),
                                  expertParallel: expertParallel[p.ep], pipelineParallel: pp)
        r.precision = precisions[p.precision]
        r.kvPrecision = kvPrecisions[p.kv]
        r.powerCapWatts = powerCaps[p.cap]
        return (r, batchLimits[p.batch])
    }

    /// A grid point's place in each list. The index counts them as digits, the power caps
    /// fastest, then maxBatch, kvPrecision, precision, ep, pp, tp, gpus, gpu and model (a grid
    /// without kvPrecision numbers its points as before the list existed).
    struct Position: Equatable, Sendable {
        var cap = 0, batch = 0, kv = 0, precision = 0, ep = 0, pp = 0, tp = 0, count = 0, gpu = 0, model = 0
    }

    func position(_ i: Int) -> Position {
        var k = i
        func take(_ n: Int) -> Int { defer { k /= n }; return k % n }
        return Position(cap: take(powerCaps.count), batch: take(batchLimits.count), kv: take(kvPrecisions.count), precision: take(precisions.count),
                        ep: take(expertParallel.count), pp: take(pipelineParallel.count), tp: take(tensorParallel.count),
                        count: take(gpuCounts.count), gpu: take(gpus.count), model: take(models.count))
    }

    func index(_ p: Position) -> Int {
        let digits = [(p.model, models.count), (p.gpu, gpus.count), (p.count, gpuCounts.count), (p.tp, tensorParallel.count),
                      (p.pp, pipelineParallel.count), (p.ep, expertParallel.count), (p.precision, precisions.count),
                      (p.kv, kvPrecisions.count), (p.batch, batchLimits.count), (p.cap, powerCaps.count)]
        return digits.reduce(0) { $0 * $1.1 + $1.0 }
    }

    /// The grid entries in which `a` and `b` differ, with their values (`grid.tp[0] null`,
    /// `grid.powerCapWatts[1] 700`), for `a` and for `b`.
    func differences(_ a: Position, _ b: Position) -> (String, String) {
        func text<T>(_ v: T?) -> String { v.map { "\($0)" } ?? "null" }
        let lists: [(key: String, at: KeyPath<Position, Int>, value: (Int) -> String)] = [
            ("model", \.model, { models[$0] }), ("gpu", \.gpu, { gpus[$0] }), ("gpus", \.count, { String(gpuCounts[$0]) }),
            ("tp", \.tp, { text(tensorParallel[$0]) }), ("pp", \.pp, { String(pipelineParallel[$0]) }), ("ep", \.ep, { text(expertParallel[$0]) }),
            ("precision", \.precision, { text(precisions[$0]?.rawValue) }), ("kvPrecision", \.kv, { text(kvPrecisions[$0]?.rawValue) }),
            ("maxBatch", \.batch, { String(batchLimits[$0]) }),
            ("powerCapWatts", \.cap, { text(powerCaps[$0].map { formatNumber($0) }) }),
        ]
        let differing = lists.filter { a[keyPath: $0.at] != b[keyPath: $0.at] }
        func describe(_ p: Position) -> String {
            differing.map { "grid.\($0.key)[\(p[keyPath: $0.at])] \($0.value(p[keyPath: $0.at]))" }.joined(separator: ", ")
        }
        return (describe(a), describe(b))
    }
}

public struct SweepPoint: Sendable {
    public var index: Int
    public var request: DeploymentRequest
    public var batchLimit: Int
    /// The precision the point runs in: the grid's, or for a null the model's own, as `estimate`
    /// prints it (nil only for a model the catalog lacks). A null wrote an empty CSV cell beside
    /// a `bf16` row of the same figures (Llama-3.1-70B, `precision: [null, "bf16", "fp8"]`).
    public var precision: Precision?
    /// The KV cache precision the point runs in: the grid's, or for a null the deployment's
    /// default (nil only where the deployment cannot be built).
    public var kvPrecision: Precision?
    public var whPerQuery = 0.0
    /// `whPerQuery` with the GPU energy at the two ends of the GPU's measured error band (nil
    /// without a band: another calibration, or a point that did not run).
    public var whPerQueryRange: Bounds?
    public var gpuWhPerQuery = 0.0
    public var ttftMs = 0.0
    /// Nil for a one-token answer: its token comes from the step that ends its prompt, and no
    /// interval follows (as `estimate` shows it).
    public var itlMs: Double?
    /// The median and p90 inter-token latency (nil as `itlMs` is); an ITL target may be judged on either.
    public var medianITLMs: Double?
    public var p90ITLMs: Double?
    /// The latency the frontier and the chart weigh: ITL, or TTFT where there is no interval
    /// between tokens (a one-token answer waits for its first token alone).
    public var frontierLatencyMs: Double { itlMs ?? ttftMs }
    /// The inter-token latency `statistic` reads, ms (nil for a one-token answer).
    public func itlMs(_ statistic: ITLStatistic) -> Double? {
        statistic.of(mean: itlMs, median: medianITLMs, p90: p90ITLMs)
    }
    public var effectiveBatch = 0
    public var outputTokensPerSecond = 0.0
    public var gpuWatts = 0.0
    public var meetsTargets = false
    public var pareto = false
    /// Whether a sequence of the point (its prompt and answer) is longer than the model's context
    /// window: priced as `estimate` prices it, with its note, but never on the frontier, since an
    /// engine refuses such a request unless the limit is lifted (gemma-3-1b-it at 60,000 + 300
    /// tokens had been the one frontier point of a probe's sweep).
    public var overContext = false
    public var error: String?
    /// Decode's GPU energy per query, J (`Sweep.clockCaveats` reads the uncapped point's).
    var decodeJoules = 0.0
    /// What the estimate says about the point (a batch cut to what fits, or rounded to whole
    /// sequences per data-parallel replica, so that `effective_batch` exceeds `max_batch`).
    public var notes: [String] = []
}

public enum Sweep {
    /// Estimates every point, `workers` at a time, but a point that repeats an earlier point's
    /// deployment (`SweepRepeats`): its index is missing from the result. `progress` is called
    /// with the count of grid points done.
    public static func run(_ spec: SweepSpec, estimator: Estimator, workers: Int = ProcessInfo.processInfo.activeProcessorCount,
                           progress: (@Sendable (Int) -> Void)? = nil) throws -> [SweepPoint] {
        let settings = try LedgerSettings(pue: spec.pue)
        let repeats = SweepRepeats(spec, models: estimator.models, gpus: estimator.gpus)
        let n = spec.pointCount
        let results = ResultBox(count: n)
        let chunk = 64
        DispatchQueue.concurrentPerform(iterations: max(1, min(workers, (n + chunk - 1) / chunk))) { worker in
            var start = worker * chunk
            while start < n {
                for i in start..<min(n, start + chunk) where repeats.original(of: i) == i {
                    results.set(i, evaluate(spec, index: i, estimator: estimator, settings: settings))
                }
                progress?(results.finished(min(n, start + chunk) - start))
                start += max(1, min(workers, (n + chunk - 1) / chunk)) * chunk
            }
        }
        return markPareto(try clockCaveats(results.values(), spec: spec, repeats: repeats, estimator: estimator))
    }

    /// `DecodeClockCaveat`'s note on each capped point of a grid that also runs without a cap,
    /// its decode at the default read from the point that runs that deployment uncapped (as
    /// `estimate` prices it, `QueryEstimate.clockCaveat`): pricing it again for every capped
    /// point would cost the sweep two fifths of its speed on a grid of three caps.
    static func clockCaveats(_ points: [SweepPoint], spec: SweepSpec, repeats: SweepRepeats, estimator: Estimator) throws -> [SweepPoint] {
        guard let uncapped = spec.uncappedPosition else { return points }
        let ran = Dictionary(points.filter { $0.error == nil }.map { ($0.index, $0.decodeJoules) }, uniquingKeysWith: { a, _ in a })
        return try points.map { p in
            guard p.error == nil, p.request.powerCapWatts != nil else { return p }
            var position = spec.position(p.index)
            position.cap = uncapped
            let atDefault = ran[repeats.original(of: spec.index(position))]
            let d = try estimator.deployment(p.request)
            let serving = ServingRequest(batch: p.batchLimit, inputTokens: spec.inputTokens, outputTokens: spec.outputTokens,
                                         tokenBudget: spec.tokenBudget(on: d))
            var out = p
            if let note = try DecodeClockCaveat.note(estimator, d, decodeJoules: p.decodeJoules, atDefault: {
                try atDefault ?? estimator.serve($0, serving).decode.energy.joules
            }) { out.notes.append(note) }
            return out
        }
    }

    static func evaluate(_ spec: SweepSpec, index i: Int, estimator: Estimator, settings: LedgerSettings) -> SweepPoint {
        let (request, batch) = spec.point(i)
        var p = SweepPoint(index: i, request: request, batchLimit: batch)
        p.precision = request.precision
            ?? (try? estimator.models.model(request.model)).map { Estimator.defaultPrecision(of: $0, framework: request.framework) }
        do {
            let d = try estimator.deployment(request)
            p.precision = d.precision
            p.kvPrecision = d.kvPrecision
            p.overContext = d.exceedsContext(tokens: spec.inputTokens + spec.outputTokens)
            let serving = ServingRequest(batch: batch, inputTokens: spec.inputTokens, outputTokens: spec.outputTokens,
                                         tokenBudget: spec.tokenBudget(on: d))
            // A point whose one sequence does not fit even alone cannot run (estimate refuses it);
            // priced at batch 1 it had reached the frontier.
            try KVCacheBudget.requireRoom(serving, on: d)
            let s = try estimator.serve(d, serving)
            let ledger = try QueryLedger.build(serving: s, deployment: d, outputTokens: spec.outputTokens, settings: settings)
            p.whPerQuery = ledger.total(at: spec.boundary).wattHours
            if let band = estimator.errorBand(for: d.gpu.id) {
                let r = try QueryRange(band: band, serving: s, deployment: d, outputTokens: spec.outputTokens, settings: settings)
                p.whPerQueryRange = Bounds(low: r.low[spec.boundary] ?? 0, high: r.high[spec.boundary] ?? 0)
            }
            p.gpuWhPerQuery = ledger.total(at: .gpu).wattHours
            p.ttftMs = s.timeToFirstToken.seconds * 1000
            p.itlMs = ITLStatistic.mean.milliseconds(s, outputTokens: spec.outputTokens)
            p.medianITLMs = ITLStatistic.median.milliseconds(s, outputTokens: spec.outputTokens)
            p.p90ITLMs = ITLStatistic.p90.milliseconds(s, outputTokens: spec.outputTokens)
            p.effectiveBatch = s.effectiveBatch
            // What `estimate` says of the deployment (the AMD gap, 4-bit weights dequantized on
            // GPUs without FP4 math): the MI300X and NVFP4-on-H100 rows' notes had been empty.
            p.notes = s.notes + QueryEstimate.deploymentCaveats(d)
            if p.overContext { p.notes.append("never on the frontier: longer than the context window, which an engine refuses unless the limit is lifted") }
            p.decodeJoules = s.decode.energy.joules
            // A cap below TDP: what `estimate` says of it, the band's runs at default settings and
            // a decode saving beyond the measured (an upper bound), on the row that ranks it. The
            // caveat needs the decode at no cap: the grid's own uncapped point where it has one
            // (`clockCaveats`, after every point has run), else priced here.
            // A cap no step reaches changes no figure (B200 × 8 at 600 W priced as at 1,000 W), so
            // the range holds as at TDP: the caveat said otherwise beside the uncapped row's figures.
            if let note = SettingCaveats.rangeNote(d, s, band: p.whPerQueryRange != nil) { p.notes.append(note) }
            if spec.uncappedPosition == nil, let note = try QueryEstimate.clockCaveat(estimator, d, serving, s) { p.notes.append(note) }
            // 8-bit experts without block scales rank on the unmeasured, cheaper pricing: the row says so, with the other figure.
            if let note = try QueryEstimate.eightBitExpertsCaveat(estimator, d, serving, settings, ledger, spec.boundary) { p.notes.append(note) }
            p.outputTokensPerSecond = s.outputTokensPerSecond
            p.gpuWatts = s.gpuPower.watts
            // An ITL target cannot bind a one-token answer (`Tuning.unboundTargetNote`).
            if let target = spec.itlTargetMs, let itl = p.itlMs(spec.itlStatistic) { p.meetsTargets = itl <= target } else { p.meetsTargets = true }
            p.meetsTargets = p.meetsTargets && (spec.ttftTargetMs.map { p.ttftMs <= $0 } ?? true)
        } catch {
            p.error = "\(error)"
        }
        return p
    }

    /// Pareto frontier on (Wh per query, inter-token latency, or TTFT for one-token answers) among
    /// points that ran, meet the targets and fit the model's context window: every point no other
    /// point dominates (lower in one, no higher in the other).
    /// Points tied in both are all on it: neither beats the other (a strict `<` kept only the
    /// first of two tied points, so 4 GPUs serving 4× the throughput at 1 GPU's Wh and ITL were
    /// left off).
    ///
    /// Walked in order of (Wh, ITL): a point is on the frontier when its ITL is below every
    /// earlier point's, or ties the lowest and its Wh ties that frontier point's too.
    static func markPareto(_ points: [SweepPoint]) -> [SweepPoint] {
        var out = points
        let candidates = points.indices.filter { points[$0].error == nil && points[$0].meetsTargets && !points[$0].overContext }
            .sorted { (points[$0].whPerQuery, points[$0].frontierLatencyMs, $0) < (points[$1].whPerQuery, points[$1].frontierLatencyMs, $1) }
        var best = (latencyMs: Double.infinity, whPerQuery: Double.infinity)
        for i in candidates {
            let p = points[i], latency = p.frontierLatencyMs
            guard latency < best.latencyMs || (latency == best.latencyMs && p.whPerQuery == best.whPerQuery) else { continue }
            out[i].pareto = true
            best = (latency, p.whPerQuery)
        }
        return out
    }

    /// Results written from several threads, each index once.
    final class ResultBox: @unchecked Sendable {
        private var storage: [SweepPoint?]
        private var done = 0
        private let lock = NSLock()
        init(count: Int) { storage = [SweepPoint?](repeating: nil, count: count) }
        func set(_ i: Int, _ p: SweepPoint) { lock.lock(); storage[i] = p; lock.unlock() }
        func finished(_ k: Int) -> Int { lock.lock(); defer { lock.unlock() }; done += k; return done }
        func values() -> [SweepPoint] { storage.compactMap { $0 } }
    }
}
