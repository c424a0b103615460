import Foundation
import KernelPower

extension KernelFleet {
    /// The measured error band of each GPU the scenario serves on; none under a calibration other
    /// than the bundled one, which the bands measure.
    func estimatorError(_ surfaces: [ServingSurface]) -> [GPUErrorBand] {
        let gpus = surfaces.map(\.deployment.gpu.id).uniqued()
        return gpus.compactMap { gpu in estimator.errorBand(for: gpu).map { GPUErrorBand(gpu: gpu, band: $0) } }
    }

    /// The bands in words beside the GPU-energy uncertainty the scenario draws, so a reader sees
    /// whether the spread includes that error.
    func estimatorErrorNote(_ error: [GPUErrorBand]) -> String? {
        guard !error.isEmpty else { return nil }
        let bands = error.map { e -> String in
            let gpu = e.gpu, b = e.band
            let runs = b.gpu == gpu ? "\(b.runs) runs" : "\(b.runs) runs of \(b.whose)"
            let caveat = (try? estimator.gpus.gpu(gpu)).map { ErrorBands.bundled.caveat(for: $0, catalog: estimator.gpus) } ?? ""
            return "\(gpu) \(QueryRange.ratio(b.ratioLow))–\(QueryRange.ratio(b.ratioHigh)) (\(b.quantiles) of \(runs), median "
                + "\(QueryRange.ratio(b.ratioMedian)); " + (b.leftOut == "none" ? "not checked out of sample"
                    : "it keeps \(formatPercent(b.outOfSampleCoverage, decimals: 0)) of a left-out \(b.leftOut)'s runs")
                + (caveat.isEmpty ? ")" : "; " + caveat + ")")
        }
        let drawn = kernel.gpuEnergyScale.isRandom
            ? "this scenario draws GPU energy × \(kernel.gpuEnergyScale.summary)"
            : "this scenario holds GPU energy as estimated (no uncertain.gpuEnergyScale), so its spread leaves this error out"
        return "estimator error measured by tokenwatt validate, measured ÷ estimated GPU energy per output token: "
            + bands.joined(separator: ", ") + "; " + drawn
    }

    /// One class's replicas, sized for its busiest hour plus headroom, and what they draw.
    struct ClassSizing {
        var gpus = 0
        var idleJoulesPerDay = 0.0, idlePerOccupancySecond = 0.0
        var peakWall = 0.0
        var hourlyWall: [Double] = []
        var hardware: HardwareUse
        var notes: [String] = []
    }

