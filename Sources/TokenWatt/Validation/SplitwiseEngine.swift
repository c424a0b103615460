import KernelPower

/// The Splitwise engine characterized on each of its machines, as a user would calibrate their
/// own: the latency profiles of one DGX (no power was recorded) refit the `vllm-eager` host (per
/// launch, per pass, per sequence) and the kernel efficiencies a 2023 software stack sets (tensor,
/// memory, link), the other kernel constants and all energies staying the bundled ones.
///
/// What is reported says how far the model's structure carries once a machine is characterized:
/// each (model, TP) group forecast by a fit that never saw it, and the H100 forecast by the A100's
/// engine (the host is the machine's too). The 350 W-capped H100 profiles are not refitted or
/// forecast here: they are derived from the uncapped ones (`SplitwiseDerived.swift`). The bundled
/// estimate, which knows none of this, is the `splitwise` data set's headline score.
extension Generalization {
    /// What a machine's profiles refit.
    static let splitwiseEngineParameters: [Calibrator.TimeParameter] =
        [.launch, .passOverhead, .perSequenceOverhead, .tensorEfficiency, .memoryEfficiency, .linkEfficiency]

    /// The profiled machines (Splitwise hardware labels; `SplitwiseValidation.gpus` maps them to the catalog).
    static let splitwiseMachines = ["a100-80gb", "h100-80gb"]

    static func splitwiseGPU(_ hardware: String) throws -> GPUSpec {
        try GPUCatalog.bundled.gpu(SplitwiseValidation.gpus[hardware]?.0 ?? hardware)
    }

    /// A machine's fitted engine: the time model its kernels ran under and its host.
    public struct EngineFit: Sendable {
        public var timeModel: TimeModel
        public var host: HostModel
    }

    public static func splitwiseEngine(dataDirectory: String) throws -> (rows: [Row], fits: [String: EngineFit]) {
        let all = try SplitwiseValidation.profiles(dataDirectory: dataDirectory).profiles
        func on(_ hardware: String) -> [SplitwiseValidation.Profile] { all.filter { $0.config.hardware == hardware } }
        var rows: [Row] = [], fits: [String: EngineFit] = [:]
        for hardware in splitwiseMachines {
            let gpu = try splitwiseGPU(hardware)
            let mine = on(hardware)
            let fit = fitSplitwiseEngine(mine, gpu: gpu)
            fits[hardware] = fit
            rows += summarize(splitwiseRecords(mine, fit, gpu),
                              experiment: "\(hardware) with the Splitwise engine fitted on its profiles (\(describe(fit))) (in sample)")
            var held: [ValidationRecord] = []
            for group in Set(mine.map { GroupKey(model: $0.config.model, tp: $0.config.tp) }).sorted(by: { ($0.model, $0.tp) < ($1.model, $1.tp) }) {
                let without = fitSplitwiseEngine(mine.filter { !group.holds($0.config) }, gpu: gpu)
                held += splitwiseRecords(mine.filter { group.holds($0.config) }, without, gpu)
            }
            rows += summarize(held, experiment: "\(hardware), each (model, TP) group forecast by the Splitwise engine fitted without it")
        }
        if let a100 = fits["a100-80gb"] {
            rows += summarize(splitwiseRecords(on("h100-80gb"), a100, try splitwiseGPU("h100-80gb")),
                              experiment: "h100-80gb forecast by the Splitwise engine fitted on a100-80gb")
        }
        return (rows, fits)
    }

    /// One (model, tensor-parallel) group of profiles.
    struct GroupKey: Hashable {
        let model: String, tp: Int
        func holds(_ c: SplitwiseValidation.Config) -> Bool { c.model == model && c.tp == tp }
    }

    /// The engine refitted on `profiles`, started from the bundled constants.
    static func fitSplitwiseEngine(_ profiles: [SplitwiseValidation.Profile], gpu: GPUSpec) -> EngineFit {
        let estimator = Estimator()
        let set = estimator.calibration.coefficients(for: gpu)
        let rows = SplitwiseValidation.calibrationRows(profiles, estimator: estimator)
        let (time, host, _) = Calibrator.fitJoint(rows, gpu: gpu, start: estimator.servingTimeModel(set, gpu: gpu),
                                                  host: estimator.defaultHost(for: .vllmEager, set: set),
                                                  parameters: splitwiseEngineParameters, prior: set.power)
        return EngineFit(timeModel: time, host: host)
    }

    /// `profiles` scored with `fit` as `gpu`'s engine.
    static func splitwiseRecords(_ profiles: [SplitwiseValidation.Profile], _ fit: EngineFit, _ gpu: GPUSpec) -> [ValidationRecord] {
        SplitwiseValidation.score(profiles, estimator: Estimator(calibration: bundled(with: fit, on: gpu))).records
    }

    /// The bundled coefficients with `fit` as `gpu`'s `vllm-eager` engine; a GPU without a fit of
    /// its own gets one, its energies carried over as the bundled file would carry them.
    static func bundled(with fit: EngineFit, on gpu: GPUSpec) -> CoefficientFile {
        let full = CoefficientFile.bundled
        var set = full.coefficients(for: gpu)
        set.timeModel = fit.timeModel
        set.hosts[Framework.vllmEager.hostKey] = fit.host
        let own = FittedGPU(gpuID: gpu.id, set: set, summary: FitSummary(rows: 0, powerMAPE: 0, energyMAPE: 0, timeMAPE: 0),
                            residuals: [])
        return CoefficientFile(capHoldFraction: full.capHoldFraction, fitted: full.fitted.filter { $0.gpuID != gpu.id } + [own],
                               provenance: "bundled, with the Splitwise engine fitted on \(gpu.id)")
    }

    static func describe(_ fit: EngineFit) -> String {
        func n(_ x: Double) -> String { formatNumber(x, significant: 3) }
        return "\(n(fit.host.launchTime.microseconds)) µs per launch, \(n(fit.host.passOverhead.microseconds)) µs per pass, "
            + "\(n(fit.host.perSequenceOverhead.microseconds)) µs per sequence; tensor \(n(fit.timeModel.tensorEfficiency)), "
            + "memory \(n(fit.timeModel.memoryEfficiency)), link \(n(fit.timeModel.linkEfficiency)) of peak"
    }
}
