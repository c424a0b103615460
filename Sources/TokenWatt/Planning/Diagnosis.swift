import Foundation
import KernelPower

/// Why a configuration costs what it costs: where the GPU time goes, whether the KV cache limits
/// the batch, and what nearby configurations would cost, with the numbers behind every
/// counter-intuitive result (FP8 costing more at a small batch; more GPUs costing less because
/// they unlock a bigger batch).
public struct Diagnosis: Sendable {
    /// A nearby configuration and how it compares.
    public struct Alternative: Sendable {
        public var change: String
        public var gpuWhPerQuery: Double
        /// Nil for a one-token answer, which has no interval between tokens (as `estimate` shows it).
        public var itlMs: Double?
        public var effectiveBatch: Int
        public var stepMs: Double
        public var wattsPerGPU: Double
        public var overheadAndIdleShare: Double
        /// Why it differs, in plain words with the numbers; nil when it could not be run.
        public var explanation: String
        /// How well `validate` found changes of this kind predicted where measured (nil under
        /// another calibration).
        public var measured: LeverValidation.Row? = nil
    }

    public let base: QueryEstimate
    /// The passes the share columns describe: those `estimate` prices and `kernels --pass` lists
    /// (`pricedPass`).
    public let prefillPhase: Phase
    public let decodePhase: Phase
    /// Share of each pass's time by what bounds it (compute, HBM memory, L2 cache, communication, overhead, the
    /// fitted per-sequence decode time, idle).
    public let prefillShares: [(String, Double)]
    public let decodeShares: [(String, Double)]
    /// Share of the query's GPU energy by what bounds the kernels that spend it, from the split
    /// `kernels --per-query` prints (`QueryKernels.byBound`): every chunk of the prompt and every
    /// decode step the query is in. It had weighted the two listed passes' splits by their
    /// phases' energy, and the prefill pass is one chunk's step: on a 100,000-token prompt (8B on
    /// an H100) it read 33 % compute-bound and 45 % L2-bound where prefill attention alone, compute-bound,
    /// is 59 % of the query.
    public let energyShares: [(String, Double)]
    /// Which chunk of the prompt the prefill pass carries, in words (empty for a whole prefill).
    let prefillChunkWords: String
    public let kvFinding: String
    public let alternatives: [Alternative]
    /// The decode step kernel by kernel (`tokenwatt kernels`).
    public let decodeKernels: KernelListing

    /// The assumptions and caveats `estimate` gives for this configuration, read from the same
    /// estimate (`QueryEstimate.assumptions`), so that a note added there reaches `diagnose` too.
    /// Diagnose had left them out: at a locked 1,200 MHz it printed Llama-3.1-70B's measured error
    /// range (0.0603–0.1137 Wh) as if it applied and a 47.6 % decode saving without `estimate`'s
    /// word that only up to 32 % has been measured, and put 82 % of DeepSeek-V3.1's decode energy
    /// in expert GEMMs without the note that such steps measured 1.34–1.65× shorter.
    public var notes: [String] { base.assumptions }

    public init(estimator: Estimator, request: DeploymentRequest, serving: ServingRequest) throws {
        let d = try estimator.deployment(request)
        base = try QueryEstimate(estimator: estimator, deployment: d, request: serving, settings: try LedgerSettings(), boundary: .gpu)
        let prefill = try Self.pricedPass(.prefill, estimator: estimator, estimate: base)
        let decode = try Self.pricedPass(.decode, estimator: estimator, estimate: base)
        prefillPhase = prefill.phase
        decodePhase = decode.phase
        prefillShares = Self.shares(prefill.pass)
        decodeShares = Self.shares(decode.pass)
        energyShares = Self.energyShares(try QueryKernels(estimator: estimator, estimate: base))
        prefillChunkWords = Self.chunkWords(prefill.phase, request: serving, local: max(1, base.serving.effectiveBatch / d.attentionRanks))
        let s = base.serving
        if s.batchLimit == .stepBudget {
            kvFinding = "the step's \(serving.tokenBudget)-token budget limits the batch: \(s.effectiveBatch) sequences keep decoding of the \(s.requestedBatch) requested, the KV cache has room for \(s.maxBatch)"
        } else if s.batchLimitedByMemory {
            kvFinding = "the KV cache limits the batch: \(s.effectiveBatch) sequences fit of the \(s.requestedBatch) requested (each holds up to \(serving.inputTokens + serving.outputTokens) tokens)"
        } else {
            kvFinding = "the KV cache does not limit the batch: \(Self.batchWords(s, ranks: d.attentionRanks)), room for \(s.maxBatch)"
        }
        alternatives = Self.alternatives(estimator: estimator, request: request, serving: serving,
                                         base: Priced(estimate: base, step: serving.hasInterTokenInterval ? decode.pass : prefill.pass))
        decodeKernels = try KernelListing(estimator: estimator, deployment: d, serving: serving, pass: .decode, estimate: base.serving)
    }