    /// Sizes class `cls` from its draws `mine` (not empty) on its serving surface `s`; idle
    /// provisioned energy is charged to its queries in proportion to the deployment time they occupy.
    func size(_ cls: QueryClass, draws mine: [Sample], surface s: ServingSurface) -> ClassSizing {
        let perDay = scenario.queriesPerDay
        let meanTau = mine.reduce(0) { $0 + $1.cost.occupancySeconds } / Double(mine.count)
        let busy = kernel.diurnal.map { perDay * cls.share * $0 / 3600 * meanTau }
        // No traffic, no fleet: a replica kept for a class nobody sends would draw idle power
        // that no query is charged and no day's total counts.
        let needed = perDay * cls.share > 0 ? (busy.max() ?? 0) * (1 + kernel.headroom) : 0
        let replicas = perDay * cls.share > 0 ? HardwareUse.wholeReplicas(needed: needed) : 0
        let idleJ = busy.reduce(0) { $0 + (Double(replicas) - $1) * s.idleWallPower * 3600 }
        let occupancyPerDay = perDay * cls.share * meanTau
        var sizing = ClassSizing(hardware: HardwareUse(className: cls.name, deployment: cls.deployment, gpu: s.deployment.gpu.id,
                                                       node: s.deployment.node.id, gpus: replicas * s.deployment.gpuCount,
                                                       gpusPerReplica: s.deployment.gpuCount))
        sizing.gpus = replicas * s.deployment.gpuCount
        sizing.idleJoulesPerDay = idleJ
        sizing.idlePerOccupancySecond = occupancyPerDay > 0 ? idleJ / occupancyPerDay : 0
        // A replica's wall power while busy: the class's node energy over the deployment time it
        // occupies, prompts, host and drawn scales included. The decode step's power alone left
        // the hourly profile 9–16 % short of the day's energy (chat service: 27.2 against 30.9 MWh).
        let busyWall = occupancyPerDay > 0 ? mine.reduce(0) { $0 + $1.nodeWh * 3600 } / Double(mine.count) / meanTau : s.busyWallPower
        sizing.peakWall = Double(replicas) * busyWall
        sizing.hardware.replicasNeeded = needed
        sizing.hardware.replicaWallWatts = busyWall
        sizing.hourlyWall = (0..<24).map { h in busy[h] * busyWall + (Double(replicas) - busy[h]) * s.idleWallPower }
        if let note = Self.batchNote(surface: s, limit: kernel.deployments.first { $0.name == cls.deployment }?.maxBatch ?? 0) {
            sizing.notes.append("class \(cls.name): \(note)")
        }
        if let note = tileEdgeNote(surface: s) {
            sizing.notes.append("class \(cls.name): \(note)")
        }
        sizing.notes += Self.kvNotes(cls, draws: mine, surface: s)
        let over = mine.filter(\.overContext).count
        if over > 0 {
            sizing.notes.append("class \(cls.name): \(ClassResult.shareWords(Double(over) / Double(mine.count))) of queries have a call longer than "
                                + "the \(s.deployment.model.maxPositions)-token context window of \(s.deployment.model.id); costed as drawn")
        }
        return sizing
    }

    /// What the class's batch costs for sitting a few rows past a GEMM tile edge, priced at its
    /// mean request as `estimate` prices it (`ServingEstimator.tileEdgeNote`): a KV cache that
    /// holds 129 sequences had made 15× thinking 7.5 % cheaper than 14× with no word why.
    func tileEdgeNote(surface s: ServingSurface) -> String? {
        guard let probe = s.plainProbe, !s.disaggregated, !probe.isStatic(on: s.deployment.framework),
              ServingEstimator.tileEdge(below: s.localBatch) != nil else { return nil }
        let serving = ServingEstimator(estimator: estimator, deployment: s.deployment)
        guard let priced = try? serving.continuous(probe, local: s.localBatch) else { return nil }
        return (try? serving.tileEdgeNote(probe, local: s.localBatch, estimate: priced)) ?? nil
    }

    /// Why a class runs another batch than its deployment's `maxBatch`: the KV cache or a step's
    /// token budget holds fewer, or the limit does not split evenly over data-parallel replicas,
    /// each priced with the nearest whole number of sequences (maxBatch 300 on 8 replicas is
    /// priced as 8 × 38 = 304, more than the limit, which had been said nowhere).
    static func batchNote(surface s: ServingSurface, limit: Int) -> String? {
        let ranks = s.deployment.attentionRanks, inFlight = s.localBatch * ranks
        if inFlight > limit || (inFlight < limit && s.batchLimit == .none),
           let split = ServingEstimator.replicaSplitNote(limit, perRank: s.localBatch, ranks: ranks) {
            return split + (inFlight > limit ? ", more than the deployment's batch limit of \(limit)" : "")
        }
        guard inFlight < limit else { return nil }
        let held = s.batchLimit != .stepBudget ? "the KV cache holds \(formatCount(inFlight, "sequence"))"
            : s.disaggregated ? "a decode step's \(s.tokenBudget)-token budget keeps \(inFlight) sequences decoding"
            : "a step's \(s.tokenBudget)-token budget keeps \(inFlight) sequences decoding beside the prompts that join them"
        return "\(held), fewer than the deployment's batch limit"
    }

