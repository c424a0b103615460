import KernelPower

/// Everything `tokenwatt estimate` reports: the deployment, its steady state and one query's ledger.
public struct QueryEstimate: Sendable {
    public let deployment: Deployment
    public let request: ServingRequest
    public let serving: ServingEstimate
    public let ledger: QueryLedger
    public let boundary: Boundary
    public let assumptions: [String]
    /// The assumptions that qualify the figures (`deploymentCaveats`, the range's runs at default
    /// settings, a decode saving beyond the measured, 8-bit experts): what estimate's CSV note and
    /// `predict`'s note carry, where the receipt's list had been the only place they were said.
    public let caveats: [String]
    /// What the receipt says of a calibration other than the bundled one: that there is no range
    /// (`noRangeNote`) and what its own fit warned of (`calibrationWarning`), for the CSV's note,
    /// which had been empty beside the receipt's and the JSON's words (2026-12-07 probe).
    public let calibrationNotes: [String]
    /// Given a load, the same load as a continuous-batching engine serves it (see `LoadAlternative`).
    public let atLoad: LoadAlternative?
    /// Wh per query with the GPU energy at the two ends of its GPU's measured error band (the
    /// band's own quantiles, `ErrorBand.quantiles`); nil under a calibration other than the
    /// bundled one, which the bands measure.
    public let range: QueryRange?

    /// The ledger follows the issue's model of a load: the requested batch, busy a fraction of the
    /// time. A continuous-batching engine does not gather its batch and then idle: by Little's law
    /// it holds as many sequences as arrive during one's stay, fewer than its limit when the load
    /// is light, and runs on at that smaller, costlier batch. This is that case, for comparison.
    public struct LoadAlternative: Sendable {
        public var queriesPerSecond: Double
        /// The batch the engines hold at the load (whole deployment): the smallest per engine
        /// whose output rate carries it, at least one per engine.
        public var sequencesInFlight: Int
        /// Sequences in flight on average (Little's law): the batch times the share of the time
        /// the engines are busy at it. Below one per engine at a light load, where the batch
        /// cannot shrink further and the engines idle between queries.
        public var meanSequencesInFlight: Double
        /// Data-parallel engines that share the load.
        public var engines: Int
        public var whPerQuery: [Boundary: Double]

        /// Whether each engine holds a single sequence, idle between queries: the batch, one per
        /// engine, then overstates what is in flight (8 sequences at 0.001 queries/s on 8 ranks).
        public var lightLoad: Bool { sequencesInFlight == engines && meanSequencesInFlight < Double(sequencesInFlight) }

        /// The sequences in flight in words: the batch, or under a light load the mean.
        public var inFlight: String {
            lightLoad ? "\(formatNumber(meanSequencesInFlight, significant: 2)) sequences in flight on average"
                : "about \(formatCount(sequencesInFlight, "sequence")) in flight"
        }
    }

