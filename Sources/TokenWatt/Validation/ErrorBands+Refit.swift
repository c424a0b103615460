import KernelPower

/// What scoring the serving GPU's fit runs by refits changes in its band. The calibration was
/// fitted on those runs, so the bundled fit's ratios for them are residuals; refitted without
/// each run's model family (`ServingRefitForecasts`), they are forecasts, which is what an
/// estimate of a new model is, and the band is drawn from those. `validate` prints both, so a
/// reader sees how much the range would owe to being drawn in sample.
public struct RefitBand: Sendable {
    /// The band as drawn: fit runs scored by the refits.
    public var band: ErrorBand
    /// The same runs at the same quantiles, fit runs scored by the bundled fit (in sample).
    public var inSample: ErrorBand
    /// The fit runs, and how many of their forecasts the in-sample range holds.
    public var forecastRuns: Int
    public var forecastsInsideInSample: Int
    /// Median measured ÷ estimated of the fit runs: forecast, and in sample.
    public var forecastMedian: Double
    public var inSampleMedian: Double
}

extension ErrorBands {
    /// Records with each fit run's prediction replaced by its refit's forecast (`forecasts`, by `fitKey`).
    static func replacing(_ records: [ValidationRecord], with forecasts: [String: Double]) -> [ValidationRecord] {
        guard !forecasts.isEmpty else { return records }
        return records.map { r in
            guard r.metric == metric, r.estimator == "tokenwatt", let p = forecasts[fitKey(r.dataset, r.label)] else { return r }
            var f = r
            f.predicted = p
            return f
        }
    }

    /// `band` (drawn with `forecasts`) beside the same runs scored in sample (`records`); nil when
    /// the band scores no run by a refit.
    public static func refitBand(_ band: ErrorBand, records: [ValidationRecord], forecasts: [String: Double]) -> RefitBand? {
        guard band.refitRuns > 0 else { return nil }
        let mine = scored(records).filter { $0.gpu == band.gpu }
        let inSample = Self.band(band.gpu, mine, tail: band.tail)
        let fit = mine.filter { forecasts[fitKey($0.dataset, $0.label)] != nil }
        let forecast = fit.map { $0.measured / forecasts[fitKey($0.dataset, $0.label)]! }.sorted()
        let inside = forecast.filter { $0 >= inSample.ratioLow && $0 <= inSample.ratioHigh }.count
        return RefitBand(band: band, inSample: inSample, forecastRuns: fit.count, forecastsInsideInSample: inside,
                         forecastMedian: quantile(forecast, 0.5), inSampleMedian: quantile(fit.map { $0.measured / $0.predicted }.sorted(), 0.5))
    }
}

extension RefitBand {
    public var json: JSONValue {
        .obj([("gpu", .str(band.gpu)), ("inSample", ErrorBands.value(inSample)), ("forecastRuns", .num(Double(forecastRuns))),
              ("forecastsInsideInSample", .num(Double(forecastsInsideInSample))), ("forecastMedian", .num(forecastMedian)),
              ("inSampleMedian", .num(inSampleMedian))])
    }

    /// The paragraph `validation.md` prints under the bands table.
    public var markdown: String {
        func range(_ e: ErrorBand) -> String { "\(QueryRange.ratio(e.ratioLow))–\(QueryRange.ratio(e.ratioHigh))" }
        let held = formatPercent(Double(forecastsInsideInSample) / Double(max(forecastRuns, 1)), decimals: 0)
        return "The \(band.gpu) band scores its \(forecastRuns) fit runs (the runs its calibration was fitted on) by refits that "
            + "leave their model family out (Generalization table), since an estimate of a new model is such a forecast: their "
            + "median measured ÷ estimated is \(QueryRange.ratio(forecastMedian)), \(QueryRange.ratio(inSampleMedian)) in sample. "
            + "Scored in sample, the same \(inSample.runs) runs would give \(inSample.quantiles) \(range(inSample)), median "
            + "\(QueryRange.ratio(inSample.ratioMedian)), which holds \(held) of the forecasts; drawn from the forecasts it is "
            + "\(range(band)), median \(QueryRange.ratio(band.ratioMedian)).\n"
    }
}
