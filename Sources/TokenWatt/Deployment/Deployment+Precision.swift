import KernelPower

/// The deployment's number formats as outputs name them.
extension Deployment {
    /// "nvfp4", or "nvfp4, fp8 KV cache" where the cache is not the engine's default for these
    /// weights (`defaultKVPrecision`): `tune`, `kernels` and `report` had printed the weights' format
    /// alone, or neither.
    public var precisionWords: String {
        kvPrecision == Self.defaultKVPrecision(weights: precision, gpu: gpu)
            ? precision.rawValue : "\(precision.rawValue), \(kvPrecision.rawValue) KV cache"
    }

    /// The same deployment with its KV cache kept in `kv`; throws where the engine keeps no such cache.
    func withKVPrecision(_ kv: Precision) throws -> Deployment {
        try Deployment(model: model, gpu: gpu, node: node, gpuCount: gpuCount, tensorParallel: tensorParallel,
                       expertParallel: expertParallel, precision: precision, kvPrecision: kv, framework: framework,
                       attention: attention, lockedClock: lockedClock, powerCap: powerCap, host: host,
                       sampling: sampling, pipelineParallel: pipelineParallel, memoryUtilization: memoryUtilization)
    }
}
