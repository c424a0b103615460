import KernelPower

/// Splitwise profiles (Patel et al., ISCA 2024): prefill latency of a batch of prompts and the
/// per-token decode latency, Llama-2-70B and BLOOM-176B in FP16 at TP 2/4/8 on DGX-A100-80GB and
/// DGX-H100, with vLLM-style kernels launched eagerly (`vllm-eager`: a decode step of Llama-2-70B
/// at TP 8 takes 30 ms on H100 where its 17 GB of weights per GPU stream in 5 ms, which is the
/// cost of ~1000 host launches, not of the GPU). Decode steps are compared at the mean context
/// (prompt + half the output). The power-capped H100 profile is taken at 350 W ("power capping by
/// over 50% (i.e., 700 to 350W)", the paper's own wording); its profiles are the uncapped ones
/// scaled, so they are scored as slowdowns (`SplitwiseDerived.swift`). Repeats of a configuration
/// are averaged. How the profiled engine sampled is not published: no top-p filter is charged.
public enum SplitwiseValidation {
    static let models = ["llama2-70b": "meta-llama/Llama-2-70b-hf", "bloom-176b": "bigscience/bloom"]
    static let gpus: [String: (String, Double?)] = ["a100-80gb": ("a100-sxm-80gb", nil), "h100-80gb": ("h100-sxm", nil),
                                                    "h100-80gb-pcap": ("h100-sxm", 350)]

    struct Config: Hashable { let model: String, hardware: String, tp: Int, prompt: Int, batch: Int, tokens: Int }

    /// One configuration's profile, repeats averaged.
    struct Profile {
        let config: Config, label: String, model: String, gpu: String, powerCap: Double?
        let prefillMilliseconds: Double, decodeMilliseconds: Double
        var prefill: Phase { .prefill(batch: config.batch, tokens: config.prompt) }
        /// The profile's levers (`LeverValidation`): the output length sets the decode context.
        var setting: [String: String] {
            ["campaign": "splitwise", "model": config.model, "gpu": config.hardware, "gpus": String(config.tp),
             "batch": String(config.batch), "sequence": String(config.prompt), "output": String(config.tokens)]
        }
        var decode: Phase { .decode(batch: config.batch, context: config.prompt + config.tokens / 2) }
        var request: DeploymentRequest {
            DeploymentRequest(model: model, gpu: gpu, gpus: config.tp, precision: .fp16, framework: .vllmEager, powerCapWatts: powerCap,
                              sampling: .direct)
        }
    }

    /// The profiles that can be compared, and the others with the reason.
    static func profiles(dataDirectory: String) throws -> (profiles: [Profile], skipped: [(label: String, reason: String)]) {
        let t = try ServingDataSets.table(dataDirectory + "/splitwise-perf-model/perf_model.csv")
        let c = try ["model", "hardware", "tensor_parallel", "prompt_size", "batch_size", "token_size", "prompt_time", "token_time"]
            .map { try ServingDataSets.column(t, $0) }
        var sums: [Config: (Double, Double, Int)] = [:]
        var order: [Config] = []
        for r in t.rows {
            let f = r.fields
            let cfg = Config(model: f[c[0]], hardware: f[c[1]], tp: try ServingDataSets.count(t, r, c[2]),
                             prompt: try ServingDataSets.count(t, r, c[3]), batch: try ServingDataSets.count(t, r, c[4]),
                             tokens: try ServingDataSets.count(t, r, c[5]))
            if sums[cfg] == nil { order.append(cfg) }
            let s = sums[cfg] ?? (0, 0, 0)
            sums[cfg] = (s.0 + (try ServingDataSets.measurement(t, r, c[6])), s.1 + (try ServingDataSets.measurement(t, r, c[7])), s.2 + 1)
        }
        var profiles: [Profile] = [], skipped: [(label: String, reason: String)] = []
        for cfg in order {
            let label = "\(cfg.model) \(cfg.hardware) tp\(cfg.tp) p\(cfg.prompt) b\(cfg.batch) o\(cfg.tokens)"
            guard let model = models[cfg.model], let (gpu, cap) = gpus[cfg.hardware], let s = sums[cfg] else {
                skipped.append((label, models[cfg.model] == nil ? "model '\(cfg.model)' is not mapped to a catalog model"
                                                                : "hardware '\(cfg.hardware)' is not mapped to a catalog GPU"))
                continue
            }
            if let reason = incompleteRun(cfg, sums: sums) { skipped.append((label, reason)); continue }
            profiles.append(Profile(config: cfg, label: label, model: model, gpu: gpu, powerCap: cap,
                                    prefillMilliseconds: s.0 / Double(s.2), decodeMilliseconds: s.1 / Double(s.2)))
        }
        return (profiles, skipped)
    }

