import Foundation
import KernelPower

/// Turns a fleet result into an emissions account.
public struct EmissionsAccountant: Sendable {
    public var grids: GridCatalog
    public var facilities: FacilityCatalog

    public init(grids: GridCatalog = .bundled, facilities: FacilityCatalog = .bundled) {
        self.grids = grids
        self.facilities = facilities
    }

    /// - Parameter mixParts: for a mix scenario, its components' accounts, which its own blends
    ///   (`mixAccount`); nil for a scenario that provisions its own fleet or none.
    public func account(_ r: FleetResult, settings s: EmissionsSettings, mixParts: [MixPart]? = nil) throws -> EmissionsResult {
        if let parts = mixParts, !parts.isEmpty { return mixAccount(r, settings: s, parts: parts) }
        let (grid, cloud) = try grids.region(s.region, context: "scenario \(r.name): emissions.region")
        var factors: [AccountingFactor] = []
        var notes = s.notes + unitSlipNotes(s)
        if let c = cloud {
            factors.append(AccountingFactor(name: "cloud region \(c.id)", value: "\(c.location) → grid \(grid.id)", source: c.source))
            if let note = Self.standInNote(c, grid: grid) { notes.append(note) }
        }
        let (hourly, location, derivation) = locationIntensity(r, grid: grid, settings: s, factors: &factors, notes: &notes)
        let market = marketIntensity(grid: grid, settings: s, factors: &factors, notes: &notes)
        let bases = Self.bases(grid: grid, settings: s)
        if let note = Self.basisNote(bases) { notes.append(note) }
        if let note = s.regionOperatorNote(facilities) { notes.append(note) }
        if let note = Self.yearNote(grid: grid, settings: s) { notes.append(note) }
        let water = waterFactors(r, grid: grid, settings: s, factors: &factors, notes: &notes)
        let (wue, ewif, waterBases) = (water.perIT, water.offsite ?? 0, water.bases)
        var missing = EmbodiedMissing()
        var gpuEmbodied: Double?
        let embodiedPerDay = embodiedGrams(r, settings: s, factors: &factors, notes: &notes, missing: &missing, gpus: &gpuEmbodied)
        if let p = s.pricePerKWh { factors.append(AccountingFactor(name: "electricity price", value: "\(formatNumber(p)) \(s.currency)/kWh", source: "workload file")) }

        let (perQuery, perDay) = Self.impacts(r, settings: s, intensity: (location, market), water: (wue, ewif),
                                              embodiedPerDay: embodiedPerDay, notes: &notes)
        let weights = loadWeights(r)
        let dayKWh = r.gwhPerDay * 1e6
        var result = EmissionsResult(
            regionID: grid.id, regionName: grid.name, locationGramsPerKWh: location, marketGramsPerKWh: market,
            perQuery: perQuery, perDay: perDay, perPeriod: perDay.scaled(s.reportingPeriodDays), periodDays: s.reportingPeriodDays,
            medianQueryLocationGrams: r.whPerQuery.median / 1000 * location, p5QueryLocationGrams: r.whPerQuery.p5 / 1000 * location,
            p95QueryLocationGrams: r.whPerQuery.p95 / 1000 * location, hourlyIntensity: hourly,
            hourlyKilograms: (0..<24).map { dayKWh * weights[$0] * hourly[$0] / 1000 },
            currency: s.currency, factors: factors, notes: notes, embodiedMissing: missing,
            locationBasis: bases.location, marketBasis: bases.market)
        result.perKWh = Impact(energyWh: 1000, locationGrams: location, marketGrams: market, waterOnsiteLitres: (1 - r.overheadShare) * wue,
                               waterOffsiteLitres: ewif, cost: s.pricePerKWh)
        result.hourlyEnergyShares = weights
        result.dayCarbonRange = Self.dayCarbonRange(r, perDay: perDay)
        result.waterBases = waterBases
        result.periodRange = Self.periodRange(r, result: result)
        result.contractualShare = s.contractualShare
        result.host = cloud.map { Host(cloudRegion: $0.id, provider: s.provider ?? facilities.provider(named: $0.provider)?.id ?? $0.provider) } ?? s.provider.map { Host(cloudRegion: nil, provider: $0) }
        result.locationDerivation = derivation
        // The years of the factors the figures use, machine-readable (nil: the workload's own figure).
        result.locationYear = s.hourlyIntensity == nil ? grid.location.year : nil
        result.marketYear = s.contractualShare < 1 && s.residualMixGramsPerKWh == nil ? (grid.residualMix ?? grid.location).year : nil
        result.embodiedGPUGramsPerDay = gpuEmbodied
        result.marketFactor = Self.marketFactor(grid: grid, settings: s)
        result.wue = (water.wue.litresPerKWh.value, water.wue.perFacilityKWh)
        result.waterOffsiteLitresPerKWh = water.offsite
        result.pricePerKWh = s.pricePerKWh
        result.outputTokensPerQuery = Self.outputTokensPerQuery(r)
        return result
    }

