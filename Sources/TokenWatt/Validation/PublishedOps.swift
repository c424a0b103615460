import Foundation
import KernelPower

/// Per-operation GPU times of transformer layers (`layer-op-times.json`): one linear layer's FP16
/// product at a token count, timed on one GPU by Vidur's profiler. Scored as data set
/// `published-ops`, metric `time_us`: the kernel timer on the products a serving step is made of,
/// from one token (the weights streamed once, the decode regime `kernels` shows) to 4,096 (a
/// prefill chunk, compute-bound), where `published-gemm` holds only the best shapes.
public enum PublishedOps {
    /// One measured product: `m` tokens through a `k` × `n` weight shard.
    public struct Point: Sendable {
        public var gpu: String
        /// The model, tensor-parallel degree and layer it is (`Llama-2-7B tp1 qkv_proj`).
        public var op: String
        public var m: Int, n: Int, k: Int
        public var microseconds: Double
        public var source: String

        public var label: String { "\(gpu) \(op) m\(m) \(m)x\(n)x\(k)" }
        /// Decode-sized products stream their weights; prefill-sized ones are bound by the tensor
        /// cores. The two regimes are reported apart.
        var regime: String { m <= 64 ? "m ≤ 64 (weights streamed)" : "m ≥ 256 (compute)" }
    }

    public static let bundled: [Point] = {
        do { return try PublishedPoints.bundled("layer-op-times", point) } catch { fatalError("bundled layer-op times are invalid: \(error)") }
    }()

    public static func load(_ data: Data, file: String) throws -> [Point] { try PublishedPoints.load(data, file: file, point) }

    static func point(_ o: inout JSONObjectReader) throws -> Point {
        Point(gpu: try o.string("gpu"), op: try o.string("op"), m: try o.int("m", 1...1_000_000), n: try o.int("n", 1...1_000_000),
              k: try o.int("k", 1...1_000_000), microseconds: try o.double("microseconds", 0.1...1e7, expected: "microseconds"),
              source: try o.string("source"))
    }

    /// The time the model gives one launch of `p`'s product, in µs: FP16 operands and output on
    /// the tensor cores, repeated back to back at the GPU's boost clock under its TDP (a profiler
    /// loop), with the calibration's coefficients for that GPU. Its per-kernel overhead included.
    public static func predictedMicroseconds(_ p: Point, gpu: GPUSpec, calibration: CoefficientFile) -> Double {
        let gemm = GEMMShape(m: p.m, n: p.n, k: p.k, aBytes: 2, bBytes: 2, cBytes: 2, unit: .tensor(.fp16))
        let repeats = 100
        let run = PublishedPoints.benchmarkLoop(Kernel("gemm", .gemm(gemm)), repeats: repeats, gpu: gpu, calibration: calibration)
        return run.time.seconds / Double(repeats) * 1e6
    }

    /// Every point as a `published-ops` record.
    public static func run(estimator: Estimator, points: [Point] = bundled) -> MLEnergyValidation.Result {
        PublishedPoints.records(points, estimator: estimator, catalog: "layer-op-times.json", dataset: "published-ops", metric: "time_us",
                                describe: { ($0.gpu, $0.regime, $0.label, $0.microseconds) },
                                predict: { predictedMicroseconds($0, gpu: $1, calibration: estimator.calibration) })
    }
}
