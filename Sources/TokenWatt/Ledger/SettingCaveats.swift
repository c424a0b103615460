import KernelPower

/// What a locked clock or a power cap says beside any figure priced at it, in one place: each
/// command had listed the notes itself, and a 2026-12-07 probe found `power`, `fleet` and
/// `report` without the assumed-floor note `estimate` gives, `power` and `fleet` without the
/// clock-range note, and `estimate` calling a cap no step reaches a setting the error band's runs
/// did not use, where `sweep` says it does not bind.
public enum SettingCaveats {
    /// A clock below those measured (`ClockRangeCaveat`), a cap that only an assumed floor
    /// admits (`PowerCapFloorCaveat`) and a precision whose tensor rate the part cut
    /// (`CutTensorRateCaveat`), in that order; empty at the default settings. One list, so that
    /// every command that prices a deployment says all three (a review found `power`, `fleet`,
    /// `kernels` and `trace` each missing one).
    public static func notes(_ d: Deployment) -> [String] {
        [ClockRangeCaveat.note(d), PowerCapFloorCaveat.note(d), CutTensorRateCaveat.note(d)].compactMap { $0 }
    }

    /// What the error range is at `d`'s settings, as `s` prices them: a cap below TDP that no
    /// step reaches changes no figure, so the range holds as at TDP (`unboundCapNote`); else,
    /// at a locked clock or a cap below TDP, the band's runs ran at neither
    /// (`DecodeClockCaveat.rangeAtDefaultSettings`, only where there is a band).
    static func rangeNote(_ d: Deployment, _ s: ServingEstimate, band: Bool) -> String? {
        if let note = unboundCapNote(d, s, band: band) { return note }
        return band && QueryEstimate.tuned(d) ? DecodeClockCaveat.rangeAtDefaultSettings : nil
    }

    /// The note on a deployment capped below TDP whose cap no step reaches (nil otherwise): its
    /// figures are the uncapped ones, and the error band's runs at default limits apply as they are.
    static func unboundCapNote(_ d: Deployment, _ s: ServingEstimate, band: Bool) -> String? {
        guard let cap = d.powerCap, cap.watts < d.gpu.tdp.watts, d.lockedClock == nil, !s.powerLimited else { return nil }
        return unboundCapWords(capWatts: cap.watts, meanDrawWatts: s.gpuPower.watts, band: band)
    }

    /// An unbound cap in words: the range clause only where there is a range (under a user
    /// calibration it had stood beside "no range").
    static func unboundCapWords(capWatts: Double, meanDrawWatts: Double?, band: Bool) -> String {
        let draw = meanDrawWatts.map { " (mean draw \(formatNumber($0, significant: 3)) W a GPU)" } ?? ""
        return "the \(formatNumber(capWatts)) W cap does not bind: no step reaches it\(draw), so the figures are the uncapped ones"
            + (band ? " and the range holds as at TDP" : "")
    }
}
