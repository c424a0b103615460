import KernelPower

/// Whether the weights fit the deployment's GPUs, and if not, the smallest layout (tp × pp, or an
/// expert-parallel group for a mixture of experts) that the deployment's own checks accept, for
/// the does-not-fit refusal.
extension Deployment {
    /// Raises `doesNotFit` when the weights per GPU exceed `fraction` of its memory (the
    /// deployment's own unless given), with the smallest layout that `requirement` is met on
    /// (`smallestFit`), or none. `KVCacheBudget` asks it with the serving request's fraction and
    /// shape, so that weights past it are refused with the GPUs they need, not as a KV cache with
    /// "0 GB per GPU" left.
    public func checkWeightsFit(memoryUtilization fraction: Double? = nil, requirement: FitRequirement = .minimal) throws {
        let fraction = fraction ?? memoryUtilization
        let usable = gpu.memoryCapacity.bytes * fraction
        guard weightBytesPerGPU.bytes > usable else { return }
        throw DeploymentError.doesNotFit(model: model.id, gpu: gpu.id, weightsGB: totalWeightBytes.bytes / 1e9, usableGB: usable / 1e9,
                                         fit: smallestFit(memoryUtilization: fraction, requirement: requirement), largest: largestFit,
                                         pipelined: pipelineParallel > 1, memoryUtilization: fraction)
    }

    /// The model's weights at the deployment's precision, all of them once: what one GPU would
    /// hold unsharded. The refusal had multiplied the per-GPU share by tp × pp, which ignored the
    /// experts an ep group splits (DeepSeek-V3.1 on tp 1, ep 4 read 182.4 GB of its 672.9).
    public var totalWeightBytes: ByteCount { reshaped(tp: 1, pp: 1, ep: 1).weightBytesPerGPU }

    /// This deployment on `tp` × `pp` GPUs with an ep group of `ep`: as many GPUs as the largest
    /// group needs (one of tp × pp and ep divides the other where the checks allow them).
    func reshaped(tp: Int, pp: Int, ep: Int) -> Deployment {
        var d = self
        d.tensorParallel = tp
        d.pipelineParallel = pp
        d.expertParallel = ep
        d.gpuCount = max(tp * pp, ep)
        d.node = node(forGPUs: d.gpuCount)
        return d
    }

    /// Whether the deployment's own checks accept its layout: the heads, layers, experts and
    /// framework (`checkLayout`) and the nodes (`checkGroupsFitNodes`).
    var layoutIsAllowed: Bool {
        (try? Self.checkLayout(model: model, gpuCount: gpuCount, tensorParallel: tensorParallel, pipelineParallel: pipelineParallel,
                               expertParallel: expertParallel, framework: framework)) != nil
            && (try? checkGroupsFitNodes()) != nil
    }

    /// Whether each GPU, at `fraction` of its memory, holds its weights, the activation reserve of a
    /// step of the requirement's tokens and one sequence of the request at its full length: what
    /// `KVCacheBudget.requireRoom` asks before serving. An encoder keeps no KV cache: its weights alone.
    func leavesRoom(memoryUtilization fraction: Double, for need: FitRequirement) -> Bool {
        guard model.kind != .encoder else { return weightBytesPerGPU.bytes <= gpu.memoryCapacity.bytes * fraction }
        let free = KVCacheBudget.freeBytes(self, tokenBudget: need.tokenBudget, memoryUtilization: fraction)
        let one = KVCacheBudget.callBytes(self, promptTokens: need.inputTokens, outputTokens: need.outputTokens, sequences: 1)
        return free > 0 && one.bytes <= free
    }

    /// The fewest GPUs on which the deployment's checks accept the layout (`layoutIsAllowed`) and
    /// each GPU leaves room for `requirement` (`leavesRoom`); among as many GPUs, a tp group
    /// within a node, then fewer stages, the larger tp, and no ep. Nil when no layout does. It had sized the weights alone and
    /// ignored the nodes: Kimi-K2 on H100s was sent to tp 2 × pp 7, which left 0 GB for the KV
    /// cache, and on PCIe nodes to stages the node catalog has no network between.
    func smallestFit(memoryUtilization fraction: Double, requirement: FitRequirement) -> ParallelFit? {
        candidateGroups.compactMap { tp, ep -> ParallelFit? in
            fewestStages(tensorParallel: tp, expertParallel: ep) { $0.leavesRoom(memoryUtilization: fraction, for: requirement) }
                .map { ParallelFit(tp: tp, pp: $0, ep: ep) }
        }.min { rank($0) < rank($1) }
    }

    /// What a suggestion is chosen by, least first: GPUs, a tp group across nodes (within one its
    /// all-reduces stay on the node's fabric; Kimi-K2 had been sent to tp 16 over two nodes where
    /// tp 8 with an ep group of 16 holds it on as many GPUs), stages, −tp, ep.
    private func rank(_ f: ParallelFit) -> (Int, Int, Int, Int, Int) { (f.gpus, nodesSpanned(by: f.tp) > 1 ? 1 : 0, f.pp, -f.tp, f.ep) }

