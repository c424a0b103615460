import KernelPower

/// How many sequences fit in memory: weights and activations first, the rest for the KV cache.
public struct KVCacheBudget: Sendable {
    /// Bytes per GPU left for the KV cache.
    public let kvBytesPerGPU: ByteCount
    /// KV bytes one sequence needs on one GPU, in whole 16-token pages (vLLM's default block
    /// size). Under continuous batching the sequences in flight sit uniformly along their decode,
    /// so one holds the mean context I + O/2 (I/c of its prompt when c copies of it share their
    /// pages, `ServingRequest.promptCopies`; a sliding-window layer no more than its window,
    /// `Deployment.kvBytesPerSequencePerGPU`). A static batch's sequences grow together and all
    /// hold I + O before any finishes: a batch sized on the mean would run out of pages halfway
    /// and the engine would preempt (Argonne's Llama-2-7B on an A100-40GB takes 1.84× as long for
    /// 32 requests as for 16, the time of about 17 at once).
    public let bytesPerSequence: ByteCount
    /// Sequences the whole deployment can hold.
    public let maxBatch: Int

    /// Memory the engine keeps besides weights and KV cache: peak activations of one step of
    /// `tokenBudget` tokens (profiled by vLLM at start-up) and a fixed 1.5 GiB for the CUDA
    /// context, CUDA graphs and library workspaces (an assumption: vLLM start-up logs typically
    /// report 0.5–2 GiB for these).
    public static func reservedBytes(_ d: Deployment, tokenBudget: Int) -> ByteCount {
        let m = d.model
        let perToken = Double(4 * m.hiddenSize + 2 * (d.localHeads + 2 * d.localKVHeads) * m.headDim
                              + 3 * max(m.ffnSize, m.moe?.expertFFNSize ?? 0) / d.tensorParallel)
        let activations = Double(tokenBudget) * perToken * d.precision.activationBytes
        return .bytes(activations + 1.5 * 1_073_741_824)
    }

    public init(deployment d: Deployment, request r: ServingRequest) throws {
        let usable = d.gpu.memoryCapacity.bytes * r.memoryUtilization
        let free = usable - d.weightBytesPerGPU.bytes - Self.reservedBytes(d, tokenBudget: r.tokenBudget).bytes
        let isStatic = r.isStatic(on: d.framework)
        // Copies of a prompt in flight together share its KV pages (continuous batching only).
        let context = isStatic ? Double(r.inputTokens + r.outputTokens) : r.prefilledTokens + Double(r.outputTokens) / 2
        let pages = (context / 16).rounded(.up) * 16
        kvBytesPerGPU = .bytes(max(0, free))
        bytesPerSequence = d.kvBytesPerSequencePerGPU(contextTokens: pages)
        let perRank = Int((max(0, free) / bytesPerSequence.bytes).rounded(.down))
        maxBatch = perRank * d.attentionRanks
        guard maxBatch >= 1 else {
            throw DeploymentError.invalidShape(
                "no sequence of \(r.inputTokens)+\(r.outputTokens) tokens fits: \(formatNumber(max(0, free) / 1e9, significant: 3)) GB per GPU is left for the KV cache after weights and activations, one sequence needs \(formatNumber(bytesPerSequence.bytes / 1e9, significant: 3)) GB\(d.model.hybrid != nil ? " with its Mamba-2 state" : ""); use more GPUs or shorter requests")
        }
    }
}

extension Deployment {
    /// Groups that hold their own KV cache and sequences: data-parallel replicas (or the
    /// data-parallel attention ranks of an expert-parallel MoE deployment).
    public var attentionRanks: Int { dataParallel }
}
