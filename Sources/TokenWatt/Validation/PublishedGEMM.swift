import Foundation
import KernelPower

/// Published large-GEMM throughput (`gemm-throughput.json`): one dense product timed on one GPU at
/// its stock power limit. The kernel timer and the power cap are scored against it as data set
/// `published-gemm`, metric `tflops`, so the compute half of every forecast, B200's included,
/// carries a measured error. A GPU without a fit of its own runs its carried-over coefficients.
public enum PublishedGEMM {
    /// One published measurement.
    public struct Point: Sendable {
        public var gpu: String
        public var format: TensorFormat
        public var m: Int, n: Int, k: Int
        public var tflops: Double
        public var source: String

        public var label: String { "\(gpu) \(format.rawValue) \(m)x\(n)x\(k)" }
    }

    public static let bundled: [Point] = {
        do { return try loadBundled() } catch { fatalError("bundled GEMM throughput catalog is invalid: \(error)") }
    }()

    public static func loadBundled() throws -> [Point] { try PublishedPoints.bundled("gemm-throughput", point) }

    public static func load(_ data: Data, file: String) throws -> [Point] { try PublishedPoints.load(data, file: file, point) }

    static func point(_ o: inout JSONObjectReader) throws -> Point {
        let format = try o.string("precision", allowed: TensorFormat.allCases.map(\.rawValue))
        return Point(gpu: try o.string("gpu"), format: TensorFormat(rawValue: format) ?? .bf16,
                     m: try o.int("m", 1...1_000_000), n: try o.int("n", 1...1_000_000), k: try o.int("k", 1...1_000_000),
                     tflops: try o.double("tflops", 1...100_000, expected: "TFLOPS"), source: try o.string("source"))
    }

    /// TFLOPS the model gives `p`'s product: repeated back to back at the GPU's boost clock under
    /// its TDP as the power limit, the host never in the way (a benchmark loop of one kernel).
    public static func predictedTFLOPS(_ p: Point, gpu: GPUSpec, calibration: CoefficientFile) -> Double {
        let bytes: Double = switch p.format {
        case .tf32: 4
        case .bf16, .fp16: 2
        case .fp8, .int8: 1
        case .fp4: 0.5
        }
        let gemm = GEMMShape(m: p.m, n: p.n, k: p.k, aBytes: bytes, bBytes: bytes, cBytes: 2, unit: .tensor(p.format))
        let repeats = 100
        let run = PublishedPoints.benchmarkLoop(Kernel("gemm", .gemm(gemm)), repeats: repeats, gpu: gpu, calibration: calibration)
        return 2 * Double(p.m) * Double(p.n) * Double(p.k) * Double(repeats) / run.time.seconds / 1e12
    }

    /// Every point as a `published-gemm` record.
    public static func run(estimator: Estimator, points: [Point] = bundled) -> MLEnergyValidation.Result {
        PublishedPoints.records(points, estimator: estimator, catalog: "gemm-throughput.json", dataset: "published-gemm", metric: "tflops",
                                describe: { ($0.gpu, $0.format.rawValue, $0.label, $0.tflops) },
                                predict: { predictedTFLOPS($0, gpu: $1, calibration: estimator.calibration) })
    }
}
