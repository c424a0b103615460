import KernelPower

/// Calibration on serving measurements (ML.ENERGY v3, vLLM on H100): each run becomes the mean
/// engine step of its steady state, measured as batch ÷ throughput, at its measured power.
public enum ServingCalibration {
    /// Runs above this fraction of the TDP are treated as power-limited: they test the limiter
    /// and are left out of the power fit (the DVFS rows of the EnergAIzer data are handled alike).
    public static let powerLimitedFraction = 0.92

    /// The runs on `gpu` as calibration rows (runs on other GPUs are forecasts, never fitted).
    public static func rows(_ runs: [MLEnergyRun], gpu: String, estimator: Estimator) -> [CalibrationRow] {
        runs.filter { !outsideFit.contains($0.model) }.compactMap { run -> CalibrationRow? in
            guard let d = try? estimator.deployment(run.deploymentRequest(), context: run.label), d.gpu.id == gpu,
                  d.model.hybrid == nil else { return nil }
            return row(label: run.label, group: "\(gpu)/\(d.model.family)", deployment: d, request: run.servingRequest,
                       outputTokensPerSecond: run.outputTokensPerSecond, powerPerGPU: run.powerPerGPU)
        }
    }

    /// One measured serving run as a calibration row: its mean engine step (decodes of the batch
    /// the KV cache holds plus the prompt chunks that join them), measured as batch ÷ throughput.
    static func row(label: String, group: String, deployment d: Deployment, request: ServingRequest,
                    outputTokensPerSecond: Double, powerPerGPU: Double) -> CalibrationRow? {
        // A pipeline's cycle is not one program; such runs are scored, not fitted.
        guard d.pipelineParallel == 1 else { return nil }
        guard let budget = try? KVCacheBudget(deployment: d, request: request) else { return nil }
        let local = ServingEstimator.localBatch(request, budget: budget, ranks: d.attentionRanks)
        let plan = ContinuousPlan(request: request, local: local)
        let planner = PhasePlanner(deployment: d)
        guard let passes = try? plan.meanStep.map({ (try planner.program(for: $0.phase), $0.weight) }) else { return nil }
        let tokensPerStep = Double(local * d.attentionRanks)
        return CalibrationRow(label: label, group: group, gpu: d.gpu, passes: passes,
                              lockedClock: d.gpu.boostClock, measuredClock: nil, powerCap: d.gpu.tdp,
                              powerLimited: powerPerGPU >= powerLimitedFraction * d.gpu.tdp.watts,
                              measuredTime: .seconds(tokensPerStep / outputTokensPerSecond), measuredPower: .watts(powerPerGPU))
    }

    /// Models scored by validation but left out of the fit: their steps take about twice what
    /// their kernels need at every batch and GPU count (Llama 4 Scout: 24 ms at batch 8 on 4 GPUs,
    /// 20 ms on 8, where its weights stream in 8 and 4 ms), a fixed cost the kernel list does not
    /// name. Fitted with the rest, that time lands in the shared link and collective constants
    /// and slows every tensor-parallel deployment.
    /// Mamba-2 hybrids (Nemotron-H) stay out too, whatever their id: their chat runs' steps that
    /// carry a prompt take about 40 ms longer than their kernels (p99 ITL at batch 8: 50 ms against
    /// a 9 ms median), which the fit would put on every model's per-step time (1.44 → 1.78 ms when
    /// tried), and leaving them out makes their rows a forecast of the Mamba-2 kernels from shapes.
    public static let outsideFit: Set<String> = ["meta-llama/Llama-4-Scout-17B-16E-Instruct"]

