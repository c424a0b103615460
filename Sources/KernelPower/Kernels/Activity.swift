/// What a kernel does, counted in operations and bytes: the inputs of the energy-per-operation
/// power model. Counts add up across kernels, so a layer's activity is the sum of its kernels'.
public struct Activity: Sendable, Equatable {
    /// Tensor-core FLOPs, weighted to BF16-equivalents (an FP8 FLOP counts as bf16Peak/fp8Peak;
    /// a format slower than BF16 on its part counts as one BF16 FLOP, `KernelTimer.tensorWeight`).
    public var tensorFLOPs: Double = 0
    /// CUDA-core FP32 FLOPs, special functions included.
    public var fp32FLOPs: Double = 0
    /// Shared-memory bytes moved (written plus read).
    public var sharedMemoryBytes: Double = 0
    /// L2 bytes served.
    public var l2Bytes: Double = 0
    /// HBM (device memory) bytes read plus written.
    public var hbmBytes: Double = 0
    /// SM-cycles during which an SM holds at least one resident block.
    public var activeSMCycles: Double = 0
    /// Bytes sent over GPU-to-GPU links.
    public var linkBytes: Double = 0

    public init() {}

    public static func + (a: Activity, b: Activity) -> Activity {
        var r = a
        r += b
        return r
    }

    public static func += (a: inout Activity, b: Activity) {
        a.tensorFLOPs += b.tensorFLOPs
        a.fp32FLOPs += b.fp32FLOPs
        a.sharedMemoryBytes += b.sharedMemoryBytes
        a.l2Bytes += b.l2Bytes
        a.hbmBytes += b.hbmBytes
        a.activeSMCycles += b.activeSMCycles
        a.linkBytes += b.linkBytes
    }

    public static func * (a: Activity, k: Double) -> Activity {
        var r = a
        r.tensorFLOPs *= k; r.fp32FLOPs *= k; r.sharedMemoryBytes *= k; r.l2Bytes *= k
        r.hbmBytes *= k; r.activeSMCycles *= k; r.linkBytes *= k
        return r
    }
}

/// What limits a kernel's time.
public enum Bound: String, Sendable, CaseIterable {
    /// Tensor or CUDA-core math.
    case compute
    /// HBM (DRAM) bandwidth.
    case memory
    /// The on-chip L2 cache's bandwidth, which scales with the SM clock: a large prefill GEMM's
    /// operand traffic runs there (tensor cores 78 % busy, HBM 9 %), so faster HBM does not
    /// shorten it. Filed under `memory`, it had `diagnose` call such a prefill 82 %
    /// memory-bound, pointing at HBM bandwidth.
    case l2
    /// GPU-to-GPU links.
    case communication
    /// The fixed per-kernel cost (launch latency, pipeline fill and drain) exceeds the work.
    case overhead
    /// The fitted per-sequence decode time (`TimeModel.decodeSequenceTime`) exceeds decode
    /// attention's KV stream and math: work each sequence adds whose nature is not known, and
    /// which is not counted as HBM traffic (methodology §3). Filed under `memory`, Llama-3.1-8B's
    /// 512 sequences at 128 tokens of context read 92 % HBM-bound with HBM 30 % busy.
    case perSequence = "per-sequence"
}

/// A kernel's predicted time and activity on one GPU at one SM clock.
public struct KernelCost: Sendable {
    public var time: Time
    public var activity: Activity
    public var bound: Bound

    public init(time: Time, activity: Activity, bound: Bound) {
        self.time = time
        self.activity = activity
        self.bound = bound
    }
}