    /// The mean query's impacts and a day's, at the load-weighted location- and market-based
    /// intensities (g/kWh), on-site water per IT kWh and off-site water per kWh (L/kWh), with the
    /// day's embodied grams shared among its queries.
    static func impacts(_ r: FleetResult, settings s: EmissionsSettings, intensity: (location: Double, market: Double),
                        water: (wue: Double, ewif: Double), embodiedPerDay: Double?, notes: inout [String]) -> (perQuery: Impact, perDay: Impact) {
        let wh = r.whPerQuery.mean
        // The IT energy within the boundary: all of it below the facility, less the overhead at it.
        let itWh = wh * (1 - r.overheadShare)
        let perQuery = Impact(energyWh: wh, locationGrams: wh / 1000 * intensity.location, marketGrams: wh / 1000 * intensity.market,
                              waterOnsiteLitres: itWh / 1000 * water.wue, waterOffsiteLitres: wh / 1000 * water.ewif,
                              embodiedGrams: r.queriesPerDay > 0 ? embodiedPerDay.map { $0 / r.queriesPerDay } : nil,
                              cost: s.pricePerKWh.map { wh / 1000 * $0 })
        // A day without queries has its hardware's share per day but none per query (it read 0 g).
        if r.queriesPerDay == 0, embodiedPerDay != nil {
            notes.append("no queries a day: embodied carbon has no per-query figure (the day's is the fleet's share)")
        }
        // A day's figures follow the day's energy (which may carry fleet-level factors the mean
        // query does not, e.g. Oviedo et al.'s orchestration overhead); embodied is per day already.
        var perDay = perQuery.scaled(wh > 0 ? r.gwhPerDay * 1e9 / wh : r.queriesPerDay)
        perDay.embodiedGrams = embodiedPerDay
        return (perQuery, perDay)
    }

    /// The mean query's output tokens: its drawn classes' means weighted by their shares, as the
    /// draws weigh its Wh (an undrawn class is counted at the others' mean); nil without classes
    /// (a throughput table) or tokens.
    static func outputTokensPerQuery(_ r: FleetResult) -> Double? {
        let drawn = r.classes.filter { $0.draws > 0 && $0.share > 0 }
        let shares = drawn.reduce(0) { $0 + $1.share }
        guard shares > 0 else { return nil }
        let tokens = drawn.reduce(0) { $0 + $1.share * $1.meanOutputTokens } / shares
        return tokens > 0 ? tokens : nil
    }

    /// A day's carbon both ways with the day's energy at the ends of its measured error band, at
    /// the same load-weighted intensities: their hourly weights follow the energy inside the
    /// boundary by hour, whose shape the band does not move.
    /// A day of no energy at both ends emits nothing at both ends (its CSV cells had been empty
    /// beside a GWh range of 0–0).
    static func dayCarbonRange(_ r: FleetResult, perDay d: Impact) -> (location: Bounds, market: Bounds)? {
        guard let g = r.gwhPerDayRange else { return nil }
        if r.gwhPerDay == 0, g.low == 0, g.high == 0 { return (Bounds(low: 0, high: 0), Bounds(low: 0, high: 0)) }
        guard r.gwhPerDay > 0 else { return nil }
        func at(_ gwh: Double) -> Double { gwh / r.gwhPerDay }
        return (Bounds(low: d.locationGrams * at(g.low), high: d.locationGrams * at(g.high)),
                Bounds(low: d.marketGrams * at(g.low), high: d.marketGrams * at(g.high)))
    }

