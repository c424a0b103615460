import Foundation
import KernelPower

// What a query's calls cost on a surface: their prompt chunks on the chunk grid, then the
// place-steps they hold in the batch and the tokens they decode.
extension ServingSurface {
    /// Cost of a query's calls, all GPUs of the deployment.
    public func cost(_ calls: [ModelCall]) -> QueryCost {
        var q = QueryCost()
        let perSequenceStep = gpus / (ranks * Double(localBatch))
        for call in calls {
            var past = Double(call.cachedTokens), left = Double(call.newTokens)
            var chunks = 0.0
            let step = decodeStep(call.meanDecodeContext), plain = plainStep(call.meanDecodeContext)
            // The chunks a step of this call's carries, counted in chunks of its first's length, as
            // `estimate` counts them (`ContinuousPlan.chunkMix`): counted in chunks of its own, a
            // long prompt's short last chunk waited on as many others as its length fits in the
            // budget, each at its own long past, which put fleet's TTFT of 100,000 + 1 tokens on
            // Llama-3.1-8B 11 % above estimate's (8,741 against 7,884 ms, a 2026-12-07 probe).
            let stepChunk = min(left, Double(chunk))
            while left > 0 {
                let n = min(left, Double(chunk))
                let (e, t) = chunkCost(n, past: past)
                q.prefillJoules += e * gpus / ranks
                q.occupancySeconds += t / ranks
                // A chunk runs beside a plain decode step (`plainStep`).
                q.firstTokenSeconds += chunkStepTime(decode: plain.t, added: t, tokens: n, stepChunk: stepChunk)
                past += n
                left -= n
                chunks += 1
            }
            let (held, firsts, decoded) = places(call, chunks: chunks)
            let seconds = placeSeconds(held: held, firsts: firsts, decoded: decoded, step: step.t, plain: plain.t)
            q.prefillJoules += plain.e * perSequenceStep * held
            q.occupancySeconds += seconds.held
            let tokens = Double(call.sequences * call.outputTokens)
            q.decodeJoules += step.e * perSequenceStep * decoded + plain.e * perSequenceStep * firsts
            q.gapJoules += step.gap * perSequenceStep * decoded + plain.gap * perSequenceStep * firsts
            q.occupancySeconds += seconds.tokens
            q.outputTokens += tokens
            q.slotSteps += held + decoded + firsts
            // The ITL's t₀ (`KernelFleet.meanLatency`): a sequence's interval waits on the surface's
            // step, a verification step per token under speculation. Weighing in the plain place-
            // steps' time had put a 2-token answer's ITL at 13.2 ms, midway between the plain
            // 18.4 ms and the 8.0 ms verification step its one interval takes.
            q.decodeStepSeconds += step.t * (held + decoded + firsts)
            q.calls += 1
            q.decodeIntervals += Double(call.sequences * max(0, call.outputTokens - 1))
        }
        return q
    }

    /// The place-steps a call takes after its prompt's chunks: `held`, those its prompt holds
    /// through its chunks before the last (which emits the first token), as
    /// `ContinuousPlan.slotSteps` counts them (a disaggregated decode pool takes the request only
    /// once its prompt is read elsewhere: none), then its output tokens (`firstTokens`).
    func places(_ call: ModelCall, chunks: Double) -> (held: Double, firsts: Double, decoded: Double) {
        let (firsts, decoded) = firstTokens(call)
        return (disaggregated ? 0 : Double(call.sequences) * max(0, chunks - 1), firsts, decoded)
    }

    /// The deployment seconds of a call's place-steps (`places`), at the plain step `plain` and
    /// the surface's step `step`: `cost` and `occupancySeconds` both add `held` then `tokens`,
    /// so their sums agree to the bit.
    func placeSeconds(held: Double, firsts: Double, decoded: Double, step: Double, plain: Double) -> (held: Double, tokens: Double) {
        let places = ranks * Double(localBatch)
        return (plain / places * held, step / places * decoded + plain / places * firsts)
    }

    /// A call's output tokens as the decode pool's steps emit them: `firsts`, each sequence's
    /// first token where a place-step of its own emits it, priced at the plain step, and
    /// `decoded`, those priced at the surface's step. Without a lever every token is `decoded`
    /// (the sums stay bit for bit what they were). Under speculative decoding the first token of
    /// each sequence comes from the step that runs the prompt's last chunk, with no draft to
    /// verify: a plain place-step. A disaggregated decode pool emits no first token at all (the
    /// prefill pool's pass gives it, and its logits are in that pass's energy): O − 1 steps,
    /// where O had been priced, so a class of one-token answers "cut ITL 439 → 51.9 ms" in a pool
    /// it never enters.
    func firstTokens(_ call: ModelCall) -> (firsts: Double, decoded: Double) {
        let tokens = Double(call.sequences * call.outputTokens)
        guard call.outputTokens > 0 else { return (0, tokens) }
        if disaggregated { return (0, tokens - Double(call.sequences)) }
        return speculative ? (Double(call.sequences), tokens - Double(call.sequences)) : (0, tokens)
    }

    /// The step a prompt chunk of `tokens` runs in, s: the decode step (`decode`) with that chunk
    /// (`added`, what it adds) and the others it shares the step with, as `estimate` prices a
    /// chunk's wait (`ChunkMix`: a chunk runs in a step of `high` chunks or of `low`), counted in
    /// chunks of `stepChunk` tokens (the call's first chunk; `tokens` when not given).
    func chunkStepTime(decode: Double, added: Double, tokens: Double, stepChunk: Double? = nil) -> Double {
        let size = stepChunk ?? tokens
        let mix = ChunkMix(mean: promptTokensPerStep / max(1, size), chunk: Int(size), room: tokenBudget - localBatch)
        let share = mix.highChunkShare
        return decode + added * (share * Double(mix.high) + (1 - share) * Double(mix.low))
    }

    /// `cost(calls).occupancySeconds` alone, the same bits (the same terms added in the same
    /// order), for the rungs trace only weighs: pricing the energy on all of them as well cost
    /// the replay about half its time.
    public func occupancySeconds(_ calls: [ModelCall]) -> Double {
        var occupancy = 0.0
        for call in calls {
            var past = Double(call.cachedTokens), left = Double(call.newTokens)
            var chunks = 0.0
            while left > 0 {
                let n = min(left, Double(chunk))
                occupancy += chunkTime(n, past: past) / ranks
                past += n
                left -= n
                chunks += 1
            }
            let (held, firsts, decoded) = places(call, chunks: chunks)
            let seconds = placeSeconds(held: held, firsts: firsts, decoded: decoded, step: decodeTime.value(call.meanDecodeContext),
                                       plain: plainStep(call.meanDecodeContext).t)
            occupancy += seconds.held
            occupancy += seconds.tokens
        }
        return occupancy
    }
}
