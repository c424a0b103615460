/// Runs a `KernelProgram` on one GPU: times every kernel with the scaffold, replays the host's
/// issue queue to find the idle gaps between kernels, and adds idle power over the gaps.
///
/// The power cap acts on the pass's mean power, not on each kernel: the limiter averages board
/// power over a window far longer than a kernel (kernels last microseconds to milliseconds), so
/// a pass whose mean power exceeds the cap runs at the one clock where its mean equals the cap,
/// as EnergAIzer's frequency auto-search lowers the clock until the predicted power fits
/// (kernel-power.md §1.8). Kernels above the cap inside a pass that stays under it run at full
/// clock: capping them one by one had a large-batch decode step of Llama-3.1-8B at 446 W where
/// the H100 draws 691 W. The limiter dithers between supported clocks, so the mean clock is
/// continuous (the EnergAIzer DVFS runs average 1120–1290 MHz under a 250 W cap).
public struct PassEstimator: Sendable {
    public let gpu: GPUSpec
    public let power: PowerModel
    public let timeModel: TimeModel
    public let host: HostModel

    public init(gpu: GPUSpec, power: PowerModel, timeModel: TimeModel, host: HostModel) {
        self.gpu = gpu
        self.power = power
        self.timeModel = timeModel
        self.host = host
    }

    /// Estimates `program` at `clock` (the boost clock if nil) under `powerCap` (the TDP if nil);
    /// the limiter holds power at `capHoldFraction` of the cap. GEMM tiles are chosen first, as
    /// tuned under that cap (`tuned`), and kept at every clock the limiter tries.
    public func estimate(_ program: KernelProgram, clock: Frequency? = nil, powerCap: Power? = nil) -> PassEstimate {
        settle(program, clock: clock, powerCap: powerCap).pass
    }

    /// A pass as the limiter settled it, with what its last run needs to be replayed kernel by
    /// kernel (`breakdown`): the tuned program, the clock it ran at and the cap each kernel ran
    /// under (nil unless even the lowest clock left the pass above the cap).
    struct Settled {
        let program: KernelProgram
        let pass: PassEstimate
        let clock: Frequency
        let kernelCap: Power?
    }

    /// GEMM tiles are tuned as at the board's limit, and a cap below it changes nothing unless the
    /// pass then draws more than the cap. When it does, the tiles tuned under the cap, and those
    /// fastest at the clocks the limiter settles on, compete with the board's, and the fastest
    /// settled pass runs (a tuning loop under sustained load times them throttled). Tuned under
    /// the cap alone, a memory-bound GEMM took a hotter tile that ties in time, so a cap the pass
    /// never reached raised its power (Llama-3.1-70B FP8 on an MI325X at batch 1: 598 W
    /// uncapped, 627 W under a 651 W cap), and a cap 1 W higher could run 8 % slower
    /// (Llama-3.1-8B on an L4, 67 → 68 W). A pass the board's own limit holds is retuned at the
    /// clock it settles on too: tuned at the boost clock alone, an L4's GEMMs took tiles that turn
    /// compute-bound at the 1,023 MHz it settled on, and the default ran 3.4 % slower than under
    /// a cap 0.1 W lower. A pass under its cap keeps the tiles tuned at the board's limit.
    func settle(_ program: KernelProgram, clock: Frequency?, powerCap: Power?) -> Settled {
        let requested = clock ?? gpu.boostClock
        let board = gpu.tdp * power.capHoldFraction, cap = (powerCap ?? gpu.tdp) * power.capHoldFraction
        let stock = settle(tuned(program, at: requested, cap: board), from: requested, cap: cap)
        guard stock.pass.powerLimited else { return stock }
        // A tiling already settled is not settled again (the limiter's search is the cost).
        var settled: [[String]: Settled] = [Self.tiles(stock.program): stock]
        func run(_ p: KernelProgram) -> Settled {
            let key = Self.tiles(p)
            if let known = settled[key] { return known }
            let s = settle(p, from: requested, cap: cap)
            settled[key] = s
            return s
        }
        func faster(_ a: Settled, _ b: Settled) -> Settled {
            (b.pass.time.seconds, b.pass.energy.joules) < (a.pass.time.seconds, a.pass.energy.joules) ? b : a
        }
        // The tilings the retune starts from: the board's, and under a lower cap the one tuned
        // under it. Under the board's own limit the two are one: retuning it twice cost the
        // forward pass a second tuning of every GEMM (the benchmark's pass 86 → 171 µs, 128 once).
        let seeds = cap < board ? [stock, run(tuned(program, at: requested, cap: cap))] : [stock]
        var best = seeds.reduce(stock, faster)
        for seed in seeds {
            // Retuned at the settled clock until that stops helping (a few rounds at most).
            var current = seed
            for _ in 0..<3 {
                let next = run(tuned(program, at: current.clock, cap: board))
                guard next.pass.time.seconds < current.pass.time.seconds * (1 - 1e-12) else { break }
                current = next
            }
            best = faster(best, current)
        }
        return best
    }

