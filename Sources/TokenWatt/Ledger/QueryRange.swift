import KernelPower

/// The range of one query's Wh: its ledger rebuilt with the GPU energy at the two ends of the
/// band of measured ÷ estimated GPU energy per output token over the validation runs of its GPU
/// (`ErrorBands`: the narrowest range that holds 90 % of a left-out family's or GPU's runs). Only the GPU energy varies; host power, idle power and PUE stay as given, so
/// the range is the estimator's measured error, carried through the boundaries as the ledger
/// carries GPU energy (PSU loss, an idle share of active energy, PUE).
public struct QueryRange: Sendable {
    public let band: ErrorBand
    public let low: [Boundary: Double]
    public let high: [Boundary: Double]
    /// The share of the `it` (and `facility`) figure that is provisioned idle capacity, which the
    /// range holds: a load that leaves the deployment idle most of the time gave a range of ±1 %
    /// around a figure that was 62 % idle.
    public var provisionedIdleShare = 0.0
    /// What the band's runs are beyond its ends (`ErrorBands.caveat`): fit rows, data sets left out, the pool.
    public var caveat = ""
    /// Whose runs the band was measured on, as the receipt's range line names it
    /// (`ErrorBands.rangeSource`): the GPU's own, or other GPUs' for a GPU that takes the pool or a sibling's.
    public var source = "the estimator's measured error"

    init(band: ErrorBand, serving s: ServingEstimate, deployment d: Deployment, outputTokens: Int,
         settings: LedgerSettings) throws {
        // The busy fraction stays the one the nominal ledger derives: idle power is not varied
        // (methodology §6). Left to the default idle share of active energy, it had been derived
        // again at each end, so the provisioned-idle line moved with the GPU energy (8B example:
        // 0.003845 Wh nominal, 0.003279–0.005264 across the range) and the range differed from
        // the one the same busy fraction gives when stated (facility 0.0471–0.0757 against 0.0480–0.0735).
        var held = settings
        held.utilization = .busyFraction(try QueryLedger.Amounts(serving: s, deployment: d, outputTokens: outputTokens, settings: settings).busy)
        func totals(_ ratio: Double) throws -> [Boundary: Double] {
            try QueryLedger.totals(serving: s.scalingGPUEnergy(by: ratio), deployment: d, outputTokens: outputTokens,
                                   settings: held)
        }
        self.band = band
        low = try totals(band.ratioLow)
        high = try totals(band.ratioHigh)
    }

    /// Where the band comes from, in words.
    public var basis: String {
        Self.describe(band) + (caveat.isEmpty ? "" : "; " + caveat) + "; host power, idle power and PUE as above"
            + (provisionedIdleShare >= 0.25 ? "; \(formatPercent(provisionedIdleShare, decimals: 0)) of the it and facility figures is provisioned idle "
                + "capacity, which the range holds: the load and the batch set it, not the estimator's error" : "")
    }

    /// The band in words: its ends, median, quantiles, runs and what it keeps out of sample.
    public static func describe(_ band: ErrorBand) -> String {
        let runs = "\(band.runs) runs of \(band.whose)"
        let share = formatPercent(band.outOfSampleCoverage, decimals: 0)
        let checked = band.leftOut == "none" ? "; its runs are of one model family, so the range is not checked out of sample"
            : band.outOfSampleCoverage >= ErrorBands.nominalCoverage
            ? ", wide enough that, each \(band.leftOut) left out in turn, \(share) of the runs fall inside the range of the rest"
            : "; even these extremes hold only \(share) of the runs of a \(band.leftOut) left out against the rest, so a new one may fall outside"
        return "GPU energy × \(Self.ratio(band.ratioLow))–\(Self.ratio(band.ratioHigh)) (median × \(Self.ratio(band.ratioMedian))): "
            + "\(band.quantiles) of measured ÷ estimated J per output token over \(runs) in \(band.datasets.joined(separator: ", "))"
            + checked
    }

    /// A band's ratio as every output prints it: from the figure `error-bands.json` stores, so
    /// validate's fresh band reads as estimate's and fleet's (rounded twice, the H100's median
    /// 1.0351 read 1.04 in validation.md and, stored as 1.035, 1.03 in fleet's notes).
    static func ratio(_ x: Double) -> String { formatNumber(ErrorBands.stored(x), significant: 3) }

    /// A range as JSON: the band, what it keeps out of sample, and the Wh per query at its two ends.
    /// `caveat` is what the band's runs are beyond its ends (`ErrorBands.caveat`), appended as
    /// `caveat` ("" where none): an MI300X's range block had read as an H200's, with no word that
    /// its band is the pool's, which holds no AMD GPU. `readRuns` (as error-bands.json names it): the band's runs read off
    /// a data set's publication (`readFrom`), which it is scored against.
    public static func json(_ b: ErrorBand, low: [Boundary: Double], high: [Boundary: Double], caveat: String = "") -> JSONValue {
        func totals(_ t: [Boundary: Double]) -> JSONValue { .obj(Boundary.allCases.map { ($0.rawValue, .num(t[$0] ?? 0)) }) }
        return .obj([("band", .str(b.gpu)), ("runs", .num(Double(b.runs))), ("datasets", .array(b.datasets.map(JSONValue.str))),
                     ("quantiles", .str(b.quantiles)), ("leftOut", .str(b.leftOut)), ("outOfSampleCoverage", .num(b.outOfSampleCoverage)),
                     ("ratioLow", .num(b.ratioLow)), ("ratioMedian", .num(b.ratioMedian)), ("ratioHigh", .num(b.ratioHigh)),
                     ("whPerQueryLow", totals(low)), ("whPerQueryHigh", totals(high)), ("caveat", .str(caveat)),
                     ("readRuns", .num(Double(b.readRuns))), ("readFrom", .array(b.readFrom.map(JSONValue.str)))])
    }
}

extension ServingEstimate {
    /// The same steady state with every GPU energy and power × `ratio` (latencies unchanged).
    func scalingGPUEnergy(by ratio: Double) -> ServingEstimate {
        var s = self
        for phase in [\ServingEstimate.prefill, \ServingEstimate.decode] {
            s[keyPath: phase].energy = s[keyPath: phase].energy * ratio
            s[keyPath: phase].gapEnergy = s[keyPath: phase].gapEnergy * ratio
            s[keyPath: phase].gpuPower = s[keyPath: phase].gpuPower * ratio
        }
        s.gpuPower = s.gpuPower * ratio
        s.energyPerOutputToken = s.energyPerOutputToken * ratio
        return s
    }
}
