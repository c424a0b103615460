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
        for gpuID in prepared.runs.keys.sorted() {
            var fit = try fitChecked(prepared.runs[gpuID]!, estimator: estimator, into: &result)
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

    /// One measured run ready to fit: its calibration row and what the checks need of it.
    struct UserRun {
        var row: CalibrationRow
        /// The framework it ran under, which sets its host costs and how the time model applies.
        var framework: Framework
        /// Tokens one pass processes (`tokensPerPass`).
        var tokens: Int
        var gpus: Int
        /// The column its time was read from; nil when it has none.
        var timeColumn: String?
        /// Its inputs as resolved (everything a `predict` row sets), never what was measured: runs
        /// with the same are repeats of one configuration, however their readings scatter.
        var configuration: String
        /// Serve runs whose KV cache (or step budget) holds fewer sequences than the batch asked
        /// for: (asked, held). Their step time is read at the held batch, as `predict` prices them.
        var heldBatch: (requested: Int, held: Int)? = nil
        /// A forward pass (prefill only) rather than a decode step or a serving steady state.
        var isForward = false
        var isTimed: Bool { row.measuredTime.seconds > 0 }
    }

    /// The runs per GPU, their idle readings, and the runs skipped.
    struct Prepared {
        var runs: [String: [UserRun]] = [:]
        var idle: [String: [(Double, Double)]] = [:]
        var skipped: [(label: String, reason: String)] = []
    }

    static func prepare(_ runs: [MeasuredRun], estimator: Estimator) throws -> Prepared {
        var p = Prepared()
        for run in runs {
            let user: UserRun
            do { user = try userRun(run, estimator: estimator) } catch let refusal as Refusal {
                throw refusal  // an impossible reading is wrong data, not a run this model cannot handle
            } catch let error as InputError {
                // An unknown model or GPU is a typo in the file, not a run to skip with exit 0.
                guard case .unknownID = error else { p.skipped.append((run.label, "\(error)")); continue }
                throw Refusal(description: named(run.label, "\(error)"))
            } catch {
                p.skipped.append((run.label, "\(error)"))
                continue
            }
            p.runs[user.row.gpu.id, default: []].append(user)
            p.idle[user.row.gpu.id, default: []] += run.idleSamples
        }
        guard !p.runs.isEmpty else {
            let first = p.skipped[0]
            throw Refusal(description: "none of the \(runs.count) runs can be modelled; the first: \(named(first.label, first.reason))")
        }
        return p
    }

    /// A run's reason prefixed with its label, once: the deployment is read with the label as
    /// context, so its errors usually name the run already.
    public static func named(_ label: String, _ reason: String) -> String {
        reason.hasPrefix(label) ? reason : "\(label): \(reason)"
    }

    /// The distinct frameworks of a GPU's runs, in a fixed order: one host group each.
    static func frameworks(_ runs: [UserRun]) -> [Framework] {
        Array(Set(runs.map(\.framework))).sorted { $0.rawValue < $1.rawValue }
    }

    /// One GPU's checks, fit and cross-validation; what the fit could not use or pin down goes to
    /// `result.warnings`, `result.leftOut` and the set's provenance.
    static func fitChecked(_ runs: [UserRun], estimator: Estimator, into result: inout Result) throws -> FittedGPU {
        let rows = runs.map(\.row)
        let gpu = rows[0].gpu
        try checkAboveIdle(rows, gpu: gpu)
        try checkNotDegenerate(runs, gpu: gpu)
        let starting = startingPredictions(gpu: gpu, runs: runs, estimator: estimator)
        let before = Calibrator.summarize(rows, starting).0
        result.before[gpu.id] = before
        var fit = fitGPU(gpu: gpu, runs: runs, estimator: estimator)
        try checkTimeFit(runs, fit.residuals, starting: starting, gpu: gpu)
        let leftOut = rows.filter(\.powerLimited).count
        if leftOut > 0 {
            result.leftOut[gpu.id] = leftOut
            fit.set.provenance += "; \(leftOutNote(leftOut, of: rows.count))"
        }
        let warnings = heldBelow(runs) + untimed(runs) + repeated(runs) + unidentified(runs) + decodeUnmeasured(runs, estimator: estimator)
            + atBounds(fit, runs: runs, estimator: estimator) + worseThanStart(before: before, after: fit.summary)
        result.warnings += warnings.map { "\(gpu.id): \($0)" }
        if !warnings.isEmpty { fit.set.provenance += "; warning: " + warnings.joined(separator: "; ") }
        fit.crossValidation = crossValidate(gpu: gpu, runs: runs, estimator: estimator)
        return fit
    }

    /// Each run predicted with its own framework's time model and host (a GPU's runs may mix
    /// frameworks; taking one for all fitted half of a mixed file with the wrong host).
    static func predict(_ runs: [UserRun], gpu: GPUSpec, power: PowerCoefficients, estimator: Estimator,
                        timeModel: (Framework) -> TimeModel, host: (Framework) -> HostModel) -> [RowPrediction] {
        let model = PowerModel(gpu: gpu, coefficients: power, capHoldFraction: estimator.calibration.capHoldFraction)
        return runs.map { run in
            let pe = PassEstimator(gpu: gpu, power: model, timeModel: timeModel(run.framework), host: host(run.framework))
            return Calibrator.predict([run.row], estimator: pe)[0]
        }
    }

    /// The runs predicted with the coefficients the fit starts from, as `predict` prices them.
    static func startingPredictions(gpu: GPUSpec, runs: [UserRun], estimator: Estimator) -> [RowPrediction] {
        let start = estimator.calibration.coefficients(for: gpu)
        return predict(runs, gpu: gpu, power: start.power, estimator: estimator,
                       timeModel: { f in f.timeModel(f.isFused ? estimator.servingTimeModel(start, gpu: gpu) : start.timeModel) },
                       host: { estimator.defaultHost(for: $0, set: start) })
    }

    /// The time model a GPU's fit starts from. With a run on a fused framework the fit stores that
    /// framework's host, after which every framework on the GPU runs the set's own time model, so
    /// the fit starts from the serving one (`Estimator.servingTimeModel`) that such runs use now.
    static func startTime(gpu: GPUSpec, frameworks: [Framework], estimator: Estimator) -> TimeModel {
        let start = estimator.calibration.coefficients(for: gpu)
        return frameworks.contains(where: \.isFused) ? estimator.servingTimeModel(start, gpu: gpu) : start.timeModel
    }

    /// The calibration row of a measured run (a pass, or the mean step of a serving run).
    static func calibrationRow(_ run: MeasuredRun, estimator: Estimator) throws -> CalibrationRow {
        try userRun(run, estimator: estimator).row
    }

    /// A measured run planned: its row and the inputs that say which configuration it is.
    static func userRun(_ run: MeasuredRun, estimator: Estimator) throws -> UserRun {
        let d = try estimator.deployment(run.request.deployment, context: run.label)
        guard d.pipelineParallel == 1 else {
            throw DeploymentError.invalidParallelism("\(run.label): calibrating on pipeline-parallel runs is not supported; measure with pp 1")
        }
        let planner = PhasePlanner(deployment: d, includeLMHead: run.request.lmHead)
        let passes: [(program: KernelProgram, weight: Double)]
        var unitTime = run.unitTimeSeconds, held: (requested: Int, held: Int)? = nil
        switch run.request.phase {
        case .forward: passes = [(try planner.program(for: .prefill(batch: run.request.batch, tokens: run.request.inputTokens)), 1)]
        case .decodeStep: passes = [(try planner.program(for: .decode(batch: run.request.batch, context: run.request.inputTokens)), 1)]
        case .serve:
            // At the step budget `predict` prices the same row at (the engine's default for the GPU):
            // at 8192 on every GPU, a run measured on an A100 was planned as an engine it was not.
            let request = ServingRequest(batch: run.request.batch, inputTokens: run.request.inputTokens, outputTokens: run.request.outputTokens,
                                         tokenBudget: ServingRequest.defaultTokenBudget(for: d))
            let local = ServingEstimator.localBatch(request, budget: try KVCacheBudget(deployment: d, request: request),
                                                    ranks: d.attentionRanks)
            passes = try ContinuousPlan(request: request, local: local).meanStep.map { (try planner.program(for: $0.phase), $0.weight) }
            // A step emits one token per sequence the engine holds, so the measured throughput gives
            // the step time at that batch: read at the batch asked for, a run over its KV cache
            // had steps 2-8× too long, and a fit on predict's own output drove the tensor
            // efficiency to its bound and later estimates 13× up.
            let inFlight = local * d.attentionRanks
            if let t = run.unitTimeSeconds, let c = run.timeColumn, MeasurementReader.perTokenColumns.contains(c) {
                unitTime = t * Double(inFlight) / Double(run.request.batch)
            }
            if inFlight < run.request.batch { held = (run.request.batch, inFlight) }
        }
        let cap = d.powerCap ?? d.gpu.tdp
        try checkPlausible(run, limit: cap, gpu: d.gpu.id)
        let row = CalibrationRow(label: run.label, group: d.model.family, gpu: d.gpu, passes: passes,
                                 lockedClock: d.lockedClock ?? d.gpu.boostClock, measuredClock: nil, powerCap: cap,
                                 powerLimited: run.gpuPowerWatts >= ServingCalibration.powerLimitedFraction * cap.watts,
                                 measuredTime: .seconds(unitTime ?? 0), measuredPower: .watts(run.gpuPowerWatts))
        return UserRun(row: row, framework: d.framework, tokens: tokensPerPass(run.request), gpus: d.gpuCount,
                       timeColumn: unitTime == nil ? nil : run.timeColumn, configuration: configuration(run.request, d),
                       heldBatch: held, isForward: run.request.phase == .forward)
    }

    /// What makes a run its configuration: every input of the deployment and the work, resolved
    /// (so `gpus` left out and `gpus` 1 are one), never a measured value.
    static func configuration(_ r: PredictRequest, _ d: Deployment) -> String {
        let work = r.phase == .serve ? "\(r.batch)/\(r.inputTokens)/\(r.outputTokens)" : "\(r.batch)/\(r.inputTokens)"
        return [d.model.id, d.gpu.id, "\(d.gpuCount)", "tp\(d.tensorParallel)", "ep\(d.expertParallel)", d.precision.rawValue,
                d.kvPrecision.rawValue, r.deployment.ssmStatePrecision?.rawValue ?? "-", d.framework.rawValue, d.attention.rawValue,
                d.sampling.rawValue, "\(d.lockedClock?.megahertz ?? 0)MHz", "\(d.powerCap?.watts ?? 0)W",
                "\(d.host.launchTime.microseconds)us", r.phase.rawValue, work, "\(r.lmHead)"].joined(separator: "|")
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

    /// The time constants worth fitting, each with the host group (index into `frameworks`) it
    /// belongs to: the shared ones when any run has a time, and a framework's host costs when
    /// its own runs have one. Runs without a time still fit power; the others fit time.
    static func timeParameters(_ runs: [UserRun], frameworks: [Framework]) -> [(parameter: Calibrator.TimeParameter, group: Int)] {
        guard runs.contains(where: \.isTimed) else { return [] }
        // Prefill passes are compute-bound but for their smallest: runs without a decode step
        // (or a serving run, whose steps are mostly decode) do not measure the memory efficiency
        // decode is priced by, and a uniform 10 % speed-up of prefill passes had pushed it to its
        // bound and made decode 34 % faster. It stays at its value in use (`decodeUnmeasured`).
        let memory: [(parameter: Calibrator.TimeParameter, group: Int)] = runs.contains { $0.isTimed && !$0.isForward } ? [(.memoryEfficiency, 0)] : []
        var parameters: [(parameter: Calibrator.TimeParameter, group: Int)] = [(.tensorEfficiency, 0)] + memory + [(.kernelOverhead, 0)]
        for (g, f) in frameworks.enumerated() where runs.contains(where: { $0.framework == f && $0.isTimed }) {
            // Under CUDA graphs the per-launch cost cannot be told apart; eager launches can.
            let host: [Calibrator.TimeParameter] = f.capturesCUDAGraphs ? [.passOverhead, .perSequenceOverhead] : [.passOverhead, .launch]
            parameters += host.map { ($0, g) }
        }
        return parameters
    }

    static func fitGPU(gpu: GPUSpec, runs: [UserRun], estimator: Estimator, label: String = "user") -> FittedGPU {
        let start = estimator.calibration.coefficients(for: gpu)
        let frameworks = frameworks(runs)
        let startTime = startTime(gpu: gpu, frameworks: frameworks, estimator: estimator)
        let groups = Calibrator.HostGroups(hosts: frameworks.map { estimator.defaultHost(for: $0, set: start) },
                                           ofRow: runs.map { r in frameworks.firstIndex(of: r.framework)! },
                                           adapt: frameworks.map { f in { f.timeModel($0) } })
        let rows = runs.map(\.row)
        // The prior is the set in use (bundled, or --calibration FILE), as §5 says the fit starts
        // from it: pulled towards the published values instead, runs the set already reproduced
        // exactly moved the A100's energies (power MAPE 0.0 → 1.2 % in-sample, EnergAIzer 5.0 →
        // 15.6 %). Prefill-only runs keep the tensor energy the bundled prefill fits pin, for the
        // reason they pin it (`BuiltinCalibration.prefillPinned`).
        let pinned = runs.allSatisfy(\.isForward) ? BuiltinCalibration.prefillPinned : []
        let (t, h, power) = Calibrator.fitJoint(rows, gpu: gpu, start: startTime, hosts: groups,
                                                parameters: timeParameters(runs, frameworks: frameworks),
                                                prior: start.power, pinned: pinned)
        let predictions = predict(runs, gpu: gpu, power: power, estimator: estimator, timeModel: { $0.timeModel(t) },
                                  host: { h[frameworks.firstIndex(of: $0)!] })
        let (summary, residuals) = Calibrator.summarize(rows, predictions)
        var hosts = start.hosts
        for (f, host) in zip(frameworks, h) { hosts[f.hostKey] = host }
        // `t` is the shared model before any framework's adjustment (`Framework.timeModel`), so it
        // keeps the per-sequence decode time that TensorRT-LLM runs do not pay, for vLLM estimates.
        return FittedGPU(gpuID: gpu.id, set: CoefficientSet(power: power, timeModel: t, hosts: hosts,
                                                           provenance: "fitted on \(rows.count) \(label) runs of \(gpu.id)"),
                         summary: summary, residuals: residuals)
    }

    /// Leave one model family out (or one run, with a single family): refit, forecast the rest,
    /// each held-out run under its own framework.
    static func crossValidate(gpu: GPUSpec, runs: [UserRun], estimator: Estimator) -> (powerMAPE: Double, groups: Int)? {
        let rows = runs.map(\.row)
        let families = Array(Set(rows.map(\.group))).sorted()
        let groups: [[Int]] = families.count >= 2
            ? families.map { f in rows.indices.filter { rows[$0].group == f } }
            : rows.indices.map { [$0] }
        guard groups.count >= 2 else { return nil }
        var predicted: [Double] = [], measured: [Double] = []
        for held in groups {
            let training = runs.indices.filter { !held.contains($0) }.map { runs[$0] }
            guard training.count >= 2 else { continue }
            let fit = fitGPU(gpu: gpu, runs: training, estimator: estimator, label: "cross-validation")
            let forecast = predict(held.map { runs[$0] }, gpu: gpu, power: fit.set.power, estimator: estimator,
                                   timeModel: { $0.timeModel(fit.set.timeModel) }, host: { estimator.defaultHost(for: $0, set: fit.set) })
            predicted += forecast.map(\.averagePower.watts)
            measured += held.map { rows[$0].measuredPower.watts }
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
