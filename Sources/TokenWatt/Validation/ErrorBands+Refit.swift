import KernelPower

/// The serving GPU's band with its fit runs forecast out of sample. The bundled band scores the
/// runs the calibration was fitted on as fit residuals (`ErrorBand.fitRuns`); refitted without
/// each run's model family (`Generalization.leaveOneServingFamilyOut`), they are forecasts, which
/// is what an estimate of a new model is. `validate` prints both so a reader sees how much the
/// bundled range owes to being drawn partly in sample.
public struct RefitBand: Sendable {
    /// The bundled band.
    public var bundled: ErrorBand
    /// The same runs at the same quantiles, each fit run's ratio from the refit without its family.
    public var refit: ErrorBand
    /// The fit runs, and how many of their forecasts fall inside the bundled range.
    public var forecastRuns: Int
    public var forecastsInside: Int
    /// Median measured ÷ estimated of the fit runs: forecast, and in sample (the bundled fit).
    public var forecastMedian: Double
    public var inSampleMedian: Double
}

extension ErrorBands {
    /// `bundled` re-drawn from `records` (a validation run) with the runs `forecasts` covers
    /// scored by those forecasts instead.
    public static func refitBand(_ bundled: ErrorBand, records: [ValidationRecord], forecasts: [ValidationRecord]) -> RefitBand {
        let forecast = scored(forecasts).filter { $0.gpu == bundled.gpu }
        let keys = Set(forecast.map { fitKey($0.dataset, $0.label) })
        let mine = scored(records).filter { $0.gpu == bundled.gpu }
        let inSample = mine.filter { keys.contains(fitKey($0.dataset, $0.label)) }
        let refit = band(bundled.gpu, mine.filter { !keys.contains(fitKey($0.dataset, $0.label)) } + forecast, tail: bundled.tail)
        func ratios(_ rows: [ValidationRecord]) -> [Double] { rows.map { $0.measured / $0.predicted }.sorted() }
        let inside = ratios(forecast).filter { $0 >= bundled.ratioLow && $0 <= bundled.ratioHigh }.count
        return RefitBand(bundled: bundled, refit: refit, forecastRuns: forecast.count, forecastsInside: inside,
                         forecastMedian: quantile(ratios(forecast), 0.5), inSampleMedian: quantile(ratios(inSample), 0.5))
    }
}

extension RefitBand {
    public var json: JSONValue {
        .obj([("bundled", ErrorBands.value(bundled)), ("refit", ErrorBands.value(refit)), ("forecastRuns", .num(Double(forecastRuns))),
              ("forecastsInside", .num(Double(forecastsInside))), ("forecastMedian", .num(forecastMedian)),
              ("inSampleMedian", .num(inSampleMedian))])
    }

    /// The paragraph `validation.md` prints under the bands table.
    public var markdown: String {
        let b = bundled, r = refit
        func range(_ e: ErrorBand) -> String { "\(QueryRange.ratio(e.ratioLow))–\(QueryRange.ratio(e.ratioHigh))" }
        return "The \(b.gpu) band's \(forecastRuns) fit runs are fit residuals there. Each refitted without its model family "
            + "(Generalization table) and forecast, their median measured ÷ estimated is \(QueryRange.ratio(forecastMedian)) "
            + "(in sample \(QueryRange.ratio(inSampleMedian))), and \(formatPercent(Double(forecastsInside) / Double(max(forecastRuns, 1)), decimals: 0)) "
            + "of them fall inside the bundled \(range(b)). With those forecasts in place of the residuals, the band's "
            + "\(b.runs) runs give \(r.quantiles) \(range(r)), median \(QueryRange.ratio(r.ratioMedian)) "
            + "(bundled \(range(b)), median \(QueryRange.ratio(b.ratioMedian))).\n"
    }
}
