import Foundation
import KernelPower

/// Runs a kernel scenario: a surface per traffic class, a seeded Monte Carlo over query lengths
/// and uncertain inputs, then the fleet that serves the day's load at the peak hour.
public struct KernelFleet: Sendable {
    public let scenario: Scenario
    public let kernel: KernelScenario
    public let estimator: Estimator

    /// Per-sample record (kept for statistics and the variance decomposition).
    struct Sample {
        var cls: Int
        var input: Double, output: Double, gpuScale: Double, hostScale: Double, pue: Double
        var cost: QueryCost
        var gpuWh: Double, nodeWh: Double
        /// Whether a call of the query is longer than the model's context window.
        var overContext = false
        /// The query's call that holds the most KV cache at its last token, and those bytes per GPU:
        /// all its sequences, and its prompt with one sequence's answer (what an engine must hold
        /// for the call to run at all: vLLM fans n samples out into n requests of one sequence each).
        var largestCall: ModelCall? = nil
        var largestCallBytes = 0.0, largestSequenceBytes = 0.0
        /// Tokens the query's calls prefill and find in the prefix cache, and its calls.
        var prefilled = 0.0, cached = 0.0, calls = 0.0
        /// The draw's weight in the day's means (`KernelFleet.weigh`): the draws add up to 1.
        var weight = 0.0

        /// Whether one sequence of its largest call (the prompt and one answer) does not fit in the
        /// KV cache of one engine of `s` even alone. Judged per sequence, as `max_model_len` is:
        /// until 2026-12-06 a best-of-128 of 1,000 + 3,000 tokens on Qwen3-32B, 2 × H100 (50.6 GB
        /// for all 128 answers, 0.53 GB each) was "a request an engine would refuse", in every query.
        func overflows(_ s: ServingSurface) -> Bool { largestSequenceBytes > s.kvBudget.kvBytesPerGPU.bytes }

        /// Whether its parallel samples, each fitting alone, cannot all be resident in one engine
        /// at once: more than it keeps in flight, or more KV cache at their last token than it has.
        /// They then decode in turns (`KernelFleet.kvNotes`).
        func samplesTakeTurns(_ s: ServingSurface) -> Bool {
            guard let c = largestCall, c.sequences > 1, !overflows(s) else { return false }
            return c.sequences > s.localBatch || largestCallBytes > s.kvBudget.kvBytesPerGPU.bytes
        }
    }

    /// The call of `calls` that holds the most KV cache on one GPU at its last token, its bytes
    /// with all its sequences and with its prompt and one sequence. The cache a call holds grows
    /// with its tokens (the prompt once, each sequence's output), so the call with the most is
    /// found by counting and only its bytes are priced: pricing every call of every draw cost the
    /// Monte Carlo 28 % (100,000 draws 0.173 → 0.222 s). A strategy has either one call of
    /// several sequences (parallel samples) or calls of one, so that call holds the longest
    /// sequence too.
    static func largest(_ calls: [ModelCall], on kv: KVCallModel) -> (call: ModelCall, bytes: Double, sequenceBytes: Double)? {
        var best: ModelCall?, most = -1
        for c in calls {
            let held = c.newTokens + c.cachedTokens + c.sequences * c.outputTokens
            if held > most { best = c; most = held }
        }
        return best.map { c in
            let prompt = KVCacheBudget.pages(Double(c.newTokens + c.cachedTokens)), output = KVCacheBudget.pages(Double(c.outputTokens))
            let all = kv.bytes(promptTokens: prompt, outputTokens: output, sequences: c.sequences)
            return (c, all, c.sequences > 1 ? kv.bytes(promptTokens: prompt, outputTokens: output, sequences: 1) : all)
        }
    }

    /// A drawn token count, whole and inside the workload's 10-million-token field range: an
    /// exponential's tail reaches past any bound, and an Int must hold it.
    static func tokens(_ x: Double, atLeast low: Double) -> Double { min(10_000_000, max(low, x.rounded())) }

    public func run(samples n: Int, seed: UInt64, change: LeverChange? = nil) throws -> FleetResult {
        try priced(samples: n, seed: seed, change: change).result
    }

