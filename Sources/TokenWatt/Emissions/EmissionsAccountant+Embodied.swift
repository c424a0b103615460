import KernelPower

/// Embodied carbon: the manufacturing emissions of a scenario's provisioned GPUs and servers,
/// amortised over their lifetimes, and a mix's blend of its parts' figures.
extension EmissionsAccountant {
    /// A day's embodied grams of the scenario's own fleet (a mix's: `mixAccount`); nil where
    /// none is counted.
    /// - Parameter gpus: set to the GPUs' own share of the day's grams, nil where none is counted.
    func embodiedGrams(_ r: FleetResult, settings s: EmissionsSettings, factors: inout [AccountingFactor],
                       notes: inout [String], missing: inout EmbodiedMissing, gpus: inout Double?) -> Double? {
        guard s.embodied else {
            notes.append(Self.embodiedOffNote(s))
            missing.switchedOff.append(r.name)
            return nil
        }
        return embodiedGramsPerDay(r, settings: s, factors: &factors, notes: &notes, missing: &missing, gpus: &gpus)
    }

    /// Why nothing is counted, naming whose settings say so: a scenario's own `"embodied": false`
    /// had been put down to the workload.
    static func embodiedOffNote(_ s: EmissionsSettings) -> String {
        "embodied emissions are not counted: the \(s.embodiedSetByScenario ? "scenario" : "workload") sets \"embodied\": false"
    }

    /// A mix's embodied grams per query: its parts' own per-query figures weighted by their
    /// shares of its queries, as its energy is (its day is the mix's queries × that). Where a
    /// part has none the mix has none, and names what that part left out.
    static func blendedEmbodied(_ parts: [MixPart], notes: inout [String], missing: inout EmbodiedMissing) -> Double? {
        for p in parts { missing.merge(p.emissions.embodiedMissing) }
        let uncounted = parts.filter { $0.emissions.perQuery.embodiedGrams == nil }
        guard uncounted.isEmpty else {
            notes.append(uncountedPartsNote(uncounted))
            return nil
        }
        notes.append("embodied emissions: the parts' per-query figures weighted by their shares ("
                     + parts.map { "\(formatPercent($0.share, decimals: 0)) \($0.scenario)" }.joined(separator: ", ") + ")")
        if parts.contains(where: \.divided) {
            // A lever's divisor is an energy gain; it need not shrink the hardware bought.
            notes.append("the mix's levers divide its energy, not its parts' embodied figures")
        }
        return parts.reduce(0) { $0 + $1.share * ($1.emissions.perQuery.embodiedGrams ?? 0) }
    }

    /// Which parts leave a mix without a figure, and why: a part whose scenario sets
    /// `"embodied": false` had been said to "have no embodied figure" (its H200s have 188.4 kg).
    static func uncountedPartsNote(_ uncounted: [MixPart]) -> String {
        func names(_ ps: [MixPart]) -> String { ps.map(\.scenario).joined(separator: ", ") }
        let off = uncounted.filter { $0.emissions.embodiedMissing.switchedOff.contains($0.scenario) }
        let none = uncounted.filter { p in !off.contains { $0.scenario == p.scenario } }
        var why: [String] = []
        if !none.isEmpty { why.append("\(none.count == 1 ? "part" : "parts") \(names(none)) of this mix \(none.count == 1 ? "has" : "have") no embodied figure") }
        if !off.isEmpty {
            why.append("\(off.count == 1 ? "part" : "parts") \(names(off)) of this mix \(off.count == 1 ? "is" : "are") set not to count it (\"embodied\": false)")
        }
        return "embodied emissions are not counted: " + why.joined(separator: "; ")
    }

