import Foundation
import KernelPower

/// On-site and off-site water: the WUE (the file's, its operator's or the default, each said
/// as such) and the water intensity of the electricity.
extension EmissionsAccountant {
    /// On-site water per kWh of IT energy and the off-site water intensity of the electricity
    /// (nil where none is published), with the WUE as published, which CSV and JSON give as numbers.
    /// A WUE stated per facility kWh is per IT kWh × the site's PUE at every boundary: the water
    /// is the site's, and below the facility the scenario's energy is all IT energy, which had
    /// been charged the per-facility figure (low by the PUE, a third at PUE 3).
    func waterFactors(_ r: FleetResult, grid: GridRegion, settings s: EmissionsSettings,
                      factors: inout [AccountingFactor], notes: inout [String])
        -> (perIT: Double, offsite: Double?, bases: WaterBases, wue: FacilityCatalog.WaterUseEffectiveness) {
        var wue = facilities.defaultWUE
        // Which default, as the PUE row names its own: with a pue set on a cloud region the
        // operator's WUE was dropped and the LBNL average printed with no word of "default".
        var origin = "default (the file sets none): "
        if let x = s.wueLitresPerKWh { wue = .init(litresPerKWh: SourcedValue(x, source: "workload file"), perFacilityKWh: false); origin = "" }
        else if let p = s.provider.flatMap(facilities.provider(named:)), let w = p.wue {
            wue = w
            origin = "provider default (the file sets none; \(s.providerFromRegion ? "\(p.id), the operator of emissions.region \(s.region)" : "emissions.provider \(p.id)")): "
        }
        var perIT = wue.litresPerKWh.value
        if wue.perFacilityKWh { perIT *= r.sitePUE }
        // With its year and what it counts, as a grid factor is (a WUE had no year, and withdrawal read as consumption).
        let counts = wue.basis.map { "water \(wue.basisWords(of: $0))" } ?? "basis not stated"
        factors.append(AccountingFactor(name: "on-site water (WUE)", value: "\(formatNumber(wue.litresPerKWh.value)) L per kWh of \(wue.perFacilityKWh ? "facility" : "IT") energy "
                                            + "(\(wue.litresPerKWh.year.map(String.init) ?? "year n/a"), \(counts))",
                                        source: origin + wue.litresPerKWh.source))
        if let note = droppedOperatorNote(s) { notes.append(note) }
        var ewif: SourcedValue? = s.waterLitresPerKWh.map { SourcedValue($0, source: "workload file") } ?? grid.waterLitresPerKWh
        // The catalog's off-site figures are water consumed (WRI's method); the file's own states no basis.
        let offsite: WaterBasis? = s.waterLitresPerKWh == nil ? .consumption : nil
        // A subregion without its own figure takes its country's ("us-egrid-srvc" → "us"), then the world's.
        let country = grid.id.split(separator: "-").first.map(String.init)
        for fallback in [country, "world"].compactMap({ $0 }) where ewif == nil && fallback != grid.id {
            if let r = grids.regions.first(where: { $0.id == fallback }), let w = r.waterLitresPerKWh {
                ewif = w
                notes.append("no published water intensity of electricity for \(grid.id): the figure for \(r.name) is used")
            }
        }
        if let e = ewif {
            factors.append(AccountingFactor(name: "off-site water (per kWh generated)",
                                            value: "\(formatNumber(e.value)) L/kWh (\(e.year.map(String.init) ?? "year n/a"), \(offsite.map { "water \($0.participle)" } ?? "basis not stated"))",
                                            source: e.source + (e.yearNote.map { "; \($0)" } ?? "")))
        } else {
            notes.append("no water intensity of electricity for \(grid.id): off-site water is not counted")
        }
        var bases = WaterBases(onsite: wue.basis, offsite: ewif == nil ? nil : offsite)
        bases.onsiteInferred = wue.basisInferred
        return (perIT, ewif?.value, bases, wue)
    }

    /// Where the file's own `pue` (or `wueLitresPerKWh`) on a cloud region drops the operator's
    /// paired figure, why: the operator's fleet PUE and WUE are taken together only where the
    /// file names no provider, pue or WUE (the README's defaults table), since a site whose PUE
    /// the file states is not known to be the fleet average the operator's WUE belongs to.
    func droppedOperatorNote(_ s: EmissionsSettings) -> String? {
        guard let dropped = s.droppedRegionOperator, let p = facilities.provider(named: dropped.id) else { return nil }
        let key = dropped.because
        let own = key == "pue" ? "its own pue" : "its own wueLitresPerKWh"
        let figure = key == "pue" ? p.wue.map { "WUE \(formatNumber($0.litresPerKWh.value)) L/kWh" } : p.pue.map { "fleet PUE \(formatNumber($0.value))" }
        guard let figure else { return nil }
        let instead = key == "pue" ? "the default WUE \(formatNumber(facilities.defaultWUE.litresPerKWh.value)) L/kWh" : "the default PUE \(formatNumber(facilities.defaultPUE.value))"
        return "cloud region \(s.region) is run by \(p.name), but this scenario sets \(own), so \(p.id)'s catalogued \(figure) is not used either: "
            + "an operator's fleet PUE and WUE are taken together only where the file names no provider, pue or WUE, since a site whose "
            + "figure the file states is not known to be the fleet average the other belongs to; \(instead) applies instead "
            + "(set \"provider\": \"\(p.id)\" or \(key == "pue" ? "wueLitresPerKWh" : "pue") to use another)"
    }
}
