import Foundation
import KernelPower

/// A mix's account: its parts' own, blended.
extension EmissionsAccountant {
    /// A mix's account: each part's own figures per kWh (its grid, contracts, water and price) on
    /// the energy it adds to the mix's mean query and day, and its embodied grams per query by
    /// share. A mix had been charged its own (the workload's) settings: a 50/50 mix of a French
    /// and a Polish fleet read Germany's factors (market-based 74 % high), and a mix of two
    /// identical parts with a PPA, a provider's WUE and a price read none of them. What all its
    /// parts share stands as theirs (grid, bases, notes); the mix's own settings give its
    /// reporting period and whether embodied emissions are counted.
    func mixAccount(_ r: FleetResult, settings s: EmissionsSettings, parts: [MixPart]) -> EmissionsResult {
        var notes = Self.sharedNotes(parts)
        notes += Self.mixNotes(parts)
        var missing = EmbodiedMissing()
        var embodied: Double?
        if s.embodied {
            embodied = Self.blendedEmbodied(parts, notes: &notes, missing: &missing)
        } else {
            notes.append(Self.embodiedOffNote(s))
            missing.switchedOff.append(r.name)
        }
        let currency = Self.mixCurrency(parts, notes: &notes)
        var perQuery = Self.blend(parts) { $0.queryWattHours }
        var perDay = Self.blend(parts) { $0.dayWattHours * r.queriesPerDay }
        if currency == nil { perQuery.cost = nil; perDay.cost = nil }
        perQuery.embodiedGrams = r.queriesPerDay > 0 ? embodied : nil
        perDay.embodiedGrams = embodied.map { $0 * r.queriesPerDay }
        let rates = [perDay, perQuery, Self.blend(parts) { $0.share * 1000 }].first { $0.energyWh > 0 } ?? Impact()
        let perKWh = rates.energyWh > 0 ? rates.scaled(1000 / rates.energyWh) : rates
        let hours = Self.mixHours(parts, queriesPerDay: r.queriesPerDay)
        let carbon = Self.mixQueryCarbon(r, parts: parts, location: perKWh.locationGrams)
        let regions = parts.map(\.emissions.regionID).uniqued()
        var result = EmissionsResult(
            regionID: regions.count == 1 ? regions[0] : "mixed", regionName: regions.count == 1 ? parts[0].emissions.regionName : "its parts' grids",
            locationGramsPerKWh: perKWh.locationGrams, marketGramsPerKWh: perKWh.marketGrams,
            perQuery: perQuery, perDay: perDay, perPeriod: perDay.scaled(s.reportingPeriodDays), periodDays: s.reportingPeriodDays,
            medianQueryLocationGrams: carbon.median, p5QueryLocationGrams: carbon.p5, p95QueryLocationGrams: carbon.p95,
            hourlyIntensity: hours.intensity, hourlyKilograms: hours.kilograms, currency: currency ?? s.currency,
            factors: parts.flatMap(\.emissions.factors).uniqued(),
            notes: notes, embodiedMissing: missing,
            locationBasis: Self.common(parts.map(\.emissions.locationBasis)), marketBasis: Self.common(parts.map(\.emissions.marketBasis)))
        result.perKWh = perKWh
        result.hourlyEnergyShares = hours.shares
        result.dayCarbonRange = Self.mixCarbonRange(parts, queriesPerDay: r.queriesPerDay)
        result.waterBases = WaterBases(onsite: Self.common(parts.map(\.emissions.waterBases.onsite)) ?? WaterBases.mixed,
                                       offsite: Self.common(parts.map(\.emissions.waterBases.offsite)) ?? WaterBases.mixed)
        result.periodRange = Self.periodRange(r, result: result)
        result.contractualShare = Self.mixContractualShare(parts)
        result.host = Self.mixHost(parts)
        result.locationDerivation = Self.mixLocationDerivation(parts)
        result.outputTokensPerQuery = Self.mixOutputTokens(parts)
        result.locationYear = Self.common(parts.map(\.emissions.locationYear))
        result.marketYear = Self.common(parts.map(\.emissions.marketYear))
        // The parts' numeric factors where all agree (a blend of two WUEs is no operator's WUE).
        result.marketFactor = Self.common(parts.map(\.emissions.marketFactor))
        let wues = parts.map(\.emissions.wue)
        if let w = wues.first ?? nil, wues.allSatisfy({ $0?.litresPerKWh == w.litresPerKWh && $0?.perFacilityKWh == w.perFacilityKWh }) { result.wue = w }
        result.waterOffsiteLitresPerKWh = Self.common(parts.map(\.emissions.waterOffsiteLitresPerKWh))
        result.pricePerKWh = currency == nil ? nil : Self.common(parts.map(\.emissions.pricePerKWh))
        result.mixGrids = parts.map {
            let e = $0.emissions
            return MixGrid(scenario: $0.scenario, share: $0.share, regionID: e.regionID, regionName: e.regionName, locationGramsPerKWh: e.locationGramsPerKWh,
                           marketGramsPerKWh: e.marketGramsPerKWh, locationBasis: e.locationBasis, marketBasis: e.marketBasis)
        }
        return result
    }

