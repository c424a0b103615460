import KernelPower

extension ErrorBands {
    /// What a reader of the band an estimate on `gpu` takes must know beyond its ends: how many of
    /// its runs the calibration was fitted on, the data sets of that GPU the bands leave out, and,
    /// for a GPU that takes the pool, what the runs of its own architecture or vendor say. An
    /// auditor read the H100's 0.798–1.51 as out-of-sample error where 223 of its 290 runs were
    /// fit rows (median 1.02; 1.23 for the 51 v3 runs outside the fit, 1.17 for all 67 others),
    /// missed the 157 ML.ENERGY v2 runs it leaves out (measured 1.9× the estimate), and saw B300
    /// and MI300X given the pool's median 0.957 beside a B200 band of median 1.25 and an AMD
    /// caveat calling estimates optimistic (B300 now takes the B200's band, `band(for:catalog:)`,
    /// and says so). "" when nothing.
    public func caveat(for gpu: GPUSpec, catalog: GPUCatalog) -> String {
        let b = band(for: gpu, catalog: catalog)
        var parts: [String] = []
        if b.gpu != gpu.id, b.gpu != forecast.gpu {
            parts.append("\(gpu.id) has no band of its own and takes \(b.gpu)'s, the same architecture (\(gpu.architecture)), "
                + "whose runs are forecasts from another GPU's fit as \(gpu.id)'s estimates are")
        }
        if b.fitRuns > 0 {
            let others = b.outsideFitMedian.map { " (the \(b.runs - b.fitRuns) runs outside the fit have median × \(QueryRange.ratio($0)))" } ?? ""
            var words = "\(b.fitRuns) of its \(b.runs) runs are those the calibration was fitted on, whose ratios are fit residuals, "
                + "not forecast errors" + others
            if b.refitRuns > 0, let median = b.refitMedian, let low = b.refitMin, let high = b.refitMax {
                words += "; refitted without their model family, as a new model is forecast, \(formatPercent(Double(b.refitInside) / Double(b.refitRuns), decimals: 0)) "
                    + "of \(b.refitRuns) forecasts fall inside this range (median × \(QueryRange.ratio(median)), × \(QueryRange.ratio(low))–\(QueryRange.ratio(high)) at the extremes)"
            }
            parts.append(words)
        }
        if let words = Self.readWords(b) { parts.append(words) }
        for (set, why) in Self.leftOut.sorted(by: { $0.key < $1.key }) {
            if let n = runsByDataSet["\(set)/\(gpu.id)"], n > 0 { parts.append("its \(n) \(set) runs are left out: \(why)") }
        }
        if b.gpu == forecast.gpu, let words = poolWords(gpu, catalog: catalog) { parts.append(words) }
        return parts.joined(separator: "; ")
    }

    /// Whose runs the band an estimate on `gpu` takes were measured on, as a range's sentence names
    /// it: "the estimator's measured error band" where they are `gpu`'s own; else "the error band
    /// measured on other GPUs (b200's band, the same architecture)" or "(the forecast pool: a100-sxm-40gb,
    /// …)", with `foreignPoolWords` where that pool holds no GPU of `gpu`'s vendor. A 0.33.0 probe
    /// read an 8 × MI355X day "at the ends of the estimator's measured error band": the NVIDIA
    /// pool's × 0.662–1.85, beside a note that AMD's measured throughput fell 1.2–3.8× below the
    /// estimate. `noun`: what the sentence calls the band ("error band", "error").
    public func rangeSource(for gpu: GPUSpec, catalog: GPUCatalog, noun: String = "error band") -> String {
        let b = band(for: gpu, catalog: catalog)
        guard b.gpu != gpu.id else { return "the estimator's measured \(noun)" }
        let whose = b.gpu == forecast.gpu ? "the forecast pool: \(b.pooledGPUs.joined(separator: ", "))" : "\(b.gpu)'s band, the same architecture"
        return "the \(noun) measured on other GPUs (\(whose))" + (foreignPoolWords(gpu, catalog: catalog).map { ": \($0)" } ?? "")
    }

    /// For a GPU that takes a pool holding no GPU of its vendor (every AMD GPU: the pool is NVIDIA's),
    /// that the range is no bound, with, for AMD, the gap its published serving runs measured
    /// (`PublishedServing.amdThroughputGap`, the gist of `amdServingCaveat`); nil otherwise.
    public func foreignPoolWords(_ gpu: GPUSpec, catalog: GPUCatalog) -> String? {
        guard band(for: gpu, catalog: catalog).gpu == forecast.gpu, !forecast.pools(vendor: gpu.vendor, catalog: catalog) else { return nil }
        let measured = gpu.vendor == "amd"
            ? ", and AMD's published serving runs measured output throughput \(PublishedServing.amdThroughputGap) lower than estimated "
                + "(tokenwatt validate, published-serving)"
            : ""
        return "the pool holds no \(gpu.vendor.uppercased()) GPU\(measured), so the range is not a bound on \(gpu.id)"
    }

    /// For a GPU without a band of its own: the band of a GPU of its architecture, or that the
    /// pool holds no GPU of its vendor.
    func poolWords(_ gpu: GPUSpec, catalog: GPUCatalog) -> String? {
        let siblings = bands.filter { (try? catalog.gpu($0.gpu))?.architecture == gpu.architecture }
        if !siblings.isEmpty {
            let words = siblings.map { s in
                "\(s.gpu) × \(QueryRange.ratio(s.ratioLow))–\(QueryRange.ratio(s.ratioHigh)), median × \(QueryRange.ratio(s.ratioMedian))"
            }
            return "\(gpu.id) has no band of its own and takes the pool's; GPUs of its architecture (\(gpu.architecture)) with bands "
                + "of their own: " + words.joined(separator: ", ")
        }
        guard !forecast.pools(vendor: gpu.vendor, catalog: catalog) else { return nil }
        return "\(gpu.id) has no band of its own and takes the pool's, which holds no \(gpu.vendor.uppercased()) GPU"
    }

    /// That a band's runs read off a data set's publication are in sample (`ErrorBand.readRuns`):
    /// the B200's min–max held all 64 of the ML.ENERGY v3 points it is scored against, by
    /// construction, and read as a forecast error. Nil when it has none.
    static func readWords(_ b: ErrorBand) -> String? {
        guard b.readRuns > 0 else { return nil }
        let which = b.readRuns == b.runs ? "its \(b.runs) runs are" : "\(b.readRuns) of its \(b.runs) runs are"
        return "in sample: \(which) \(b.readFrom.joined(separator: ", ")) runs read off their publication's figures (published-serving), "
            + "the same runs the range is built on and validate scores, watched while the model changed; "
            + "the data set's own rows, held back from ../shared/data, are the independent check"
    }
}
