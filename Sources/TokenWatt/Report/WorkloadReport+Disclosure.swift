import Foundation
import KernelPower

/// What a GHG-Protocol or CSRD disclosure needs to read the report's figures: whose scope they
/// fall in, what they leave out, how their ranges are derived, and the share of consumption
/// under contracts. A sustainability analyst's probe had found the cloud-hosted chat service's
/// 3210 t a year labelled Scope 2, which for a tenant of the cloud region it is not.
extension WorkloadReport {
    /// What no boundary counts, printed once under the boundaries. Transmission and
    /// distribution losses are out everywhere; the upstream supply of fuel is out only where the
    /// grid factors are direct combustion: a lifecycle factor (Ember's, 29 of the 58 grids)
    /// includes it, where every report had said it was excluded at every boundary.
    var excludedWords: String {
        let lifecycle = scenarios.filter { Self.countsUpstream($0.emissions) }.map(\.fleet.name)
        let fuel = lifecycle.isEmpty ? "transmission and distribution losses and the upstream supply of fuel (Scope 3 category 3)"
            : "transmission and distribution losses (Scope 3 category 3)"
        let words = Self.inferenceOnlyWords + " Excluded at every boundary: inter-node network switches and storage systems; API gateways, front-end and "
            + "orchestration servers; failover and disaster-recovery capacity beyond the provisioned headroom; \(fuel); on-site fuel for "
            + "backup generators and refrigerant leaks (Scope 1); and the hardware's end of life\(endOfLifeExceptions). Embodied carbon counts the GPUs and their servers only."
        guard !lifecycle.isEmpty else { return words }
        let which = lifecycle.count == scenarios.count ? "one of every scenario's factors" : "in " + lifecycle.joined(separator: ", ")
        return words + " The upstream supply of fuel is excluded only where a grid factor is direct combustion: a lifecycle CO2e factor "
            + "(here \(which)) includes the fuel's supply and the plants' construction, upstream emissions that the GHG Protocol counts in "
            + "Scope 3 category 3, not Scope 2."
    }

    /// That the figures are the serving of the queries alone: a disclosure of a model's energy
    /// (EU AI Act Annex XI) asks for training's too, which no figure here counts (a compliance
    /// probe, 2026-12-08, found the exclusions silent on it).
    static let inferenceOnlyWords = "The figures are inference only, the serving of the queries above: training, fine-tuning, evaluation "
        + "and any other GPU time that does not serve these queries are excluded, their energy and the hardware they use alike."

    /// Where a counted footprint's source counts the hardware's end of life (the A100 PCIe's
    /// Hubblo/ADEME figure), the exclusion's exception: every report had said end of life was
    /// excluded at every boundary, 181 kg of such a footprint counted beside it.
    var endOfLifeExceptions: String {
        var ids: [String: [String]] = [:]
        for s in scenarios where s.emissions.perDay.embodiedGrams != nil {
            for (id, stages) in s.emissions.embodiedMissing.beyondManufacturing where stages.contains("end of life") { ids[id, default: []].append(s.fleet.name) }
        }
        guard !ids.isEmpty else { return "" }
        let which = ids.keys.sorted().map { "\($0) (\(ids[$0, default: []].uniqued().joined(separator: ", ")))" }.joined(separator: ", ")
        return ", except in the embodied footprint of \(which), whose source counts it"
    }

    /// What a scenario's embodied figure counts beyond manufacturing, by hardware: " (for
    /// a100-pcie-40gb also its distribution and end of life, as its source counts them)".
    static func beyondManufacturingWords(_ e: EmissionsResult) -> String {
        let b = e.embodiedMissing.beyondManufacturing
        guard e.perDay.embodiedGrams != nil, !b.isEmpty else { return "" }
        return " (for " + b.keys.sorted().map { "\($0) also its \(b[$0, default: []].joined(separator: " and "))" }.joined(separator: "; ")
            + ", which \(b.count == 1 ? "its source counts" : "their sources count") in one figure with its manufacturing)"
    }

    /// Whether a scenario's carbon counts upstream fuel: a location- or market-based factor (or a
    /// mix's part's) on the lifecycle basis.
    static func countsUpstream(_ e: EmissionsResult) -> Bool {
        [e.locationBasis, e.marketBasis].contains(.lifecycle) || e.mixGrids.contains { [$0.locationBasis, $0.marketBasis].contains(.lifecycle) }
    }

    /// The scenario's paragraphs on scope: whose Scope 2 or Scope 3 the carbon is, whether the
    /// boundary is the whole site's, and what the embodied figure is and counts.
    func disclosure(_ s: ScenarioReport) -> [ReportBlock] {
        [.paragraph(Self.attributionWords(s.emissions, boundary: s.fleet.boundary)), .paragraph(Self.embodiedWords(s))]
    }