    public init(estimator: Estimator, deployment d: Deployment, request r: ServingRequest,
                settings: LedgerSettings, boundary: Boundary = .facility) throws {
        try KVCacheBudget.requireRoom(r, on: d)
        let s = try estimator.serve(d, r)
        deployment = d
        request = r
        serving = s
        let ledger = try QueryLedger.build(serving: s, deployment: d, outputTokens: r.outputTokens, settings: settings)
        self.ledger = ledger
        self.boundary = boundary
        let alternative = try Self.alternative(estimator, d, r, s, settings)
        atLoad = alternative
        let band = estimator.errorBand(for: d.gpu.id)
        range = try band.map {
            var q = try QueryRange(band: $0, serving: s, deployment: d, outputTokens: r.outputTokens, settings: settings)
            let it = ledger.total(at: .it).wattHours
            q.provisionedIdleShare = it > 0 ? (ledger.items.first { $0.item == "provisioned-idle" }?.energy.wattHours ?? 0) / it : 0
            q.caveat = ErrorBands.bundled.caveat(for: d.gpu, catalog: estimator.gpus)
            q.source = ErrorBands.bundled.rangeSource(for: d.gpu, catalog: estimator.gpus, noun: "error")
            return q
        }
        let rangeCaveat = SettingCaveats.rangeNote(d, s, band: band != nil)
        // Where the band's runs at such small batches fell well off the estimate one way (B200).
        let smallBatch = band.flatMap { ErrorBands.smallBatchCaveat($0, batch: r.batch) }
        let clock = try Self.clockCaveat(estimator, d, r, s), experts = try Self.eightBitExpertsCaveat(estimator, d, r, settings, ledger, boundary)
        let chunkClock = try ChunkStepClockCaveat.note(estimator, d, r, s)
        let budgetStep = BudgetStepCaveat.note(d, r, s, here: ledger.total(at: boundary).wattHours, boundary: boundary) { next in
            // A load the longer query would overload prices nothing.
            guard let served = try? estimator.serve(d, next),
                  let l = try? QueryLedger.build(serving: served, deployment: d, outputTokens: next.outputTokens, settings: settings) else { return nil }
            return (l.total(at: boundary).wattHours, served.effectiveBatch)
        }
        assumptions = Self.assumptions(d, r, s, settings, estimator: estimator) + s.notes
            + [alternative.map { Self.describe($0, s, ledger, boundary) }].compactMap { $0 }
            + (band != nil ? [] : [Self.noRangeNote])
            + [rangeCaveat, smallBatch, clock].compactMap { $0 } + SettingCaveats.notes(d) + [chunkClock, experts, budgetStep].compactMap { $0 }
        caveats = Self.deploymentCaveats(d) + [rangeCaveat, smallBatch, clock, chunkClock, experts, budgetStep].compactMap { $0 }
        calibrationNotes = (band != nil ? [] : [Self.noRangeNote])
            + [Self.calibrationWarning(estimator.calibration.coefficients(for: d.gpu).provenance)].compactMap { $0 }
    }

    /// Why an estimate under another calibration has no range.
    public static let noRangeNote = "no range: the measured error bands (error-bands.json) are those of the bundled coefficients"

    /// The warning a user calibration's fit left in its set's provenance (`UserCalibration` appends
    /// "; warning: ..."), which the receipt shows in its power-coefficients line; nil without one.
    static func calibrationWarning(_ provenance: String) -> String? {
        guard let r = provenance.range(of: "; warning: ") else { return nil }
        return "calibration warning: " + provenance[r.upperBound...]
    }

    /// 8-bit experts without block scales (`EightBitExpertsCaveat`), with what the query costs
    /// when its FP8 experts stream as the published block-scaled checkpoints' do.
    static func eightBitExpertsCaveat(_ estimator: Estimator, _ d: Deployment, _ r: ServingRequest, _ settings: LedgerSettings,
                                      _ ledger: QueryLedger, _ boundary: Boundary) throws -> String? {
        guard EightBitExpertsCaveat.applies(to: d) else { return nil }
        // Without a lower block-FP8 share the alternative costs the same: not priced.
        let blockScaled = EightBitExpertsCaveat.measuredShare(estimator, d) == nil ? nil : try EightBitExpertsCaveat.blockScaled(d)
        let blockWh = try blockScaled.map { b in
            try QueryLedger.build(serving: try estimator.serve(b, r), deployment: b, outputTokens: r.outputTokens, settings: settings)
                .total(at: boundary).wattHours
        }
        return EightBitExpertsCaveat.note(estimator, d, whPerQuery: ledger.total(at: boundary).wattHours, blockScaledWh: blockWh, boundary: boundary)
    }

    /// Whether a clock or cap saves more decode energy than has been measured (`DecodeClockCaveat`).
    static func clockCaveat(_ estimator: Estimator, _ d: Deployment, _ r: ServingRequest, _ s: ServingEstimate) throws -> String? {
        try DecodeClockCaveat.note(estimator, d, decodeJoules: s.decode.energy.joules) { try estimator.serve($0, r).decode.energy.joules }
    }

    /// A locked clock, or a power cap below the GPU's TDP: settings the error bands' runs did not use.
    static func tuned(_ d: Deployment) -> Bool {
        d.lockedClock != nil || (d.powerCap.map { $0.watts < d.gpu.tdp.watts } ?? false)
    }

