import KernelPower

/// How each step picks the next token from the logits, which decides the sampler's kernels.
public enum Sampling: String, Sendable, CaseIterable {
    /// From the logits as they are: greedy, temperature alone, or top-p by a sampler that does
    /// not sort (FlashInfer's rejection sampler, opt-in in vLLM 0.11): one pass over the logits.
    case direct
    /// Nucleus (top-p) sampling as vLLM's PyTorch sampler does it: every sequence's logits sorted
    /// over the whole vocabulary, then softmax, cumulative sum, mask and scatter back. vLLM 0.11
    /// runs this path by default: FlashInfer's sorting-free sampler became opt-in in
    /// vllm-project/vllm#26859 (2025-10-15); the PR that first brought it (#11394) measured the
    /// sort at up to ~20 % of throughput in high-throughput serving.
    case topP = "top-p"

    /// The default on `gpu` per framework: top-p where the engine sorts under it
    /// (`Framework.sortsTopP`), direct elsewhere. vLLM serves with the model's generation config,
    /// whose top-p is below 1 for most instruct models (Llama 3.1 0.9, Qwen3 0.8–0.95, Gemma 3
    /// 0.95); so does SGLang (`sampling_defaults = "model"` in sglang 0.5.5's server_args.py), which
    /// sorts for it on an AMD GPU and on an NVIDIA one samples it without a sort, which `direct`
    /// covers (one pass over the logits). TensorRT-LLM samples with its own kernels and HF's top-p
    /// warper is off unless asked for.
    public static func defaultFor(_ f: Framework, on gpu: GPUSpec) -> Sampling { f.sortsTopP(on: gpu) ? .topP : .direct }

    /// Why top-p costs what direct costs on an engine without a sorting sampler on `gpu`, whatever
    /// sampling is asked; nil where the engine sorts under top-p (vLLM's engines anywhere, SGLang
    /// on an AMD GPU). `--framework sglang --sampling top-p` had echoed top-p and priced direct
    /// with no word why.
    public static func sortFreeNote(_ f: Framework, on gpu: GPUSpec) -> String? {
        guard !f.sortsTopP(on: gpu) else { return nil }
        return switch f {
        case .vllm, .vllmEager: nil
        case .sglang: "SGLang samples top-p without sorting the logits (FlashInfer's sorting-free kernels, its default sampling backend on "
            + "NVIDIA GPUs), whatever sampling is asked: top-p costs what direct costs"
        case .trtllm: "TensorRT-LLM samples with its own kernels, charged no sort whatever sampling is asked: top-p costs what direct costs"
        case .hf: "the HF planner prices no sampler, so the sampling asked changes nothing"
        }
    }

    /// Who sorts the logits under top-p on `gpu`, for the line that says what the sort costs:
    /// vLLM's PyTorch sampler, or SGLang's PyTorch sampling backend where FlashInfer is missing
    /// (`Framework.sortsTopP`).
    public static func sorterWords(_ f: Framework, on gpu: GPUSpec) -> String {
        f == .sglang ? "SGLang's PyTorch sampling backend (FlashInfer, its sorting-free one, runs on NVIDIA GPUs only; on \(gpu.id) "
            + "SGLang falls back to PyTorch's, which sorts as vLLM's does)" : "vLLM's PyTorch sampler"
    }
}
