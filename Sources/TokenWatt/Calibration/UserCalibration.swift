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
    }

    /// Fewest distinct configurations per GPU.
    public static let minimumConfigurations = 3

    public static func run(_ runs: [MeasuredRun], estimator: Estimator = Estimator()) throws -> Result {
        guard !runs.isEmpty else { throw Refusal(description: "no measured runs; give a CSV of runs or a manifest with a power log") }
        var rowsByGPU: [String: [CalibrationRow]] = [:]
        var idleByGPU: [String: [(Double, Double)]] = [:]
        var frameworkByGPU: [String: Framework] = [:]
        var skipped: [(label: String, reason: String)] = []
        for run in runs {
            let row: CalibrationRow
            do { row = try calibrationRow(run, estimator: estimator) } catch let refusal as Refusal {
                throw refusal  // an impossible reading is wrong data, not a run this model cannot handle
            } catch {
                skipped.append((run.label, "\(error)"))
                continue
            }
            rowsByGPU[row.gpu.id, default: []].append(row)
            idleByGPU[row.gpu.id, default: []] += run.idleSamples
            frameworkByGPU[row.gpu.id] = run.request.deployment.framework
        }
        guard !rowsByGPU.isEmpty else {
            throw Refusal(description: "none of the \(runs.count) runs can be modelled; the first: \(skipped[0].label): \(skipped[0].reason)")
        }
        var fitted: [FittedGPU] = []
        var before: [String: FitSummary] = [:]
        for gpuID in rowsByGPU.keys.sorted() {
            let rows = rowsByGPU[gpuID]!
            let gpu = rows[0].gpu
            try checkNotDegenerate(rows, gpu: gpu)
            let framework = frameworkByGPU[gpuID] ?? .vllm
            before[gpuID] = startingError(gpu: gpu, rows: rows, estimator: estimator, framework: framework)
            var fit = fitGPU(gpu: gpu, rows: rows, estimator: estimator, framework: framework)
            fit.crossValidation = crossValidate(gpu: gpu, rows: rows, estimator: estimator, framework: framework)
            fit.idlePoints = idleTable(idleByGPU[gpuID] ?? [])
            fitted.append(fit)
        }
        let base = estimator.calibration
        let merged = base.fitted.filter { b in !fitted.contains { $0.gpuID == b.gpuID } } + fitted
        let file = CoefficientFile(capHoldFraction: base.capHoldFraction, fitted: merged,
                                   provenance: "user calibration of \(fitted.map(\.gpuID).joined(separator: ", ")) on \(runs.count) runs; other GPUs: \(base.provenance)")
        return Result(file: file, fitted: fitted, skipped: skipped, before: before)
    }

    /// The rows predicted with the coefficients the fit starts from, scored before any fitting.
    static func startingError(gpu: GPUSpec, rows: [CalibrationRow], estimator: Estimator, framework: Framework) -> FitSummary {
        let start = estimator.calibration.coefficients(for: gpu)
        let time = framework.isFused ? estimator.servingTimeModel(start, gpu: gpu) : start.timeModel
        let model = PowerModel(gpu: gpu, coefficients: start.power, capHoldFraction: estimator.calibration.capHoldFraction)
        let pe = PassEstimator(gpu: gpu, power: model, timeModel: framework.timeModel(time),
                               host: estimator.defaultHost(for: framework, set: start))
        return Calibrator.summarize(rows, Calibrator.predict(rows, estimator: pe)).0
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

    /// One configuration, constant power and capped-only data cannot pin coefficients down.
    static func checkNotDegenerate(_ rows: [CalibrationRow], gpu: GPUSpec) throws {
        let configurations = Set(rows.map { "\($0.group)|\($0.passes.map { "\($0.program.kernelCount)/\($0.program.sequences)" })|\($0.lockedClock.megahertz)|\($0.measuredTime.seconds)" })
        guard configurations.count >= minimumConfigurations else {
            throw Refusal(description: "\(gpu.id): only \(configurations.count) distinct configuration(s); measure at least \(minimumConfigurations) that differ in batch size, sequence length or SM clock (for example batch 1, 8 and 64), so that memory-bound and compute-bound work both appear")
        }
        let watts = rows.map(\.measuredPower.watts)
        let mean = watts.reduce(0, +) / Double(watts.count)
        let sd = (watts.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(watts.count)).squareRoot()
        guard sd / mean >= 0.01 else {
            throw Refusal(description: "\(gpu.id): power is constant (\(formatNumber(mean, significant: 4)) W ± \(formatNumber(sd, significant: 2)) W) across the runs; the GPU may have been idle, capped or not running the workload; check the GPU indices and vary the batch size")
        }
        guard rows.contains(where: { !$0.powerLimited }) else {
            throw Refusal(description: "\(gpu.id): every run is at the power cap, which hides the coefficients; measure smaller batches, a lower locked clock or a higher cap")
        }
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