    /// The basis of each factor: the catalog's, unless the workload gives its own figure (an
    /// hourly series, a residual mix, or instruments covering all consumption).
    static func bases(grid: GridRegion, settings s: EmissionsSettings) -> (location: CarbonBasis?, market: CarbonBasis?) {
        let residual = s.residualMixGramsPerKWh != nil ? nil : (grid.residualMix ?? grid.location).basis
        return (s.hourlyIntensity == nil ? grid.location.basis : nil, s.contractualShare < 1 ? residual : nil)
    }

    /// Sources mix bases (Ember lifecycle beside AIB's direct residual mixes), so a location-
    /// and a market-based figure can differ by what they count rather than by contracts.
    /// Both lifecycle (Canada, whose market figure falls back to the location one): no gap to
    /// explain, but neither is a Scope 2 figure as the GHG Protocol counts it. One lifecycle
    /// beside the workload's own figure (nil: basis not stated): the note names that one, where
    /// it had called both factors lifecycle.
    static func basisNote(_ b: (location: CarbonBasis?, market: CarbonBasis?)) -> String? {
        let upstream = "lifecycle adds fuel supply and plant construction, which the GHG Protocol counts in Scope 3 category 3, not Scope 2"
        if let l = b.location, let m = b.market, l != m {
            let gases = [l, m].contains(.directCO2) ? "; CO2 only leaves out the methane and nitrous oxide that CO2e counts" : ""
            let why = [l, m].contains(.lifecycle) ? upstream + gases : String(gases.dropFirst(2))
            return "the location-based factor is \(l.words) and the market-based one \(m.words): they are on different bases "
                + "(\(why)), so part of the gap between the two figures is the basis, not the contracts"
        }
        switch (b.location == .lifecycle, b.market == .lifecycle) {
        case (true, true):
            return "both grid factors are lifecycle figures (\(upstream)): as Scope 2 they overstate by that upstream share"
        case (true, false), (false, true):
            let which = b.location == .lifecycle ? "location" : "market"
            return "the \(which)-based factor is \(CarbonBasis.lifecycle.words) (\(upstream)): as Scope 2 it overstates by that upstream share; "
                + "the \(which == "location" ? "market" : "location")-based one is the workload's own, basis not stated"
        case (false, false):
            return nil
        }
    }

    /// A cloud region on a sub-grid the catalog has no figure for takes a wider average; the
    /// catalog says which and which way it errs, and the report repeats it beside the figures.
    static func standInNote(_ c: CloudRegion, grid: GridRegion) -> String? {
        guard let sub = c.standsInFor else { return nil }
        let effect = switch sub.relative {
        case "cleaner": "that grid is cleaner, so the carbon figures here are likely overstated"
        case "dirtier": "that grid is dirtier, so the carbon figures here are likely understated"
        default: "that grid's intensity may differ substantially either way"
        }
        return "cloud region \(c.id) (\(c.location)) draws on the \(sub.grid) grid, which has no figure in the catalog: the \(grid.name) average "
            + "(\(formatNumber(grid.location.value, significant: 4)) g CO2e/kWh) stands in for it; \(effect)"
    }

    /// A catalog factor's unit: g CO2/kWh where its basis counts CO2 alone, else g CO2e/kWh.
    static func unit(_ v: SourcedValue) -> String { (v.basis ?? .lifecycle).unit }

    /// A factor's year and basis, as its value cell shows them.
    static func yearAndBasis(_ v: SourcedValue) -> String {
        ([v.year.map(String.init) ?? "year n/a"] + [v.basis?.words].compactMap { $0 }).joined(separator: ", ")
    }