    /// The tiles a tuned program's GEMMs run, in order: programs that tile alike settle alike.
    static func tiles(_ program: KernelProgram) -> [String] {
        program.blocks.flatMap(\.kernels).compactMap { kernel in
            guard case let .gemm(g) = kernel.shape, let t = g.tile else { return nil }
            return "\(t.m)x\(t.n):\(t.efficiency):\(t.pairedB)"
        }
    }

    /// A tuned program at `requested`, settled by the limiter under `cap`.
    func settle(_ program: KernelProgram, from requested: Frequency, cap: Power) -> Settled {
        let free = run(program, at: requested, cap: nil)
        guard free.averagePower > cap else { return Settled(program: program, pass: free, clock: requested, kernelCap: nil) }
        return limited(program, from: requested, free: free, cap: cap)
    }

    /// The pass settled at the clock where its mean power meets `cap`, found by the Illinois method
    /// (modified regula falsi) on whole passes. Work whose power stays above the cap even at the
    /// lowest clock (memory-bound power barely falls with the SM clock) stalls kernel by kernel.
    func limited(_ program: KernelProgram, from requested: Frequency, free: PassEstimate, cap: Power) -> Settled {
        func excess(_ e: PassEstimate) -> Double { e.averagePower.watts - cap.watts }
        var hi = requested, gHi = excess(free)
        var lo = max(Frequency.megahertz(210), requested * 0.1)
        // First bracket: dynamic power falls at least in proportion to the clock (V²f), so the
        // clock scaled by the share of dynamic power the cap allows usually lands just below the
        // root; a few Illinois steps finish from there.
        let idle = gpu.idle(at: requested).watts
        let share = (cap.watts - idle) / (free.averagePower.watts - idle)
        var best: PassEstimate
        if share > 0.1, share < 1 {
            let guess = requested * share
            let e = run(program, at: guess, cap: nil)
            if excess(e) <= 0 { lo = guess; best = e } else { hi = guess; gHi = excess(e); best = run(program, at: lo, cap: nil) }
        } else {
            best = run(program, at: lo, cap: nil)
        }
        var gLo = excess(best), bestExcess = gLo
        if gLo > 0 { return Settled(program: program, pass: run(program, at: lo, cap: cap), clock: lo, kernelCap: cap) }
        var side = 0
        // Converge tightly: a loose stop would let a longer pass land further below the cap and
        // cost less than a shorter one.
        for _ in 0..<60 where (hi - lo).si > requested.si * 1e-10 && bestExcess < -1e-7 * cap.watts {
            var mid = Frequency(si: (lo.si * gHi - hi.si * gLo) / (gHi - gLo))
            if !(mid > lo && mid < hi) { mid = (lo + hi) * 0.5 }
            let e = run(program, at: mid, cap: nil)
            let g = excess(e)
            if g > 0 {
                hi = mid; gHi = g
                if side == -1 { gLo /= 2 }
                side = -1
            } else {
                lo = mid; gLo = g; best = e; bestExcess = g
                if side == 1 { gHi /= 2 }
                side = 1
            }
        }
        // The limiter holds mean power at the cap; the root finder's residual is not physical.
        best.requestedClock = requested
        best.powerLimited = true
        best.energy = cap * best.time
        return Settled(program: program, pass: best, clock: lo, kernelCap: nil)
    }

    /// One pass with kernels at `clock`, throttled where a kernel exceeds `cap` (no limit if nil).
    public func run(_ program: KernelProgram, at clock: Frequency, cap: Power?) -> PassEstimate {
        run(program, at: clock, cap: cap, record: nil)
    }