    /// What a class's calls ask of one engine's KV cache and batch that its pricing does not
    /// give them: queries with a sequence that does not fit even alone (priced as drawn, at the
    /// class's batch: a budget sized at the mean context had priced a 37,000-token answer on a
    /// cache of 31,471 tokens at batch 1 with nothing said), parallel samples that cannot all be
    /// resident at once (`samplesInTurnsNote`), and beam search's measured underestimate
    /// (`validate`'s MLPerf GPT-J rows).
    static func kvNotes(_ cls: QueryClass, draws mine: [Sample], surface s: ServingSurface) -> [String] {
        var notes: [String] = []
        let free = s.kvBudget.kvBytesPerGPU.bytes
        let overflow = mine.filter { $0.overflows(s) }
        if let worst = overflow.max(by: { $0.largestSequenceBytes < $1.largestSequenceBytes }), let call = worst.largestCall {
            notes.append("class \(cls.name): \(ClassResult.shareWords(Double(overflow.count) / Double(mine.count))) of queries have a call that does not fit "
                         + "in the KV cache even alone: the largest, \(sequenceWords(call)), holds \(formatNumber(worst.largestSequenceBytes / 1e9, significant: 3)) GB per GPU "
                         + "at its last token, where \(formatNumber(free / 1e9, significant: 3)) GB per GPU is left for the KV cache after weights and activations; "
                         + "an engine would refuse such a request (vLLM starts no engine whose max_model_len needs more KV cache than is free) or preempt it; "
                         + "costed as drawn, at the class's batch of \(s.localBatch * s.deployment.attentionRanks)")
        }
        if let note = samplesInTurnsNote(cls, draws: mine, surface: s) { notes.append("class \(cls.name): " + note) }
        if case .parallelSamples(_, "beam-search", _) = cls.strategy {
            notes.append("class \(cls.name): beam search is priced as its beams decoding side by side from one shared prompt (each beam's KV held as a "
                         + "separate answer); on MLPerf's GPT-J beam-search rows (4 beams, TensorRT-LLM) tokenwatt validate finds the Offline runs "
                         + "30–46 % faster in the model than measured and their J per token 20–29 % low (docs/methodology.md §7: the beam search's "
                         + "own kernels are not counted), so this class's GPU energy is likely low by about as much")
        }
        return notes
    }

    /// Why a parallel-samples class's samples, each fitting alone, decode in turns, and what the
    /// price assumes of it; nil when they all fit at once. vLLM fans an n-sample request out into
    /// n requests of one sequence (`ParentRequest`, vllm/v1/engine/parallel_sampling.py): none is
    /// refused, as `max_model_len` bounds one sequence, but an engine holds no more than its batch,
    /// nor, at their last token, more than its KV cache, and preempts the latest admitted when its
    /// pages run out, freeing them for a recompute from the start (`_preempt_request`,
    /// vllm/v1/core/sched/scheduler.py). Until 2026-12-06 samples that fit only one by one were
    /// "a request an engine would refuse" and those within the batch got no "in turns" note.
    static func samplesInTurnsNote(_ cls: QueryClass, draws mine: [Sample], surface s: ServingSurface) -> String? {
        guard case let .parallelSamples(n, kind, _) = cls.strategy else { return nil }
        let crowded = mine.filter { $0.samplesTakeTurns(s) }
        guard let worst = crowded.max(by: { $0.largestCallBytes < $1.largestCallBytes }), let call = worst.largestCall else { return nil }
        let what = kind == "beam-search" ? "beams" : "samples", gb = { (x: Double) in formatNumber(x / 1e9, significant: 3) }
        let why = n > s.localBatch
            ? "a query's \(n) \(what) are more than the \(formatCount(s.localBatch, "sequence")) an engine keeps in flight (\(Self.limitWords(s.batchLimit)))"
            : "\(ClassResult.shareWords(Double(crowded.count) / Double(mine.count))) of queries have more \(what) than one engine's KV cache holds at once: "
                + "the largest, \(callWords(call)), holds \(gb(worst.largestCallBytes)) GB per GPU at its last token, where "
                + "\(gb(s.kvBudget.kvBytesPerGPU.bytes)) GB per GPU is left for the KV cache, though each alone (\(sequenceWords(call))) holds "
                + "\(gb(worst.largestSequenceBytes)) GB"
        return why + ": they cannot all decode together but in turns (an engine runs them as \(n) requests of one sequence and preempts "
            + "those its pages cannot hold), so a query takes longer than one answer; the energy is priced as \(n) shares of a decode step "
            + "at the class's batch, with the prompt prefilled once and its KV cache held for every turn; a preempted \(kind == "beam-search" ? "beam" : "sample") "
            + "is recomputed from its start (vLLM preempts by recompute; its prompt from the prefix cache while the pages stay there), which is not priced"
    }

