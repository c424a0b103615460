import KernelPower

/// What a mechanistic lever did that its name need not say: the deployments and classes it
/// changed, the precision a model lever ran at, a batch limit the KV cache clips, a clock below
/// the range measured, a cap on an assumed floor. `FleetRunner` prints each as "lever NAME: …".
struct LeverNotes {
    var notes: [String] = []
    /// Whether a deployment the lever changed runs at a locked clock or a cap below TDP
    /// (`QueryEstimate.tuned`): the error band's runs ran at neither (`DecodeClockCaveat.rangeAtDefaultSettings`).
    var tuned = false
}

extension KernelFleet {
    /// The deployments the scenario's classes with traffic run on, in the file's order, each as
    /// the scenario sets it and as `change` edits it (from the surface it priced), with both batch limits.
    func leverDeployments(_ change: LeverChange, classes: [QueryClass], surfaces: [ServingSurface]) throws
        -> [(name: String, base: Deployment, changed: Deployment, baseBatch: Int, changedBatch: Int)] {
        var out: [(String, Deployment, Deployment, Int, Int)] = []
        for named in kernel.deployments {
            guard let i = classes.indices.first(where: { classes[$0].deployment == named.name && classes[$0].share > 0 }) else { continue }
            let context = "scenario \(scenario.name), deployment \(named.name)"
            let base = try estimator.deployment(named.request, context: context)
            out.append((named.name, base, surfaces[i].deployment, named.maxBatch, edited(named, by: change).maxBatch))
        }
        return out
    }

    /// What a lever changed in one deployment, in words ("gpus 4 → 2", "tp 4 → 2"); empty where
    /// it runs as the scenario has it.
    static func differences(_ a: Deployment, _ b: Deployment, batch: (Int, Int), change: LeverChange) -> [String] {
        func mhz(_ f: Frequency?) -> String { f.map { "\(formatNumber($0.megahertz)) MHz" } ?? "default" }
        func watts(_ p: Power?) -> String { p.map { "\(formatNumber($0.watts)) W" } ?? "TDP" }
        let pairs: [(String, String, String)] = [
            ("model", a.model.id, b.model.id), ("gpu", a.gpu.id, b.gpu.id), ("gpus", String(a.gpuCount), String(b.gpuCount)),
            ("tp", String(a.tensorParallel), String(b.tensorParallel)), ("ep", String(a.expertParallel), String(b.expertParallel)),
            ("precision", a.precision.rawValue, b.precision.rawValue), ("KV cache", a.kvPrecision.rawValue, b.kvPrecision.rawValue),
            ("framework", a.framework.rawValue, b.framework.rawValue), ("sampling", a.sampling.rawValue, b.sampling.rawValue),
            ("clock", mhz(a.lockedClock), mhz(b.lockedClock)), ("power cap", watts(a.powerCap), watts(b.powerCap)),
            ("batch limit", String(batch.0), String(batch.1)),
        ]
        var out = pairs.filter { $0.1 != $0.2 }.map { "\($0.0) \($0.1) → \($0.2)" }
        // Serving changes that edit no deployment field reach every surface alike.
        if change.speculative != nil { out.append("speculative decoding") }
        if change.disaggregated == true { out.append("disaggregated prefill and decode") }
        return out
    }

    /// How far a lever reaches, as its note says: every deployment, or none. It had said "a
    /// lever applies to each deployment it can", while a GPU or model lever one deployment
    /// cannot take was not run at all (`pricedSurfaces` names each one that cannot); only a power
    /// cap applies where it can (`CapAtTDP`), and its own note says where it does not.
    static let leverScope = "a lever applies to every deployment of the scenario, and one that a deployment cannot take is not run"