    static func alternative(_ estimator: Estimator, _ d: Deployment, _ r: ServingRequest, _ s: ServingEstimate,
                            _ settings: LedgerSettings) throws -> LoadAlternative? {
        guard case let .load(q) = settings.utilization, !r.isStatic(on: d.framework) else { return nil }
        let at = try estimator.serve(d, r, outputTokensPerSecond: q * Double(r.outputTokens), atLimit: s)
        guard !at.overloaded, at.estimate.effectiveBatch < s.effectiveBatch else { return nil }
        let ledger = try QueryLedger.build(serving: at.estimate, deployment: d, outputTokens: r.outputTokens, settings: settings)
        let batch = at.estimate.effectiveBatch
        return LoadAlternative(queriesPerSecond: q, sequencesInFlight: batch, meanSequencesInFlight: ledger.busyFraction * Double(batch),
                               engines: d.dataParallel, whPerQuery: ledger.totals.mapValues(\.wattHours))
    }

    static func describe(_ a: LoadAlternative, _ s: ServingEstimate, _ ledger: QueryLedger, _ boundary: Boundary) -> String {
        let here = ledger.total(at: boundary).wattHours, there = a.whPerQuery[boundary] ?? here
        return "served by this deployment alone (no router packing the load onto fewer engines), \(formatNumber(a.queriesPerSecond)) queries/s "
            + "keep \(a.inFlight), not \(s.effectiveBatch) (Little's law: " + Self.atLoadBatch(a)
            + ": a query would cost \(formatNumber(there, significant: 4)) Wh at the \(boundary.rawValue) boundary "
            + "(\(there >= here ? "+" : "")\(formatPercent(there / here - 1)) against this ledger's \(formatNumber(here, significant: 4)) Wh at batch \(s.effectiveBatch), "
            + "busy \(formatPercent(ledger.busyFraction)) of the time)"
    }

    /// How the engines run the load: at the smallest batch whose output rate carries it, or, under
    /// a light load, one sequence at a time with idle time between queries.
    static func atLoadBatch(_ a: LoadAlternative) -> String {
        guard a.lightLoad else { return "the smallest batch whose output rate carries the load), and the engine runs on at that batch" }
        let who = a.engines == 1 ? "the engine runs" : "each of the \(a.engines) engines runs"
        return "the load times a query's stay), and \(who) one sequence at a time, idle between queries"
    }

    /// Wh per query at every boundary.
    public var whPerQuery: [Boundary: Double] { ledger.totals.mapValues(\.wattHours) }

    /// How `d`'s framework batches the request, and what its kernels are charged, in words.
    static func batchingAssumption(_ d: Deployment, _ r: ServingRequest) -> String {
        let f = d.framework
        let engine = switch f {
        case .trtllm: "TensorRT-LLM in-flight"
        case .sglang: "SGLang continuous"
        case .vllm, .vllmEager, .hf: "vLLM continuous"
        }
        let batching = r.isStatic(on: f) ? "static batching (prefill of the batch, then decode)"
            : "\(engine) batching, chunked prefill with a \(r.tokenBudget)-token step budget"
        switch f {
        case .vllmEager: return batching + ", kernels launched eagerly (no CUDA graphs)"
        case .trtllm: return batching + "; decode attention charged its KV stream only, host as fitted for vLLM"
        case .sglang: return batching + sglangDifference(d)
        case .vllm, .hf: return batching
        }
    }

