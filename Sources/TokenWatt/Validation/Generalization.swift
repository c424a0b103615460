import KernelPower

/// Generalization shown, not claimed: coefficients fitted without a GPU (or a model family)
/// forecast it, and the forecast error is reported.
public enum Generalization {
    public struct Row: Sendable {
        /// e.g. "a10 from a100-pcie-40gb" or "a100-pcie-40gb without opt".
        public var experiment: String
        public var dataset: String
        public var metric: String
        public var metrics: ErrorMetrics
    }

    /// Every refit `validate` reports (minutes): the rows of its Generalization table, and the
    /// serving refits' records, which also re-draw the H100's band out of sample.
    public static func all(dataDirectory: String) throws -> (rows: [Row], serving: ServingRefits) {
        let serving = try leaveOneServingFamilyOut(dataDirectory: dataDirectory)
        let rows = try leaveOneGPUOut(dataDirectory: dataDirectory) + leaveOneFamilyOut(dataDirectory: dataDirectory) + serving.rows
            + softwareStack(dataDirectory: dataDirectory).rows + splitwiseEngine(dataDirectory: dataDirectory).rows
        return (rows, serving)
    }

    /// Leave one GPU out: forecast each measured GPU from calibrations that exclude it.
    public static func leaveOneGPUOut(dataDirectory: String) throws -> [Row] {
        let full = CoefficientFile.bundled
        let energaizer = try EnergAIzerData.load(dataDirectory: dataDirectory)
        var rows: [Row] = []
        for (target, source) in [("a10", "a100-pcie-40gb"), ("a100-pcie-40gb", "a10")] {
            let file = CoefficientFile(capHoldFraction: full.capHoldFraction,
                                       fitted: full.fitted.filter { $0.gpuID == source }, provenance: "without \(target)")
            let records = try EnergAIzerValidation.records(rows: energaizer.filter { $0.gpuID == target }, estimator: Estimator(calibration: file))
            rows += summarize(records, experiment: "\(target) forecast from \(source) only")
        }
        // H100 serving from the Ampere fits alone (what the carry-over gives before the H100 fit).
        let ampere = CoefficientFile(capHoldFraction: full.capHoldFraction, fitted: full.fitted.filter { $0.gpuID != "h100-sxm" },
                                     provenance: "without h100-sxm")
        let v3 = try MLEnergyValidation.run(dataDirectory: dataDirectory, estimator: Estimator(calibration: ampere))
        rows += summarize(v3.records.filter { $0.gpu == "h100-sxm" }, experiment: "h100-sxm forecast from a100-pcie-40gb and a10")
        return rows + energaizerFromAmpere(energaizer, ampere: ampere)
    }

    /// EnergAIzer rows of GPUs it does not fit (the artifact's held-back H100 runs, when dropped
    /// in), forecast from the Ampere fits alone, as EnergAIzer forecasts them. A row the
    /// estimator refuses is listed by the scored set already.
    static func energaizerFromAmpere(_ energaizer: [EnergAIzerRow], ampere: CoefficientFile) -> [Row] {
        let others = energaizer.filter { !EnergAIzerData.fittedGPUs.contains($0.gpuID) }
        let estimator = Estimator(calibration: ampere)
        return Set(others.map(\.gpuID)).sorted().flatMap { gpu in
            let records = others.filter { $0.gpuID == gpu }.flatMap { row in
                (try? EnergAIzerValidation.records(row: row, estimator: estimator)) ?? []
            }
            return summarize(records, experiment: "\(gpu) forecast from a100-pcie-40gb and a10")
        }
    }

    /// Leave one model family out of the EnergAIzer fits: refit each GPU without a family and
    /// forecast that family.
    public static func leaveOneFamilyOut(dataDirectory: String) throws -> [Row] {
        let all = try BuiltinCalibration.rows(dataDirectory: dataDirectory)
        let hold = BuiltinCalibration.capHold(all)
        let energaizer = try EnergAIzerData.load(dataDirectory: dataDirectory)
        var out: [Row] = []
        for gpuID in EnergAIzerData.fittedGPUs {
            let gpu = try GPUCatalog.bundled.gpu(gpuID)
            let gpuRows = all.filter { $0.gpu.id == gpuID }
            let families = Array(Set(energaizer.filter { $0.gpuID == gpuID }.map(\.model))).sorted()
            for family in families {
                let training = gpuRows.filter { !$0.group.hasSuffix("/\(modelFamily(family))") }
                guard training.count >= 8 else { continue }
                let fit = BuiltinCalibration.fit(gpu: gpu, rows: training, capHold: hold, source: "EnergAIzer without \(family)")
                let file = CoefficientFile(capHoldFraction: hold, fitted: [fit], provenance: "without \(family)")
                let held = energaizer.filter { $0.gpuID == gpuID && $0.model == family }
                let records = try EnergAIzerValidation.records(rows: held, estimator: Estimator(calibration: file))
                out += summarize(records, experiment: "\(gpuID) without \(family)")
            }
        }
        return out
    }