    /// `run`, handing each kernel as run (once per block, not per repeat) to `record`.
    func run(_ program: KernelProgram, at clock: Frequency, cap: Power?,
             record: ((KernelProgram.Block, Kernel, KernelRun) -> Void)?) -> PassEstimate {
        let timer = KernelTimer(gpu: gpu, clock: clock, model: timeModel)
        var queue = IssueQueue(launch: host.launchTime.seconds)
        var activity = Activity()
        var boundTime: [Bound: Double] = [:]
        var busyEnergy = 0.0, clockTime = 0.0
        var limited = false
        for block in program.blocks {
            let runs = block.kernels.map { throttled($0, cost: timer.cost($0), clock: clock, cap: cap) }
            queue.replay(times: runs.map(\.cost.time.seconds), hostOps: block.kernels.map(\.hostOps), repeats: block.repeats)
            let reps = Double(block.repeats)
            if let record { for (kernel, r) in zip(block.kernels, runs) { record(block, kernel, r) } }
            for r in runs {
                activity += r.cost.activity * reps
                boundTime[r.cost.bound, default: 0] += r.cost.time.seconds * reps
                busyEnergy += r.energy.joules * reps
                clockTime += r.clock.si * r.cost.time.seconds * reps
                limited = limited || r.limited
            }
        }
        let overhead = host.overhead(sequences: program.sequences).seconds
        let total = queue.finishTime + overhead
        let gaps = max(0, total - queue.busy)
        let gapEnergy = gpu.idle(at: clock) * Time.seconds(gaps)
        let energy = Energy.joules(busyEnergy) + gapEnergy
        let meanClock = total > 0 ? Frequency(si: (clockTime + clock.si * gaps) / total) : clock
        return PassEstimate(
            time: .seconds(total), energy: energy, clock: meanClock, requestedClock: clock, powerLimited: limited,
            gapEnergy: gapEnergy,
            busyTime: .seconds(queue.busy), hostTime: .seconds(queue.cpu + overhead),
            activity: activity, dutyCycles: dutyCycles(activity, time: total, clock: meanClock),
            timeShare: total > 0 ? boundTime.mapValues { $0 / total } : [:],
            idleShare: total > 0 ? gaps / total : 0, kernelCount: program.kernelCount)
    }

    /// A kernel as run: its cost at the clock it ran at, its energy, and whether the cap throttled it.
    struct KernelRun {
        var cost: KernelCost
        var energy: Energy
        var clock: Frequency
        var limited: Bool
    }

    func energy(of cost: KernelCost, at clock: Frequency) -> Energy {
        gpu.idle(at: clock) * cost.time + power.dynamicEnergy(cost.activity, at: clock)
    }

    /// Runs one kernel under the cap: if its power at `clock` exceeds the cap, the clock where its
    /// power equals the cap is found by the Illinois method (modified regula falsi) and the kernel
    /// is costed there, its power held exactly at the cap.
    func throttled(_ kernel: Kernel, cost: KernelCost, clock: Frequency, cap: Power?) -> KernelRun {
        let e0 = energy(of: cost, at: clock)
        guard let cap, cost.time.seconds > 0, e0 / cost.time > cap else {
            return KernelRun(cost: cost, energy: e0, clock: clock, limited: false)
        }
        func powerExcess(_ f: Frequency) -> (Double, KernelCost) {
            let c = KernelTimer(gpu: gpu, clock: f, model: timeModel).cost(kernel)
            return ((energy(of: c, at: f) / c.time).watts - cap.watts, c)
        }
        var hi = clock, gHi = (e0 / cost.time).watts - cap.watts
        var lo = max(Frequency.megahertz(210), clock * 0.1)
        var (gLo, loCost) = powerExcess(lo)
        if gLo > 0 { return stalled(loCost, at: lo, cap: cap) }
        var side = 0
        for _ in 0..<60 where (hi - lo).si > clock.si * 1e-9 {
            var mid = Frequency(si: (lo.si * gHi - hi.si * gLo) / (gHi - gLo))
            if !(mid > lo && mid < hi) { mid = (lo + hi) * 0.5 }
            let (g, c) = powerExcess(mid)
            if g > 0 {
                hi = mid; gHi = g
                if side == -1 { gLo /= 2 }
                side = -1
            } else {
                lo = mid; gLo = g; loCost = c
                if side == 1 { gHi /= 2 }
                side = 1
            }
        }
        // The limiter holds power at the cap; the root finder's residual is not physical.
        return KernelRun(cost: loCost, energy: cap * loCost.time, clock: lo, limited: true)
    }