    /// What SGLang is priced with beyond vLLM's kernels and host: its sampler always, and its
    /// block-FP8 experts only where the model has them (`FusedLayerPlanner`'s `blockScaledB`).
    /// The line had named the experts on every model, so a dense Llama-3.1-70B on SGLang, priced
    /// exactly as `--framework vllm --sampling direct`, read as if its experts made the difference.
    /// On an AMD GPU SGLang's sampler sorts as vLLM's does (`Framework.sortsTopP`), so its sampler
    /// is no difference there.
    static func sglangDifference(_ d: Deployment) -> String {
        if d.framework.sortsTopP(on: d.gpu) {
            let why = "its sampler sorts under top-p as vLLM's does (FlashInfer's sorting-free one is CUDA-only)"
            return d.hasBlockScaledFP8Experts ? "; vLLM's kernels and host: SGLang's modelled difference from vLLM on \(d.gpu.id) is its "
                + "block-FP8 experts, streamed like 16-bit ones; \(why)"
                : "; vLLM's kernels and host: on \(d.gpu.id) \(why), so SGLang prices as --framework vllm at the same step budget"
        }
        let sampler = "its sampler (top-p without sorting the logits, FlashInfer's sorting-free kernels)"
        guard d.hasBlockScaledFP8Experts else {
            return "; vLLM's kernels and host: SGLang's only modelled difference from vLLM here is \(sampler), "
                + "so it prices as --framework vllm --sampling direct at the same step budget"
        }
        return "; vLLM's kernels and host: SGLang's modelled differences from vLLM are \(sampler) and its block-FP8 experts, streamed like 16-bit ones"
    }

    /// How the batch splits over data-parallel engines, when there are several: each runs its
    /// own share, so its steps are shared by fewer sequences and a query pays a larger part of
    /// each (4 H100 at tp 2 run two engines of 16 where 2 H100 run one of 32: +43 % GPU energy
    /// per query for Qwen3-30B-A3B at batch 32), which the batch alone did not say.
    static func replicaAssumption(_ d: Deployment, _ s: ServingEstimate) -> String? {
        let engines = d.attentionRanks
        guard engines > 1 else { return nil }
        let group = d.gpuCount / engines
        let what = d.expertParallel > 1 ? "data-parallel attention ranks (experts spread over ep \(d.expertParallel))"
            : "data-parallel engines (replicas)"
        return "\(engines) \(what) of \(formatCount(group, "GPU")) each: the \(s.effectiveBatch) sequences in flight are split "
            + "\(s.effectiveBatch / engines) per engine, and each engine's steps are shared by its own \(s.effectiveBatch / engines); "
            + "a query costs what batch \(s.effectiveBatch / engines) costs on one engine (more GPUs at the same batch: a smaller batch each)"
    }

    /// What a hybrid's sequences hold besides their KV cache.
    static func stateAssumption(_ d: Deployment) -> String? {
        guard let state = d.model.recurrentState else { return nil }
        let megabytes = formatNumber(d.recurrentStateBytesPerSequencePerGPU.bytes / 1e6, significant: 3)
        return "\(state.mixer) state of \(state.layers) layers: \(megabytes) MB per sequence per GPU (state in \(state.precisionName), "
            + "--ssm-state-precision), read and rewritten every decode step; KV cache in the \(d.model.attentionLayerCount) attention layers only"
            + (d.model.linearAttention != nil ? "; its kernels are priced from their shapes, never fitted (published-serving in tokenwatt validate scores them on published runs)" : "")
    }

    /// Where a model or GPU that a user's catalog file added (`--model-catalog`, `--gpu-catalog`)
    /// takes its numbers from, so that a receipt names every source the bundle does not.
    static func userCatalogAssumption(_ d: Deployment) -> String? {
        let model = !ModelCatalog.bundled.contains(d.model.id) ? "model \(d.model.id) from a user catalog, source: \(d.model.source)" : nil
        let gpu = !GPUCatalog.bundled.contains(d.gpu.id) ? "GPU \(d.gpu.id) from a user catalog, source: \(d.gpu.source)" : nil
        let parts = [model, gpu].compactMap { $0 }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }

    /// What the sampler costs, when it sorts.
    /// Top-p asked of an engine that does not sort (`Sampling.sortFreeNote`) is said so: it had
    /// been echoed as top-p and priced as direct with no line saying why.
    static func samplingAssumption(_ d: Deployment) -> String? {
        guard d.sortsLogits else {
            guard d.sampling == .topP, let why = Sampling.sortFreeNote(d.framework, on: d.gpu) else { return nil }
            return "top-p sampling asked: " + why
        }
        return "top-p sampling: \(Sampling.sorterWords(d.framework, on: d.gpu)) sorts each sequence's \(d.model.vocabSize) logits every step "
            + "(--sampling direct for greedy or temperature-only requests)"
    }

