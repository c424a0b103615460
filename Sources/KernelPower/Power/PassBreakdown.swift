/// One kernel of a pass as it ran: the line of the kernel list that EnergAIzer-style estimation
/// sums (each kernel's time, and its duty cycles giving watts).
public struct KernelLine: Sendable {
    /// The block (embedding, a layer variant, head) the kernel belongs to.
    public let block: String
    public let kernel: String
    /// What it computes or moves (`Kernel.Shape.summary`).
    public let shape: String
    /// Times the kernel runs in the pass: its block's repeats (the layers of that variant).
    public let launches: Int
    /// One launch's time, a power-limiter stall included.
    public let time: Time
    /// The part of `time` that is the fitted per-sequence decode time (`TimeModel.decodeSequenceTime`),
    /// not the kernel's own streams or math: what a profiler's trace of the kernel alone would not
    /// show. Zero for every kernel but decode attention.
    public let fittedTime: Time
    /// One launch's board energy, idle power included.
    public fileprivate(set) var energy: Energy
    /// The SM clock it ran at (below the pass's when the cap throttled it alone).
    public let clock: Frequency
    public let bound: Bound
    /// Whether the cap throttled this kernel on its own (only when the whole pass stayed above
    /// the cap at the lowest clock).
    public let throttled: Bool
    /// Busy fraction of each unit's peak rate over the launch.
    public let dutyCycles: DutyCycles

    public var power: Power { time.seconds > 0 ? energy / time : .zero }
    public var totalTime: Time { time * Double(launches) }
    public var totalEnergy: Energy { energy * Double(launches) }
}

/// A pass and the kernels it is made of. The kernels' total time plus `gapTime` is the pass
/// time, and their total energy plus the pass's gap energy is the pass energy.
public struct PassBreakdown: Sendable {
    public let pass: PassEstimate
    public let kernels: [KernelLine]

    /// Time the GPU idles in the pass: launch gaps where the host falls behind, and the host's
    /// per-pass work (scheduling, sampling bookkeeping) between steps.
    public var gapTime: Time { pass.time - pass.busyTime }
}

extension PassEstimator {
    /// `estimate`, kernel by kernel: the settled pass replayed at the clock (and per-kernel cap)
    /// it settled at, so that every line is what the pass total is made of.
    public func breakdown(_ program: KernelProgram, clock: Frequency? = nil, powerCap: Power? = nil) -> PassBreakdown {
        let settled = settle(program, clock: clock, powerCap: powerCap)
        var lines: [KernelLine] = []
        let replay = run(settled.program, at: settled.clock, cap: settled.kernelCap) { block, kernel, r in
            var fitted = Time.zero
            if case let .attention(shape) = kernel.shape { fitted = timeModel.decodeSequenceTime(shape, gpu: gpu, clock: r.clock) }
            lines.append(KernelLine(block: block.name, kernel: kernel.name, shape: kernel.shape.summary, launches: block.repeats, time: r.cost.time,
                                    fittedTime: fitted, energy: r.energy, clock: r.clock, bound: r.cost.bound, throttled: r.limited,
                                    dutyCycles: dutyCycles(r.cost.activity, time: r.cost.time.seconds, clock: r.clock)))
        }
        // When the limiter settled the whole pass, it holds the pass at the cap exactly, and the
        // replay's energy differs from that by the root finder's residual (under 1e-7 of the
        // cap): the kernels are scaled to the pass so that the lines add up to it.
        let busy = replay.energy - replay.gapEnergy
        let target = settled.pass.energy - settled.pass.gapEnergy
        let scale = busy.joules > 0 ? target / busy : 1
        for i in lines.indices { lines[i].energy = lines[i].energy * scale }
        return PassBreakdown(pass: settled.pass, kernels: lines)
    }
}

extension PassBreakdown {
    /// One kernel name's part of a pass, summed over the blocks that run it.
    public struct KernelTotal: Sendable {
        public let kernel: String
        public let time: Time
        public let energy: Energy
        public var power: Power { time.seconds > 0 ? energy / time : .zero }
    }

    /// Each kernel name's time and energy over the pass, the idle gaps as `gaps`, largest energy first.
    public var totalsByKernel: [KernelTotal] {
        var order: [String] = []
        var sums: [String: (Time, Energy)] = [:]
        for k in kernels {
            if sums[k.kernel] == nil { order.append(k.kernel) }
            let (t, e) = sums[k.kernel] ?? (.zero, .zero)
            sums[k.kernel] = (t + k.totalTime, e + k.totalEnergy)
        }
        let named = order.map { KernelTotal(kernel: $0, time: sums[$0]!.0, energy: sums[$0]!.1) }
        return (named + [KernelTotal(kernel: "gaps", time: gapTime, energy: pass.gapEnergy)]).sorted { $0.energy > $1.energy }
    }
}
