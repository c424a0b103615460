import Foundation
import KernelPower

/// Sizing a kernel scenario's fleet: each class's replicas for its busiest hour, what they draw,
/// and what the sizing says of the class's batch and KV cache. Apart from `summarize`, which had
/// sized the classes, built their results and filled the result's ranges in one 96-line body.
extension KernelFleet {
    /// Every class sized and added up (`sizeClasses`): the fleet's GPUs, peak and hourly wall
    /// power, idle energy, and each class's idle J per second of occupancy, which its draws carry.
    struct FleetSizing {
        /// Per class, in the scenario's order; 0 for a class with no draws.
        var idlePerOccupancySecond: [Double]
        var gpus = 0, peakWall = 0.0, idleJoulesPerDay = 0.0
        /// Every replica at its worst case (`HardwareUse.replicaWorstCaseWallWatts`), W at the wall.
        var worstCaseWall = 0.0
        var hourlyWall = [Double](repeating: 0, count: 24)
        var hardware: [HardwareUse] = []
        var notes: [String] = []
        /// Classes with a share of the traffic that got none of the draws.
        var undrawn: [String] = []
    }

    /// Sizes each class that has draws (`size`) and adds the classes up in the order of their
    /// names, as they are drawn (`priced`), so that the sums do not move with the file's order;
    /// a class with traffic but no draws is in no figure, and a note says so. `change` is the
    /// edit the surfaces were priced under, which the packing note's command repeats.
    func sizeClasses(_ draws: [Sample], classes: [QueryClass], surfaces: [ServingSurface], change: LeverChange? = nil) -> FleetSizing {
        var fleet = FleetSizing(idlePerOccupancySecond: [Double](repeating: 0, count: classes.count))
        var packing: [String] = []
        var hardware: [(c: Int, use: HardwareUse)] = []
        for c in classes.indices.sorted(by: { classes[$0].name < classes[$1].name }) {
            let cls = classes[c], mine = draws.filter { $0.cls == c }
            guard !mine.isEmpty else {
                // A class too rare for the draws is in no figure, not even its fleet: say so.
                if cls.share > 0 {
                    fleet.notes.append("class \(cls.name) (\(formatNumber(cls.share * 100, significant: 2)) % of queries) got none of the \(draws.count) draws: "
                                       + "Wh per query and GWh a day count its queries at the other classes' mean, and its replicas are in no GPU, MW "
                                       + "or hourly figure; raise samples")
                    fleet.undrawn.append(cls.name)
                }
                continue
            }
            let sizing = size(cls, draws: mine, surface: surfaces[c])
            fleet.idleJoulesPerDay += sizing.idleJoulesPerDay
            fleet.idlePerOccupancySecond[c] = sizing.idlePerOccupancySecond
            fleet.gpus += sizing.gpus
            hardware.append((c, sizing.hardware))
            fleet.peakWall += sizing.peakWall
            fleet.worstCaseWall += Double(sizing.hardware.gpus / max(1, sizing.hardware.gpusPerReplica)) * sizing.hardware.replicaWorstCaseWallWatts
            let request = (try? named(cls.deployment, className: cls.name)).map { edited($0, by: change).request }
            if let clause = packingClause(cls, draws: mine, surface: surfaces[c], replicas: sizing.hardware.gpus / max(1, sizing.hardware.gpusPerReplica),
                                          request: request) {
                packing.append(clause)
            }
            for h in 0..<24 { fleet.hourlyWall[h] += sizing.hourlyWall[h] }
            fleet.notes += sizing.notes
        }
        if !packing.isEmpty { fleet.notes.append(Self.packingNotePrefix + packing.joined(separator: "; ")) }
        // Listed as the file lists the classes, as every other per-class list is.
        fleet.hardware = hardware.sorted { $0.c < $1.c }.map(\.use)
        return fleet
    }

