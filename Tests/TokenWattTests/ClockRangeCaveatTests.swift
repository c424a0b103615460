import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// A locked clock below any clock measured for its GPU is read as an extrapolation.
@Suite struct ClockRangeCaveatTests {
    static let estimator = Estimator()

    func notes(_ gpu: String, clock: Double?) throws -> [String] {
        let d = try Self.estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: gpu, gpus: 1, smClockMHz: clock))
        return try QueryEstimate(estimator: Self.estimator, deployment: d, request: ServingRequest(batch: 8, inputTokens: 500, outputTokens: 200),
                                 settings: try LedgerSettings()).assumptions
    }

    /// The H100's idle table starts at 360 MHz: 100 MHz had been priced with nothing said.
    @Test func belowTheIdleTableIsAnExtrapolation() throws {
        let low = try #require(ClockRangeCaveat.lowestMeasured(try Self.estimator.gpus.gpu("h100-sxm")))
        #expect(low.megahertz == 360)
        #expect(try notes("h100-sxm", clock: 100).contains { $0.hasPrefix("100 MHz is below the lowest clock of h100-sxm's measured clock tables (360 MHz)") })
        #expect(!(try notes("h100-sxm", clock: 400)).contains { $0.contains("measured clock tables") })
        #expect(!(try notes("h100-sxm", clock: nil)).contains { $0.contains("extrapolation") })
    }

    /// A GPU without tables takes the A100's DVFS range in proportion to its boost clock.
    @Test func aGPUWithoutTablesTakesTheA100sRange() throws {
        let b200 = try Self.estimator.gpus.gpu("b200")
        #expect(ClockRangeCaveat.lowestMeasured(b200) == nil)
        let floor = 1980.0 * 510 / 1410
        #expect(try notes("b200", clock: (floor - 15).rounded()).contains { $0.contains("the lowest clock of the A100 DVFS runs") })
        #expect(!(try notes("b200", clock: (floor + 15).rounded())).contains { $0.contains("A100 DVFS runs") })
    }
}
