import KernelPower

/// What a locked clock or a power cap says beside any figure priced at it, in one place: each
/// command had listed the notes itself, and a 2026-12-07 probe found `power`, `fleet` and
/// `report` without the assumed-floor note `estimate` gives, `power` and `fleet` without the
/// clock-range note, and `estimate` calling a cap no step reaches a setting the error band's runs
/// did not use, where `sweep` says it does not bind.
enum SettingCaveats {
    /// A clock below those measured (`ClockRangeCaveat`) and a cap that only an assumed floor
    /// admits (`PowerCapFloorCaveat`), in that order; empty at the default settings.
    static func notes(_ d: Deployment) -> [String] {
        [ClockRangeCaveat.note(d), PowerCapFloorCaveat.note(d)].compactMap { $0 }
    }

    /// What the error range is at `d`'s settings, as `s` prices them: a cap below TDP that no
    /// step reaches changes no figure, so the range holds as at TDP (`unboundCapNote`); else,
    /// at a locked clock or a cap below TDP, the band's runs ran at neither
    /// (`DecodeClockCaveat.rangeAtDefaultSettings`, only where there is a band).
    static func rangeNote(_ d: Deployment, _ s: ServingEstimate, band: Bool) -> String? {
        if let note = unboundCapNote(d, s) { return note }
        return band && QueryEstimate.tuned(d) ? DecodeClockCaveat.rangeAtDefaultSettings : nil
    }

    /// The note on a deployment capped below TDP whose cap no step reaches (nil otherwise): its
    /// figures are the uncapped ones, and the error band's runs at default limits apply as they are.
    static func unboundCapNote(_ d: Deployment, _ s: ServingEstimate) -> String? {
        guard let cap = d.powerCap, cap.watts < d.gpu.tdp.watts, d.lockedClock == nil, !s.powerLimited else { return nil }
        return "the \(formatNumber(cap.watts)) W cap does not bind: no step reaches it (mean draw \(formatNumber(s.gpuPower.watts, significant: 3)) W a GPU), "
            + "so the figures are the uncapped ones and the range holds as at TDP"
    }
}
