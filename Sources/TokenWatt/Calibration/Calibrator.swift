import Foundation
import KernelPower

/// A measurement prepared for fitting: the kernel programs of its configuration (built once) and
/// what was measured. A forward pass is one program; a serving steady state is the weighted mean
/// of a decode step and the mixed steps that carry prompt chunks (`ServingPlan.meanStep`).
public struct CalibrationRow: Sendable {
    public let label: String
    /// Grouping key for leave-one-group-out cross-validation (model family, GPU).
    public let group: String
    public let gpu: GPUSpec
    /// Programs whose weighted sum is the measured unit of work (one pass, or one mean step).
    public let passes: [(program: KernelProgram, weight: Double)]
    public let lockedClock: Frequency
    /// Mean SM clock measured during the run (below the locked clock when power-limited), or nil
    /// when the data set does not record it (then the row runs under its cap).
    public let measuredClock: Frequency?
    public let powerCap: Power
    public let powerLimited: Bool
    /// Measured time of the unit of work (pass time, or mean step time).
    public let measuredTime: Time
    /// Measured mean power per GPU.
    public let measuredPower: Power

    public init(label: String, group: String, gpu: GPUSpec, passes: [(program: KernelProgram, weight: Double)],
                lockedClock: Frequency, measuredClock: Frequency?, powerCap: Power, powerLimited: Bool,
                measuredTime: Time, measuredPower: Power) {
        self.label = label; self.group = group; self.gpu = gpu; self.passes = passes
        self.lockedClock = lockedClock; self.measuredClock = measuredClock; self.powerCap = powerCap
        self.powerLimited = powerLimited; self.measuredTime = measuredTime; self.measuredPower = measuredPower
    }

    public var measuredEnergy: Energy { measuredPower * measuredTime }
}

/// A row's prediction: the weighted sum of its passes.
public struct RowPrediction: Sendable {
    public var time: Time
    public var energy: Energy
    public var activity: Activity
    public var averagePower: Power { time.seconds > 0 ? energy / time : .zero }

    /// Runs every pass of `row` with `run` and sums with the row's weights.
    static func of(_ row: CalibrationRow, _ run: (KernelProgram) -> PassEstimate) -> RowPrediction {
        var p = RowPrediction(time: .zero, energy: .zero, activity: Activity())
        for (program, w) in row.passes {
            let e = run(program)
            p.time += e.time * w
            p.energy += e.energy * w
            p.activity += e.activity * w
        }
        return p
    }
}

/// Fits the time model, host costs and power coefficients of one GPU on measured passes.
public enum Calibrator {
    /// Weight of the pull towards the published priors, in units of relative power error: moving a
    /// coefficient to twice its prior costs as much as a 10 % power error on one row.
    public static let defaultPriorWeight = 0.1

    /// A time-model or host constant that calibration may fit, with its search range.
    public enum TimeParameter: String, CaseIterable, Sendable {
        case launch, passOverhead, perSequenceOverhead, tensorEfficiency, memoryEfficiency, kernelOverhead, cudaCoreEfficiency
        case linkEfficiency, collectiveLatency
        case streamBytesPerCyclePerSM, attentionEfficiency, groupedGEMMEfficiency, groupedMemoryEfficiency, decodeAttentionEfficiency
        case decodeSequenceTime, decodeQueryHeadTime, blockFP8GroupedMemoryEfficiency

        var range: ClosedRange<Double> {
            switch self {
            case .launch: return 0.5...300
            case .passOverhead: return 1...50_000
            case .perSequenceOverhead: return 0.01...500
            case .collectiveLatency: return 0.5...100
            case .linkEfficiency: return 0.05...1
            case .kernelOverhead: return 0.2...50
            case .decodeSequenceTime: return 0.001...50
            case .decodeQueryHeadTime: return 0.0001...5
            case .streamBytesPerCyclePerSM: return 4...256
            case .tensorEfficiency, .memoryEfficiency, .cudaCoreEfficiency, .attentionEfficiency,
                 .groupedGEMMEfficiency, .groupedMemoryEfficiency, .decodeAttentionEfficiency, .blockFP8GroupedMemoryEfficiency: return 0.05...1
            }
        }

        /// A time paid per launch, pass, sequence or kernel (its range starts near zero), rather
        /// than an efficiency or a rate.
        var isFixedCost: Bool {
            [.launch, .passOverhead, .perSequenceOverhead, .kernelOverhead, .collectiveLatency, .decodeSequenceTime,
             .decodeQueryHeadTime].contains(self)
        }

