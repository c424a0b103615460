import KernelPower

/// A locked clock below the range the clock model was checked on.
///
/// A deployment accepts clocks from 100 MHz to boost on every GPU: no per-GPU lowest supported
/// clock is catalogued with a source. The clock model (rates linear in the clock, dynamic power
/// at V(f)² f) is checked on EnergAIzer's A100 DVFS runs, 510 to 1,410 MHz, which this reads in
/// proportion to each GPU's boost clock; and a GPU's idle-power or voltage table holds its first
/// point's value below it (clamped), while the rates keep falling. A probe priced an H100 at
/// 100 MHz (1.61 Wh a query at the facility) with nothing said.
enum ClockRangeCaveat {
    /// The lowest clock of the A100 DVFS runs over its boost clock (EnergAIzer, 510 of 1,410 MHz:
    /// ../shared/data/energaizer-prefill).
    static let dvfsShareOfBoost = 510.0 / 1410.0

    /// The first point of each of `gpu`'s clock tables, named.
    static func tables(_ gpu: GPUSpec) -> [(name: String, start: Frequency)] {
        var out: [(String, Frequency)] = []
        if case let .table(t) = gpu.idlePower, let x = t.points.first?.x { out.append(("idle-power", .megahertz(x))) }
        if case let .table(t) = gpu.voltage, let x = t.points.first?.x { out.append(("voltage", .megahertz(x))) }
        return out
    }

    /// The lowest clock inside `gpu`'s checked range: the DVFS runs' share of its boost clock, or
    /// the first point of a table that starts higher.
    static func lowestChecked(_ gpu: GPUSpec) -> Frequency {
        tables(gpu).map(\.start).reduce(gpu.boostClock * dvfsShareOfBoost) { max($0, $1) }
    }

    /// The note for `d`'s locked clock, or nil at the default clock or within the checked range.
    static func note(_ d: Deployment) -> String? {
        guard let f = d.lockedClock, f < lowestChecked(d.gpu) else { return nil }
        let dvfs = d.gpu.boostClock * dvfsShareOfBoost
        var why: [String] = []
        if f < dvfs {
            why.append("the locked-clock runs the clock model is checked on (EnergAIzer's A100 DVFS runs) start at 510 of 1,410 MHz, "
                       + "\(formatNumber(dvfs.megahertz.rounded())) MHz in proportion to \(d.gpu.id)'s boost clock")
        }
        for t in tables(d.gpu) where f < t.start {
            why.append("\(d.gpu.id)'s \(t.name) table starts at \(formatNumber(t.start.megahertz)) MHz and holds that value below it")
        }
        return "\(formatNumber(f.megahertz)) MHz is below the clocks measured: " + why.joined(separator: "; ")
            + "; read figures at this clock as an extrapolation"
    }
}
