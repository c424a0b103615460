import KernelPower

extension Deployment {
    /// The clock an idle replica's GPUs sit at: the locked clock where one is set, else boost.
    /// A serving engine keeps its model loaded and its CUDA context alive between requests, and
    /// the driver then holds the GPU at its high clock rather than letting it fall to the floor:
    /// an H100 draws 121.7 W with a context at 1980 MHz against 71.8 W bare (Vadari, "The Model
    /// Parking Tax", arXiv 2605.23918, as quoted in research/kernel-power.md §2.10; the EnergAIzer
    /// idle table gives 120.1 W at 1980 MHz), an A100 80.0 W at 1410 MHz against 53.7 W, a B200
    /// with models loaded 192–196 W (NVIDIA/TensorRT-LLM#10278) and an MI300X with its memory in
    /// use 191 W (ROCm/legacy-rocm-build#5231), each the catalog's idle figure at that clock.
    /// Until 2026-12-07 idle replicas were priced at the lowest clock's idle, a bare GPU's.
    public var idleClock: Frequency { lockedClock ?? gpu.boostClock }

    /// The deployment's wall power while it serves nothing but stays provisioned: its GPUs at
    /// their idle power with a model loaded (`idleClock`), its hosts' share of their nodes' idle
    /// power, through the PSU. The ledger's provisioned-idle line, the fleet's idle replicas, the
    /// trace's idle time and `power`'s idle figure all read it.
    public var idleWallPower: Power {
        let hostIdlePerGPU = node.hostIdlePower / Double(node.gpuCount)
        return (gpu.idle(at: idleClock) + hostIdlePerGPU) * Double(gpuCount) / node.psuEfficiency
    }
}
