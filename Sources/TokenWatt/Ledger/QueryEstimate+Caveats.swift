import KernelPower

extension QueryEstimate {
    /// What qualifies any estimate on `d`, whatever its load: a multimodal checkpoint priced as
    /// its language decoder alone (`ModelArchitecture.unmodelledNote`), a checkpoint run in another
    /// precision (`Deployment.checkpointPrecisionNote`), 4-bit weights dequantized for the matrix
    /// math (`Deployment.dequantization`), the published serving runs' measured gaps
    /// (`PublishedServing.servingCaveats`: AMD GPUs, block-FP8 experts, TensorRT-LLM) and a locked
    /// clock below those measured and a cap that only an assumed floor admits (`SettingCaveats`),
    /// and a precision whose tensor rate the part cut (`CutTensorRateCaveat`). `estimate` lists them among its
    /// assumptions; `sweep`, `predict`, `capacity` and estimate's CSV note carry the same words.
    /// A 2026-12-07 probe found sweep's MI300X rows and its NVFP4 rows on H100 and A100 with an
    /// empty note, and capacity ranking MI355X and MI300X above H100 with `"notes": []`.
    /// - Parameter serving: whether the figures are serving's; a single pass (`predict`'s forward
    ///   and decode-step rows) leaves out the published serving runs' caveats, which are about throughput.
    public static func deploymentCaveats(_ d: Deployment, serving: Bool = true) -> [String] {
        [d.model.unmodelledNote, d.checkpointPrecisionNote, d.dequantization].compactMap { $0 } + (serving ? PublishedServing.servingCaveats(for: d) : [])
            + SettingCaveats.notes(d)
    }
}
