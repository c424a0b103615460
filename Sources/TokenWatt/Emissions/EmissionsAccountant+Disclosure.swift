import Foundation
import KernelPower

/// What a disclosure needs beside the figures: their ranges over the reporting period, and a
/// mix's covered share, host and derivation of its location-based factor.
extension EmissionsAccountant {
    /// The period's totals with the day's energy at the ends of its measured error band: carbon
    /// is the day's range (`dayCarbonRange`, at the intensities the day is charged) × the days;
    /// energy, water and cost are the period's × the band's end ÷ the day's GWh, since water and
    /// cost are per kWh. Embodied is nil at both ends: the catalog's footprints carry no range.
    /// Nil without a band (a throughput table's day has none). The chat service's 11.5 GWh a year
    /// had been printed with no range beside a day's 0.0278–0.041 GWh.
    static func periodRange(_ r: FleetResult, result e: EmissionsResult) -> ImpactRange? {
        guard let g = r.gwhPerDayRange, let c = e.dayCarbonRange else { return nil }
        let p = e.perPeriod, days = e.periodDays
        func end(_ gwh: Double, location: Double, market: Double) -> Impact {
            let k = r.gwhPerDay > 0 ? gwh / r.gwhPerDay : 0
            return Impact(energyWh: p.energyWh * k, locationGrams: location * days, marketGrams: market * days,
                          waterOnsiteLitres: p.waterOnsiteLitres * k, waterOffsiteLitres: p.waterOffsiteLitres * k,
                          embodiedGrams: nil, cost: p.cost.map { $0 * k })
        }
        return ImpactRange(low: end(g.low, location: c.location.low, market: c.market.low),
                           high: end(g.high, location: c.location.high, market: c.market.high))
    }

    /// A mix's share of consumption under contractual instruments: its parts' weighted by the
    /// energy each adds to its day (by share where it has none).
    static func mixContractualShare(_ parts: [MixPart]) -> Double {
        let energy = parts.reduce(0) { $0 + $1.dayWattHours }
        let weights = energy > 0 ? parts.map { $0.dayWattHours / energy } : parts.map(\.share)
        let total = weights.reduce(0, +)
        guard total > 0 else { return 0 }
        return zip(parts, weights).reduce(0) { $0 + $1.0.emissions.contractualShare * $1.1 } / total
    }

    /// A mix's host where every part has the same one, else nil (each part's section names its own).
    static func mixHost(_ parts: [MixPart]) -> Host? {
        common(parts.map(\.emissions.host))
    }

    /// How a mix's location-based factor follows from the cited ones: its parts' own where they
    /// share one derivation, else their figures blended by the energy each adds.
    static func mixLocationDerivation(_ parts: [MixPart]) -> String? {
        let own = parts.map(\.emissions.locationDerivation)
        if let first = own.first, own.allSatisfy({ $0 == first }) { return first }
        return "its parts' location-based factors, each derived from its grid's cited figure as its own section says, blended by the energy each adds"
    }
}
