/// Tile choice as the GEMM libraries make it under a power limit.
///
/// cuBLASLt's autotuning and TensorRT's tactic selection time candidate kernels by running each
/// back to back on the GPU itself, so a tile is judged by the time it takes under the board's
/// power limit, not at a clock it cannot hold. Two tiles that tie at the boost clock can differ
/// by several per cent once capped: a tile that re-reads more operand bytes from L2 and shared
/// memory draws more power and is throttled further. Choosing by time at whatever clock the
/// limiter settles on made a capped pass's throughput jump by 9 % (H200 FP8 GEMM
/// 1280×4096×12032, 1,078 vs 1,174 TFLOPS) between tensor efficiencies 0.988 and 0.990, and
/// let the tile change inside the limiter's root search. The best capped time over the tiles
/// is continuous in every model constant, so the choice no longer jumps.
extension PassEstimator {
    /// `program` with every GEMM pinned to the tile that runs fastest alone at `clock` under
    /// `cap`: each tile is throttled on its own, as a tuning loop that repeats one kernel sees it.
    public func tuned(_ program: KernelProgram, at clock: Frequency, cap: Power) -> KernelProgram {
        let timer = KernelTimer(gpu: gpu, clock: clock, model: timeModel)
        let blocks = program.blocks.map { block in
            KernelProgram.Block(name: block.name, kernels: block.kernels.map { tuned($0, timer: timer, cap: cap) },
                                repeats: block.repeats)
        }
        return KernelProgram(blocks: blocks, sequences: program.sequences)
    }

    func tuned(_ kernel: Kernel, timer: KernelTimer, cap: Power) -> Kernel {
        guard case var .gemm(g) = kernel.shape, g.tile == nil else { return kernel }
        // Fastest unthrottled first: throttling only lengthens a kernel, so once a tile's free
        // time is no better than the best capped time found, no later tile can win.
        let options = GEMMTile.candidates(for: gpu).enumerated()
            .map { (index: $0.offset, tile: $0.element, cost: timer.gemm(g, tile: $0.element)) }
            .sorted { ($0.cost.time.seconds, $0.index) < ($1.cost.time.seconds, $1.index) }
        var best: (tile: GEMMTile, seconds: Double)?
        for option in options {
            if let best, option.cost.time.seconds >= best.seconds { break }
            var pinned = g
            pinned.tile = option.tile
            let run = throttled(Kernel(kernel.name, .gemm(pinned)), cost: option.cost, clock: timer.clock, cap: cap)
            if best == nil || run.cost.time.seconds < best!.seconds { best = (option.tile, run.cost.time.seconds) }
        }
        g.tile = best?.tile
        return Kernel(kernel.name, .gemm(g), hostOps: kernel.hostOps, outsideGraphs: kernel.outsideGraphs)
    }
}