    /// Share of the day's energy in each hour: the energy inside the scenario's boundary by hour
    /// (`KernelFleet.hourlyEnergyShares`: its queries' at `gpu` and `node`, the fleet's power with
    /// its idle replicas at `it` and `facility`; a mix's parts', blended), otherwise flat.
    func loadWeights(_ r: FleetResult) -> [Double] {
        r.hourlyEnergyShares.count == 24 ? r.hourlyEnergyShares : [Double](repeating: 1.0 / 24, count: 24)
    }

    /// The location-based intensity by hour and weighted by the load: the user's hourly series,
    /// or the region's annual figure shaped by its published daily profile, or flat; with how
    /// the weighted figure follows from the cited one (nil where it is that figure).
    func locationIntensity(_ r: FleetResult, grid: GridRegion, settings s: EmissionsSettings,
                           factors: inout [AccountingFactor], notes: inout [String]) -> ([Double], Double, String?) {
        let hourly: [Double]
        if let h = s.hourlyIntensity {
            hourly = h
            factors.append(AccountingFactor(name: "hourly grid intensity (location-based)",
                                            value: "\(formatNumber(h.min() ?? 0))–\(formatNumber(h.max() ?? 0)) g CO2e/kWh", source: s.hourlySource ?? "workload file"))
        } else {
            let annual = grid.location
            // The region itself may be the default (`world`), said as every default is.
            let origin = s.givenKeys.contains("region") || s.region != EmissionsSettings().region ? "" : "default region (the file sets none): "
            factors.append(AccountingFactor(name: "grid intensity, \(grid.name) (location-based)",
                                            value: "\(formatNumber(annual.value)) \(Self.unit(annual)) (\(Self.yearAndBasis(annual)))", source: origin + annual.source))
            if let p = grid.hourlyProfile {
                hourly = p.values.map { $0 * annual.value }
                factors.append(AccountingFactor(name: "daily shape of intensity, \(grid.name)",
                                                value: "× \(formatNumber(p.values.min() ?? 1))–\(formatNumber(p.values.max() ?? 1)) by hour, \(Self.hoursWords(p.source))",
                                                source: p.source))
                if let note = Self.shapeNote(annual, shapeYear: p.year, shapeBasis: p.basis) { notes.append(note) }
            } else {
                hourly = [Double](repeating: annual.value, count: 24)
                notes.append("no published daily shape for \(grid.id): the annual intensity is used at every hour")
            }
        }
        if r.hourlyEnergyShares.count != 24 { notes.append("no diurnal fleet power in this scenario: energy is spread evenly over the day") }
        let w = loadWeights(r)
        let weighted = zip(w, hourly).reduce(0) { $0 + $1.0 * $1.1 }
        return (hourly, weighted, Self.locationDerivation(grid: grid, settings: s, weighted: weighted, even: r.hourlyEnergyShares.count != 24))
    }

    /// Where the daily shape comes from another year or basis than the annual mean it shapes
    /// (Electricity Maps' 2023 direct intensity on Ember's 2024 lifecycle mean), a note names
    /// both: only the shape's multipliers are used, but hours cleaner or dirtier in one year's
    /// direct emissions need not be so by as much in another year's lifecycle ones.
    static func shapeNote(_ annual: SourcedValue, shapeYear: Int?, shapeBasis: CarbonBasis?) -> String? {
        let years = shapeYear != nil && annual.year != nil && shapeYear != annual.year
        let bases = shapeBasis != nil && annual.basis != nil && shapeBasis != annual.basis
        guard years || bases else { return nil }
        func words(_ y: Int?, _ b: CarbonBasis?) -> String { [y.map(String.init), b?.words].compactMap { $0 }.joined(separator: " ") }
        return "the daily shape of intensity is drawn from \(words(shapeYear, shapeBasis)) hourly data and applied to the annual mean of "
            + "\(words(annual.year, annual.basis)): only its multipliers (mean 1) are used, but the hours' relative cleanliness may differ "
            + "in \(years && bases ? "another year and on another basis" : years ? "another year" : "another basis")"
    }

