import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// Large dense GEMMs against their published throughput: the kernel timer and power cap, on
/// fitted GPUs and on the carried-over B200.
@Suite struct PublishedGEMMTests {
    static let estimator = Estimator()

    /// NVIDIA GPUs whose coefficients come from the EnergAIzer prefill fits (HF eager passes on an
    /// A100 PCIe, 0.64 of peak, and an A10) take their tensor efficiency and energies, which a
    /// best-shape cuBLAS GEMM beats: the Ampere parts and the GDDR cards carried from the A10.
    static func fromPrefillFit(_ p: PublishedGEMM.Point) throws -> Bool {
        let gpu = try Self.estimator.gpus.gpu(p.gpu)
        let base = CarryOver.baseGPU(for: gpu, fitted: Set(Self.estimator.calibration.fitted.map(\.gpuID)))
        return gpu.vendor == "nvidia" && ["a100-pcie-40gb", "a10"].contains(base)
    }

    /// The points `publishedPointIsReproduced` holds to 25 %: dense products of GPUs not carried
    /// from the prefill fit. The rest have tests of their own (the Ampere gap, the short-K epilogue,
    /// the grouped and few-tile products). A point whose GPU the catalog lacks stays in, and fails.
    static let reproducedPoints = PublishedGEMM.bundled.indices.filter { i in
        let p = PublishedGEMM.bundled[i]
        return (try? fromPrefillFit(p)) != true && !shortKEpilogueBound(p) && p.groups == nil && p.regime == nil
    }

    /// Every published point of a Hopper, datacenter Blackwell or CDNA GPU is reproduced within 25 %
    /// (the bundled model's widest is +21.7 %, the H800's FP8 128×2112×7168, one of DeepGEMM's
    /// decode-thin shapes, which land within −12 to +22 %: docs/methodology.md §7, published-gemm;
    /// before Blackwell's 2-SM tiles and L2 rate the B200 points were 46-57 % low, and before AMD's
    /// L2 and LDS rates the MI355X was 34 % low). Half the bundled points had passed this test with
    /// no expectation run, returning early; they are filtered out of its arguments instead.
    @Test(arguments: reproducedPoints)
    func publishedPointIsReproduced(_ i: Int) throws {
        let p = PublishedGEMM.bundled[i]
        let gpu = try Self.estimator.gpus.gpu(p.gpu)
        let predicted = PublishedGEMM.predictedTFLOPS(p, gpu: gpu, calibration: Self.estimator.calibration)
        #expect(abs(predicted / p.tflops - 1) < 0.25, "\(p.label): \(predicted) TFLOPS against \(p.tflops) published")
    }

    @Test func theReproducedPointsAreTheDenseOnes() {
        #expect(Self.reproducedPoints.count >= 32, "\(Self.reproducedPoints.count) of \(PublishedGEMM.bundled.count)")
    }

    /// The A100's known gap, as documented (docs/methodology.md §7, published-gemm): its best shape
    /// runs 20-35 % under the published 271 TFLOPS; the RTX PRO 6000 (from the A10) as much. A refit that closes or widens the gap fails
    /// here, so the note is updated with it.
    @Test func ampereGapIsTheDocumentedOne() throws {
        let points = try PublishedGEMM.bundled.filter(Self.fromPrefillFit)
        #expect(!points.isEmpty)
        for p in points {
            let predicted = PublishedGEMM.predictedTFLOPS(p, gpu: try Self.estimator.gpus.gpu(p.gpu), calibration: Self.estimator.calibration)
            #expect((0.65...0.80).contains(predicted / p.tflops), "\(p.label): \(predicted) TFLOPS against \(p.tflops) published")
        }
    }

