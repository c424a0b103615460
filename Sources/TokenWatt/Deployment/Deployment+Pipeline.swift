import KernelPower

/// Pipeline parallelism (vLLM's `--pipeline-parallel-size`): the layers are cut into `pp`
/// contiguous stages, each on its own tensor-parallel group; the first stage also holds the
/// embedding, the last the LM head and the sampler.
extension Deployment {
    static func checkPipeline(_ pp: Int, gpuCount: Int, tensorParallel tp: Int, expertParallel ep: Int, layers: Int,
                              framework: Framework) throws {
        guard pp >= 1 else { throw DeploymentError.invalidParallelism("pp must be at least 1") }
        guard pp > 1 else { return }
        let name = tp == 1 ? "pp \(pp)" : "tp \(tp) × pp \(pp) = \(tp * pp)"
        if let problem = groupProblem(name, size: tp * pp, gpuCount: gpuCount) {
            // Named for the tp group where it is in the name; else for the stages, beyond the GPUs
            // (`groupProblem`'s first case) or not dividing them.
            throw ParallelismRefusal(tp != 1 ? .tensorParallel : pp > gpuCount ? .stagesBeyondGPUsOrLayers : .stagesUnevenOverGPUs, problem)
        }
        guard pp <= layers else {
            throw ParallelismRefusal(.stagesBeyondGPUsOrLayers, "pp \(pp) is more stages than the model's \(layers) layers")
        }
        guard ep == 1 else {
            throw DeploymentError.invalidParallelism("pp with ep is not modelled; use one of them")
        }
        guard framework.supportsPipelineParallel else {
            throw DeploymentError.invalidParallelism("pp is modelled for vllm and vllm-eager only")
        }
    }

    /// The parallel layout in words (`tp 4`, `tp 4 × pp 2`, `tp 1, ep 8`).
    public var parallelism: String {
        "tp \(tensorParallel)" + (pipelineParallel > 1 ? " × pp \(pipelineParallel)" : "") + (expertParallel > 1 ? ", ep \(expertParallel)" : "")
    }

    /// What a pipeline does, for the assumptions.
    public var pipelineNote: String? {
        guard pipelineParallel > 1 else { return nil }
        let per = (Double(model.layers) / Double(pipelineParallel)).rounded(.up)
        return "pp \(pipelineParallel): \(pipelineParallel) stages of up to \(formatNumber(per)) layers on tp \(tensorParallel) each; each engine's batch "
            + "runs as up to \(pipelineParallel) microbatches, and in a cycle every stage runs every microbatch once (the cycle is the busiest stage's "
            + "work or the slowest microbatch's trip through the stages, whichever is longer)"
    }

    /// The layers `stage` holds, a contiguous run as vLLM cuts them (`get_pp_indices`,
    /// vllm/distributed/utils.py): ⌊layers ÷ pp⌋ each, the remainder one more each on the stages
    /// before the last, from the second-to-last back (the last also runs the norm, LM head and
    /// sampler; 61 layers over 2 stages: 0..<31 and 31..<61). Each variant's layers had been split
    /// evenly over the stages instead, so DeepSeek-V3.1's 3 dense layers ran 2 on the first
    /// stage and 1 on the second.
    public func stageLayers(_ stage: Int) -> Range<Int> {
        Self.stageLayers(layers: model.layers, stages: pipelineParallel, stage: stage)
    }

    /// Stage `stage`'s run of `layers` layers cut into `stages` (`stageLayers(_:)`).
    static func stageLayers(layers: Int, stages pp: Int, stage: Int) -> Range<Int> {
        let extra = layers % pp
        // partitions[-i] += 1 for i in 2...extra + 1: stages pp − 1 − extra ..< pp − 1 take one more.
        func size(_ s: Int) -> Int { layers / pp + (s >= pp - 1 - extra && s < pp - 1 ? 1 : 0) }
        let start = (0..<stage).reduce(0) { $0 + size($1) }
        return start..<(start + size(stage))
    }

    /// The share of the layers the most loaded stage holds (1 without pipeline parallelism), which
    /// sizes weights, KV cache and state per GPU.
    var heaviestStageShare: Double { heaviestStageShare(stages: pipelineParallel) }

    /// `heaviestStageShare` had the model `stages` pipeline stages.
    func heaviestStageShare(stages: Int) -> Double {
        guard stages > 1 else { return 1 }
        let layers = Double(model.layers)
        return (layers / Double(stages)).rounded(.up) / layers
    }

    /// The activations one stage hands the next: every token's hidden state, point to point, over
    /// the node's fabric, or its scale-out network when the stages sit on different nodes.
    func stageSend(tokens: Double) -> Kernel {
        let bytes = tokens * Double(model.hiddenSize) * precision.activationBytes
        let crossesNodes = nodesSpanned(by: tensorParallel * pipelineParallel) > 1
        var send = collective(.send, bytes: bytes, participants: 2, nodes: crossesNodes ? 2 : 1)
        send.leavesPair = stageSendLeavesPair
        return Kernel("pp_send", .collective(send))
    }

    /// Whether some stage hands its activations to a GPU outside its bridged pair: always but for
    /// two stages of one GPU each (GPU 0 to GPU 1, one pair). A stage of tp ≥ 2 fills its pair,
    /// and with three or more stages of one GPU the send from GPU 1 to GPU 2 crosses pairs; the
    /// step waits on that slowest send. Only a bridged-pair topology (H100 NVL) reads it.
    var stageSendLeavesPair: Bool { pipelineParallel > 1 && !(tensorParallel == 1 && pipelineParallel == 2) }
}
