import Foundation
import KernelPower

extension FusedLayerPlanner {
    /// Expected number of distinct experts that `assignments` routed tokens hit when each picks
    /// `perToken` of `experts` uniformly: E·(1 − (1 − k/E)^T).
    static func activeExperts(experts: Int, perToken: Int, tokens: Double) -> Double {
        let e = Double(experts)
        return e * (1 - pow(1 - Double(perToken) / e, tokens))
    }

    /// vLLM's fused MoE: router GEMM, top-k, token permutation, grouped gate-up GEMM over the
    /// experts hit, fused activation, grouped down GEMM, weighted combine; shared experts as a
    /// dense FFN. With ep = 1 every GPU holds every expert sliced by tp. With ep > 1 each GPU holds
    /// experts/ep experts and computes the assignments routed to them; when attention is
    /// data-parallel (tp < gpus) the tokens of all ranks meet in the MoE layer through an
    /// all-to-all dispatch and combine (vLLM's expert parallelism with data-parallel attention).
    /// An ep smaller than tp slices each expert over the tp/ep GPUs that share it (SGLang's
    /// `--ep-size` below `--tp-size`; the weights per GPU are experts ÷ max(tp, ep), as the memory
    /// counts them). An ep times that slice short of the GPU count leaves several groups holding
    /// the same experts, each serving its share of the tokens. Each GPU thus does 1/gpus of the
    /// expert work.
    func moeFFN() -> [Kernel] {
        guard let moe = m.moe else { return denseFFN(size: m.ffnSize, part: .mlp) }
        let ep = d.expertParallel
        let slice = ep > 1 ? max(1, d.tensorParallel / ep) : d.tensorParallel
        let groups = ep > 1 ? Double(max(1, d.tensorParallel * d.dataParallel / (ep * slice))) : 1
        let ranks = ep > 1 ? Double(d.dataParallel) : 1
        let globalTokens = tokens * ranks / groups
        // Tokens cross GPUs only where several data-parallel ranks share one group's experts. A
        // group that is one replica's tensor-parallel GPUs already holds its tokens on every GPU:
        // two replicas of tp 4, ep 4 had each paid an all-to-all one replica does not (+4.5 % Wh).
        let exchanges = d.exchangesExpertTokens  // ranks > groups
        let localExperts = moe.experts / ep
        let assignments = globalTokens * Double(moe.expertsPerToken) / Double(ep)
        // Experts hit on the mean GPU, and on the busiest, whose whole expert sets the step's time
        // where fewer than one is hit on average (any GPU a token routes to streams at least one).
        // The busiest is the mean above one expert: its expected maximum is not modelled.
        let expected = Self.activeExperts(experts: moe.experts, perToken: moe.expertsPerToken, tokens: globalTokens)
            * Double(localExperts) / Double(moe.experts)
        let hit = max(1, expected)
        // The mean rows an expert hit gets, for the listing; time and bytes follow `routing`.
        let rowsPerExpert = max(1, Int((assignments / hit).rounded()))
        let f = moe.expertFFNSize / slice
        let batch = Int(hit.rounded(.up))
        let wb = d.expertWeightBytes
        let unit: MathUnit = d.mathUnit
        func grouped(_ name: String, n: Int, k: Int) -> Kernel {
            var shape = GEMMShape(batch: batch, m: rowsPerExpert, n: n, k: k, aBytes: b.gemmAct,
                                  bBytes: wb, cBytes: b.act, unit: unit, sharedB: false, grouped: true)
            // Weights of the experts hit on average, not rounded up: at ep 8, Mixtral's one token
            // had charged every GPU a whole expert (8 streamed per step where 2 are hit).
            shape.expectedBatch = expected
            if hit > expected { shape.busiestBatch = hit }
            shape.routing = ExpertRouting(experts: Double(localExperts), tokens: globalTokens,
                                          probability: Double(moe.expertsPerToken) / Double(moe.experts))
            // Block scales slow vLLM's Triton W8A8 kernel; dequantized (FP8 Marlin) they are read per group.
            shape.blockScaledB = d.hasBlockScaledFP8Experts
            return Kernel(name, .gemm(shape))
        }
        let h = hidden
        let routed = tokens * Double(moe.expertsPerToken) * h
        var k: [Kernel] = [
            b.linear("router", tokens: phase.tokens, n: moe.experts, k: m.hiddenSize, weightBytes: 2),
            b.stream("topk_softmax", elements: tokens * Double(moe.experts), read: tokens * Double(moe.experts) * 4,
                     written: tokens * Double(moe.expertsPerToken) * 8, flops: 4, special: 1),
            b.stream("permute", elements: assignments * h, read: assignments * h * b.act, written: assignments * h * b.gemmAct),
        ]
        if exchanges {
            k.append(Kernel("moe_dispatch", .collective(d.collective(.allToAll, bytes: routed * b.gemmAct, participants: ep))))
        }
        k += [
            grouped("experts_gate_up", n: (m.ffnGated ? 2 : 1) * f, k: m.hiddenSize),
            b.stream("experts_act", elements: assignments * Double(f), read: assignments * Double(f) * (m.ffnGated ? 2 : 1) * b.act,
                     written: assignments * Double(f) * b.gemmAct, flops: 4, special: 1),
            grouped("experts_down", n: m.hiddenSize, k: f),
        ]
        if exchanges {
            k.append(Kernel("moe_combine", .collective(d.collective(.allToAll, bytes: routed * b.act, participants: ep))))
        }
        k.append(b.stream("combine", elements: assignments * h, read: assignments * h * b.act, written: tokens * h * b.act, flops: 2))
        if moe.sharedExperts > 0 {
            let size = (moe.sharedExpertFFNSize > 0 ? moe.sharedExpertFFNSize : moe.expertFFNSize) * moe.sharedExperts
            k += denseFFN(size: size, prefix: "shared_", part: .mlp)
        }
        return k
    }