    /// How every note of `packingClause`'s begins: `capacity` picks it out of the fleet's notes.
    public static let packingNotePrefix = "each class is priced as if a router packs its load onto full batches "
        + "(busy replicas at the class's batch, the rest idle, which the idle share charges), not spread over every replica: "

    /// What the class's price assumes of the router, and, for a class of one plain call per
    /// query, what the same load spread evenly over its replicas would cost instead: each replica
    /// then holds fewer sequences (Little's law), at a smaller and costlier batch, and idles less.
    /// Priced as `estimate --load` prices a deployment alone (`QueryEstimate.alternative`), at the
    /// class's mean call and the day's mean load per replica. A 2026-12-07 probe found `fleet`
    /// and `capacity` silent on it: a 70B class at 3.13 queries/s per 4-H100 replica, packed,
    /// costs 0.34 Wh; spread, 47 sequences would be in flight, not 64, at 0.3754 Wh (+10.6 %).
    /// The note gives the whole `estimate` command that prints both figures (`estimateCommand`):
    /// it had said "as `estimate --load 3.734` prices one replica", which with the scenario's
    /// model and lengths gave other figures, at estimate's default PUE and the batch asked.
    /// - Parameter request: the class's deployment as the run priced it; nil prints no command.
    func packingClause(_ cls: QueryClass, draws mine: [Sample], surface s: ServingSurface, replicas: Int,
                       request: DeploymentRequest? = nil) -> String? {
        let d = s.deployment, batch = s.localBatch * d.attentionRanks, perDay = scenario.queriesPerDay * cls.share
        guard replicas > 0, perDay > 0, !mine.isEmpty else { return nil }
        let perReplica = perDay / 86_400 / Double(replicas)
        let plain = "class \(cls.name) at \(formatNumber(perReplica, significant: 3)) queries/s per replica on the day's mean, "
            + "\(formatCount(batch, "sequence")) in flight when busy"
        // One call of one sequence per query, on plain vLLM steps: the case `estimate --load` prices.
        // Another class gets the reason it has no figure, and the cached tokens are its own: the
        // note had given an agent loop's class no word, and its closing "it would prefill the 496
        // prompt tokens a call of the class finds cached" had read as every class's (a 2026-12-07 probe).
        let calls = mine.reduce(0) { $0 + $1.calls }
        let unpriced = plain + "; the same load spread over every replica is not priced for \(cls.name): "
        if let why = Self.unpricedSpreadReason(calls: calls / Double(mine.count), draws: mine, surface: s) { return unpriced + why }
        // `estimate` has no prefix cache: its figures would prefill every prompt token the class
        // finds cached, so they would not price the class. The README's long-context class (hit
        // 0.4) had quoted 2.172 against 1.743 Wh and +24.6 % for 12,171 tokens prefilled, where
        // with its cache it costs 1.12 Wh (a 2026-12-07 probe).
        let cached = mine.reduce(0) { $0 + $1.cached } / calls
        if cached > 0 {
            return unpriced + "`tokenwatt estimate` has no prefix cache, so it would prefill the \(formatNumber(cached, significant: 3)) "
                + "prompt tokens a call of \(cls.name) finds cached on average"
        }
        let input = mine.reduce(0) { $0 + $1.prefilled + $1.cached } / calls, output = mine.reduce(0) { $0 + $1.cost.outputTokens } / calls
        let r = ServingRequest(batch: batch, inputTokens: max(1, Int(input.rounded())), outputTokens: max(1, Int(output.rounded())),
                               tokenBudget: s.tokenBudget, memoryUtilization: d.memoryUtilization)
        // The load and PUE as the command prints them, so that it gives the figures quoted.
        let load = Self.printed(perReplica), pue = Self.printed(max(1, mine.reduce(0) { $0 + $1.pue } / Double(mine.count)))
        guard !r.isStatic(on: d.framework) else { return unpriced + "its engine batches statically, which `tokenwatt estimate --load` does not spread" }
        guard let full = try? estimator.serve(d, r),
              let settings = try? LedgerSettings(pue: pue.value, utilization: .load(queriesPerSecond: load.value)),
              let here = try? QueryLedger.build(serving: full, deployment: d, outputTokens: r.outputTokens, settings: settings),
              let at = try? estimator.serve(d, r, outputTokensPerSecond: load.value * Double(r.outputTokens), atLimit: full)
        else { return unpriced + "`tokenwatt estimate` cannot price its mean query \(r.inputTokens) + \(r.outputTokens) tokens on one replica" }
        guard !at.overloaded, at.estimate.effectiveBatch < full.effectiveBatch,
              let there = try? QueryLedger.build(serving: at.estimate, deployment: d, outputTokens: r.outputTokens, settings: settings)
        else { return plain + "; spread over every replica, \(cls.name) would run as packed: at its load one replica keeps its full batch "
            + "in flight (`tokenwatt estimate --load`)" }
        let boundary = scenario.boundary
        let packed = here.total(at: boundary).wattHours, spread = there.total(at: boundary).wattHours
        let alternative = QueryEstimate.LoadAlternative(queriesPerSecond: load.value, sequencesInFlight: at.estimate.effectiveBatch,
                                                        meanSequencesInFlight: there.busyFraction * Double(at.estimate.effectiveBatch),
                                                        engines: d.dataParallel, whPerQuery: [:])
        let figures = "\(formatNumber(spread, significant: 4)) against \(formatNumber(packed, significant: 4)) Wh at the \(boundary.rawValue) boundary"
        let command = request.map { estimateCommand($0, r, load: load.text, pue: pue.text) }
        return plain + "; spread over \(replicas == 1 ? "its one replica, it" : "all \(replicas) replicas, each") would keep \(alternative.inFlight), and a query of the class's mean "
            + "\(r.inputTokens) + \(r.outputTokens) tokens would cost \(spread >= packed ? "+" : "")\(formatPercent(spread / packed - 1)) "
            + "(\(figures)" + (command.map { "; one replica at that load: \($0), whose note on the load served alone gives both" } ?? "") + ")"
    }

