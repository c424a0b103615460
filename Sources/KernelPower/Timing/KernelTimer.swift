/// The timing scaffold: turns a kernel's shape into time and activity on one GPU at one SM clock,
/// from its tiling (tiles, waves, the partial last wave), the math, L2 and HBM limits and a fixed
/// per-kernel cost, after EnergAIzer's analytical scaffold (kernel-power.md §1.6, §3).
public struct KernelTimer: Sendable {
    public let gpu: GPUSpec
    public let clock: Frequency
    public let model: TimeModel

    let sms: Double
    let hz: Double
    let bandwidth: Double
    let l2Bandwidth: Double
    let fp32Rate: Double
    let sfuRate: Double
    let streamRate: Double

    public init(gpu: GPUSpec, clock: Frequency, model: TimeModel) {
        self.gpu = gpu
        self.clock = clock
        self.model = model
        sms = Double(gpu.smCount)
        hz = clock.hertz
        bandwidth = gpu.memoryBandwidth.bytesPerSecond * model.memoryEfficiency
        l2Bandwidth = model.l2BytesPerCycle * clock.hertz
        fp32Rate = gpu.fp32Rate(at: clock).flopsPerSecond
        sfuRate = (gpu.specialFunctionsPerCyclePerSM ?? model.specialFunctionsPerCyclePerSM) * Double(gpu.smCount) * clock.hertz
        streamRate = model.streamBytesPerCyclePerSM * Double(gpu.smCount) * clock.hertz
    }

    public func cost(_ kernel: Kernel) -> KernelCost {
        switch kernel.shape {
        case let .gemm(g): return gemm(g)
        case let .attention(a): return attention(a)
        case let .memory(m): return memory(m)
        case let .collective(c): return collective(c)
        }
    }

    /// Weight that turns FLOPs of `unit` into BF16-equivalent tensor FLOPs: a format with twice the
    /// peak does a FLOP for half the energy (same datapath power at full rate). At most 1: a
    /// format slower than BF16 on a part is a rate the part cut, not a costlier operation.
    /// Blackwell Ultra (B300, GB300) runs INT8 at 153.5 and 165 TOPS dense against 2,250 and
    /// 2,500 TFLOPS BF16 (NVIDIA's Blackwell Ultra datasheet, in gpus.json), and the uncapped
    /// ratio charged an INT8 op 14.7 times a BF16 op's energy: Llama-3.1-70B's prefill step on a
    /// B300 ran 1,337 ms held at the power cap where FP8 runs 65.5 ms. No measurement here prices
    /// an op of a cut rate. TF32, the one wider format, is priced on no bundled path (FP32 weights
    /// run on CUDA cores; no published GEMM point is TF32), so the cap moves INT8 on those two parts alone.
    func tensorWeight(_ unit: MathUnit) -> Double {
        guard case let .tensor(f) = unit, let peak = gpu.tensorPeaks[f] else { return 1 }
        let ref = gpu.sixteenBitTensorPeak ?? peak
        return min(1, ref / peak)
    }

    /// Adds the fixed cost and classifies the bound.
    func finish(work: Double, limits: [(Bound, Double)], activity: Activity) -> KernelCost {
        let overhead = model.kernelOverhead.seconds
        let top = limits.max { $0.1 < $1.1 } ?? (.overhead, 0)
        let bound: Bound = overhead > work ? .overhead : top.0
        return KernelCost(time: .seconds(work + overhead), activity: activity, bound: bound)
    }
}

// MARK: - Memory-streaming kernels

extension KernelTimer {
    func memory(_ m: MemoryOpShape) -> KernelCost {
        let bytes = m.bytesRead + m.bytesWritten
        // Every byte passes through L2 too: at a low clock its rate (bytes per cycle) falls below
        // HBM's, and a kernel timed by HBM alone drew L2 duty cycles above 1 (H100 at 400 MHz).
        let tMem = max(bytes / bandwidth, bytes / streamRate, bytes / l2Bandwidth)
        let flops = m.elements * m.flopsPerElement
        let tMath = flops / (fp32Rate * model.cudaCoreEfficiency) + m.elements * m.specialPerElement / sfuRate
        let work = max(tMem, tMath)
        // One block of 256 threads handles about 1024 elements; small ops leave SMs empty.
        let blocks = (m.elements / 1024).rounded(.up)
        let activeFraction = min(1, blocks / sms)
        var a = Activity()
        a.hbmBytes = bytes
        a.l2Bytes = bytes
        a.fp32FLOPs = flops + m.elements * m.specialPerElement
        a.activeSMCycles = activeFraction * sms * (work + model.kernelOverhead.seconds) * hz
        return finish(work: work, limits: [(.memory, tMem), (.compute, tMath)], activity: a)
    }
}

// MARK: - Collectives

extension KernelTimer {
    func collective(_ c: CollectiveShape) -> KernelCost {
        guard c.participants > 1 else { return KernelCost(time: .zero, activity: Activity(), bound: .overhead) }
        let p = Double(c.participants)
        // The node's share of the group sets how much of the fabric it reaches: all of an NVSwitch
        // node's, p − 1 of a mesh's links, a bridge only within its pair (`Interconnect.Topology`).
        let perNode = max(1, c.participants / max(1, c.nodes))
        let link = gpu.interconnect.unidirectionalBandwidth(participants: perNode, leavesPair: c.leavesPair).bytesPerSecond * model.linkEfficiency
        // One synchronisation latency (NCCL's low-latency protocols and vLLM's custom all-reduce
        // pipeline the ring steps) plus the bytes each GPU sends at the link rate.
        let (intra, inter) = c.hierarchicalBytes
        var tWire = intra / link
        var tLatency = model.collectiveLatency.seconds
        if c.nodes > 1 {
            // Across nodes: a second synchronisation, and the NIC's share at its own rate, after
            // the node's part for a hierarchical all-reduce, beside it for the other kinds.
            let tInter = inter / (c.scaleOutBytesPerSecond * model.linkEfficiency)
            tWire = c.kind == .allReduce ? tWire + tInter : max(tWire, tInter)
            tLatency *= 2
        }
        // The local copies (read own buffer, write received, read for reduction) stream through
        // HBM and L2 while the wire runs; at a low clock they, not the links, set the pace (an
        // H200 at 150 MHz drew L2 duty cycles of 1.6 when they were left out).
        let localBytes = c.bytes * 3
        let tLocal = max(localBytes / bandwidth, localBytes / l2Bandwidth)
        let work = max(tWire, tLocal) + tLatency
        var a = Activity()
        a.linkBytes = intra + inter
        a.hbmBytes = localBytes
        a.l2Bytes = localBytes
        a.fp32FLOPs = c.kind == .allReduce ? c.bytes / 2 * (p - 1) / p * 2 : 0
        // NCCL runs on a handful of SMs (channels): about 1/8 of the chip.
        a.activeSMCycles = sms / 8 * (work + model.kernelOverhead.seconds) * hz
        let overhead = model.kernelOverhead.seconds
        // A collective is communication whether its bytes or its synchronisation dominate: the
        // latency is the links' and the protocol's, not a launch cost (a small all-reduce was
        // once filed under per-kernel overhead, so `diagnose` said TP's collectives took 0 %).
        return KernelCost(time: .seconds(work + overhead), activity: a, bound: .communication)
    }
}
