import KernelPower

extension Framework {
    /// The key a framework's fitted host is stored under in a coefficient file.
    public var hostKey: String { rawValue }

    /// Host keys that only a fit on fused serving kernels writes (`ServingCalibration`, or a user
    /// calibration on vLLM, vLLM-eager or TensorRT-LLM runs).
    static let servingHostKeys = Set(allCases.filter(\.isFused).map(\.hostKey))
}

extension Estimator {
    /// The time model `d`'s kernels run under: the GPU's own, or for fused serving kernels on a
    /// GPU whose fit never saw them, `servingTimeModel`; then the framework's own adjustments.
    public func timeModel(for d: Deployment, set: CoefficientSet) -> TimeModel {
        d.framework.timeModel(d.framework.isFused ? servingTimeModel(set, gpu: d.gpu) : set.timeModel)
    }

    /// The time model fused serving kernels run under on `gpu`.
    ///
    /// The A100 and A10 fits are HF-eager prefill: no weight-streaming GEMV binds there and no
    /// decode attention runs, so the memory efficiency they fit (A100 0.64, pulled down by
    /// PyTorch's small elementwise kernels) and their zero per-sequence decode time say nothing
    /// about vLLM's decode. Those constants come from the serving fit (the H100's: 0.88 of HBM
    /// peak, which A100 read kernels also reach, 88 % on an A100-80GB in NVIDIA's forum thread
    /// "Trouble to reach peak bandwidth of A100", and about 90 % at most in the GTC talk cited
    /// there). The per-sequence decode traffic is in bytes, so it reads at the GPU's own bandwidth.
    /// The GPU keeps its own tensor efficiency (its cuBLAS GEMMs were measured), per-kernel times
    /// and energies per operation; a collective's fixed time is the serving stack's.
    public func servingTimeModel(_ set: CoefficientSet, gpu: GPUSpec) -> TimeModel {
        guard let base = servingBase(for: set) else { return set.timeModel }
        let serving = base.set.timeModel
        var t = set.timeModel
        t.memoryEfficiency = serving.memoryEfficiency
        t.decodeAttentionEfficiency = serving.decodeAttentionEfficiency
        t.decodeSequenceBytes = serving.decodeSequenceBytes
        t.decodeQueryHeadBytes = serving.decodeQueryHeadBytes
        // A collective's fixed time is the serving stack's launch and synchronisation (vLLM's
        // all-reduce, NCCL), which the serving fit measured and a prefill fit on one GPU never
        // saw: left at the scaffold's 8 µs, an A100 ran an all-reduce in half an H100's time and
        // beat it at tensor-parallel small batches (Llama-3.1-8B on 8 GPUs, batch 1: ITL 3.46
        // against 3.80 ms).
        t.collectiveLatency = serving.collectiveLatency
        // The grouped expert GEMMs' block-FP8 streaming share is left at the prefill fits'
        // unfitted 1 (the 8-bit-experts note says so): carried with the H100's 0.48 it made a
        // block-FP8 mixture of experts on an MI325X or RTX PRO 6000 cost more per token at batch
        // 4 than at 2 (MiniMax-M2, +3.5 %), which no measurement here checks (methodology §11).
        return t
    }

    /// The fitted GPU whose serving constants `set` borrows, or nil when its own fit saw fused
    /// kernels (or no serving fit exists).
    func servingBase(for set: CoefficientSet) -> FittedGPU? {
        guard Framework.servingHostKeys.isDisjoint(with: set.hosts.keys),
              let base = calibration.fittedSet(for: "h100-sxm"), base.set.hosts["vllm"] != nil else { return nil }
        return base
    }
}
