import KernelPower

extension KernelFleet {
    /// The part of the mean Wh per query that moves with each GPU's energy (with its PSU loss and
    /// PUE), by GPU id: the mean less the mean with that GPU's draws at no GPU energy. The mean is
    /// linear in each draw's GPU energy, so the parts add up to `gpuProportionalWhPerQuery`.
    /// GPUs whose part is none (no traffic) are left out.
    func gpuProportionalByGPU(_ draws: [Sample], surfaces: [ServingSurface], idle: [Double], mean: Double) -> [String: Double] {
        var parts: [String: Double] = [:]
        for gpu in surfaces.map(\.deployment.gpu.id).uniqued() {
            let part = mean - meanWattHours(draws, surfaces: surfaces, idle: idle) { surfaces[$0.cls].deployment.gpu.id == gpu ? 0 : $0.gpuWh }
            if part != 0 { parts[gpu] = part }
        }
        return parts
    }
}

extension FleetRunner {
    /// A lever onto other GPUs with each GPU's energy at its measured median (measured ÷
    /// estimated GPU energy, `ErrorBand.ratioMedian`) before and after, deployment by deployment:
    /// the mean + Σ over GPUs of its GPU-proportional part × (median − 1). Nil where the lever
    /// leaves the GPUs as they are, a GPU with traffic has no band, or the medians are alike
    /// (within 0.5 %). It had been said only of a scenario on one GPU: an A100 + H200 router's
    /// lever onto B200 printed no word of the B200's 1.26 median against the pool's 0.957.
    ///
    /// A GPU that takes the pool when the pool holds no GPU of its vendor (every AMD GPU: the
    /// pool's runs are NVIDIA's) has no measured median: the pool's says nothing of another
    /// vendor's hardware and software, and the only AMD runs here (`validate`'s published-serving
    /// InferenceMAX and Oracle points, `PublishedServing.amdServingCaveat`) measured less
    /// throughput than estimated, the other way from the pool's median below 1. The saving is
    /// then not adjusted at all, and the note says why (`foreignPoolNote`): a lever onto an
    /// MI355X had printed "mi355x 0.957 (pooled)" as a measured median beside "read AMD estimates
    /// as optimistic".
    ///
    /// `range`: the lever's saving across the measured error of its kind and the pairs it reads
    /// (`LeverResult.savingRange`, `measured`); where this note's saving falls outside it, the note
    /// says so and why (`outsideRangeWords`).
    static func measuredMedianNote(lever name: String, base: FleetResult, changed r: FleetResult, gpus catalog: GPUCatalog,
                                   range: (saving: Bounds, pairs: LeverValidation.Row)? = nil) -> String? {
        guard base.whPerQuery.mean > 0, let before = medians(base), let after = medians(r),
              Set(before.map(\.error.gpu)) != Set(after.map(\.error.gpu)) else { return nil }
        let all = after + before.filter { b in !after.contains { $0.error.gpu == b.error.gpu } }
        let ratios = all.map(\.error.band.ratioMedian)
        guard let low = ratios.min(), let high = ratios.max(), low > 0, high / low - 1 > 0.005 else { return nil }
        if let note = foreignPoolNote(lever: name, all.map(\.error), catalog: catalog) { return note }
        func corrected(_ x: FleetResult, _ m: [(error: GPUErrorBand, part: Double)]) -> Double {
            x.whPerQuery.mean + m.reduce(0) { $0 + $1.part * ($1.error.band.ratioMedian - 1) }
        }
        let saving = 1 - corrected(r, after) / corrected(base, before)
        // A GPU without runs of its own takes a sibling's band (`ErrorBands.sibling`: gb200 takes
        // b200's) or the pool's (GPUs forecast from specs); the label says which.
        let gpus = all.map { e in
            let band = e.error.band.gpu
            return "\(e.error.gpu) \(QueryRange.ratio(e.error.band.ratioMedian))"
                + (band == e.error.gpu ? "" : band == "forecast" ? " (pooled)" : " (\(band)'s band)")
        }
        return "lever \(name): with each GPU's energy at its measured median (measured ÷ estimated: \(gpus.joined(separator: ", ")); tokenwatt validate) "
            + "it \(saving >= 0 ? "saves" : "costs") \(formatPercent(abs(saving), decimals: 0))" + (range.flatMap { outsideRangeWords(saving, $0) } ?? "")
    }