    /// Why a class's load spread over every replica has no figure (`packingClause`), where
    /// `estimate --load`, which prices one call of one sequence per query on plain steps, cannot
    /// price its queries; nil where it can. `calls` is the class's mean model calls per query.
    static func unpricedSpreadReason(calls: Double, draws mine: [Sample], surface s: ServingSurface) -> String? {
        if s.disaggregated { return "its prefill and decode run on separate pools, which `tokenwatt estimate --load` does not price" }
        if s.speculative { return "it decodes speculatively, which `tokenwatt estimate --load` does not price" }
        if let n = mine.compactMap({ $0.largestCall?.sequences }).max(), n > 1 {
            return "a query decodes up to \(n) sequences from one prompt, and `tokenwatt estimate` prices one sequence per query"
        }
        if calls != 1 {
            return "a query makes \(formatNumber(calls, significant: 3)) model calls on average, and `tokenwatt estimate` prices one call per query"
        }
        return nil
    }

    /// `x` to 4 significant digits, as printed and as read back: the note's figures are priced
    /// at what its command says.
    static func printed(_ x: Double) -> (text: String, value: Double) {
        let text = formatNumber(x, significant: 4)
        return (text, Double(text) ?? x)
    }

    /// The `tokenwatt estimate` command, in backticks, that prices request `r` on `request`'s
    /// deployment at `load` queries/s, with the scenario's PUE and boundary: what `packingClause`
    /// quotes. A run on catalog or calibration files of the user's says they must be given too.
    func estimateCommand(_ request: DeploymentRequest, _ r: ServingRequest, load: String, pue: String) -> String {
        let boundary = scenario.boundary == .facility ? ["--pue", pue] : ["--boundary", scenario.boundary.rawValue]
        let args = ["tokenwatt", "estimate"] + request.commandLineFlags
            + ["--batch", "\(r.batch)", "--input", "\(r.inputTokens)", "--output", "\(r.outputTokens)", "--token-budget", "\(r.tokenBudget)",
               "--load", load] + boundary
        let own = !estimator.calibrationIsBundled || !ModelCatalog.bundled.contains(request.model) || !GPUCatalog.bundled.contains(request.gpu)
        return "`\(shellCommand(args))`" + (own ? " with this run's catalog and calibration files" : "")
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
        // The worst case `power` reports beside the busy draw. A budget held against the busy draw
        // alone can be overrun by it (5 MW of H100 sized on the busy draw could draw 5.94 MW).
        sizing.hardware.replicaWorstCaseWallWatts = max(busyWall, s.deployment.worstCaseWallWatts(estimator))
        sizing.hourlyWall = (0..<24).map { h in busy[h] * busyWall + (Double(replicas) - busy[h]) * s.idleWallPower }
        if let note = Self.batchNote(surface: s, limit: kernel.deployments.first { $0.name == cls.deployment }?.maxBatch ?? 0) {
            sizing.notes.append("class \(cls.name): \(note)")
        }
        if let note = tileEdgeNote(surface: s) {
            sizing.notes.append("class \(cls.name): \(note)")
        }
        if let note = Self.unsharedPrefixNote(cls, draws: mine, surface: s) { sizing.notes.append("class \(cls.name): \(note)") }
        sizing.notes += Self.kvNotes(cls, draws: mine, surface: s)
        let over = mine.filter(\.overContext).count
        if over > 0 {
            sizing.notes.append("class \(cls.name): \(ClassResult.shareWords(Double(over) / Double(mine.count))) of queries have a call longer than "
                                + "the \(s.deployment.model.maxPositions)-token context window of \(s.deployment.model.id); costed as drawn")
        }
        return sizing
    }

