import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// Vidur's per-operation times of Llama linear layers (`layer-op-times.json`) against the kernel
/// timer: out of sample for every fit, from one token (weights streamed) to 4,096 (compute).
@Suite struct PublishedOpsTests {
    static let estimator = Estimator()

    func errors(gpu: String, where keep: (PublishedOps.Point) -> Bool) throws -> [Double] {
        let g = try Self.estimator.gpus.gpu(gpu)
        return PublishedOps.bundled.filter { $0.gpu == gpu && keep($0) }.map {
            PublishedOps.predictedMicroseconds($0, gpu: g, calibration: Self.estimator.calibration) / $0.microseconds - 1
        }
    }

    /// Every point is a sourced FP16 product of a real layer's shard: 504 of them on three GPUs.
    @Test func catalogHoldsEveryPointWithItsSource() {
        let points = PublishedOps.bundled
        #expect(points.count == 504)
        #expect(Set(points.map(\.gpu)) == ["h100-sxm", "a100-sxm-80gb", "a40"])
        #expect(points.allSatisfy { $0.source.hasPrefix("Vidur, data/profiling/compute/") && $0.microseconds > 0 })
    }

    /// The H100's weight-streaming products (1–64 tokens) come within 8 % on average (documented:
    /// 8.0 %), but not evenly: those under 20 µs run short and those over 50 µs long, as a start-up
    /// per kernel longer than the 1.3 µs the model adds and a streaming rate above the serving
    /// fit's 0.80 would make them (methodology §7, published-ops).
    @Test func hopperDecodeProductsStreamAtTheFittedRate() throws {
        let e = try errors(gpu: "h100-sxm") { $0.m <= 64 }
        #expect(e.count == 84)
        let mape = e.map(abs).reduce(0, +) / Double(e.count)
        #expect(mape < 0.10, "H100 decode-sized products: MAPE \(mape)")
        func mean(_ x: [Double]) -> Double { x.reduce(0, +) / Double(max(1, x.count)) }
        let small = try errors(gpu: "h100-sxm") { $0.m <= 64 && $0.microseconds < 20 }
        let large = try errors(gpu: "h100-sxm") { $0.m <= 64 && $0.microseconds > 50 }
        #expect(mean(small) < -0.05 && mean(large) > 0.02, "small \(mean(small)), large \(mean(large))")
    }

    /// The A100 takes the tensor efficiency of the HF-eager prefill fit (0.64 of peak, §5), which
    /// cuBLAS beats: its compute-bound products are estimated slow (documented bias +20 %).
    @Test func ampereComputeProductsRunSlowInTheModel() throws {
        let e = try errors(gpu: "a100-sxm-80gb") { $0.m >= 1024 }
        let bias = e.reduce(0, +) / Double(e.count)
        #expect(bias > 0.05 && bias < 0.40, "A100 compute-sized products: bias \(bias)")
    }

    /// The catalog is read strictly, and a point on an unknown GPU is skipped with the closest ids.
    @Test func badCatalogAndUnknownGPUAreClear() {
        let typo = #"{"schemaVersion": 1, "points": [{"gpu": "h100-sxm", "op": "x", "m": 1, "n": 1, "k": 1, "micros": 1, "source": "x"}]}"#
        #expect(throws: InputError.self) { try PublishedOps.load(Data(typo.utf8), file: "o.json") }
        let p = PublishedOps.Point(gpu: "h100-sxn", op: "x", m: 1, n: 4096, k: 4096, microseconds: 16, source: "test")
        let r = PublishedOps.run(estimator: Self.estimator, points: [p])
        #expect(r.records.isEmpty && r.skipped.count == 1 && r.skipped[0].reason.contains("h100-sxm"))
    }
}
