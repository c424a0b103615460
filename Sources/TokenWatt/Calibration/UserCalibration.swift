import Foundation
import KernelPower

/// Calibration on a user's own measurements (`tokenwatt calibrate`): per GPU, refuse degenerate
/// data, fit jointly (time constants where times were measured, power coefficients by NNLS),
/// cross-validate by leaving one model (or one run) out, and merge into the bundled calibration.
public enum UserCalibration {
    /// Why the data cannot be fitted, with what to measure next.
    public struct Refusal: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    public struct Result: Sendable {
        public var file: CoefficientFile
        public var fitted: [FittedGPU]
        /// Runs that could not be modelled (e.g. hybrid models), with the reason.
        public var skipped: [(label: String, reason: String)]
        /// Per GPU id, how far the calibration it started from (the bundled one, or
        /// `--calibration FILE`) was from these runs before the fit: the error a user of the
        /// uncalibrated tool would see on this hardware.
        public var before: [String: FitSummary] = [:]
        /// Per GPU id, how many runs were at or above `ServingCalibration.powerLimitedFraction` of
        /// their power cap and so left out of the power and time fit.
        public var leftOut: [String: Int] = [:]
        /// What the data could not pin down, prefixed with the GPU id: printed on stderr, and kept
        /// in the set's provenance.
        public var warnings: [String] = []
    }

    /// Fewest distinct configurations per GPU.
    public static let minimumConfigurations = 3

    public static func run(_ runs: [MeasuredRun], estimator: Estimator = Estimator()) throws -> Result {
        guard !runs.isEmpty else { throw Refusal(description: "no measured runs; give a CSV of runs or a manifest with a power log") }
        let prepared = try prepare(runs, estimator: estimator)
        var result = Result(file: estimator.calibration, fitted: [], skipped: prepared.skipped)
        for gpuID in prepared.rows.keys.sorted() {
            var fit = try fitChecked(rows: prepared.rows[gpuID]!, tokens: prepared.tokens[gpuID]!, estimator: estimator,
                                     framework: prepared.framework[gpuID] ?? .vllm, into: &result)
            fit.idlePoints = idleTable(prepared.idle[gpuID] ?? [])
            result.fitted.append(fit)
        }
        let base = estimator.calibration
        let merged = base.fitted.filter { b in !result.fitted.contains { $0.gpuID == b.gpuID } } + result.fitted
        result.file = CoefficientFile(capHoldFraction: base.capHoldFraction, fitted: merged,
                                      provenance: "user calibration of \(result.fitted.map(\.gpuID).joined(separator: ", ")) on \(runs.count) runs; "
                                          + carriedNote(fitted: result.fitted.map(\.gpuID), merged: merged.map(\.gpuID), estimator: estimator)
                                          + "other GPUs: \(base.provenance)")
        return result
    }

    /// The GPUs without a fit of their own that now carry over from the user's fit rather than the
    /// bundled one (a user fit of the H100 moves the B200 and H200 with it: +17 % and +7.5 % in one
    /// probe, where the file had said that other GPUs keep the bundled coefficients).
    static func carriedNote(fitted: [String], merged: [String], estimator: Estimator) -> String {
        let ids = Set(merged), user = Set(fitted)
        let moved = estimator.gpus.gpus.filter { !ids.contains($0.id) && user.contains(CarryOver.baseGPU(for: $0, fitted: ids)) }
        guard !moved.isEmpty else { return "" }
        let bases = Set(moved.map { CarryOver.baseGPU(for: $0, fitted: ids) }).sorted().joined(separator: ", ")
        return "GPUs without a fit of their own carried over from this fit of \(bases), not the bundled one: "
            + moved.map(\.id).sorted().joined(separator: ", ") + "; "
    }

    /// The runs as calibration rows per GPU, with each row's tokens per pass and the runs skipped.
    struct Prepared {
        var rows: [String: [CalibrationRow]] = [:]
        var tokens: [String: [Int]] = [:]
        var idle: [String: [(Double, Double)]] = [:]
        var framework: [String: Framework] = [:]
        var skipped: [(label: String, reason: String)] = []
    }

    static func prepare(_ runs: [MeasuredRun], estimator: Estimator) throws -> Prepared {
        var p = Prepared()
        for run in runs {
            let row: CalibrationRow
            do { row = try calibrationRow(run, estimator: estimator) } catch let refusal as Refusal {
                throw refusal  // an impossible reading is wrong data, not a run this model cannot handle
            } catch {
                p.skipped.append((run.label, "\(error)"))
                continue
            }
            p.rows[row.gpu.id, default: []].append(row)
            p.tokens[row.gpu.id, default: []].append(tokensPerPass(run.request))
            p.idle[row.gpu.id, default: []] += run.idleSamples
            p.framework[row.gpu.id] = run.request.deployment.framework
        }
        guard !p.rows.isEmpty else {
            let first = p.skipped[0]
            // The reason usually names the run already (the deployment is read with it as context).
            let reason = first.reason.hasPrefix(first.label) ? first.reason : "\(first.label): \(first.reason)"
            throw Refusal(description: "none of the \(runs.count) runs can be modelled; the first: \(reason)")
        }
        return p
    }

