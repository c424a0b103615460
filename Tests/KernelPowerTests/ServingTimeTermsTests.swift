import Foundation
import Testing
@testable import KernelPower

/// The two serving-fitted time terms: decode's per-sequence cost and block-scaled FP8 expert GEMMs.
@Suite struct ServingTimeTermsTests {
    static let gpu = try! GPUCatalog.bundled.gpu("h100-sxm")

    static func timer(sequence: Double = 0, head: Double = 0, blockFP8: Double = 1, clock: Frequency? = nil) -> KernelTimer {
        var m = TimeModel.starting
        m.decodeSequenceBytes = sequence
        m.decodeQueryHeadBytes = head
        m.blockFP8GroupedMemoryEfficiency = blockFP8
        return KernelTimer(gpu: gpu, clock: clock ?? gpu.boostClock, model: m)
    }

    static func attention(batch: Int, queries: Int, heads: Int = 32) -> Kernel {
        Kernel("attention", .attention(AttentionShape(batch: batch, heads: heads, kvHeads: 8, queryLength: queries, kvLength: 600,
                                                      headDim: 128, causal: true, qBytes: 2, kvBytes: 2, unit: .tensor(.bf16))))
    }

    /// 2 MB per sequence and 20 kB per sequence and query head take their time at the paged
    /// bandwidth after the KV stream; they are not counted as HBM traffic.
    @Test func decodeAttentionReadsItsPerSequenceTrafficOnce() {
        let bandwidth = TimeModel.starting.pagedDecodeBandwidth(Self.gpu)
        for (batch, heads) in [(8, 32), (256, 32), (256, 8)] {
            let base = Self.timer().cost(Self.attention(batch: batch, queries: 1, heads: heads))
            let with = Self.timer(sequence: 2e6, head: 2e4).cost(Self.attention(batch: batch, queries: 1, heads: heads))
            let bytes = Double(batch) * (2e6 + 2e4 * Double(heads))
            #expect(approx(with.time.seconds - base.time.seconds, bytes / bandwidth, rel: 1e-9))
            #expect(with.activity.hbmBytes == base.activity.hbmBytes)
        }
    }

    /// Fitted at the boost clock only, it stretches at a lower SM clock (the conservative choice).
    @Test func perSequenceTrafficStretchesAtLowerClocks() {
        let half = Frequency.megahertz(Self.gpu.boostClock.megahertz / 2)
        func extra(_ clock: Frequency?) -> Double {
            let k = Self.attention(batch: 64, queries: 1)
            return Self.timer(sequence: 2e6, head: 2e4, clock: clock).cost(k).time.seconds - Self.timer(clock: clock).cost(k).time.seconds
        }
        #expect(approx(extra(half), 2 * extra(nil), rel: 1e-9))
    }

    @Test func prefillAttentionHasNoPerSequenceTraffic() {
        let base = Self.timer().cost(Self.attention(batch: 4, queries: 512))
        let with = Self.timer(sequence: 5e6, head: 5e5).cost(Self.attention(batch: 4, queries: 512))
        #expect(base.time == with.time && base.activity.hbmBytes == with.activity.hbmBytes)
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

/// A coefficient file from before the per-sequence decode time was stored in bytes is refused
/// with the field and the fix named, not read as if the time were zero.
@Suite struct LegacyCoefficientFileTests {
    @Test func microsecondsKeysAskForARecalibration() throws {
        let current = CoefficientFile.bundled.json()
        #expect(current.contains("\"decodeSequenceBytes\""))
        let legacy = current.replacingOccurrences(of: "\"decodeSequenceBytes\"", with: "\"decodeSequenceMicroseconds\"")
        let error = #expect(throws: InputError.self) { try CoefficientFile.read(Data(legacy.utf8), file: "old.json") }
        let message = error?.description ?? ""
        #expect(message.contains("old.json") && message.contains("decodeSequenceMicroseconds") && message.contains("re-run `tokenwatt calibrate`"),
                "\(message)")
    }
}
