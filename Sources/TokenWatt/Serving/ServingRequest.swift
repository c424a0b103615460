import KernelPower

/// What a deployment serves at steady state: how many sequences are in flight and how long the
/// requests are.
public struct ServingRequest: Sendable, Equatable {
    /// Concurrent sequences of the whole deployment (vLLM `max_num_seqs` summed over replicas).
    public var batch: Int
    public var inputTokens: Int
    public var outputTokens: Int
    /// Tokens per continuous-batching step (vLLM `max_num_batched_tokens`). `estimate`,
    /// `diagnose`, `tune`, `kernels`, `sweep`, `power` and `predict` take vLLM's default for the
    /// GPU (`defaultTokenBudget(for:)`): 8192 on a GPU of 70 GiB or more other than an A100, 2048
    /// elsewhere.
    public var tokenBudget: Int
    /// The step budget of a request built without its engine's default in hand (a data set's runs,
    /// which `validate` prices at their own engines' settings; a calibration's runs; `bench`):
    /// vLLM's server default on an H100-class GPU (`EngineDefaults.largeGPU`).
    public static let defaultTokenBudget = EngineDefaults.largeGPU.tokenBudget
    /// Fraction of GPU memory the engine may use (vLLM `gpu_memory_utilization`, default 0.9).
    public var memoryUtilization: Double
    /// Continuous batching at steady state (a live service), or one static batch of identical
    /// requests submitted at once (an offline benchmark such as Argonne's fixed 1024/1024 runs).
    public var batching: Batching
    /// Copies of each prompt in flight together (1: every prompt distinct). A benchmark that fills
    /// more sequences than it has prompts repeats them (ML.ENERGY's `num_request_repeats`), and
    /// vLLM's prefix cache, on by default in its V1 engine, then holds one copy's prompt KV for all
    /// of them and prefills one in `promptCopies` requests. Continuous batching only.
    public var promptCopies: Double = 1

    public enum Batching: String, Sendable, CaseIterable { case continuous, staticBatch = "static" }

    /// The most sequences one engine keeps decoding under continuous batching. Every step holds at
    /// most `tokenBudget` tokens: one per decoding sequence, plus the prompt tokens of the requests
    /// that start alongside them, I for every O tokens decoded at steady state, so b·(1 + I/O) ≤
    /// budget. A larger `max_num_seqs` leaves requests waiting for prefill, not decoding. Both
    /// engines count a decode as one token of the step budget: vLLM schedules decodes first and
    /// fills what is left with prompt chunks (docs, "Optimization and Tuning", chunked prefill);
    /// TensorRT-LLM's `max_num_tokens` caps context plus generation tokens per iteration (docs,
    /// "Tuning Max Batch Size and Max Num Tokens").
    public var budgetLimitedBatch: Int {
        max(1, Int((Double(tokenBudget) * Double(outputTokens) / (prefilledTokens + Double(outputTokens))).rounded(.down)))
    }

    /// The copies that share each prompt's KV pages and its prefill: `promptCopies`, at least 1.
    public var sharingCopies: Double { max(1, promptCopies) }

    /// Prompt tokens prefilled per request: the prompt, once per `sharingCopies` requests.
    public var prefilledTokens: Double { Double(inputTokens) / sharingCopies }

    /// Whether `framework` serves this request as one static batch: HF transformers always does.
    public func isStatic(on framework: Framework) -> Bool { framework == .hf || batching == .staticBatch }

    public init(batch: Int, inputTokens: Int, outputTokens: Int, tokenBudget: Int = ServingRequest.defaultTokenBudget, memoryUtilization: Double = Deployment.memoryUtilization,
                batching: Batching = .continuous) {
        self.batch = batch
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.tokenBudget = tokenBudget
        self.memoryUtilization = memoryUtilization
        self.batching = batching
    }
}

extension ServingRequest {
    /// Whether an answer of `outputTokens` has an interval between tokens to time: a one-token
    /// answer's token comes from the step that ends its prompt, so it has a TTFT and no ITL, in
    /// every command that shows one.
    public static func hasInterTokenInterval(_ outputTokens: Int) -> Bool { outputTokens > 1 }
    public var hasInterTokenInterval: Bool { Self.hasInterTokenInterval(outputTokens) }
    /// The words that say why: "ITL – (one output token: no interval between tokens)".
    public static let noIntervalWords = "one output token: no interval between tokens"
}

extension ServingRequest {
    /// A serving engine's default step budget (`max_num_batched_tokens`) and cap on sequences in
    /// flight (`max_num_seqs`) when neither is set. The batch is always given here (`--batch`, a
    /// sweep's `maxBatch`, a workload's), so `maxSequences` is what vLLM would run without one.
    public struct EngineDefaults: Sendable, Equatable {
        public let tokenBudget: Int
        public let maxSequences: Int

        /// vLLM's OpenAI API server (`vllm serve`) on a GPU of at least 70 GiB that is not an A100.
        public static let largeGPU = EngineDefaults(tokenBudget: 8192, maxSequences: 1024)
        /// vLLM's OpenAI API server on every other GPU.
        public static let otherGPU = EngineDefaults(tokenBudget: 2048, maxSequences: 256)
    }

