import KernelPower

/// Kernel scenarios that are one fleet reported under other emissions settings. Each scenario
/// draws its own queries, seeded by its place in the file (`FleetRunner.scenarioSeeds`), so the
/// same fleet in two regions had reported different Wh, GPUs and embodied carbon from sampling
/// alone (0.363 against 0.341 Wh, 1964 against 1828 GPUs in a probe of 0.33.0) with no word of
/// why, nor of `sameDrawsAs`, which draws them alike. The seeding stays (every committed figure
/// would move); `fleet` names such pairs instead.
extension WorkloadReader {
    /// The scenario keys that say only what a scenario is called and how its energy is accounted
    /// or drawn: two kernel scenarios equal in every other key price the same fleet.
    static let accountingOnlyKeys: Set = ["name", "description", "emissions", "sameDrawsAs"]

    /// For each kernel scenario that has an earlier one differing from it only in name,
    /// description and a different `emissions` object, the first such earlier scenario's name,
    /// by the later one's. Compared as the file wrote them, the other keys in any order; objects
    /// inside that list their keys in another order are taken as different (no note, as before).
    static func emissionsTwins(_ items: [JSONValue], _ scenarios: [Scenario]) -> [String: String] {
        let bodies = items.map { v -> (fleet: JSONValue, emissions: JSONValue?)? in
            guard case let .object(pairs) = v else { return nil }
            let fleet = pairs.filter { !accountingOnlyKeys.contains($0.key) }.sorted { $0.key < $1.key }
            return (.object(fleet), pairs.first { $0.key == "emissions" }?.value)
        }
        var twins: [String: String] = [:]
        for j in scenarios.indices {
            guard case .kernel = scenarios[j].kind, let b = bodies[j] else { continue }
            let first = (0..<j).first { i in
                guard case .kernel = scenarios[i].kind, let a = bodies[i] else { return false }
                return a.fleet == b.fleet && a.emissions != b.emissions
            }
            if let i = first { twins[scenarios[j].name] = scenarios[i].name }
        }
        return twins
    }
}