    /// What runs of the batch asked for: "3 sequences requested", or, where the data-parallel
    /// replicas each run the same whole number, "4 sequences run (3 requested, 2 on each of 2
    /// data-parallel replicas)"; it had said "3 requested" of a deployment that runs 4.
    static func batchWords(_ s: ServingEstimate, ranks: Int) -> String {
        guard s.effectiveBatch != s.requestedBatch else { return "\(s.requestedBatch) sequences requested" }
        return "\(s.effectiveBatch) sequences run (\(s.requestedBatch) requested, \(s.effectiveBatch / ranks) on each of \(ranks) data-parallel replicas)"
    }

    /// A configuration's estimate and the step the explanations quote: the decode step it prices
    /// (`pricedPass(.decode)`), or for a one-token answer, which decodes nothing, the step that
    /// carries its prompt (FP8 had "saved 30 %: the decode step goes from 40.2 ms to 40.2 ms" of a
    /// one-token HF answer). Every other member reads through to the estimate.
    @dynamicMemberLookup
    struct Priced {
        let estimate: QueryEstimate
        let step: PassEstimate
        var stepName: String { estimate.request.hasInterTokenInterval ? "decode step" : "step carrying the prompt" }
        subscript<T>(dynamicMember path: KeyPath<QueryEstimate, T>) -> T { estimate[keyPath: path] }
        var gpuWh: Double { estimate.ledger.total(at: .gpu).wattHours }
    }

    /// `pass` as the estimate `e` prices it and `kernels --pass` lists it, whole (a pipeline's
    /// cycle, its stages' waits included). The columns had come from other passes: the decode
    /// from `ServingEstimate.decodeStep`, a static batch's last quadrature node (HF's host-bound
    /// step at context 542 read 31 % idle, the mean step at 350 that `estimate` and `kernels` use
    /// 48 %), and the prefill from one batch-1 prompt, where HF prefills the batch's 64 at once
    /// (77 % idle against 1.5 %) and vLLM runs chunks inside decode steps.
    static func pricedPass(_ pass: KernelListing.Pass, estimator: Estimator, estimate e: QueryEstimate) throws -> (phase: Phase, pass: PassEstimate) {
        let phase = KernelListing.phase(pass, deployment: e.deployment, serving: e.request, estimate: e.serving)
        return (phase, try estimator.forwardPass(e.deployment, phase: phase))
    }

    static let bounds: [(String, Bound)] = [("compute-bound", .compute), ("memory-bound", .memory), ("L2-bound", .l2),
                                            ("communication", .communication), ("per-kernel overhead", .overhead),
                                            (perSequenceWords, .perSequence)]
    static let idle = "idle (launch gaps)"
    static let perSequenceWords = "per-sequence decode time"
    /// What the per-sequence row is, said where a decode step has some: it is no HBM traffic.
    static let perSequenceNote = "\(perSequenceWords): decode attention's fitted time for each sequence beyond its KV stream, "
        + "work the measured steps need whose nature is not known: carried to other GPUs by their HBM bandwidth, but not HBM traffic "
        + "(HBM is not busy while it runs; methodology §3)\n"

    static func shares(_ p: PassEstimate) -> [(String, Double)] {
        bounds.map { ($0.0, p.timeShare[$0.1] ?? 0) } + [(idle, p.idleShare)]
    }

