import KernelPower

/// A kernel scenario's run: the baseline with its notes, then each lever priced against it.
extension FleetRunner {
    func runKernel(_ scenario: Scenario, _ k: KernelScenario, samples n: Int, seed: UInt64) throws -> FleetResult {
        let fleet = KernelFleet(scenario: scenario, kernel: k, estimator: estimator)
        var base = try baseline(fleet, samples: n, seed: seed)
        var tunedLevers: [String] = []
        for lever in k.levers {
            switch lever.kind {
            case let .mechanistic(change):
                if addMechanisticLever(lever.name, change, fleet: fleet, to: &base, samples: n, seed: seed) { tunedLevers.append(lever.name) }
            case let .divisor(d):
                Self.addDivisorLever(lever.name, d, to: &base, seed: seed, queriesPerDay: scenario.queriesPerDay)
            }
        }
        if let note = Self.tunedLeversNote(tunedLevers, band: !base.estimatorError.isEmpty) { base.notes.append(note) }
        base.levers.sort { $0.saving != $1.saving ? $0.saving > $1.saving : $0.name < $1.name }
        return base
    }

    /// The scenario as it is, with what its draws and its own settings need said.
    private func baseline(_ fleet: KernelFleet, samples n: Int, seed: UInt64) throws -> FleetResult {
        var base = try fleet.run(samples: n, seed: seed)
        if let note = Self.samplingNote(base) { base.notes.append(note) }
        // The scenario's own clock or cap, as `estimate` would say of it.
        if let note = base.decodeClockCaveat { base.notes.append(note) }
        base.notes += try fleet.settingNotes(band: !base.estimatorError.isEmpty, unbound: base.unboundCapDeployments)
        return base
    }

    // MARK: - Mechanistic levers

    /// Runs the fleet again with `change`, appends the lever's line to `base.levers` and what it
    /// needs said to `base.notes` (in the order the report prints them), and returns whether it
    /// is a lever at a locked clock or a cap below TDP that changes something (`tunedLeversNote`).
    private func addMechanisticLever(_ name: String, _ change: LeverChange, fleet: KernelFleet, to base: inout FleetResult,
                                     samples n: Int, seed: UInt64) -> Bool {
        // A lever the deployment cannot take (the model does not fit the other GPU, a
        // precision it lacks) is named and left out; the baseline and the other levers stand.
        let r: FleetResult, said: LeverNotes, orientation: LeverPairOrientation?, context: [String], unmeasured: [Framework]
        do {
            let priced = try fleet.priced(samples: n, seed: seed, change: change)
            r = priced.result
            // A model whose window every query of a class exceeds is a lever it cannot take.
            context = try KernelFleet.contextNotes(changed: r.classes, base: base.classes, surfaces: priced.surfaces)
            said = try fleet.leverNotes(change, classes: priced.classes, surfaces: priced.surfaces)
            orientation = try fleet.pairOrientation(change, classes: priced.classes, surfaces: priced.surfaces)
            unmeasured = try fleet.unmeasuredFrameworks(change, classes: priced.classes, surfaces: priced.surfaces)
        } catch {
            base.notes.append("lever \(name) not run: \(error)")
            return false
        }
        base.notes += (said.notes + context).map { "lever \(name): \($0)" }
        base.notes += Self.batchCutNotes(name, change, changed: r, base: base)
        // A day of no queries has no GWh to compare: the saving is then per query.
        let saving = Self.saving(base.gwhPerDay > 0 ? 1 - r.gwhPerDay / base.gwhPerDay
            : base.whPerQuery.mean > 0 ? 1 - r.whPerQuery.mean / base.whPerQuery.mean : 0)
        // A lever the scenario already runs (bf16 on a bf16 deployment) saves nothing, and
        // no measured error makes that a range (it printed "-17.1 %…+4.4 %" about a no-op).
        let noOp = saving == 0 && Self.alike(r.whPerQuery.mean, base.whPerQuery.mean)
        if noOp { base.notes.append(Self.noOpNote(name, change, base: base, fleet: fleet)) }
        // A model lever to the scenario's own model in another checkpoint is a precision change.
        let checkpoint = checkpointPrecision(change, deployments: fleet.kernel.deployments)
        let kind = checkpoint != nil && change.measuredLever == "model" ? "precision" : change.measuredLever
        var result = LeverResult(name: name, meanWhPerQuery: r.whPerQuery.mean, gwhPerDay: r.gwhPerDay, saving: saving,
                                 measured: noOp || !unmeasured.isEmpty ? nil
                                     : kind.flatMap { estimator.leverAccuracy($0, on: (base.estimatorError + r.estimatorError).map(\.gpu)) })
        // Before the notes: the measured-median note says where its saving falls outside this range.
        result.savingRange = Self.measuredSavingRange(result.measured, orientation: orientation, changed: r, base: base, saving: saving)
        base.notes += Self.otherGPUNotes(lever: name, base: base, changed: r, gpus: estimator.gpus,
                                         range: result.savingRange.flatMap { b in result.measured.map { (b, $0) } })
        // Framework pairs are measured between vLLM and TensorRT-LLM only (`unmeasuredFrameworks`).
        if !noOp, !unmeasured.isEmpty { base.notes.append("lever \(name): " + KernelFleet.unmeasuredFrameworkNote(unmeasured)) }
        let dense = fleet.kernel.deployments.contains { (try? estimator.models.model($0.request.model))?.moe == nil }
        if let note = Self.unmeasuredPrecisionNote(target: change.precision ?? checkpoint, dense: dense, measured: result.measured) {
            base.notes.append("lever \(name): \(note)")
        }
        // A cap or clock lever's decode saving beyond the measured is an upper bound (`DecodeClockCaveat`).
        if change.powerCapWatts != nil || change.smClockMHz != nil { result.caveat = r.decodeClockCaveat }
        (result.meanITLMs, result.meanTTFTMs, result.gpus) = (r.meanITLMs, r.meanTTFTMs, r.gpus)
        base.levers.append(result)
        return said.tuned && !noOp
    }

