import Foundation
import KernelPower

/// The baselines the validation report puts beside TokenWatt, computed from their published
/// formulas on the same rows.
public enum Baselines {
    /// What a row gives a baseline to work with.
    public struct Row: Sendable {
        public var dataset: String
        public var gpu: GPUSpec
        public var model: ModelArchitecture
        public var gpus: Int
        /// Sequences in flight (1 for a forward pass of a batch counts as its batch).
        public var batch: Double
        /// Measured output tokens per second of the deployment (serving rows).
        public var tokensPerSecond: Double?
        /// Measured wall time of the unit compared (forward-pass rows).
        public var time: Double?
        /// Whether the row is a prefill forward pass (vs decode-dominated serving).
        public var isPrefill: Bool
        public var label: String
        public var group: String
    }

    /// EcoLogits (genai-impact/ecologits, `ecologits/impacts/llm.py`, v0.9.1; shared/research/peers.md
    /// §1): GPU energy per output token per GPU `f_E = α·exp(β·B)·P_active + γ` Wh with
    /// α = 1.1665e-6, β = −0.011206, γ = 4.0529e-5, P_active in billions, B = 64 as shipped; GPUs
    /// = `ceil(1.2·P_total·16/8 / 80 GB)` rounded up to a power of two. P_active and P_total are
    /// the published counts where the catalog has them, as EcoLogits' own model list gives them
    /// (ecologits/data/models.json: gpt-oss-20b 21 B total, 3.6 B active); the counts computed
    /// from the architecture include the input embeddings in the active count, which put
    /// gpt-oss-20b at 4.19 B (+16 %) and MiniMax-M2 at 11.0 B instead of 10.
    public static func ecologitsJoulesPerToken(model: ModelArchitecture, batch: Double) -> Double {
        let active = (model.publishedActiveParams ?? model.activeParams) / 1e9
        let perGPU = 1.1665e-6 * exp(-0.011206 * batch) * active + 4.0529e-5
        let memoryGB = 1.2 * (model.publishedTotalParams ?? model.totalParams) / 1e9 * 16 / 8
        var gpus = max(1, Int((memoryGB / 80).rounded(.up)))
        var p = 1
        while p < gpus { p *= 2 }
        gpus = p
        return perGPU * 3600 * Double(gpus)
    }

    /// Splitwise's constant phase powers per GPU (SplitwiseSim `configs/power_model/constant.yaml`):
    /// A100-80GB prompt 400 W / token 250 W, H100-80GB 700 W / 380 W; applied to A100- and
    /// Hopper-class GPUs only.
    public static func splitwisePower(gpu: GPUSpec, prefill: Bool) -> Double? {
        switch gpu.architecture {
        case "ampere" where gpu.id.hasPrefix("a100"): return prefill ? 400 : 250
        case "hopper": return prefill ? 700 : 380
        default: return nil
        }
    }

    /// Baseline records for one row's measured power (`power_w` metrics) and energy metrics.
    public static func records(_ r: Row, metric: String, measured: Double) -> [ValidationRecord] {
        func record(_ estimator: String, _ predicted: Double) -> ValidationRecord {
            ValidationRecord(dataset: r.dataset, gpu: r.gpu.id, group: r.group, metric: metric, estimator: estimator,
                             label: r.label, measured: measured, predicted: predicted)
        }
        let gpus = Double(r.gpus)
        var out: [ValidationRecord] = []
        switch metric {
        case "power_w", "power_w_per_gpu":
            out.append(record("tdp-time", r.gpu.tdp.watts))
            if let p = splitwisePower(gpu: r.gpu, prefill: r.isPrefill) { out.append(record("splitwise-constant", p)) }
        case "energy_j":
            if let t = r.time {
                out.append(record("tdp-time", r.gpu.tdp.watts * gpus * t))
                if let p = splitwisePower(gpu: r.gpu, prefill: r.isPrefill) { out.append(record("splitwise-constant", p * gpus * t)) }
            }
        case "j_per_token":
            out.append(record("ecologits", ecologitsJoulesPerToken(model: r.model, batch: 64)))
            out.append(record("ecologits-measured-batch", ecologitsJoulesPerToken(model: r.model, batch: r.batch)))
            if let tps = r.tokensPerSecond {
                out.append(record("tdp-time", r.gpu.tdp.watts * gpus / tps))
                if let p = splitwisePower(gpu: r.gpu, prefill: r.isPrefill) { out.append(record("splitwise-constant", p * gpus / tps)) }
            }
        default: break
        }
        return out
    }
}
