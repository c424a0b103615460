@testable import KernelPower
import Testing

/// GEMM tiles are tuned under the power cap, so capped throughput moves smoothly with the model's
/// constants instead of jumping where two tiles swap places at the boost clock.
@Suite struct TileTuningTests {
    /// `gpu` with its bundled coefficients (time model adjusted by `adjust`), the host never in
    /// the way, the limiter holding power at `capHold` of the cap.
    static func estimator(_ gpu: GPUSpec, capHold: Double = 0.963, adjust: (inout TimeModel) -> Void = { _ in }) -> PassEstimator {
        let set = CoefficientFile.bundled.coefficients(for: gpu)
        var model = set.timeModel
        adjust(&model)
        return PassEstimator(gpu: gpu, power: PowerModel(gpu: gpu, coefficients: set.power, capHoldFraction: capHold),
                             timeModel: model, host: HostModel(launchTime: .zero, passOverhead: .zero))
    }

    /// The published H200 FP8 product (1280×4096×12032) at its TDP: its two best tiles nearly tie
    /// at the boost clock but draw different power, and choosing between them by unthrottled time
    /// made throughput step 9 % between tensor efficiencies 0.988 and 0.990.
    static func cappedTFLOPS(tensorEfficiency: Double) throws -> Double {
        let gpu = try GPUCatalog.bundled.gpu("h200")
        let estimator = Self.estimator(gpu) { $0.tensorEfficiency = tensorEfficiency }
        let g = GEMMShape(m: 1280, n: 4096, k: 12032, aBytes: 1, bBytes: 1, cBytes: 2, unit: .tensor(.fp8))
        let program = KernelProgram(blocks: [.init(name: "gemm", kernels: [Kernel("gemm", .gemm(g))], repeats: 100)])
        let run = estimator.estimate(program, clock: gpu.boostClock, powerCap: gpu.tdp)
        return g.flops * 100 / run.time.seconds / 1e12
    }

    @Test func cappedThroughputHasNoStepInTensorEfficiency() throws {
        let sweep = try stride(from: 0.970, through: 1.0, by: 0.001).map { try Self.cappedTFLOPS(tensorEfficiency: $0) }
        for (a, b) in zip(sweep, sweep.dropFirst()) {
            #expect(abs(b / a - 1) < 0.005, "\(a) → \(b) TFLOPS for a 0.001 step in tensor efficiency")
        }
    }

    /// A GEMM repeated back to back under the cap runs no slower than with any one tile pinned:
    /// the tuned choice is the best capped tile, on Ampere, Hopper and Blackwell, for shapes
    /// from decode-thin to square.
    @Test(arguments: ["a100-sxm-80gb", "h100-sxm", "h200", "b200"])
    func tunedTileIsTheBestCappedTile(_ id: String) throws {
        let gpu = try GPUCatalog.bundled.gpu(id)
        let estimator = Self.estimator(gpu)
        for (m, n, k) in [(8, 8192, 8192), (300, 14336, 4096), (1280, 4096, 12032), (8192, 8192, 8192)] {
            let g = GEMMShape(m: m, n: n, k: k, aBytes: 2, bBytes: 2, cBytes: 2, unit: .tensor(.bf16))
            func time(_ tile: GEMMTile?) -> Double {
                var shape = g
                shape.tile = tile
                let program = KernelProgram(blocks: [.init(name: "g", kernels: [Kernel("g", .gemm(shape))], repeats: 20)])
                return estimator.estimate(program, powerCap: gpu.tdp).time.seconds
            }
            let tuned = time(nil)
            let best = GEMMTile.candidates(for: gpu).map(time).min()!
            #expect(tuned <= best * (1 + 1e-6), "\(id) \(m)×\(n)×\(k): tuned \(tuned) s, best pinned \(best) s")
        }
    }

    /// Only the HBM (sm_100-class) Blackwell parts choose 2-SM tiles; a GDDR7 Blackwell card keeps
    /// the warp-level MMA tiles of earlier generations.
    @Test func pairedTilesAreDatacenterBlackwellOnly() throws {
        for id in ["b200", "b300", "gb300"] {
            #expect(GEMMTile.candidates(for: try GPUCatalog.bundled.gpu(id)).contains { $0.pairedB }, "\(id)")
        }
        for id in ["rtx-pro-6000-server", "h100-sxm", "mi355x"] {
            #expect(!GEMMTile.candidates(for: try GPUCatalog.bundled.gpu(id)).contains { $0.pairedB }, "\(id)")
        }
    }

    /// A pinned tile is the one the pass keeps at every clock the limiter tries: tuning twice
    /// changes nothing, and a kernel that fits under the cap keeps its fastest tile.
    @Test func tuningPinsTheFastestTileWhenTheCapIsFarAway() throws {
        let gpu = try GPUCatalog.bundled.gpu("h100-sxm")
        let estimator = Self.estimator(gpu, capHold: 1)
        let g = Kernel("gemm", .gemm(GEMMShape(m: 8, n: 8192, k: 8192, aBytes: 2, bBytes: 2, cBytes: 2, unit: .tensor(.bf16))))
        let program = KernelProgram(blocks: [.init(name: "l", kernels: [g], repeats: 10)])
        let once = estimator.tuned(program, at: gpu.boostClock, cap: .watts(10_000))
        let twice = estimator.tuned(once, at: gpu.boostClock, cap: .watts(10_000))
        let timer = KernelTimer(gpu: gpu, clock: gpu.boostClock, model: estimator.timeModel)
        let free = timer.cost(g).time
        #expect(timer.cost(once.blocks[0].kernels[0]).time == free)
        #expect(timer.cost(twice.blocks[0].kernels[0]).time == free)
    }
}
