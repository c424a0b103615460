import Foundation
import KernelPower

// Continuous batching (vLLM): a decode step at the mean context and what one request's prompt
// chunks add to the steps they join (`ContinuousPlan`), and the quantiles of the step time.

extension ServingEstimator {
    /// The sums `chunkIncrements` takes over a request's prompt chunks.
    struct ChunkIncrements {
        var energy = Energy.zero, time = Time.zero, gap = Energy.zero, ttft = Time.zero
        var stepsEnergy = Energy.zero
        var limited: Bool
    }

    /// What one request's prompt chunks add to the decode steps they join, summed over its
    /// chunks with their quadrature weights: energy, time and host-gap energy (each its share of
    /// the steps of `low` or `high` chunks, `ChunkMix.perChunk`), the time to the first token
    /// and the energy of the steps the chunks ran in (each waits for its whole step), and
    /// whether any of those steps met the power cap.
    func chunkIncrements(_ plan: ContinuousPlan, decode: PassEstimate) throws -> ChunkIncrements {
        var sum = ChunkIncrements(limited: decode.powerLimited)
        let mix = plan.chunkMix
        for chunk in plan.chunks {
            let high = try chunkStep(chunk.high, decode: decode), low = try chunk.low.map { try chunkStep($0, decode: decode) }
            func added(_ x: (PassEstimate) -> Double) -> Double {
                mix.perChunk(low.map { x($0) - x(decode) } ?? 0, x(high) - x(decode)) * chunk.weight
            }
            sum.energy += .joules(added { $0.energy.joules })
            sum.time += .seconds(added { $0.time.seconds })
            sum.gap += .joules(added { $0.gapEnergy.joules })
            // A chunk waits for the step it runs in: one of `high` chunks, or of `low`.
            let inHigh = low == nil ? 1 : mix.highChunkShare
            sum.ttft += .seconds((high.time.seconds * inHigh + (low?.time.seconds ?? 0) * (1 - inHigh)) * chunk.weight)
            sum.stepsEnergy += .joules((high.energy.joules * inHigh + (low?.energy.joules ?? 0) * (1 - inHigh)) * chunk.weight)
            sum.limited = sum.limited || high.powerLimited || (low?.powerLimited ?? false)
        }
        return sum
    }

    /// The serving estimate of `r` under continuous batching, `b` sequences per attention rank.
    func continuous(_ r: ServingRequest, local b: Int) throws -> ServingEstimate {
        let d = deployment
        let plan = ContinuousPlan(request: r, local: b)
        let ranks = Double(d.attentionRanks)
        let decode = try pass(plan.decode)
        let chunks = try chunkIncrements(plan, decode: decode)
        let (extraEnergy, extraTime, extraGap, ttft) = (chunks.energy, chunks.time, chunks.gap, chunks.ttft)
        let mix = plan.chunkMix
        let step = decode.time + extraTime * plan.startsPerStep
        // A decoding sequence waits on the chunks of the other b − 1 places, never on its own
        // (they ran before its first token): at batch 1 its tokens come one decode step apart.
        let others = Double(b - 1) / Double(b)
        let itl = decode.time + extraTime * (plan.startsPerStep * others)
        // A step with k prompt chunks takes the decode step plus k chunks' increments.
        let timePerChunk = extraTime / Double(plan.chunksPerPrompt)
        func quantile(_ q: StepQuantile) -> Time {
            plan.budgetBound ? itl : decode.time + timePerChunk * Double(Self.poissonQuantile(plan.meanChunksPerStep * others, q))
        }
        let stepEnergy = decode.energy + extraEnergy * plan.startsPerStep
        let tokensPerStep = plan.tokensPerStep * ranks
        let gpus = Double(d.gpuCount)
        // A query's place in the batch for its O token steps (decode), and for the steps of its
        // earlier prompt chunks (prefill: the place is held while the prompt is read).
        let perPlaceStep = gpus / (ranks * Double(b))
        let decodeSteps = Double(r.outputTokens), heldSteps = plan.slotSteps - decodeSteps
        // Per query: one request in `sharingCopies` prefills (the rest find the prompt cached).
        let gaps = Self.phaseGaps(prefill: extraGap * (gpus / ranks / r.sharingCopies) + decode.gapEnergy * (perPlaceStep * heldSteps),
                                  decode: decode.gapEnergy * (perPlaceStep * decodeSteps))
        return ServingEstimate(
            requestedBatch: r.batch, effectiveBatch: b * d.attentionRanks, maxBatch: 0, stepTime: step,
            interTokenLatency: itl, medianInterTokenLatency: quantile(.median), p90InterTokenLatency: quantile(.p90),
            timeToFirstToken: ttft, outputTokensPerSecond: tokensPerStep / step.seconds,
            gpuPower: stepEnergy / step, energyPerOutputToken: stepEnergy * (gpus / tokensPerStep),
            prefill: PhaseCost(time: ttft, energy: extraEnergy * (gpus / ranks / r.sharingCopies) + decode.energy * (perPlaceStep * heldSteps) + gaps.moved,
                               // The mean power of the steps the prompt's chunks ran in, over all of them: the
                               // last chunk's alone had read 338 W for a 100,000-token prompt that drew 380 W.
                               gpuPower: ttft.seconds > 0 ? chunks.stepsEnergy / ttft : decode.averagePower,
                               gapEnergy: gaps.prefill),
            decode: PhaseCost(time: itl * decodeSteps, energy: decode.energy * (perPlaceStep * decodeSteps) - gaps.moved, gpuPower: decode.averagePower,
                              gapEnergy: gaps.decode),
            decodeStep: decode, powerLimited: chunks.limited, notes: [],
            promptChunking: PromptChunking(startsPerStep: plan.startsPerStep, chunksPerStep: mix.low == 0 ? 1 : mix.mean,
                                           chunkTokens: plan.chunkTokens))
    }

