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
    /// Share of each pass's time by what bounds it (compute, HBM memory, L2 cache, communication, overhead, idle).
    public let prefillShares: [(String, Double)]
    public let decodeShares: [(String, Double)]
    /// Share of the query's GPU energy by what bounds the kernels that spend it: each pass's
    /// energy split weighted by its phase's energy. It had weighted the passes' time shares, so
    /// idle gaps read 8.8 % of the energy where `kernels --per-query` puts them at 1.8 %.
    public let energyShares: [(String, Double)]
    public let kvFinding: String
    public let alternatives: [Alternative]
    /// The decode step kernel by kernel (`tokenwatt kernels`).
    public let decodeKernels: KernelListing

    /// The assumptions and caveats `estimate` gives for this configuration, read from the same
    /// estimate (`QueryEstimate.assumptions`), so that a note added there reaches `diagnose` too.
    /// Diagnose had left them out: at a locked 1,200 MHz it printed Llama-3.1-70B's measured error
    /// range (0.0603–0.1137 Wh) as if it applied and a 47.6 % decode saving without `estimate`'s
    /// word that only up to 32 % has been measured, and put 82 % of DeepSeek-V3.1's decode energy
    /// in expert GEMMs without the note that such steps measured 1.35–1.65× shorter.
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
        let pe = base.serving.prefill.energy.joules, de = base.serving.decode.energy.joules
        let prefillEnergy = try Self.energyShares(of: prefill.phase, on: d, estimator: estimator)
        let decodeEnergy = try Self.energyShares(of: decode.phase, on: d, estimator: estimator)
        energyShares = zip(prefillEnergy, decodeEnergy).map { p, q in (p.0, (p.1 * pe + q.1 * de) / max(1e-12, pe + de)) }
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
                                            ("communication", .communication), ("per-kernel overhead", .overhead)]
    static let idle = "idle (launch gaps)"

    static func shares(_ p: PassEstimate) -> [(String, Double)] {
        bounds.map { ($0.0, p.timeShare[$0.1] ?? 0) } + [(idle, p.idleShare)]
    }

    /// The energy of the pass `estimate` prices for `phase` by what bounds each kernel, its gaps
    /// (and under pipeline parallelism the stages' waits) as idle, as shares of the pass's energy.
    static func energyShares(of phase: Phase, on d: Deployment, estimator: Estimator) throws -> [(String, Double)] {
        let step = try QueryKernels.PricedStep(phase, on: d, estimator: estimator)
        var byBound: [Bound: Double] = [:]
        var gaps = step.wait.joules
        for run in step.runs {
            for k in run.kernels { byBound[k.bound, default: 0] += k.totalEnergy.joules }
            gaps += run.pass.gapEnergy.joules
        }
        let total = byBound.values.reduce(gaps, +)
        func share(_ x: Double) -> Double { total > 0 ? x / total : 0 }
        return bounds.map { ($0.0, share(byBound[$0.1] ?? 0)) } + [(idle, share(gaps))]
    }

    static func alternatives(estimator: Estimator, request r: DeploymentRequest, serving: ServingRequest, base: Priced) -> [Alternative] {
        var out: [Alternative] = []
        let d = base.deployment
        func run(_ change: String, lever: String, _ req: DeploymentRequest, _ sr: ServingRequest, explain: (Priced) -> String) {
            do {
                let q = try QueryEstimate(estimator: estimator, deployment: try estimator.deployment(req), request: sr, settings: try LedgerSettings(), boundary: .gpu)
                let step = try pricedPass(sr.hasInterTokenInterval ? .decode : .prefill, estimator: estimator, estimate: q).pass
                let e = Priced(estimate: q, step: step)
                out.append(Alternative(change: change, gpuWhPerQuery: e.ledger.total(at: .gpu).wattHours, itlMs: q.interTokenMilliseconds(q.serving.interTokenLatency),
                                       effectiveBatch: e.serving.effectiveBatch, stepMs: step.time.seconds * 1000, wattsPerGPU: e.serving.gpuPower.watts,
                                       overheadAndIdleShare: (step.timeShare[.overhead] ?? 0) + step.idleShare, explanation: explain(e),
                                       measured: estimator.leverAccuracy(lever)))
            } catch {
                out.append(Alternative(change: change, gpuWhPerQuery: 0, itlMs: nil, effectiveBatch: 0, stepMs: 0, wattsPerGPU: 0,
                                       overheadAndIdleShare: 0, explanation: "not possible: \(error)"))
            }
        }
        let other: Precision? = d.precision == .fp8 ? .bf16 : (d.gpu.tensorPeaks[.fp8] != nil && d.precision != .fp32 ? .fp8 : nil)
        if let p = other {
            var req = r
            req.precision = p
            run("\(p.rawValue) weights instead of \(d.precision.rawValue)", lever: "precision", req, serving) { e in explainPrecision(base, e) }
        }
        if let state = d.model.recurrentState {
            var req = r
            let other: Precision = state.stateBytes == 4 ? .bf16 : .fp32
            req.ssmStatePrecision = other
            run("\(state.mixer) state in \(other.rawValue) instead of \(state.precisionName)", lever: "ssm-state", req, serving) { e in
                explainState(base, e)
            }
        }
        if d.pipelineParallel == 1, d.tensorParallel >= 2, d.tensorParallel % 2 == 0, d.expertParallel == 1, d.framework.supportsPipelineParallel {
            var staged = r
            staged.gpus = d.gpuCount
            staged.tensorParallel = d.tensorParallel / 2
            staged.pipelineParallel = 2
            run("tp \(d.tensorParallel / 2) × pp 2 instead of tp \(d.tensorParallel)", lever: "pp", staged, serving) { e in explainPipeline(base, e) }
        }
        if d.model.moe != nil, d.tensorParallel > 1, d.expertParallel == 1, d.pipelineParallel == 1, d.framework.isFused, d.framework != .trtllm {
            var dp = r
            dp.tensorParallel = 1
            dp.expertParallel = d.tensorParallel
            run("attention data-parallel, experts over \(d.tensorParallel) ranks (tp 1, ep \(d.tensorParallel)) instead of tp \(d.tensorParallel)",
                lever: "ep", dp, serving) { e in explainDataParallelAttention(base, e) }
        }
        var more = r
        more.gpus = d.gpuCount * 2
        more.tensorParallel = d.tensorParallel * 2
        let ep = d.expertParallel > 1 ? ", ep \(d.expertParallel)" : ""
        run("\(d.gpuCount * 2) GPUs (tp \(d.tensorParallel * 2)\(ep)) instead of \(d.gpuCount)", lever: "gpus", more, serving) { e in explainGPUs(base, e) }
        // Around the batch that runs, not the one asked for: a batch the KV cache cut from 100,000
        // to 392 was compared with 25,000 and 400,000, both cut to 392 again (+0 % each).
        // In whole sequences per data-parallel replica, so that the batch named is the one that
        // runs: a quarter of 4 on 2 replicas asked for 1, ran 2 and was labelled "batch 1".
        let running = base.serving.effectiveBatch, ranks = d.attentionRanks
        for b in [max(1, running / ranks / 4) * ranks, running * 4] where b != running && !(b > running && base.serving.batchLimit != .none) {
            var sr = serving
            sr.batch = b
            run("batch \(b) instead of \(running)", lever: "batch", r, sr) { e in explainBatch(base, e) }
        }
        return out
    }

    /// Within this share of the configuration's GPU energy a neighbour costs "about the same". The
    /// explanations had read the sign alone: Qwen3-235B-A22B-FP8 on 8 H100 (batch 64, 500 + 500)
    /// printed "bf16 saves 0 % … it still saves because fp8's scaling … outweighs those bytes" of
    /// 0.3162 Wh against 0.3171 (0.28 % less).
    static let aboutTheSame = 0.005

    /// Whether `b` Wh is within `aboutTheSame` of `a`.
    static func same(_ b: Double, _ a: Double) -> Bool { abs(b / a - 1) < aboutTheSame }

    /// `a` against `b` as an unsigned percentage: whole percents, or within `aboutTheSame` one
    /// decimal (two below 0.05 %), so that "about the same" is not printed beside "0 %" (Qwen3-30B-A3B's
    /// data-parallel attention at batch 8 read "0.0 % more").
    static func pct(_ a: Double, _ b: Double) -> String {
        let x = abs(a / b - 1)
        return formatPercent(x, decimals: !same(a, b) ? 0 : x < 0.0005 ? 2 : 1)
    }
    static func ms(_ t: Time) -> String { "\(formatNumber(t.seconds * 1000, significant: 3)) ms" }

    /// What `estimate`'s receipt says in place of an ITL for a one-token answer.
    static let noInterTokenLatency = "– (\(ServingRequest.noIntervalWords))"

    /// A query's ITL in words, or `noInterTokenLatency` for a one-token answer: its token comes
    /// from the step that ends the prompt, and the step time is no interval between tokens.
    static func itl(_ q: QueryEstimate) -> String {
        q.interTokenMilliseconds(q.serving.interTokenLatency) == nil ? noInterTokenLatency : ms(q.serving.interTokenLatency)
    }

    /// How `b`'s GPU energy per query compares with `a`'s: "12 % less", "3 % more", or within
    /// `aboutTheSame` "about the same (0.3 % less)".
    static func energyChange(_ a: Priced, _ b: Priced) -> String {
        let ea = a.gpuWh, eb = b.gpuWh
        let change = "\(pct(eb, ea)) \(eb < ea ? "less" : "more")"
        return same(eb, ea) ? "about the same (\(change))" : change
    }

    /// A lower precision halves the weight bytes each decode step reads, but the saving is small when
    /// the step is dominated by fixed per-kernel overhead and launch gaps, and scaling kernels add work.
    /// A higher one (FP8 instead of MXFP4, BF16 instead of FP8) reads more bytes every step.
    static func explainPrecision(_ a: Priced, _ b: Priced) -> String {
        let ea = a.gpuWh, eb = b.gpuWh
        let sa = a.step, sb = b.step
        // Weight precision shrinks neither launches nor collectives (activations stay 16-bit).
        let fixed = (sa.timeShare[.overhead] ?? 0) + (sa.timeShare[.communication] ?? 0) + sa.idleShare
        // Within `aboutTheSame` the words say so, and no reason below claims a saving or a cost.
        let level = same(eb, ea)
        let verb = level ? "costs \(energyChange(a, b))" : eb > ea ? "costs \(pct(eb, ea)) more" : "saves \(pct(eb, ea))"
        var s = "\(b.deployment.precision.rawValue) \(verb) per query: the \(a.stepName) goes from \(ms(sa.time)) to \(ms(sb.time)) and power per GPU from \(formatNumber(a.serving.gpuPower.watts, significant: 3)) to \(formatNumber(b.serving.gpuPower.watts, significant: 3)) W"
        if b.serving.effectiveBatch != a.serving.effectiveBatch { s += "; the batch that fits goes from \(a.serving.effectiveBatch) to \(b.serving.effectiveBatch)" }
        let bytes = b.deployment.precision.weightBytesPerElement / a.deployment.precision.weightBytesPerElement
        if bytes > 1 {
            s += ". Its weights take \(formatNumber(bytes, significant: 3))× the bytes of \(a.deployment.precision.rawValue) ones, and every step reads them"
            if level {
                s += "; yet its " + balance(a, b)
            } else if eb < ea {
                s += "; it still saves because \(a.deployment.precision.rawValue)'s scaling and dequantization work outweighs those bytes here"
            }
        } else if level {
            s += ". Its " + balance(a, b)
            if fixed > 0.3 { s += "; \(formatPercent(fixed, decimals: 0)) of the step at batch \(a.serving.effectiveBatch) is per-kernel overhead, collectives and launch gaps that precision does not shrink" }
        } else if eb > ea {
            s += ". It costs more because \(formatPercent(fixed, decimals: 0)) of the step at batch \(a.serving.effectiveBatch) is per-kernel overhead, collectives and launch gaps that precision does not shrink, while the step runs its kernels at higher power"
        } else if fixed > 0.3 {
            s += ". The saving is limited: \(formatPercent(fixed, decimals: 0)) of the step is per-kernel overhead, collectives and launch gaps that precision does not shrink"
        }
        return s + "."
    }

    /// Why a precision neighbour within `aboutTheSame` costs about the same, from the figures its
    /// sentence quotes: its step time and its power per GPU, which the energy per query multiplies,
    /// move apart or hardly at all. Starts lower-case after "its" ("decode step is 1.9 % shorter …").
    /// Where a higher precision's step is shorter, `a`'s scaling and dequantization work is why.
    static func balance(_ a: Priced, _ b: Priced) -> String {
        let t = b.step.time.seconds / a.step.time.seconds - 1, w = b.serving.gpuPower.watts / a.serving.gpuPower.watts - 1
        guard abs(t) >= aboutTheSame || abs(w) >= aboutTheSame else { return "\(a.stepName)'s time and power per GPU hardly move" }
        let scaling = b.deployment.precision.weightBytesPerElement > a.deployment.precision.weightBytesPerElement && t < 0
            ? " (\(a.deployment.precision.rawValue)'s scaling and dequantization work outweighs those bytes)" : ""
        return "\(a.stepName) is \(formatPercent(abs(t), decimals: 1)) \(t < 0 ? "shorter" : "longer")\(scaling) and draws "
            + "\(formatPercent(abs(w), decimals: 1)) \(w > 0 ? "more" : "less") power per GPU" + ((t < 0) == (w > 0) ? ", which about cancel" : "")
    }

    /// More GPUs add idle and communication power but can unlock a bigger batch (more KV memory)
    /// and shorter memory-bound steps.
    static func explainGPUs(_ a: Priced, _ b: Priced) -> String {
        let ea = a.gpuWh, eb = b.gpuWh
        let saves = eb < ea && !same(eb, ea)
        var s = "\(b.deployment.gpuCount) GPUs uses \(energyChange(a, b)) GPU energy per query: \(a.stepName) \(ms(a.step.time)) → \(ms(b.step.time)), batch \(a.serving.effectiveBatch) → \(b.serving.effectiveBatch)"
        if saves && b.serving.effectiveBatch > a.serving.effectiveBatch {
            s += ". Counter-intuitive but real: the extra memory holds \(b.serving.effectiveBatch) sequences instead of \(a.serving.effectiveBatch), so each step's weight reads serve \(formatNumber(Double(b.serving.effectiveBatch) / Double(max(1, a.serving.effectiveBatch)), significant: 3))× as many tokens"
        } else if saves {
            s += ". Counter-intuitive but real: each GPU reads 1/\(b.deployment.tensorParallel) of the weights per step, so the memory-bound step shortens more than the added GPUs' power"
        } else {
            s += "; communication takes \(formatPercent(b.step.timeShare[.communication] ?? 0, decimals: 0)) of the step"
        }
        return s + "."
    }

    /// Two stages on half the tensor-parallel GPUs each: half the all-reduce traffic per GPU and
    /// no collective across the stage boundary, but each stage reads its weights once per microbatch.
    static func explainPipeline(_ a: Priced, _ b: Priced) -> String {
        let comm = { (q: Priced) in formatPercent(q.step.timeShare[.communication] ?? 0, decimals: 0) }
        return "two pipeline stages use \(energyChange(a, b)) GPU energy per query: the pipeline cycle is "
            + "\(ms(b.step.time)) against a \(a.stepName) of \(ms(a.step.time)), as each stage reads its weights once per "
            + "microbatch (2 per cycle), while the time bound by communication falls from \(comm(a)) to \(comm(b))."
    }

    /// vLLM's data-parallel attention with expert parallelism: each GPU attends its own share of
    /// the sequences with every head, so KV heads (or MLA's latent, which tensor parallelism
    /// replicates) are held once, and no GPU pads or repeats per-head work; the experts split over the ranks.
    static func explainDataParallelAttention(_ a: Priced, _ b: Priced) -> String {
        let m = a.deployment.model
        let replicated = m.attention.mla != nil || m.kvHeads < a.deployment.tensorParallel
        return "each GPU attends its own share of the sequences with every head"
            + (replicated ? ", so the KV cache is held once rather than on every GPU of the tensor-parallel group" : "")
            + ", while the experts split over the ranks: \(energyChange(a, b)) energy per query, "
            + "\(a.stepName) \(ms(a.step.time)) → \(ms(b.step.time)), batch \(a.serving.effectiveBatch) → "
            + "\(b.serving.effectiveBatch) (vLLM's --data-parallel-size with --enable-expert-parallel)."
    }

    /// Every decode step reads and rewrites each sequence's SSM state, so its precision scales the
    /// step's state traffic (and how many sequences fit).
    static func explainState(_ a: Priced, _ b: Priced) -> String {
        let mb = { (q: Priced) in formatNumber(q.deployment.recurrentStateBytesPerSequencePerGPU.bytes / 1e6, significant: 3) }
        return "the state each sequence holds and streams every decode step goes from \(mb(a)) to \(mb(b)) MB per GPU: "
            + "\(energyChange(a, b)) energy per query, \(a.stepName) \(ms(a.step.time)) → "
            + "\(ms(b.step.time)), batch \(a.serving.effectiveBatch) → \(b.serving.effectiveBatch) (vLLM's --mamba-ssm-cache-dtype; "
            + (a.deployment.model.hybrid != nil ? "NVIDIA recommends float32 for these models' accuracy)."
                : "Qwen3.5's config asks for float32, mamba_ssm_dtype).")
    }

    /// A one-token answer has no inter-token latency: its latency is the time to its first token.
    static func explainBatch(_ a: Priced, _ b: Priced) -> String {
        let latency = a.request.hasInterTokenInterval
            ? "inter-token latency \(ms(a.serving.interTokenLatency)) → \(ms(b.serving.interTokenLatency))"
            : "time to its one token \(ms(a.serving.timeToFirstToken)) → \(ms(b.serving.timeToFirstToken))"
        return "batch \(b.serving.effectiveBatch)" + (b.serving.effectiveBatch != b.serving.requestedBatch ? " (of \(b.serving.requestedBatch) requested)" : "")
            + ": \(energyChange(a, b)) energy per query, \(latency)" + (b.serving.batchLimitedByMemory ? " (the KV cache caps the batch)" : b.serving.batchLimit == .stepBudget ? " (the step's token budget caps the batch)" : "") + "."
    }

    /// Which pass each column describes; a prompt chunk's step is mostly decode rows, and a
    /// replica's pass holds its share of the batch, which the column would not say on its own.
    var passLines: String {
        let chunk = if case .mixed = prefillPhase { ", the step that carries a prompt's first chunk" } else { "" }
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

    /// Where `estimate` says the error range's runs ran at other settings than these (a locked
    /// clock, a cap below TDP), the range says so where it is printed, in `estimate`'s words.
    var rangeCaveat: String {
        notes.contains(DecodeClockCaveat.rangeAtDefaultSettings) ? "; \(DecodeClockCaveat.rangeAtDefaultSettings)" : ""
    }
}