    /// One GPU's checks, fit and cross-validation; what the fit could not use or pin down goes to
    /// `result.warnings`, `result.leftOut` and the set's provenance.
    static func fitChecked(rows: [CalibrationRow], tokens: [Int], estimator: Estimator, framework: Framework,
                           into result: inout Result) throws -> FittedGPU {
        let gpu = rows[0].gpu
        try checkAboveIdle(rows, gpu: gpu)
        try checkNotDegenerate(rows, gpu: gpu)
        let starting = startingPredictions(gpu: gpu, rows: rows, estimator: estimator, framework: framework)
        result.before[gpu.id] = Calibrator.summarize(rows, starting).0
        var fit = fitGPU(gpu: gpu, rows: rows, estimator: estimator, framework: framework)
        try checkTimeFit(rows, fit.residuals, starting: starting, gpu: gpu)
        let leftOut = rows.filter(\.powerLimited).count
        if leftOut > 0 {
            result.leftOut[gpu.id] = leftOut
            fit.set.provenance += "; \(leftOutNote(leftOut, of: rows.count))"
        }
        let warnings = unidentified(rows, tokens: tokens, framework: framework) + atBounds(fit, rows: rows, framework: framework)
        result.warnings += warnings.map { "\(gpu.id): \($0)" }
        if !warnings.isEmpty { fit.set.provenance += "; warning: " + warnings.joined(separator: "; ") }
        fit.crossValidation = crossValidate(gpu: gpu, rows: rows, estimator: estimator, framework: framework)
        return fit
    }

    /// The rows predicted with the coefficients the fit starts from, scored before any fitting.
    static func startingPredictions(gpu: GPUSpec, rows: [CalibrationRow], estimator: Estimator, framework: Framework) -> [RowPrediction] {
        let start = estimator.calibration.coefficients(for: gpu)
        let time = framework.isFused ? estimator.servingTimeModel(start, gpu: gpu) : start.timeModel
        let model = PowerModel(gpu: gpu, coefficients: start.power, capHoldFraction: estimator.calibration.capHoldFraction)
        let pe = PassEstimator(gpu: gpu, power: model, timeModel: framework.timeModel(time),
                               host: estimator.defaultHost(for: framework, set: start))
        return Calibrator.predict(rows, estimator: pe)
    }

    /// The calibration row of a measured run (a pass, or the mean step of a serving run).
    static func calibrationRow(_ run: MeasuredRun, estimator: Estimator) throws -> CalibrationRow {
        let d = try estimator.deployment(run.request.deployment, context: run.label)
        guard d.pipelineParallel == 1 else {
            throw DeploymentError.invalidParallelism("\(run.label): calibrating on pipeline-parallel runs is not supported; measure with pp 1")
        }
        let planner = PhasePlanner(deployment: d, includeLMHead: run.request.lmHead)
        let passes: [(program: KernelProgram, weight: Double)]
        switch run.request.phase {
        case .forward: passes = [(try planner.program(for: .prefill(batch: run.request.batch, tokens: run.request.inputTokens)), 1)]
        case .decodeStep: passes = [(try planner.program(for: .decode(batch: run.request.batch, context: run.request.inputTokens)), 1)]
        case .serve:
            let request = ServingRequest(batch: run.request.batch, inputTokens: run.request.inputTokens, outputTokens: run.request.outputTokens)
            let local = ServingEstimator.localBatch(request, budget: try KVCacheBudget(deployment: d, request: request),
                                                    ranks: d.attentionRanks)
            passes = try ContinuousPlan(request: request, local: local).meanStep.map { (try planner.program(for: $0.phase), $0.weight) }
        }
        let cap = d.powerCap ?? d.gpu.tdp
        try checkPlausible(run, limit: cap, gpu: d.gpu.id)
        return CalibrationRow(label: run.label, group: d.model.family, gpu: d.gpu, passes: passes,
                              lockedClock: d.lockedClock ?? d.gpu.boostClock, measuredClock: nil, powerCap: cap,
                              powerLimited: run.gpuPowerWatts >= ServingCalibration.powerLimitedFraction * cap.watts,
                              measuredTime: .seconds(run.unitTimeSeconds ?? 0), measuredPower: .watts(run.gpuPowerWatts))
    }

    /// A steady-state mean above the GPU's power limit by this factor is not one GPU's board
    /// power (a node's, or a unit slip): boards hold their limit within a few percent.
    static let mostPowerOverLimit = 1.1