    /// Final norm, the LM head over the rows that are sampled (the last token of each sequence in
    /// prefill, every sequence in decode; vLLM computes no other logits) and sampling.
    func head(lmHead: Bool) -> [Kernel] {
        var k: [Kernel] = [b.stream("final_norm", elements: tokens * hidden, read: 2 * tokens * hidden * b.act,
                                    written: tokens * hidden * b.act, flops: 5)]
        guard lmHead else { return k }
        let rows = phase.sampledRows
        let vocab = m.vocabSize / d.tensorParallel
        k.append(b.linear("lm_head", tokens: rows, n: vocab, k: m.hiddenSize, weightBytes: d.embeddingBytes))
        if d.tensorParallel > 1 {
            // vLLM gathers the LM head's output, in the activations' precision, into every rank's
            // full-vocabulary buffer (`LogitsProcessor._gather_logits`, an all-gather under V1),
            // and casts it to FP32 only in the sampler. The collective is sized on that gathered
            // buffer: sized on one rank's FP32 shard it had moved a p-th of the bytes at twice the
            // width (33 MB at tp 8, batch 512, on an H200, where 232 MB cross the links).
            k.append(Kernel("logits_gather", .collective(d.collective(.allGather, bytes: Double(rows * m.vocabSize) * b.act,
                                                                      participants: d.tensorParallel))))
        }
        let logits = Double(rows * m.vocabSize)
        if d.sortsLogits { k += topP(logits: logits) }
        k.append(b.stream("sampling", elements: logits, read: logits * 4 * 2, written: logits * 4, flops: 6, special: 1))
        return k
    }

    /// vLLM's PyTorch top-p filter over `logits` fp32 elements (vllm/v1/sample/ops/
    /// topk_topp_sampler.py, `apply_top_k_top_p`): `logits.sort` over the whole vocabulary, a
    /// segmented radix sort of 4-byte keys carrying 8-byte indices (PyTorch writes the indices,
    /// 8 bytes, then about six digit passes each read and write 12 bytes: ~152 bytes an element),
    /// then softmax, cumulative sum, threshold, masked fill and the scatter back to vocabulary
    /// order (~37 bytes read, 21 written). An estimate from the code path: at 512 × 131,072
    /// logits it streams 14.9 GB with the sampling pass, 5.6 ms on an H100 at the fitted memory
    /// efficiency, where vLLM's sampler benchmarks publish 6.15 and 6.19 ms for that PyTorch top-p
    /// case (vllm-project/vllm#40376, #51507; GPU not stated).
    func topP(logits: Double) -> [Kernel] {
        [b.stream("top_p_sort", elements: logits, read: logits * 72, written: logits * 80, flops: 2),
         b.stream("top_p_mask", elements: logits, read: logits * 37, written: logits * 21, flops: 4, special: 1)]
    }
}
