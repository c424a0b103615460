import KernelPower

/// A pass under pipeline parallelism: the engine's batch runs as `pp` microbatches (vLLM keeps one
/// scheduled batch in flight per stage), each through every stage, and the result is one cycle,
/// in which every sequence advances as in one step of an unpipelined engine.
extension Estimator {
    func pipelinePass(_ d: Deployment, phase: Phase, lmHead: Bool) throws -> PassEstimate {
        let microbatches = Self.microbatches(of: phase, count: d.pipelineParallel)
        let planner = PhasePlanner(deployment: d, includeLMHead: lmHead)
        let first = passEstimator(for: d), worker = Self.worker(of: first)
        let runs = try (0..<d.pipelineParallel).map { stage in
            try microbatches.map { mb in
                (stage == 0 ? first : worker).estimate(try planner.program(for: mb, stage: stage), clock: d.lockedClock, powerCap: d.powerCap)
            }
        }
        return first.pipelineCycle(runs)
    }

    /// The pass estimator of a stage after the first. The scheduler runs once per microbatch, on
    /// the first stage's host; the others only launch their kernels.
    static func worker(of first: PassEstimator) -> PassEstimator {
        var host = first.host
        host.passOverhead = .zero
        host.perSequenceOverhead = .zero
        return PassEstimator(gpu: first.gpu, power: first.power, timeModel: first.timeModel, host: host)
    }

    /// `phase` split into up to `count` microbatches of near-equal sequences (a microbatch with no
    /// sequence is not run); the prompt chunks of a mixed step go to the first microbatches.
    static func microbatches(of phase: Phase, count: Int) -> [Phase] {
        func split(_ n: Int) -> [Int] { (0..<count).map { n / count + ($0 < n % count ? 1 : 0) } }
        switch phase {
        case let .prefill(b, t, past):
            return split(b).filter { $0 > 0 }.map { .prefill(batch: $0, tokens: t, pastTokens: past) }
        case let .decode(b, c):
            return split(b).filter { $0 > 0 }.map { .decode(batch: $0, context: c) }
        case let .mixed(b, c, t, past, g):
            return zip(split(b), split(g)).compactMap { decodes, prompts -> Phase? in
                switch (decodes, prompts) {
                case (0, 0): return nil
                case (0, _): return .prefill(batch: prompts, tokens: t, pastTokens: past)
                case (_, 0): return .decode(batch: decodes, context: c)
                default: return .mixed(decodeBatch: decodes, context: c, prefillTokens: t, prefillPast: past, prefillSequences: prompts)
                }
            }
        }
    }
}
