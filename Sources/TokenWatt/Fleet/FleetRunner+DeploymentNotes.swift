import KernelPower

extension FleetRunner {
    /// The caveat `estimate` and `capacity` print for 4-bit weight-only formats computed at 16
    /// bits (`Deployment.dequantization`: "int4 weights dequantized to bf16 … tensor cores at the
    /// bf16 rate"), once per deployment with traffic, named where the scenario serves several
    /// ("deployment d: …"; deployments saying the same thing share one note). `fleet` and
    /// `report` had left it out: a 2026-12-07 probe's A100 int4 and H200 gpt-oss mxfp4 scenarios
    /// carried it in `capacity` and nowhere in `fleet`.
    func dequantizationNotes(_ k: KernelScenario) -> [String] {
        let served = Capacity.served(k)
        let said = served.compactMap { d in (try? estimator.deployment(d.request))?.dequantization.map { (name: d.name, text: $0) } }
        guard served.count > 1 else { return said.map(\.text) }
        return said.map(\.text).uniqued().map { text in
            let names = said.filter { $0.text == text }.map(\.name)
            return "deployment\(names.count == 1 ? "" : "s") \(names.joined(separator: ", ")): \(text)"
        }
    }
}

extension FleetRunner {
    /// For each deployment serving several classes with traffic: each class is sized on whole
    /// replicas of its own (`KernelFleet.size`), and what that adds over one pool for all of
    /// them, Σ⌈replicas_c⌉ − ⌈Σ replicas_c⌉ replicas (exact here: the classes of a scenario share
    /// its diurnal profile, so their busiest hours coincide). Nil where it adds none. A probe's one
    /// class on 12 H100s read 0.184 Wh per query; the same traffic split into ten 10 % classes
    /// took 40 GPUs and 0.398 Wh, with nothing said.
    static func ownReplicasNotes(_ r: FleetResult) -> [String] {
        let served = r.hardware.filter { $0.gpus > 0 }
        return served.map(\.deployment).uniqued().compactMap { name in
            let mine = served.filter { $0.deployment == name }
            guard mine.count > 1, let perReplica = mine.first?.gpusPerReplica else { return nil }
            let own = mine.reduce(0) { $0 + HardwareUse.wholeReplicas(needed: $1.replicasNeeded) }
            let pooled = HardwareUse.wholeReplicas(needed: mine.reduce(0) { $0 + $1.replicasNeeded })
            guard own > pooled else { return nil }
            return "deployment \(name) serves \(mine.count) classes (\(mine.map(\.className).joined(separator: ", "))), each on whole replicas "
                + "of its own: \(formatCount(own * perReplica, "GPU")) where one pool of replicas for all of them would need \(pooled * perReplica) "
                + "(+\(formatCount((own - pooled) * perReplica, "GPU")), whose idle draw their queries carry)"
        }
    }
}

extension FleetRunner {
    /// The deployments of `k` that no class with traffic runs on, which are in no figure and are
    /// not run: each named, with the classes of no traffic that name it, and the reason where it
    /// could not even run as given (`estimate`'s refusal). Nil where every deployment serves
    /// traffic. A 2026-12-07 probe's 405B on one H100, named by no class, had run silently (rc 0)
    /// while `report` listed it among the assumptions.
    func unusedDeploymentNote(_ scenario: Scenario, _ k: KernelScenario) -> String? {
        let unused = k.deployments.filter { !k.servesTraffic($0) }
        guard !unused.isEmpty else { return nil }
        let words = unused.map { d in
            let idle = k.classes.filter { $0.deployment == d.name }.map(\.name)
            var parts: [String] = []
            if !idle.isEmpty { parts.append("named only by class\(idle.count == 1 ? "" : "es") \(idle.joined(separator: ", ")), of no traffic") }
            do { _ = try estimator.deployment(d.request, context: "scenario \(scenario.name), deployment \(d.name)") } catch {
                parts.append("it would not even run as given: \(error)")
            }
            return d.name + (parts.isEmpty ? "" : " (\(parts.joined(separator: "; ")))")
        }
        return "deployment\(unused.count == 1 ? "" : "s") \(words.joined(separator: ", ")) serve\(unused.count == 1 ? "s" : "") no class with traffic: "
            + "\(unused.count == 1 ? "it is" : "they are") not run and in no figure"
    }
}
