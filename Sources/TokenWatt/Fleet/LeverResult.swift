import KernelPower

/// A lever's day beside the scenario's: its Wh per query, GWh per day and saving.
public struct LeverResult: Sendable {
    public var name: String
    public var meanWhPerQuery: Double
    public var gwhPerDay: Double
    /// Fraction of the baseline's energy per day saved (negative: costs more).
    public var saving: Double
    /// How well `validate` found changes of this kind of lever predicted (nil: a kind it does not
    /// measure, several at once, or another calibration).
    public var measured: LeverValidation.Row? = nil
    /// The saving with the lever's predicted change of GPU energy at the P5 and P95 of the
    /// measured errors of its kind (`measured`), read the way the lever runs against them
    /// (`LeverPairOrientation`); for a divisor lever, the saving with every query divided by the
    /// factor's P5 and then its P95 (`divisorEnds`). Low ≤ high.
    public var savingRange: Bounds? = nil
    /// A divisor lever's factor at the P5 and P95 of its draws, which `savingRange` holds for
    /// every query (nil for a fixed divisor and for mechanistic levers).
    public var divisorEnds: Bounds? = nil
    /// For a lever that sets a power cap or a locked clock, `DecodeClockCaveat`'s note where its
    /// decode saving is beyond the largest measured: read the saving as an upper bound.
    public var caveat: String? = nil
    /// The scenario's mean inter-token latency and time to first token (per model call), ms, and
    /// its GPUs, with the lever (mechanistic levers; nil for a divisor, which prices no deployment).
    public var meanITLMs: Double? = nil
    public var meanTTFTMs: Double? = nil
    public var gpus: Int? = nil
}