    /// What a class's batch leaves out of a prefix-cache hit, where the KV cache sets the batch:
    /// each sequence in flight is counted with its whole prompt, the cached part as pages of its
    /// own. vLLM's prefix cache holds a block once for every request whose prompt hashes to it
    /// (as `validate` counts `promptCopies`), so sequences that share a cached prefix (one system
    /// prompt, one document) fit more to the cache; but a hit rate does not say how many sequences
    /// in flight share a prefix (an agent's own earlier turns share with no other query), so the
    /// batch is not raised. At 32,000 + 300 tokens with a hit of 0.9 the KV cache of one H100
    /// holds 13 sequences of Llama-3.1-8B either way (a 2026-12-07 probe). Nil without cached tokens.
    static func unsharedPrefixNote(_ cls: QueryClass, draws mine: [Sample], surface s: ServingSurface) -> String? {
        let calls = mine.reduce(0) { $0 + $1.calls }, cached = mine.reduce(0) { $0 + $1.cached }
        guard s.batchLimit == .memory, !s.disaggregated, calls > 0, cached > 0 else { return nil }
        let prompt = mine.reduce(0) { $0 + $1.prefilled } + cached
        return "the KV cache holds \(formatCount(s.localBatch * s.deployment.attentionRanks, "sequence")) counting each one's whole prompt: the "
            + "\(formatPercent(cached / prompt, decimals: 0)) of prompt tokens found in the prefix cache are counted as pages of each sequence's own; "
            + "where sequences in flight share a cached prefix (one system prompt or document), vLLM holds its pages once and more fit, "
            + "which the batch does not count (a hit rate does not say how many share one; docs/methodology.md §8, Strategies)"
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
    /// each priced with ⌊limit / replicas⌋ sequences (`ServingEstimator.perRank`; maxBatch 300 on
    /// 8 replicas is priced as 8 × 37 = 296), or one each when the limit is below the replicas
    /// (more than the limit).
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
                         + "29–46 % faster in the model than measured and their J per token 19–29 % low (docs/methodology.md §7: the beam search's "
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
}