    /// The GPUs, layout, weights, KV-cache precision and memory share `d` runs with, in words:
    /// estimate's assumption, which `report` repeats.
    static func layoutAssumption(_ d: Deployment, memoryUtilization: Double) -> String {
        "\(d.gpuCount) × \(d.gpu.id), \(d.parallelism), \(d.weightsInWords), \(d.kvPrecision.rawValue) KV cache, \(formatPercent(memoryUtilization, decimals: 0)) of memory"
    }

    /// The SM clock `d` runs at, in words: estimate's assumption, which `report` repeats.
    static func clockAssumption(_ d: Deployment) -> String {
        d.lockedClock.map { "SM clock locked at \(formatNumber($0.megahertz)) MHz" } ?? "SM clock at boost (\(formatNumber(d.gpu.boostClock.megahertz)) MHz) unless the power cap throttles"
    }

    static func assumptions(_ d: Deployment, _ r: ServingRequest, _ s: ServingEstimate, _ settings: LedgerSettings,
                            estimator: Estimator) -> [String] {
        let set = estimator.calibration.coefficients(for: d.gpu)
        var a = [
            batchingAssumption(d, r),
            "\(formatCount(s.effectiveBatch, "sequence")) in flight of \(r.inputTokens) input + \(r.outputTokens) output tokens (KV cache holds \(formatCount(s.maxBatch, "sequence")))",
            layoutAssumption(d, memoryUtilization: r.memoryUtilization),
        ] + [replicaAssumption(d, s), userCatalogAssumption(d), d.checkpointPrecisionNote, d.model.attentionPatternNote, d.dequantization, d.pipelineNote, d.scaleOutNote, d.topologyNote,
             stateAssumption(d), samplingAssumption(d)].compactMap { $0 } + [
            clockAssumption(d),
            "power cap \(formatNumber((d.powerCap ?? d.gpu.tdp).watts)) W\(s.powerLimited ? " (reached: kernels throttled)" : "")",
            "power coefficients: \(set.provenance)",
            "host: \(d.node.name) (\(d.node.id)), \(formatNumber(d.node.hostActivePower.watts)) W non-GPU power under load for \(formatCount(d.node.gpuCount, "GPU"))"
                + (d.node.id == d.gpu.defaultNodeID ? "" : "; \(d.gpu.id)'s server node, as \(d.gpuCount) GPUs are more than its default node \(d.gpu.defaultNodeID) holds"),
            "PUE \(formatNumber(settings.pue))\(settings.pue == LedgerSettings.defaultPUE ? " (default: \(LedgerSettings.defaultPUESource))" : "")",
        ]
        if let c = s.promptChunking {
            let (low, high) = (Int(c.chunksPerStep.rounded(.down)), Int(c.chunksPerStep.rounded(.up)))
            let tokens = formatCount(c.chunkTokens, "token"), starts = formatNumber(c.startsPerStep)
            let carried = c.chunksPerStep <= 1 ? "a step that carries a prompt carries one chunk of up to \(tokens)"
                : low == high ? "steps carry \(low) prompt chunks of up to \(tokens), priced together as one pass"
                : "steps carry \(formatNumber(c.chunksPerStep, significant: 3)) prompt chunks of up to \(tokens) on average, "
                    + "as steps of \(low) and of \(high) chunks, each priced as one pass"
            a.append("\(starts) \(starts == "1" ? "request starts" : "requests start") per step per engine (batch ÷ the steps a request holds its place: its output tokens, and its prompt chunks after the first); \(carried)")
        }
        a += PublishedServing.servingCaveats(for: d)
        if d.framework.isFused, let base = estimator.servingBase(for: set) {
            a.append("fused-kernel memory efficiency (with the grouped expert GEMMs' 16-bit and block-scaled FP8 streaming shares) "
                     + "and per-sequence decode traffic from the \(base.gpuID) serving fit, "
                     + "read at \(d.gpu.id)'s bandwidth (its own coefficients come from HF-eager prefill only)")
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
