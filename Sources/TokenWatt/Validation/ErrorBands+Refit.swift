import KernelPower

/// The serving GPU's band beside the band its fit runs' forecasts would draw. The calibration
/// was fitted on those runs, so the bundled fit's ratios for them are residuals; refitted
/// without each run's model family (`ServingRefitForecasts`), they are forecasts, which is what
/// an estimate of a new model is. The range estimates use stays drawn in sample; `validate`
/// prints the other beside it, and every band says how its forecasts fall (`ErrorBand.refitRuns`).
public struct RefitBand: Sendable {
    /// The band as bundled (fit runs scored in sample), with its forecasts counted.
    public var band: ErrorBand
    /// The same runs with each fit run scored by its forecast, its range picked by the same rule.
    public var redrawn: ErrorBand
    /// Median measured ÷ estimated of the fit runs in sample.
    public var inSampleMedian: Double
}

extension ErrorBands {
    /// Records with each fit run's prediction replaced by its refit's forecast (`forecasts`, by `fitKey`).
    static func replacing(_ records: [ValidationRecord], with forecasts: [String: Double]) -> [ValidationRecord] {
        records.map { r in
            guard r.metric == metric, r.estimator == "tokenwatt", let p = forecasts[fitKey(r.dataset, r.label)] else { return r }
            var f = r
            f.predicted = p
            return f
        }
    }

    /// `band` beside the band of the same runs drawn from `forecasts`; nil when it counts none.
    public static func refitBand(_ band: ErrorBand, records: [ValidationRecord], forecasts: [String: Double]) -> RefitBand? {
        guard band.refitRuns > 0 else { return nil }
        let mine = scored(records).filter { $0.gpu == band.gpu }
        let redrawn = calibrated(band.gpu, scored(replacing(mine, with: forecasts)), leavingOut: \.group)
        let fit = mine.filter { forecasts[fitKey($0.dataset, $0.label)] != nil }.map { $0.measured / $0.predicted }.sorted()
        return RefitBand(band: band, redrawn: redrawn, inSampleMedian: quantile(fit, 0.5))
    }
}

extension RefitBand {
    public var json: JSONValue {
        .obj([("gpu", .str(band.gpu)), ("redrawn", ErrorBands.value(redrawn)), ("inSampleMedian", .num(inSampleMedian))])
    }

    /// The paragraph `validation.md` prints under the bands table.
    public var markdown: String {
        func range(_ e: ErrorBand) -> String { "\(QueryRange.ratio(e.ratioLow))–\(QueryRange.ratio(e.ratioHigh))" }
        let b = band
        let held = formatPercent(Double(b.refitInside) / Double(max(b.refitRuns, 1)), decimals: 0)
        return "The \(b.gpu) band's \(b.refitRuns) fit runs (the runs its calibration was fitted on) are scored in sample above. "
            + "Refitted without each run's model family (Generalization table), as an estimate of a new model is forecast, their "
            + "median measured ÷ estimated is \(QueryRange.ratio(b.refitMedian ?? 1)) (\(QueryRange.ratio(inSampleMedian)) in sample), "
            + "\(held) of them fall inside the band's \(range(b)), and they span \(QueryRange.ratio(b.refitMin ?? 1))–\(QueryRange.ratio(b.refitMax ?? 1)). "
            + "Drawn from those forecasts by the same rule, the band would be \(redrawn.quantiles) \(range(redrawn)), median "
            + "\(QueryRange.ratio(redrawn.ratioMedian)) (\(formatPercent(redrawn.outOfSampleCoverage, decimals: 0)) held when each family "
            + "is left out). Estimates keep the in-sample band and say beside it how the forecasts fall.\n"
    }
}