    public static func run(dataDirectory: String, estimator: Estimator) throws -> MLEnergyValidation.Result {
        let (all, skipped) = try profiles(dataDirectory: dataDirectory)
        let derived = derivations(all)
        var out = score(all.filter { derived[$0.config.hardware] == nil }, estimator: estimator)
        let slowdowns = scoreSlowdowns(all, derived, estimator: estimator)
        out.records += slowdowns.records
        out.skipped = skipped + out.skipped + slowdowns.skipped
        out.notes += slowdowns.notes
        return out
    }

    /// `profiles` scored: a prefill and a decode-step record each.
    static func score(_ profiles: [Profile], estimator: Estimator) -> MLEnergyValidation.Result {
        var out = MLEnergyValidation.Result(records: [], skipped: [])
        for p in profiles {
            do {
                let d = try estimator.deployment(p.request)
                let prefill = try estimator.forwardPass(d, phase: p.prefill)
                let decode = try estimator.forwardPass(d, phase: p.decode)
                out.records.append(ValidationRecord(dataset: "splitwise", gpu: p.config.hardware, group: p.config.model, metric: "prefill_ms",
                                                    label: p.label, measured: p.prefillMilliseconds, predicted: prefill.time.milliseconds,
                                                    setting: p.setting))
                out.records.append(ValidationRecord(dataset: "splitwise", gpu: p.config.hardware, group: p.config.model,
                                                    metric: "decode_step_ms", label: p.label, measured: p.decodeMilliseconds,
                                                    predicted: decode.time.milliseconds, setting: p.setting))
            } catch {
                out.skipped.append((p.label, "\(error)"))
            }
        }
        return out
    }

    /// `profiles` as time-only calibration rows (no power was recorded), one per prefill and one
    /// per decode step.
    static func calibrationRows(_ profiles: [Profile], estimator: Estimator) -> [CalibrationRow] {
        profiles.flatMap { p -> [CalibrationRow] in
            guard let d = try? estimator.deployment(p.request, context: p.label) else { return [] }
            let planner = PhasePlanner(deployment: d)
            return [(p.prefill, p.prefillMilliseconds), (p.decode, p.decodeMilliseconds)].compactMap { phase, ms in
                guard let program = try? planner.program(for: phase) else { return nil }
                return CalibrationRow(label: p.label, group: "\(p.config.hardware)/\(p.config.model)", gpu: d.gpu, passes: [(program, 1)],
                                      lockedClock: d.gpu.boostClock, measuredClock: d.gpu.boostClock, powerCap: d.gpu.tdp,
                                      powerLimited: true, measuredTime: .milliseconds(ms), measuredPower: .zero)
            }
        }
    }

    /// A profile whose batch prefill took less time than half that batch did on the same
    /// configuration cannot have processed its whole batch (Llama-2-70B at TP 2, batch 64: 796 ms on
    /// A100 after 6,607 ms at batch 32; on 2×80 GB its FP16 weights leave too little memory for 64
    /// prompts). Such rows are left out rather than scored.
    static func incompleteRun(_ cfg: Config, sums: [Config: (Double, Double, Int)]) -> String? {
        guard cfg.batch > 1, let s = sums[cfg],
              let half = sums[Config(model: cfg.model, hardware: cfg.hardware, tp: cfg.tp, prompt: cfg.prompt,
                                     batch: cfg.batch / 2, tokens: cfg.tokens)] else { return nil }
        let (prefill, halfPrefill) = (s.0 / Double(s.2), half.0 / Double(half.2))
        guard prefill < halfPrefill else { return nil }
        return "measured prefill at batch \(cfg.batch) (\(formatNumber(prefill, significant: 4)) ms) is shorter than at batch "
            + "\(cfg.batch / 2) (\(formatNumber(halfPrefill, significant: 4)) ms): the run did not process its whole batch"
    }
}