        /// A constant of the host (`HostModel`) rather than of the GPU's time model: a fit over
        /// several frameworks has one of each per framework.
        var isHost: Bool { self == .launch || self == .passOverhead || self == .perSequenceOverhead }

        /// The per-sequence decode traffic is searched as the time it takes on the fitted GPU, so
        /// that it holds still while the memory efficiency moves; it is set after the others.
        var isDecodeTraffic: Bool { self == .decodeSequenceTime || self == .decodeQueryHeadTime }

        func get(_ t: TimeModel, _ h: HostModel, gpu: GPUSpec) -> Double {
            switch self {
            case .launch: return h.launchTime.microseconds
            case .passOverhead: return max(1, h.passOverhead.microseconds)
            case .perSequenceOverhead: return max(0.01, h.perSequenceOverhead.microseconds)
            case .linkEfficiency: return t.linkEfficiency
            case .collectiveLatency: return t.collectiveLatency.microseconds
            case .tensorEfficiency: return t.tensorEfficiency
            case .memoryEfficiency: return t.memoryEfficiency
            case .kernelOverhead: return t.kernelOverhead.microseconds
            case .cudaCoreEfficiency: return t.cudaCoreEfficiency
            case .streamBytesPerCyclePerSM: return t.streamBytesPerCyclePerSM
            case .attentionEfficiency: return t.attentionEfficiency
            case .groupedGEMMEfficiency: return t.groupedGEMMEfficiency
            case .groupedMemoryEfficiency: return t.groupedMemoryEfficiency
            case .blockFP8GroupedMemoryEfficiency: return t.blockFP8GroupedMemoryEfficiency
            case .decodeAttentionEfficiency: return t.decodeAttentionEfficiency
            case .decodeSequenceTime: return max(0.001, t.decodeSequenceBytes / t.pagedDecodeBandwidth(gpu) * 1e6)
            case .decodeQueryHeadTime: return max(0.0001, t.decodeQueryHeadBytes / t.pagedDecodeBandwidth(gpu) * 1e6)
            }
        }

        func set(_ v: Double, _ t: inout TimeModel, _ h: inout HostModel, gpu: GPUSpec) {
            switch self {
            case .launch: h.launchTime = .microseconds(v)
            case .passOverhead: h.passOverhead = .microseconds(v)
            case .perSequenceOverhead: h.perSequenceOverhead = .microseconds(v)
            case .linkEfficiency: t.linkEfficiency = v
            case .collectiveLatency: t.collectiveLatency = .microseconds(v)
            case .tensorEfficiency: t.tensorEfficiency = v
            case .memoryEfficiency: t.memoryEfficiency = v
            case .kernelOverhead: t.kernelOverhead = .microseconds(v)
            case .cudaCoreEfficiency: t.cudaCoreEfficiency = v
            case .streamBytesPerCyclePerSM: t.streamBytesPerCyclePerSM = v
            case .attentionEfficiency: t.attentionEfficiency = v
            case .groupedGEMMEfficiency: t.groupedGEMMEfficiency = v
            case .groupedMemoryEfficiency: t.groupedMemoryEfficiency = v
            case .blockFP8GroupedMemoryEfficiency: t.blockFP8GroupedMemoryEfficiency = v
            case .decodeAttentionEfficiency: t.decodeAttentionEfficiency = v
            case .decodeSequenceTime: t.decodeSequenceBytes = v * 1e-6 * t.pagedDecodeBandwidth(gpu)
            case .decodeQueryHeadTime: t.decodeQueryHeadBytes = v * 1e-6 * t.pagedDecodeBandwidth(gpu)
            }
        }
    }

    /// Fits energy per operation by NNLS on average power above idle, rows weighted by 1/P so that
    /// the fit minimises relative error. Features whose activity is zero in every row (e.g. links
    /// on a single GPU) keep their `prior` value. Each coefficient is also pulled towards its
    /// published prior by one extra row, `priorWeight · (x/prior − 1) = 0`: collinear features
    /// (FP32 FLOPs and HBM bytes of the same elementwise kernels) then share the power in
    /// physically plausible proportions instead of one absorbing it, which matters when the
    /// coefficients are carried to a GPU with other ratios of FP32 rate to bandwidth.
    public static func fitPower(_ rows: [CalibrationRow], gpu: GPUSpec, timeModel: TimeModel, host: HostModel,
                                prior: PowerCoefficients, priorWeight: Double = defaultPriorWeight,
                                clock fixedClock: Frequency? = nil, pinned: Set<PowerFeature> = []) -> PowerCoefficients {
        let probe = PowerModel(gpu: gpu, coefficients: prior, capHoldFraction: 1)
        let estimator = PassEstimator(gpu: gpu, power: probe, timeModel: timeModel, host: host)
        let predictions = rows.map { r in
            RowPrediction.of(r) { estimator.run($0, at: fixedClock ?? r.lockedClock, cap: nil) }
        }
        return solvePower(rows, predictions, gpu: gpu, prior: prior, priorWeight: priorWeight, clock: fixedClock,
                          pinned: pinned).coefficients
    }

