import KernelPower

/// Continuous batching at an offered load rather than at the engine's batch limit. A service whose
/// requests arrive slower than it can serve them keeps fewer sequences in flight: by Little's law
/// the sequences in flight are the arrival rate times the time each spends in the engine, so the
/// engine settles at the batch whose output rate equals the load. An MLPerf Server run is such a
/// service: LoadGen issues queries at the rate the submitter set (`server_target_qps`), below the
/// node's capacity, so its tokens per second are an input, not a capacity.
public struct ServingAtLoad: Sendable {
    /// The engine at the batch that carries the load (at the batch limit when overloaded).
    public var estimate: ServingEstimate
    /// Whether the load exceeds what the batch limit carries; the estimate is then at the limit.
    public var overloaded: Bool
}

extension Estimator {
    /// `request` served at `outputTokensPerSecond` (whole deployment) instead of at `request.batch`:
    /// the smallest batch per engine, up to `request.batch` ÷ engines, whose output rate carries the
    /// load. Found by bisection; the output rate rises with the batch apart from ripples of a few
    /// per cent where a GEMM gains a wave of tiles, so the batch found is within that ripple of
    /// the smallest. `atLimit`, when the caller has already served `request` itself, saves
    /// serving it again (`estimate --load` prices the requested batch first).
    public func serve(_ d: Deployment, _ request: ServingRequest, outputTokensPerSecond load: Double,
                      atLimit: ServingEstimate? = nil) throws -> ServingAtLoad {
        guard load.isFinite, load > 0 else {
            throw DeploymentError.invalidShape("an offered load must be a positive number of output tokens per second (got \(load))")
        }
        let engines = d.dataParallel
        func serving(perEngine k: Int) throws -> ServingEstimate {
            var r = request
            r.batch = k * engines
            return try serve(d, r)
        }
        let limit = max(1, request.batch / engines)
        let served = limit * engines == request.batch ? atLimit : nil
        var carrying = try served ?? serving(perEngine: limit)
        guard carrying.outputTokensPerSecond >= load else { return ServingAtLoad(estimate: carrying, overloaded: true) }
        var short = 0, enough = limit  // `enough` per engine carry the load; `short` do not (none carry nothing)
        while enough - short > 1 {
            let mid = (short + enough) / 2
            let s = try serving(perEngine: mid)
            if s.outputTokensPerSecond >= load { enough = mid; carrying = s } else { short = mid }
        }
        return ServingAtLoad(estimate: carrying, overloaded: false)
    }
}
