import Foundation
import KernelPower

/// A bundled catalog of published measurements, `{"schemaVersion": 1, "description": …,
/// "points": [{…}, …]}`, read strictly: each point's keys are checked by `point` and nothing else
/// may appear. `gemm-throughput.json`, `roofline-power.json` and `serving-energy.json` share this shape.
enum PublishedPoints {
    static func bundled<P>(_ resource: String, _ point: (inout JSONObjectReader) throws -> P) throws -> [P] {
        guard let url = Bundle.module.url(forResource: resource, withExtension: "json") else {
            throw InputError.unreadable(file: "\(resource).json", reason: "bundled resource missing")
        }
        return try load(try Data(contentsOf: url), file: "\(resource).json", point)
    }

    /// `kernel` launched `repeats` times back to back on `gpu` at its boost clock under its TDP as
    /// the power limit, the host never in the way (a benchmark loop of one kernel), with the
    /// calibration's coefficients for that GPU (carried over when it has no fit of its own).
    /// `clock` locks another clock than the boost one (a benchmark run at the base clock).
    static func benchmarkLoop(_ kernel: Kernel, repeats: Int, gpu: GPUSpec, calibration: CoefficientFile, clock: Frequency? = nil) -> PassEstimate {
        benchmarkLoop(kernel, repeats: repeats, gpu: gpu, set: calibration.coefficients(for: gpu), capHold: calibration.capHoldFraction, clock: clock)
    }

    /// The same loop with a coefficient set in hand (during a fit, before any file exists).
    static func benchmarkLoop(_ kernel: Kernel, repeats: Int, gpu: GPUSpec, set: CoefficientSet, capHold: Double,
                              clock: Frequency? = nil) -> PassEstimate {
        let power = PowerModel(gpu: gpu, coefficients: set.power, capHoldFraction: capHold)
        let estimator = PassEstimator(gpu: gpu, power: power, timeModel: set.timeModel,
                                      host: HostModel(launchTime: .zero, passOverhead: .zero))
        let program = KernelProgram(blocks: [.init(name: kernel.name, kernels: [kernel], repeats: repeats)])
        return estimator.estimate(program, clock: clock ?? gpu.boostClock, powerCap: gpu.tdp)
    }

    /// One record per point, each predicted on its own GPU; a point that names a GPU the catalog
    /// lacks is listed as not estimated, with the closest ids.
    static func records<P>(_ points: [P], estimator: Estimator, catalog: String, dataset: String, metric: String,
                           describe: (P) -> (gpu: String, group: String, label: String, measured: Double),
                           predict: (P, GPUSpec) -> Double) -> MLEnergyValidation.Result {
        var out = MLEnergyValidation.Result(records: [], skipped: [])
        for p in points {
            let d = describe(p)
            do {
                let gpu = try estimator.gpus.gpu(d.gpu, context: catalog)
                out.records.append(ValidationRecord(dataset: dataset, gpu: gpu.id, group: d.group, metric: metric,
                                                    label: d.label, measured: d.measured, predicted: predict(p, gpu)))
            } catch {
                out.skipped.append((d.label, "\(error)"))
            }
        }
        return out
    }

    static func load<P>(_ data: Data, file: String, _ point: (inout JSONObjectReader) throws -> P) throws -> [P] {
        var top = try JSONObjectReader(try JSONParser.parse(data, file: file), file: file, path: "")
        _ = try top.schemaVersion(highest: 1)
        _ = try top.optionalString("description")
        let points = try top.array("points").enumerated().map { i, v -> P in
            var o = try JSONObjectReader(v, file: file, path: "points[\(i)]")
            let p = try point(&o)
            try o.finish()
            return p
        }
        try top.finish()
        return points
    }
}