    /// The NNLS power fit on given uncapped predictions, and its mean absolute relative residual
    /// on the rows that are not power-limited. Features in `pinned` are held at their prior: their
    /// power is subtracted from each row's target before the solve.
    static func solvePower(_ rows: [CalibrationRow], _ predictions: [RowPrediction], gpu: GPUSpec, prior: PowerCoefficients,
                           priorWeight: Double, clock fixedClock: Frequency?,
                           pinned: Set<PowerFeature> = []) -> (coefficients: PowerCoefficients, residual: Double) {
        let probe = PowerModel(gpu: gpu, coefficients: prior, capHoldFraction: 1)
        let isPinned = PowerFeature.allCases.map { pinned.contains($0) }
        var a: [[Double]] = []
        var b: [Double] = []
        for (r, e) in zip(rows, predictions) where !r.powerLimited {
            let clock = fixedClock ?? r.lockedClock
            let w = 1 / r.measuredPower.watts
            let x = probe.features(e.activity, at: clock).map { $0 / e.time.seconds * w }
            let held = zip(zip(x, prior.vector), isPinned).reduce(0.0) { $0 + ($1.1 ? $1.0.0 * $1.0.1 : 0) }
            a.append(zip(x, isPinned).map { $1 ? 0 : $0 })
            b.append((r.measuredPower.watts - gpu.idle(at: clock).watts) * w - held)
        }
        let dataRows = a.count
        // A pinned feature's column is all zeros, so it counts as unobserved and keeps its prior.
        let observed = (0..<PowerFeature.allCases.count).map { j in a.contains { $0[j] != 0 } }
        for (j, p) in prior.vector.enumerated() where observed[j] && p > 0 && priorWeight > 0 {
            var row = [Double](repeating: 0, count: observed.count)
            row[j] = priorWeight / p
            a.append(row)
            b.append(priorWeight)
        }
        let solution = NNLS.solve(a, b)
        guard solution.count == observed.count, dataRows > 0 else { return (prior, .infinity) }
        let coefficients = PowerCoefficients(vector: zip(zip(solution, prior.vector), observed).map { $0.1 ? $0.0.0 : $0.0.1 })
        var residual = 0.0
        for i in 0..<dataRows { residual += abs(zip(a[i], solution).map(*).reduce(0, +) - b[i]) }
        return (coefficients, residual / Double(dataRows))
    }

    /// Fits time constants and power coefficients together: for each candidate set of time
    /// constants the power coefficients are solved by NNLS, and the search minimises the mean
    /// absolute log error of time plus the mean absolute relative error of power. Fitting them
    /// jointly keeps the time fit honest: host idle time that shortens nothing on the GPU but
    /// lowers mean power is penalised by the power residual.
    ///
    /// Features in `pinned` keep their priors in the returned coefficients. The search itself runs
    /// with them free: they are pinned because the rows cannot tell them from another feature, and
    /// how two such features share the power should not steer the time constants.
    public static func fitJoint(_ rows: [CalibrationRow], gpu: GPUSpec, start: TimeModel, host: HostModel,
                                parameters: [TimeParameter], prior: PowerCoefficients,
                                priorWeight: Double = defaultPriorWeight, clock fixedClock: Frequency? = nil,
                                pinned: Set<PowerFeature> = [])
        -> (TimeModel, HostModel, PowerCoefficients) {
        let hosts = HostGroups(hosts: [host], ofRow: rows.map { _ in 0 }, adapt: [{ $0 }])
        let (t, h, power) = fitJoint(rows, gpu: gpu, start: start, hosts: hosts, parameters: parameters.map { ($0, 0) },
                                     prior: prior, priorWeight: priorWeight, clock: fixedClock, pinned: pinned)
        return (t, h[0], power)
    }

    /// The hosts one fit searches, one per group of rows that share a host (a user's runs of one
    /// framework on the GPU), and how the shared time model runs under each group's kernels
    /// (`Framework.timeModel`). One GPU's runs can mix frameworks: each is predicted with its own.
    struct HostGroups {
        var hosts: [HostModel]
        /// Index into `hosts` of each row.
        var ofRow: [Int]
        /// The shared time model as each group runs it.
        var adapt: [(TimeModel) -> TimeModel]
    }

