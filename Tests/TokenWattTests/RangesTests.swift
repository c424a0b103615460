import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// A day's ranges are the day's own: the error band's moves the day's GPU energy as the scenario
/// scales it, and a mix carries its parts' PUE, host and lever-divisor ranges as it carries their
/// band (a 2026-12-07 statistician's probe found a point outside its own range, and a mix with
/// none of its parts' site ranges).
@Suite struct RangesTests {
    /// A scenario that scales its GPU energy keeps the scale in its band range: the band's ends
    /// multiply the drawn scale, so at the GPU boundary the range is the day × the band's ratios,
    /// and it brackets the day wherever the band brackets 1. The band's ratio had replaced the
    /// scale: × 3 read 0.0406 GWh beside 0.0152–0.0234.
    @Test func theBandRangeMultipliesTheScenariosOwnGPUScale() throws {
        let band = ErrorBands.bundled.band(for: "h100-sxm")
        #expect(band.ratioLow < 1 && band.ratioHigh > 1)
        let tripled = try runWorkload(kernelWorkload(extra: #""boundary": "gpu", "uncertain": {"gpuEnergyScale": {"fixed": 3}}"#), samples: 300)[0]
        let g = try #require(tripled.gwhPerDayRange)
        #expect(approx(g.low, tripled.gwhPerDay * band.ratioLow, rel: 1e-12) && approx(g.high, tripled.gwhPerDay * band.ratioHigh, rel: 1e-12))
        // At the facility, with a drawn scale well above 1 (the probe's P5 1.3, P95 2.5).
        let scaled = try runWorkload(kernelWorkload(extra: #""pue": {"lognormal": {"p5": 1.1, "p95": 1.4}}, "uncertain": {"gpuEnergyScale": {"lognormal": {"p5": 1.3, "p95": 2.5}}}"#),
                                     samples: 500)[0]
        let s = try #require(scaled.gwhPerDayRange)
        #expect(s.low < scaled.gwhPerDay && scaled.gwhPerDay < s.high, "\(s) against \(scaled.gwhPerDay)")
    }

    /// Two kernel parts and a mix of them, the mix's text spliced in.
    static func mix(_ parts: String, partExtra: String = #""pue": {"lognormal": {"p5": 1.1, "p95": 1.4}}, "uncertain": {"hostPowerScale": {"lognormal": {"p5": 0.7, "p95": 1.4}}}"#) throws -> [FleetResult] {
        let long = #"{"name": "long", "share": 1, "deployment": "d", "input": {"fixed": 4000}, "output": {"fixed": 600}}"#
        let b = #"{"name": "b", "kind": "kernel", "queriesPerDay": 1e7, \#(partExtra), "#
            + #""deployments": [{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm"}], "classes": [\#(long)]}"#
        let m = #"{"name": "m", "kind": "mix", "queriesPerDay": 2e7, "mix": [\#(parts)]}"#
        return try runWorkload(kernelWorkload(extra: partExtra, scenarioName: "a", more: b + ", " + m), samples: 400)
    }

    /// A mix's day with the site's PUE and its hosts' power held is each part's share of the day ×
    /// its own day's end ÷ its day, as its band range is: the mix had none though its parts had both.
    @Test func aMixCarriesItsPartsPUEAndHostRanges() throws {
        let r = try Self.mix(#"{"scenario": "a", "share": 0.6}, {"scenario": "b", "share": 0.4}"#)
        let (a, b, m) = (r[0], r[1], r[2])
        let contributions = m.mixContributions
        for (range, name) in [(\FleetResult.gwhPerDaySitePUE, "PUE"), (\FleetResult.gwhPerDayHostPower, "host")] {
            let (pa, pb, pm) = (try #require(a[keyPath: range], "\(name)"), try #require(b[keyPath: range], "\(name)"), try #require(m[keyPath: range], "\(name)"))
            let q = m.queriesPerDay / 1e9
            let low = (contributions[0].dayWattHours * pa.gwhPerDay.low / a.gwhPerDay + contributions[1].dayWattHours * pb.gwhPerDay.low / b.gwhPerDay) * q
            let high = (contributions[0].dayWattHours * pa.gwhPerDay.high / a.gwhPerDay + contributions[1].dayWattHours * pb.gwhPerDay.high / b.gwhPerDay) * q
            #expect(approx(pm.gwhPerDay.low, low, rel: 1e-12) && approx(pm.gwhPerDay.high, high, rel: 1e-12), "\(name)")
            #expect(pm.gwhPerDay.low < m.gwhPerDay && m.gwhPerDay < pm.gwhPerDay.high, "\(name)")
            // The factor's ends are the parts' (drawn from one distribution, alike to within the draws).
            #expect(pm.factor.low >= min(pa.factor.low, pb.factor.low) && pm.factor.high <= max(pa.factor.high, pb.factor.high), "\(name)")
        }
        let json = JSONWriter(sortKeys: false).write(FleetRendering.scenarioJSON(m))
        #expect(json.contains("\"pueP5\"") && json.contains("\"scaleP5\""))
    }

    /// A part that draws a factor with no range of its own leaves the mix without one, and a mix
    /// whose parts draw none has none.
    @Test func aMixHasNoSiteRangeItsPartsDoNotGive() throws {
        let fixed = try Self.mix(#"{"scenario": "a", "share": 0.6}, {"scenario": "b", "share": 0.4}"#, partExtra: #""pue": {"fixed": 1.2}"#)[2]
        #expect(fixed.gwhPerDaySitePUE == nil && fixed.gwhPerDayHostPower == nil)
    }

    /// A mix's parts divided by drawn levers: its day with each divisor held for every query at
    /// its P95 and at its P5 brackets the day (oviedo-2026's mixed-improved read 0.804 GWh with
    /// no range), and a part without a divisor enters at its day.
    @Test func aMixWithDrawnDivisorsHasTheirRange() throws {
        let r = try Self.mix(#"{"scenario": "a", "share": 0.6, "divisor": {"lognormal": {"p5": 1.5, "p95": 3.5}}}, {"scenario": "b", "share": 0.4}"#)
        let m = r[2], d = try #require(m.gwhPerDayDivisorRange)
        #expect(d.low < m.gwhPerDay && m.gwhPerDay < d.high, "\(d) against \(m.gwhPerDay)")
        // Part b undivided adds its day at both ends; part a at most its undivided day ÷ 1.
        let bDay = m.mixContributions[1].dayWattHours * m.queriesPerDay / 1e9
        let aUndivided = 0.6 * r[0].gwhPerDay * m.queriesPerDay / r[0].queriesPerDay
        #expect(d.low > bDay && d.high < bDay + aUndivided)
        #expect(approx((d.high - bDay) / (d.low - bDay), 3.5 / 1.5, rel: 0.15))
        let text = FleetRendering.text(try readWorkload(kernelWorkload()), [m])
        #expect(text.contains("with each part's lever divisor at the P95 and P5 of its draws"))
        let json = JSONWriter(sortKeys: false).write(FleetRendering.scenarioJSON(m)).replacingOccurrences(of: " ", with: "")
        #expect(json.contains("\"gwhPerDayDivisors\":{"))
        let fixed = try Self.mix(#"{"scenario": "a", "share": 0.6, "divisor": {"fixed": 2}}, {"scenario": "b", "share": 0.4}"#)[2]
        #expect(fixed.gwhPerDayDivisorRange == nil)
    }
}
