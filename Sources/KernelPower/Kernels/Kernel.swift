/// One GPU kernel of a forward pass, described by its shape (what it computes and moves), not
/// by measurements. The timing scaffold turns a shape into time and activity on a given GPU.
public struct Kernel: Sendable {
    public enum Shape: Sendable {
        case gemm(GEMMShape)
        case attention(AttentionShape)
        case memory(MemoryOpShape)
        case collective(CollectiveShape)
    }

    /// A short name for diagnostics (`qkv_proj`, `softmax`, `all_reduce`).
    public let name: String
    public let shape: Shape
    /// Host-side operations the framework issues for this kernel (0 inside a CUDA graph).
    public let hostOps: Int
    /// Whether the host launches it even where its neighbours replay from a CUDA graph: the
    /// kernels of an op the engine keeps out of its graphs (vLLM's splitting ops).
    public let outsideGraphs: Bool

    public init(_ name: String, _ shape: Shape, hostOps: Int = 1, outsideGraphs: Bool = false) {
        self.name = name
        self.shape = shape
        self.hostOps = hostOps
        self.outsideGraphs = outsideGraphs
    }

    public func withHostOps(_ n: Int) -> Kernel { Kernel(name, shape, hostOps: n, outsideGraphs: outsideGraphs) }

    /// The same kernel, launched by the host whatever graph its block replays.
    public func launchedOutsideGraphs() -> Kernel { Kernel(name, shape, hostOps: hostOps, outsideGraphs: true) }
}

/// A (batched) matrix product `C[b] = A[b] · B[b]` with `A: m×k`, `B: k×n`.
public struct GEMMShape: Sendable {
    public var batch: Int
    public var m: Int
    public var n: Int
    public var k: Int
    /// Bytes per element of A (activations), B (weights or a second activation) and C (output).
    public var aBytes: Double
    public var bBytes: Double
    public var cBytes: Double
    public var unit: MathUnit
    /// True when every batch shares one B (a linear layer over a batch of sequences flattened
    /// into m); false for batched products with a B per batch entry (attention scores, experts).
    public var sharedB: Bool
    /// True for the grouped per-expert products of a mixture-of-experts layer.
    public var grouped: Bool
    /// The expected number of products when it is not a whole number (the experts that random
    /// routing hits: 3.5 of 8 for two tokens choosing 2 each), used for work and bytes.
    public var expectedBatch: Double?
    /// The products the busiest GPU of an expert-parallel group runs, where that is more than the
    /// mean GPU's `expectedBatch`: it sets the kernel's time, and the mean GPU's work sets its
    /// activity, the rest of that time waiting for the busiest GPU at idle power (nil: every GPU
    /// runs `expectedBatch`). Mixtral at ep 8 and one token: two GPUs stream one expert each, the
    /// other six none, so the step lasts one expert's stream and each GPU's energy streams 0.25.
    public var busiestBatch: Double?
    /// The routing that deals rows to the products of a grouped expert GEMM: tiles are counted
    /// expert by expert over its random counts, not at the mean `m` (nil: every product has `m`).
    public var routing: ExpertRouting?
    /// True when B is FP8 with per-block scales (fine-grained FP8 checkpoints such as Qwen3-FP8).
    public var blockScaledB = false
    /// The tile the GEMM library settled on for this product (nil: the timer picks the fastest at
    /// its clock). `PassEstimator` pins it once per pass, as an autotuner would, so that the
    /// tile does not change with the clock the power limiter settles on.
    var tile: GEMMTile?

    public init(batch: Int = 1, m: Int, n: Int, k: Int, aBytes: Double, bBytes: Double, cBytes: Double,
                unit: MathUnit, sharedB: Bool = true, grouped: Bool = false) {
        self.batch = batch; self.m = m; self.n = n; self.k = k
        self.aBytes = aBytes; self.bBytes = bBytes; self.cBytes = cBytes
        self.unit = unit; self.sharedB = sharedB; self.grouped = grouped
    }

