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
    }

    /// A drawn token count, whole and inside the workload's 10-million-token field range: an
    /// exponential's tail reaches past any bound, and an Int must hold it.
    static func tokens(_ x: Double, atLeast low: Double) -> Double { min(10_000_000, max(low, x.rounded())) }

    public func run(samples n: Int, seed: UInt64, change: LeverChange? = nil) throws -> FleetResult {
        let classes = kernel.classes.map { apply(change, to: $0) }
        let surfaces = try classes.map { try surface(for: $0, seed: seed, change: change) }
        let rng = SeededRandom(seed: seed)
        var pick = rng.stream(0), lengths = rng.stream(1), gscale = rng.stream(2), hscale = rng.stream(3), pues = rng.stream(4)
        let cumulative = classes.reduce(into: [Double]()) { $0.append(($0.last ?? 0) + $1.share) }
        var draws: [Sample] = []
        draws.reserveCapacity(n)
        for _ in 0..<n {
            let u = pick.uniform() * (cumulative.last ?? 1)
            let c = cumulative.firstIndex { u < $0 } ?? classes.count - 1
            let cls = classes[c]
            let input = Self.tokens(cls.input.sample(&lengths), atLeast: 1), output = Self.tokens(cls.output.sample(&lengths), atLeast: 0)
            let calls = cls.strategy.calls(input: Int(input), output: Int(output), prefixCacheHit: cls.prefixCacheHit)
            let cost = surfaces[c].cost(calls)
            let g = kernel.gpuEnergyScale.sample(&gscale), h = kernel.hostPowerScale.sample(&hscale), p = scenario.pue.sample(&pues)
            let s = surfaces[c]
            let gpuWh = (cost.prefillJoules + cost.decodeJoules) * g / 3600
            let hostWh = s.hostWattsPerGPU * Double(s.deployment.gpuCount) * cost.occupancySeconds * h / 3600
            let nodeWh = (gpuWh + hostWh) / s.psuEfficiency
            draws.append(Sample(cls: c, input: input, output: output, gpuScale: g, hostScale: h, pue: p, cost: cost, gpuWh: gpuWh, nodeWh: nodeWh,
                                overContext: calls.contains { s.deployment.exceedsContext(tokens: $0.newTokens + $0.cachedTokens + $0.outputTokens) }))
        }
        return try summarize(draws, classes: classes, surfaces: surfaces)
    }

    /// A class with a mechanistic lever applied.
    func apply(_ change: LeverChange?, to c: QueryClass) -> QueryClass {
        var c = c
        if let h = change?.prefixCacheHit { c.prefixCacheHit = h }
        return c
    }

    func surface(for c: QueryClass, seed: UInt64, change: LeverChange?) throws -> ServingSurface {
        guard var named = kernel.deployments.first(where: { $0.name == c.deployment }) else {
            throw FleetError(description: "class \(c.name) names an unknown deployment \(c.deployment)")
        }
        if let ch = change {
            if let p = ch.precision { named.request.precision = p }
            if let p = ch.kvPrecision { named.request.kvPrecision = p }
            if let g = ch.gpu { named.request.gpu = g }
            // The count alone, as an edit of the deployment would: setting tp to it as well
            // turned an attention-data-parallel layout (tp 1, ep 8) into tp 8 under "gpus 8".
            if let n = ch.gpus { named.request.gpus = n }
            if let t = ch.tensorParallel { named.request.tensorParallel = t }
            if let e = ch.expertParallel { named.request.expertParallel = e }
            if let m = ch.model { named.request.model = m }
            if let b = ch.maxBatch { named.maxBatch = b }
            if let w = ch.powerCapWatts { named.request.powerCapWatts = w }
            if let f = ch.smClockMHz { named.request.smClockMHz = f }
            if let f = ch.framework { named.request.framework = f }
            if let s = ch.sampling { named.request.sampling = s }
        }
        let context = "scenario \(scenario.name), deployment \(named.name)"
        let d: Deployment
        do {
            d = try estimator.deployment(named.request, context: context)
        } catch let e as DeploymentError {
            // The deployment's own refusal says what is wrong but not where: name the scenario and deployment.
            throw FleetError(description: "\(context): \(e)")
        }
        // The class's mean KV footprint and output per call set the batch the KV cache allows.
        var rng = SeededRandom(seed: seed).stream(99)
        var resident = 0.0, outputs = 0.0, count = 0.0
        for _ in 0..<2000 {
            let calls = c.strategy.calls(input: Int(Self.tokens(c.input.sample(&rng), atLeast: 1)),
                                         output: Int(Self.tokens(c.output.sample(&rng), atLeast: 0)),
                                         prefixCacheHit: c.prefixCacheHit)
            for call in calls { resident += call.residentKVTokens / Double(call.sequences); outputs += Double(call.outputTokens); count += 1 }
        }
        do {
            return try ServingSurface(estimator: estimator, deployment: d, maxBatch: named.maxBatch, tokenBudget: named.tokenBudget,
                                      meanResidentTokens: max(1, resident / count), meanOutput: max(1, outputs / count), change: change)
        } catch let e as DeploymentError {
            // A class whose mean request the KV cache cannot hold: say which class of which scenario.
            throw FleetError(description: "\(context), class \(c.name): \(e)")
        }
    }
}
