import KernelPower

/// The grid points that spell a deployment an earlier point already spells: a null tp beside
/// the GPU count ÷ pp it stands for, a null ep beside 1, a null precision beside the one the model runs in,
/// a null KV cache precision beside the deployment's default,
/// a power cap at the GPU's TDP beside none, a value listed twice (a model or GPU under two of
/// its names once `resolvingIDs` has named them alike). Each would run again and, tied with
/// itself in every figure, sit on the frontier twice; the sweep runs the first and leaves the
/// others out, and rows keep their grid index, so those indices are missing.
public struct SweepRepeats: Sendable {
    let spec: SweepSpec
    /// Each grid model's own precision; nil for an id the catalog lacks, whose null stays apart.
    let modelPrecisions: [Precision?]
    /// Each grid GPU's TDP in watts; nil for an id the catalog lacks.
    let tdpWatts: [Double?]
    /// Each grid GPU's catalog entry (what a null KV cache precision resolves by); nil for an id the catalog lacks.
    let gpuSpecs: [GPUSpec?]

    public init(_ spec: SweepSpec, models: ModelCatalog, gpus: GPUCatalog) {
        self.spec = spec
        // What a null precision resolves to: the sweep's points run under vLLM, which runs an
        // FP32 checkpoint in FP16 (`Estimator.defaultPrecision`).
        modelPrecisions = spec.models.map { id in (try? models.model(id)).map { Estimator.defaultPrecision(of: $0, framework: .vllm) } }
        tdpWatts = spec.gpus.map { try? gpus.gpu($0).tdp.watts }
        gpuSpecs = spec.gpus.map { try? gpus.gpu($0) }
    }

    /// The first grid point that runs point `i`'s deployment at its batch limit: `i` itself
    /// unless an earlier point spells the same one.
    ///
    /// Each list's entry is resolved on its own, given the point's other entries (a tp's null by
    /// the GPU count and stages, a precision's by the model, a cap's by the GPU), so the points
    /// that resolve alike form a product of one set of positions per list, and the first of them
    /// takes the first position of each set.
    public func original(of i: Int) -> Int {
        var p = spec.position(i)
        let count = spec.gpuCounts[p.count], pp = spec.pipelineParallel[p.pp]
        let own = modelPrecisions[p.model], tdp = tdpWatts[p.gpu]
        p.cap = Self.first(spec.powerCaps, at: p.cap) { $0 == tdp ? nil : $0 }
        p.batch = Self.first(spec.batchLimits, at: p.batch) { $0 }
        // A null KV cache precision is the deployment's default for the weights it runs (resolved
        // as above) on its GPU; unresolved (an id the catalogs lack), it stays apart.
        let weights = spec.precisions[p.precision] ?? own
        let defaultKV = weights.flatMap { w in gpuSpecs[p.gpu].map { Deployment.defaultKVPrecision(weights: w, gpu: $0) } }
        p.kv = Self.first(spec.kvPrecisions, at: p.kv) { $0 ?? defaultKV }
        p.precision = Self.first(spec.precisions, at: p.precision) { $0 ?? own }
        p.ep = Self.first(spec.expertParallel, at: p.ep) { $0 ?? 1 }
        p.pp = Self.first(spec.pipelineParallel, at: p.pp) { $0 }
        p.tp = Self.first(spec.tensorParallel, at: p.tp) { $0 ?? max(1, count / pp) }
        p.count = Self.first(spec.gpuCounts, at: p.count) { $0 }
        p.gpu = Self.first(spec.gpus, at: p.gpu) { $0 }
        p.model = Self.first(spec.models, at: p.model) { $0 }
        return spec.index(p)
    }

    /// The first position in `values` that resolves as `values[at]` does.
    static func first<T, Key: Equatable>(_ values: [T], at: Int, _ resolve: (T) -> Key) -> Int {
        let key = resolve(values[at])
        return values.firstIndex { resolve($0) == key } ?? at
    }

    /// What a run leaves out, for a note on stderr: how many points repeat an earlier one and
    /// the first of them, with the grid entries that differ; nil when none does.
    public func note(file: String) -> String? {
        var count = 0, first: (point: Int, original: Int)?
        for i in 0..<spec.pointCount {
            let o = original(of: i)
            guard o != i else { continue }
            count += 1
            if first == nil { first = (i, o) }
        }
        guard let first else { return nil }
        let (a, b) = spec.differences(spec.position(first.point), spec.position(first.original))
        return "\(file): \(count) of \(spec.pointCount) grid points repeat an earlier point's deployment and are left out, so each "
            + "deployment runs and counts once (a null tp is gpus ÷ pp, a null ep 1, a null precision the model's own, a null "
            + "kvPrecision the deployment's default, a cap at the "
            + "GPU's TDP none, an entry listed twice one); rows keep their grid index. The first: point \(first.point) (\(a)) "
            + "is point \(first.original) (\(b))"
    }
}
