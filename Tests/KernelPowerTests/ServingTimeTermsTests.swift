import Testing
@testable import KernelPower

/// The two serving-fitted time terms: decode's per-sequence cost and block-scaled FP8 expert GEMMs.
@Suite struct ServingTimeTermsTests {
    static let gpu = try! GPUCatalog.bundled.gpu("h100-sxm")

    static func timer(sequence: Double = 0, head: Double = 0, blockFP8: Double = 1) -> KernelTimer {
        var m = TimeModel.starting
        m.decodeSequenceTime = .microseconds(sequence)
        m.decodeQueryHeadTime = .microseconds(head)
        m.blockFP8GroupedMemoryEfficiency = blockFP8
        return KernelTimer(gpu: gpu, clock: gpu.boostClock, model: m)
    }

    static func attention(batch: Int, queries: Int, heads: Int = 32) -> Kernel {
        Kernel("attention", .attention(AttentionShape(batch: batch, heads: heads, kvHeads: 8, queryLength: queries, kvLength: 600,
                                                      headDim: 128, causal: true, qBytes: 2, kvBytes: 2, unit: .tensor(.bf16))))
    }

    @Test func decodeAttentionPaysItsPerSequenceTimeOnce() {
        for (batch, heads) in [(8, 32), (256, 32), (256, 8)] {
            let base = Self.timer().cost(Self.attention(batch: batch, queries: 1, heads: heads)).time.seconds
            let with = Self.timer(sequence: 1, head: 0.02).cost(Self.attention(batch: batch, queries: 1, heads: heads)).time.seconds
            #expect(approx(with - base, Double(batch) * (1 + 0.02 * Double(heads)) * 1e-6, rel: 1e-9))
        }
    }

    @Test func prefillAttentionHasNoPerSequenceTime() {
        let base = Self.timer().cost(Self.attention(batch: 4, queries: 512)).time.seconds
        let with = Self.timer(sequence: 5, head: 0.5).cost(Self.attention(batch: 4, queries: 512)).time.seconds
        #expect(base == with)
    }

    static func experts(blockScaled: Bool) -> Kernel {
        var g = GEMMShape(batch: 52, m: 2, n: 3072, k: 4096, aBytes: 1, bBytes: 1, cBytes: 2, unit: .tensor(.fp8),
                          sharedB: false, grouped: true)
        g.blockScaledB = blockScaled
        return Kernel("experts", .gemm(g))
    }

    @Test func blockScaledExpertWeightsStreamAtTheirOwnEfficiency() {
        // Two rows per expert: the weights dominate, so time follows the bandwidth share (the
        // starting model streams other grouped weights at full efficiency).
        let t = Self.timer(blockFP8: 0.4)
        let channel = t.cost(Self.experts(blockScaled: false))
        let block = t.cost(Self.experts(blockScaled: true))
        #expect(channel.bound == .memory && block.bound == .memory)
        let overhead = t.model.kernelOverhead.seconds
        #expect(approx(block.time.seconds - overhead, (channel.time.seconds - overhead) / 0.4, rel: 0.02))
    }
}
