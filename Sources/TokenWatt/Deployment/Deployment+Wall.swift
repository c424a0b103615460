import KernelPower

extension Deployment {
    /// The most a GPU of this deployment may draw: its cap where one is set, else its TDP.
    public var powerLimitWatts: Double { powerCap?.watts ?? gpu.tdp.watts }

    /// The most one GPU draws in the kernel power model at the deployment's locked clock, nil
    /// without one: idle power at that clock plus every unit at its full rate there at once
    /// (`PowerModel.averagePower` of one second of that activity), which no kernel reaches (a
    /// GEMM does not run the CUDA cores flat out beside the tensor cores). Shared memory is held
    /// at the larger of its rate and three times L2's: the scaffold counts its bytes for energy,
    /// not as a time limit, up to three times a GEMM's L2 bytes (operands land once and are read
    /// about twice), and L2 is a time limit. At 600 MHz an H100 bounds at 425 W (2.9 times the
    /// 147 W it draws serving Llama-3.1-8B at batch 8 there) where its TDP is 700 W: a board locked
    /// there cannot reach its TDP in the model, and a fleet at 600 MHz had been sized at +126.6 %
    /// over its busy draw for a worst case at TDP (now +61.0 %).
    public func lockedClockPowerBound(_ estimator: Estimator) -> Power? {
        guard let f = lockedClock else { return nil }
        let pass = estimator.passEstimator(for: self), hz = f.hertz, sms = Double(gpu.smCount)
        var a = Activity()
        a.tensorFLOPs = (gpu.tensorRate(.bf16, at: f) ?? gpu.tensorRate(.fp16, at: f))?.flopsPerSecond ?? 0
        a.fp32FLOPs = gpu.fp32Rate(at: f).flopsPerSecond
        a.l2Bytes = pass.timeModel.l2BytesPerCycle * hz
        a.sharedMemoryBytes = max(sms * pass.timeModel.sharedMemoryBytesPerCyclePerSM * hz, 3 * a.l2Bytes)
        a.activeSMCycles = sms * hz
        a.hbmBytes = gpu.memoryBandwidth.bytesPerSecond
        // Every link at its rate: a group that reaches fewer of them (a mesh's tp 2, a bridged
        // pair's tp 4 on PCIe) draws less, so the whole fabric's rate keeps this a bound.
        a.linkBytes = gpu.interconnect.unidirectionalBandwidth.bytesPerSecond
        return pass.power.averagePower(activity: a, time: .seconds(1), at: f)
    }

    /// The most one GPU draws at its worst case: its power limit, or where a locked clock bounds
    /// it lower in the model (`lockedClockPowerBound`), that bound.
    public func worstCaseGPUWatts(_ estimator: Estimator) -> Double {
        min(powerLimitWatts, lockedClockPowerBound(estimator)?.watts ?? .infinity)
    }

    /// The deployment's worst case at the wall: every GPU at its worst case (`worstCaseGPUWatts`)
    /// and every host busy, through the node's PSU. `power` prints it beside the busy draw and
    /// `capacity --sizing worst-case` sizes sites on it; one formula serves both, because a site
    /// sized on one figure and checked against another would disagree (a 4-H100 replica of a 70B
    /// model: 3,368 W busy, 4,000 W worst case).
    public func worstCaseWallWatts(_ estimator: Estimator) -> Double {
        wallWatts(gpuWatts: worstCaseGPUWatts(estimator))
    }

    /// Every GPU at its power limit (cap or TDP) and every host busy, at the wall: the physical
    /// ceiling, which a locked clock's model bound (`lockedClockPowerBound`) does not replace where
    /// the question is how far real draw may pass the model (`capacity`'s error band).
    public var powerLimitWallWatts: Double { wallWatts(gpuWatts: powerLimitWatts) }

    /// `gpuWatts` on each GPU and every host busy, through the node's PSU.
    func wallWatts(gpuWatts: Double) -> Double {
        let hostPerGPU = node.hostActivePower.watts / Double(node.gpuCount)
        return (gpuWatts + hostPerGPU) * Double(gpuCount) / node.psuEfficiency
    }

    /// What the worst case holds each GPU at, in words: "its cap", "TDP", or at a locked clock
    /// that bounds it lower, that bound and why.
    public func worstCaseBasis(_ estimator: Estimator) -> String {
        let limit = powerCap != nil ? "its cap" : "TDP"
        guard let f = lockedClock, let bound = lockedClockPowerBound(estimator), bound.watts < powerLimitWatts else { return limit }
        return "\(formatNumber(bound.watts, significant: 3)) W, the most the power model gives \(gpu.id) at the locked "
            + "\(formatNumber(f.megahertz)) MHz with every unit at its full rate at once (\(limit), \(formatNumber(powerLimitWatts)) W, once unlocked)"
    }
}
