import Foundation
import KernelPower

/// Published GEMM throughput (`gemm-throughput.json`): one dense product, or one grouped product of
/// a mixture-of-experts layer (a weight matrix per group), timed on one GPU at its stock power
/// limit. The kernel timer and the power cap are scored against it as data set `published-gemm`,
/// metric `tflops`, so the compute half of every forecast, B200's included,
/// carries a measured error. A GPU without a fit of its own runs its carried-over coefficients.
public enum PublishedGEMM {
    /// One published measurement.
    public struct Point: Sendable {
        public var gpu: String
        public var format: TensorFormat
        public var m: Int, n: Int, k: Int
        /// Products in a grouped (mixture-of-experts) GEMM, each with its own B, `m` rows each;
        /// nil for a dense GEMM.
        public var groups: Int?
        /// B carries per-block FP32 scales (DeepGEMM's 128×128 blocks), which expert GEMMs stream.
        public var blockScaled = false
        /// "few tiles": a small product whose output is a few tiles, compute-bound on its GPU,
        /// where the split of K across SMs sets the rate (reported apart from the best shapes).
        public var regime: String?
        public var tflops: Double
        public var source: String

        public init(gpu: String, format: TensorFormat, m: Int, n: Int, k: Int, groups: Int? = nil, blockScaled: Bool = false,
                    tflops: Double, source: String) {
            self.gpu = gpu; self.format = format; self.m = m; self.n = n; self.k = k
            self.groups = groups; self.blockScaled = blockScaled; self.tflops = tflops; self.source = source
        }

        public var label: String {
            guard let groups else { return "\(gpu) \(format.rawValue) \(m)x\(n)x\(k)" }
            return "\(gpu) \(format.rawValue) \(groups) group\(groups == 1 ? "" : "s") of \(m)x\(n)x\(k)"
        }
        /// The by-family group of its record: grouped products apart from dense ones.
        var kind: String {
            let base = groups == nil ? format.rawValue : "\(format.rawValue) grouped"
            return regime.map { "\(base), \($0)" } ?? base
        }
    }

    public static let bundled: [Point] = {
        do { return try loadBundled() } catch { fatalError("bundled GEMM throughput catalog is invalid: \(error)") }
    }()

    public static func loadBundled() throws -> [Point] { try PublishedPoints.bundled("gemm-throughput", point) }

    public static func load(_ data: Data, file: String) throws -> [Point] { try PublishedPoints.load(data, file: file, point) }

    static func point(_ o: inout JSONObjectReader) throws -> Point {
        let format = try o.string("precision", allowed: TensorFormat.allCases.map(\.rawValue))
        var p = Point(gpu: try o.string("gpu"), format: TensorFormat(rawValue: format) ?? .bf16,
                      m: try o.int("m", 1...1_000_000), n: try o.int("n", 1...1_000_000), k: try o.int("k", 1...1_000_000),
                      groups: try o.optionalInt("groups", 1...4096), blockScaled: try o.optionalBool("blockScaled") ?? false,
                      tflops: try o.double("tflops", 1...100_000, expected: "TFLOPS"), source: try o.string("source"))
        p.regime = try o.optionalString("regime", allowed: ["few tiles"])
        return p
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
        var gemm = GEMMShape(batch: p.groups ?? 1, m: p.m, n: p.n, k: p.k, aBytes: bytes, bBytes: bytes, cBytes: 2,
                             unit: .tensor(p.format), sharedB: p.groups == nil, grouped: p.groups != nil)
        gemm.blockScaledB = p.blockScaled
        let repeats = 100
        let run = PublishedPoints.benchmarkLoop(Kernel("gemm", .gemm(gemm)), repeats: repeats, gpu: gpu, calibration: calibration)
        return gemm.flops * Double(repeats) / run.time.seconds / 1e12
    }

    /// Every point as a `published-gemm` record.
    public static func run(estimator: Estimator, points: [Point] = bundled) -> MLEnergyValidation.Result {
        PublishedPoints.records(points, estimator: estimator, catalog: "gemm-throughput.json", dataset: "published-gemm", metric: "tflops",
                                describe: { ($0.gpu, $0.kind, $0.label, $0.tflops) },
                                predict: { predictedTFLOPS($0, gpu: $1, calibration: estimator.calibration) })
    }
}