    /// A mechanistic lever's notes (`LeverNotes`), from the run that priced it.
    func leverNotes(_ change: LeverChange, classes: [QueryClass], surfaces: [ServingSurface]) throws -> LeverNotes {
        var out = LeverNotes()
        let deployments = try leverDeployments(change, classes: classes, surfaces: surfaces)
        let several = deployments.count > 1
        // Which deployments a lever edits: it applies to every deployment of its scenario, and had
        // not said so (two.json's "tp2", 8B at tp 1 beside 70B at tp 4, ran both at tp 2).
        if several {
            let changed = deployments.map { d in (d.name, Self.differences(d.base, d.changed, batch: (d.baseBatch, d.changedBatch), change: change)) }
            let edits = changed.filter { !$0.1.isEmpty }, same = changed.filter(\.1.isEmpty).map(\.0)
            if !edits.isEmpty {
                let words = edits.map { "\($0.0) (\($0.1.joined(separator: ", ")))" }.joined(separator: ", ")
                out.notes.append(same.isEmpty
                    ? "changes every deployment of the scenario: \(words); \(Self.leverScope)"
                    : "changes deployment\(edits.count == 1 ? "" : "s") \(words); \(same.joined(separator: ", ")) already run\(same.count == 1 ? "s" : "") that way")
            }
        }
        if let note = CapAtTDP.leverNote(change, deployments: deployments.map { ($0.name, $0.changed) }) { out.notes.append(note) }
        var dequantized: [(name: String, text: String)] = []
        for d in deployments {
            let prefix = several ? "deployment \(d.name): " : ""
            // The precision a model lever ran at where the lever gave none and it is not the
            // deployment's (`edited`): at the deployment's, the lever's name says all it changed.
            let checkpoint = change.model != nil && change.precision == nil && d.base.model.id != d.changed.model.id
                && d.changed.precision != d.base.precision
            if checkpoint {
                out.notes.append(prefix + "runs \(d.changed.model.id) at \(d.changed.precision.rawValue) (its checkpoint's precision; the deployment "
                                 + "runs \(d.base.precision.rawValue); give the lever a precision to run it at another)"
                                 + (d.changed.dequantization.map { ": \($0)" } ?? ""))
            }
            // Weights the lever leaves dequantized where the deployment's were not, as `estimate`
            // says of them (`Deployment.dequantization`), whatever the lever sets: only a model
            // lever's had been said, so "precision nvfp4" on H100s or "gpu a100-sxm-80gb" on an FP8
            // deployment (178 % dearer) had carried no word. The model note above says it already.
            if !checkpoint, let text = d.changed.dequantization, text != d.base.dequantization { dequantized.append((d.name, text)) }
            // A lever that sets a clock or cap of its own: one that changes another setting of a
            // scenario that runs capped had been listed as a clock or cap lever.
            let tuned = QueryEstimate.tuned(d.changed) && (change.powerCapWatts != nil || change.smClockMHz != nil)
            if tuned, !Self.differences(d.base, d.changed, batch: (d.baseBatch, d.changedBatch), change: change).isEmpty {
                out.tuned = true
                // A clock below the range the clock model was checked on, and a cap only an assumed
                // floor admits, as `estimate` says of them (`SettingCaveats`).
                for note in SettingCaveats.notes(d.changed) where !out.notes.contains(prefix + note) { out.notes.append(prefix + note) }
            }
        }
        // Deployments dequantized alike share one note, as the scenario's own say it (`dequantizationNotes`).
        for text in dequantized.map(\.text).uniqued() {
            let names = dequantized.filter { $0.text == text }.map(\.name)
            out.notes.append((several ? "deployment\(names.count == 1 ? "" : "s") \(names.joined(separator: ", ")): " : "") + text)
        }
        // A batch limit the KV cache or the step budget clips, in the words of a class's own note
        // (`batchNote`): lev8b's "batch 512" ran at 352 with nothing said.
        if let limit = change.maxBatch {
            for (c, s) in zip(classes, surfaces) where c.share > 0 {
                if let note = Self.batchNote(surface: s, limit: limit) {
                    // The limit is named where the note does not already name it.
                    let named = note.hasSuffix("fewer than the deployment's batch limit") ? note + " of \(limit)" : note
                    out.notes.append("class \(c.name): \(named)")
                }
            }
        }
        // Which classes a prefix-cache lever raised (`apply`: at least the lever's rate each).
        if let hit = change.prefixCacheHit {
            let raised = kernel.classes.filter { $0.share > 0 && $0.prefixCacheHit < hit }
            let kept = kernel.classes.filter { $0.share > 0 && $0.prefixCacheHit >= hit }
            if !raised.isEmpty {
                let names = raised.map { "\($0.name) (\(formatPercent($0.prefixCacheHit, decimals: 0)))" }.joined(separator: ", ")
                let keeps = kept.isEmpty ? "" : "; \(kept.map { "\($0.name) (\(formatPercent($0.prefixCacheHit, decimals: 0)))" }.joined(separator: ", ")) "
                    + "already \(kept.count == 1 ? "caches" : "cache") as much or more and \(kept.count == 1 ? "keeps its" : "keep theirs")"
                out.notes.append("raises the prefix-cache hit rate to \(formatPercent(hit, decimals: 0)) for class\(raised.count == 1 ? "" : "es") \(names)" + keeps)
            }
        }
        return out
    }
}

extension KernelFleet {
    /// What a lever's classes ask beyond the model's context window, against the baseline's:
    /// a class whose share of queries with a call longer than the window moves gets the note the
    /// baseline's classes get (`size`), and a lever under which every query of a class with
    /// traffic is too long, where the baseline ran some, is one the deployment cannot take (vLLM
    /// refuses a request longer than `max_model_len`, which it caps at the model's window): it
    /// throws, so that the lever is left out with the reason (`FleetRunner.addMechanisticLever`).
    /// A 2026-12-07 probe ranked gemma-3-1b-it (a 32,768-token window) "saves 94 %" on 60,000 +
    /// 300-token queries with nothing said.
    /// - Parameters: `changed` and `base` are the lever's and the baseline's classes, in the
    ///   scenario's order, as `surfaces` (the lever's) are.
    static func contextNotes(changed: [ClassResult], base: [ClassResult], surfaces: [ServingSurface]) throws -> [String] {
        var notes: [String] = []
        for (i, c) in changed.enumerated() where c.share > 0 && c.draws > 0 && i < base.count && i < surfaces.count {
            let before = base[i].overContextShare, after = c.overContextShare
            guard after > 0, after != before else { continue }
            let window = "the \(surfaces[i].deployment.model.maxPositions)-token context window of \(surfaces[i].deployment.model.id)"
            if after >= 1, before < 1 {
                throw FleetError(description: "class \(c.name): every query has a call longer than \(window), which an engine refuses "
                                 + "(vLLM caps max_model_len at the model's max_position_embeddings)")
            }
            notes.append("class \(c.name): \(ClassResult.shareWords(after)) of queries have a call longer than \(window); costed as drawn")
        }
        return notes
    }
}
