import KernelPower

/// A locked clock's or power cap's decode saving beyond the largest one measured.
///
/// No data set here times or meters memory-bound decode at a locked clock or under a cap (the
/// locked-clock pairs of `validate` are EnergAIzer's A100 forward passes). The model prices a
/// kernel's dynamic energy at V(f)²: on GPUs whose fit puts memory traffic's energy on the
/// active SM-cycle (the H100 fit's HBM energy fits to 0; the H200, H20, GH200 and B200 carry it),
/// a lower clock lowers that energy too, which HBM itself would not do. A probe found Llama-3.1-8B
/// at batch 1 on an H100 at 600 MHz drawing 132 W (433 W at boost) for 69 % less decode energy,
/// twice the largest saving measured.
enum DecodeClockCaveat {
    /// "clock locking ... recovering up to 32 % of decode energy at minimal throughput loss":
    /// Ma, Afzal, Eitzinger and Wellein, "The Illusion of Power Capping in LLM Decode: A
    /// Phase-Aware Energy Characterisation Across Attention Architectures", arXiv 2605.11999
    /// (2026), on an H200 with GQA, MLA, Gated DeltaNet and Mamba2 models.
    static let measuredMaximum = 0.32
    static let source = "Ma et al. 2026, arXiv 2605.11999: up to 32 % on an H200"

    /// The note for a decode that costs `decodeJoules` where the default setting costs
    /// `defaultJoules`; nil when the saving is within what has been measured.
    static func note(decodeJoules: Double, defaultJoules: Double, hbmJoulesPerByte: Double) -> String? {
        guard defaultJoules > 0, 1 - decodeJoules / defaultJoules > measuredMaximum else { return nil }
        let why = hbmJoulesPerByte == 0
            ? "this GPU's fit carries memory traffic's energy on the SM clock (its HBM energy fits to 0), so a lower clock lowers it too"
            : "no data here meters memory-bound decode at a locked clock or cap"
        return "decode costs \(formatPercent(1 - decodeJoules / defaultJoules)) less than at the default clock and limit, more than the largest "
            + "saving measured from a locked clock on decode (\(source)); \(why): read it as an upper bound"
    }
}

extension DecodeClockCaveat {
    /// What the measured error bands say of a deployment at a locked clock or a cap below TDP: their
    /// runs ran at their GPUs' default clocks and power limits (`estimate`, and `sweep`'s note).
    static let rangeAtDefaultSettings = "the range's runs ran at their GPUs' default clocks and power limits, not at this clock or cap"

    /// The note for decode on `d`, costing `decodeJoules`, against the same deployment at its GPU's
    /// default clock and limit, which `atDefault` prices: nil where `d` runs at the default
    /// (`QueryEstimate.tuned`) or saves no more than has been measured. `estimate` and `sweep` price
    /// a query's decode, `fleet` a class's decode step; the rule and the words are
    /// `note(decodeJoules:defaultJoules:hbmJoulesPerByte:)`'s.
    static func note(_ estimator: Estimator, _ d: Deployment, decodeJoules: Double,
                     atDefault: (Deployment) throws -> Double) throws -> String? {
        guard QueryEstimate.tuned(d) else { return nil }
        return note(decodeJoules: decodeJoules, defaultJoules: try atDefault(d.atDefaultSettings),
                    hbmJoulesPerByte: estimator.calibration.coefficients(for: d.gpu).power.hbmJoulesPerByte)
    }
}
