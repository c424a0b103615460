import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// A locked clock below the range the clock model was checked on is read as an extrapolation,
/// by one rule on every GPU: the A100 DVFS runs' share of its boost clock, or a table's first point.
@Suite struct ClockRangeCaveatTests {
    static let estimator = Estimator()

    func note(_ gpu: String, clock: Double?) throws -> String? {
        let d = try Self.estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: gpu, gpus: 1, smClockMHz: clock))
        return try QueryEstimate(estimator: Self.estimator, deployment: d, request: ServingRequest(batch: 8, inputTokens: 500, outputTokens: 200),
                                 settings: try LedgerSettings()).assumptions.first { $0.contains("is below the clocks measured") }
    }

    /// The H100 at 100 MHz (priced with nothing said) is below both its DVFS-share floor (716 MHz)
    /// and its idle table (360 MHz); at 500 MHz below the first alone; at 800 MHz inside.
    @Test func theH100NamesWhatEachClockIsBelow() throws {
        let h100 = try Self.estimator.gpus.gpu("h100-sxm")
        #expect(ClockRangeCaveat.lowestChecked(h100).megahertz.rounded() == 716)
        let at100 = try #require(try note("h100-sxm", clock: 100))
        #expect(at100.contains("716 MHz in proportion to h100-sxm's boost clock") && at100.contains("idle-power table starts at 360 MHz"), "\(at100)")
        let at500 = try #require(try note("h100-sxm", clock: 500))
        #expect(!at500.contains("idle-power table"), "\(at500)")
        #expect(try note("h100-sxm", clock: 800) == nil)
        #expect(try note("h100-sxm", clock: nil) == nil)
    }

    /// The rule reads alike on an A100 with tables from 210 MHz (300 MHz is below its own DVFS
    /// runs) and on a B200 without tables: a reviewer found the A100 at 300 MHz unflagged while
    /// a B200 at 35 % of boost was.
    @Test func oneRuleForEveryGPU() throws {
        #expect(try note("a100-sxm-80gb", clock: 300)?.contains("510 MHz in proportion") == true)
        let b200 = (1980.0 * ClockRangeCaveat.dvfsShareOfBoost).rounded()
        #expect(try note("b200", clock: b200 - 16) != nil)
        #expect(try note("b200", clock: b200 + 16) == nil)
    }
}
