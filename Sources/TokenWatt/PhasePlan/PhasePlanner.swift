import KernelPower

/// Turns a deployment and a phase into the kernels one GPU runs: an embedding block, one block
/// per layer variant (repeated over its layers) and a head block.
public struct PhasePlanner: Sendable {
    public let deployment: Deployment
    /// Whether the pass ends with the LM head (a base model run as in the EnergAIzer data has none).
    public let includeLMHead: Bool

    public init(deployment: Deployment, includeLMHead: Bool = true) {
        self.deployment = deployment
        self.includeLMHead = includeLMHead
    }

    /// The kernels of a whole pass, or, under pipeline parallelism, of one stage's part of it:
    /// the first stage embeds, each stage runs its layers and hands its activations on, the last
    /// runs the head.
    public func program(for phase: Phase, stage: Int? = nil) throws -> KernelProgram {
        guard phase.isValid else {
            throw DeploymentError.invalidShape("batch and token counts must be at least 1")
        }
        if deployment.framework == .hf, let kind = deployment.model.recurrentState?.mixer {
            throw DeploymentError.invalidShape(
                "the hf framework is modelled for transformer layers only; run the \(kind) hybrid \(deployment.model.id) under vllm or trtllm")
        }
        if deployment.framework == .hf, deployment.model.attention.sparseIndex != nil {
            throw DeploymentError.invalidShape(
                "the hf framework is modelled for dense attention; run \(deployment.model.id)'s sparse attention under vllm or trtllm")
        }
        // An encoder has one forward pass over its whole input: a decode step, or a prompt chunk
        // after cached tokens, would price a KV cache it never keeps.
        switch phase {
        case .prefill(_, _, 0): break
        default: try deployment.requireGenerator()
        }
        if case .mixed = phase, deployment.framework == .hf {
            throw DeploymentError.invalidShape("the hf framework batches statically; continuous-batching steps need \(Framework.fusedNames)")
        }
        let b = KernelBuilder(deployment)
        let graphs = deployment.framework.capturesCUDAGraphs && phase.tokens <= Self.cudaGraphMaxTokens
        let stages = deployment.pipelineParallel
        let s = stage ?? 0
        let first = stage == nil || s == 0, last = stage == nil || s == stages - 1
        // A stage runs the variants of its own contiguous run of layers.
        let variants = stage.map { LayerVariant.variants(of: deployment.model, in: deployment.stageLayers($0)) }
            ?? LayerVariant.variants(of: deployment.model)
        var planned: [(block: KernelProgram.Block, rule: GraphRule)] = []
        func add(_ name: String, _ kernels: [Kernel], _ repeats: Int = 1, _ rule: GraphRule = .captured) {
            planned.append((.init(name: name, kernels: kernels, repeats: repeats), rule))
        }
        switch deployment.framework {
        case .vllm, .vllmEager, .trtllm, .sglang:
            let p = FusedLayerPlanner(b: b, phase: phase)
            if first { add("embedding", p.embedding()) }
            for (variant, n) in variants {
                add(variant.blockName, p.layer(variant), n, variant.graphRule)
            }
            if last {
                add("head", p.head(lmHead: includeLMHead))
            } else {
                // A stage's send to the next runs between graph replays (torch.distributed P2P).
                add("stage-send", [deployment.stageSend(tokens: Double(phase.tokens))], 1, .hostLaunched)
            }
        case .hf:
            let p = EagerLayerPlanner(b: b, phase: phase)
            add("embedding", p.embedding())
            for (variant, count) in LayerVariant.variants(of: deployment.model) {
                add(variant.blockName, p.layer(variant), count)
            }
            add("head", p.head(lmHead: includeLMHead))
        }
        let blocks = graphs ? Self.graphed(planned) : planned.map(\.block)
        return KernelProgram(blocks: blocks, sequences: phase.batch)
    }

    /// vLLM captures piecewise CUDA graphs for steps of up to 512 tokens (its default largest
    /// capture size in the V1 engine); larger steps run eagerly.
    public static let cudaGraphMaxTokens = 512

    /// Piecewise CUDA graphs: everything between attention calls replays from one host launch per
    /// piece; attention kernels are launched by the host (vLLM keeps attention outside the graphs).
    /// So is a Mamba-2 mixer: `vllm.mamba_mixer2` is one of the splitting ops of vLLM's compilation
    /// config (vllm/config/compilation.py), so each of its kernels (all but the block's norm and
    /// all-reduce) is launched by the host too, and so is Gated DeltaNet's `vllm.gdn_attention`
    /// (the kernels between its projections and its gated norm), and DeepSeek-V3.2's
    /// `vllm.sparse_attn_indexer` (the indexer's key cache, scores and top-k): their planners mark
    /// those kernels `outsideGraphs`.
    static func graphed(_ planned: [(block: KernelProgram.Block, rule: GraphRule)]) -> [KernelProgram.Block] {
        planned.enumerated().map { i, p in
            let kernels = p.block.kernels.enumerated().map { j, k -> Kernel in
                if case .attention = k.shape { return k.withHostOps(1) }
                if k.outsideGraphs { return k.withHostOps(1) }
                switch p.rule {
                case .hostLaunched: return k.withHostOps(1)
                case .splittingMixer where j > 0 && !isCollective(k): return k.withHostOps(1)
                default: return k.withHostOps(i == 0 && j == 0 ? 1 : 0)
                }
            }
            return KernelProgram.Block(name: p.block.name, kernels: kernels, repeats: p.block.repeats)
        }
    }

    static func isCollective(_ k: Kernel) -> Bool {
        if case .collective = k.shape { return true }
        return false
    }
}

/// How a block's kernels run under piecewise CUDA graphs.
enum GraphRule {
    /// Replayed from the graph of its piece (attention kernels are still launched by the host).
    case captured
    /// Every kernel launched by the host.
    case hostLaunched
    /// A splitting op: every kernel but the block's first (its norm) and its collectives launched by the host.
    case splittingMixer
}

extension LayerVariant {
    var graphRule: GraphRule { mixer == .mamba2 ? .splittingMixer : .captured }

    var blockName: String {
        switch mixer {
        case .transformer where verticalStride != nil: return "layer-blocksparse"
        case .transformer where sixteenBitMLP: return "layer-16bit-mlp"
        case .transformer: return (moe ? "moe-layer" : "layer") + (linear ? "-gdn" : "") + (window.map { "-window\($0)" } ?? "")
        case .attention: return "attention-block"
        case .mlp: return "mlp-block"
        case .mamba2: return "mamba2-block"
        }
    }
}