    /// A call's prompt and one of its sequences in words: "1000 + 3000 tokens", and for parallel
    /// samples "1000 + 3000 tokens, one of 128 sequences from one prompt".
    static func sequenceWords(_ c: ModelCall) -> String {
        "\(c.newTokens + c.cachedTokens) + \(c.outputTokens) tokens" + (c.sequences > 1 ? ", one of \(c.sequences) sequences from one prompt" : "")
    }

    /// What holds an engine's batch where it is, in words.
    static func limitWords(_ limit: BatchLimit) -> String {
        switch limit {
        case .none: return "its batch limit"
        case .memory: return "what its KV cache holds"
        case .stepBudget: return "what a step's token budget keeps decoding"
        }
    }

    /// Says so when idle provisioned capacity is most of a query's energy: a fleet of whole
    /// replicas for little traffic (0.5 queries a day gave 72,600 Wh per query with nothing said).
    /// The share is of the IT energy, which PUE does not move: of the facility total, a fleet
    /// idle 99.99 % of its IT energy was 33 % at PUE 3 and said nothing.
    static func mostlyIdleNote(_ ledger: [LedgerItem], gpus: Int, queriesPerDay: Double) -> String? {
        let it = ledger.filter { $0.boundary <= .it }.reduce(0) { $0 + $1.energy.joules }
        guard it > 0, let idle = ledger.first(where: { $0.item == "provisioned-idle" })?.energy.joules, idle > 0.5 * it else { return nil }
        return "idle provisioned capacity is \(formatPercent(idle / it)) of the mean query's IT energy: \(gpus) GPU\(gpus == 1 ? "" : "s") of whole replicas "
            + "for \(formatNumber(queriesPerDay, significant: 3)) queries a day sit mostly idle, and each query carries their idle draw"
    }

    /// What a day of no queries prices: no fleet is sized, so its query carries no idle replicas.
    /// The chat service at 0 queries a day printed 0 GPUs beside 0.146 Wh per query, lower than
    /// the 0.171 of 100 million a day, with no word of why.
    static let noTrafficNote = "no queries a day: no fleet is sized (0 GPUs, no idle capacity), so the Wh per query is that of a query "
        + "on busy replicas alone, without the share of idle provisioned capacity that a served day's queries carry"

