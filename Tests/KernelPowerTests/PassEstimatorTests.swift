import Testing
@testable import KernelPower

@Suite struct PassEstimatorTests {
    static let gpu = try! GPUCatalog.bundled.gpu("a100-pcie-40gb")

    static func estimator(host: Double = 10) -> PassEstimator {
        let set = CoefficientFile.bundled.coefficients(for: gpu)
        return PassEstimator(gpu: gpu, power: PowerModel(gpu: gpu, coefficients: set.power, capHoldFraction: 0.96),
                             timeModel: set.timeModel, host: HostModel(launchTime: .microseconds(host), passOverhead: .zero))
    }

    static func gemm(_ m: Int) -> Kernel {
        Kernel("gemm", .gemm(GEMMShape(m: m, n: 8192, k: 8192, aBytes: 2, bBytes: 2, cBytes: 2, unit: .tensor(.bf16))))
    }

    @Test func powerNeverExceedsTheCap() {
        let program = KernelProgram(blocks: [.init(name: "l", kernels: [Self.gemm(16384)], repeats: 20)])
        for cap in [150.0, 200, 250] {
            let e = Self.estimator().estimate(program, clock: Self.gpu.boostClock, powerCap: .watts(cap))
            #expect(e.averagePower.watts <= cap + 1e-9)
        }
    }

    @Test func capStretchesComputeBoundTime() {
        let program = KernelProgram(blocks: [.init(name: "l", kernels: [Self.gemm(16384)], repeats: 4)])
        let free = Self.estimator().estimate(program, clock: .megahertz(1410), powerCap: .watts(250))
        let capped = Self.estimator().estimate(program, clock: .megahertz(1410), powerCap: .watts(150))
        #expect(capped.powerLimited)
        #expect(capped.time > free.time)
        #expect(capped.clock < free.clock)
    }

    @Test func moreWorkCostsMoreEnergy() {
        var last = 0.0
        for m in [64, 512, 4096, 16384] {
            let p = KernelProgram(blocks: [.init(name: "l", kernels: [Self.gemm(m)], repeats: 3)])
            let e = Self.estimator().estimate(p).energy.joules
            #expect(e > last)
            last = e
        }
    }

    @Test func lowerClockStretchesComputeBoundKernels() {
        let p = KernelProgram(blocks: [.init(name: "l", kernels: [Self.gemm(8192)], repeats: 1)])
        let fast = Self.estimator().run(p, at: .megahertz(1410), cap: nil)
        let slow = Self.estimator().run(p, at: .megahertz(705), cap: nil)
        #expect(approx(slow.busyTime.seconds / fast.busyTime.seconds, 2, rel: 0.05))
    }

    @Test func idleProgramDrawsIdlePower() {
        // Nothing but host overhead: the GPU idles at the clock's idle power.
        var e = Self.estimator()
        e = PassEstimator(gpu: e.gpu, power: e.power, timeModel: e.timeModel,
                          host: HostModel(launchTime: .zero, passOverhead: .milliseconds(5)))
        let r = e.estimate(KernelProgram(blocks: []), clock: .megahertz(900))
        #expect(approx(r.averagePower.watts, Self.gpu.idle(at: .megahertz(900)).watts))
    }

    @Test func launchBoundPassesAreFlagged() {
        let tiny = Kernel("ew", .memory(.elementwise(1024, inBytes: 2, outBytes: 2)))
        let p = KernelProgram(blocks: [.init(name: "l", kernels: Array(repeating: tiny, count: 10), repeats: 12)])
        let e = Self.estimator(host: 25).estimate(p, clock: .megahertz(900))
        #expect(e.isLaunchBound)
        #expect(e.idleShare > 0.5)
    }

    /// The closed-form replay of identical layers equals replaying every layer.
    @Test(arguments: [1.0, 5, 25, 80])
    func closedFormReplayMatchesStepByStep(_ host: Double) {
        let times = [3e-6, 40e-6, 1e-6, 90e-6, 2e-6]
        let ops = [1, 1, 1, 1, 0]
        var fast = IssueQueue(launch: host * 1e-6)
        fast.replay(times: times, hostOps: ops, repeats: 80)
        var slow = IssueQueue(launch: host * 1e-6)
        for _ in 0..<80 { slow.replay(times: times, hostOps: ops, repeats: 1) }
        #expect(approx(fast.finishTime, slow.finishTime, rel: 1e-9))
        #expect(approx(fast.busy, slow.busy, rel: 1e-9))
    }
}

/// `breakdown`: the kernel list of a pass adds up to the pass `estimate` gives, under every
/// branch of the power limiter.
@Suite struct PassBreakdownTests {
    static func program(_ m: Int) -> KernelProgram {
        let stream = Kernel("copy", .memory(MemoryOpShape(elements: 1e8, bytesRead: 4e8, bytesWritten: 4e8)))
        return KernelProgram(blocks: [.init(name: "layer", kernels: [PassEstimatorTests.gemm(m), stream], repeats: 12),
                                      .init(name: "head", kernels: [PassEstimatorTests.gemm(64)], repeats: 1)])
    }

