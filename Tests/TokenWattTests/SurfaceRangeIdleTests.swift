import Foundation
import Testing
@testable import TokenWatt
import KernelPower

/// `estimate --method surface` and `export-sql` price the same request as `estimate` does and
/// hold host, idle power and PUE across the range as it does. Left to the default idle share,
/// the surface had taken the share of the scaled node energy at each end, so its provisioned idle
/// moved with the GPU energy (Llama-3.1-70B on 4 H100, PUE 1.3: it 0.16557–0.266501 and facility
/// 0.215241–0.346451 against estimate's 0.168651–0.258768 and 0.219247–0.336399).
@Suite struct SurfaceRangeIdleTests {
    let estimator = Estimator()

    struct Case: Sendable, CustomStringConvertible {
        var model: String, gpu: String, gpus: Int, batch: Int, input: Int, output: Int, pue: Double
        var busyFraction: Double? = nil
        var description: String { "\(model) \(gpus)×\(gpu) b\(batch) \(input)/\(output)" + (busyFraction.map { " busy \($0)" } ?? "") }
    }

    static let cases = [
        Case(model: "meta-llama/Llama-3.1-70B-Instruct", gpu: "h100-sxm", gpus: 4, batch: 64, input: 1000, output: 300, pue: 1.3),
        Case(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm", gpus: 1, batch: 32, input: 500, output: 200, pue: 1.1),
        Case(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm", gpus: 1, batch: 64, input: 500, output: 300, pue: 1.2),
        Case(model: "meta-llama/Llama-3.1-70B-Instruct", gpu: "h100-sxm", gpus: 4, batch: 64, input: 1000, output: 300, pue: 1.3, busyFraction: 0.6),
    ]

    /// Each boundary's low and high agree between the two methods, as their central figures do,
    /// to the six significant digits both print.
    @Test(arguments: cases) func surfaceRangeIsEstimatesRange(_ c: Case) throws {
        let d = try estimator.deployment(DeploymentRequest(model: c.model, gpu: c.gpu, gpus: c.gpus, tensorParallel: c.gpus))
        let r = ServingRequest(batch: c.batch, inputTokens: c.input, outputTokens: c.output)
        let settings = try LedgerSettings(pue: c.pue, utilization: c.busyFraction.map { .busyFraction($0) } ?? .default)
        let kernel = try QueryEstimate(estimator: estimator, deployment: d, request: r, settings: settings, boundary: .facility)
        let surface = try SurfaceEstimate(estimator: estimator, deployment: d, request: r, reference: (c.input, c.output),
                                          settings: settings, boundary: .facility)
        let k = try #require(kernel.range), s = try #require(surface.range)
        for b in Boundary.allCases {
            let central = (kernel.whPerQuery[b] ?? 0, surface.wattHours[b] ?? 0)
            // The closed form reproduces the kernel method's figure; the range is then compared at the same centre.
            try #require(approx(central.0, central.1, rel: 5e-6), "\(c) \(b) central \(central.0) vs \(central.1)")
            #expect(approx(k.low[b] ?? 0, s.low[b] ?? 0, rel: 5e-6), "\(c) \(b) low: estimate \(k.low[b] ?? 0), surface \(s.low[b] ?? 0)")
            #expect(approx(k.high[b] ?? 0, s.high[b] ?? 0, rel: 5e-6), "\(c) \(b) high: estimate \(k.high[b] ?? 0), surface \(s.high[b] ?? 0)")
        }
    }

    /// The provisioned idle of the default share is the same Wh at the nominal figure and both
    /// ends: it (and facility) minus node is constant across the range.
    @Test func defaultIdleShareIsHeldAcrossTheRange() throws {
        let c = Self.cases[0]
        let d = try estimator.deployment(DeploymentRequest(model: c.model, gpu: c.gpu, gpus: c.gpus, tensorParallel: c.gpus))
        let f = try TokenFormula(estimator: estimator, deployment: d, batch: c.batch, input: c.input, output: c.output,
                                 settings: try LedgerSettings(pue: c.pue), boundary: .facility)
        let wh = f.wattHours(input: c.input, output: c.output), r = try #require(f.range(input: c.input, output: c.output))
        let idle = wh[.it]! - wh[.node]!
        #expect(idle > 0)
        #expect(approx(r.low[.it]! - r.low[.node]!, idle, rel: 1e-9) && approx(r.high[.it]! - r.high[.node]!, idle, rel: 1e-9),
                "idle \(idle): low \(r.low[.it]! - r.low[.node]!), high \(r.high[.it]! - r.high[.node]!)")
    }
}
