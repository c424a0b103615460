import KernelPower

/// A pass under pipeline parallelism: the engine's batch runs as `pp` microbatches (vLLM keeps one
/// scheduled batch in flight per stage), each through every stage, and the result is one cycle,
/// in which every sequence advances as in one step of an unpipelined engine.
extension Estimator {
    func pipelinePass(_ d: Deployment, phase: Phase, lmHead: Bool) throws -> PassEstimate {
        passEstimator(for: d).pipelineCycle(try pipelineRuns(d, phase: phase, lmHead: lmHead) {
            $0.estimate($1, clock: d.lockedClock, powerCap: d.powerCap)
        })
    }

    /// Every stage's run of every microbatch of `phase` on `d`, each priced by `run` with its
    /// stage's pass estimator and program: rows are stages and columns microbatches, as
    /// `PassEstimator.pipelineCycle` takes them (`tokenwatt kernels --per-query` runs breakdowns).
    func pipelineRuns<T>(_ d: Deployment, phase: Phase, lmHead: Bool = true,
                         _ run: (PassEstimator, KernelProgram) -> T) throws -> [[T]] {
        let microbatches = Self.microbatches(of: phase, count: d.pipelineParallel)
        let planner = PhasePlanner(deployment: d, includeLMHead: lmHead)
        let first = passEstimator(for: d)
        let stages = (0..<d.pipelineParallel).map { Self.stageEstimator(first, stage: $0) }
        return try stages.enumerated().map { stage, estimator in
            try microbatches.map { run(estimator, try planner.program(for: $0, stage: stage)) }
        }
    }

    /// The pass estimator of pipeline stage `stage` (0-based), given the first stage's. The
    /// scheduler runs once per microbatch, on the first stage's host; the others only launch their
    /// kernels.
    static func stageEstimator(_ first: PassEstimator, stage: Int) -> PassEstimator {
        guard stage > 0 else { return first }
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
