import KernelPower

/// The assumptions table: every factor used, once, with its source, and the scenarios' inputs
/// as the workload states them.
extension WorkloadReport {
    /// Every factor used, once, with its source; the scenarios' inputs as the workload states them.
    func assumptions() -> [ReportBlock] {
        [.heading(2, "Assumptions and sources"), .table(["what", "value", "source"], assumptionRows(), numeric: [])]
    }

    /// The rows of the assumptions table (what, value, source), which the JSON's `assumptions` repeats.
    func assumptionRows() -> [[String]] {
        var seen = Set<String>(), rows: [[String]] = []
        let lifetimes = lifetimeScenarios
        for s in scenarios {
            rows.append(queriesRow(s))
            if let row = pueRow(s) { rows.append(row) }
            rows += trafficRows(s) + lengthRows(s, seen: &seen)
            if case let .kernel(k) = s.scenario.kind {
                // The deployments its classes with traffic run on: one no class uses is no assumption of its figures.
                for d in Capacity.served(k) {
                    let r = d.request
                    let key = "\(d.name)|\(r.model)|\(r.gpu)|\(r.gpus ?? 1)|\(r.precision?.rawValue ?? "")|\(d.maxBatch)"
                    if seen.insert(key).inserted {
                        rows.append(["deployment \(d.name)", "\(r.model) on \(r.gpus ?? 1) × \(r.gpu), \(r.precision?.rawValue ?? "model's precision"), up to \(d.maxBatch) sequences",
                                     "model and GPU catalogs (`tokenwatt models`, `tokenwatt gpus` list each figure's source)"])
                    }
                    rows += servingRows(scenario: s.scenario.name, deployment: d.name, seen: &seen)
                }
            }
            for n in s.fleet.servers.map(\.node) where seen.insert("node|" + n.id).inserted { rows += Self.hostRows(n) }
            for f in s.emissions.factors {
                // A lifetime row is one per value and source: a file's 5 years and the catalog's are two.
                let lifetime = f.name == EmissionsAccountant.lifetimeFactorName
                guard seen.insert(f.name + "|" + f.value + (lifetime ? "|" + f.source : "")).inserted else { continue }
                rows.append([(lifetime ? lifetimes[f.value + "|" + f.source] : nil).map { "\(f.name), \($0)" } ?? f.name, f.value, f.source])
            }
        }
        rows += strategyRows()
        return rows
    }

    /// A server's host power and PSU efficiency with the nodes catalog's sources: about a quarter
    /// of a query's energy, which no output had sourced. A figure the catalog calls assumed (a
    /// component sum of assumed per-part draws, an assumed PSU class) is marked so in its value.
    static func hostRows(_ n: NodeSpec) -> [[String]] {
        func assumed(_ fields: [String]) -> String {
            fields.contains { n.source(of: $0).lowercased().contains("assumed") } ? "; assumed, not measured" : ""
        }
        let power = ["hostActiveWatts", "hostIdleWatts"]
        let sources = n.source(of: power[0]) == n.source(of: power[1]) ? "nodes catalog: " + n.source(of: power[0])
            : "nodes catalog; under load: \(n.source(of: power[0])); idle: \(n.source(of: power[1]))"
        return [
            ["host power (non-GPU), node \(n.id)",
             "\(formatNumber(n.hostActivePower.watts)) W under load, \(formatNumber(n.hostIdlePower.watts)) W idle per server of \(n.gpuCount) GPUs "
                + "(\(formatNumber(n.hostActivePower.watts / Double(max(1, n.gpuCount)), significant: 3)) W and "
                + "\(formatNumber(n.hostIdlePower.watts / Double(max(1, n.gpuCount)), significant: 3)) W per GPU)\(assumed(power))",
             sources],
            ["power-supply efficiency, node \(n.id)", formatPercent(n.psuEfficiency, decimals: 0) + assumed(["psuEfficiency"]),
             "nodes catalog: " + n.source(of: "psuEfficiency")],
        ]
    }

    /// One row per class strategy other than a plain single answer, with its parameters and
    /// prefix-cache hit and the scenarios that run it: the reports had named the kind alone
    /// ("self-consistency" for 16 paths and for 16 paths × 4). Their source is the workload file
    /// (the bundled ones' descriptions say which figures are illustrative).
    func strategyRows() -> [[String]] {
        var rows: [(name: String, words: String, scenarios: [String])] = []
        for s in scenarios {
            guard case let .kernel(k) = s.scenario.kind else { continue }
            for c in k.classes where c.strategy != .single || c.prefixCacheHit > 0 {
                let words = Self.plainStrategyWords(c.strategy, prefixCacheHit: c.prefixCacheHit)
                if let i = rows.firstIndex(where: { $0.name == c.name && $0.words == words }) {
                    rows[i].scenarios.append("\(ReportDocument.code(s.scenario.name))")
                } else {
                    rows.append((c.name, words, ["\(ReportDocument.code(s.scenario.name))"]))
                }
            }
        }
        return rows.map { r in
            ["strategy of class \(ReportDocument.code(r.name)), scenario\(r.scenarios.count == 1 ? "" : "s") " + r.scenarios.joined(separator: ", "), r.words,
             "workload file \(source)"]
        }
    }

    /// The scenario's PUE and its source (`Scenario.pueStatement`, which `fleet` states too); a
    /// mix has none of its own (its components' rows carry theirs).
    func pueRow(_ s: ScenarioReport) -> [String]? {
        s.scenario.pueStatement(file: source, workloadEmissions: workload.emissions).map { ["PUE, scenario \(s.fleet.name)", $0.value, $0.source] }
    }

    /// The queries a day a scenario is sized for: the file's, or 1e9 where it sets none, cited
    /// as a default as the PUE's is (it was visible in the figures alone); a mix must state its own.
    func queriesRow(_ s: ScenarioReport) -> [String] {
        guard s.scenario.queriesPerDayIsDefault else {
            return ["queries a day, scenario \(s.fleet.name)", formatNumber(s.scenario.queriesPerDay), "workload file \(source)"]
        }
        return ["queries a day, scenario \(s.fleet.name)", formatNumber(s.scenario.queriesPerDay),
                "default (the file sets no queriesPerDay): a round billion, not a measured traffic"]
    }

    /// The lifetime rows' scenarios, named where scenarios differ.
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