    /// Fleet sizing, per-query idle share, statistics, the median query's ledger and the
    /// variance decomposition. Each class is served by its own replicas of its deployment
    /// (`size`).
    func summarize(_ draws: [Sample], classes: [QueryClass], surfaces: [ServingSurface]) throws -> FleetResult {
        let perDay = scenario.queriesPerDay
        var idlePerOccupancySecond = [Double](repeating: 0, count: classes.count)
        var gpus = 0, peakWall = 0.0, idleJoulesPerDay = 0.0
        var hourlyWall = [Double](repeating: 0, count: 24)
        var hardware: [HardwareUse] = []
        var notes: [String] = [], undrawn: [String] = []
        for (c, cls) in classes.enumerated() {
            let mine = draws.filter { $0.cls == c }
            guard !mine.isEmpty else {
                // A class too rare for the draws is in no figure, not even its fleet: say so.
                if cls.share > 0 {
                    notes.append("class \(cls.name) (\(formatNumber(cls.share * 100, significant: 2)) % of queries) got none of the \(draws.count) draws: "
                                 + "Wh per query and GWh a day count its queries at the other classes' mean, and its replicas are in no GPU, MW "
                                 + "or hourly figure; raise samples")
                    undrawn.append(cls.name)
                }
                continue
            }
            let sizing = size(cls, draws: mine, surface: surfaces[c])
            idleJoulesPerDay += sizing.idleJoulesPerDay
            idlePerOccupancySecond[c] = sizing.idlePerOccupancySecond
            gpus += sizing.gpus
            hardware.append(sizing.hardware)
            peakWall += sizing.peakWall
            for h in 0..<24 { hourlyWall[h] += sizing.hourlyWall[h] }
            notes += sizing.notes
        }
        let error = estimatorError(surfaces)
        notes += estimatorErrorNote(error).map { [$0] } ?? []
        notes += (surfaces.flatMap { PublishedServing.servingCaveats(for: $0.deployment) }
                  + surfaces.compactMap { EightBitExpertsCaveat.note(estimator, $0.deployment) }).uniqued()
        let values = draws.map { value($0, idle: idlePerOccupancySecond[$0.cls]) }, weights = draws.map(\.weight)
        // The quantiles weigh each class by its share as the mean does (drawn as drawn, a 1 %
        // class given 1 of 10 draws had set the P95).
        let stats = QueryStatistics(values, weights: weights)
        let meanPUE = draws.reduce(0) { $0 + $1.weight * $1.pue }
        let mean = draws.isEmpty ? [] : meanLedger(draws, idle: idlePerOccupancySecond)
        if let note = Self.mostlyIdleNote(mean, gpus: gpus, queriesPerDay: perDay) { notes.append(note) }
        if perDay == 0, !draws.isEmpty { notes.append(Self.noTrafficNote) }
        // Replicas of a deployment's classes share its servers: nodes by deployment, not by class.
        let servers = ServerUse.group(hardware, nodes: Dictionary(zip(classes.map(\.deployment), surfaces.map(\.deployment.node)),
                                                                  uniquingKeysWith: { first, _ in first }))
        let nodes = servers.reduce(0) { $0 + $1.nodes }
        var result = FleetResult(
            name: scenario.name, description: scenario.description, boundary: scenario.boundary, whPerQuery: stats,
            gwhPerDay: stats.mean * perDay / 1e9, queriesPerDay: perDay, gpus: gpus, nodes: nodes,
            megawatts: peakWall / 1e6, facilityMegawatts: peakWall * meanPUE / 1e6, idleGWhPerDay: idleJoulesPerDay / 3.6e12,
            medianLedger: medianLedger(draws, values: values, median: stats.median, idle: idlePerOccupancySecond),
            meanLedger: mean,
            varianceShares: varianceShares(draws, values: values, classes: classes),
            hourlyMegawatts: hourlyWall.map { $0 * meanPUE / 1e6 },
            classes: classes.enumerated().map { c, cls in
                let mine = draws.indices.filter { draws[$0].cls == c }
                let s = surfaces[c], count = Double(max(1, mine.count))
                var r = ClassResult(name: cls.name, strategy: cls.strategy.name, share: cls.share,
                                    whPerQuery: QueryStatistics(mine.map { values[$0] }),
                                    effectiveBatch: s.localBatch * s.deployment.attentionRanks,
                                    meanOutputTokens: mine.reduce(0) { $0 + draws[$1].cost.outputTokens } / count)
                r.queryStrategy = cls.strategy
                r.prefixCacheHit = cls.prefixCacheHit
                r.engineBatch = s.localBatch
                r.engineBatchLimit = s.batchLimit
                r.engines = s.deployment.attentionRanks
                r.overContextShare = Double(mine.filter { draws[$0].overContext }.count) / count
                r.kvOverflowShare = Double(mine.filter { draws[$0].overflows(s) }.count) / count
                r.samplesInTurnsShare = Double(mine.filter { draws[$0].samplesTakeTurns(s) }.count) / count
                r.meanCalls = mine.reduce(0) { $0 + draws[$1].calls } / count
                r.meanPrefilledTokens = mine.reduce(0) { $0 + draws[$1].prefilled } / count
                r.meanCachedTokens = mine.reduce(0) { $0 + draws[$1].cached } / count
                r.draws = mine.count
                return r
            },
            levers: [], notes: notes, samples: values)
        result.hardware = hardware
        result.servers = servers
        result.idleFacilityGWhPerDay = idleJoulesPerDay * meanPUE / 3.6e12
        result.sampleWeights = weights
        result.estimatorError = error
        result.gwhPerDayRange = gwhPerDayRange(draws, surfaces: surfaces, idle: idlePerOccupancySecond)
        result.gwhPerDaySitePUE = sitePUERange(draws, idle: idlePerOccupancySecond)
        result.gwhPerDayHostPower = hostPowerRange(draws, surfaces: surfaces, idle: idlePerOccupancySecond)
        result.meanSamplingHalfWidth = Self.samplingHalfWidth(values, draws: draws, mean: stats.mean)
        result.undrawnClasses = undrawn
        if !draws.isEmpty {
            result.gpuProportionalWhPerQuery = stats.mean - meanWattHours(draws, surfaces: surfaces, idle: idlePerOccupancySecond) { _ in 0 }
        }
        if scenario.boundary == .facility, stats.mean > 0, let overhead = mean.last?.energy.wattHours {
            result.overheadShare = overhead / stats.mean
        }
        result.sitePUE = Self.sitePUE(mean, drawn: meanPUE)
        let hourlyTotal = result.hourlyMegawatts.reduce(0, +)
        // A fleet with no power in any hour (no traffic) spreads its nothing evenly.
        result.hourlyEnergyShares = result.hourlyMegawatts.map { hourlyTotal > 0 ? $0 / hourlyTotal : 1.0 / 24 }
        return result
    }

