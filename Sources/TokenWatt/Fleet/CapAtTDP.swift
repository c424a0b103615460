import KernelPower

/// A power cap above the highest a GPU can be set to, its TDP for every bundled GPU
/// (`powerCapMaxWatts`), where another GPU of the same fleet takes it: no cap binds there, so
/// that GPU runs as it does uncapped, said in a note; a cap applies to each deployment it can. A
/// cap up to that limit runs as given (at TDP it binds nowhere either, as `capacity` notes beside
/// `none`); one outside the range of every GPU is refused, as one below a GPU's lowest settable
/// limit is (`Capacity.capRangeRefusal`; a board refuses both). One rule for
/// `capacity --caps` and a fleet's cap lever. A 2026-12-07 probe found three: on an A100 + H200
/// router `--caps 500` was refused as "outside the range a100-sxm-80gb allows" though the H200
/// takes it, `--gpus a100-sxm-80gb` called it the uncapped run, and the lever
/// `{"powerCapWatts": 500}` was "not run" though a lever applies to each deployment it can.
enum CapAtTDP {
    /// The cap a deployment on `gpu` runs at when `watts` is set on it: nil (uncapped) above the
    /// GPU's highest settable limit, `watts` otherwise, or where the GPU is not in the catalog
    /// (the deployment's own refusal names it).
    static func effective(_ watts: Double, on gpu: GPUSpec?) -> Double? {
        guard let g = gpu, watts > g.powerCapRange.upperBound else { return watts }
        return nil
    }

    /// Whether `watts` is above `gpu`'s highest settable limit, so that it runs uncapped.
    static func runsUncapped(_ watts: Double, on gpu: GPUSpec?) -> Bool { gpu != nil && effective(watts, on: gpu) == nil }

    /// The clause for the GPUs among `gpus` that a cap of `watts` leaves uncapped, each once
    /// ("the cap of 500 W is above the highest limit of a100-sxm-80gb (400 W, its TDP), so that
    /// GPU runs uncapped"); nil when it runs on all of them.
    static func clause(_ watts: Double, gpus: [GPUSpec?]) -> String? {
        let above = gpus.compactMap { $0 }.filter { runsUncapped(watts, on: $0) }
            .reduce(into: [GPUSpec]()) { kept, g in if !kept.contains(where: { $0.id == g.id }) { kept.append(g) } }
        guard !above.isEmpty else { return nil }
        let named = above.map { g in
            let top = g.powerCapRange.upperBound
            return "\(g.id) (\(formatNumber(top)) W, \(top == g.tdp.watts ? "its TDP" : "TDP \(formatNumber(g.tdp.watts)) W"))"
        }.joined(separator: ", ")
        return "the cap of \(formatNumber(watts)) W is above the highest limit of \(named), so \(above.count == 1 ? "that GPU runs" : "those GPUs run") "
            + "uncapped"
    }

    /// A cap lever's note for the deployments (`name`, as the lever ran it) whose GPU it leaves
    /// uncapped: the lever applies to each deployment it can, and had said nothing of the others
    /// (or refused the lever outright).
    static func leverNote(_ change: LeverChange, deployments: [(name: String, changed: Deployment)]) -> String? {
        guard let watts = change.powerCapWatts else { return nil }
        let above = deployments.filter { runsUncapped(watts, on: $0.changed.gpu) }
        guard !above.isEmpty, let words = clause(watts, gpus: above.map(\.changed.gpu)) else { return nil }
        guard deployments.count > 1 else { return words }
        let names = above.map(\.name).joined(separator: ", ")
        return words + ": deployment\(above.count == 1 ? "" : "s") \(names)"
            + (above.count == deployments.count ? "" : "; the others run at \(formatNumber(watts)) W")
    }
}

extension KernelFleet {
    /// The cap a lever of `watts` sets on a deployment on `gpu` (the lever's GPU where it names
    /// one): uncapped above that GPU's highest limit where another deployment with traffic takes
    /// the cap (`CapAtTDP`); as given otherwise, so that a cap no deployment takes is refused
    /// ("lever … not run") in the deployment's own words.
    func leverCap(_ watts: Double, gpu: String, change: LeverChange) -> Double? {
        let spec = try? estimator.gpus.gpu(gpu)
        guard CapAtTDP.runsUncapped(watts, on: spec) else { return watts }
        let takes = Capacity.served(kernel).contains { d in
            (try? estimator.gpus.gpu(change.gpu ?? d.request.gpu)).map { $0.powerCapRange.contains(watts) } ?? false
        }
        return takes ? nil : watts
    }
}