    /// `fitJoint` over several host groups: a time parameter is shared by all of them, a host
    /// parameter (`launch`, `passOverhead`, `perSequenceOverhead`) belongs to the group named
    /// beside it. With one group this is the single-host fit, operation for operation.
    static func fitJoint(_ rows: [CalibrationRow], gpu: GPUSpec, start: TimeModel, hosts: HostGroups,
                         parameters: [(parameter: TimeParameter, group: Int)], prior: PowerCoefficients,
                         priorWeight: Double = defaultPriorWeight, clock fixedClock: Frequency? = nil,
                         pinned: Set<PowerFeature> = [])
        -> (TimeModel, [HostModel], PowerCoefficients) {
        let params = parameters.map { p, g in
            CoordinateSearch.Parameter(value: p.get(start, hosts.hosts[g], gpu: gpu).clamped(to: p.range), range: p.range)
        }
        func models(_ v: [Double]) -> (TimeModel, [HostModel]) {
            var t = start, h = hosts.hosts
            for ((p, g), x) in zip(parameters, v) where !p.isDecodeTraffic { p.set(x, &t, &h[g], gpu: gpu) }
            for ((p, g), x) in zip(parameters, v) where p.isDecodeTraffic { p.set(x, &t, &h[g], gpu: gpu) }
            return (t, h)
        }
        let probe = PowerModel(gpu: gpu, coefficients: prior, capHoldFraction: 1)
        // Rows whose time the model can reproduce without knowing the throttled clock.
        let timed = rows.map { $0.measuredClock != nil || !$0.powerLimited }
        func evaluate(_ v: [Double], pinned: Set<PowerFeature> = []) -> (Double, PowerCoefficients) {
            let (t, h) = models(v)
            let estimators = h.indices.map { PassEstimator(gpu: gpu, power: probe, timeModel: hosts.adapt[$0](t), host: h[$0]) }
            var timeLoss = 0.0, n = 0
            var predictions: [RowPrediction] = []
            for (i, (r, ok)) in zip(rows, timed).enumerated() {
                let clock = fixedClock ?? r.measuredClock ?? r.lockedClock
                let e = RowPrediction.of(r) { estimators[hosts.ofRow[i]].run($0, at: clock, cap: nil) }
                predictions.append(e)
                if ok && r.measuredTime.seconds > 0 { timeLoss += abs(log(e.time.seconds / r.measuredTime.seconds)); n += 1 }
            }
            let fit = solvePower(rows, predictions, gpu: gpu, prior: prior, priorWeight: priorWeight, clock: fixedClock,
                                 pinned: pinned)
            // Rows without a power measurement (latency profiles) fit on time alone.
            return (timeLoss / Double(max(1, n)) + (fit.residual.isFinite ? fit.residual : 0), fit.coefficients)
        }
        let best = CoordinateSearch.minimize(params) { evaluate($0).0 }
        let (t, h) = models(best)
        return (t, h, evaluate(best, pinned: pinned).1)
    }

    /// Predictions for every row with the full estimator path (locked clock, power cap).
    public static func predict(_ rows: [CalibrationRow], estimator: PassEstimator) -> [RowPrediction] {
        rows.map { r in RowPrediction.of(r) { estimator.estimate($0, clock: r.lockedClock, powerCap: r.powerCap) } }
    }

    /// Summary and residuals of predictions against rows.
    public static func summarize(_ rows: [CalibrationRow], _ predictions: [RowPrediction]) -> (FitSummary, [FitResidual]) {
        let power = ErrorMetrics(predicted: predictions.map(\.averagePower.watts), measured: rows.map(\.measuredPower.watts))
        let energy = ErrorMetrics(predicted: predictions.map(\.energy.joules), measured: rows.map(\.measuredEnergy.joules))
        let time = ErrorMetrics(predicted: predictions.map(\.time.seconds), measured: rows.map(\.measuredTime.seconds))
        let residuals = zip(rows, predictions).map { r, p in
            FitResidual(label: r.label, measuredPowerWatts: r.measuredPower.watts, predictedPowerWatts: p.averagePower.watts,
                        measuredTimeSeconds: r.measuredTime.seconds, predictedTimeSeconds: p.time.seconds)
        }
        return (FitSummary(rows: rows.count, powerMAPE: power.mape, energyMAPE: energy.mape, timeMAPE: time.mape), residuals)
    }
}
