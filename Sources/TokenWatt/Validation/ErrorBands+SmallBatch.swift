import KernelPower

/// How the estimate falls at small batches on a band's runs: the B200's points up to 64 sequences
/// read 27 % low in J per output token and 14 % low in power per GPU when first scored (33 and
/// 14 % at 0.32.0; docs/methodology.md §7, published-serving), where from 65 to 512 they read
/// within a few per cent on average, and no B200 receipt said so.
extension ErrorBands {
    /// The largest batch counted as small: the split at which the B200's published points change
    /// sides (docs/methodology.md §7: "up to 64 sequences J/token is 27 % low").
    public static let smallBatch = 64
    /// The power rows counted beside a band's energy runs (`mlenergy-v3` and `published-serving`'s name).
    static let smallBatchPowerMetric = "power_w_per_gpu"
    /// The smallest mean error at small batches an estimate states: every band's runs at such batches
    /// fall within 4 % of the estimate on average but the B200's (−33 %; A100 SXM +1.2 %, H100 NVL
    /// −2.9 %, H100 SXM −3.4 % in `error-bands.json` at 0.32.0), so a miss past 15 % one way is one
    /// the band's range alone does not say.
    public static let smallBatchBiasWorthSaying = 0.15

    /// At a batch of `smallBatch` sequences or fewer, how the estimate fell on `band`'s runs at
    /// such batches, where their mean error is `smallBatchBiasWorthSaying` or more; nil otherwise.
    public static func smallBatchCaveat(_ band: ErrorBand, batch: Int) -> String? {
        guard batch <= smallBatch, let bias = band.smallBatchBias, abs(bias) >= smallBatchBiasWorthSaying else { return nil }
        func way(_ x: Double) -> String { x < 0 ? "low" : "high" }
        let power = band.smallBatchPowerBias.map { p in
            ", power per GPU \(formatPercent(abs(p), decimals: 0)) \(way(p)) over \(band.smallBatchPowerRuns)"
        } ?? ""
        return "at \(smallBatch) sequences or fewer (this batch: \(batch)) the estimate fell \(way(bias)) on the \(band.gpu) band's runs "
            + "at such batches: energy per output token \(formatPercent(abs(bias), decimals: 0)) \(way(bias)) on average over "
            + "\(band.smallBatchRuns) runs\(power) (tokenwatt validate; docs/methodology.md §7): read this estimate as \(way(bias)), "
            + "toward the range's \(bias < 0 ? "high" : "low") end"
    }
}

extension ErrorBand {
    /// Counts `energy` (the band's runs) and `power` (the same GPU's power rows) at small batches.
    mutating func addSmallBatch(_ energy: [ValidationRecord], power: [ValidationRecord]) {
        func errors(_ rows: [ValidationRecord]) -> [Double] {
            rows.filter { r in r.setting?["batch"].flatMap { Int($0) }.map { $0 <= ErrorBands.smallBatch } ?? false }.map(\.relativeError)
        }
        let e = errors(energy), p = errors(power)
        smallBatchRuns = e.count
        smallBatchBias = e.isEmpty ? nil : e.reduce(0, +) / Double(e.count)
        smallBatchPowerRuns = p.count
        smallBatchPowerBias = p.isEmpty ? nil : p.reduce(0, +) / Double(p.count)
    }
}