    /// Small products whose output is a few tiles (128 or 256 rows, 64–1,280 columns, K = 8,192) on
    /// the H20, whose tensor rate is a seventh of the H100's, so that they are compute-bound:
    /// DeepGEMM reaches 15–112 TFLOPS BF16 and 21–198 FP8, and the model, splitting K across the
    /// SMs at the full tile rate, is fast by 15–191 % (documented: docs/methodology.md §7,
    /// published-gemm). On the H800 the same kind of thin shape streams its weights and is
    /// reproduced (above); here the split of K is what sets the time. A model that closes the gap
    /// fails here, so the note is updated with it.
    @Test func fewTileProductsOnTheH20AreEstimatedFast() throws {
        let points = PublishedGEMM.bundled.filter { $0.regime == "few tiles" }
        #expect(points.count == 20 && points.allSatisfy { $0.gpu == "h20" })
        let gpu = try Self.estimator.gpus.gpu("h20")
        let ratios = points.map { PublishedGEMM.predictedTFLOPS($0, gpu: gpu, calibration: Self.estimator.calibration) / $0.tflops }
        #expect(ratios.allSatisfy { $0 > 1.1 && $0 < 3.0 }, "\(ratios)")
        // The gap narrows as the product grows: the largest of each precision is the closest.
        for format in [TensorFormat.bf16, .fp8] {
            let own = zip(points, ratios).filter { $0.0.format == format }
            let largest = try #require(own.max { $0.0.m * $0.0.n < $1.0.m * $1.0.n })
            #expect(own.allSatisfy { $0.1 >= largest.1 - 1e-9 }, "\(format): \(own.map(\.1))")
        }
    }

    /// DeepGEMM's table times one product at many shapes, most of them decode-thin (M = 64, 128) and
    /// memory-bound. Carried from the H100 fit unchanged, the H800 (the H100's die) reproduces its
    /// 18 dense FP8 shapes at 9.4 % MAPE; a regression in the thin-GEMM timing shows here first.
    static let deepGEMM = PublishedGEMM.bundled.filter { $0.source.contains("DeepGEMM") && $0.groups == nil && $0.gpu == "h800-sxm" }

    /// A large-M product with K = 512 writes far more output than it reads: DeepGEMM's tiles run
    /// their epilogue after a short main loop, which the model's overlap of compute and memory
    /// misses (4096×32768×512: 775 TFLOPS published, about 1,100 estimated). Its own test below.
    static func shortKEpilogueBound(_ p: PublishedGEMM.Point) -> Bool { p.k <= 512 && p.m >= 1024 }

    @Test func deepGEMMShapesAreReproducedOnTheH800() throws {
        #expect(Self.deepGEMM.count == 18)
        let gpu = try Self.estimator.gpus.gpu("h800-sxm")
        let errors = Self.deepGEMM.map { PublishedGEMM.predictedTFLOPS($0, gpu: gpu, calibration: Self.estimator.calibration) / $0.tflops - 1 }
        #expect(errors.map(abs).reduce(0, +) / Double(errors.count) < 0.12, "\(errors)")
        for (p, e) in zip(Self.deepGEMM, errors) where Self.shortKEpilogueBound(p) {
            #expect(e > 0 && e < 0.5, "\(p.label): \(e)")
        }
    }

    /// DeepGEMM's grouped expert products, block-scaled FP8 on the H800. The contiguous layout
    /// (prefill: 32,768 rows over 4 or 8 experts) is compute-bound and reproduced within 10 %. The
    /// masked layout at 256 rows per expert is bound by streaming the experts' weights, which
    /// DeepGEMM does at 2.05 TB/s (62 % of peak) and the model at vLLM's block-FP8 grouped-GEMM
    /// efficiency fitted on the H100 serving runs (0.48 of its 0.80 streaming efficiency, 38 % of
    /// peak): 35-45 % slow, documented in docs/methodology.md, not refitted to one library's kernel.
    @Test func deepGEMMGroupedProductsShowTheBlockFP8StreamingGap() throws {
        let grouped = PublishedGEMM.bundled.filter { $0.source.contains("DeepGEMM") && $0.groups != nil }
        #expect(grouped.count == 10)
        let gpu = try Self.estimator.gpus.gpu("h800-sxm")
        for p in grouped {
            let e = PublishedGEMM.predictedTFLOPS(p, gpu: gpu, calibration: Self.estimator.calibration) / p.tflops - 1
            switch p.m {
            case 4096...: #expect(abs(e) < 0.10, "\(p.label): \(e)")
            case 512...: #expect(abs(e) < 0.30, "\(p.label): \(e)")
            default: #expect(e > -0.45 && e < -0.35, "\(p.label): \(e)")
            }
        }
    }

