import KernelPower

/// Two neighbours' findings beyond the weight bytes: an FP8 KV cache where the cache limits the
/// batch, and what the block-scaled FP8 expert GEMMs' assumed efficiency does to a precision gap.
extension Diagnosis {
    /// An FP8 KV cache in place of a 16-bit one, offered where the KV cache limits the batch: it
    /// holds each token's keys and values in half the bytes (vLLM `--kv-cache-dtype fp8`,
    /// SGLang `fp8_e4m3`, TensorRT-LLM `KvCacheConfig(dtype='fp8')`; `Deployment.kvCacheProblem`).
    /// Diagnose had said "the KV cache limits the batch" and listed no such cache, though it saves
    /// 14 % on Llama-3.1-8B on an H100 at 32,000 + 300 tokens. Transformers' static batch keeps no
    /// FP8 cache (its quantized caches are int2/int4), so `hf` gets none.
    static func fp8KVCache(_ r: DeploymentRequest, base: Priced) -> Neighbour? {
        let d = base.deployment
        guard base.serving.batchLimitedByMemory, d.framework.isFused, d.kvPrecision == .bf16 || d.kvPrecision == .fp16,
              Deployment.kvCacheProblem(gpu: d.gpu, framework: d.framework, precision: d.precision, kvPrecision: .fp8) == nil
        else { return nil }
        var req = r
        req.kvPrecision = .fp8
        return Neighbour(change: "fp8 KV cache instead of \(d.kvPrecision.rawValue)", lever: "kv-precision", request: req,
                         serving: base.request, explain: explainKVCache)
    }

    /// Half the bytes per cached token: more sequences fit, and each decode step streams half the
    /// KV bytes.
    static func explainKVCache(_ a: Priced, _ b: Priced) -> String {
        "an fp8 KV cache holds each token's keys and values in half the bytes: room for \(b.serving.maxBatch) sequences instead of "
            + "\(a.serving.maxBatch), batch \(a.serving.effectiveBatch) → \(b.serving.effectiveBatch), \(a.stepName) \(ms(a.step.time)) → "
            + "\(ms(b.step.time)): \(energyChange(a, b)) energy per query (vLLM's --kv-cache-dtype fp8)."
    }

    /// Where one side of a precision neighbour prices block-scaled FP8 expert GEMMs at the
    /// efficiency fitted on Qwen3's FP8 experts (`PublishedServing.blockFP8MoECaveat`, which
    /// `estimate` gives), how much of the gap that assumption makes, and that measured steps ran
    /// shorter. The explanation had put DeepSeek-R1's FP8-vs-FP4 gap on 8 B200 (+118 %) on the
    /// weight bytes alone, while the same bytes at the 16-bit efficiency (INT8) priced a 22.3 ms
    /// step against 35.2. Empty where neither side does.
    static func blockFP8Words(_ a: Priced, _ b: Priced, estimator: Estimator, serving: ServingRequest) -> String {
        let caveat = PublishedServing.blockFP8MoECaveat
        let aBlock = PublishedServing.servingCaveats(for: a.deployment).contains(caveat)
        let bBlock = PublishedServing.servingCaveats(for: b.deployment).contains(caveat)
        guard aBlock != bBlock else { return "" }
        let block = bBlock ? b : a, other = bBlock ? a : b
        let t = estimator.timeModel(for: block.deployment, set: estimator.calibration.coefficients(for: block.deployment.gpu))
        let ratio = t.groupedMemoryEfficiency > 0 ? t.blockFP8GroupedMemoryEfficiency / t.groupedMemoryEfficiency : 1
        var s = " \(block.deployment.precision.rawValue)'s block-scaled expert GEMMs are priced at \(formatNumber(ratio, significant: 2)) "
            + "of the 16-bit streaming efficiency, fitted on Qwen3's FP8 experts under vLLM 0.11"
        if let plain = try? unscaled(block, estimator: estimator, serving: serving) {
            let gap = block.gpuWh - other.gpuWh, part = block.gpuWh - plain.gpuWh
            s += ": at the 16-bit efficiency, with the same bytes, its \(block.stepName) is \(ms(plain.step.time)) rather than "
                + "\(ms(block.step.time)) and the query \(formatNumber(plain.gpuWh, significant: 4)) Wh"
            if gap > 0, part > 0, !same(block.gpuWh, other.gpuWh) {
                s += ", so that assumption makes \(formatPercent(min(1, part / gap), decimals: 0)) of the gap, not the bytes"
            }
        }
        return s + ". DeepSeek-R1-0528 FP8 measured steps 1.34–1.65× shorter than estimated so (SGLang 0.5.6, 8 × H200 or B200; "
            + "estimate's note on block-scaled FP8 experts): read \(block.deployment.precision.rawValue)'s figure as likely pessimistic."
    }

    /// `p`'s configuration with its FP8 expert weights carrying no block scales, which the model
    /// streams at the 16-bit efficiency (`EightBitExpertsCaveat`), priced as the diagnosis prices.
    static func unscaled(_ p: Priced, estimator: Estimator, serving: ServingRequest) throws -> Priced {
        let d = try EightBitExpertsCaveat.withWeightBlock(p.deployment, nil)
        let q = try QueryEstimate(estimator: estimator, deployment: d, request: serving, settings: try LedgerSettings(), boundary: .gpu)
        return Priced(estimate: q, step: try pricedPass(serving.hasInterTokenInterval ? .decode : .prefill, estimator: estimator, estimate: q).pass)
    }
}