    /// Power above the cap even at the lowest clock (memory-bound work whose power barely falls
    /// with the SM clock): the limiter stalls the GPU until the average fits, so the kernel's time
    /// stretches with idle power over the stall: E + P_idle·Δt = cap·(t + Δt).
    func stalled(_ cost: KernelCost, at clock: Frequency, cap: Power) -> KernelRun {
        let idle = gpu.idle(at: clock)
        let dynamic = power.dynamicEnergy(cost.activity, at: clock)
        var c = cost
        if cap > idle { c.time = dynamic / (cap - idle) }
        return KernelRun(cost: c, energy: idle * c.time + dynamic, clock: clock, limited: true)
    }

    func dutyCycles(_ a: Activity, time: Double, clock: Frequency) -> DutyCycles {
        guard time > 0 else { return DutyCycles(tensor: 0, fp32: 0, sharedMemory: 0, l2: 0, hbm: 0, activeSM: 0, link: 0) }
        let f = clock.hertz, sms = Double(gpu.smCount)
        let tensorPeak = (gpu.tensorRate(.bf16, at: clock) ?? gpu.tensorRate(.fp16, at: clock))?.flopsPerSecond ?? 1
        return DutyCycles(
            tensor: a.tensorFLOPs / (time * tensorPeak),
            fp32: a.fp32FLOPs / (time * gpu.fp32Rate(at: clock).flopsPerSecond),
            sharedMemory: a.sharedMemoryBytes / (time * sms * timeModel.sharedMemoryBytesPerCyclePerSM * f),
            l2: a.l2Bytes / (time * timeModel.l2BytesPerCycle * f),
            hbm: a.hbmBytes / (time * gpu.memoryBandwidth.bytesPerSecond),
            activeSM: a.activeSMCycles / (time * sms * f),
            // Against every link's capacity, not the group's rate (`unidirectionalBandwidth(participants:)`):
            // a duty cycle is the share of the unit in use, and a tp 2 group on a 7-link mesh leaves
            // 6 links idle (at most 1/7 busy). The power model charges the link per byte (e_link ·
            // n_link), so topology changes the time a byte takes, not its energy.
            link: a.linkBytes / (time * gpu.interconnect.unidirectionalBandwidth.bytesPerSecond))
    }
}

/// The host issuing kernels into a stream while the GPU drains it: a kernel starts when it has
/// been issued and the previous kernel has finished. Kernels inside a CUDA graph (0 host ops)
/// start as soon as the GPU is free.
struct IssueQueue {
    let launch: Double
    var cpu = 0.0
    var gpuFree = 0.0
    var busy = 0.0

    init(launch: Double) { self.launch = launch }

    var finishTime: Double { max(cpu, gpuFree) }

    /// Replays a block `repeats` times. Once a repeat leaves the GPU as far behind the host as
    /// it found it (or further, with no idle gap), every later repeat behaves the same, so the
    /// rest is added in closed form: cost does not grow with the layer count.
    mutating func replay(times: [Double], hostOps: [Int], repeats: Int) {
        var done = 0
        while done < repeats {
            let lagBefore = gpuFree - cpu
            let (cpu0, gpu0, busy0) = (cpu, gpuFree, busy)
            var gapped = false
            for (t, ops) in zip(times, hostOps) {
                var start = gpuFree
                if ops > 0 {
                    cpu += Double(ops) * launch
                    if cpu > gpuFree { start = cpu; gapped = true }
                }
                gpuFree = start + t
                busy += t
            }
            done += 1
            let lagAfter = gpuFree - cpu
            let steady = abs(lagAfter - lagBefore) <= 1e-12 * max(1, abs(gpuFree)) || (!gapped && lagAfter >= lagBefore)
            if steady && done < repeats {
                let rest = Double(repeats - done)
                cpu += (cpu - cpu0) * rest
                gpuFree += (gpuFree - gpu0) * rest
                busy += (busy - busy0) * rest
                done = repeats
            }
        }
    }
}
