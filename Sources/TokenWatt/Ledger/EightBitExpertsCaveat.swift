import KernelPower

/// 8-bit expert weights that carry no block scales, priced at an efficiency no run measured.
///
/// The grouped expert GEMMs stream their weights at a fitted share of the bandwidth, and block-
/// scaled FP8 ones (`fp8WeightBlock`: the published FP8 checkpoints) at a second, lower share
/// fitted on Qwen3's FP8 experts under vLLM 0.11 (docs/methodology.md §5). FP8 asked of a 16-bit
/// checkpoint (vLLM's online, per-tensor quantization) and INT8 carry no block scales, so they
/// take the 16-bit share with half the bytes: no such mixture-of-experts run is measured here,
/// and the two rules part widely. A probe found Qwen3-235B-A22B on 8 × H100 (64 sequences, 500 +
/// 500 tokens) 34 % cheaper in FP8 than in BF16, and its own FP8 checkpoint 0 % cheaper, with
/// nothing in either output saying why; DeepSeek-V3.1 in INT8 was 38 % cheaper than in its own
/// block FP8.
enum EightBitExpertsCaveat {
    /// Whether `d` prices 8-bit expert weights without block scales where block-scaled ones
    /// would stream slower (not under `sglang`, whose block-FP8 experts stream like 16-bit ones).
    static func applies(to d: Deployment) -> Bool {
        guard d.model.moe != nil, d.framework.isFused, !d.framework.streamsBlockFP8LikeSixteenBit else { return false }
        switch d.precision {
        case .fp8: return d.model.fp8WeightBlock == nil && d.mathUnit == .tensor(.fp8)
        case .int8: return true
        default: return false
        }
    }

    /// The streaming efficiency of block-scaled FP8 expert weights as a share of the 16-bit one in
    /// `d`'s time model, or nil where the coefficients hold no lower block-FP8 figure (a share of 1
    /// is no measurement: the note had read "streamed at 1 of that efficiency … +0.0 %" on GPUs
    /// whose carried set left the H100 serving fit's 0.48 behind).
    static func measuredShare(_ estimator: Estimator, _ d: Deployment) -> Double? {
        let t = estimator.timeModel(for: d, set: estimator.calibration.coefficients(for: d.gpu))
        let share = t.groupedMemoryEfficiency > 0 ? t.blockFP8GroupedMemoryEfficiency / t.groupedMemoryEfficiency : 1
        return share < 1 ? share : nil
    }

    /// The note for `d`; `blockScaledWh` is what the same query costs with its FP8 experts block-
    /// scaled (nil where it is not priced: INT8, or a fleet's class).
    static func note(_ estimator: Estimator, _ d: Deployment, whPerQuery: Double? = nil, blockScaledWh: Double? = nil,
                     boundary: Boundary = .facility) -> String? {
        guard applies(to: d) else { return nil }
        let what = d.precision == .fp8 ? "FP8 quantized online from a 16-bit checkpoint (vLLM's per-tensor scales)" : "INT8"
        var s = "the expert weights, \(what), carry no block scales and are priced at the 16-bit grouped-GEMM streaming efficiency "
            + "with \(formatNumber(d.expertWeightBytes)) byte per weight; no such mixture-of-experts run is measured here. "
        guard let ratio = measuredShare(estimator, d) else {
            return s + "The coefficients in use for \(d.gpu.id) hold no block-scaled FP8 streaming figure below the 16-bit one, "
                + "so no block-scaled alternative is priced apart" + alternative(estimator, d)
        }
        s += "The 8-bit experts measured (block-scaled FP8 checkpoints under vLLM 0.11, ML.ENERGY v3) streamed at "
            + "\(formatNumber(ratio, significant: 2)) of that efficiency"
        if let block = blockScaledWh, let here = whPerQuery, here > 0 {
            s += ": priced so, this query costs \(formatNumber(block, significant: 4)) Wh at the \(boundary.rawValue) boundary "
            // A gap that prints as +0.0 % is no measured equality: the slower stream binds no expert GEMM here.
            s += formatPercent(abs(block / here - 1)) == formatPercent(0)
                ? "as well, the slower weight stream binding none of its expert GEMMs at this batch"
                : "(\(block >= here ? "+" : "")\(formatPercent(block / here - 1)) against \(formatNumber(here, significant: 4))). "
                    + "Read the gap as the uncertainty of 8-bit experts without block scales"
        }
        return s + alternative(estimator, d)
    }

    /// Where the catalog prices the block-scaled alternative: this model's own FP8 (its weights
    /// are block-scaled) or its published FP8 checkpoint.
    static func alternative(_ estimator: Estimator, _ d: Deployment) -> String {
        if d.model.fp8WeightBlock != nil { return "; `--precision fp8` prices this model's own block-scaled FP8" }
        let id = d.model.id + "-FP8"
        guard estimator.models.contains(id), let m = try? estimator.models.model(id), m.fp8WeightBlock != nil else { return "" }
        return "; `--model \(m.id)` prices its published block-scaled FP8 checkpoint"
            + (d.precision == .int8 ? " (no INT8 figure is priced at the block-scaled share)" : "")
    }

    /// The same deployment with its FP8 expert weights block-scaled (128 × 128, as the published
    /// checkpoints are), or nil where that is not FP8 asked of a 16-bit checkpoint.
    static func blockScaled(_ d: Deployment) throws -> Deployment? {
        guard applies(to: d), d.precision == .fp8 else { return nil }
        return try withWeightBlock(d, 128)
    }

    /// `d` with its model's FP8 weights scaled in `block` × `block` tiles (nil: per tensor).
    static func withWeightBlock(_ d: Deployment, _ block: Int?) throws -> Deployment {
        var m = d.model
        m.fp8WeightBlock = block
        return try Deployment(model: m, gpu: d.gpu, node: d.node, gpuCount: d.gpuCount, tensorParallel: d.tensorParallel,
                              expertParallel: d.expertParallel, precision: d.precision, kvPrecision: d.kvPrecision, framework: d.framework,
                              attention: d.attention, lockedClock: d.lockedClock, powerCap: d.powerCap, host: d.host,
                              sampling: d.sampling, pipelineParallel: d.pipelineParallel, memoryUtilization: d.memoryUtilization)
    }
}