    /// The query's GPU energy by what bounds each kernel, its gaps (and under pipeline
    /// parallelism the stages' waits) as idle, as shares of the query's energy.
    static func energyShares(_ q: QueryKernels) -> [(String, Double)] {
        let total = q.byBound.values.reduce(.zero, +).joules
        func share(_ b: Bound?) -> Double { total > 0 ? (q.byBound[b]?.joules ?? 0) / total : 0 }
        return bounds.map { ($0.0, share($0.1)) } + [(idle, share(nil))]
    }

    /// Which of a prompt's chunks the prefill pass carries: the first, or where the estimate
    /// weighs a long prompt's chunks at quadrature positions, the first of those. It had said
    /// "the step that carries a prompt's first chunk" of a chunk at 10,151 tokens.
    static func chunkWords(_ phase: Phase, request r: ServingRequest, local: Int) -> String {
        guard case let .mixed(_, _, _, past, _) = phase else { return "" }
        if past == 0 { return ", the step that carries a prompt's first chunk" }
        let plan = ContinuousPlan(request: r, local: local)
        return ", the step that carries the chunk at the first of the \(plan.chunks.count) positions at which the estimate "
            + "weighs the prompt's \(plan.chunksPerPrompt) chunks"
    }

    /// A time in milliseconds, to three significant digits.
    static func ms(_ t: Time) -> String { "\(formatNumber(t.seconds * 1000, significant: 3)) ms" }

    /// What `estimate`'s receipt says in place of an ITL for a one-token answer.
    static let noInterTokenLatency = "– (\(ServingRequest.noIntervalWords))"

    /// A query's ITL in words, or `noInterTokenLatency` for a one-token answer: its token comes
    /// from the step that ends the prompt, and the step time is no interval between tokens.
    static func itl(_ q: QueryEstimate) -> String {
        q.interTokenMilliseconds(q.serving.interTokenLatency) == nil ? noInterTokenLatency : ms(q.serving.interTokenLatency)
    }

    /// Which pass each column describes; a prompt chunk's step is mostly decode rows, and a
    /// replica's pass holds its share of the batch, which the column would not say on its own.
    var passLines: String {
        let chunk = prefillChunkWords
        let ranks = base.deployment.attentionRanks
        let each = ranks > 1 ? ", on each of \(ranks) data-parallel replicas" : ""
        return "the passes estimate prices (tokenwatt kernels --pass prefill or decode lists their kernels):\n"
            + "  prefill: \(KernelListing.words(prefillPhase))\(chunk)\(each)\n  decode: \(KernelListing.words(decodePhase))\(each)\n"
    }

    /// The levers the diagnosis ran with, one line under the header: the power cap, clock, KV
    /// precision and framework had not been said anywhere in the text.
    var settingsLine: String {
        let d = base.deployment
        let cap = d.powerCap.map { "power cap \(formatNumber($0.watts)) W" } ?? "power cap \(formatNumber(d.gpu.tdp.watts)) W (TDP)"
        let clock = d.lockedClock.map { "SM clock locked at \(formatNumber($0.megahertz)) MHz" } ?? "SM clock at boost"
        return "settings: \(d.parallelism), \(cap), \(clock), \(d.kvPrecision.rawValue) KV cache, framework \(d.framework.rawValue)"
    }