    public var flops: Double { 2 * Double(batch) * Double(m) * Double(n) * Double(k) }
}

/// Fused attention (FlashAttention-style prefill, or paged/flash decode).
public struct AttentionShape: Sendable {
    public var batch: Int
    public var heads: Int
    public var kvHeads: Int
    /// Query tokens per sequence (the prompt in prefill, 1 in decode).
    public var queryLength: Int
    /// Key/value tokens per sequence (context).
    public var kvLength: Int
    public var headDim: Int
    public var valueHeadDim: Int
    public var causal: Bool
    /// Sliding window in tokens, if any.
    public var window: Int?
    /// Block-sparse attention: past the `window`, each head attends every `verticalStride`-th
    /// block of keys, the heads of a KV group at different offsets (Phi-3-small,
    /// blocksparse_homo_head_pattern false).
    public var verticalStride: Int?
    public var qBytes: Double
    public var kvBytes: Double
    public var unit: MathUnit
    /// True when K and V are shared by all heads of a group and stored once per KV head.
    public var isDecode: Bool { queryLength == 1 }

    public init(batch: Int, heads: Int, kvHeads: Int, queryLength: Int, kvLength: Int, headDim: Int,
                valueHeadDim: Int? = nil, causal: Bool, window: Int? = nil, verticalStride: Int? = nil, qBytes: Double, kvBytes: Double,
                unit: MathUnit) {
        self.batch = batch; self.heads = heads; self.kvHeads = kvHeads
        self.queryLength = queryLength; self.kvLength = kvLength; self.headDim = headDim
        self.valueHeadDim = valueHeadDim ?? headDim; self.causal = causal; self.window = window
        self.verticalStride = verticalStride
        self.qBytes = qBytes; self.kvBytes = kvBytes; self.unit = unit
    }

    /// Mean number of keys each query attends to: causal prefill sees half the prompt on
    /// average (plus any earlier context), a window caps it, and a block-sparse stride thins what
    /// lies beyond the window.
    public var meanAttendedKeys: Double {
        let q = Double(queryLength), kv = Double(kvLength)
        var attended: Double
        if causal && queryLength > 1 {
            // Queries sit at the end of the context: query i sees (kv − q) + i + 1 keys.
            attended = (kv - q) + (q + 1) / 2
        } else {
            attended = kv
        }
        if let w = window {
            let near = min(attended, Double(w))
            attended = near + (verticalStride.map { max(0, attended - near) / Double($0) } ?? 0)
        }
        return max(1, attended)
    }

    /// Keys per sequence read from memory for each KV head: the context, or the window (plus the
    /// new queries) and, under block-sparse attention, the blocks any head of the group strides to.
    public var keysRead: Double {
        let q = Double(queryLength), kv = Double(kvLength)
        guard let w = window else { return kv }
        let near = min(kv, Double(w) + q)
        guard let stride = verticalStride else { return near }
        let stripes = min(Double(stride), Double(heads) / Double(kvHeads))
        return near + max(0, kv - near) * stripes / Double(stride)
    }

    /// Score elements computed (batch × heads × queries × attended keys).
    public var scoreElements: Double {
        Double(batch) * Double(heads) * Double(queryLength) * meanAttendedKeys
    }

    /// Tensor FLOPs of QKᵀ and PV.
    public var flops: Double { 2 * scoreElements * Double(headDim + valueHeadDim) }
}

/// A memory-streaming kernel: elementwise ops, norms, softmax, reductions, copies, gathers.
public struct MemoryOpShape: Sendable {
    public var elements: Double
    public var bytesRead: Double
    public var bytesWritten: Double
    /// FP32 (CUDA-core) FLOPs per element.
    public var flopsPerElement: Double
    /// Special-function (exp, tanh, rsqrt) evaluations per element.
    public var specialPerElement: Double