    /// `run`'s result with the classes and surfaces it priced (a lever's notes read them).
    func priced(samples n: Int, seed: UInt64, change: LeverChange? = nil) throws
        -> (result: FleetResult, classes: [QueryClass], surfaces: [ServingSurface]) {
        let classes = kernel.classes.map { apply(change, to: $0) }
        let surfaces = try pricedSurfaces(classes, seed: seed, change: change)
        let rng = SeededRandom(seed: seed)
        var lengths = rng.stream(1), gscale = rng.stream(2), hscale = rng.stream(3), pues = rng.stream(4)
        var draws: [Sample] = []
        draws.reserveCapacity(n)
        let kvModels = surfaces.map(\.deployment.kvCallModel)
        // One query of class c: its lengths, calls, cost and drawn scales.
        func draw(_ c: Int) -> Sample {
            let cls = classes[c], s = surfaces[c]
            let input = Self.tokens(cls.input.sample(&lengths), atLeast: 1), output = Self.tokens(cls.output.sample(&lengths), atLeast: 0)
            let calls = cls.strategy.calls(input: Int(input), output: Int(output), prefixCacheHit: cls.prefixCacheHit)
            let cost = s.cost(calls)
            let g = kernel.gpuEnergyScale.sample(&gscale), h = kernel.hostPowerScale.sample(&hscale), p = scenario.pue.sample(&pues)
            let gpuWh = (cost.prefillJoules + cost.decodeJoules) * g / 3600
            let hostWh = s.hostWattHours(occupancySeconds: cost.occupancySeconds, scale: h)
            let nodeWh = (gpuWh + hostWh) / s.psuEfficiency
            let big = Self.largest(calls, on: kvModels[c])
            return Sample(cls: c, input: input, output: output, gpuScale: g, hostScale: h, pue: p, cost: cost, gpuWh: gpuWh, nodeWh: nodeWh,
                          overContext: calls.contains { s.deployment.exceedsContext(tokens: $0.newTokens + $0.cachedTokens + $0.outputTokens) },
                          largestCall: big?.call, largestCallBytes: big?.bytes ?? 0, largestSequenceBytes: big?.sequenceBytes ?? 0,
                          prefilled: Double(calls.reduce(0) { $0 + $1.newTokens }), cached: Double(calls.reduce(0) { $0 + $1.cachedTokens }),
                          calls: Double(calls.count))
        }
        // Classes draw in the order of their names, not of the file: listed in reverse, the chat
        // service's classes had drawn other lengths from the shared streams, mean 0.326 → 0.319
        // Wh and 1828 → 1792 GPUs (a 2026-12-07 reproducibility probe). Names are unique in a scenario.
        let order = classes.indices.sorted { classes[$0].name < classes[$1].name }
        for (c, count) in zip(order, Self.drawCounts(shares: order.map { classes[$0].share }, samples: n)) {
            for _ in 0..<count { draws.append(draw(c)) }
        }
        Self.weigh(&draws, shares: classes.map(\.share))
        var result = try summarize(draws, classes: classes, surfaces: surfaces, change: change)
        result.decodeClockCaveat = try decodeClockCaveat(classes: classes, surfaces: surfaces)
        result.unboundCapDeployments = try unboundCaps(classes: classes, surfaces: surfaces)
        let perClass = classLatencies(draws, surfaces: surfaces)
        (result.meanITLMs, result.meanTTFTMs) = Self.meanLatency(perClass, disaggregated: surfaces.contains(where: \.disaggregated))
        for (c, l) in perClass.enumerated() where c < result.classes.count {
            (result.classes[c].interTokenLatencyMs, result.classes[c].timeToFirstTokenMs) = (l.itl.map { $0 * 1000 }, l.ttft.map { $0 * 1000 })
        }
        return (result, classes, surfaces)
    }

    /// Each class's surface (`surface`), or one error that names every deployment (and class)
    /// that cannot be priced, each with its reason, in the file's order: the first had been named
    /// alone, so a lever to 4 × L4 was "not run: … deployment medium: … does not fit" with
    /// nothing of the 70B deployment that does not fit either (a 2026-12-07 probe).
    func pricedSurfaces(_ classes: [QueryClass], seed: UInt64, change: LeverChange?) throws -> [ServingSurface] {
        var out: [ServingSurface] = [], failures: [String] = []
        for c in classes {
            do { out.append(try surface(for: c, seed: seed, change: change)) } catch {
                // Classes of one deployment fail alike where the deployment itself cannot run: said once.
                if !failures.contains("\(error)") { failures.append("\(error)") }
            }
        }
        guard failures.isEmpty else {
            throw FleetError(description: failures.count == 1 ? failures[0]
                             : "each of these fails: " + failures.enumerated().map { "(\($0 + 1)) \($1)" }.joined(separator: "; "))
        }
        return out
    }

