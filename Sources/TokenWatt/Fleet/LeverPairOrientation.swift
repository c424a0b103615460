import KernelPower

/// Which way a lever runs against the measured pairs of its kind (`LeverValidation.pairs`), whose
/// error is predicted ÷ measured change − 1 for the change from the pair's first run to its
/// second: the lower value first for a numeric lever (batch 8 → 16, GPUs 1 → 2, clock 1005 →
/// 1410 MHz), the first in alphabetical order for a named one (`bf16 → fp8`, `h100-sxm → h200`,
/// `trtllm → vllm`).
///
/// A lever that runs the other way predicts the inverse change of the same pair, so its error is
/// 1 ÷ (1 + e) − 1: the pair's P95 becomes its P5. Read in the pairs' own direction whatever
/// way the lever went, vLLM → TensorRT-LLM "saved 11 % (−4.7 %…+15.8 %)" where TensorRT-LLM →
/// vLLM "cost 12 % (saving −32.2 %…−6.4 %)", which inverted is a saving of 6.0–24.4 %; and
/// batch 256 → 64 cost 14.4–35.5 % where 64 → 256's 17.7–31.0 % saving says 21.5–44.9 %
/// (a 2026-12-07 statistician's probe).
enum LeverPairOrientation: Equatable {
    /// As the pairs run.
    case along
    /// The other way: each error e is read as 1 ÷ (1 + e) − 1.
    case against
    /// Deployments changed both ways (a lever applies to every deployment of its scenario): the
    /// range spans the errors read either way.
    case both

    /// The engines the measured framework pairs ran: Argonne's vLLM and TensorRT-LLM runs
    /// (`ArgonneValidation.frameworks`), the only runs `validate` pairs by framework. A lever to
    /// or from another engine (SGLang, vLLM eager, HF) has no measured pair, so their error
    /// band is not its: an SGLang lever had been read across it, and as `sglang` sorts after
    /// `trtllm` and before `vllm`, vLLM → SGLang read "against" like vLLM → TensorRT-LLM, and
    /// SGLang → TensorRT-LLM "against" too (a 2026-12-07 sustainability probe).
    static let measuredFrameworks: Set<Framework> = Set(ArgonneValidation.frameworks.values.map(\.0))

    /// The orientation of the change `from` → `to` of one setting, compared as `LeverValidation`
    /// orders a pair's two runs (for a framework, `trtllm` → `vllm` is along); nil where the two
    /// are alike.
    static func of(_ from: String, _ to: String) -> LeverPairOrientation? {
        guard from != to else { return nil }
        if let a = Double(from), let b = Double(to) { return a < b ? .along : .against }
        return from < to ? .along : .against
    }

    /// The deployments' orientations together: one where they agree, `both` where they differ,
    /// nil where none changed.
    static func combined(_ each: [LeverPairOrientation?]) -> LeverPairOrientation? {
        let set = Set(each.compactMap { $0 }.map { $0 == .along })
        return set.count > 1 ? .both : set.first.map { $0 ? .along : .against }
    }

    /// The errors a lever's GPU energy is read at (the change it predicts ÷ (1 + e)): the
    /// measured P5 and P95 as the pairs run, inverted for a lever that runs against them, both
    /// readings where it runs both ways.
    func errors(p5: Double, p95: Double) -> [Double] {
        let inverted = [1 / (1 + p95) - 1, 1 / (1 + p5) - 1]
        switch self {
        case .along: return [p5, p95]
        case .against: return inverted
        case .both: return [p5, p95] + inverted
        }
    }

    /// The setting of `lever`'s kind (`LeverChange.measuredLever`) that a deployment runs at, as
    /// the measured pairs name it: the catalog's ids and raw values, a count, a batch limit, the
    /// locked clock in MHz (the GPU's boost clock where none is locked). Nil for another kind.
    static func setting(_ lever: String, _ d: Deployment, batch: Int) -> String? {
        switch lever {
        case "precision": return d.precision.rawValue
        case "gpu": return d.gpu.id
        case "gpus": return String(d.gpuCount)
        case "model": return d.model.id
        case "batch": return String(batch)
        case "clock": return formatNumber((d.lockedClock ?? d.gpu.boostClock).megahertz)
        case "framework": return d.framework.rawValue
        default: return nil
        }
    }
}

extension KernelFleet {
    /// Which way `change` runs against its kind's measured pairs, over the deployments the
    /// scenario's classes with traffic run on (`leverDeployments`); nil for a change of no
    /// measured kind or one that changes no deployment's setting of that kind.
    func pairOrientation(_ change: LeverChange, classes: [QueryClass], surfaces: [ServingSurface]) throws -> LeverPairOrientation? {
        guard let lever = change.measuredLever else { return nil }
        return LeverPairOrientation.combined(try leverDeployments(change, classes: classes, surfaces: surfaces).map { d in
            guard let from = LeverPairOrientation.setting(lever, d.base, batch: d.baseBatch),
                  let to = LeverPairOrientation.setting(lever, d.changed, batch: d.changedBatch) else { return nil }
            return LeverPairOrientation.of(from, to)
        })
    }

    /// The engines a framework lever moves a deployment from or to that no measured pair ran
    /// (`LeverPairOrientation.measuredFrameworks`), in the order met; empty for another kind of
    /// lever and for one between vLLM and TensorRT-LLM, which their measured pairs cover.
    func unmeasuredFrameworks(_ change: LeverChange, classes: [QueryClass], surfaces: [ServingSurface]) throws -> [Framework] {
        guard change.measuredLever == "framework" else { return [] }
        return try leverDeployments(change, classes: classes, surfaces: surfaces)
            .filter { $0.base.framework != $0.changed.framework }
            .flatMap { [$0.base.framework, $0.changed.framework] }
            .filter { !LeverPairOrientation.measuredFrameworks.contains($0) }
            .uniqued()
    }

    /// What a framework lever without measured pairs is told: which engine no pair measured, and
    /// that its saving has no range across measured error, as a lever of an unmeasured kind (a
    /// sampler, speculative decoding) has none.
    static func unmeasuredFrameworkNote(_ engines: [Framework]) -> String {
        "no framework pair was measured for \(engines.map(\.rawValue).joined(separator: " or ")): the measured framework pairs are "
            + "Argonne's vLLM ↔ TensorRT-LLM runs only, so their error is not read into this lever's saving, which has no range across measured error"
    }
}