    /// A lever that cuts a class's batch (more bytes per weight, fewer GPUs) costs through it;
    /// said, as the baseline's own notes do. A lever that sets the batch itself is not told so.
    private static func batchCutNotes(_ name: String, _ change: LeverChange, changed r: FleetResult, base: FleetResult) -> [String] {
        guard change.maxBatch == nil else { return [] }
        return zip(r.classes, base.classes).filter { c, b in c.effectiveBatch * 2 <= b.effectiveBatch }.map { c, b in
            "lever \(name): class \(c.name) runs \(c.effectiveBatch) sequences where the baseline runs "
                + "\(b.effectiveBatch) (what the KV cache or step budget holds)"
        }
    }

    /// The note for a lever that changes nothing. Speculative decoding with no decode step to
    /// speed (one-token answers) is no setting the scenario already runs, and neither is a
    /// sampler lever on engines that sample without the sort whatever `sampling` says.
    private static func noOpNote(_ name: String, _ change: LeverChange, base: FleetResult, fleet: KernelFleet) -> String {
        if change.speculative != nil && base.meanITLMs == nil {
            return "lever \(name) changes nothing here: no query has a decode step for it to speed (every answer is one token)"
        }
        if change.sampling != nil, let why = samplerNote(fleet) { return "lever \(name) changes nothing here: \(why)" }
        return Self.noChangeNote(name, precision: change.precision != nil || change.kvPrecision != nil)
    }

    /// Why a sampler lever moves nothing on this scenario's engines, where none of them runs
    /// vLLM's sorting sampler (`Sampling.sortFreeNote`); nil where one does. A `sampling:
    /// direct` lever on SGLang with `sampling: top-p` had been told "the scenario already runs
    /// that way" though the file says top-p (a 2026-12-07 sustainability probe).
    private static func samplerNote(_ fleet: KernelFleet) -> String? {
        // Per engine and GPU: SGLang sorts on an AMD GPU (`Framework.sortsTopP`).
        let engines = fleet.kernel.deployments.compactMap { d in (try? fleet.estimator.gpus.gpu(d.request.gpu)).map { (d.request.framework, $0) } }
        let notes = engines.map { Sampling.sortFreeNote($0.0, on: $0.1) }
        guard !notes.isEmpty, notes.count == fleet.kernel.deployments.count, notes.allSatisfy({ $0 != nil }) else { return nil }
        return notes.compactMap { $0 }.uniqued().joined(separator: "; ")
    }

    /// The saving with the lever's GPU energy, measured against the base, at its prediction ÷
    /// (1 + error) for the P5 and P95 of its kind's measured errors, the error read the way the
    /// lever runs against its kind's pairs (`LeverPairOrientation`); nil without a measured kind
    /// or a baseline energy.
    private static func measuredSavingRange(_ measured: LeverValidation.Row?, orientation: LeverPairOrientation?,
                                            changed r: FleetResult, base: FleetResult, saving: Double) -> Bounds? {
        guard let m = measured, base.whPerQuery.mean > 0 else { return nil }
        let part = r.gpuProportionalWhPerQuery, fixed = r.whPerQuery.mean - part
        // A change that moves its kind's setting nowhere (none found) reads the pairs as they run.
        let savings = (orientation ?? .along).errors(p5: m.errorP5, p95: m.errorP95).map { 1 - (fixed + part / (1 + $0)) / base.whPerQuery.mean }
        return Bounds(low: savings.min() ?? saving, high: savings.max() ?? saving)
    }

    // MARK: - Divisor levers

    /// Divides each of the baseline's draws by a factor drawn from `d` and appends the lever's
    /// line to `base.levers` (with a note where it changes nothing).
    private static func addDivisorLever(_ name: String, _ d: Distribution, to base: inout FleetResult, seed: UInt64, queriesPerDay: Double) {
        // The divisor's draws come from a stream keyed on the lever's name, not its place in
        // the file: with the chat service's levers listed in reverse, model routing's saving
        // had moved 68.86 → 69.32 % (a 2026-12-07 probe).
        var rng = SeededRandom(seed: seed).stream(Self.divisorStream(name))
        let factors = base.samples.map { _ in d.sample(&rng) }
        // Weighed as the baseline's mean weighs its draws (`sampleWeights`), so a lever that
        // divides by 1 saves exactly nothing.
        let mean = QueryStatistics.weightedMean(zip(base.samples, factors).map { $0 / $1 }, weights: base.sampleWeights)
        let saving = Self.saving(1 - mean / base.whPerQuery.mean)
        if saving == 0 { base.notes.append("lever \(name) changes nothing here: its divisor leaves each query's energy as it is") }
        var result = LeverResult(name: name, meanWhPerQuery: mean, gwhPerDay: mean * queriesPerDay / 1e9, saving: saving)
        (result.divisorEnds, result.savingRange) = Self.divisorRange(d, factors: factors, weights: base.sampleWeights)
        result.savingRange = result.savingRange.map { $0.including(saving) }
        base.levers.append(result)
    }
}