    /// Σ over the parts of (the Wh `energy` gives each ÷ 1000) × its figures per kWh; a cost only
    /// where every part has one.
    static func blend(_ parts: [MixPart], energy: (MixPart) -> Double) -> Impact {
        var sum = Impact(cost: 0)
        for p in parts {
            let wh = energy(p), kWh = wh / 1000, rate = p.emissions.perKWh
            sum.energyWh += wh
            sum.locationGrams += kWh * rate.locationGrams
            sum.marketGrams += kWh * rate.marketGrams
            sum.waterOnsiteLitres += kWh * rate.waterOnsiteLitres
            sum.waterOffsiteLitres += kWh * rate.waterOffsiteLitres
            sum.cost = sum.cost.flatMap { c in rate.cost.map { c + kWh * $0 } }
        }
        return sum
    }

    /// The value every part has, or nil where they differ.
    static func common<T: Equatable>(_ values: [T?]) -> T? {
        guard let first = values.first, values.allSatisfy({ $0 == first }) else { return nil }
        return first
    }

    /// The parts' notes that every part carries (its grid's, its bases'), as the mix's: not the
    /// embodied ones, which the mix makes of its own (`blendedEmbodied`).
    static func sharedNotes(_ parts: [MixPart]) -> [String] {
        guard let first = parts.first else { return [] }
        return first.emissions.notes.filter { n in !n.contains("embodied") && parts.allSatisfy { $0.emissions.notes.contains(n) } }
    }

    /// Where the parts differ in grid or carbon factors, which part is on which (the mix's
    /// factors are then their blend, which no grid publishes), and where their factors differ in
    /// basis, that too.
    static func mixNotes(_ parts: [MixPart]) -> [String] {
        var notes: [String] = []
        let grids = Set(parts.map { p in [p.emissions.regionID, "\(p.emissions.locationGramsPerKWh)", "\(p.emissions.marketGramsPerKWh)"] })
        if grids.count > 1 {
            notes.append("carbon, water and cost: each part's own factors on the energy it adds to the mix ("
                         + parts.map { p in
                             let e = p.emissions
                             return "\(formatPercent(p.share, decimals: 0)) \(p.scenario) on \(e.regionName), `\(e.regionID)`: "
                                 + "\(formatNumber(e.locationGramsPerKWh, significant: 4)) \(WorkloadReport.unit(e.locationBasis)) location-based, "
                                 + "\(formatNumber(e.marketGramsPerKWh, significant: 4)) \(WorkloadReport.unit(e.marketBasis)) market-based"
                         }.joined(separator: "; ")
                         + "); the mix's factors are theirs weighted by the energy each adds to its day")
        }
        let differ = [(parts.map(\.emissions.locationBasis), "location"), (parts.map(\.emissions.marketBasis), "market")]
            .filter { Set($0.0.map { $0?.rawValue ?? "" }).count > 1 }
        for (bases, which) in differ {
            notes.append("its parts' \(which)-based factors are on different bases ("
                         + zip(parts, bases).map { "\($0.scenario) \(WorkloadReport.basisWords($1))" }.joined(separator: ", ")
                         + "): their blend mixes what each counts")
        }
        return notes
    }

    /// The mix's mean query's output tokens: its parts' by their shares of its queries (a
    /// divisor divides the energy, not the tokens); nil where some part has none (a throughput
    /// table).
    static func mixOutputTokens(_ parts: [MixPart]) -> Double? {
        let shares = parts.reduce(0) { $0 + $1.share }
        guard shares > 0 else { return nil }
        var tokens = 0.0
        for p in parts {
            guard let t = p.emissions.outputTokensPerQuery else { return nil }
            tokens += p.share * t
        }
        return tokens / shares
    }

