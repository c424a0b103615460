import KernelPower

/// The KV cache in the figures vLLM logs at start-up, to hold an estimate against a running
/// engine: "Available KV cache memory: X GiB" (per GPU) and "GPU KV cache size: N tokens" (per
/// engine). The free bytes are `KVCacheBudget`'s (`KVCacheBudget.freeBytes`, the same memory
/// fraction and step budget), so the tokens here are the pages the batch is sized from.
///
/// Tokens per engine = ⌊free bytes per GPU ÷ KV bytes per token per GPU ÷ 16⌋ × 16: vLLM allocates
/// whole 16-token pages (its default block size, `KVCacheBudget.pageTokens`), and every GPU of an
/// engine holds its tensor-parallel share of every token and its pipeline stage's layers
/// (`Deployment.kvBytesPerTokenPerGPU`, the heaviest stage's), so one GPU's pages are the
/// engine's. A token is counted at every attention layer: for a model with sliding-window
/// layers or a recurrent state vLLM groups its pages otherwise and logs another count.
public struct KVCacheCapacity: Sendable, Equatable {
    /// Bytes per GPU left for the KV cache after weights, activations and the fixed reserve.
    public let bytesPerGPU: ByteCount
    /// KV bytes of one token on one GPU (all attention layers of the GPU's stage).
    public let bytesPerTokenPerGPU: ByteCount
    /// Tokens one engine (data-parallel replica) can hold, in whole pages.
    public let tokensPerEngine: Int

    public init(deployment d: Deployment, request r: ServingRequest) {
        bytesPerGPU = .bytes(max(0, KVCacheBudget.freeBytes(d, tokenBudget: r.tokenBudget, memoryUtilization: r.memoryUtilization)))
        bytesPerTokenPerGPU = d.kvBytesPerTokenPerGPU
        let page = Double(KVCacheBudget.pageTokens)
        let pages = bytesPerTokenPerGPU.bytes > 0 ? (bytesPerGPU.bytes / bytesPerTokenPerGPU.bytes / page).rounded(.down) : 0
        tokensPerEngine = Int(pages) * KVCacheBudget.pageTokens
    }

    /// `{"bytesPerTokenPerGPU", "gibibytesPerGPU", "tokensPerEngine", "pageTokens"}`, the keys
    /// `estimate --format json` and `diagnose --format json` write under `kvCache`.
    public func json() -> JSONValue {
        .obj([("bytesPerTokenPerGPU", .num(bytesPerTokenPerGPU.bytes)), ("gibibytesPerGPU", .num(bytesPerGPU.gibibytes)),
              ("tokensPerEngine", .num(Double(tokensPerEngine))), ("pageTokens", .num(Double(KVCacheBudget.pageTokens)))])
    }

    /// `body`, a JSON object, with `kvCache` added last.
    public func appended(to body: JSONValue) -> JSONValue {
        guard case let .object(pairs) = body else { return body }
        return .obj(pairs.map { ($0.key, $0.value) } + [("kvCache", json())])
    }
}