    /// Uncapped, held by the cap at a lower clock, and stalled below the lowest clock.
    @Test(arguments: [nil, 150.0, 70.0])
    func linesAddUpToThePass(cap: Double?) {
        let e = PassEstimatorTests.estimator(host: 30)
        let p = Self.program(8192)
        let pass = e.estimate(p, powerCap: cap.map { .watts($0) })
        let b = e.breakdown(p, powerCap: cap.map { .watts($0) })
        #expect(b.pass.time == pass.time && b.pass.energy == pass.energy && b.pass.clock == pass.clock)
        #expect(b.kernels.count == 3 && b.kernels.map(\.launches) == [12, 12, 1])
        let time = b.kernels.reduce(0) { $0 + $1.totalTime.seconds } + b.gapTime.seconds
        let energy = b.kernels.reduce(0) { $0 + $1.totalEnergy.joules } + pass.gapEnergy.joules
        #expect(approx(time, pass.time.seconds, rel: 1e-12))
        #expect(approx(energy, pass.energy.joules, rel: 1e-12))
        #expect(b.gapTime.seconds > 0)
        if let cap { #expect(pass.powerLimited && pass.averagePower.watts <= cap + 1e-9) }
        #expect(b.kernels.allSatisfy { $0.throttled == (cap == 70) })
    }

    /// A stream and an all-reduce timed by HBM and the links alone ran faster than L2 can move
    /// their bytes at a low clock: L2 duty cycles of 1.07–2.15 (H100 at 400 MHz, H200 at 150).
    /// (The RTX PRO 6000's 188 SMs stream faster than its L2 at any clock; NVLink outruns L2
    /// below about 400 MHz.)
    @Test(arguments: ["rtx-pro-6000-server", "h100-sxm", "h200"], [150.0, 400, 1200])
    func noDutyCycleButSharedMemoryPassesOne(gpuID: String, mhz: Double) throws {
        let gpu = try GPUCatalog.bundled.gpu(gpuID)
        let set = CoefficientFile.bundled.coefficients(for: gpu)
        let e = PassEstimator(gpu: gpu, power: PowerModel(gpu: gpu, coefficients: set.power, capHoldFraction: 0.96),
                              timeModel: set.timeModel, host: HostModel(launchTime: .microseconds(10), passOverhead: .zero))
        let reduce = Kernel("all_reduce", .collective(CollectiveShape(kind: .allReduce, bytes: 64e6, participants: 8)))
        let stream = Kernel("copy", .memory(MemoryOpShape(elements: 1e8, bytesRead: 4e8, bytesWritten: 4e8)))
        let program = KernelProgram(blocks: [.init(name: "layer", kernels: [stream, reduce], repeats: 2)])
        for k in e.breakdown(program, clock: .megahertz(mhz)).kernels {
            for (unit, duty) in zip(DutyCycles.columns, k.dutyCycles.values) where unit != "smem" {
                #expect(duty >= 0 && duty <= 1 + 1e-12, "\(k.kernel) \(unit) \(duty) at \(mhz) MHz")
            }
        }
    }

    @Test func memoryBoundKernelsAreNamedAndBusyTheirUnit() {
        let b = PassEstimatorTests.estimator().breakdown(Self.program(16384))
        let copy = b.kernels[1], gemm = b.kernels[0]
        #expect(copy.kernel == "copy" && copy.bound == .memory && copy.dutyCycles.hbm > 0.5)
        #expect(gemm.bound == .compute && gemm.dutyCycles.tensor > 0.5)
        #expect(gemm.power > copy.power)
    }
}

/// A kernel's shape in words: what a listing prints beside its time.
@Suite struct KernelSummaryTests {
    @Test func shapesReadAsAProfilerWouldShowThem() {
        var experts = GEMMShape(batch: 111, m: 3, n: 5760, k: 2880, aBytes: 2, bBytes: 0.53125, cBytes: 2, unit: .tensor(.bf16),
                                sharedB: false, grouped: true)
        experts.expectedBatch = 110.6
        #expect(Kernel.Shape.gemm(experts).summary == "gemm 111 × 3×5760×2880 bf16 tensor, B 4.25 bit")
        let dense = GEMMShape(m: 64, n: 5120, k: 2880, aBytes: 2, bBytes: 2, cBytes: 2, unit: .tensor(.bf16))
        #expect(Kernel.Shape.gemm(dense).summary == "gemm 64×5120×2880 bf16 tensor")
        let attention = AttentionShape(batch: 64, heads: 64, kvHeads: 8, queryLength: 1, kvLength: 1536, headDim: 64, causal: true,
                                       window: 128, qBytes: 2, kvBytes: 2, unit: .tensor(.bf16))
        #expect(Kernel.Shape.attention(attention).summary == "attention b64 h64/8 q1 kv1536 d64 window 128")
        #expect(Kernel.Shape.collective(CollectiveShape(kind: .allReduce, bytes: 1.05e6, participants: 4)).summary == "all_reduce 1.05 MB × 4")
        #expect(Kernel.Shape.memory(MemoryOpShape(elements: 1, bytesRead: 600, bytesWritten: 138)).summary == "stream 738 B")
    }
}
