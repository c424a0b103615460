import Foundation
import KernelPower

/// Published power of one streaming kernel swept from memory-bound to compute-bound
/// (`roofline-power.json`, te42kyfo/gpu-benches' gpu-roofline): each point reads FP32 pairs from
/// DRAM and runs `iterations` dependent FMAs on each. The kernel timer and power model are scored
/// against it as data set `published-roofline`, metrics `power_w` and `gflops`, at the GPU's stock
/// clocks and power limit. It is the only data here that measures one kernel's power at a known
/// mix of DRAM traffic and CUDA-core work, on the A100, the A40 (carried over from the A10 fit)
/// and the H200 (carried over from the H100 fit).
public enum PublishedRoofline {
    /// One published point: a GPU's measured bandwidth, FLOP rate, clock and power at one intensity.
    public struct Point: Sendable {
        public var gpu: String
        public var iterations: Int
        public var gbPerSecond: Double, gflopsPerSecond: Double, clockMHz: Double, watts: Double
        public var source: String

        /// FLOPs per pair of values read: a subtraction, the chain's FMAs, the running sum.
        public var flopsPerPair: Double { 2 + 2 * Double(iterations) }
        /// Arithmetic intensity in FLOPs per byte (a pair is 8 bytes).
        public var flopsPerByte: Double { flopsPerPair / 8 }
        public var label: String { "\(gpu) \(formatNumber(flopsPerByte)) FLOP/B (\(iterations) FMAs)" }
    }

    public static let bundled: [Point] = {
        do { return try loadBundled() } catch { fatalError("bundled roofline power catalog is invalid: \(error)") }
    }()

    public static func loadBundled() throws -> [Point] { try PublishedPoints.bundled("roofline-power", point) }

    public static func load(_ data: Data, file: String) throws -> [Point] { try PublishedPoints.load(data, file: file, point) }

    static func point(_ o: inout JSONObjectReader) throws -> Point {
        Point(gpu: try o.string("gpu"), iterations: try o.int("iterations", 0...100_000),
              gbPerSecond: try o.double("gbPerSecond", 1...100_000, expected: "GB/s"),
              gflopsPerSecond: try o.double("gflopsPerSecond", 1...10_000_000, expected: "GFLOP/s"),
              clockMHz: try o.double("clockMHz", 100...5000, expected: "MHz"), watts: try o.double("watts", 1...5000, expected: "W"),
              source: try o.string("source"))
    }

    /// The model's power and FLOP rate for `p`'s kernel: a billion pairs per launch, 100 launches
    /// back to back at the GPU's boost clock under its TDP, the host never in the way.
    public static func predicted(_ p: Point, gpu: GPUSpec, calibration: CoefficientFile) -> (watts: Double, gflops: Double) {
        let pairs = 1e9, repeats = 100
        let kernel = MemoryOpShape(elements: pairs, bytesRead: 8 * pairs, bytesWritten: 0, flopsPerElement: p.flopsPerPair)
        let run = PublishedPoints.benchmarkLoop(Kernel("roofline", .memory(kernel)), repeats: repeats, gpu: gpu, calibration: calibration)
        return (run.energy.joules / run.time.seconds, pairs * p.flopsPerPair * Double(repeats) / run.time.seconds / 1e9)
    }

    /// Every point as `published-roofline` records, grouped `memory-bound` where its measured
    /// bandwidth is within 10 % of its GPU's highest in the catalog and `compute-bound` otherwise.
    public static func run(estimator: Estimator, points: [Point] = bundled) -> MLEnergyValidation.Result {
        var out = MLEnergyValidation.Result(records: [], skipped: [])
        let peak = Dictionary(points.map { ($0.gpu, $0.gbPerSecond) }, uniquingKeysWith: max)
        for p in points {
            do {
                let gpu = try estimator.gpus.gpu(p.gpu, context: "roofline-power.json")
                let (watts, gflops) = predicted(p, gpu: gpu, calibration: estimator.calibration)
                let group = p.gbPerSecond >= 0.9 * (peak[p.gpu] ?? p.gbPerSecond) ? "memory-bound" : "compute-bound"
                out.add([("power_w", p.watts, watts), ("gflops", p.gflopsPerSecond, gflops)],
                        dataset: "published-roofline", gpu: gpu.id, group: group, label: p.label)
            } catch {
                out.skipped.append((p.label, "\(error)"))
            }
        }
        return out
    }
}
