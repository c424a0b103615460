/// The constants of the timing scaffold for one GPU: how close kernels get to the peaks, and the
/// fixed costs around them. EnergAIzer corrects its scaffold's phase times with fitted λ factors;
/// these efficiencies play that role and are calibrated on measured times (`tokenwatt calibrate`).
public struct TimeModel: Sendable, Equatable {
    /// Fraction of the tensor peak a large tile's main loop sustains.
    public var tensorEfficiency: Double
    /// Fraction of the non-tensor FP32 peak an FP32 GEMM sustains.
    public var cudaCoreEfficiency: Double
    /// Fraction of the tensor peak fused attention sustains (softmax runs beside it on CUDA cores).
    public var attentionEfficiency: Double
    /// Fraction of the nominal HBM bandwidth streaming kernels sustain.
    public var memoryEfficiency: Double
    /// Fraction of the nominal link bandwidth collectives sustain.
    public var linkEfficiency: Double
    /// Fixed GPU-side time of every kernel: launch latency, pipeline fill and drain.
    public var kernelOverhead: Time
    /// Fixed latency of one collective step (synchronisation across GPUs).
    public var collectiveLatency: Time
    /// L2 bytes per SM clock cycle, whole chip.
    public var l2BytesPerCycle: Double
    /// Shared-memory bytes per SM per cycle.
    public var sharedMemoryBytesPerCyclePerSM: Double
    /// Special-function results per SM per cycle.
    public var specialFunctionsPerCyclePerSM: Double
    /// Bytes per SM per cycle a streaming kernel (elementwise, norm, softmax) moves through the
    /// SM's load/store path: at low SM clocks this, not HBM, limits such kernels (EnergAIzer's
    /// elementwise model counts load, math and store cycles per wave; kernel-power.md §1.6).
    public var streamBytesPerCyclePerSM: Double
    /// Fraction of the dense-GEMM math rate reached by grouped expert GEMMs (MoE): many small
    /// per-expert products with uneven rows, launched as one Triton/CUTLASS grouped kernel.
    public var groupedGEMMEfficiency: Double
    /// Fraction of the streaming bandwidth grouped expert GEMMs reach when reading expert weights.
    public var groupedMemoryEfficiency: Double
    /// The same for FP8 expert weights scaled per 128×128 block (vLLM's Triton W8A8 block kernel,
    /// which quantizes activations per token group and applies block scales inside the K loop).
    public var blockFP8GroupedMemoryEfficiency: Double
    /// Fraction of the streaming bandwidth reached by paged decode attention (scattered KV pages).
    public var decodeAttentionEfficiency: Double
    /// The time a decode step spends per sequence in every layer beyond streaming its KV cache,
    /// as the bytes that would take it at the paged-attention bandwidth: fitted on serving
    /// measurements, where step time grows with the sequences served faster than their KV bytes
    /// explain (see ServingCalibration). One GPU's fit gives a time; it is kept in bytes because it
    /// carries to other GPUs as memory time does: the A100 and B200 forecasts are closer than with
    /// SM time (methodology §3). Not counted as HBM traffic: what the work is remains unknown.
    public var decodeSequenceBytes: Double
    /// The part of that traffic that grows with the query heads a GPU computes (per sequence and head).
    public var decodeQueryHeadBytes: Double

    /// Bytes per second paged decode attention reads on `gpu`: the KV stream and the per-sequence traffic.
    public func pagedDecodeBandwidth(_ gpu: GPUSpec) -> Double {
        gpu.memoryBandwidth.bytesPerSecond * memoryEfficiency * decodeAttentionEfficiency
    }

    public init(tensorEfficiency: Double, cudaCoreEfficiency: Double, attentionEfficiency: Double,
                memoryEfficiency: Double, linkEfficiency: Double, kernelOverhead: Time, collectiveLatency: Time,
                l2BytesPerCycle: Double, sharedMemoryBytesPerCyclePerSM: Double, specialFunctionsPerCyclePerSM: Double,
                streamBytesPerCyclePerSM: Double, groupedGEMMEfficiency: Double = 1, groupedMemoryEfficiency: Double = 1,
                blockFP8GroupedMemoryEfficiency: Double = 1,
                decodeAttentionEfficiency: Double = 1, decodeSequenceBytes: Double = 0,
                decodeQueryHeadBytes: Double = 0) {
        self.tensorEfficiency = tensorEfficiency; self.cudaCoreEfficiency = cudaCoreEfficiency
        self.attentionEfficiency = attentionEfficiency; self.memoryEfficiency = memoryEfficiency
        self.linkEfficiency = linkEfficiency; self.kernelOverhead = kernelOverhead
        self.collectiveLatency = collectiveLatency; self.l2BytesPerCycle = l2BytesPerCycle
        self.sharedMemoryBytesPerCyclePerSM = sharedMemoryBytesPerCyclePerSM
        self.specialFunctionsPerCyclePerSM = specialFunctionsPerCyclePerSM
        self.streamBytesPerCyclePerSM = streamBytesPerCyclePerSM
        self.groupedGEMMEfficiency = groupedGEMMEfficiency
        self.groupedMemoryEfficiency = groupedMemoryEfficiency
        self.blockFP8GroupedMemoryEfficiency = blockFP8GroupedMemoryEfficiency
        self.decodeAttentionEfficiency = decodeAttentionEfficiency
        self.decodeSequenceBytes = decodeSequenceBytes
        self.decodeQueryHeadBytes = decodeQueryHeadBytes
    }

    /// Starting values before calibration, with their basis:
    /// - L2 5120 B/cycle, shared memory 128 B/cycle/SM and 16 special functions/cycle/SM are the
    ///   EnergAIzer artifact's scaffold constants (kernel-power.md §1.6; gpu_specs_from_artifact.csv).
    /// - Efficiencies: cuBLAS large BF16 GEMMs reach about 80 % of the A100 dense peak and
    ///   streaming kernels about 85 % of HBM bandwidth (NVIDIA "Matrix Multiplication Background
    ///   User's Guide", DU-09799-001; kernel-power.md §6.4 "DRAM near its achievable peak (70–90 %)").
    /// - Streaming: 32 B/cycle/SM, the L1 store width per SM of Ampere (NVIDIA A100 whitepaper, L1
    ///   "128 bytes/clock" for loads; stores and mixed traffic run at about a quarter of that).
    public static let starting = TimeModel(
        tensorEfficiency: 0.8, cudaCoreEfficiency: 0.7, attentionEfficiency: 0.55,
        memoryEfficiency: 0.85, linkEfficiency: 0.8, kernelOverhead: .microseconds(3),
        collectiveLatency: .microseconds(8), l2BytesPerCycle: 5120,
        sharedMemoryBytesPerCyclePerSM: 128, specialFunctionsPerCyclePerSM: 16,
        streamBytesPerCyclePerSM: 32)
}