    /// Refuses a reading no GPU under this limit can draw (5000 W on a 250 W-capped A100 was fitted).
    static func checkPlausible(_ run: MeasuredRun, limit: Power, gpu: String) throws {
        guard run.gpuPowerWatts > mostPowerOverLimit * limit.watts else { return }
        throw Refusal(description: "\(run.label): measured_gpu_power_w \(formatNumber(run.gpuPowerWatts)) W is above \(gpu)'s power limit "
            + "(\(formatNumber(limit.watts)) W, its cap or TDP); expected the mean board power of one GPU, at most "
            + "\(formatNumber(mostPowerOverLimit * limit.watts, significant: 4)) W")
    }

    /// The time constants worth fitting for the phases measured (none when times are missing).
    static func timeParameters(_ rows: [CalibrationRow], framework: Framework) -> [Calibrator.TimeParameter] {
        guard rows.allSatisfy({ $0.measuredTime.seconds > 0 }) else { return [] }
        // Under CUDA graphs the per-launch cost cannot be told apart; eager launches can.
        let host: [Calibrator.TimeParameter] = framework.capturesCUDAGraphs ? [.passOverhead, .perSequenceOverhead] : [.passOverhead, .launch]
        return [.tensorEfficiency, .memoryEfficiency, .kernelOverhead] + host
    }

    static func fitGPU(gpu: GPUSpec, rows: [CalibrationRow], estimator: Estimator, framework: Framework,
                       label: String = "user") -> FittedGPU {
        let start = estimator.calibration.coefficients(for: gpu)
        let host = estimator.defaultHost(for: framework, set: start)
        let startTime = framework.isFused ? estimator.servingTimeModel(start, gpu: gpu) : start.timeModel
        let (t, h, power) = Calibrator.fitJoint(rows, gpu: gpu, start: framework.timeModel(startTime), host: host,
                                                parameters: timeParameters(rows, framework: framework),
                                                prior: PowerCoefficients.published(for: gpu))
        let model = PowerModel(gpu: gpu, coefficients: power, capHoldFraction: estimator.calibration.capHoldFraction)
        let predictions = Calibrator.predict(rows, estimator: PassEstimator(gpu: gpu, power: model, timeModel: t, host: h))
        let (summary, residuals) = Calibrator.summarize(rows, predictions)
        var hosts = start.hosts
        hosts[framework.hostKey] = h
        // A framework that does not pay the per-sequence decode time cannot refit it: keep the
        // GPU's own, so vLLM deployments estimated with this file still pay it.
        var saved = t
        saved.decodeSequenceBytes = startTime.decodeSequenceBytes
        saved.decodeQueryHeadBytes = startTime.decodeQueryHeadBytes
        return FittedGPU(gpuID: gpu.id, set: CoefficientSet(power: power, timeModel: saved, hosts: hosts,
                                                           provenance: "fitted on \(rows.count) \(label) runs of \(gpu.id)"),
                         summary: summary, residuals: residuals)
    }

    /// Leave one model family out (or one run, with a single family): refit, forecast the rest.
    static func crossValidate(gpu: GPUSpec, rows: [CalibrationRow], estimator: Estimator,
                              framework: Framework) -> (powerMAPE: Double, groups: Int)? {
        let families = Array(Set(rows.map(\.group))).sorted()
        let groups: [[Int]] = families.count >= 2
            ? families.map { f in rows.indices.filter { rows[$0].group == f } }
            : rows.indices.map { [$0] }
        guard groups.count >= 2 else { return nil }
        var predicted: [Double] = [], measured: [Double] = []
        for held in groups {
            let training = rows.indices.filter { !held.contains($0) }.map { rows[$0] }
            guard training.count >= 2 else { continue }
            let fit = fitGPU(gpu: gpu, rows: training, estimator: estimator, framework: framework, label: "cross-validation")
            let model = PowerModel(gpu: gpu, coefficients: fit.set.power, capHoldFraction: estimator.calibration.capHoldFraction)
            let pe = PassEstimator(gpu: gpu, power: model, timeModel: fit.set.timeModel,
                                   host: fit.set.hosts[framework.hostKey] ?? Estimator.defaultVLLMHost)
            for i in held {
                predicted.append(Calibrator.predict([rows[i]], estimator: pe)[0].averagePower.watts)
                measured.append(rows[i].measuredPower.watts)
            }
        }
        guard !predicted.isEmpty else { return nil }
        return (ErrorMetrics(predicted: predicted, measured: measured).mape, groups.count)
    }

    /// Median idle power per SM clock (15 MHz bins) from samples taken at 0 % utilization.
    static func idleTable(_ samples: [(Double, Double)]) -> [FittedGPU.IdlePoint] {
        let bins = Dictionary(grouping: samples) { ($0.0 / 15).rounded() * 15 }
        return bins.keys.sorted().compactMap { clock in
            let w = bins[clock]!.map(\.1).sorted()
            guard !w.isEmpty else { return nil }
            return FittedGPU.IdlePoint(clockMHz: clock, watts: w[w.count / 2])
        }
    }
}