    public func text() -> String {
        let d = base.deployment, s = base.serving
        var t = "TokenWatt diagnose — \(d.model.id) on \(d.gpuCount) × \(d.gpu.id), \(d.precision.rawValue), batch \(s.requestedBatch), \(base.request.inputTokens) + \(base.request.outputTokens) tokens\n"
        t += settingsLine + "\n\n"
        let range = base.range.map { ", measured error range \(formatNumber($0.low[.gpu] ?? 0, significant: 4))–\(formatNumber($0.high[.gpu] ?? 0, significant: 4)) Wh" + rangeCaveat } ?? ""
        t += "GPU energy per query \(formatNumber(base.ledger.total(at: .gpu).wattHours, significant: 4)) Wh (prefill \(formatPercent(s.prefillShare, decimals: 0))\(range)), ITL \(Diagnosis.itl(base)), TTFT \(Diagnosis.ms(s.timeToFirstToken)), \(formatNumber(s.gpuPower.watts, significant: 4)) W per GPU\n\n"
        t += "WHERE THE TIME AND ENERGY GO (prefill, decode: share of each pass's time; energy: share of the query's GPU energy)\n"
        t += FleetRendering.table(["", "prefill", "decode", "energy"], prefillShares.indices.map { i in
            [prefillShares[i].0, formatPercent(prefillShares[i].1, decimals: 0), formatPercent(decodeShares[i].1, decimals: 0), formatPercent(energyShares[i].1, decimals: 0)]
        })
        t += "memory-bound: HBM bandwidth; L2-bound: the on-chip L2 cache's, which follows the SM clock (faster HBM does not help)\n"
        if decodeShares.contains(where: { $0.0 == Self.perSequenceWords && $0.1 > 0 }) { t += Self.perSequenceNote }
        t += passLines
        if d.pipelineParallel > 1 {
            t += "with pp \(d.pipelineParallel), idle includes the time each stage waits for the cycle's slowest stage or microbatch\n"
        }
        t += "\nWHERE THE DECODE STEP'S ENERGY GOES (largest kernels per step; tokenwatt kernels lists every one)\n"
        if d.pipelineParallel > 1 {
            t += "pipeline stage 1, one of the \(decodeKernels.microbatches) microbatches of a cycle (tokenwatt kernels --stage N lists the others)\n"
        }
        let step = decodeKernels.breakdown.pass
        t += FleetRendering.table(["kernel", "ms", "energy", "W"], decodeKernels.breakdown.totalsByKernel.prefix(6).map { k in
            [k.kernel, formatNumber(k.time.seconds * 1000, significant: 3), formatPercent(k.energy / step.energy, decimals: 0),
             formatNumber(k.power.watts, significant: 3)]
        })
        if let note = aboveLimitNote { t += "note: \(note)\n" }
        t += "\nKV CACHE: \(kvFinding)\n\nNEARBY CONFIGURATIONS (GPU boundary)\n"
        t += FleetRendering.table(["change", "Wh/query", "vs now", "ITL ms", "batch", "W/GPU"], alternatives.map { a in
            a.stepMs == 0 ? [a.change, "–", "–", "–", "–", "–"]
                : [a.change, formatNumber(a.gpuWhPerQuery, significant: 4), (a.gpuWhPerQuery >= base.ledger.total(at: .gpu).wattHours ? "+" : "−") + Diagnosis.pct(a.gpuWhPerQuery, base.ledger.total(at: .gpu).wattHours),
                   a.itlMs.map { formatNumber($0, significant: 4) } ?? "–", String(a.effectiveBatch), formatNumber(a.wattsPerGPU, significant: 4)]
        })
        t += "\nWHY\n" + alternatives.map { "  - \($0.change): \($0.explanation)\n" }.joined()
        let measured = alternatives.compactMap(\.measured).uniqued()
        if !measured.isEmpty {
            t += "\nHOW WELL SUCH CHANGES ARE PREDICTED (tokenwatt validate, pairs of measured runs)\n"
                + measured.map { "  - \(FleetRendering.accuracyWords($0))\n" }.joined()
        }
        t += "\nASSUMPTIONS AND CAVEATS (tokenwatt estimate's, for this configuration)\n" + notes.map { "  - \($0)\n" }.joined()
        return t
    }

    /// `kernels`' note on the decode step's kernels that draw more than the cap or TDP on their
    /// own: the limiter holds the pass's mean. A 2026-12-07 probe found diagnose listing down_proj
    /// at 360 W and o_proj at 354 W under a 300 W cap (Llama-3.3-70B on 4 × H100) with no word,
    /// where `kernels` says "6 kernels draw more than the 300 W limit on their own".
    var aboveLimitNote: String? { KernelListing.aboveBoardNote(decodeKernels.breakdown, base.deployment) }

    /// Where `estimate` says the error range's runs ran at other settings than these (a locked
    /// clock, a cap below TDP), the range says so where it is printed, in `estimate`'s words.
    var rangeCaveat: String {
        notes.contains(DecodeClockCaveat.rangeAtDefaultSettings) ? "; \(DecodeClockCaveat.rangeAtDefaultSettings)" : ""
    }
}