    /// Each phase's share of the query's gap energy (the ledger's gpu-idle line), none negative,
    /// and the energy moved from decode to prefill to make it so (added to prefill's energy,
    /// taken from decode's; their busy parts, the ledger's prefill-gpu and decode-gpu, stay).
    ///
    /// `prefill` is the idle its held places' steps have plus what its chunks change in the gaps of
    /// the steps they join (`ChunkIncrements.gap`). That change is negative where a chunk's longer
    /// kernels leave a step less idle time than a decode step alone has, or run it at a lower,
    /// cap-bound clock whose idle draw is lower (6 of 17 configurations probed, Llama-3.1-8B on
    /// one H100 at batch 8: prefill 0.008214 Wh beside a prefill-gpu line of 0.008218). The idle it
    /// removes is the decode steps': it is taken from decode's share, and prefill's is floored at 0.
    static func phaseGaps(prefill: Energy, decode: Energy) -> (prefill: Energy, decode: Energy, moved: Energy) {
        guard prefill < .zero else { return (prefill, decode, .zero) }
        return (.zero, decode + prefill, .zero - prefill)
    }

    /// A quantile of the step time, with the standard normal score of its probability.
    enum StepQuantile {
        case median, p90
        var probability: Double { self == .median ? 0.5 : 0.9 }
        var normalScore: Double { self == .median ? 0 : 1.2815515655446004 }
    }

    /// The `q` quantile of a Poisson count of mean `mean`: the prompt chunks in that step.
    /// Sequences of scattered lengths finish independently, and each finish admits a request, so
    /// the prompts that start in a step form a Poisson stream (the Palm–Khintchine theorem: many
    /// independent renewal streams superposed). Each step emits one token per sequence, so the
    /// quantiles of the step time are those of the inter-token latency. Above a mean of 30 the
    /// quantile is ⌊μ + z√μ + (z² + 2)/6⌋ (the Cornish–Fisher expansion; for the median,
    /// ⌊μ + 1/3⌋, within one of exact: μ − ln 2 ≤ median < μ + 1/3, K. P. Choi, Proc. AMS 121(1),
    /// 1994); below it the distribution is summed.
    static func poissonQuantile(_ mean: Double, _ q: StepQuantile) -> Int {
        guard mean >= 0 else { return 0 }
        guard mean < 30 else {
            let z = q.normalScore
            return Int((mean + z * mean.squareRoot() + (z * z + 2) / 6).rounded(.down))
        }
        var p = exp(-mean), cdf = p, k = 0
        while cdf < q.probability {
            k += 1
            p *= mean / Double(k)
            cdf += p
        }
        return k
    }
}