    /// How the location-based factor used follows from the cited one. A daily shape's
    /// multipliers average 1, so over an even day the weighted figure is the annual one; a
    /// diurnal load weights them by the share of the day's energy in each hour (Spain's cited
    /// 146.15 g CO2e/kWh, 2024, weighted by the chat service's afternoon peak, is 140.7: the
    /// load is heaviest when Spain's solar makes the grid cleanest). The workload's hours are
    /// read as the grid's local hours, in the zone its shape's source converted to.
    static func locationDerivation(grid: GridRegion, settings s: EmissionsSettings, weighted: Double, even: Bool) -> String? {
        if let h = s.hourlyIntensity {
            return "the workload's hourly series (\(formatNumber(h.min() ?? 0))–\(formatNumber(h.max() ?? 0)) g CO2e/kWh by local hour) "
                + "weighted by the share of the day's energy in each hour"
        }
        let annual = grid.location
        let cited = "the catalog's annual \(formatNumber(annual.value)) \(unit(annual))\(annual.year.map { " (\($0))" } ?? "")"
        guard let p = grid.hourlyProfile, annual.value > 0 else { return "\(cited) at every hour, with no published daily shape" }
        if even {
            return "\(cited): its daily shape averages × 1 over a day with the energy spread evenly"
        }
        return "\(cited) × \(formatNumber(weighted / annual.value, significant: 4)), its daily shape (\(hoursWords(p.source))) weighted by the share of "
            + "the day's energy in each hour of the workload's diurnal, whose hours are read as those local hours"
    }

