import KernelPower

/// Everything `tokenwatt estimate` reports: the deployment, its steady state and one query's ledger.
public struct QueryEstimate: Sendable {
    public let deployment: Deployment
    public let request: ServingRequest
    public let serving: ServingEstimate
    public let ledger: QueryLedger
    public let boundary: Boundary
    public let assumptions: [String]

    public init(estimator: Estimator, deployment d: Deployment, request r: ServingRequest,
                settings: LedgerSettings, boundary: Boundary = .facility) throws {
        let s = try estimator.serve(d, r)
        deployment = d
        request = r
        serving = s
        ledger = try QueryLedger.build(serving: s, deployment: d, outputTokens: r.outputTokens, settings: settings)
        self.boundary = boundary
        assumptions = Self.assumptions(d, r, s, settings, estimator: estimator) + s.notes
    }

    /// Wh per query at every boundary.
    public var whPerQuery: [Boundary: Double] { ledger.totals.mapValues(\.wattHours) }

    /// How `f` batches the request, and what its kernels are charged, in words.
    static func batchingAssumption(_ f: Framework, _ r: ServingRequest) -> String {
        let batching = r.isStatic(on: f) ? "static batching (prefill of the batch, then decode)"
            : "\(f == .trtllm ? "TensorRT-LLM in-flight" : "vLLM continuous") batching, chunked prefill with a \(r.tokenBudget)-token step budget"
        switch f {
        case .vllmEager: return batching + ", kernels launched eagerly (no CUDA graphs)"
        case .trtllm: return batching + "; decode attention charged its KV stream only, host as fitted for vLLM"
        case .vllm, .hf: return batching
        }
    }

    static func assumptions(_ d: Deployment, _ r: ServingRequest, _ s: ServingEstimate, _ settings: LedgerSettings,
                            estimator: Estimator) -> [String] {
        let set = estimator.calibration.coefficients(for: d.gpu)
        var a = [
            batchingAssumption(d.framework, r),
            "\(s.effectiveBatch) sequences in flight of \(r.inputTokens) input + \(r.outputTokens) output tokens (KV cache holds \(s.maxBatch))",
            "\(d.gpuCount) × \(d.gpu.id), tp \(d.tensorParallel), ep \(d.expertParallel), \(d.precision.rawValue) weights, \(d.kvPrecision.rawValue) KV cache, \(formatPercent(r.memoryUtilization, decimals: 0)) of memory",
        ] + [d.dequantization].compactMap { $0 } + [
            d.lockedClock.map { "SM clock locked at \(formatNumber($0.megahertz)) MHz" } ?? "SM clock at boost (\(formatNumber(d.gpu.boostClock.megahertz)) MHz) unless the power cap throttles",
            "power cap \(formatNumber((d.powerCap ?? d.gpu.tdp).watts)) W\(s.powerLimited ? " (reached: kernels throttled)" : "")",
            "power coefficients: \(set.provenance)",
            "host: \(d.node.name) (\(d.node.id)), \(formatNumber(d.node.hostActivePower.watts)) W non-GPU power under load for \(d.node.gpuCount) GPUs",
            "PUE \(formatNumber(settings.pue))\(settings.pue == LedgerSettings.defaultPUE ? " (default: industry average, Uptime Institute Global Data Center Survey 2024)" : "")",
        ]
        if let c = s.promptChunking {
            let carried = c.chunksPerStep == 1 ? "a prompt carries one chunk of up to \(c.chunkTokens) tokens"
                : "prompts carries \(c.chunksPerStep) chunks of up to \(c.chunkTokens) tokens, priced together as one pass"
            a.append("\(formatNumber(c.startsPerStep)) requests start per step per engine (batch ÷ output tokens); a step that carries \(carried)")
        }
        if d.framework.isFused, let base = estimator.servingBase(for: set) {
            a.append("fused-kernel memory efficiency and per-sequence decode time from the \(base.gpuID) serving fit "
                     + "(\(d.gpu.id)'s own coefficients come from HF-eager prefill only)")
        }
        switch settings.utilization {
        case let .busyFraction(f): a.append("busy \(formatPercent(f)) of the time (given)")
        case let .load(q): a.append("load \(formatNumber(q)) queries/s: busy \(formatPercent(s.queriesPerSecond(outputTokens: r.outputTokens) > 0 ? q / s.queriesPerSecond(outputTokens: r.outputTokens) : 0))")
        case let .idleShareOfActive(x):
            a.append("idle provisioned capacity adds \(formatPercent(x, decimals: 0)) of active energy (default: Google 2025 fleet split, arXiv 2508.15734)")
        }
        return a
    }
}
