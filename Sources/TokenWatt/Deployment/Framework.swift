import KernelPower

/// The serving framework, which decides how many kernels a layer becomes and how they are issued.
public enum Framework: String, Sendable, CaseIterable {
    /// vLLM: fused kernels (fused norms, QKV and gate-up GEMMs, FlashAttention), CUDA graphs in decode.
    case vllm
    /// vLLM's kernels launched eagerly, one host launch per kernel (`--enforce-eager`), as
    /// serving stacks without CUDA graphs run (e.g. the Splitwise profiles).
    case vllmEager = "vllm-eager"
    /// Hugging Face transformers on PyTorch eager: one kernel launch per operation, issued from Python.
    case hf
    /// TensorRT-LLM: the same fused layer (fused QKV and gate-up GEMMs, fused attention) with
    /// in-flight batching, issued by a C++ runtime. Its decode attention (the XQA/masked-MHA kernels)
    /// is charged its KV stream only: the per-sequence decode time fitted on vLLM 0.11 is vLLM's.
    /// No TensorRT-LLM step has been measured separately, so its host is the `vllm` host.
    case trtllm
    /// SGLang: vLLM's kinds of kernels (fused layers, FlashInfer or FA3 attention, CUDA graphs in
    /// decode) and vLLM's host, with two differences that are its own. On NVIDIA GPUs it samples
    /// with FlashInfer's sorting-free kernels by default (`sortsTopP`: on AMD GPUs it sorts as
    /// vLLM does), and its block-FP8 expert GEMMs stream like
    /// 16-bit ones: DeepSeek-R1's steps on SGLang 0.5.6 (InferenceMAX, H200 and B200) grow with the
    /// experts a batch touches at about the dense rate, not at the block-FP8 efficiency fitted on
    /// vLLM 0.11's kernel for Qwen3 (docs/methodology.md §7, published-serving).
    case sglang

    /// Whether the framework runs fused kernels with continuous (in-flight) batching.
    public var isFused: Bool { self != .hf }

    /// The fused frameworks in words ("vllm, vllm-eager, trtllm or sglang"), so that a refusal
    /// names every framework that works, not vLLM alone.
    public static var fusedNames: String {
        let names = allCases.filter(\.isFused).map(\.rawValue)
        return names.dropLast().joined(separator: ", ") + " or " + names[names.count - 1]
    }

    /// Whether small steps replay as CUDA graphs (one host launch per graph, not per kernel).
    public var capturesCUDAGraphs: Bool { self == .vllm || self == .trtllm || self == .sglang }

    /// Whether decode attention pays the per-sequence time of the time model (vLLM's kernels do).
    public var paysDecodeSequenceTime: Bool { self != .trtllm }

    /// Whether tokens are picked by vLLM's PyTorch sampler (TensorRT-LLM samples with its own
    /// kernels; the HF planner has no sampler).
    public var usesVLLMSampler: Bool { self == .vllm || self == .vllmEager }

    /// Whether top-p sorts every sequence's logits on `gpu`. vLLM's PyTorch sampler always does.
    /// SGLang picks FlashInfer's sorting-free sampler where FlashInfer is available, and FlashInfer
    /// is CUDA-only; elsewhere its PyTorch backend sorts. Source: sglang 0.5.5 (PyPI wheel
    /// sglang-0.5.5-py3-none-any.whl, sha256 3c57f135…c1bb995, tag v0.5.5):
    /// srt/server_args.py `_handle_sampling_backend` sets `"flashinfer" if is_flashinfer_available()
    /// else "pytorch"`; srt/utils/common.py `is_flashinfer_available()` returns
    /// `find_spec("flashinfer") is not None and is_cuda()` ("only available on NVIDIA GPUs"), false
    /// on ROCm; srt/layers/sampler.py's pytorch path, `top_k_top_p_min_p_sampling_from_probs_torch`,
    /// begins with `probs.sort(dim=-1, descending=True)`. So SGLang on an AMD GPU sorts under
    /// top-p as vLLM does; it had been priced with FlashInfer's kernels, which do not exist on ROCm.
    /// TensorRT-LLM samples with its own kernels and the HF planner prices no sampler.
    public func sortsTopP(on gpu: GPUSpec) -> Bool {
        switch self {
        case .vllm, .vllmEager: true
        case .sglang: gpu.vendor != "nvidia"
        case .trtllm, .hf: false
        }
    }

    /// Whether its expert kernels stream block-FP8 weights at the 16-bit grouped efficiency rather
    /// than the block-FP8 one fitted on vLLM 0.11 (SGLang's do).
    public var streamsBlockFP8LikeSixteenBit: Bool { self == .sglang }

    /// Whether pipeline parallelism is modelled for it (vLLM's stages, graphs or eager).
    public var supportsPipelineParallel: Bool { self == .vllm || self == .vllmEager }

    /// The time model as this framework's kernels run under it.
    public func timeModel(_ t: TimeModel) -> TimeModel {
        var u = t
        if !paysDecodeSequenceTime {
            u.decodeSequenceBytes = 0
            u.decodeQueryHeadBytes = 0
        }
        if streamsBlockFP8LikeSixteenBit { u.blockFP8GroupedMemoryEfficiency = u.groupedMemoryEfficiency }
        return u
    }
}

/// The attention implementation of the HF framework (vLLM always uses fused attention).
public enum AttentionImplementation: String, Sendable, CaseIterable {
    /// Separate QKᵀ, scale, mask, softmax and PV kernels; the score matrix goes through HBM.
    case eager
    /// PyTorch scaled_dot_product_attention: one fused kernel.
    case sdpa
    /// FlashAttention-2: one fused kernel.
    case flash
}