    /// Facility ÷ IT energy of a mean ledger: the PUE weighted by each draw's IT energy, which is
    /// what converts the site's water per facility kWh to per IT kWh. `drawn` (the draws' mean
    /// PUE) where the ledger has no IT energy.
    static func sitePUE(_ ledger: [LedgerItem], drawn: Double) -> Double {
        let it = ledger.filter { $0.boundary <= .it }.reduce(0) { $0 + $1.energy.wattHours }
        let all = ledger.reduce(0) { $0 + $1.energy.wattHours }
        return it > 0 ? all / it : drawn
    }

    /// A sample's Wh per query at the scenario's boundary.
    func value(_ s: Sample, idle: Double) -> Double {
        switch scenario.boundary {
        case .gpu: return s.gpuWh
        case .node: return s.nodeWh
        case .it: return itWattHours(s, idle: idle)
        case .facility: return itWattHours(s, idle: idle) * s.pue
        }
    }

    /// A sample's Wh per query at the IT boundary: its node energy and its share of the idle
    /// replicas' (`idle` J per second of occupancy).
    func itWattHours(_ s: Sample, idle: Double) -> Double {
        s.nodeWh + idle * s.cost.occupancySeconds / 3600
    }

    /// The ledger's items, their boundaries and what each is based on, in ledger order.
    static let ledgerItems: [(item: String, boundary: Boundary, basis: String)] = [
        ("prefill-gpu", .gpu, "prompt chunks"), ("decode-gpu", .gpu, "decode steps ÷ sequences in flight"),
        ("gpu-idle", .gpu, "host gaps between kernels"), ("host", .node, "host power and PSU loss"),
        ("provisioned-idle", .it, "idle replicas kept for the peak hour and headroom"), ("facility-overhead", .facility, "PUE"),
    ]