    public init(elements: Double, bytesRead: Double, bytesWritten: Double, flopsPerElement: Double = 1,
                specialPerElement: Double = 0) {
        self.elements = elements; self.bytesRead = bytesRead; self.bytesWritten = bytesWritten
        self.flopsPerElement = flopsPerElement; self.specialPerElement = specialPerElement
    }

    /// An elementwise op over `elements` with `inputs` inputs and one output.
    public static func elementwise(_ elements: Double, inputs: Double = 1, inBytes: Double, outBytes: Double,
                                   flops: Double = 1, special: Double = 0) -> MemoryOpShape {
        MemoryOpShape(elements: elements, bytesRead: elements * inputs * inBytes, bytesWritten: elements * outBytes,
                      flopsPerElement: flops, specialPerElement: special)
    }
}

/// A collective across the GPUs of a tensor- or expert-parallel group, or a point-to-point send
/// between two pipeline stages.
public struct CollectiveShape: Sendable {
    /// `send`: one GPU hands its buffer to one peer (a pipeline stage's activations, NCCL
    /// `ncclSend`/`ncclRecv`); it had been an all-to-all of two parties and twice the message, the
    /// same bytes on the wire, listed as "all_to_all 524 kB × 2".
    public enum Kind: String, Sendable {
        case allReduce = "all_reduce", allToAll = "all_to_all", allGather = "all_gather", send
    }
    public var kind: Kind
    /// The message, in bytes: each GPU's whole buffer for an all-reduce or an all-to-all, for
    /// an all-gather the gathered buffer every GPU ends with (each contributes a p-th of it), and
    /// for a send the buffer the sender hands its peer.
    public var bytes: Double
    public var participants: Int
    /// Nodes the group spans (1: every GPU on one node's NVLink/PCIe fabric).
    public var nodes: Int = 1
    /// Each GPU's scale-out network bandwidth, for a group that spans nodes.
    public var scaleOutBytesPerSecond: Double = 0
    /// Whether the group's GPUs sit in different bridged pairs though it is a pair itself
    /// (`Interconnect.unidirectionalBandwidth(participants:leavesPair:)`): a pipeline send from a
    /// stage of tp ≥ 2. Only a bridged-pair topology reads it.
    public var leavesPair = false

    public init(kind: Kind, bytes: Double, participants: Int, nodes: Int = 1, scaleOutBytesPerSecond: Double = 0) {
        self.kind = kind; self.bytes = bytes; self.participants = participants
        self.nodes = nodes; self.scaleOutBytesPerSecond = scaleOutBytesPerSecond
    }

    /// Bytes each GPU sends within its node and across nodes when the group spans `nodes` nodes
    /// of g = p / nodes GPUs. An all-reduce runs hierarchically, as NCCL does across nodes:
    /// reduce-scatter and all-gather within the node (2(g−1)/g of the message over NVLink), and
    /// between them a ring all-reduce across the nodes of each GPU's 1/g shard (2(N−1)/N of it,
    /// over the GPU's own NIC). All-to-all and all-gather send (p−g)/p of the message off the node;
    /// a send between nodes puts its whole message on the scale-out network.
    public var hierarchicalBytes: (intra: Double, inter: Double) {
        guard nodes > 1 else { return (bytesOnWire, 0) }
        let p = Double(participants), n = Double(nodes), g = p / n
        switch kind {
        case .allReduce: return (2 * (g - 1) / g * bytes, 2 * (n - 1) / n * bytes / g)
        case .allToAll, .allGather: return ((g - 1) / p * bytes, (p - g) / p * bytes)
        case .send: return (0, bytesOnWire)
        }
    }

    /// Bytes each GPU sends over its links: ring all-reduce 2(p−1)/p, all-to-all and
    /// all-gather (p−1)/p of the message, a send the whole message.
    public var bytesOnWire: Double {
        let p = Double(participants)
        guard p > 1 else { return 0 }
        switch kind {
        case .allReduce: return 2 * (p - 1) / p * bytes
        case .allToAll, .allGather: return (p - 1) / p * bytes
        case .send: return bytes
        }
    }
}