    /// The currency every part prices in, or nil (no cost) with a note where some part has no
    /// price or the parts' currencies differ; nil without a note where none has a price.
    static func mixCurrency(_ parts: [MixPart], notes: inout [String]) -> String? {
        let unpriced = parts.filter { $0.emissions.perKWh.cost == nil }.map(\.scenario)
        if unpriced.count == parts.count { return nil }
        if !unpriced.isEmpty {
            notes.append("no electricity cost: \(unpriced.count == 1 ? "part" : "parts") \(unpriced.joined(separator: ", ")) of this mix "
                         + "\(unpriced.count == 1 ? "has" : "have") no price (pricePerKWh)")
            return nil
        }
        let currencies = parts.map(\.emissions.currency).uniqued()
        if currencies.count > 1 {
            notes.append("no electricity cost: the parts of this mix price in different currencies (\(currencies.joined(separator: ", ")))")
            return nil
        }
        return currencies.first
    }

    /// The mix's day by hour: each part's energy that hour (its day's share of the mix × its own
    /// hourly shares) at its own hourly intensity; the intensity by hour is theirs weighted by
    /// that energy (by share in an hour none uses).
    static func mixHours(_ parts: [MixPart], queriesPerDay q: Double) -> (intensity: [Double], kilograms: [Double], shares: [Double]) {
        var energy = [Double](repeating: 0, count: 24), grams = energy, byShare = energy
        for p in parts {
            let kWh = p.dayWattHours * q / 1000, w = p.emissions.hourlyEnergyShares, i = p.emissions.hourlyIntensity
            guard w.count == 24, i.count == 24 else { continue }
            for h in 0..<24 {
                energy[h] += kWh * w[h]
                grams[h] += kWh * w[h] * i[h]
                byShare[h] += p.share * i[h]
            }
        }
        let total = energy.reduce(0, +), shares = parts.reduce(0) { $0 + $1.share }
        return ((0..<24).map { energy[$0] > 0 ? grams[$0] / energy[$0] : byShare[$0] / max(shares, 1e-300) },
                grams.map { $0 / 1000 },
                energy.map { total > 0 ? $0 / total : 1.0 / 24 })
    }

    /// The location-based carbon of the median, P5 and P95 queries: the Wh's at the mix's factor
    /// where its parts share one, else of its samples each at its part's factor (a French and a
    /// Polish query differ by the grid, not only the Wh).
    static func mixQueryCarbon(_ r: FleetResult, parts: [MixPart], location: Double) -> (median: Double, p5: Double, p95: Double) {
        let factors = parts.map(\.emissions.locationGramsPerKWh)
        let drawn = parts.reduce(0) { $0 + $1.samples }
        guard Set(factors).count > 1, drawn == r.samples.count, drawn > 0 else {
            let g = Set(factors).count == 1 ? factors[0] : location
            return (r.whPerQuery.median / 1000 * g, r.whPerQuery.p5 / 1000 * g, r.whPerQuery.p95 / 1000 * g)
        }
        var carbon: [Double] = [], start = 0
        for p in parts {
            carbon += r.samples[start..<(start + p.samples)].map { $0 / 1000 * p.emissions.locationGramsPerKWh }
            start += p.samples
        }
        let q = QueryStatistics(carbon)
        return (q.median, q.p5, q.p95)
    }

    /// A mix's day's carbon with each part's GPU energy at the ends of its measured error band:
    /// each part's day in the mix × its band's ratio at its own factors. Nil unless every part
    /// has a band.
    static func mixCarbonRange(_ parts: [MixPart], queriesPerDay q: Double) -> (location: Bounds, market: Bounds)? {
        guard !parts.isEmpty else { return nil }
        var location = Bounds(low: 0, high: 0), market = location
        for p in parts {
            guard let b = p.bandRatios else { return nil }
            let kWh = p.dayWattHours * q / 1000, rate = p.emissions.perKWh
            location.low += kWh * b.low * rate.locationGrams
            location.high += kWh * b.high * rate.locationGrams
            market.low += kWh * b.low * rate.marketGrams
            market.high += kWh * b.high * rate.marketGrams
        }
        return (location, market)
    }
}
