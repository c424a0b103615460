import KernelPower

/// Why a locked clock moves the prefill line and p90 ITL but not TTFT, where the steps that
/// carry prompt chunks are held by the power limit below the lock.
///
/// A 2026-12-07 probe locked Llama-3.3-70B on 2 × B200 (batch 256, 2000 + 300 tokens) at 1860 and
/// 1725 MHz: TTFT stayed 148.3 ms and the prefill draw 963 W a GPU, yet prefill rose 0.05731 →
/// 0.05941 → 0.06147 Wh and p90 ITL fell 250.25 → 249.26 → 248.00 ms. Not a slip in the
/// arithmetic: the chunk step runs at 1648 MHz, held by the 1,000 W limit under every one of those
/// locks, so it costs the same 142.8 J and 148.3 ms a GPU; the decode step runs at the lock
/// (46.26 ms and 39.6 J at 1980 MHz, 48.51 ms and 32.1 J at 1725). A prompt is charged what its
/// chunk adds to the decode step (`ServingEstimator.continuous`), so a cheaper decode step leaves
/// more of the same chunk step to the prompt. The ITL quantiles price a step with k chunks as the
/// decode step plus k chunks' additions, k × (chunk step − decode step): at k = 2 (the p90 here)
/// that is 2 × 148.3 − 48.51 ms, so a slower decode step shortens it. A step with two chunks is
/// held by the limit as one with one is, and its time does not follow the lock: the p90's fall
/// is that linear approximation's, and so is the default's: with its decode step at 1980 MHz the
/// p90 reads 250.25 ms, with the decode step at about the chunk step's clock (a 1650 MHz lock)
/// 247.28 ms, 1.2 % less. Pricing the
/// quantile steps whole would move the p90 ITL `validate` scores against ML.ENERGY's runs at the
/// default clock, so the estimate says so instead.
enum ChunkStepClockCaveat {
    /// The note for `d` at a locked clock whose chunk step `chunk` (the pass that carries a
    /// prompt's first chunk) is held by the power limit below both the lock and the decode step
    /// `s.decodeStep`; nil otherwise (no lock, static batching, or no step held below it).
    static func note(_ d: Deployment, _ s: ServingEstimate, chunk: PassEstimate) -> String? {
        let decode = s.decodeStep
        guard let lock = d.lockedClock, chunk.powerLimited,
              chunk.clock.megahertz < lock.megahertz - 0.5, chunk.clock.megahertz < decode.clock.megahertz - 0.5 else { return nil }
        let limit = formatNumber((d.powerCap ?? d.gpu.tdp).watts)
        func ms(_ t: Time) -> String { formatNumber(t.seconds * 1000, significant: 4) + " ms" }
        var text = "the steps that carry prompt chunks run at \(formatNumber(chunk.clock.megahertz, significant: 4)) MHz, held there by the "
            + "\(limit) W limit below the locked \(formatNumber(lock.megahertz)) MHz, so TTFT and the prefill draw are those at any higher clock; "
            + "a prompt is charged what its chunk adds to the decode step, which runs at the lock (\(ms(decode.time)), "
            + "\(formatNumber(decode.energy.joules, significant: 4)) J a GPU): a lower lock makes that step slower and cheaper and leaves more "
            + "of the same chunk step (\(ms(chunk.time)), \(formatNumber(chunk.energy.joules, significant: 4)) J) to the prefill line"
        if s.p90InterTokenLatency.seconds > chunk.time.seconds * 1.001 {
            text += "; the p90 ITL is a step with more than one chunk, priced as the decode step plus each chunk's addition, so it falls "
                + "a little as the lock slows the decode step, where a step held by the limit would not speed up: read that fall as the "
                + "approximation's, not a gain"
        }
        return text
    }

    /// The note for the query `r` on `d` served as `s`: prices the chunk step (the prefill pass
    /// `kernels --pass prefill` lists) only where a lock and continuous batching make it matter.
    static func note(_ estimator: Estimator, _ d: Deployment, _ r: ServingRequest, _ s: ServingEstimate) throws -> String? {
        guard d.lockedClock != nil, !r.isStatic(on: d.framework), s.promptChunking != nil else { return nil }
        let phase = KernelListing.phase(.prefill, deployment: d, serving: r, estimate: s)
        return note(d, s, chunk: try estimator.forwardPass(d, phase: phase))
    }
}
