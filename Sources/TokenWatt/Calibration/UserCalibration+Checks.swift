import Foundation
import KernelPower

/// What `UserCalibration` refuses (data no fit can make sense of) and what it warns about (data
/// that fits, but leaves some constants where the search happened to stop).
extension UserCalibration {
    // MARK: - Refusals before the fit

    /// A run's mean power per GPU below this fraction of the GPU's idle power at its clock is
    /// refused. A working GPU draws its idle power plus its activity, so such a reading is of GPUs
    /// that were not running the workload (wrong `gpu_indices`; a DCGM log read at the wrong
    /// `--interval-ms`, which puts the windows over idle stretches). The 10 % allows for boards
    /// that idle below the catalog's typical one.
    static let leastPowerOverIdle = 0.9

    /// Refuses runs measured below idle, naming every one.
    static func checkAboveIdle(_ rows: [CalibrationRow], gpu: GPUSpec) throws {
        let low = rows.filter { $0.measuredPower.watts < leastPowerOverIdle * gpu.idle(at: $0.lockedClock).watts }
        guard !low.isEmpty else { return }
        let named = low.prefix(5).map { r in
            "\(r.label) (\(formatNumber(r.measuredPower.watts, significant: 4)) W, idle at \(Int(r.lockedClock.megahertz)) MHz "
                + "\(formatNumber(gpu.idle(at: r.lockedClock).watts, significant: 4)) W)"
        }
        throw Refusal(description: "\(gpu.id): \(low.count) of \(rows.count) runs measured below the GPU's idle power, so the GPUs "
            + "measured were not running them: \(named.joined(separator: ", "))\(low.count > 5 ? ", ..." : ""); check each run's "
            + "gpu_indices (the GPUs the run used; without the column, GPUs 0 to gpus − 1), and for a dcgmi dmon log that "
            + "--interval-ms is the interval it was logged at (dmon -d)")
    }

    /// Capped-only data, too few configurations below the cap, and constant power cannot pin the
    /// coefficients down. Checked in that order, so that capped runs are not blamed on idle GPUs.
    static func checkNotDegenerate(_ rows: [CalibrationRow], gpu: GPUSpec) throws {
        let fitted = rows.filter { !$0.powerLimited }
        guard !fitted.isEmpty else {
            throw Refusal(description: "\(gpu.id): every run is at or above \(formatPercent(ServingCalibration.powerLimitedFraction, decimals: 0)) of its "
                + "power cap, where the power limiter sets the clock and hides the coefficients; measure smaller batches, a lower "
                + "locked clock or a higher cap")
        }
        let capped = rows.count - fitted.count
        let configurations = Set(fitted.map { "\($0.group)|\($0.passes.map { "\($0.program.kernelCount)/\($0.program.sequences)" })|\($0.lockedClock.megahertz)|\($0.measuredTime.seconds)" })
        guard configurations.count >= minimumConfigurations else {
            throw Refusal(description: "\(gpu.id): only \(configurations.count) distinct configuration(s)"
                + (capped > 0 ? " below \(formatPercent(ServingCalibration.powerLimitedFraction, decimals: 0)) of the power cap (\(capped) capped run(s) left out)" : "")
                + "; measure at least \(minimumConfigurations) that differ in batch size, sequence length or SM clock (for example batch 1, 8 and 64), so that memory-bound and compute-bound work both appear")
        }
        let watts = fitted.map(\.measuredPower.watts)
        let mean = watts.reduce(0, +) / Double(watts.count)
        let sd = (watts.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(watts.count)).squareRoot()
        guard sd / mean >= 0.01 else {
            throw Refusal(description: "\(gpu.id): power is constant (\(formatNumber(mean, significant: 4)) W ± \(formatNumber(sd, significant: 2)) W) across the runs; the GPU may have been idle or not running the workload; check the GPU indices and vary the batch size")
        }
    }

    // MARK: - Refusal after the fit

    /// The most a fit may miss its runs' times in-sample, as a geometric-mean factor. Fits on
    /// consistent data land within 10-20 % (the bundled ones, and the probe's noisy synthetic
    /// runs at 2-3 %); a factor 2 (a MAPE of 100 % over, or 50 % under) means the measured times
    /// are not of the work named: a unit slip (seconds or microseconds in `measured_time_ms`, gave
    /// MAPEs of 79,531 % and 97.9 % with the constants at their bounds) or a wrong pass count.
    static let mostTimeMiss = 2.0

