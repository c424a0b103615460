import KernelPower

// Static batching (HF transformers): one prefill pass of the batch, then its decode passes by
// Gauss–Legendre quadrature over the growing context.

extension ServingEstimator {
    /// A static batch's decode passes as quadrature nodes: (context, passes it stands for). The
    /// prefill's logits give the first token, so O tokens take O − 1 decode passes over contexts
    /// I + 1 … I + O − 1 (`generate` runs no pass after its last token). O passes over I … I + O
    /// had charged one step too many: +26 % GPU energy at one output token, +15 % at two.
    static func staticDecodeSteps(_ r: ServingRequest) -> [(context: Int, passes: Double)] {
        let steps = r.outputTokens - 1
        guard steps > 0 else { return [] }
        return gaussLegendre.map { (r.inputTokens + 1 + Int($0.x * Double(steps - 1)), $0.w * Double(steps)) }
    }

    func staticBatch(_ r: ServingRequest, local b: Int) throws -> ServingEstimate {
        let d = deployment
        let prefill = try pass(.prefill(batch: b, tokens: r.inputTokens))
        var decodeEnergy = Energy.zero, decodeTime = Time.zero, decodeGap = Energy.zero, limited = prefill.powerLimited
        let steps = r.outputTokens - 1
        var lastStep: PassEstimate?
        for (context, n) in Self.staticDecodeSteps(r) {
            let step = try pass(.decode(batch: b, context: context))
            decodeEnergy += step.energy * n
            decodeTime += step.time * n
            decodeGap += step.gapEnergy * n
            limited = limited || step.powerLimited
            lastStep = step
        }
        // With one output token no decode pass runs: the step a second token would take stands
        // for the inter-token latency.
        let last = try lastStep ?? pass(.decode(batch: b, context: r.inputTokens + 1))
        let batchTime = prefill.time + decodeTime
        let gpusPerQuery = Double(d.tensorParallel) / Double(b)
        let tokens = Double(b * d.attentionRanks * r.outputTokens)
        let energy = (prefill.energy + decodeEnergy) * Double(d.gpuCount)
        let itl = steps > 0 ? decodeTime / Double(steps) : last.time
        return ServingEstimate(
            requestedBatch: r.batch, effectiveBatch: b * d.attentionRanks, maxBatch: 0, stepTime: itl,
            interTokenLatency: itl, medianInterTokenLatency: itl, p90InterTokenLatency: itl, timeToFirstToken: prefill.time, outputTokensPerSecond: tokens / batchTime.seconds,
            gpuPower: (prefill.energy + decodeEnergy) / batchTime, energyPerOutputToken: energy / tokens,
            prefill: PhaseCost(time: prefill.time, energy: prefill.energy * gpusPerQuery, gpuPower: prefill.averagePower,
                               gapEnergy: prefill.gapEnergy * gpusPerQuery),
            decode: PhaseCost(time: decodeTime, energy: decodeEnergy * gpusPerQuery, gpuPower: steps > 0 ? decodeEnergy / decodeTime : last.averagePower,
                              gapEnergy: decodeGap * gpusPerQuery),
            decodeStep: last, powerLimited: limited, notes: [])
    }
}
