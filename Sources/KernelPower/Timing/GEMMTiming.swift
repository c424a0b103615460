/// A CTA tile configuration of a GEMM library kernel.
struct GEMMTile: Sendable {
    let m: Int
    let n: Int
    /// Main-loop efficiency of this tile relative to the largest tiles: small tiles re-read more
    /// operand bytes per FLOP from shared memory and registers.
    let efficiency: Double
    /// True for one CTA's half of a Blackwell 2-SM MMA (`cta_group::2`): the pair computes a
    /// (2m)×n tile, each CTA loading its m rows of A and half of B's n columns, which the MMA
    /// shares across the pair, so a CTA reads (m + n/2)·k operand elements from L2, not (m + n)·k.
    var pairedB = false

    /// Tiles in the spirit of cuBLAS/CUTLASS kernels for Ampere and Hopper; the timer picks the
    /// fastest for each shape, as cuBLAS's heuristics aim to.
    static let candidates: [GEMMTile] = [
        GEMMTile(m: 256, n: 128, efficiency: 1.0), GEMMTile(m: 128, n: 256, efficiency: 1.0),
        GEMMTile(m: 128, n: 128, efficiency: 0.95), GEMMTile(m: 128, n: 64, efficiency: 0.85),
        GEMMTile(m: 64, n: 128, efficiency: 0.85), GEMMTile(m: 64, n: 64, efficiency: 0.7),
        GEMMTile(m: 32, n: 128, efficiency: 0.6), GEMMTile(m: 16, n: 128, efficiency: 0.5),
    ]

    /// Datacenter Blackwell (tcgen05) adds 2-SM MMA tiles: CUTLASS lists 256×256×128 "with 2SM
    /// instruction" beside 128×128 and 128×256 1-SM tiles (CUTLASS `media/docs/cpp/
    /// blackwell_functionality.md`), each CTA supplying A (M/2, K) and B (K, N/2) (NVIDIA Tilus
    /// tcgen05 docs; JAX Pallas `blackwell_matmul.md`: "each block only loads half of each operand").
    static let blackwellPairs: [GEMMTile] = [
        GEMMTile(m: 128, n: 256, efficiency: 1.0, pairedB: true), GEMMTile(m: 128, n: 128, efficiency: 0.95, pairedB: true),
    ]

    static let blackwellCandidates = candidates + blackwellPairs

    /// The tiles `gpu`'s GEMM libraries choose from: 2-SM tiles only where tcgen05 exists (CUTLASS
    /// docs, "Blackwell SM100 GEMMs": sm100a kernels "are NOT compatible" with sm_120).
    static func candidates(for gpu: GPUSpec) -> [GEMMTile] {
        gpu.hasTensorMemory ? blackwellCandidates : candidates
    }
}

extension KernelTimer {
    func gemm(_ g: GEMMShape) -> KernelCost {
        if let tile = g.tile { return gemm(g, tile: tile) }
        var best: KernelCost?
        for tile in GEMMTile.candidates(for: gpu) {
            let c = gemm(g, tile: tile)
            if best == nil || c.time < best!.time { best = c }
        }
        return best!
    }

    /// Fraction of the streaming bandwidth a GEMM reaches on its operands: grouped expert GEMMs
    /// fall short of dense ones, and block-scaled FP8 expert weights further.
    func groupedMemoryEfficiency(_ g: GEMMShape) -> Double {
        guard g.grouped else { return 1 }
        return g.blockScaledB ? model.blockFP8GroupedMemoryEfficiency : model.groupedMemoryEfficiency
    }

    /// Time and activity of `g` with one tile configuration; with a `busiestBatch`, the busiest
    /// GPU's time and the mean GPU's activity (methodology §2: the GPUs together do the expert
    /// work of the tokens in flight, while the step waits for the GPU with the most).
    func gemm(_ g: GEMMShape, tile: GEMMTile) -> KernelCost {
        guard let busiest = g.busiestBatch else { return gemmOnOneGPU(g, tile: tile) }
        var slowest = g, mean = g
        slowest.expectedBatch = busiest
        slowest.busiestBatch = nil
        mean.busiestBatch = nil
        let timed = gemmOnOneGPU(slowest, tile: tile)
        return KernelCost(time: timed.time, activity: gemmOnOneGPU(mean, tile: tile).activity, bound: timed.bound)
    }

