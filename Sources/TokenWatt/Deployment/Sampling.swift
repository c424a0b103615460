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

    /// The default per framework: vLLM serves with the model's generation config, whose top-p is
    /// below 1 for most instruct models (Llama 3.1 0.9, Qwen3 0.8–0.95, Gemma 3 0.95); TensorRT-LLM
    /// samples with its own kernels and HF's top-p warper is off unless asked for.
    public static func defaultFor(_ f: Framework) -> Sampling { f.usesVLLMSampler ? .topP : .direct }

    /// Why top-p costs what direct costs on an engine without vLLM's sorting sampler, whatever
    /// sampling is asked; nil for vLLM's engines, which sort under top-p. `--framework sglang
    /// --sampling top-p` had echoed top-p and priced direct with no word why.
    public static func sortFreeNote(_ f: Framework) -> String? {
        switch f {
        case .vllm, .vllmEager: nil
        case .sglang: "SGLang samples top-p without sorting the logits (FlashInfer's sorting-free kernels, its default sampling backend), "
            + "whatever sampling is asked: top-p costs what direct costs"
        case .trtllm: "TensorRT-LLM samples with its own kernels, charged no sort whatever sampling is asked: top-p costs what direct costs"
        case .hf: "the HF planner prices no sampler, so the sampling asked changes nothing"
        }
    }
}
