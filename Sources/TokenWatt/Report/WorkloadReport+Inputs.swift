import Foundation
import KernelPower

/// What the report gathers at build, where the runner's estimator and data folder are at hand:
/// the files its figures were read from, fingerprinted, and each served deployment's serving
/// settings in `estimate`'s words. A compliance probe (2026-12-08) found the regenerate line's
/// build fingerprint unchanged by an edited trace CSV or workload file that changed the figures,
/// and no word of the framework, KV cache, memory share, step budget, sampler or clock.
extension WorkloadReport {
    /// One served deployment's serving settings, as `estimate`'s assumptions word them.
    public struct ServingSettings: Sendable {
        public var scenario: String
        public var deployment: String
        public var gpu: String
        /// `QueryEstimate.batchingAssumption`: framework, batching and step budget.
        public var batching: String
        /// `QueryEstimate.layoutAssumption`: GPUs, layout, weights, KV-cache precision, memory share.
        public var layout: String
        /// `QueryEstimate.samplingAssumption`, or the direct sampler's words where it has none.
        public var sampling: String
        /// `QueryEstimate.clockAssumption` and the power cap.
        public var clock: String
        /// The settings the workload leaves to defaults, and what each default is.
        public var defaults: [String]
        /// The fused engines' serving fit, where the deployment is priced with it.
        public var servingFit: String?
        /// What the GPU's power coefficients were fitted on (`CoefficientSet.provenance`).
        public var coefficients: String
    }

    /// The files this report's figures were read from besides the bundled catalogs: the
    /// workload file (named as the regenerate line names it) and every data file it read.
    var inputList: [(role: String, path: String, base: String?, fnv1a64: String, readme: String?)] {
        let own = workload.fingerprint.map { [(role: "workload file", path: source, base: String?.none, fnv1a64: $0, readme: String?.none)] } ?? []
        return own + inputs.map { ($0.role, $0.path, $0.base == .absolute ? nil : $0.base.rawValue, $0.fnv1a64, $0.readme) }
    }

    /// The header's sentence of fingerprints, nil where the report read no file (built in code).
    var inputsWords: String? {
        let list = inputList
        guard !list.isEmpty else { return nil }
        return "Inputs, by the FNV-1a 64 of their bytes (other bytes give other figures under the same command, so check these before comparing a rerun): "
            + list.map { "\($0.role) \(ReportDocument.code($0.path))\($0.base.map { " (\($0))" } ?? "") fnv1a64:\($0.fnv1a64)" }.joined(separator: "; ") + "."
    }

    /// The JSON's `inputs`: paths as the workload names them, relative to `relativeTo` (null: the
    /// folder the command is run from for the workload file, or an absolute path).
    func inputsJSON() -> JSONValue {
        .array(inputList.map { i in
            .obj([("role", .str(i.role)), ("path", .str(i.path)), ("relativeTo", i.base.map(JSONValue.str) ?? .null),
                  ("fnv1a64", .str(i.fnv1a64)), ("readme", i.readme.map(JSONValue.str) ?? .null)])
        })
    }

    /// The throughput tables the run read from the data folder, fingerprinted (the reader leaves
    /// them to the runner, which reads them at run time).
    static func tableInputs(_ w: Workload, dataDirectory: String?) -> [WorkloadInput] {
        var out: [WorkloadInput] = []
        for s in w.scenarios {
            guard case let .throughputTable(t) = s.kind, !out.contains(where: { $0.path == t.file }),
                  let full = DataDirectory.file(t.file, in: dataDirectory),
                  let input = WorkloadInput.read(role: "throughput table", name: t.file, full: full, base: .dataFolder) else { continue }
            out.append(input)
        }
        return out
    }

    /// Each kernel scenario's served deployments' settings, resolved as the fleet resolves them.
    static func servingSettings(_ w: Workload, estimator: Estimator) throws -> [ServingSettings] {
        var out: [ServingSettings] = []
        for s in w.scenarios {
            guard case let .kernel(k) = s.kind else { continue }
            for named in Capacity.served(k) {
                let d = try estimator.deployment(named.request, context: "scenario \(s.name), deployment \(named.name)")
                out.append(settings(named, d, scenario: s.name, estimator: estimator))
            }
        }
        return out
    }

    static func settings(_ named: NamedDeployment, _ d: Deployment, scenario: String, estimator: Estimator) -> ServingSettings {
        let r = named.request, budget = named.budget(on: d)
        let probe = ServingRequest(batch: named.maxBatch, inputTokens: 1, outputTokens: 1, tokenBudget: budget, memoryUtilization: d.memoryUtilization)
        let defaults: [String?] = [
            named.tokenBudget == nil ? "step budget \(budget) tokens (the engine's default on \(d.gpu.id))" : nil,
            r.kvPrecision == nil ? "\(d.kvPrecision.rawValue) KV cache (the engine's default for \(d.precision.rawValue) weights)" : nil,
            r.memoryUtilization == nil ? "\(formatPercent(Deployment.memoryUtilization, decimals: 0)) of memory (vLLM's gpu_memory_utilization default)" : nil,
            r.sampling == nil ? "\(d.sampling.rawValue) sampling (the framework's default)" : nil,
            r.smClockMHz == nil ? "boost clock (GPU catalog)" : nil,
            r.powerCapWatts == nil ? "power cap at TDP (GPU catalog)" : nil,
        ]
        let fit = estimator.calibrationIsBundled && d.framework.isFused
            ? "fused engines are priced with the serving fit on ML.ENERGY v3 runs measured under \(BuiltinCalibration.servingFitEngine) (\(BuiltinCalibration.servingFitGPU))" : nil
        return ServingSettings(
            scenario: scenario, deployment: named.name, gpu: d.gpu.id, batching: QueryEstimate.batchingAssumption(d, probe),
            layout: QueryEstimate.layoutAssumption(d, memoryUtilization: d.memoryUtilization),
            sampling: QueryEstimate.samplingAssumption(d) ?? "\(d.sampling.rawValue) sampling: no sort of the logits",
            clock: QueryEstimate.clockAssumption(d) + ", power cap \(formatNumber((d.powerCap ?? d.gpu.tdp).watts)) W",
            defaults: defaults.compactMap { $0 }, servingFit: fit,
            coefficients: estimator.calibration.coefficients(for: d.gpu).provenance)
    }
}