    /// Time and activity of `g` with one tile configuration on a GPU that runs its `expectedBatch`.
    ///
    /// tiles T = batch·⌈m/tm⌉·⌈n/tn⌉ (× split-K when there are fewer tiles than SMs), with
    /// Σ_experts E[⌈rows/tm⌉] for batch·⌈m/tm⌉ when routing deals the rows; the busiest SM
    /// runs ⌈T/S⌉ tiles (wave quantization); each tile does 2·tm·tn·k FLOPs padded to the tile
    /// (tile quantization). DRAM reads each operand once (L2 reuse under a swizzled raster); L2
    /// serves every tile's (tm + tn)·k operand panel.
    func gemmOnOneGPU(_ g: GEMMShape, tile: GEMMTile) -> KernelCost {
        let batch = g.expectedBatch ?? Double(g.batch), m = Double(g.m), n = Double(g.n), k = Double(g.k)
        let rowTiles = g.routing?.expectedTiles(rowsPerTile: tile.m) ?? batch * (m / Double(tile.m)).rounded(.up)
        let tilesMN = rowTiles * (n / Double(tile.n)).rounded(.up)
        // Split-K: skinny products with few tiles split the reduction to fill the SMs.
        let split = tilesMN < sms ? max(1, min((sms / tilesMN).rounded(.down), (k / 256).rounded(.down), 16)) : 1
        let tiles = tilesMN * split
        let kPerTile = (k / split).rounded(.up)
        let perSM = (tiles / sms).rounded(.up)
        let tileFLOPs = 2 * Double(tile.m) * Double(tile.n) * kPerTile
        let rate = (gpu.mathRate(g.unit, at: clock)?.flopsPerSecond ?? fp32Rate) / sms
        let grouped = g.grouped ? model.groupedGEMMEfficiency : 1
        let eff = (g.unit == .cudaCoreFP32 ? model.cudaCoreEfficiency : model.tensorEfficiency * tile.efficiency) * grouped
        let tMath = perSM * tileFLOPs / (rate * eff)

        // Rows of A over all the products: routed rows as dealt, not each expert's mean rounded up.
        let rows = g.routing?.rows ?? batch * m
        let aBytes = rows * k * g.aBytes
        let bBytes = (g.sharedB ? 1 : batch) * k * n * g.bBytes
        let cBytes = rows * n * g.cBytes
        let partials = split > 1 ? rows * n * 4 * 2 * split : 0
        let dram = aBytes + bBytes + cBytes + partials
        let operandColumns = tile.pairedB ? Double(tile.n) / 2 : Double(tile.n)
        let l2 = tiles * (Double(tile.m) + operandColumns) * kPerTile * (g.aBytes + g.bBytes) / 2 + cBytes + partials
        let tDram = dram / (bandwidth * groupedMemoryEfficiency(g))
        let tL2 = l2 / l2Bandwidth
        let work = max(tMath, tDram, tL2)

        var a = Activity()
        let executed = tiles * tileFLOPs
        // Power follows the products of real rows and columns: a tile's padding multiplies zeros,
        // which toggle almost nothing. Counting it made decode's tensor activity the same at
        // batch 8 and 700 (a 64-row tile either way), so the power fit could not use it.
        let useful = 2 * rows * n * k
        if g.unit == .cudaCoreFP32 {
            a.fp32FLOPs = executed
        } else {
            a.tensorFLOPs = useful * tensorWeight(g.unit)
            // Operands land in shared memory once and are read by the warps of the tile (about twice).
            a.sharedMemoryBytes = 3 * (l2 - cBytes - partials)
        }
        a.hbmBytes = dram
        a.l2Bytes = l2
        // Compute-bound: busy SM slots over all slots of the waves (the partial last wave leaves
        // SMs empty). Memory-bound: the tiles are co-resident and stream together.
        let occupied = tMath >= max(tDram, tL2) ? tiles / (perSM * sms) : tiles / sms
        a.activeSMCycles = min(1, occupied) * sms * (work + model.kernelOverhead.seconds) * hz
        return finish(work: work, limits: [(.compute, tMath), (.memory, tDram), (.l2, tL2)], activity: a)
    }
}
