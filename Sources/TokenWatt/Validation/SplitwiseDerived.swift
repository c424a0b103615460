import KernelPower

/// Profiles the simulator's authors derived rather than measured. Every `h100-80gb-pcap` profile
/// (the DGX-H100 capped at 350 W) is the uncapped `h100-80gb` profile with its prefill time × 1.30
/// and its decode time × 1.00, repeat for repeat: SplitwiseSim's model of the cap, not a run.
/// Scored as latencies they would score the H100's errors a second time, so they are scored as
/// what they are: the slowdown the cap causes, the model's capped-over-uncapped time against the
/// profile's factor.
extension SplitwiseValidation {
    /// A machine whose profiles are another's scaled by one factor per phase.
    struct Derivation: Equatable {
        let base: String
        let prefillFactor: Double, decodeFactor: Double
    }

    /// The power-capped machines whose every profile is the same GPU's uncapped profile of the
    /// same configuration times one prefill factor and one decode factor (to 1e-9), with the
    /// uncapped machine and the factors. (Two such machines are multiples of each other either way;
    /// the cap is what the simulator added, so the capped one is the derived one.)
    static func derivations(_ profiles: [Profile]) -> [String: Derivation] {
        let byConfig = index(profiles)
        let machines = Set(profiles.map(\.config.hardware)).sorted()
        var out: [String: Derivation] = [:]
        for machine in machines {
            guard let (gpu, cap) = gpus[machine], cap != nil else { continue }
            let mine = profiles.filter { $0.config.hardware == machine }
            for base in machines where gpus[base].map({ $0.0 == gpu && $0.1 == nil }) == true {
                let pairs = mine.compactMap { p in byConfig[p.config.on(base)].map { (p, $0) } }
                guard pairs.count == mine.count, let (p0, b0) = pairs.first else { continue }
                let factor = (p0.prefillMilliseconds / b0.prefillMilliseconds, p0.decodeMilliseconds / b0.decodeMilliseconds)
                let constant = pairs.allSatisfy { p, b in
                    abs(p.prefillMilliseconds / b.prefillMilliseconds - factor.0) <= 1e-9 * factor.0
                        && abs(p.decodeMilliseconds / b.decodeMilliseconds - factor.1) <= 1e-9 * factor.1
                }
                if constant { out[machine] = Derivation(base: base, prefillFactor: factor.0, decodeFactor: factor.1); break }
            }
        }
        return out
    }

    /// Each derived profile as two slowdown records (`prefill_slowdown`, `decode_slowdown`): the
    /// profile's factor against the model's time on the derived machine over its time on the base.
    static func scoreSlowdowns(_ profiles: [Profile], _ derived: [String: Derivation],
                               estimator: Estimator) -> MLEnergyValidation.Result {
        var out = MLEnergyValidation.Result(records: [], skipped: [])
        let byConfig = index(profiles)
        for (machine, how) in derived.sorted(by: { $0.key < $1.key }) {
            out.notes.append("\(profiles.filter { $0.config.hardware == machine }.count) \(machine) profiles are the \(how.base) "
                + "profiles with prefill × \(formatNumber(how.prefillFactor, significant: 4)) and decode × "
                + "\(formatNumber(how.decodeFactor, significant: 4)) exactly (derived, not measured): scored as "
                + "prefill_slowdown and decode_slowdown against \(how.base), not as latencies")
        }
        for p in profiles {
            guard let how = derived[p.config.hardware], let base = byConfig[p.config.on(how.base)] else { continue }
            do {
                let (capped, uncapped) = try (times(p, estimator), times(base, estimator))
                for (metric, factor, predicted) in [("prefill_slowdown", how.prefillFactor, capped.prefill / uncapped.prefill),
                                                    ("decode_slowdown", how.decodeFactor, capped.decode / uncapped.decode)] {
                    out.records.append(ValidationRecord(dataset: "splitwise", gpu: p.config.hardware, group: p.config.model,
                                                        metric: metric, label: p.label, measured: factor, predicted: predicted))
                }
            } catch {
                out.skipped.append((p.label, "\(error)"))
            }
        }
        return out
    }

    /// Profiles by configuration (the first of any duplicates).
    static func index(_ profiles: [Profile]) -> [Config: Profile] {
        Dictionary(profiles.map { ($0.config, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// The model's prefill and decode-step times of a profile's configuration, in seconds.
    static func times(_ p: Profile, _ estimator: Estimator) throws -> (prefill: Double, decode: Double) {
        let d = try estimator.deployment(p.request, context: p.label)
        return (try estimator.forwardPass(d, phase: p.prefill).time.seconds, try estimator.forwardPass(d, phase: p.decode).time.seconds)
    }
}

extension SplitwiseValidation.Config {
    /// The same configuration on another machine.
    func on(_ hardware: String) -> Self {
        Self(model: model, hardware: hardware, tp: tp, prompt: prompt, batch: batch, tokens: tokens)
    }
}