    /// The fewest stages, up to `stageLimit`, on which the layout is allowed and `holds` it, found
    /// by bisection: neither the heaviest stage's weights nor its KV cache grow with the stages,
    /// and a walk over a catalog model's 1e9 layers took minutes.
    func fewestStages(tensorParallel tp: Int, expertParallel ep: Int, holds: (Deployment) -> Bool) -> Int? {
        let limit = stageLimit(tensorParallel: tp, expertParallel: ep)
        func fits(_ pp: Int) -> Bool { let d = reshaped(tp: tp, pp: pp, ep: ep); return d.layoutIsAllowed && holds(d) }
        guard limit >= 1, fits(limit) else { return nil }
        var low = 1, high = limit
        while low < high {
            let mid = low + (high - low) / 2
            if fits(mid) { high = mid } else { low = mid + 1 }
        }
        return low
    }

    /// The most stages a tp group may have: one per layer where the framework pipelines and no ep
    /// group is set, and, on nodes the catalog has no scale-out network for, no more than one node
    /// holds (`checkGroupsFitNodes`).
    func stageLimit(tensorParallel tp: Int, expertParallel ep: Int) -> Int {
        let stages = framework.supportsPipelineParallel && ep == 1 ? model.layers : 1
        let node = node(forGPUs: Int.max)
        guard node.gpuCount > 1, node.scaleOutBandwidthPerGPU == nil else { return stages }
        return min(stages, node.gpuCount / tp)
    }

    /// The node a shape of `count` GPUs runs on: `serverNode` where `node` holds fewer.
    func node(forGPUs count: Int) -> NodeSpec {
        guard let server = serverNode, count > node.gpuCount, server.gpuCount > node.gpuCount else { return node }
        return server
    }

    /// The tp and ep groups the search tries: every tp the heads allow with no ep group, and for
    /// a mixture of experts under a fused engine (vLLM's --enable-expert-parallel), every ep that
    /// divides the experts with each tp it divides or is divided by.
    var candidateGroups: [(tp: Int, ep: Int)] {
        let tps = allowedTensorParallel
        var groups = tps.map { (tp: $0, ep: 1) }
        guard let moe = model.moe, framework.isFused else { return groups }
        for ep in Self.divisors(of: moe.experts) where ep > 1 {
            groups += tps.filter { $0 % ep == 0 || ep % $0 == 0 }.map { (tp: $0, ep: ep) }
        }
        return groups
    }

    /// The most GPUs the weights can be spread over by layouts the checks allow.
    var largestFit: ParallelFit {
        candidateGroups.compactMap { tp, ep -> ParallelFit? in
            let pp = stageLimit(tensorParallel: tp, expertParallel: ep)
            return pp >= 1 && reshaped(tp: tp, pp: pp, ep: ep).layoutIsAllowed ? ParallelFit(tp: tp, pp: pp, ep: ep) : nil
        }.max { ($0.gpus, $0.tp) < ($1.gpus, $1.tp) } ?? ParallelFit(tp: 1, pp: 1)
    }

    /// Tensor-parallel degrees the model's heads allow, ascending.
    var allowedTensorParallel: [Int] { Self.allowedTensorParallel(model: model) }

    /// Tensor-parallel degrees `model`'s heads allow (`tensorParallelProblem`), ascending.
    static func allowedTensorParallel(model: ModelArchitecture) -> [Int] {
        divisors(of: max(1, model.heads)).filter { tensorParallelProblem($0, model: model) == nil }
    }

    /// The divisors of `n`, ascending, found in √n steps: a tp must divide the heads, and trying
    /// every tp up to a catalog model's 1e9 heads took minutes.
    static func divisors(of n: Int) -> [Int] {
        var low: [Int] = [], high: [Int] = []
        var d = 1
        while d * d <= n {
            if n % d == 0 {
                low.append(d)
                if d != n / d { high.append(n / d) }
            }
            d += 1
        }
        return low + high.reversed()
    }
}

/// What a suggested layout must hold besides its weights, as the serving checks ask
/// (`KVCacheBudget.requireRoom`): the activations of a step of `tokenBudget` tokens and one
/// sequence of `inputTokens` + `outputTokens` at its full length.
public struct FitRequirement: Sendable, Equatable {
    public var tokenBudget: Int
    public var inputTokens: Int
    public var outputTokens: Int

    public init(tokenBudget: Int, inputTokens: Int, outputTokens: Int) {
        self.tokenBudget = tokenBudget
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
    }

    /// The serving request's shape.
    public init(_ r: ServingRequest) {
        self.init(tokenBudget: r.tokenBudget, inputTokens: r.inputTokens, outputTokens: r.outputTokens)
    }

    /// Without a request: a step of `ServingRequest`'s default budget (8192 tokens) and one
    /// one-token sequence (a page).
    public static let minimal = FitRequirement(tokenBudget: ServingRequest.defaultTokenBudget, inputTokens: 1, outputTokens: 0)
}

/// A parallel layout: `tp` × `pp` GPUs, or an ep group of `ep` GPUs over tp groups (one of tp and
/// ep divides the other; no stages beside ep).
public struct ParallelFit: Equatable, Sendable {
    public let tp: Int
    public let pp: Int
    public let ep: Int

    public init(tp: Int, pp: Int, ep: Int = 1) {
        self.tp = tp
        self.pp = pp
        self.ep = ep
    }

    public var gpus: Int { max(tp * pp, ep) }
    /// As `Deployment.parallelism` writes it: `tp 2 × pp 7`, `tp 8, ep 16`.
    public var description: String { "tp \(tp)" + (pp > 1 ? " × pp \(pp)" : "") + (ep > 1 ? ", ep \(ep)" : "") }
}