    /// Draws per class: each class its share of `n`, the draws left by rounding down going to the
    /// largest remainders (the first class on a tie), and at least one per class with traffic
    /// where `n` allows (`weigh` then weighs each class by its share, not its draws). Drawing each
    /// query's class at random made the day's energy (the mean over draws) weigh the classes as
    /// drawn while the fleet, the hourly profile and the idle energy weigh them by their shares:
    /// at 3,000 draws of the chat service the hourly profile added up to 4.1 % more than GWh a
    /// day. Stratified, the two agree, and the mean's sampling error loses the spread between classes.
    static func drawCounts(shares: [Double], samples n: Int) -> [Int] {
        let total = shares.reduce(0, +)
        guard total > 0, n > 0 else { return shares.map { _ in 0 } }
        let exact = shares.map { $0 / total * Double(n) }
        var counts = exact.map { Int($0.rounded(.down)) }
        let remainder = exact.indices.map { exact[$0] - Double(counts[$0]) }
        let order = exact.indices.sorted { remainder[$0] != remainder[$1] ? remainder[$0] > remainder[$1] : $0 < $1 }
        for i in order.prefix(max(0, n - counts.reduce(0, +))) { counts[i] += 1 }
        // Every class with traffic gets a draw while there are enough to go round, taken from the
        // class with the most: a 0.5 % class got none of 100 draws, and a heavy one left out so
        // put `capacity` at 3.4 times the queries its fleet could serve.
        let positive = shares.indices.filter { shares[$0] > 0 }
        if n >= positive.count {
            for c in positive where counts[c] == 0 {
                guard let most = counts.indices.max(by: { counts[$0] < counts[$1] }), counts[most] > 1 else { break }
                counts[most] -= 1
                counts[c] = 1
            }
        }
        return counts
    }

    /// A class with a mechanistic lever applied. A `prefixCacheHit` lever raises the class's hit
    /// rate to at least its own, max(class, lever): it had replaced every class's, so on a probe
    /// of the chat service with long-context at 0.5 a "50 %" lever turned caching on for the two
    /// classes at 0 and nothing else, and a lever of 0.3 had raised long-context's energy.
    func apply(_ change: LeverChange?, to c: QueryClass) -> QueryClass {
        var c = c
        if let h = change?.prefixCacheHit { c.prefixCacheHit = max(c.prefixCacheHit, h) }
        return c
    }

    /// The deployment a class names, as a lever edits it.
    func named(_ name: String, className: String) throws -> NamedDeployment {
        guard let named = kernel.deployments.first(where: { $0.name == name }) else {
            throw FleetError(description: "class \(className) names an unknown deployment \(name)")
        }
        return named
    }

    /// `named` with `change`'s deployment fields set: the edit it names and nothing more. A lever
    /// that names another model and no precision runs that model at its checkpoint's precision
    /// (`Estimator.defaultPrecision`, what `estimate --model` without `--precision` runs): it had
    /// kept the deployment's, so gpt-oss-120b on Llama-3.1-70B's 4 × H100 ran in BF16 (saves 73 %,
    /// ITL 49.6 ms, where at its MXFP4 it saves 82 %) and on one H100 was refused for 233.7 GB of
    /// BF16 weights.
    func edited(_ named: NamedDeployment, by change: LeverChange?) -> NamedDeployment {
        guard let ch = change else { return named }
        var named = named
        if let p = ch.precision { named.request.precision = p }
        if let p = ch.kvPrecision { named.request.kvPrecision = p }
        if let g = ch.gpu { named.request.gpu = g }
        // The count alone, as an edit of the deployment would: setting tp to it as well
        // turned an attention-data-parallel layout (tp 1, ep 8) into tp 8 under "gpus 8".
        if let n = ch.gpus { named.request.gpus = n }
        if let t = ch.tensorParallel { named.request.tensorParallel = t }
        if let e = ch.expertParallel { named.request.expertParallel = e }
        if let m = ch.model {
            if ch.precision == nil, !sameModel(m, named.request.model) { named.request.precision = nil }
            named.request.model = m
        }
        if let b = ch.maxBatch { named.maxBatch = b }
        // A cap above the (edited) GPU's highest limit runs it uncapped where another deployment takes it (`CapAtTDP`).
        if let w = ch.powerCapWatts { named.request.powerCapWatts = leverCap(w, gpu: named.request.gpu, change: ch) }
        if let f = ch.smClockMHz { named.request.smClockMHz = f }
        if let f = ch.framework { named.request.framework = f }
        if let s = ch.sampling { named.request.sampling = s }
        return named
    }