    /// One source, one method: B200 runs its best BF16 and FP8 shapes 2.20× and 2.45× as fast as the
    /// H100 runs its own; the model's ratios stay within 15 % of those.
    @Test func b200OverH100MatchesTheSameSourcesRatio() throws {
        func point(_ gpu: String, _ f: TensorFormat) throws -> PublishedGEMM.Point {
            try #require(PublishedGEMM.bundled.first { $0.gpu == gpu && $0.format == f && $0.source.contains("Bekman") })
        }
        for f in [TensorFormat.bf16, .fp8] {
            let (b, h) = (try point("b200", f), try point("h100-sxm", f))
            let model = PublishedGEMM.predictedTFLOPS(b, gpu: try Self.estimator.gpus.gpu("b200"), calibration: Self.estimator.calibration)
                / PublishedGEMM.predictedTFLOPS(h, gpu: try Self.estimator.gpus.gpu("h100-sxm"), calibration: Self.estimator.calibration)
            #expect(abs(model / (b.tflops / h.tflops) - 1) < 0.15, "\(f): model \(model)×, published \(b.tflops / h.tflops)×")
        }
    }

    /// The catalog is read strictly: a misspelt key or an unknown precision names the field.
    @Test func catalogRejectsUnknownKeysAndPrecisions() {
        let typo = #"{"schemaVersion": 1, "points": [{"gpu": "b200", "precision": "bf16", "m": 1, "n": 1, "k": 1, "tflop": 1, "source": "x"}]}"#
        #expect(throws: InputError.self) { try PublishedGEMM.load(Data(typo.utf8), file: "g.json") }
        let fp6 = #"{"schemaVersion": 1, "points": [{"gpu": "b200", "precision": "fp6", "m": 1, "n": 1, "k": 1, "tflops": 1, "source": "x"}]}"#
        do {
            _ = try PublishedGEMM.load(Data(fp6.utf8), file: "g.json")
            Issue.record("fp6 accepted")
        } catch {
            #expect("\(error)".contains("points[0].precision"))
        }
    }

    /// A point naming an unknown GPU is listed as not estimated, with the closest ids.
    @Test func unknownGPUIsSkippedWithTheReason() {
        let p = PublishedGEMM.Point(gpu: "b2000", format: .bf16, m: 4096, n: 4096, k: 4096, tflops: 1000, source: "test")
        let r = PublishedGEMM.run(estimator: Self.estimator, points: [p])
        #expect(r.records.isEmpty && r.skipped.count == 1)
        #expect(r.skipped[0].reason.contains("b200"))
    }
}

/// On Blackwell a 2-SM tile reads half of B per CTA, so a large GEMM moves fewer L2 bytes than
/// with Hopper's tiles alone.
@Suite struct BlackwellTileTests {
    @Test func pairedTilesCutL2Traffic() throws {
        let b200 = try GPUCatalog.bundled.gpu("b200"), h100 = try GPUCatalog.bundled.gpu("h100-sxm")
        let model = CoefficientFile.bundled.coefficients(for: h100).timeModel
        let g = Kernel("g", .gemm(GEMMShape(m: 8192, n: 8192, k: 8192, aBytes: 2, bBytes: 2, cBytes: 2, unit: .tensor(.bf16))))
        let onB200 = KernelTimer(gpu: b200, clock: b200.boostClock, model: model).cost(g)
        // The same chip with Hopper's architecture label offers only Hopper's tiles.
        let hopperLike = GPUSpec(id: "b200-hopper-tiles", aliases: [], name: "test", vendor: b200.vendor, architecture: "hopper",
                                 formFactor: b200.formFactor, smCount: b200.smCount, baseClock: b200.baseClock,
                                 boostClock: b200.boostClock, peakClock: b200.peakClock, tensorPeaks: b200.tensorPeaks,
                                 fp32Peak: b200.fp32Peak, memoryCapacity: b200.memoryCapacity, memoryBandwidth: b200.memoryBandwidth,
                                 l2Size: b200.l2Size, tdp: b200.tdp, powerCapRange: b200.powerCapRange, idlePower: b200.idlePower,
                                 voltage: b200.voltage, interconnect: b200.interconnect, defaultNodeID: b200.defaultNodeID,
                                 source: "test", sources: [:])
        let withHopperTiles = KernelTimer(gpu: hopperLike, clock: b200.boostClock, model: model).cost(g)
        #expect(onB200.activity.l2Bytes < 0.8 * withHopperTiles.activity.l2Bytes)
        #expect(onB200.time < withHopperTiles.time)
    }
}
