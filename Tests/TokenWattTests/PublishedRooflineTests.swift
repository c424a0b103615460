import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// One streaming kernel swept from memory-bound to compute-bound against its published power:
/// the kernel timer's DRAM and CUDA-core paths and the power model's energies for each.
@Suite struct PublishedRooflineTests {
    static let estimator = Estimator()

    func point(_ gpu: String, _ iterations: Int) throws -> PublishedRoofline.Point {
        try #require(PublishedRoofline.bundled.first { $0.gpu == gpu && $0.iterations == iterations })
    }

    /// The catalog holds the three swept GPUs, each from the DRAM-bound start (0.25 FLOP per byte)
    /// into the compute-bound end, and its figures are the source's: on the H200, 3,759 GB/s at 572 W
    /// streaming, 42,558 GFLOP/s at 398 W at 100 FLOP per byte.
    @Test func catalogSpansTheRooflineOfEachGPU() throws {
        for gpu in ["a100-sxm-40gb", "a40", "h200"] {
            let mine = PublishedRoofline.bundled.filter { $0.gpu == gpu }
            #expect(mine.count >= 15, "\(gpu): \(mine.count) points")
            #expect(mine.map(\.flopsPerByte).min() == 0.25 && (mine.map(\.flopsPerByte).max() ?? 0) >= 100)
        }
        let stream = try point("h200", 0), compute = try point("h200", 400)
        #expect(stream.gbPerSecond == 3759 && stream.watts == 572)
        #expect(compute.gflopsPerSecond == 42558 && compute.watts == 398)
    }

    /// The kernel is DRAM-bound at low intensity and FP32-bound at high: the model's FLOP rate
    /// grows with the FMAs per pair while the bandwidth holds, and stops growing once the CUDA cores
    /// are full, as measured.
    @Test func predictedRateFollowsTheRoofline() throws {
        let gpu = try Self.estimator.gpus.gpu("a100-sxm-40gb")
        func rate(_ n: Int) throws -> Double {
            PublishedRoofline.predicted(try point("a100-sxm-40gb", n), gpu: gpu, calibration: Self.estimator.calibration).gflops
        }
        #expect(approx(try rate(4) / rate(0), 5, rel: 0.01), "memory-bound: rate ∝ FLOPs per pair (10 / 2)")
        #expect(approx(try rate(512), try rate(256), rel: 0.01), "compute-bound: rate flat")
    }

    /// Every point is scored on power and FLOP rate, grouped by regime, and none is skipped.
    @Test func everyPointIsScored() {
        let r = PublishedRoofline.run(estimator: Self.estimator)
        #expect(r.skipped.isEmpty)
        #expect(r.records.count == 2 * PublishedRoofline.bundled.count)
        #expect(Set(r.records.map(\.group)) == ["memory-bound", "compute-bound"])
        #expect(r.records.allSatisfy { $0.predicted.isFinite && $0.predicted > 0 })
    }

    /// The catalog is read strictly: a misspelt key names the point and field.
    @Test func catalogRejectsUnknownKeys() {
        let typo = #"{"schemaVersion": 1, "points": [{"gpu": "h200", "iterations": 0, "gbPerSecond": 1, "gflopsPerSecond": 1, "clockMHz": 1980, "watt": 1, "source": "x"}]}"#
        do {
            _ = try PublishedRoofline.load(Data(typo.utf8), file: "r.json")
            Issue.record("typo accepted")
        } catch {
            #expect("\(error)".contains("r.json") && "\(error)".contains("points[0]"))
        }
    }
}