    /// Whose scope the location- and market-based carbon falls in: Scope 2 for the operator that
    /// owns or controls the site and buys its electricity; Scope 3 category 1 (purchased goods and
    /// services) for a tenant renting capacity from a cloud or colocation provider; below the
    /// `facility` boundary, a partial figure either way.
    static func attributionWords(_ e: EmissionsResult, boundary: Boundary) -> String {
        let host = e.host.map { " (here \($0.words))" } ?? " (the workload names no cloud region or provider, so both are stated)"
        var words = "Reporting scope: the carbon above is Scope 2 for the operator that owns or controls the site and buys its electricity; "
            + "for a tenant renting the capacity from a cloud or colocation provider\(host) it is Scope 3 category 1 (purchased goods and services), "
            + "not Scope 2."
        if boundary < .facility {
            words += " At the `\(boundary.rawValue)` boundary it is a partial boundary (\(boundaryWords(boundary))), not a full Scope 2 figure: "
                + "the site's Scope 2 is all the electricity it buys, the `facility` boundary."
        }
        return words
    }

    static func boundaryWords(_ b: Boundary) -> String {
        switch b {
        case .gpu: "the GPU boards' energy only"
        case .node: "the serving servers' energy, without the idle capacity or the site's cooling and power distribution"
        case .it: "the IT equipment's energy, without the site's cooling and power distribution"
        case .facility: "the site's electricity"
        }
    }

    /// The embodied figure's scope and what it counts: the hardware owner's Scope 3 category 2
    /// (capital goods), which the GHG Protocol counts in the year bought; the amortisation is
    /// TokenWatt's allocation to queries. It counts the provisioned GPUs and servers whatever the
    /// boundary (a `gpu` boundary had printed 856 kg a day, its servers' included, as the
    /// `facility` one did), and it has no range.
    static func embodiedWords(_ s: ScenarioReport) -> String {
        let e = s.emissions, b = s.fleet.boundary
        var words = "Embodied carbon is the hardware's manufacturing\(beyondManufacturingWords(e)): Scope 3 category 2 (capital goods) for the hardware's owner, which the GHG Protocol "
            + "counts in full in the year the hardware is bought; its straight-line amortisation over the hardware's life is TokenWatt's allocation "
            + "to queries, not a reported figure. A tenant's share of it is within the provider's services (Scope 3 category 1)."
        guard e.perDay.embodiedGrams != nil else { return words + " It is not counted here (the notes say why)." }
        words += " It has no low–high range: the catalog's footprints carry none."
            + " A server's footprint is charged by the GPUs' share of it (GPUs ÷ GPUs per server), as its host power is, not by whole servers."
        if b < .it {
            words += " It counts every provisioned GPU and its servers whatever the boundary, so at the `\(b.rawValue)` boundary it is wider than the energy"
            if let g = e.embodiedGPUGramsPerDay, let all = e.perDay.embodiedGrams, b == .gpu {
                words += " (the GPUs alone: \(ReportUnits.mass(g)) of the day's \(ReportUnits.mass(all)))"
            }
            words += "."
        }
        return words
    }

    /// The share of consumption under contractual instruments, always stated: 0 % had been said
    /// by no line beside a market-based figure at the residual mix.
    static func coveredWords(_ e: EmissionsResult) -> String {
        let share = formatPercent(e.contractualShare, decimals: 0)
        if e.contractualShare <= 0 { return "0 % of consumption covered by contractual instruments (PPAs, certificates; none stated)" }
        if e.contractualShare >= 1 { return "100 % of consumption covered by contractual instruments (PPAs, certificates)" }
        return "\(share) of consumption covered by contractual instruments (PPAs, certificates), the rest at the residual mix or its fallback"
    }

    /// How the period's low–high is derived.
    static func rangeDerivationWords(_ e: EmissionsResult) -> String {
        "The \(formatNumber(e.periodDays)) days' low–high is that day's range × \(formatNumber(e.periodDays)): its energy at the ends of the band, its carbon as above; "
            + "water and cost are per kWh, so they carry the energy's relative range; embodied carbon has no range."
    }

    /// A volume of water in the unit `reference` reads in where it is 0 ("0 m³" beside "184 m³"),
    /// else as `ReportUnits.water` gives it: an off-site row at 0 L/kWh had read "0 mL" a day
    /// beside an on-site "184 m³".
    static func water(_ litres: Double, like reference: Double) -> String {
        guard litres == 0, reference != 0 else { return ReportUnits.water(litres) }
        let unit = ReportUnits.water(reference).split(separator: " ").last.map(String.init) ?? "mL"
        return "0 \(unit)"
    }

    /// A mass in the unit `reference` reads in where it is 0 ("0 t" beside "4.44 t"), else as
    /// `ReportUnits.mass` gives it.
    static func mass(_ grams: Double, like reference: Double) -> String {
        guard grams == 0, reference != 0 else { return ReportUnits.mass(grams) }
        let unit = ReportUnits.mass(reference).split(separator: " ").last.map(String.init) ?? "g"
        return "0 \(unit)"
    }
}
