import Foundation
import KernelPower

/// A diagnosis's nearby configurations: which ones (`neighbours`), what each costs (`price`), and
/// why it differs in words (`explainPrecision` and the rest), apart from the configuration's own
/// findings and text in Diagnosis.swift (397 lines, which this would have grown).
extension Diagnosis {
    /// A nearby configuration to price: what changes in words, the kind of lever `validate`
    /// measures it as, the requests that run it, and the sentence that explains it against the
    /// configuration (`explainPrecision` and the rest, given the configuration first).
    struct Neighbour {
        let change: String
        let lever: String
        let request: DeploymentRequest
        let serving: ServingRequest
        let explain: (Priced, Priced) -> String
    }

    /// Each neighbour priced (`price`), in `neighbours`' order.
    static func alternatives(estimator: Estimator, request r: DeploymentRequest, serving: ServingRequest, base: Priced) -> [Alternative] {
        neighbours(estimator: estimator, request: r, serving: serving, base: base).map { price($0, estimator: estimator, base: base) }
    }

    /// `n` estimated as the configuration is (GPU boundary, default ledger settings), with its
    /// explanation and `validate`'s accuracy for its lever; a row of zeros saying why where it
    /// cannot run (`text` prints its figures as "–").
    static func price(_ n: Neighbour, estimator: Estimator, base: Priced) -> Alternative {
        do {
            let q = try QueryEstimate(estimator: estimator, deployment: try estimator.deployment(n.request), request: n.serving, settings: try LedgerSettings(), boundary: .gpu)
            let step = try pricedPass(n.serving.hasInterTokenInterval ? .decode : .prefill, estimator: estimator, estimate: q).pass
            let e = Priced(estimate: q, step: step)
            return Alternative(change: n.change, gpuWhPerQuery: e.ledger.total(at: .gpu).wattHours, itlMs: q.interTokenMilliseconds(q.serving.interTokenLatency),
                               effectiveBatch: e.serving.effectiveBatch, stepMs: step.time.seconds * 1000, wattsPerGPU: e.serving.gpuPower.watts,
                               overheadAndIdleShare: (step.timeShare[.overhead] ?? 0) + step.idleShare, explanation: n.explain(base, e),
                               measured: estimator.leverAccuracy(n.lever, on: [q.deployment.gpu.id]))
        } catch {
            return Alternative(change: n.change, gpuWhPerQuery: 0, itlMs: nil, effectiveBatch: 0, stepMs: 0, wattsPerGPU: 0,
                               overheadAndIdleShare: 0, explanation: "not possible: \(error)")
        }
    }