    /// Refuses a fit whose times miss by more than `mostTimeMiss`, saying which unit looks wrong.
    static func checkTimeFit(_ rows: [CalibrationRow], _ residuals: [FitResidual], starting: [RowPrediction], gpu: GPUSpec) throws {
        guard rows.allSatisfy({ $0.measuredTime.seconds > 0 }) else { return }
        let timed = rows.indices.filter { !rows[$0].powerLimited }
        func miss(_ i: Int) -> Double { abs(log(residuals[i].predictedTimeSeconds / residuals[i].measuredTimeSeconds)) }
        let factor = exp(timed.map(miss).reduce(0, +) / Double(max(1, timed.count)))
        guard factor > mostTimeMiss else { return }
        let worst = timed.sorted { miss($0) > miss($1) }.prefix(3).map { i in
            "\(rows[i].label): measured \(formatNumber(residuals[i].measuredTimeSeconds * 1000, significant: 3)) ms, "
                + "fitted \(formatNumber(residuals[i].predictedTimeSeconds * 1000, significant: 3)) ms"
        }
        throw Refusal(description: "\(gpu.id): even fitted, the model misses the measured times by a factor "
            + "\(formatNumber(factor, significant: 3)) on average (a fit on sound data is within 10-20 %): "
            + "\(unitHint(rows, starting: starting, timed: timed)); worst: \(worst.joined(separator: "; "))")
    }

    /// Which unit looks wrong, from how far the times are from the uncalibrated model's: that one
    /// is within tens of percent on hardware it has not seen, never a factor 30.
    static func unitHint(_ rows: [CalibrationRow], starting: [RowPrediction], timed: [Int]) -> String {
        let ratios = timed.map { rows[$0].measuredTime.seconds / starting[$0].time.seconds }.sorted()
        let median = ratios[ratios.count / 2]
        if median < 1.0 / 30 {
            return "the times are about \(formatNumber(1 / median, significant: 2))× shorter than the uncalibrated model's; "
                + "measured_time_ms is in milliseconds: were seconds written there (or kJ in measured_forward_energy_j)?"
        }
        if median > 30 {
            return "the times are about \(formatNumber(median, significant: 2))× longer than the uncalibrated model's; "
                + "measured_time_ms is in milliseconds: were microseconds written there (or mJ in measured_forward_energy_j)?"
        }
        return "check measured_time_ms (milliseconds), measured_forward_energy_j (joules per pass, all GPUs), "
            + "and the passes or output_tokens_generated counts of each window"
    }

    // MARK: - Warnings

    /// Notes the runs left out of the fit because the limiter set their clock.
    public static func leftOutNote(_ count: Int, of total: Int) -> String {
        "\(count) of \(total) runs at or above \(formatPercent(ServingCalibration.powerLimitedFraction, decimals: 0)) of the power cap left out of "
            + "the power and time fit (the power limiter sets their clock, which the runs do not record); they are scored, not fitted"
    }

    /// The least spread (largest ÷ smallest) of tokens per pass over the fitted runs that can
    /// tell the per-token time terms (tensor and memory efficiency) from the fixed ones (pass and
    /// kernel overheads): within a 4× spread a pass's time grows nearly in proportion to its
    /// tokens and both kinds of term explain it; the bundled fits span 1 to thousands.
    static let leastTokenSpread = 4.0

    /// A warning when the fitted runs do not vary the work per pass enough to identify the time terms.
    static func unidentified(_ rows: [CalibrationRow], tokens: [Int], framework: Framework) -> [String] {
        guard !timeParameters(rows, framework: framework).isEmpty else { return [] }
        let fitted = rows.indices.filter { !rows[$0].powerLimited }.map { Double(tokens[$0]) }
        guard let lo = fitted.min(), let hi = fitted.max(), hi < leastTokenSpread * lo else { return [] }
        return ["the fitted runs process \(formatNumber(lo)) to \(formatNumber(hi)) tokens per pass (batch × prompt for forward "
            + "passes, batch for decode steps and serving), under a \(formatNumber(leastTokenSpread))× spread, so the tensor and "
            + "memory efficiencies and the overheads are not identified separately (kept where the search stopped); "
            + "add runs at batch 1 and 64 or more, or forward passes"]
    }

    /// A warning naming the fitted time constants that ended at their search bounds: the data
    /// pushed them as far as allowed, so they absorb something the model does not describe.
    static func atBounds(_ fit: FittedGPU, rows: [CalibrationRow], framework: Framework) -> [String] {
        let host = fit.set.hosts[framework.hostKey] ?? Estimator.defaultVLLMHost
        let stuck = timeParameters(rows, framework: framework).compactMap { p -> String? in
            let v = p.get(fit.set.timeModel, host, gpu: rows[0].gpu)
            // 1 %: the search's last steps are 0.2 %, so a constant this close was stopped by the bound.
            // A fixed cost's lower bound is "none", which sound data may say (the probe's consistent
            // synthetic runs end there); an efficiency's lower bound, and every upper bound, is not.
            if v <= p.range.lowerBound * 1.01 && !p.isFixedCost { return "\(p.rawValue) \(formatNumber(v, significant: 3)) (lower bound)" }
            if v >= p.range.upperBound / 1.01 { return "\(p.rawValue) \(formatNumber(v, significant: 3)) (upper bound)" }
            return nil
        }
        guard !stuck.isEmpty else { return [] }
        return ["fitted constants at their search bounds: \(stuck.joined(separator: ", ")); the runs ask for more than the model "
            + "allows, so check their units and configurations before trusting this file"]
    }

    /// Tokens a run's pass processes: what sets whether it is memory- or compute-bound.
    static func tokensPerPass(_ r: PredictRequest) -> Int {
        r.phase == .forward ? r.batch * r.inputTokens : r.batch
    }
}
