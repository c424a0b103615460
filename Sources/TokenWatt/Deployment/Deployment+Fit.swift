import KernelPower

/// Whether the weights fit the deployment's GPUs, and if not, the smallest tp × pp shape the
/// model's heads and layers allow that holds them, for the does-not-fit refusal.
extension Deployment {
    /// Raises `doesNotFit` with the smallest deployment the model's heads and layers allow that
    /// holds the weights in `fraction` of each GPU's memory (the deployment's own unless given),
    /// or none. `KVCacheBudget` asks it with the serving request's fraction, so that weights past
    /// it are refused with the GPUs they need, not as a KV cache with "0 GB per GPU" left.
    public func checkWeightsFit(memoryUtilization fraction: Double? = nil) throws {
        let fraction = fraction ?? memoryUtilization
        let usable = gpu.memoryCapacity.bytes * fraction
        let perGPU = weightBytesPerGPU.bytes
        guard perGPU > usable else { return }
        // Every stage holds about the heaviest stage's share.
        let total = perGPU * Double(tensorParallel * pipelineParallel)
        throw DeploymentError.doesNotFit(model: model.id, gpu: gpu.id, weightsGB: total / 1e9, usableGB: usable / 1e9,
                                         fit: smallestFit(usableBytes: usable), largest: largestFit,
                                         pipelined: pipelineParallel > 1, memoryUtilization: fraction)
    }

    /// The fewest GPUs whose weights per GPU fit `usableBytes`, as tp × pp with a tp the model's
    /// heads allow (`tensorParallelProblem`) and pp at most the layers where
    /// the framework pipelines; fewer stages first. Nil when even the largest such shape is too
    /// small: the suggestion stopped at "1024 GPUs (tp 1024)", which a 32-head model cannot run
    /// and which held a 2.5-billionth of the weights.
    func smallestFit(usableBytes: Double) -> ParallelFit? {
        allowedTensorParallel.compactMap { t -> ParallelFit? in
            fewestStages(tensorParallel: t, usableBytes: usableBytes).map { ParallelFit(tp: t, pp: $0) }
        }.min { ($0.gpus, $0.pp) < ($1.gpus, $1.pp) }
    }

    /// The fewest stages, up to `allowedStages`, whose GPUs hold `usableBytes` of weights each at
    /// `tp`, found by bisection: the heaviest stage's share never grows with the stages, and a walk
    /// over a catalog model's 1e9 layers took minutes.
    func fewestStages(tensorParallel tp: Int, usableBytes: Double) -> Int? {
        func fits(_ pp: Int) -> Bool { weightBytesPerGPU(tensorParallel: tp, pipelineParallel: pp).bytes <= usableBytes }
        guard fits(allowedStages) else { return nil }
        var low = 1, high = allowedStages
        while low < high {
            let mid = low + (high - low) / 2
            if fits(mid) { high = mid } else { low = mid + 1 }
        }
        return low
    }

    /// The most GPUs the weights can be spread over by tp and pp.
    var largestFit: ParallelFit { ParallelFit(tp: allowedTensorParallel.last ?? 1, pp: allowedStages) }

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

/// A tensor- and pipeline-parallel shape: `tp` × `pp` GPUs.
public struct ParallelFit: Equatable, Sendable {
    public let tp: Int
    public let pp: Int
    public var gpus: Int { tp * pp }
    public var description: String { pp > 1 ? "tp \(tp) × pp \(pp)" : "tp \(tp)" }
}