    /// The device memory from which vLLM takes its larger defaults: 70 GiB.
    static let largeGPUMemory = ByteCount.gibibytes(70)

    /// vLLM's defaults for its OpenAI API server on `gpu`: `largeGPU` (8192 tokens, 1024
    /// sequences) where the device has at least 70 GiB and its name does not contain "a100",
    /// `otherGPU` (2048, 256) elsewhere. Source: vllm-project/vllm@99d7eb5d6a51 (the 0.11 line),
    /// vllm/engine/arg_utils.py, `EngineArgs._set_default_args`, the
    /// `UsageContext.OPENAI_API_SERVER` entries ("Setting large `max_num_batched_tokens` for A100
    /// reduces throughput, see PR #17885"); tests/engine/test_arg_utils.py,
    /// `test_defaults_with_usage_context`. vLLM reads the device's total memory and name at start-up;
    /// here the catalog's memory and its id and name stand for them (no catalog GPU lies between
    /// 48 and 80 GiB, so the few GiB a driver keeps move none across the line). vLLM also caps
    /// `max_num_seqs` at `max_num_batched_tokens`, which neither pair reaches.
    public static func vllmServerDefaults(on gpu: GPUSpec) -> EngineDefaults {
        let isA100 = (gpu.id + " " + gpu.name).lowercased().contains("a100")
        return gpu.memoryCapacity.bytes >= largeGPUMemory.bytes && !isA100 ? .largeGPU : .otherGPU
    }

    /// The step budget a request on `d` takes when none is given: vLLM's default on `gpu`
    /// (`vllmServerDefaults`) under vLLM (CUDA graphs or eager), SGLang's (`sglangChunkedPrefillSize`)
    /// under SGLang, `defaultTokenBudget` (8192) under TensorRT-LLM, whose `max_num_tokens`
    /// defaults to 8192 on every GPU, and HF transformers, which runs one static batch with no step
    /// budget.
    public static func defaultTokenBudget(for d: Deployment) -> Int { defaultTokenBudget(on: d.gpu, framework: d.framework) }

    /// `defaultTokenBudget(for:)` for a GPU and engine before a deployment is read.
    public static func defaultTokenBudget(on gpu: GPUSpec, framework: Framework) -> Int {
        switch framework {
        case .vllm, .vllmEager: vllmServerDefaults(on: gpu).tokenBudget
        case .sglang: sglangChunkedPrefillSize(on: gpu)
        default: defaultTokenBudget
        }
    }

    /// SGLang's default `chunked_prefill_size` by the device memory it reads at start-up, in MiB
    /// (nvidia-smi's `memory.total`; on ROCm rocminfo's pool size ÷ 1024): the first tier whose
    /// bound the memory is below, else the last chunk. Source: sglang 0.5.5 (PyPI wheel
    /// sglang-0.5.5-py3-none-any.whl, tag v0.5.5), python/sglang/srt/server_args.py,
    /// `ServerArgs._handle_gpu_memory_settings`: below 20 × 1024 MiB 2048 ("T4, 4080"), below 35 ×
    /// 1024 2048 ("A10, 4090, 5090"), below 60 × 1024 4096 ("A100 (40GB), L40"), below 90 × 1024
    /// 8192 ("H100, A100"), below 160 × 1024 8192 ("H20, H200"), else 16384 ("B200, MI300"); the
    /// NPU-only tiers (Ascend) are left out. The 0.4.8 line had the same ends (2048 below 35 GiB,
    /// 16384 from 160 GiB) without the 4096 tier; the line first read here (commit 8d26bc97,
    /// 2048 below 25,000 MiB, else 8192) had been kept for every GPU, so B200s and AMD's
    /// MI300X–MI355X ran 8192-token steps where SGLang runs 16384 and an A100 40GB, A40 or L40S
    /// 8192 where it runs 4096.
    static let sglangChunkTiers: [(belowMiB: Double, tokens: Int)] = [
        (20 * 1024, 2048), (35 * 1024, 2048), (60 * 1024, 4096), (90 * 1024, 8192), (160 * 1024, 8192),
    ]
    /// SGLang's chunk on a GPU at or above every tier's bound (160 GiB: B200, GB200, B300, MI300X…).
    static let sglangLargestChunk = 16384

    /// SGLang's default `chunked_prefill_size`, the tokens of prompt a step carries, which is the
    /// step budget its scheduler fills (`sglangChunkTiers`). SGLang reads the device's memory in
    /// MiB; the catalog's capacity stands for it (the few hundred MiB a driver keeps move no
    /// catalog GPU across a bound where the chunk changes, 35, 60 or 160 GiB: the nearest is the
    /// V100's 32 GiB).
    public static func sglangChunkedPrefillSize(on gpu: GPUSpec) -> Int {
        let mib = gpu.memoryCapacity.bytes / 1_048_576
        return sglangChunkTiers.first { mib < $0.belowMiB }?.tokens ?? sglangLargestChunk
    }
}