    /// Whether two catalog ids (or aliases) name one model; ids the catalog lacks compare as
    /// written, case-insensitively (the deployment's own refusal names them).
    func sameModel(_ a: String, _ b: String) -> Bool {
        let id = { (x: String) in (try? estimator.models.model(x).id) ?? x.lowercased() }
        return id(a).lowercased() == id(b).lowercased()
    }

    func surface(for c: QueryClass, seed: UInt64, change: LeverChange?) throws -> ServingSurface {
        let named = edited(try named(c.deployment, className: c.name), by: change)
        let context = "scenario \(scenario.name), deployment \(named.name)"
        let d: Deployment
        do {
            d = try estimator.deployment(named.request, context: context)
        } catch let e as DeploymentError {
            // The deployment's own refusal says what is wrong but not where: name the scenario and deployment.
            throw FleetError(description: "\(context): \(e)")
        }
        // The class's calls, drawn: what a sequence holds in the KV cache while it decodes sets
        // the batch the cache allows, the prompt tokens per output token the chunks a step carries.
        var rng = SeededRandom(seed: seed).stream(99)
        var mix = CallMix()
        var largest: (call: ModelCall, bytes: Double)? = nil
        let kv = d.kvCallModel
        for _ in 0..<2000 {
            let calls = c.strategy.calls(input: Int(Self.tokens(c.input.sample(&rng), atLeast: 1)),
                                         output: Int(Self.tokens(c.output.sample(&rng), atLeast: 0)),
                                         prefixCacheHit: c.prefixCacheHit)
            for call in calls { mix.add(call) }
            if let big = Self.largest(calls, on: kv), big.bytes > (largest?.bytes ?? -1) { largest = (big.call, big.bytes) }
        }
        do {
            return try ServingSurface(estimator: estimator, deployment: d, maxBatch: named.maxBatch, tokenBudget: named.budget(on: d),
                                      meanResidentTokens: mix.residentTokens, meanOutput: mix.outputTokens,
                                      meanPrompt: mix.promptTokens, change: change)
        } catch let e as DeploymentError {
            // A class whose mean call the KV cache cannot hold: say which class of which scenario,
            // and name its largest call too (the error had named the mean one alone, 5,245,750 + 500
            // tokens for an agent loop whose last call holds 10.5 million).
            let free = max(0, KVCacheBudget.freeBytes(d, tokenBudget: named.budget(on: d), memoryUtilization: d.memoryUtilization))
            let mean = d.kvBytesPerSequencePerGPU(contextTokens: KVCacheBudget.pages(mix.residentTokens)).bytes
            guard let big = largest, mean > free else { throw FleetError(description: "\(context), class \(c.name): \(e)") }
            throw FleetError(description: "\(context), class \(c.name): its calls do not fit in the KV cache: a sequence holds "
                             + "\(max(1, Int(mix.residentTokens))) tokens on average while it decodes (the mean sets the batch), "
                             + "and the largest call of the 2000 queries drawn to size it holds \(Self.callWords(big.call)), "
                             + "\(formatNumber(big.bytes / 1e9, significant: 3)) GB per GPU at its last token; \(formatNumber(free / 1e9, significant: 3)) GB per GPU "
                             + "is left for the KV cache after weights and activations; use more GPUs or shorter requests")
        }
    }

    /// A call's tokens in words: "1000 + 36000 tokens", or for parallel samples "16 sequences of
    /// 2000 tokens from one 1000-token prompt".
    static func callWords(_ c: ModelCall) -> String {
        let prompt = c.newTokens + c.cachedTokens
        return c.sequences > 1 ? "\(c.sequences) sequences of \(c.outputTokens) tokens from one \(prompt)-token prompt"
            : "\(prompt) + \(c.outputTokens) tokens"
    }
}
