import Foundation
import KernelPower

/// Plausibility of the carbon intensities a workload gives itself: a figure typed in kg CO2e/kWh
/// where g is asked for is 1000 times too small, yet inside the allowed range. An hourly series
/// of 0.342 (Germany's 342 g as kg) had been reported as "location-based 0.342 g CO2e/kWh" with
/// no word.
extension EmissionsAccountant {
    /// The least annual location-based factor of any grid in the catalog, with its grid: no
    /// real grid's year averages below it (the bundled catalog's is Québec's 5.48 g CO2e/kWh,
    /// Google's 2024 region-carbon-info figure for Montréal, almost all hydro).
    var intensityFloor: (grams: Double, grid: GridRegion)? {
        grids.regions.min { $0.location.value < $1.location.value }.map { ($0.location.value, $0) }
    }

    /// The intensity below which a user's figure is noted as a likely kg/kWh slip: a fifth of the
    /// catalog's floor (1.1 g for Québec's 5.48), well under any grid's year, while Germany's 342 g
    /// written as 0.342 kg, or even Sweden's 36 g as 0.036, falls below it.
    var unitSlipThreshold: Double? { intensityFloor.map { $0.grams / 5 } }

    /// Notes on the workload's own intensities that lie below `unitSlipThreshold`, naming the
    /// field and the likely slip: its hourly series (where every hour does) and its residual mix.
    /// Not refused, and not for `contractualGramsPerKWh`: instruments from hydro or wind can be
    /// near 0 g, and a residual mix or series may be too (the note says to ignore it then).
    func unitSlipNotes(_ s: EmissionsSettings) -> [String] {
        guard let threshold = unitSlipThreshold, let floor = intensityFloor else { return [] }
        var figures: [(field: String, value: Double, words: String)] = []
        if let h = s.hourlyIntensity, let top = h.max(), top > 0, top < threshold {
            figures.append(("hourlyIntensity", top, "every hour of its series is below \(formatNumber(threshold, significant: 2)) g CO2e/kWh (the highest is \(formatNumber(top)))"))
        }
        if let r = s.residualMixGramsPerKWh, r > 0, r < threshold {
            figures.append(("residualMixGramsPerKWh", r, "\(formatNumber(r)) g CO2e/kWh is below \(formatNumber(threshold, significant: 2)) g CO2e/kWh"))
        }
        return figures.map { f in
            "emissions.\(f.field): \(f.words), under a fifth of the least annual factor of any grid in the catalog "
                + "(\(floor.grid.name), \(formatNumber(floor.grams)) \(Self.unit(floor.grid.location))): it is likely in kg CO2e per kWh, "
                + "where g CO2e per kWh is asked for (\(formatNumber(f.value)) kg is \(formatNumber(f.value * 1000, significant: 6)) g); "
                + "the figure is used as given, so multiply it by 1000 if so, and ignore this if the supply is truly this clean"
        }
    }
}
