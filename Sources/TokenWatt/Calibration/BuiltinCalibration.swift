import KernelPower

/// The calibration shipped with TokenWatt (`tokenwatt calibrate --builtin`): per measured GPU,
/// time-model efficiencies and host costs fitted on measured pass times, then energy per
/// operation by NNLS on measured power, and the power-limiter hold on the power-limited runs.
/// Data: the EnergAIzer forward-pass measurements (A100-40GB-PCIe and A10, HF eager prefill).
public enum BuiltinCalibration {
    public static let provenance =
        "../shared/data/energaizer-prefill/forward_pass_measurements.csv: language-model rows with status ok " +
        "(A100-40GB-PCIe fixed 900 MHz and DVFS 510-1410 MHz; A10 fixed 900 MHz); power-limited rows fit only capHoldFraction. " +
        "../shared/data/mlenergy-benchmark-v3/llm_runs.csv: H100 text-task runs of supported models (\(servingFitEngine)), " +
        "prompt lengths 224/634/2500 tokens for lm-arena-chat/gpqa/sourcegraph-fim (the benchmark authors' Qwen3-32B means from a draft of their v3.0 post, ml-energy/blog 2bfa158; 2500 assumed); runs above 92 % of TDP are left out of the power fit"

    /// The serving engine and release the serving fit's runs were measured under (ML.ENERGY v3's
    /// `llm_runs.csv`), whose fit (fused-kernel efficiency, per-step host time) the fused engines
    /// are priced with: `report` names it beside each deployment's framework.
    public static let servingFitEngine = "vLLM 0.11.1"

    /// The GPU fitted on serving runs (ML.ENERGY v3); `ErrorBands.bundledFitRuns` counts its rows.
    public static let servingFitGPU = "h100-sxm"

    /// Prepares the measurements of the EnergAIzer data set as calibration rows: those of the GPUs
    /// it fits (`EnergAIzerData.fittedGPUs`), so that rows of another GPU dropped into the file
    /// (the held-back H100 runs) stay a forecast and do not move the power-limiter hold either.
    public static func rows(dataDirectory: String, estimator: Estimator = Estimator()) throws -> [CalibrationRow] {
        try EnergAIzerData.load(dataDirectory: dataDirectory, catalog: estimator.gpus)
            .filter { EnergAIzerData.fittedGPUs.contains($0.gpuID) }
            .map { try calibrationRow($0, estimator: estimator) }
    }

    static func calibrationRow(_ row: EnergAIzerRow, estimator: Estimator) throws -> CalibrationRow {
        let request = row.request()
        let d = try estimator.deployment(request.deployment, context: row.label)
        let program = try PhasePlanner(deployment: d, includeLMHead: false)
            .program(for: .prefill(batch: row.batch, tokens: row.sequenceLength))
        return CalibrationRow(
            label: row.label, group: "\(row.gpuID)/\(d.model.family)", gpu: d.gpu, passes: [(program, 1)],
            lockedClock: .megahertz(row.lockedClockMHz), measuredClock: .megahertz(row.averageClockMHz),
            powerCap: .watts(row.powerLimitWatts), powerLimited: row.powerLimited,
            measuredTime: .seconds(row.timeSeconds), measuredPower: .watts(row.powerWatts))
    }

    /// The energy a prefill-only fit cannot identify. In a prefill pass the SMs are busy exactly as
    /// long as the tensor cores are, so tensor FLOPs and active SM-cycles rise together and the fit
    /// puts nearly all of their power on one of them: free, the A100 fit had 0.18 pJ per tensor
    /// FLOP against the 0.70 pJ Antepara et al. measured, and 1.67 nJ per active SM-cycle, which
    /// a memory-bound decode step (SMs active, tensor cores nearly idle) then paid in full. The
    /// tensor energy is held at its published value; the H100 fit, whose serving rows separate the
    /// two, lands near its own published value unpinned (0.55 against 0.52 pJ).
    public static let prefillPinned: Set<PowerFeature> = [.tensor]

