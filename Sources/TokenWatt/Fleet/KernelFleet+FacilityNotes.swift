import KernelPower

/// What a facility engineer reads beside a fleet's MW: the servers' nameplate, the PUE the peak
/// is taken at, and the host power a partly filled rack-scale system leaves out (a 2026-12-07
/// facility probe found all three unsaid).
extension KernelFleet {
    /// The fleet's servers, whole ones, at their rated maximum at the wall (`NodeSpec.maxWallPower`),
    /// W: what a feed sized on the nameplate carries (229 DGX H100: 229 × 10,200 W = 2.34 MW).
    static func nameplateWallWatts(_ servers: [ServerUse]) -> Double {
        servers.reduce(0) { $0 + Double($1.nodes) * $1.node.maxWallPower.watts }
    }

    /// Which PUE the facility MW are at. Without `peakPUE` they are at the draws' mean, the annual
    /// average, where the peak comes on hot hours whose PUE is higher (cooling works hardest then).
    static func peakPUENote(_ peakPUE: Double?, meanPUE: Double) -> String {
        let mean = formatNumber(meanPUE, significant: 3)
        guard let peak = peakPUE else {
            return "facility MW (the provisioned peak, the busiest hour, the worst case and the nameplate) are at the PUE's annual mean "
                + "(\(mean)); the hot hours the peak comes on run a higher PUE, so the feed they need is higher: set the scenario's "
                + "peakPUE to take them at it (the day's energy stays at the mean)"
        }
        return "facility MW (the provisioned peak, the busiest hour, the worst case and the nameplate) are at the scenario's peakPUE "
            + "\(formatNumber(peak)), the hot hours'; the day's energy is at the PUE's annual mean (\(mean))"
    }

    /// A rack-scale server (more GPUs than an 8-GPU board: an NVL72 rack) that the fleet's GPUs
    /// fill only in part: the host power (CPUs, NVLink switch trays, fans) is charged per GPU used,
    /// so 182 GB300 GPUs in 3 racks of 72 carry 182/72 = 2.53 racks' host power, not 3 racks'.
    /// One note per such server model; none where every rack is full.
    static func rackScaleNotes(_ servers: [ServerUse]) -> [String] {
        servers.compactMap { s in
            let per = s.node.gpuCount, empty = s.nodes * per - s.gpus
            guard per > 8, empty > 0 else { return nil }
            let uncharged = Double(empty) * s.node.hostActivePower.watts / Double(per) / s.node.psuEfficiency
            return "\(s.deployment) on \(s.node.id): \(s.gpus) GPUs fill \(s.nodes) rack\(s.nodes == 1 ? "" : "s") of \(per), \(empty) slots empty; "
                + "host power (CPUs, NVLink switch trays, fans) is charged per GPU used, \(s.gpus)/\(per) = "
                + "\(formatNumber(Double(s.gpus) / Double(per), significant: 3)) racks' worth, not \(s.nodes): a rack-scale system runs its "
                + "switch trays and fans whole, so the empty slots' share, up to \(formatNumber(uncharged / 1000, significant: 3)) kW at the wall "
                + "busy, is not in the figures"
        }
    }
}
