import KernelPower

/// A locked clock below any clock measured for its GPU.
///
/// A deployment accepts clocks from 100 MHz to boost on every GPU: no per-GPU lowest supported
/// clock is catalogued with a source. The GPU's clock tables are its measured range: below the
/// lowest point of its idle-power or voltage table the curve is held at that point (clamped), so
/// idle power and the dynamic-power scale stop falling while the rates keep scaling with the
/// clock. A probe priced an H100 at 100 MHz (1.61 Wh a query at the facility) where its idle
/// table starts at 360 MHz, with nothing said.
enum ClockRangeCaveat {
    /// The lowest clock of `gpu`'s measured tables, or nil where it has none (its idle and voltage
    /// curves are rules).
    static func lowestMeasured(_ gpu: GPUSpec) -> Frequency? {
        var lows: [Double] = []
        if case let .table(t) = gpu.idlePower, let x = t.points.first?.x { lows.append(x) }
        if case let .table(t) = gpu.voltage, let x = t.points.first?.x { lows.append(x) }
        return lows.min().map { .megahertz($0) }
    }

    /// The note for `d`'s locked clock, or nil at the default clock or within the measured range.
    static func note(_ d: Deployment) -> String? {
        guard let f = d.lockedClock else { return nil }
        if let low = lowestMeasured(d.gpu) {
            guard f < low else { return nil }
            return "\(formatNumber(f.megahertz)) MHz is below the lowest clock of \(d.gpu.id)'s measured clock tables "
                + "(\(formatNumber(low.megahertz)) MHz): idle power and voltage are held at their values there while the rates "
                + "keep falling with the clock, so read figures at this clock as an extrapolation"
        }
        // No table: the idle and voltage rules are the A100's shape scaled to this GPU's boost
        // clock (`VoltageCurve.defaultRule`), whose DVFS data start at 510 of 1,410 MHz.
        let floor = d.gpu.boostClock * (510.0 / 1410.0)
        guard f < floor else { return nil }
        return "\(formatNumber(f.megahertz)) MHz is below \(formatNumber(floor.megahertz.rounded())) MHz, the lowest clock of the A100 "
            + "DVFS runs (510 of 1,410 MHz, EnergAIzer) whose shape \(d.gpu.id)'s idle and voltage rules take: read figures at this clock "
            + "as an extrapolation"
    }
}