    /// The software stack, measured: ML.ENERGY v2 ran vLLM 0.5.4, which schedules synchronously.
    /// Its H100 runs refit the `vllm` host alone (per-step and per-sequence idle time; the kernels
    /// and energies per operation stay the bundled ones), and the refitted host forecasts the A100 runs.
    public static func softwareStack(dataDirectory: String) throws -> (rows: [Row], host: HostModel) {
        let full = CoefficientFile.bundled
        guard let h100 = full.fittedSet(for: "h100-sxm"), let start = h100.set.hosts["vllm"] else { return ([], Estimator.defaultVLLMHost) }
        let gpu = try GPUCatalog.bundled.gpu("h100-sxm")
        let rows = try MLEnergyV2Validation.calibrationRows(dataDirectory: dataDirectory, gpu: gpu.id, estimator: Estimator())
        let (_, host, _) = Calibrator.fitJoint(rows, gpu: gpu, start: h100.set.timeModel, host: start,
                                               parameters: [.passOverhead, .perSequenceOverhead], prior: h100.set.power, clock: gpu.boostClock)
        let v2 = try MLEnergyV2Validation.run(dataDirectory: dataDirectory, estimator: Estimator(calibration: bundled(with: host, for: .vllm)))
        let stack = "vLLM 0.5.4 host fitted on mlenergy-v2 h100-sxm (\(formatNumber(host.passOverhead.microseconds, significant: 3)) µs "
            + "per step + \(formatNumber(host.perSequenceOverhead.microseconds, significant: 3)) µs per sequence idle)"
        return (summarize(v2.records.filter { $0.gpu == "h100-sxm" }, experiment: "h100-sxm with the \(stack) (in sample)")
                    + summarize(v2.records.filter { $0.gpu == "a100-sxm-40gb" }, experiment: "a100-sxm-40gb forecast with the \(stack)"),
                host)
    }

    /// The bundled coefficients with `host` as every fitted GPU's host for `framework`. A set that had
    /// no serving host takes the serving time model with it, as the bundled file gives it: the
    /// serving host key alone would otherwise mark its HF-eager time model as fitted on serving.
    static func bundled(with host: HostModel, for framework: Framework) -> CoefficientFile {
        let full = CoefficientFile.bundled
        let estimator = Estimator(calibration: full)
        return CoefficientFile(capHoldFraction: full.capHoldFraction, fitted: full.fitted.map { f in
            var g = f
            if estimator.servingBase(for: f.set) != nil, let gpu = try? estimator.gpus.gpu(f.gpuID) {
                g.set.timeModel = estimator.servingTimeModel(f.set, gpu: gpu)
            }
            g.set.hosts[framework.hostKey] = host
            return g
        }, provenance: "bundled, \(framework.hostKey) host refitted")
    }

    static func modelFamily(_ dataName: String) -> String {
        (try? ModelCatalog.bundled.model(dataName).family) ?? dataName
    }

    static func summarize(_ records: [ValidationRecord], experiment: String) -> [Row] {
        let mine = records.filter { $0.estimator == "tokenwatt" }
        var keys: [String] = []
        for r in mine where !keys.contains("\(r.dataset)|\(r.metric)") { keys.append("\(r.dataset)|\(r.metric)") }
        return keys.map { key in
            let parts = key.split(separator: "|").map(String.init)
            let rs = mine.filter { $0.dataset == parts[0] && $0.metric == parts[1] }
            return Row(experiment: experiment, dataset: parts[0], metric: parts[1],
                       metrics: ErrorMetrics(predicted: rs.map(\.predicted), measured: rs.map(\.measured)))
        }
    }
}