    /// Fits one GPU on its rows.
    public static func fit(gpu: GPUSpec, rows: [CalibrationRow], capHold: Double, source: String) -> FittedGPU {
        let prior = PowerCoefficients.published(for: gpu)
        let startHost = HostModel(launchTime: .microseconds(25), passOverhead: .microseconds(100))
        let (timeModel, host, power) = Calibrator.fitJoint(
            rows, gpu: gpu, start: .starting, host: startHost,
            parameters: [.launch, .passOverhead, .tensorEfficiency, .memoryEfficiency, .kernelOverhead, .cudaCoreEfficiency,
                         .streamBytesPerCyclePerSM],
            prior: prior, pinned: prefillPinned)
        let model = PowerModel(gpu: gpu, coefficients: power, capHoldFraction: capHold)
        let predictions = Calibrator.predict(rows, estimator: PassEstimator(gpu: gpu, power: model, timeModel: timeModel, host: host))
        let (summary, residuals) = Calibrator.summarize(rows, predictions)
        let set = CoefficientSet(power: power, timeModel: timeModel, hosts: ["hf": host],
                                 provenance: "fitted on \(rows.count) \(source) rows of \(gpu.id)")
        return FittedGPU(gpuID: gpu.id, set: set, summary: summary, residuals: residuals)
    }

    /// The power-limiter hold: mean measured power over the cap of the power-limited rows.
    public static func capHold(_ rows: [CalibrationRow]) -> Double {
        let limited = rows.filter(\.powerLimited)
        guard !limited.isEmpty else { return 0.96 }
        return limited.map { $0.measuredPower / $0.powerCap }.reduce(0, +) / Double(limited.count)
    }

    /// Runs the whole built-in calibration.
    public static func run(dataDirectory: String) throws -> CoefficientFile {
        let estimator = Estimator()
        let all = try rows(dataDirectory: dataDirectory, estimator: estimator)
        let hold = capHold(all)
        var fitted: [FittedGPU] = []
        for gpuID in EnergAIzerData.fittedGPUs {
            let gpu = try estimator.gpus.gpu(gpuID)
            let rows = all.filter { $0.gpu.id == gpuID }
            guard !rows.isEmpty else { continue }
            fitted.append(fit(gpu: gpu, rows: rows, capHold: hold, source: "EnergAIzer"))
        }
        // H100 from serving measurements, starting from what Ampere carries over to it.
        let h100 = try estimator.gpus.gpu(servingFitGPU)
        let partial = CoefficientFile(capHoldFraction: hold, fitted: fitted, provenance: provenance)
        let servingRows = ServingCalibration.rows(try MLEnergyData.load(dataDirectory: dataDirectory), gpu: h100.id,
                                                  estimator: Estimator(calibration: partial))
        fitted.append(try servingFit(servingRows, gpu: h100, partial: partial, gpus: estimator.gpus))
        return CoefficientFile(capHoldFraction: hold, fitted: fitted, provenance: provenance)
    }

    /// The serving GPU's fit on its ML.ENERGY v3 rows, starting from what the Ampere fits in
    /// `partial` carry over to it. One function for the bundled fit and for the refits that leave
    /// a model family out (`Generalization.leaveOneServingFamilyOut`), so that a refit differs
    /// from the bundled fit only in the rows it sees.
    public static func servingFit(_ rows: [CalibrationRow], gpu: GPUSpec, partial: CoefficientFile, gpus: GPUCatalog,
                                  source: String = "ML.ENERGY v3") throws -> FittedGPU {
        try ServingCalibration.fit(gpu: gpu, rows: rows, start: partial.coefficients(for: gpu), capHold: partial.capHoldFraction,
                                   source: source, attention: (PublishedAttention.hopperFit, gpus))
    }
}
