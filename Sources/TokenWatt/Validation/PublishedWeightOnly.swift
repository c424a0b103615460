import Foundation
import KernelPower

/// Published speed-ups of a weight-only INT4 product over the FP16 one (`weight-only-speedup.json`,
/// Marlin's figures): the same weights and rows, 4-bit weights streamed and dequantized to 16-bit
/// tensor math, against 16-bit weights. Scored as data set `published-weight-only`, metric
/// `speedup`, so the `int4` precision lever's time half carries a measured error: where the rows
/// are few the weights' bytes set the time, and where they are many the 16-bit tensor rate does.
public enum PublishedWeightOnly {
    /// One published speed-up: `batch` rows through each of `products` (k × n weights), summed.
    public struct Point: Sendable {
        public var gpu: String
        /// What the products are: a model's linear layers (`Llama7B`) or one large matrix.
        public var layers: String
        public var products: [(k: Int, n: Int)]
        public var batch: Int
        /// The figure's clock: the boost clock under the board's limit, or the base clock locked.
        public var lockedBaseClock: Bool
        public var speedup: Double
        public var source: String

        public var label: String { "\(gpu) \(layers) b\(batch)\(lockedBaseClock ? " base clock" : "")" }
        /// One large matrix apart from a model's layers, at each clock.
        var kind: String { "\(products.count == 1 ? "one matrix" : "model layers"), \(lockedBaseClock ? "base" : "boost") clock" }
    }

    public static let bundled: [Point] = {
        do { return try PublishedPoints.bundled("weight-only-speedup", point) } catch { fatalError("bundled weight-only speed-ups are invalid: \(error)") }
    }()

    public static func load(_ data: Data, file: String) throws -> [Point] { try PublishedPoints.load(data, file: file, point) }

    static func point(_ o: inout JSONObjectReader) throws -> Point {
        let products = try o.array("products").enumerated().map { i, v -> (k: Int, n: Int) in
            var p = try JSONObjectReader(v, file: o.file, path: o.fieldPath("products[\(i)]"))
            let product = (k: try p.int("k", 1...1_000_000), n: try p.int("n", 1...1_000_000))
            try p.finish()
            return product
        }
        guard !products.isEmpty else {
            throw InputError.invalidValue(file: o.file, field: o.fieldPath("products"), value: "[]", expected: "at least one product")
        }
        return Point(gpu: try o.string("gpu"), layers: try o.string("layers"), products: products, batch: try o.int("batch", 1...65_536),
                     lockedBaseClock: try o.string("clock", allowed: ["boost", "base"]) == "base",
                     speedup: try o.double("speedup", 0.01...100, expected: "a speed-up (FP16 time ÷ INT4 time)"),
                     source: try o.string("source"))
    }

    /// The speed-up the model gives `p`: each product's FP16 time summed over its INT4 time summed,
    /// each product a loop of back-to-back launches (Marlin's bench.py) with FP16 activations and
    /// output; INT4 weights at 4 bits plus one FP16 scale per group of 128, on the 16-bit units.
    public static func predictedSpeedup(_ p: Point, gpu: GPUSpec, calibration: CoefficientFile) -> Double {
        let clock = p.lockedBaseClock ? gpu.baseClock : gpu.boostClock
        func time(weightBytes: Double) -> Double {
            p.products.reduce(0) { sum, product in
                let gemm = GEMMShape(m: p.batch, n: product.n, k: product.k, aBytes: 2, bBytes: weightBytes, cBytes: 2, unit: .tensor(.fp16))
                let run = PublishedPoints.benchmarkLoop(Kernel("gemm", .gemm(gemm)), repeats: 10, gpu: gpu, calibration: calibration, clock: clock)
                return sum + run.time.seconds
            }
        }
        return time(weightBytes: Precision.fp16.weightBytesPerElement) / time(weightBytes: Precision.int4.weightBytesPerElement)
    }

    /// Every point as a `published-weight-only` record.
    public static func run(estimator: Estimator, points: [Point] = bundled) -> MLEnergyValidation.Result {
        PublishedPoints.records(points, estimator: estimator, catalog: "weight-only-speedup.json", dataset: "published-weight-only",
                                metric: "speedup", describe: { ($0.gpu, $0.kind, $0.label, $0.speedup) },
                                predict: { predictedSpeedup($0, gpu: $1, calibration: estimator.calibration) })
    }
}
