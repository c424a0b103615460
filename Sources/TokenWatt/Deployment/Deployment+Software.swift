import KernelPower

/// What the serving software offers on a GPU: a deployment no engine can run is refused, not
/// priced (a probe got a TensorRT-LLM figure for an MI300X, 6 % below vLLM's, and an INT8 KV
/// cache vLLM has no kernels for).
extension Deployment {
    /// Why `framework` cannot run this KV cache, attention or GPU; nil when it can.
    static func softwareProblem(gpu: GPUSpec, framework: Framework, attention: AttentionImplementation,
                                precision: Precision, kvPrecision: Precision) -> String? {
        // TensorRT-LLM builds CUDA kernels only (NVIDIA TensorRT-LLM documentation, "Supported
        // Hardware": NVIDIA GPUs from Ampere to Blackwell).
        if framework == .trtllm, gpu.vendor != "nvidia" {
            return "TensorRT-LLM runs on NVIDIA GPUs only; \(gpu.id) is an \(gpu.vendor.uppercased()) GPU (use --framework vllm or sglang)"
        }
        // FlashAttention-2 needs Ampere or newer (Dao, FlashAttention-2 README: "Ampere, Ada, or
        // Hopper GPUs"); on Volta transformers falls back to SDPA's kernels.
        if framework == .hf, attention == .flash, gpu.architecture == "volta" {
            return "FlashAttention-2 (--attention flash) needs an Ampere or newer GPU; \(gpu.id) is a Volta (use --attention sdpa or eager)"
        }
        return kvCacheProblem(gpu: gpu, framework: framework, precision: precision, kvPrecision: kvPrecision)
    }

    /// Why `model`'s cache cannot be kept at `kv`, or nil: a sparse-attention model's MLA cache
    /// (DeepSeek-V3.2) is vLLM's 16-bit latent or its `fp8_ds_mla` format
    /// (`sparseMLACacheBytesPerToken`); no 4-bit format of it is published, and an NVFP4 cache had
    /// been priced as the FP8 one under an "nvfp4 KV cache" label.
    static func sparseCacheProblem(model: ModelArchitecture, kvPrecision kv: Precision) -> String? {
        guard model.attention.sparseIndex != nil, kv.weightBytesPerElement < 1 else { return nil }
        return "\(model.id)'s sparse MLA cache is kept in bf16 or fp16, or in fp8 (vLLM's fp8_ds_mla: an FP8 latent with FP32 scales "
            + "and a 16-bit rope key); no \(kv.rawValue) format of it is published (use --kv-precision fp8, bf16 or fp16)"
    }

    /// The KV cache an engine keeps by default: the model's activation type (vLLM's "auto"), FP16
    /// on a GPU without BF16 (a V100's fp16 model was labelled "bf16 KV cache").
    public static func defaultKVPrecision(weights: Precision, gpu: GPUSpec) -> Precision {
        switch weights {
        case .fp32, .fp16: return weights
        default: return gpu.tensorPeaks[.bf16] != nil ? .bf16 : .fp16
        }
    }

    /// The KV cache formats the engines offer: the model's 16-bit activation type (32-bit when
    /// the model runs in FP32), FP8 (vLLM `--kv-cache-dtype fp8`, TensorRT-LLM `KvCacheConfig
    /// (dtype='fp8')`, SGLang `fp8_e4m3`) and NVFP4 where FP4 tensor cores exist (TensorRT-LLM
    /// `--kv_cache_dtype nvfp4`, NVIDIA/TensorRT-LLM#11487; vLLM `nvfp4` from 0.21). No engine here
    /// caches INT8, MXFP4 or INT4 keys and values, and none a 32-bit cache beside 16-bit weights.
    static func kvCacheProblem(gpu: GPUSpec, framework: Framework, precision: Precision, kvPrecision kv: Precision) -> String? {
        switch kv {
        case .bf16, .fp16, .fp8: return nil
        case .fp32:
            return precision == .fp32 ? nil
                : "an FP32 KV cache holds an FP32 model's keys and values; \(precision.rawValue) weights run 16-bit activations (use bf16, fp16 or fp8)"
        case .nvfp4:
            guard framework == .trtllm || framework == .vllm else {
                return "an NVFP4 KV cache is a TensorRT-LLM or vLLM option; \(framework.rawValue) caches bf16, fp16 or fp8"
            }
            guard gpu.vendor == "nvidia" else {
                // MI355X has FP4 matrix cores: "has none" was wrong of it; what it lacks is NVFP4's scaling.
                return gpu.tensorPeaks[.fp4] != nil
                    ? "an NVFP4 KV cache needs NVIDIA FP4 tensor cores (Blackwell); \(gpu.id)'s FP4 matrix cores take MX scaling (one E8M0 "
                        + "scale per 32 values, OCP MX), not NVFP4's (one E4M3 scale per 16), and no engine here caches keys and values in "
                        + "MXFP4 (use fp8 or bf16)"
                    : "an NVFP4 KV cache needs NVIDIA FP4 tensor cores (Blackwell); \(gpu.id) has none (use fp8 or bf16)"
            }
            return gpu.tensorPeaks[.fp4] != nil ? nil
                : "an NVFP4 KV cache needs NVIDIA FP4 tensor cores (Blackwell); \(gpu.id) has none (use fp8 or bf16)"
        case .int8, .mxfp4, .int4:
            return "no serving engine modelled here caches keys and values in \(kv.rawValue) (KV cache formats: bf16, fp16, fp8, and nvfp4 on Blackwell)"
        }
    }
}