    /// One sample's energy per ledger item, Wh, in `ledgerItems` order.
    func ledgerWattHours(_ s: Sample, idle: Double) -> [Double] {
        let gapWh = s.cost.gapJoules * s.gpuScale / 3600
        let idleWh = idle * s.cost.occupancySeconds / 3600
        return [s.cost.prefillJoules * s.gpuScale / 3600, s.cost.decodeJoules * s.gpuScale / 3600 - gapWh, gapWh,
                s.nodeWh - s.gpuWh, idleWh, (s.nodeWh + idleWh) * (s.pue - 1)]
    }

    func ledger(_ wattHours: [Double], pue: Double?) -> [LedgerItem] {
        zip(Self.ledgerItems, wattHours).map { d, wh in
            LedgerItem(item: d.item, boundary: d.boundary, energy: .wattHours(wh),
                       basis: d.item == "facility-overhead" ? "PUE \(pue.map { formatNumber($0, significant: 3) } ?? "mean")" : d.basis)
        }
    }

    /// The median query's ledger: the mean ledger of the draws between the 45th and 55th
    /// percentiles of Wh per query, each at its weight as the percentiles weigh it, scaled so
    /// that the items within the scenario's boundary add up to the median (all items were, so at
    /// the gpu boundary of the Google workload the GPU items of a 0.106 Wh median came to 0.054
    /// Wh). The ledger of the one draw nearest the median swung with whichever draw that was: the
    /// bundled chat service's median prefill share went 30 → 12 % when a 2 % PUE tail was
    /// clamped, its total unchanged.
    func medianLedger(_ draws: [Sample], values: [Double], median: Double, idle: [Double]) -> [LedgerItem] {
        guard !draws.isEmpty else { return [] }
        let band = Self.medianBand(values, weights: draws.map(\.weight), median: median).map { draws[$0] }
        let sums = summedLedger(band, idle: idle, weight: \.weight)
        let total = zip(Self.ledgerItems, sums).filter { $0.0.boundary <= scenario.boundary }.reduce(0) { $0 + $1.1 }
        let scale = total > 0 ? median / total : 0
        let bandWeight = band.reduce(0) { $0 + $1.weight }
        let pue = bandWeight > 0 ? band.reduce(0) { $0 + $1.weight * $1.pue } / bandWeight : 1
        return ledger(sums.map { $0 * scale }, pue: pue)
    }

    /// The draws between the weighted P45 and P55 of `values`, or, where none lies between them
    /// (a few draws far apart), the draws nearest the median on either side: an empty band had
    /// given a ledger of zeros beside a nonzero median.
    static func medianBand(_ values: [Double], weights: [Double], median: Double) -> [Int] {
        let q = QueryStatistics.weightedQuantiles(values, weights: weights, [0.45, 0.55])
        let band = values.indices.filter { values[$0] >= q[0] && values[$0] <= q[1] }
        guard band.isEmpty else { return band }
        let below = values.filter { $0 <= median }.max(), above = values.filter { $0 >= median }.min()
        return values.indices.filter { values[$0] == below || values[$0] == above }
    }

    /// The ledger averaged over all samples, each at its weight: the decomposition behind GWh per day.
    func meanLedger(_ draws: [Sample], idle: [Double]) -> [LedgerItem] {
        ledger(summedLedger(draws, idle: idle, weight: \.weight), pue: nil)
    }

    /// Each ledger item's Wh summed over `draws` (each times `weight`, 1 unless given), in `ledgerItems` order.
    func summedLedger(_ draws: [Sample], idle: [Double], weight: (Sample) -> Double = { _ in 1 }) -> [Double] {
        var sums = [Double](repeating: 0, count: Self.ledgerItems.count)
        for d in draws {
            for (i, x) in ledgerWattHours(d, idle: idle[d.cls]).enumerated() { sums[i] += weight(d) * x }
        }
        return sums
    }
}