    /// Why a median-corrected saving lies outside the lever's saving across measured error: that
    /// range applies the P5–P95 error of its kind's pairs, pooled over the GPU pairs measured, to the
    /// predicted change, where the median note moves each GPU's energy by its own band's median. A
    /// 0.33.0 probe read a b200 lever on 4 × H100 "+9.5 %…+27.9 % across the measured error of gpu
    /// changes" beside "saves 6 %" at the GPUs' medians, with no word. Nil inside the range.
    static func outsideRangeWords(_ saving: Double, _ range: (saving: Bounds, pairs: LeverValidation.Row)) -> String? {
        let b = range.saving, m = range.pairs
        guard saving < b.low || saving > b.high else { return nil }
        let pairs = FleetRendering.gpuWords(m) ?? "its pairs were measured on \(m.gpus.joined(separator: ", "))"
        return ", outside its saving across measured error (\(FleetRendering.signedRange(b))): that range applies the P5–P95 error of measured "
            + "\(m.lever) changes, pooled over GPU pairs (\(pairs)), to the predicted change, where this figure moves each GPU's energy by "
            + "its own band's median"
    }

    /// Why no measured-median saving is given where a GPU takes a pool that holds no GPU of its
    /// vendor (`measuredMedianNote`); nil where every GPU has a band of its own or a pool with its
    /// vendor in it. A GPU the catalog does not know is taken as of the pool's vendor.
    static func foreignPoolNote(lever name: String, _ errors: [GPUErrorBand], catalog: GPUCatalog) -> String? {
        func vendor(_ id: String) -> String? { (try? catalog.gpu(id))?.vendor }
        let foreign = errors.filter { e in
            // Only the pool: a sibling's band is of the GPU's own architecture, so its vendor's.
            guard e.band.gpu == "forecast", let v = vendor(e.gpu) else { return false }
            return !e.band.pools(vendor: v, catalog: catalog)
        }
        guard let pool = foreign.first?.band else { return nil }
        let vendors = foreign.compactMap { vendor($0.gpu) }.uniqued()
        let ids = foreign.map(\.gpu).joined(separator: ", ")
        let poolVendors = pool.pooledGPUs.compactMap(vendor).uniqued().map { $0.uppercased() }
        var words = "lever \(name): no saving at measured medians: \(ids) \(foreign.count == 1 ? "has" : "have") no energy runs of \(foreign.count == 1 ? "its" : "their") own, "
            + "and the pool of GPUs without a fit of their own (median × \(QueryRange.ratio(pool.ratioMedian)): \(pool.pooledGPUs.joined(separator: ", ")), "
            + "\(poolVendors.joined(separator: " and ")) only) holds no \(vendors.map { $0.uppercased() }.joined(separator: " or ")) GPU, so its median "
            + "measures nothing of \(foreign.count == 1 ? "it" : "them")"
        if vendors.contains("amd"), pool.ratioMedian < 1 {
            words += "; AMD's published serving runs measured less throughput than estimated (tokenwatt validate, published-serving), "
                + "the other way from the pool's median"
        }
        return words
    }

    /// Each GPU with traffic in `x`, in the order its error bands are listed, with its band and
    /// GPU-proportional part; nil where one has no band (another calibration) or none has traffic.
    /// A result without the split (one GPU) takes its whole part.
    static func medians(_ x: FleetResult) -> [(error: GPUErrorBand, part: Double)]? {
        let parts = x.gpuProportionalWhPerQueryByGPU.isEmpty && x.estimatorError.count == 1
            ? [x.estimatorError[0].gpu: x.gpuProportionalWhPerQuery] : x.gpuProportionalWhPerQueryByGPU
        guard !parts.isEmpty, parts.keys.allSatisfy({ g in x.estimatorError.contains { $0.gpu == g } }) else { return nil }
        return x.estimatorError.compactMap { e in parts[e.gpu].map { (e, $0) } }
    }
}
