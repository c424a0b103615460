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
    static func checkNotDegenerate(_ runs: [UserRun], gpu: GPUSpec) throws {
        let rows = runs.map(\.row)
        let fitted = runs.filter { !$0.row.powerLimited }
        guard !fitted.isEmpty else {
            throw Refusal(description: "\(gpu.id): every run is at or above \(formatPercent(ServingCalibration.powerLimitedFraction, decimals: 0)) of its "
                + "power cap, where the power limiter sets the clock and hides the coefficients; measure smaller batches, a lower "
                + "locked clock or a higher cap")
        }
        let capped = rows.count - fitted.count
        // Judged on the inputs alone: repeats of one operating point with noisy readings counted
        // as several (4 repeats of one decode step passed, and moved batch-1 estimates by +40 %).
        let configurations = Set(fitted.map(\.configuration))
        guard configurations.count >= minimumConfigurations else {
            throw Refusal(description: "\(gpu.id): only \(configurations.count) distinct configuration(s)"
                + (capped > 0 ? " below \(formatPercent(ServingCalibration.powerLimitedFraction, decimals: 0)) of the power cap (\(capped) capped run(s) left out)" : "")
                + "; measure at least \(minimumConfigurations) that differ in batch size, sequence length or SM clock (for example batch 1, 8 and 64), so that memory-bound and compute-bound work both appear")
        }
        let watts = fitted.map(\.row.measuredPower.watts)
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

    /// Refuses a fit whose times miss by more than `mostTimeMiss`, over the timed runs below the
    /// cap or over the runs on any one GPU count (energy given per GPU rather than for all of them
    /// makes only the multi-GPU runs' times short), saying which unit looks wrong.
    static func checkTimeFit(_ runs: [UserRun], _ residuals: [FitResidual], starting: [RowPrediction], gpu: GPUSpec) throws {
        let timed = runs.indices.filter { runs[$0].isTimed && !runs[$0].row.powerLimited }
        func miss(_ i: Int) -> Double { abs(log(residuals[i].predictedTimeSeconds / residuals[i].measuredTimeSeconds)) }
        func factor(_ indices: [Int]) -> Double { exp(indices.map(miss).reduce(0, +) / Double(max(1, indices.count))) }
        let byGPUs = Dictionary(grouping: timed) { runs[$0].gpus }
        let worstCount = byGPUs.keys.sorted().max { factor(byGPUs[$0]!) < factor(byGPUs[$1]!) }
        let whole = factor(timed)
        let (indices, overall): ([Int], Bool) = whole > mostTimeMiss ? (timed, true)
            : worstCount.map { factor(byGPUs[$0]!) > mostTimeMiss ? (byGPUs[$0]!, false) : ([], true) } ?? ([], true)
        guard !indices.isEmpty else { return }
        let worst = indices.sorted { miss($0) > miss($1) }.prefix(3).map { i in
            let source = runs[i].timeColumn == "measured_time_ms" ? "measured" : "\(runs[i].timeColumn ?? "its time") gives"
            return "\(runs[i].row.label): \(source) \(formatNumber(residuals[i].measuredTimeSeconds * 1000, significant: 3)) ms, "
                + "fitted \(formatNumber(residuals[i].predictedTimeSeconds * 1000, significant: 3)) ms"
        }
        let scope = overall ? "" : " on the runs on \(runs[indices[0]].gpus) GPUs"
        throw Refusal(description: "\(gpu.id): even fitted, the model misses the measured times\(scope) by a factor "
            + "\(formatNumber(factor(indices), significant: 3)) on average (a fit on sound data is within 10-20 %): "
            + "\(unitHint(runs, starting: starting, timed: indices, gpuCount: overall ? nil : runs[indices[0]].gpus)); "
            + "worst: \(worst.joined(separator: "; "))")
    }

    /// Which unit looks wrong, from how far the times are from the uncalibrated model's: that one
    /// is within tens of percent on hardware it has not seen, never a factor 30. Names the column
    /// the runs' times came from, and for one GPU count the energy of one GPU given for all.
    static func unitHint(_ runs: [UserRun], starting: [RowPrediction], timed: [Int], gpuCount: Int? = nil) -> String {
        let ratios = timed.map { runs[$0].row.measuredTime.seconds / starting[$0].time.seconds }.sorted()
        let median = ratios[ratios.count / 2]
        let columns = Dictionary(grouping: timed.compactMap { runs[$0].timeColumn }) { $0 }
        let column = columns.keys.sorted().max { columns[$0]!.count < columns[$1]!.count } ?? "measured_time_ms"
        if let n = gpuCount, column == "measured_forward_energy_j" {
            return "the times of the runs on \(n) GPUs, read from measured_forward_energy_j ÷ (power × GPUs), are about "
                + "\(formatNumber(1 / median, significant: 2))× shorter than the uncalibrated model's: measured_forward_energy_j "
                + "is the energy of one pass on all the run's GPUs; was it given per GPU?"
        }
        let slip: (shorter: String, longer: String)? = switch column {
        case "measured_time_ms": ("measured_time_ms is in milliseconds: were seconds written there?",
                                  "measured_time_ms is in milliseconds: were microseconds written there?")
        case "measured_forward_energy_j": ("measured_forward_energy_j is in joules: were kJ written there?",
                                           "measured_forward_energy_j is in joules: were mJ written there?")
        case "measured_joules_per_output_token": ("measured_joules_per_output_token is in joules per token: were Wh or kJ per token written there?",
                                                  "measured_joules_per_output_token is in joules per token: were mJ per token written there?")
        default: nil
        }
        if median < 1.0 / 30 {
            return "the times are about \(formatNumber(1 / median, significant: 2))× shorter than the uncalibrated model's; "
                + (slip?.shorter ?? "check the windows' start and end and the \(column) counts")
        }
        if median > 30 {
            return "the times are about \(formatNumber(median, significant: 2))× longer than the uncalibrated model's; "
                + (slip?.longer ?? "check the windows' start and end and the \(column) counts")
        }
        return "check \(column) (\(columnMeaning[column] ?? "the window's count of work")), "
            + "and the configuration of each run (batch, lengths, GPUs, framework)"
    }

    /// What each time column holds, for the messages.
    static let columnMeaning = [
        "measured_time_ms": "milliseconds per pass", "measured_forward_energy_j": "joules per pass, all GPUs",
        "measured_joules_per_output_token": "joules per output token, all GPUs",
        "passes": "passes in the window", "output_tokens_generated": "output tokens generated in the window",
        "output_throughput_tokens_per_sec": "output tokens per second",
    ]

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

    /// A note of the serve runs that held fewer sequences than their batch: their time per step
    /// is read at the batch held, so a batch typed larger than the engine ran is not a slower
    /// GPU; a batch the engine did hold, but the model thinks does not fit, is a KV-cache
    /// configuration to check (`--gpu-memory-utilization`, lengths, precision).
    static func heldBelow(_ runs: [UserRun]) -> [String] {
        let held = runs.filter { $0.heldBatch != nil }
        guard !held.isEmpty else { return [] }
        let named = held.prefix(3).map { "\($0.row.label) batch \($0.heldBatch!.requested) → \($0.heldBatch!.held)" }
        return ["\(held.count) of \(runs.count) serve runs ask for more sequences than their KV cache (or step budget) holds "
            + "(\(named.joined(separator: ", "))\(held.count > 3 ? ", ..." : "")); their step time is read at the batch held, "
            + "as predict prices them: if the engine really held the batch asked for, check its memory settings and the run's lengths"]
    }

    /// A note of the runs with no time, which fit power only (one empty cell had turned off the
    /// time fit and the unit check for every run).
    static func untimed(_ runs: [UserRun]) -> [String] {
        let missing = runs.filter { !$0.isTimed }
        guard !missing.isEmpty, missing.count < runs.count else { return [] }
        return ["\(missing.count) of \(runs.count) runs have no measured time (\(missing.prefix(3).map(\.row.label).joined(separator: ", "))"
            + "\(missing.count > 3 ? ", ..." : "")); they fit power only, and the time constants are fitted on the other \(runs.count - missing.count)"]
    }

    /// A note of runs that repeat another exactly, inputs and readings: a row pasted twice, which
    /// the fit would count as two measurements.
    static func repeated(_ runs: [UserRun]) -> [String] {
        var seen: [String: String] = [:], copies: [String] = []
        for run in runs {
            let key = "\(run.configuration)|\(run.row.measuredPower.watts)|\(run.row.measuredTime.seconds)"
            if let first = seen[key] { copies.append("\(run.row.label) repeats \(first)") } else { seen[key] = run.row.label }
        }
        guard !copies.isEmpty else { return [] }
        return ["\(copies.count) run(s) repeat another run's configuration and readings exactly (\(copies.prefix(3).joined(separator: ", "))"
            + "\(copies.count > 3 ? ", ..." : "")); each is fitted as a measurement of its own: remove pasted copies"]
    }

    /// A warning when the timed runs do not vary the work per pass enough to identify the time terms.
    static func unidentified(_ runs: [UserRun]) -> [String] {
        let fitted = runs.filter { $0.isTimed && !$0.row.powerLimited }.map { Double($0.tokens) }
        guard let lo = fitted.min(), let hi = fitted.max(), hi < leastTokenSpread * lo else { return [] }
        return ["the fitted runs process \(formatNumber(lo)) to \(formatNumber(hi)) tokens per pass (batch × prompt for forward "
            + "passes, batch for decode steps and serving), under a \(formatNumber(leastTokenSpread))× spread, so the tensor and "
            + "memory efficiencies and the overheads are not identified separately (kept where the search stopped); "
            + "add runs at batch 1 and 64 or more, or forward passes"]
    }

    /// A warning naming the fitted time constants that the fit moved to their search bounds: the
    /// data pushed them as far as allowed, so they absorb something the model does not describe.
    /// A constant that started at its bound (the bundled H100 tensor efficiency is 1) and stayed
    /// there is no sign of that: runs that agree with the bundled fit raised a unit warning.
    static func atBounds(_ fit: FittedGPU, runs: [UserRun], estimator: Estimator) -> [String] {
        let gpu = runs[0].row.gpu
        let frameworks = frameworks(runs)
        let start = estimator.calibration.coefficients(for: gpu)
        let startTime = startTime(gpu: gpu, frameworks: frameworks, estimator: estimator)
        let stuck = timeParameters(runs, frameworks: frameworks).compactMap { p, g -> String? in
            let f = frameworks[g]
            let v = p.get(fit.set.timeModel, estimator.defaultHost(for: f, set: fit.set), gpu: gpu)
            let v0 = p.get(startTime, estimator.defaultHost(for: f, set: start), gpu: gpu)
            let name = p.isHost && frameworks.count > 1 ? "\(p.rawValue) (\(f.rawValue))" : p.rawValue
            // 1 %: the search's last steps are 0.2 %, so a constant this close was stopped by the bound.
            // A fixed cost's lower bound is "none", which sound data may say (the probe's consistent
            // synthetic runs end there); an efficiency's lower bound, and every upper bound, is not.
            let low = p.range.lowerBound * 1.01, high = p.range.upperBound / 1.01
            if v <= low && v0 > low && !p.isFixedCost { return "\(name) \(formatNumber(v, significant: 3)) (lower bound)" }
            if v >= high && v0 < high { return "\(name) \(formatNumber(v, significant: 3)) (upper bound)" }
            return nil
        }
        guard !stuck.isEmpty else { return [] }
        return ["fitted constants moved to their search bounds: \(stuck.joined(separator: ", ")); the runs ask for more than the model "
            + "allows, so check their units and configurations before trusting this file"]
    }

    /// A warning that runs without a decode step left the memory efficiency where it was: prefill
    /// passes are compute-bound, so they cannot say how fast decode streams the weights.
    static func decodeUnmeasured(_ runs: [UserRun], estimator: Estimator) -> [String] {
        guard runs.contains(where: \.isTimed), !runs.contains(where: { $0.isTimed && !$0.isForward }) else { return [] }
        let start = estimator.calibration.coefficients(for: runs[0].row.gpu).timeModel.memoryEfficiency
        return ["the timed runs are all forward passes (prefill), which do not determine the memory efficiency that decode steps "
            + "are priced by; it is kept at its value in use (\(formatNumber(start, significant: 3))): add decode-step or serve runs to fit it"]
    }

    /// A warning when the fitted set misses the runs by more than the set it started from: the
    /// runs do not support moving off it (noise, or features they cannot tell apart).
    static func worseThanStart(before: FitSummary, after: FitSummary) -> [String] {
        let slack = 0.001  // 0.1 point: the search's last steps move a MAPE by less
        guard after.powerMAPE > before.powerMAPE + slack || after.energyMAPE > before.energyMAPE + slack else { return [] }
        return ["the fitted set misses these runs by more than the set it started from (power MAPE \(formatPercent(before.powerMAPE)) → "
            + "\(formatPercent(after.powerMAPE)), energy MAPE \(formatPercent(before.energyMAPE)) → \(formatPercent(after.energyMAPE))); "
            + "the runs do not support moving off it: consider keeping the calibration in use"]
    }

    /// Tokens a run's pass processes: what sets whether it is memory- or compute-bound.
    static func tokensPerPass(_ r: PredictRequest) -> Int {
        r.phase == .forward ? r.batch * r.inputTokens : r.batch
    }
}
