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
            notes.append(Self.embodiedOffNote)
            return nil
        }
        return embodiedGramsPerDay(r, settings: s, factors: &factors, notes: &notes, missing: &missing, gpus: &gpus)
    }

    static let embodiedOffNote = "embodied emissions are not counted: the workload sets \"embodied\": false"

    /// A mix's embodied grams per query: its parts' own per-query figures weighted by their
    /// shares of its queries, as its energy is (its day is the mix's queries × that). Where a
    /// part has none the mix has none, and names what that part left out.
    static func blendedEmbodied(_ parts: [MixPart], notes: inout [String], missing: inout EmbodiedMissing) -> Double? {
        for p in parts { missing.merge(p.emissions.embodiedMissing) }
        let uncounted = parts.filter { $0.emissions.perQuery.embodiedGrams == nil }.map(\.scenario)
        guard uncounted.isEmpty else {
            notes.append("embodied emissions are not counted: \(uncounted.count == 1 ? "part" : "parts") \(uncounted.joined(separator: ", ")) of this mix \(uncounted.count == 1 ? "has" : "have") no embodied figure")
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
                 made: String, missingIDs: WritableKeyPath<EmbodiedMissing, [String]>) {
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
            if first {
                factors.append(AccountingFactor(name: "embodied, one \(id)\(label) (\(e.scope))", value: "\(formatNumber(e.kgCO2e)) kg CO2e (\(e.year.map(String.init) ?? "year n/a"))",
                                                source: e.source + (e.yearNote.map { "; \($0)" } ?? "")))
            }
        }
        for h in r.hardware {
            add(h.gpu, units: Double(h.gpus), from: facilities.gpus, lifeYears: gpuLife.value, label: "", made: "GPUs", missingIDs: \.gpus)
        }
        gpuGrams = counted ? grams : nil
        // Servers by deployment, its classes' GPUs packed together (`ServerUse`), each charged the
        // GPUs' share of a server (GPUs ÷ GPUs per server), as host power is: whole servers
        // (⌈GPUs ÷ 8⌉) had charged one GPU a full 8-GPU server's 5700 kg beside 1/8 of its host power.
        for s in r.servers {
            add(s.node.id, units: Self.serverShare(s), from: facilities.nodes, lifeYears: nodeLife.value, label: " without GPUs", made: "servers", missingIDs: \.nodes)
        }
        let lifeYears = [gpuLife.year, nodeLife.year].map { $0.map(String.init) ?? "year n/a" }.uniqued().joined(separator: " / ")
        // A catalog lifetime is a default, said as the PUE row says its own.
        func origin(_ v: SourcedValue) -> String { v.source == "workload file" ? v.source : "default (the file sets none): " + v.source }
        factors.append(AccountingFactor(name: "lifetime (GPU / server)", value: "\(formatNumber(gpuLife.value)) / \(formatNumber(nodeLife.value)) years (\(lifeYears))",
                                        source: gpuLife.source == nodeLife.source ? origin(gpuLife) : "\(origin(gpuLife)); \(origin(nodeLife))"))
        if counted, let note = Self.replacementNote(periodDays: s.reportingPeriodDays, gpuYears: gpuLife.value, nodeYears: nodeLife.value) { notes.append(note) }
        return counted ? grams : nil
    }

    /// The servers a deployment's GPUs occupy as a share: GPUs ÷ GPUs per server (1 of 8: 0.125),
    /// the share host power is charged by (`ServingSurface.hostWattsPerGPU`); whole servers for a
    /// node that states no GPU count.
    static func serverShare(_ s: ServerUse) -> Double {
        s.node.gpuCount > 0 ? Double(s.gpus) / Double(s.node.gpuCount) : Double(max(1, s.nodes))
    }

    /// A reporting period longer than the hardware's life charges the amortised rate every day
    /// of it: 36500 days at 5 years had amortised 117 t against 5.86 t of hardware with no word.
    /// The figure then assumes the hardware is replaced, like for like, at each lifetime's end.
    static func replacementNote(periodDays: Double, gpuYears: Double, nodeYears: Double) -> String? {
        let shortest = min(gpuYears, nodeYears)
        guard periodDays > shortest * 365 else { return nil }
        let lives = "\(formatNumber(gpuYears)) years for the GPUs, \(formatNumber(nodeYears)) for the servers"
        return "the reporting period (\(formatNumber(periodDays)) days, \(formatNumber(periodDays / 365, significant: 3)) years) is longer than the hardware's "
            + "lifetime (\(lives)): its embodied figure charges the amortised rate every day, so it assumes the hardware is replaced "
            + "at the end of each lifetime (about \(formatNumber(periodDays / (gpuYears * 365), significant: 3)) sets of GPUs over the period), "
            + "not one fleet's manufacturing"
    }
}
