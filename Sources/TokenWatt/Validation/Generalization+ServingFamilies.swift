import KernelPower

/// The serving fit's error out of sample. The H100's ML.ENERGY v3 rows are the runs its bundled
/// coefficients were fitted on, so their scores in `validate` are fit residuals (223 of the
/// H100's 290 band runs, `ErrorBands.caveat`). Here each model family of the fit is left out in
/// turn: the H100 is refitted on the other families' rows, from the same Ampere carry-over, and
/// forecasts the family's runs. Pooled over the families, those forecasts are the v3 error a new
/// model family can expect; the same runs under the bundled fit are printed beside them.
extension Generalization {
    /// One refit: the family left out, the rows it is fitted on, the labels of the runs it forecasts.
    public struct ServingFold: Sendable {
        public var family: String
        public var training: [CalibrationRow]
        /// Labels of the runs left out; a run measured twice with one setting has one label and two rows.
        public var heldOut: Set<String>
        public var heldOutRuns: Int
    }

    /// The folds of the serving fit's rows, one per model family in the order the families first
    /// appear. A family's held-out runs are its rows of the fit only: a run the fit leaves out
    /// anyway (Llama 4 Scout beside Maverick, `ServingCalibration.outsideFit`) is a forecast under
    /// every fit and is not counted as this family's.
    public static func servingFolds(_ rows: [CalibrationRow], gpu: String) -> [ServingFold] {
        var families: [String] = []
        for r in rows {
            let family = String(r.group.dropFirst(gpu.count + 1))
            if !families.contains(family) { families.append(family) }
        }
        return families.map { family in
            let group = "\(gpu)/\(family)"
            let held = rows.filter { $0.group == group }
            return ServingFold(family: family, training: rows.filter { $0.group != group },
                               heldOut: Set(held.map(\.label)), heldOutRuns: held.count)
        }
    }

    /// What the serving refits give: the generalization rows, and the fit runs' forecast records
    /// (what `ServingRefitForecasts` keeps and the bands count).
    public struct ServingRefits: Sendable {
        public var rows: [Row]
        public var forecasts: [ValidationRecord]
    }

    /// The serving GPU, its fit's rows and what the Ampere fits carry over to it: what every
    /// refit starts from, as `BuiltinCalibration.run` does.
    public struct ServingFitStart: Sendable {
        public var gpu: GPUSpec
        public var partial: CoefficientFile
        public var rows: [CalibrationRow]

        public init(dataDirectory: String) throws {
            let full = CoefficientFile.bundled
            gpu = try GPUCatalog.bundled.gpu(BuiltinCalibration.servingFitGPU)
            let id = gpu.id
            partial = CoefficientFile(capHoldFraction: full.capHoldFraction, fitted: full.fitted.filter { $0.gpuID != id },
                                      provenance: "without \(id)")
            rows = ServingCalibration.rows(try MLEnergyData.load(dataDirectory: dataDirectory), gpu: id,
                                           estimator: Estimator(calibration: partial))
        }

        public var folds: [ServingFold] { Generalization.servingFolds(rows, gpu: gpu.id) }

        /// TokenWatt's v3 records of `fold`'s runs under the GPU refitted without them.
        public func forecast(_ fold: ServingFold, dataDirectory: String) throws -> [ValidationRecord] {
            let fit = try BuiltinCalibration.servingFit(fold.training, gpu: gpu, partial: partial, gpus: GPUCatalog.bundled,
                                                        source: "ML.ENERGY v3 without \(fold.family)")
            let file = CoefficientFile(capHoldFraction: partial.capHoldFraction, fitted: partial.fitted + [fit],
                                       provenance: "without \(gpu.id)/\(fold.family)")
            return try Generalization.records(dataDirectory: dataDirectory, estimator: Estimator(calibration: file), gpu: gpu.id,
                                              labels: fold.heldOut)
        }
    }

    /// Leave one model family out of the H100 serving fit. Rows: each family forecast by a fit
    /// without it, then every fit run pooled out of sample and, for comparison, in sample.
    public static func leaveOneServingFamilyOut(dataDirectory: String) throws -> ServingRefits {
        let start = try ServingFitStart(dataDirectory: dataDirectory)
        let id = start.gpu.id
        var out: [Row] = []
        var forecasts: [ValidationRecord] = []
        for fold in start.folds {
            let held = try start.forecast(fold, dataDirectory: dataDirectory)
            forecasts += held
            out += summarize(held, experiment: "\(id) without \(fold.family) (\(fold.heldOutRuns) fit runs)")
        }
        let inSample = try records(dataDirectory: dataDirectory, estimator: Estimator(), gpu: id, labels: Set(start.rows.map(\.label)))
        let runs = "\(start.rows.count) \(id) fit runs"
        out += summarize(forecasts, experiment: "\(runs), each family forecast by a fit without it")
            + summarize(inSample, experiment: "\(runs), the bundled fit (in sample)")
        return ServingRefits(rows: out, forecasts: forecasts)
    }

    /// TokenWatt's v3 records of the named runs on `gpu` under `estimator`.
    static func records(dataDirectory: String, estimator: Estimator, gpu: String, labels: Set<String>) throws -> [ValidationRecord] {
        try MLEnergyValidation.run(dataDirectory: dataDirectory, estimator: estimator).records
            .filter { $0.gpu == gpu && $0.estimator == "tokenwatt" && labels.contains($0.label) }
    }
}