    /// The hours a daily shape is given in, as its source states them: "local hours, America/Los_Angeles"
    /// where it names an IANA zone, else "hours as its source gives them".
    static func hoursWords(_ source: String) -> String {
        // A parenthesised "Area/City" or "Area/Region/City", found without a regex literal, which
        // the fuzzer's plain swiftc build (no bare-slash regexes) does not parse.
        func isZone(_ s: Substring) -> Bool {
            let parts = s.split(separator: "/", omittingEmptySubsequences: false)
            guard (2...3).contains(parts.count), let first = parts[0].first, first.isUppercase, first.isASCII else { return false }
            return parts[0].allSatisfy { $0.isASCII && $0.isLetter }
                && parts.dropFirst().allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0 == "_") } }
        }
        let zone = source.split(separator: "(", omittingEmptySubsequences: false).dropFirst()
            .compactMap { piece in piece.firstIndex(of: ")").map { piece[..<$0] } }
            .first(where: isZone)
        guard let zone else { return "hours as its source gives them" }
        return "local hours, \(zone)"
    }

    /// Where the location- and market-based factors are the catalog's and from different years
    /// (Spain: Ember 2024 beside AIB's 2023 residual mix), a note says so: the gap between the
    /// two figures is then partly a year's change in the grid.
    static func yearNote(grid: GridRegion, settings s: EmissionsSettings) -> String? {
        guard s.hourlyIntensity == nil, s.residualMixGramsPerKWh == nil, s.contractualShare < 1, let m = grid.residualMix,
              let ly = grid.location.year, let my = m.year, ly != my else { return nil }
        return "the location-based factor is for \(ly) and the market-based residual mix for \(my): part of the gap between the two figures "
            + "is a year's change in the grid, not the contracts"
    }

    /// What the market-based figure charges uncovered consumption: nothing where instruments
    /// cover it all, else the file's residual mix, the catalog's, or the location-based fallback.
    static func marketFactor(grid: GridRegion, settings s: EmissionsSettings) -> MarketFactor {
        if s.contractualShare >= 1 { return .contract }
        if s.residualMixGramsPerKWh != nil { return .workloadResidualMix }
        return grid.residualMix != nil ? .residualMix : .locationFallback
    }

    /// GHG Protocol Scope 2 market-based: instruments cover a share at their factor; the rest is
    /// at the residual mix (or, where none is published, the location-based factor, as the
    /// Scope 2 Guidance's hierarchy falls back to).
    func marketIntensity(grid: GridRegion, settings s: EmissionsSettings, factors: inout [AccountingFactor], notes: inout [String]) -> Double {
        let residual: Double
        if let x = s.residualMixGramsPerKWh {
            residual = x
            factors.append(AccountingFactor(name: "residual mix (market-based)", value: "\(formatNumber(x)) g CO2e/kWh", source: "workload file"))
        } else if let m = grid.residualMix {
            residual = m.value
            factors.append(AccountingFactor(name: "residual mix, \(grid.name) (market-based)",
                                            value: "\(formatNumber(m.value)) \(Self.unit(m)) (\(Self.yearAndBasis(m)))", source: m.source))
        } else {
            residual = grid.location.value
            if s.contractualShare < 1 { fallback(grid, settings: s, factors: &factors, notes: &notes) }
        }
        if s.contractualShare > 0 {
            // The share is the file's; the factor may be the default 0 g, which the file did not
            // state (the row had said "workload file" for both).
            let ownFactor = s.givenKeys.contains("contractualGramsPerKWh") || s.contractualGramsPerKWh != EmissionsSettings().contractualGramsPerKWh
            factors.append(AccountingFactor(name: s.contractualInstrument,
                                            value: "\(formatPercent(s.contractualShare, decimals: 0)) of consumption at \(formatNumber(s.contractualGramsPerKWh)) g CO2e/kWh"
                                                + (ownFactor ? "" : " (default: the instruments' own factor is not given)"),
                                            source: ownFactor ? "workload file" : "workload file (contractualShare); the 0 g CO2e/kWh is TokenWatt's default "
                                                + "for instruments whose factor the file does not give (contractualGramsPerKWh), as for renewable certificates"))
        } else {
            // No instruments stated is a claim of none: a market-based figure at the residual mix
            // (273 g/kWh) had sat with no line saying 0 % of consumption is covered.
            factors.append(AccountingFactor(name: "contractual instruments (PPAs, certificates; market-based)",
                                            value: "0 % of consumption covered: the market-based figure is all at \(grid.residualMix != nil || s.residualMixGramsPerKWh != nil ? "the residual mix" : "the location-based factor (no residual mix in the catalog)")",
                                            source: "workload file: no contractualShare, so none is counted"))
        }
        return s.contractualShare * s.contractualGramsPerKWh + (1 - s.contractualShare) * residual
    }

    /// Names the figure a market-based factor takes for uncovered consumption where the grid has
    /// no residual mix: the catalog's annual location-based factor, listed with its source where
    /// the location-based figure is the workload's hourly series (its 349.7 g/kWh for `us` had
    /// appeared in no row, and the note called it "the location-based factor" beside 100).
    func fallback(_ grid: GridRegion, settings s: EmissionsSettings, factors: inout [AccountingFactor], notes: inout [String]) {
        let annual = grid.location, figure = "\(formatNumber(annual.value)) \(Self.unit(annual))"
        // "Not in the catalog", not "no published": AIB publishes Norway's, whose residual mix is
        // far above its generation mix (the note had read as if none existed).
        var note = "no residual mix for \(grid.id) in the catalog: for consumption no instrument covers, the market-based figure uses the catalog's "
            + "annual location-based factor for \(grid.name), \(figure)"
        if s.hourlyIntensity != nil {
            factors.append(AccountingFactor(name: "grid intensity, \(grid.name) (annual; market-based, where no instrument covers)",
                                            value: "\(figure) (\(Self.yearAndBasis(annual)))", source: annual.source))
            note += ", not the workload's hourly series, which sets the location-based figure"
        } else {
            // A row of its own, so the factors table says beside the figures that the market-based
            // one is no market-based factor (the note alone had said so, far from the figure).
            factors.append(AccountingFactor(name: "market-based factor, \(grid.name), where no instrument covers",
                                            value: "location-based fallback: the \(figure) above, no residual mix (\(MarketFactor.locationFallback.rawValue))",
                                            source: grid.residualMixMissing ?? "grids.json holds no residual mix for \(grid.id)"))
        }
        if let missing = grid.residualMixMissing { note += "; " + missing }
        notes.append(note)
    }
}
