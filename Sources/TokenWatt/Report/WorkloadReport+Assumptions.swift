import KernelPower

/// The assumptions table's lifetime rows, named by scenario where scenarios differ.
extension WorkloadReport {
    /// The scenarios each lifetime row holds for ("scenario h100", "scenarios a, b"), by the
    /// row's value and source, where the scenarios' lifetimes differ (empty where all share one): the rows
    /// "5 / 5 years" and "3 / 5 years" had named no scenario, where the PUE rows name theirs. A
    /// mix carries its parts' rows and is not named.
    var lifetimeScenarios: [String: String] {
        var byValue: [String: [String]] = [:]
        for s in scenarios {
            if case .mix = s.scenario.kind { continue }
            for f in s.emissions.factors where f.name == EmissionsAccountant.lifetimeFactorName { byValue[f.value + "|" + f.source, default: []].append(s.fleet.name) }
        }
        guard byValue.count > 1 else { return [:] }
        return byValue.mapValues { names in
            let n = names.uniqued()
            return (n.count == 1 ? "scenario " : "scenarios ") + n.joined(separator: ", ")
        }
    }
}
