import KernelPower

/// What the published serving runs say of estimates they resemble, stated wherever such an
/// estimate is priced (`estimate`'s assumptions, fleet notes): the measured gaps the bundled model
/// is not fitted to close. Each range is held to its points by a test (PublishedServingTests).
extension PublishedServing {
    /// The caveats an estimate of `d` carries: what the published serving runs say of estimates like
    /// it (AMD GPUs; block-FP8 mixture-of-experts models outside `sglang`; the `trtllm` engine).
    public static func servingCaveats(for d: Deployment) -> [String] {
        var caveats: [String] = []
        if d.gpu.vendor == "amd" { caveats.append(amdServingCaveat) }
        if d.hasBlockScaledFP8Experts, d.framework.isFused, !d.framework.streamsBlockFP8LikeSixteenBit {
            caveats.append(blockFP8MoECaveat)
        }
        if d.framework == .trtllm { caveats.append(tensorRTLLMCaveat) }
        return caveats
    }

    /// Whether `note` is one of the caveats `servingCaveats` gives.
    public static func isServingCaveat(_ note: String) -> Bool {
        [amdServingCaveat, blockFP8MoECaveat, tensorRTLLMCaveat].contains(note)
    }

    /// What TensorRT-LLM 1.2's runs say of the `trtllm` engine, whose per-step host time is vLLM
    /// 0.11's (the 2024 release Argonne measured fits it). A test holds the range to the points.
    public static let tensorRTLLMCaveat = "TensorRT-LLM is priced with vLLM 0.11's per-step host time, which its 2024 "
        + "release fits (Argonne, MLPerf); on TensorRT-LLM 1.2 (InferenceMAX, gpt-oss-120b on 1–2 B200, 8–128 requests) the "
        + "measured steps were 1.13–1.45× shorter than estimated, most at the fewest requests (tokenwatt validate, "
        + "published-serving): for recent releases read small-batch estimates as pessimistic"

    /// What DeepSeek's serving runs say of block-FP8 expert GEMMs priced at the streaming efficiency
    /// fitted on Qwen3's FP8 experts under vLLM 0.11 (ML.ENERGY v3, H100): every engine but `sglang`
    /// prices them so. A test holds the range to the InferenceMAX points.
    public static let blockFP8MoECaveat = "block-scaled FP8 expert GEMMs stream at the efficiency fitted on Qwen3's FP8 "
        + "experts under vLLM 0.11 on H100; priced so, DeepSeek-R1-0528 FP8 on SGLang 0.5.6 (InferenceMAX, 8 × H200 or B200, "
        + "16 and 64 requests in flight) measured steps 1.34–1.65× shorter than estimated (within 10 % at 4 requests), and "
        + "DeepSeek-V3.2 on vLLM 0.13 1.46× (tokenwatt validate, published-serving): under engines whose expert kernels "
        + "stream like 16-bit ones read such estimates as pessimistic, or price them with --framework sglang"

    /// How far below the estimate InferenceMAX's AMD DeepSeek-R1 runs measured output throughput
    /// (`amdServingCaveat`; PublishedServingTests holds it to the points): what a range on an AMD
    /// GPU, the NVIDIA pool's, says it leaves out (`ErrorBands.foreignPoolWords`).
    public static let amdThroughputGap = "1.2–3.8×"

    /// What the published AMD serving runs say of this model's AMD estimates, stated wherever an
    /// AMD GPU is priced (estimate's assumptions, fleet notes). No AMD serving run is fitted; the
    /// InferenceMAX and Oracle points and Argonne's MI300X throughput table (`ArgonneThroughput`,
    /// scored, not fitted) are its only checks, and tests hold these figures to them.
    public static let amdServingCaveat = "no AMD serving run is fitted: on InferenceMAX's DeepSeek-R1-0528 FP8 runs (SGLang, "
        + "8 × MI300X, MI325X or MI355X, 1,024 + 1,024 tokens, 4 to 64 requests in flight) the measured output throughput was "
        + "\(amdThroughputGap) lower than estimated, most at 4 requests, and on Llama-3.1-405B FP8 under vLLM (Oracle, 8 × MI300X, batch 1 "
        + "to 256) 1.3–1.5× lower at every batch (tokenwatt validate, published-serving); on Argonne LLM-Inference-Bench's "
        + "MI300X vLLM runs (a 2024 ROCm build, 1 to 8 GPUs, 128 to 2,048 tokens in and as many out, batch 1 to 256, static "
        + "batches; ../shared/data/argonne-llm-inference-bench/all_results_perf.csv) it was "
        + "1.7–7.3× lower than estimated in 90 % of them (median 3.3×, at most 11×), where the same file's H100 runs give 1–1.7× (median 1.2×) "
        + "(tokenwatt validate, argonne-throughput): read AMD estimates as optimistic"
}
