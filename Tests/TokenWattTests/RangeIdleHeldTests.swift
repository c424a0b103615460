import Foundation
import Testing
@testable import TokenWatt
import KernelPower

/// The error range varies the GPU energy only: the busy fraction, and with it the provisioned
/// idle line, is the nominal ledger's (methodology §6).
@Suite struct RangeIdleHeldTests {
    let estimator = Estimator()

    /// Left at the default idle share, the range had re-derived the busy fraction at each end
    /// (8B example: facility 0.0471–0.0757); given that same fraction, 0.0480–0.0735. Both now agree.
    @Test func defaultIdleShareGivesTheRangeOfItsBusyFraction() throws {
        let d = try estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm"))
        let s = ServingRequest(batch: 64, inputTokens: 500, outputTokens: 300)
        let byDefault = try QueryEstimate(estimator: estimator, deployment: d, request: s, settings: try LedgerSettings(), boundary: .facility)
        let held = try QueryEstimate(estimator: estimator, deployment: d, request: s,
                                     settings: try LedgerSettings(utilization: .busyFraction(byDefault.ledger.busyFraction)), boundary: .facility)
        let a = try #require(byDefault.range), b = try #require(held.range)
        for boundary in Boundary.allCases {
            let x = try #require(a.low[boundary]), y = try #require(b.low[boundary])
            let p = try #require(a.high[boundary]), q = try #require(b.high[boundary])
            #expect(abs(x / y - 1) < 1e-9 && abs(p / q - 1) < 1e-9, "\(boundary): \(x)–\(p) against \(y)–\(q)")
        }
    }
}
