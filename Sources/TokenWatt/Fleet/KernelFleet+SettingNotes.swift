import KernelPower

extension KernelFleet {
    /// What the scenario's own deployments' clocks and caps need said, as `estimate` says it of
    /// one deployment: that the error band behind the scenario's range ran at the GPUs' default
    /// clocks and limits (`DecodeClockCaveat.rangeAtDefaultSettings`, where there is a band), a
    /// clock below those measured and a cap only an assumed floor admits (`SettingCaveats`). Only
    /// a lever's setting had been said: a 2026-12-07 probe ran a scenario at 600 MHz on H100 and
    /// one capped at 400 W on B200 with neither note. A deployment is named where the scenario
    /// runs several; deployments no class with traffic uses are left out.
    /// A deployment in `unbound` (`unboundCaps`) is capped where no step reaches the cap: it is
    /// said so, as `estimate` says it, and not counted as running at a setting the band did not use.
    /// A GPU named by an ambiguous alias gets `GPUCatalog.aliasNote`.
    func settingNotes(band: Bool, unbound: [String] = []) throws -> [String] {
        let used = kernel.deployments.filter(kernel.servesTraffic)
        var notes: [String] = [], tuned: [String] = []
        for named in used {
            let d = try estimator.deployment(named.request, context: "scenario \(scenario.name), deployment \(named.name)")
            let prefix = used.count > 1 ? "deployment \(named.name): " : ""
            if let cap = d.powerCap, unbound.contains(named.name) {
                notes.append(prefix + SettingCaveats.unboundCapWords(capWatts: cap.watts, meanDrawWatts: nil, band: band))
            } else if QueryEstimate.tuned(d) {
                tuned.append(named.name)
            }
            notes += SettingCaveats.notes(d).map { prefix + $0 }
            // A GPU named by an alias other GPUs' names extend, as `estimate` says of its flag:
            // a scenario's "a100" priced the SXM4 80GB server with no word of it.
            if let alias = estimator.gpus.aliasNote(named.request.gpu) { notes.append(prefix + alias) }
        }
        guard band, !tuned.isEmpty else { return notes }
        let who = used.count == 1 ? "the scenario runs" : tuned.count == 1 ? "deployment \(tuned[0]) runs" : "deployments \(tuned.joined(separator: ", ")) run"
        return ["\(who) at a locked clock or a cap below TDP: the scenario's range is the estimator's measured error band, and "
                + DecodeClockCaveat.rangeAtDefaultSettings] + notes
    }

    /// The capped deployments (a cap below TDP, no locked clock) whose classes' heaviest steps,
    /// a decode step at the class's batch and mean context and the same step with a chunk of the
    /// class's mean prompt beside it (up to the step's budget), as `estimate` prices its mean
    /// request, never reach the cap: their figures are the uncapped ones, as `estimate` says of
    /// such a cap (`SettingCaveats.unboundCapNote`); `fleet` had said their band's runs ran at
    /// other settings, where `estimate` says the range holds as at TDP.
    ///
    /// Runs on every fleet run and lever, so a deployment that cannot have such a cap (no cap, a
    /// cap at TDP, or a locked clock: `mayHaveUnboundCap`) is passed over before any step is
    /// priced; for a scenario with neither cap nor clock lock this is a loop over its classes.
    func unboundCaps(classes: [QueryClass], surfaces: [ServingSurface]) throws -> [String] {
        var capped: Set<String> = [], bound: Set<String> = []
        for (c, s) in zip(classes, surfaces) where c.share > 0 && Self.mayHaveUnboundCap(s.deployment) {
            let d = s.deployment
            capped.insert(c.deployment)
            let steps: [Phase] = [.decode(batch: s.localBatch, context: s.decodeContext),
                                  .mixed(decodeBatch: s.localBatch, context: s.decodeContext,
                                         prefillTokens: min(s.chunk, max(1, Int(c.input.mean.rounded()))), prefillPast: 0)]
            if try steps.contains(where: { try estimator.forwardPass(d, phase: $0).powerLimited }) { bound.insert(c.deployment) }
        }
        return capped.subtracting(bound).sorted()
    }

    /// Whether `d` is capped below TDP with its clock free: the only deployments whose cap
    /// `unboundCaps` checks against their heaviest steps.
    private static func mayHaveUnboundCap(_ d: Deployment) -> Bool {
        guard let cap = d.powerCap else { return false }
        return cap.watts < d.gpu.tdp.watts && d.lockedClock == nil
    }

    /// Where a deployment's locked clock holds its GPUs' worst case below their power limit, the
    /// basis `power` gives (`Deployment.worstCaseBasis`), each once; nil where none does. The
    /// fleet's worst-case note had said "every GPU at its power cap or TDP" of GPUs locked at 600 MHz.
    func lockedClockWorstCase(_ surfaces: [ServingSurface]) -> String? {
        let held = surfaces.map(\.deployment).filter { $0.worstCaseGPUWatts(estimator) < $0.powerLimitWatts }
        return held.isEmpty ? nil : held.map { $0.worstCaseBasis(estimator) }.uniqued().joined(separator: "; ")
    }
}
