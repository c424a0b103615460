import KernelPower

/// Each hour's share of the day's energy inside the scenario's boundary, which weights the
/// grid's hourly intensity (`EmissionsAccountant.locationIntensity`).
extension KernelFleet {
    /// The share of the day's energy at the scenario's boundary used in each local hour.
    ///
    /// At the `gpu` and `node` boundaries the day's energy is its queries' alone: each class's
    /// busy replicas draw its node (or GPU) energy per query × its queries that hour, and every
    /// class's queries follow the scenario's diurnal profile, so the shares are that profile
    /// (already normalised to 1 by the reader). At `it` and `facility` the idle replicas kept for
    /// the peak count too, so the shares follow the fleet's hourly power, busy and idle
    /// (`hourlyMegawatts`; the PUE is one figure for the day, so facility and wall shares agree).
    /// The fleet's power had weighted every boundary: Llama-3.1-70B on 4 × H100 in CAMX with all
    /// its queries in local hours 10–14 read 178.6 g/kWh at `gpu` (idle hours at night, outside
    /// the boundary, took 45 % of the weight) where its GPU energy, all in those five hours,
    /// meets 133.8 (a 2026-12-07 sustainability probe).
    func hourlyEnergyShares(hourlyMegawatts: [Double]) -> [Double] {
        if scenario.boundary <= .node {
            let total = kernel.diurnal.reduce(0, +)
            return kernel.diurnal.map { total > 0 ? $0 / total : 1.0 / 24 }
        }
        let total = hourlyMegawatts.reduce(0, +)
        // A fleet with no power in any hour (no traffic) spreads its nothing evenly.
        return hourlyMegawatts.map { total > 0 ? $0 / total : 1.0 / 24 }
    }
}