    /// The configurations next to `base` worth comparing: the other weight precision, the other
    /// SSM-state precision, two pipeline stages, data-parallel attention for a mixture of experts,
    /// twice the GPUs, and a quarter and four times the batch that runs. Pricing had run inside
    /// this list, in one 62-line function.
    static func neighbours(estimator: Estimator, request r: DeploymentRequest, serving: ServingRequest, base: Priced) -> [Neighbour] {
        var out: [Neighbour] = []
        let d = base.deployment
        let other: Precision? = d.precision == .fp8 ? .bf16 : (d.gpu.tensorPeaks[.fp8] != nil && d.precision != .fp32 ? .fp8 : nil)
        if let p = other {
            var req = r
            req.precision = p
            out.append(Neighbour(change: "\(p.rawValue) weights instead of \(d.precision.rawValue)", lever: "precision", request: req, serving: serving,
                                 explain: { a, b in explainPrecision(a, b) + blockFP8Words(a, b, estimator: estimator, serving: serving) }))
        }
        if let kv = fp8KVCache(r, base: base) { out.append(kv) }
        if let state = d.model.recurrentState {
            var req = r
            let other: Precision = state.stateBytes == 4 ? .bf16 : .fp32
            req.ssmStatePrecision = other
            out.append(Neighbour(change: "\(state.mixer) state in \(other.rawValue) instead of \(state.precisionName)", lever: "ssm-state",
                                 request: req, serving: serving, explain: explainState))
        }
        if d.pipelineParallel == 1, d.tensorParallel >= 2, d.tensorParallel % 2 == 0, d.expertParallel == 1, d.framework.supportsPipelineParallel {
            var staged = r
            staged.gpus = d.gpuCount
            staged.tensorParallel = d.tensorParallel / 2
            staged.pipelineParallel = 2
            out.append(Neighbour(change: "tp \(d.tensorParallel / 2) × pp 2 instead of tp \(d.tensorParallel)", lever: "pp", request: staged, serving: serving,
                                 explain: explainPipeline))
        }
        if d.model.moe != nil, d.tensorParallel > 1, d.expertParallel == 1, d.pipelineParallel == 1, d.framework.isFused, d.framework != .trtllm,
           d.reshaped(tp: 1, pp: 1, ep: d.tensorParallel).layoutIsAllowed {
            var dp = r
            dp.tensorParallel = 1
            dp.expertParallel = d.tensorParallel
            out.append(Neighbour(change: "attention data-parallel, experts over \(d.tensorParallel) ranks (tp 1, ep \(d.tensorParallel)) instead of tp \(d.tensorParallel)",
                                 lever: "ep", request: dp, serving: serving, explain: explainDataParallelAttention))
        }
        if let wider = twiceTheGPUs(d) {
            var more = r
            more.gpus = wider.gpus
            more.tensorParallel = wider.tp
            more.expertParallel = d.expertParallel > 1 ? wider.ep : r.expertParallel
            out.append(Neighbour(change: "\(wider.gpus) GPUs (\(wider.description)) instead of \(d.gpuCount)", lever: "gpus", request: more,
                                 serving: serving, explain: explainGPUs))
        }
        // Around the batch that runs, not the one asked for: a batch the KV cache cut from 100,000
        // to 392 was compared with 25,000 and 400,000, both cut to 392 again (+0 % each).
        // In whole sequences per data-parallel replica, so that the batch named is the one that
        // runs: a quarter of 4 on 2 replicas asked for 1, ran 2 and was labelled "batch 1".
        let running = base.serving.effectiveBatch, ranks = d.attentionRanks
        for b in [max(1, running / ranks / 4) * ranks, running * 4] where b != running && !(b > running && base.serving.batchLimit != .none) {
            var sr = serving
            sr.batch = b
            out.append(Neighbour(change: "batch \(b) instead of \(running)", lever: "batch", request: r, serving: sr, explain: explainBatch))
        }
        return out
    }

    /// Twice `d`'s GPUs, spread as its checks allow: tp doubled where the heads, the ep group and
    /// the nodes allow it, else the ep group doubled where the experts divide; nil when neither
    /// does. It had always doubled tp, and offered Maverick's tp 8, ep 16 "32 GPUs (tp 16, ep 16)",
    /// which it then priced as impossible (tp 16 does not divide its 40 heads).
    static func twiceTheGPUs(_ d: Deployment) -> (gpus: Int, tp: Int, ep: Int, description: String)? {
        var tries = [(tp: d.tensorParallel * 2, ep: d.expertParallel)]
        if d.expertParallel > 1 { tries.append((tp: d.tensorParallel, ep: d.expertParallel * 2)) }
        for t in tries {
            var wider = d
            wider.gpuCount = d.gpuCount * 2
            wider.tensorParallel = t.tp
            wider.expertParallel = t.ep
            if wider.layoutIsAllowed { return (wider.gpuCount, t.tp, t.ep, ParallelFit(tp: t.tp, pp: d.pipelineParallel, ep: t.ep).description) }
        }
        return nil
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
        let roomA = a.serving.maxBatch, roomB = b.serving.maxBatch
        // The cache held once is a saving only where the room it leaves grows: each GPU now also
        // holds every non-expert weight (Qwen3-235B-A22B on 8 H100s went from room for 271
        // sequences to 56, under "the KV cache is held once").
        let cache = roomB >= roomA
            ? (replicated ? ", so the KV cache is held once rather than on every GPU of the tensor-parallel group" : "")
            : "; each GPU holds every non-expert weight, so the KV cache has room for \(roomB) sequences instead of \(roomA)"
        let capped = b.serving.batchLimitedByMemory ? " (the KV cache caps the batch)" : ""
        return "each GPU attends its own share of the sequences with every head" + cache
            + ", while the experts split over the ranks: \(energyChange(a, b)) energy per query, "
            + "\(a.stepName) \(ms(a.step.time)) → \(ms(b.step.time)), batch \(a.serving.effectiveBatch) → "
            + "\(b.serving.effectiveBatch)\(capped) (vLLM's --data-parallel-size with --enable-expert-parallel)."
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
}
