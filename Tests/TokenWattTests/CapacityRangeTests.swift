import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// The estimator's error and the sampling error on `capacity` and `power` (a 2026-12-07
/// statistician's probe: `capacity Workloads/chat-service.json --budget-mw 20` printed 928 million
/// queries a day on 16,944 GPUs at 20.0 MW, a fleet that at the H100 band's ends draws 17.0 and
/// 27.2 MW; `power` printed a year's kWh alone where `estimate` gives −14 %/+36 %; capacity refused
/// `--seed` and stated no sampling error for its queries a day or GPUs).
@Suite struct CapacityRangeTests {
    /// `power` at the band's ends, as `estimate` builds its range: the GPUs' power × the band's
    /// ends (each GPU at most its limit), host and idle power, duty cycle and PUE as given.
    @Test(arguments: [(1, "meta-llama/Llama-3.1-8B-Instruct", 1), (64, "meta-llama/Llama-3.1-70B-Instruct", 4)])
    func powerAtTheBandsEnds(batch: Int, model: String, gpus: Int) throws {
        let e = Estimator()
        let d = try e.deployment(DeploymentRequest(model: model, gpu: "h100-sxm", gpus: gpus, tensorParallel: gpus))
        let plan = try PowerPlan(estimator: e, deployment: d, inputs: .init(batch: batch, inputTokens: 1000, outputTokens: 200, dutyCycle: 0.5))
        let r = try #require(plan.range), band = try #require(e.errorBand(for: "h100-sxm"))
        let q = try QueryEstimate(estimator: e, deployment: d, request: ServingRequest(batch: batch, inputTokens: 1000, outputTokens: 200),
                                  settings: try LedgerSettings())
        // The same band as estimate's range.
        #expect(try #require(q.range).band == band && r.band == band)
        let host = (plan.totalWatts - plan.gpuWatts / d.node.psuEfficiency)
        #expect(approx(r.totalWattsLow, host + plan.gpuWatts * band.ratioLow / d.node.psuEfficiency, rel: 1e-9))
        let unheld = host + plan.gpuWatts * band.ratioHigh / d.node.psuEfficiency
        #expect(approx(r.totalWattsHigh, min(unheld, plan.peakWatts), rel: 1e-9), "\(r.totalWattsHigh) vs \(unheld), peak \(plan.peakWatts)")
        #expect(r.totalWattsLow < plan.totalWatts && plan.totalWatts < r.totalWattsHigh && r.totalWattsHigh <= plan.peakWatts * (1 + 1e-9))
        #expect(r.annualKilowattHoursLow < plan.annualKilowattHours && plan.annualKilowattHours < r.annualKilowattHoursHigh)
        // Half the year serving, half idle: the kWh move by half the wall watts' move.
        #expect(approx(r.annualKilowattHoursHigh - plan.annualKilowattHours, (r.totalWattsHigh - plan.totalWatts) * 0.5 * 8.76 * plan.inputs.pue, rel: 1e-9))
        #expect(plan.text().contains("  range              ") && plan.assumptions.contains { $0.hasPrefix("range: ") })
    }

    /// A calibration other than the bundled one has no band, and no range.
    @Test func noBandNoPowerRange() throws {
        var c = CoefficientFile.bundled
        c.capHoldFraction = 0.9
        let e = Estimator(calibration: c)
        let d = try e.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm", gpus: 1))
        let plan = try PowerPlan(estimator: e, deployment: d, inputs: .init(batch: 8, inputTokens: 1000, outputTokens: 200))
        #expect(plan.range == nil && plan.assumptions.contains { $0.hasPrefix("no range: ") })
    }
}
