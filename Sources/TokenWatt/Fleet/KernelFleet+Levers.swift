import KernelPower

extension KernelFleet {
    /// `DecodeClockCaveat`'s note for a run whose deployments hold a locked clock or a cap below
    /// TDP: each class's decode step (its engine batch, at its mean context) against the same step
    /// at the GPU's default clock and limit, as `estimate` compares a query's decode. The class
    /// that saves the most speaks for the run, named where there are several. Nil where no class
    /// saves more than has been measured. `estimate` and `tune` said a lever's decode saving was an
    /// upper bound; `fleet` ranked the same lever without a word.
    func decodeClockCaveat(classes: [QueryClass], surfaces: [ServingSurface]) throws -> String? {
        var most: (ratio: Double, note: String, name: String)?
        for (c, s) in zip(classes, surfaces) where c.share > 0 && QueryEstimate.tuned(s.deployment) {
            let step = Phase.decode(batch: s.localBatch, context: s.decodeContext)
            let tuned = try estimator.forwardPass(s.deployment, phase: step).energy.joules
            var atDefault = 0.0
            guard let note = try DecodeClockCaveat.note(estimator, s.deployment, decodeJoules: tuned, atDefault: {
                atDefault = try estimator.forwardPass($0, phase: step).energy.joules
                return atDefault
            }), atDefault > 0 else { continue }
            let ratio = tuned / atDefault
            if ratio < most?.ratio ?? .infinity { most = (ratio, note, c.name) }
        }
        guard let most else { return nil }
        return classes.count > 1 ? "class \(most.name): \(most.note)" : most.note
    }
}

extension KernelFleet {
    /// One class's mean ITL and TTFT, seconds (nil: none to give), and the weights they carry in
    /// the run's means (`meanLatency`).
    struct ClassLatency {
        var itl: Double? = nil, itlWeight = 0.0, ttft: Double? = nil, ttftWeight = 0.0
    }

    /// A run's mean inter-token latency and time to first token, ms, from its classes' figures
    /// (`classLatencies`, their draws as their surfaces priced them): what a lever costs in
    /// latency beside what it saves.
    ///
    /// Per class, an engine's mean step is its busy time over the places its batch holds:
    /// t = ranks × b × Σ occupancy ÷ Σ place-steps (each step advances b places on each rank;
    /// `estimate`'s step time, the decode step plus the prompt chunks that join it). A sequence
    /// waits on the chunks of the other b − 1 places, never on its own, so ITL = t₀ + (t − t₀) ×
    /// (b − 1) ÷ b with t₀ the plain decode step, as `estimate` has it. A call's first token comes
    /// after the steps its prompt's chunks run in (`ServingSurface.chunkStepTime`). The class
    /// figures weigh by intervals between tokens (ITL) and by calls (TTFT, per model call), the
    /// classes by their shares. A query with no interval (one-token answers: the step that runs
    /// its prompt's last chunk gives its only token) has no ITL, and a run with none has none
    /// (nil), as `estimate` prints "ITL –": weighed by output tokens, a classification class of
    /// 1,000 + 1 tokens had read 439 ms. A disaggregated decode pool's steps hold decodes only:
    /// ITL is the plain step, and TTFT, a prefill pool's batching that the surface does not time, is nil.
    static func meanLatency(_ classes: [ClassLatency], disaggregated: Bool)
        -> (itlMs: Double?, ttftMs: Double?) {
        var itl = (sum: 0.0, weight: 0.0), ttft = (sum: 0.0, weight: 0.0)
        for c in classes {
            if let v = c.itl { itl.sum += c.itlWeight * v; itl.weight += c.itlWeight }
            if let v = c.ttft { ttft.sum += c.ttftWeight * v; ttft.weight += c.ttftWeight }
        }
        return (itl.weight > 0 ? itl.sum / itl.weight * 1000 : nil,
                ttft.weight > 0 && !disaggregated ? ttft.sum / ttft.weight * 1000 : nil)
    }

    /// Each class's ITL and TTFT, seconds, as `meanLatency` defines them, with the weight it has in the
    /// run's mean (its share of the day's intervals between tokens, of its calls); a figure is nil
    /// where the class has no interval or call (or no draws), and TTFT nil on a disaggregated surface.
    func classLatencies(_ draws: [Sample], surfaces: [ServingSurface]) -> [ClassLatency] {
        // One pass over the draws, summing per class: filtering the draws class by class copied
        // every record once per class.
        struct Sums { var slots = 0.0, occupancy = 0.0, plain = 0.0, weight = 0.0, count = 0.0, intervals = 0.0, calls = 0.0, firstToken = 0.0 }
        var sums = [Sums](repeating: Sums(), count: surfaces.count)
        for d in draws {
            sums[d.cls].slots += d.cost.slotSteps
            sums[d.cls].occupancy += d.cost.occupancySeconds
            sums[d.cls].plain += d.cost.decodeStepSeconds
            sums[d.cls].weight += d.weight
            sums[d.cls].count += 1
            sums[d.cls].intervals += d.cost.decodeIntervals
            sums[d.cls].calls += d.cost.calls
            sums[d.cls].firstToken += d.cost.firstTokenSeconds
        }
        return surfaces.enumerated().map { (c, s) -> ClassLatency in
            let m = sums[c]
            guard m.slots > 0, s.localBatch > 0 else { return ClassLatency() }
            let b = Double(s.localBatch), ranks = Double(s.deployment.attentionRanks)
            let step = ranks * b * m.occupancy / m.slots
            let plain = m.plain / m.slots
            let itl: Double? = m.intervals > 0 ? (s.disaggregated ? plain : plain + (step - plain) * (b - 1) / b) : nil
            let ttft: Double? = m.calls > 0 && !s.disaggregated ? m.firstToken / m.calls : nil
            return ClassLatency(itl: itl, itlWeight: m.intervals > 0 ? m.weight * m.intervals / m.count : 0,
                                ttft: ttft, ttftWeight: m.calls > 0 ? m.weight * m.calls / m.count : 0)
        }
    }
}
