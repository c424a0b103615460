import Foundation
import KernelPower

/// Published time of one fused prefill attention kernel (`attention-throughput.json`): a shape timed
/// on one GPU by the kernel's authors or a benchmark harness. The kernel timer is scored against it
/// as data set `published-attention`, metric `time_us`, so the attention half of a long prompt's
/// cost carries a measured error on Hopper and Blackwell. A GPU without a fit of its own runs its
/// carried-over coefficients.
public enum PublishedAttention {
    /// One published measurement.
    public struct Point: Sendable {
        public var gpu: String
        public var format: TensorFormat
        public var shape: (batch: Int, heads: Int, kvHeads: Int, queryLength: Int, keyLength: Int, headDim: Int, valueHeadDim: Int)
        public var causal: Bool
        public var microseconds: Double
        public var source: String

        public var label: String {
            let s = shape
            return "\(gpu) \(format.rawValue) b\(s.batch) h\(s.heads)/\(s.kvHeads) q\(s.queryLength) kv\(s.keyLength) d\(s.headDim)"
                + (s.valueHeadDim == s.headDim ? "" : "/\(s.valueHeadDim)") + (causal ? " causal" : "")
        }
    }

    public static let bundled: [Point] = {
        do { return try loadBundled() } catch { fatalError("bundled attention throughput catalog is invalid: \(error)") }
    }()

    public static func loadBundled() throws -> [Point] { try PublishedPoints.bundled("attention-throughput", point) }

    public static func load(_ data: Data, file: String) throws -> [Point] { try PublishedPoints.load(data, file: file, point) }

    static func point(_ o: inout JSONObjectReader) throws -> Point {
        let format = try o.string("precision", allowed: [TensorFormat.bf16, .fp16, .fp8].map(\.rawValue))
        let dim = try o.int("headDim", 1...1024)
        let shape = (batch: try o.int("batch", 1...1_000_000), heads: try o.int("heads", 1...100_000), kvHeads: try o.int("kvHeads", 1...100_000),
                     queryLength: try o.int("queryLength", 1...10_000_000), keyLength: try o.int("keyLength", 1...10_000_000),
                     headDim: dim, valueHeadDim: try o.optionalInt("valueHeadDim", 1...1024) ?? dim)
        guard shape.heads % shape.kvHeads == 0 else {
            throw InputError.invalidValue(file: o.file, field: o.fieldPath("kvHeads"), value: "\(shape.kvHeads)",
                                          expected: "a divisor of heads (\(shape.heads))")
        }
        guard shape.keyLength >= shape.queryLength else {
            throw InputError.invalidValue(file: o.file, field: o.fieldPath("keyLength"), value: "\(shape.keyLength)",
                                          expected: "at least queryLength (\(shape.queryLength)): the queries are the last tokens of the keys")
        }
        return Point(gpu: try o.string("gpu"), format: TensorFormat(rawValue: format) ?? .bf16, shape: shape,
                     causal: try o.bool("causal"), microseconds: try o.double("microseconds", 0.01...1e9, expected: "microseconds"),
                     source: try o.string("source"))
    }

    /// Microseconds the model gives one launch of `p`'s kernel, repeated back to back at the GPU's
    /// boost clock under its TDP as the power limit (a benchmark loop of one kernel).
    public static func predictedMicroseconds(_ p: Point, gpu: GPUSpec, calibration: CoefficientFile) -> Double {
        predictedMicroseconds(p, gpu: gpu, set: calibration.coefficients(for: gpu), capHold: calibration.capHoldFraction)
    }

    static func predictedMicroseconds(_ p: Point, gpu: GPUSpec, set: CoefficientSet, capHold: Double) -> Double {
        let s = p.shape, bytes: Double = p.format == .fp8 ? 1 : 2
        let attention = AttentionShape(batch: s.batch, heads: s.heads, kvHeads: s.kvHeads, queryLength: s.queryLength,
                                       kvLength: s.keyLength, headDim: s.headDim, valueHeadDim: s.valueHeadDim, causal: p.causal,
                                       qBytes: bytes, kvBytes: bytes, unit: .tensor(p.format))
        let repeats = 20
        let run = PublishedPoints.benchmarkLoop(Kernel("attention", .attention(attention)), repeats: repeats, gpu: gpu, set: set, capHold: capHold)
        return run.time.seconds / Double(repeats) * 1e6
    }

    /// Every point as a `published-attention` record.
    public static func run(estimator: Estimator, points: [Point] = bundled) -> MLEnergyValidation.Result {
        PublishedPoints.records(points, estimator: estimator, catalog: "attention-throughput.json", dataset: "published-attention",
                                metric: "time_us", describe: { ($0.gpu, $0.format.rawValue, $0.label, $0.microseconds) },
                                predict: { predictedMicroseconds($0, gpu: $1, calibration: estimator.calibration) })
    }
}