    /// Manufacturing emissions of the provisioned GPUs and servers, amortised over their
    /// lifetimes: the fleet is sized for this workload, so all of its time is the workload's.
    /// Nil where the scenario provisions no fleet or none of its hardware has a footprint.
    func embodiedGramsPerDay(_ r: FleetResult, settings s: EmissionsSettings, factors: inout [AccountingFactor], notes: inout [String],
                             missing: inout EmbodiedMissing, gpus gpuGrams: inout Double?) -> Double? {
        guard !r.hardware.isEmpty else {
            notes.append("no provisioned fleet in this scenario (\(r.gpus == nil ? "throughput-table" : "empty")): embodied emissions are not counted")
            missing.scenarios.append(r.name)
            return nil
        }
        let gpuLife = s.gpuLifetimeYears.map { SourcedValue($0, source: "workload file") } ?? facilities.gpuLifetimeYears
        let nodeLife = s.nodeLifetimeYears.map { SourcedValue($0, source: "workload file") } ?? facilities.nodeLifetimeYears
        var grams = 0.0, counted = false
        var seen = Set<String>()
        // One row's GPUs or servers: amortised where the catalog has a footprint, each id's factor
        // or missing note said once.
        func add(_ id: String, units: Double, from catalog: [FacilityCatalog.Embodied], lifeYears: Double, label: String,
                 made: String, missingIDs: WritableKeyPath<EmbodiedMissing, [String]>, countedFlag: WritableKeyPath<EmbodiedMissing, Bool>) {
            let first = seen.insert(made + " " + id).inserted
            guard let e = catalog.first(where: { $0.id == id }) else {
                if first {
                    notes.append("no published embodied figure for \(id): its \(made)' manufacturing is not counted")
                    missing[keyPath: missingIDs].append(id)
                }
                return
            }
            grams += units * e.kgCO2e * 1000 / (lifeYears * 365)
            counted = true
            missing[keyPath: countedFlag] = true
            if first {
                factors.append(AccountingFactor(name: "embodied, one \(id)\(label) (\(e.scope))", value: "\(formatNumber(e.kgCO2e)) kg CO2e (\(e.year.map(String.init) ?? "year n/a"))",
                                                source: e.source + (e.yearNote.map { "; \($0)" } ?? "")))
                if let b = e.boundaryNote { notes.append(Self.boundaryNote(id, b)) }
                if !e.alsoCounts.isEmpty { missing.beyondManufacturing[id] = e.alsoCounts }
            }
        }
        for h in r.hardware {
            add(h.gpu, units: Double(h.gpus), from: facilities.gpus, lifeYears: gpuLife.value, label: "", made: "GPUs", missingIDs: \.gpus, countedFlag: \.gpusCounted)
        }
        gpuGrams = counted ? grams : nil
        // Servers by deployment, its classes' GPUs packed together (`ServerUse`), each charged the
        // GPUs' share of a server (GPUs ÷ GPUs per server), as host power is: whole servers
        // (⌈GPUs ÷ 8⌉) had charged one GPU a full 8-GPU server's 5700 kg beside 1/8 of its host power.
        for s in r.servers {
            add(s.node.id, units: Self.serverShare(s), from: facilities.nodes, lifeYears: nodeLife.value, label: " without GPUs", made: "servers", missingIDs: \.nodes, countedFlag: \.serversCounted)
        }
        let lifeYears = [gpuLife.year, nodeLife.year].map { $0.map(String.init) ?? "year n/a" }.uniqued().joined(separator: " / ")
        // A catalog lifetime is a default, said as the PUE row says its own.
        func origin(_ v: SourcedValue) -> String { v.source == "workload file" ? v.source : "default (the file sets none): " + v.source }
        factors.append(AccountingFactor(name: Self.lifetimeFactorName, value: "\(formatNumber(gpuLife.value)) / \(formatNumber(nodeLife.value)) years (\(lifeYears))",
                                        source: gpuLife.source == nodeLife.source ? origin(gpuLife) : "\(origin(gpuLife)); \(origin(nodeLife))"))
        if counted, let note = Self.replacementNote(periodDays: s.reportingPeriodDays, gpuYears: gpuLife.value, nodeYears: nodeLife.value) { notes.append(note) }
        return counted ? grams : nil
    }

    /// A footprint on another boundary than the rest, said where the fleet counts it: the A100
    /// PCIe's 181 kg counts distribution and end of life, the A100 SXM's no baseboard share.
    static func boundaryNote(_ id: String, _ words: String) -> String {
        "embodied boundary of \(id) differs from the catalog's default (cradle-to-gate manufacturing; for an SXM GPU its 1/8 share of an "
            + "8-GPU baseboard with NVSwitch and thermal solution, as NVIDIA's HGX footprints count it): \(words)"
    }

    /// The factor that states the lifetimes, which the report's assumptions name by scenario.
    static let lifetimeFactorName = "lifetime (GPU / server)"

    /// The servers a deployment's GPUs occupy as a share: GPUs ÷ GPUs per server (1 of 8: 0.125),
    /// the share host power is charged by (`ServingSurface.hostWattsPerGPU`); whole servers for a
    /// node that states no GPU count.
    static func serverShare(_ s: ServerUse) -> Double {
        s.node.gpuCount > 0 ? Double(s.gpus) / Double(s.node.gpuCount) : Double(max(1, s.nodes))
    }

    /// A reporting period longer than the hardware's life charges the amortised rate every day
    /// of it: 36500 days at 5 years had amortised 117 t against 5.86 t of hardware with no word.
    /// The figure then assumes the hardware whose life the period exceeds is replaced, like for
    /// like, at each lifetime's end: the note names that hardware alone and counts its sets (GPUs
    /// of 10 years and servers of 3 over 5 years had read "0.5 sets of GPUs").
    static func replacementNote(periodDays: Double, gpuYears: Double, nodeYears: Double) -> String? {
        let past = [("GPUs", gpuYears), ("servers", nodeYears)].filter { periodDays > $0.1 * 365 }
        guard let one = past.first else { return nil }
        let both = past.count == 2
        let lives = both ? "\(formatNumber(gpuYears)) years for the GPUs, \(formatNumber(nodeYears)) for the servers" : "\(formatNumber(one.1)) years"
        let sets = past.map { "\(formatNumber(periodDays / ($0.1 * 365), significant: 3)) sets of \($0.0)" }.joined(separator: " and ")
        return "the reporting period (\(formatNumber(periodDays)) days, \(formatNumber(periodDays / 365, significant: 3)) years) is longer than "
            + "\(both ? "the hardware's" : "the \(one.0)'") lifetime (\(lives)): its embodied figure charges the amortised rate every day, so it "
            + "assumes \(both ? "the hardware is" : "the \(one.0) are") replaced at the end of each lifetime (about \(sets) over the period), "
            + "not one fleet's manufacturing"
    }
}