    /// The time constants fitted on serving data. The per-launch host cost is not among them: it
    /// trades off against the per-step overhead and the data cannot separate the two. Nor is the
    /// per-sequence host cost: the benchmark runs vLLM with `async-scheduling: true`
    /// (ml-energy/benchmark, configs/vllm/*/*/H100/monolithic.config.yaml), so the engine
    /// schedules step n+1 while the GPU runs step n and its per-sequence work leaves no idle gap;
    /// the GPU measures near its TDP at large batches, which an idle gap would contradict. The
    /// time that grows with the sequences served is GPU time (`decodeSequenceBytes`).
    /// The attention efficiency is not among them either: the serving rows cannot identify it
    /// (their prompts are short), so it comes from published FlashAttention-3 times on an H200
    /// (`PublishedAttention.fittedEfficiency`). Nor is the per-kernel cost (`graphKernelOverhead`).
    public static let timeParameters: [Calibrator.TimeParameter] = [
        .passOverhead, .decodeSequenceTime, .decodeQueryHeadTime, .tensorEfficiency, .memoryEfficiency,
        .groupedGEMMEfficiency, .groupedMemoryEfficiency, .linkEfficiency, .collectiveLatency, .blockFP8GroupedMemoryEfficiency,
    ]

    /// What each kernel of a CUDA graph costs an H100 beyond its work: about 1.3 µs of launch and
    /// teardown in which the GPU does no useful work (Spector, Juravsky et al., "Look Ma, No
    /// Bubbles! Designing a Low-Latency Megakernel for Llama-1B", Hazy Research, 2025-05-27,
    /// https://hazyresearch.stanford.edu/blog/2025-05-27-no-bubbles, measured with CUDA graphs).
    /// Held, not fitted: a step's time is its kernels plus a per-step cost, and the serving rows
    /// barely tell the two apart. Free, the search ended at 1.32 µs and 1.44 ms per step from one
    /// coordinate order and at 0.58 µs and 1.97 ms from the reverse one, at nearly equal loss.
    public static let graphKernelOverhead = Time.microseconds(1.3)

    /// Fits a GPU on serving rows, starting from its carried-over time model and its published
    /// energies per operation (time and power jointly, `Calibrator.fitJoint`).
    public static func fit(gpu: GPUSpec, rows: [CalibrationRow], start: CoefficientSet, capHold: Double, source: String,
                           attention: (points: [PublishedAttention.Point], gpus: GPUCatalog)) throws -> FittedGPU {
        var timeModel = start.timeModel
        // Fused attention at the kernels' peak until the kernel times below set it.
        timeModel.attentionEfficiency = 1
        // Paged decode attention streams the KV cache at the kernels' memory efficiency: the long
        // reasoning runs (gpqa, ~8000 output tokens) add ~0.19 ms per sequence per step for
        // Qwen3-8B, what 640 MB of KV at 3.35 TB/s takes.
        timeModel.decodeAttentionEfficiency = 1
        timeModel.memoryEfficiency = min(timeModel.memoryEfficiency, 0.9)
        timeModel.kernelOverhead = graphKernelOverhead
        var host = start.hosts["vllm"] ?? Estimator.defaultVLLMHost
        host.perSequenceOverhead = .zero
        let prior = PowerCoefficients.published(for: gpu)
        let (fittedTime, fittedHost, power) = Calibrator.fitJoint(rows, gpu: gpu, start: timeModel, host: host,
                                                                  parameters: timeParameters, prior: prior, clock: gpu.boostClock)
        timeModel = fittedTime
        host = fittedHost
        if !attention.points.isEmpty {
            timeModel.attentionEfficiency = try PublishedAttention.fittedEfficiency(
                set: CoefficientSet(power: power, timeModel: timeModel, hosts: [:], provenance: ""), capHold: capHold,
                points: attention.points, gpus: attention.gpus)
        }
        let model = PowerModel(gpu: gpu, coefficients: power, capHoldFraction: capHold)
        let predictions = Calibrator.predict(rows, estimator: PassEstimator(gpu: gpu, power: model, timeModel: timeModel, host: host))
        let (summary, residuals) = Calibrator.summarize(rows, predictions)
        var hosts = start.hosts
        hosts["vllm"] = host
        let set = CoefficientSet(power: power, timeModel: timeModel, hosts: hosts,
                                 provenance: "fitted on \(rows.count) \(source) rows of \(gpu.id)")
        return FittedGPU(gpuID: gpu.id, set: set, summary: summary, residuals: residuals)
    }
}
