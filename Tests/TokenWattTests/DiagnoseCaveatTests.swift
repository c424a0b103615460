import Foundation
import Testing
@testable import TokenWatt
import KernelPower

/// `diagnose` and `kernels --per-query` carry the assumptions and caveats `estimate` gives for the
/// same configuration, and diagnose's neighbour explanations agree with their figures.
@Suite struct DiagnoseCaveatTests {
    let estimator = Estimator()

    /// Llama-3.1-70B on 4 H100 with the SM clock locked at 1,200 MHz: `estimate` says the error
    /// range's runs ran at default clocks and that its decode saving is beyond the 32 % measured.
    static let lockedClock = DeploymentRequest(model: "meta-llama/Llama-3.1-70B-Instruct", gpu: "h100-sxm", gpus: 4, smClockMHz: 1200)
    /// DeepSeek-V3.1 (block FP8, MoE) on 8 H200 under vLLM: `estimate` says such expert steps
    /// measured 1.34–1.65× shorter than estimated.
    static let blockFP8 = DeploymentRequest(model: "deepseek-ai/DeepSeek-V3.1", gpu: "h200", gpus: 8)
    static let query = ServingRequest(batch: 64, inputTokens: 500, outputTokens: 500)

    func estimate(_ r: DeploymentRequest, _ s: ServingRequest) throws -> QueryEstimate {
        try QueryEstimate(estimator: estimator, deployment: try estimator.deployment(r), request: s, settings: try LedgerSettings(), boundary: .gpu)
    }

    /// A JSON array of strings, or nil for anything else.
    func strings(_ v: JSONValue?) -> [String]? {
        guard case let .array(items)? = v else { return nil }
        return items.compactMap { if case let .string(s) = $0 { s } else { nil } }
    }

    /// Diagnose had printed "0.07555 Wh … measured error range 0.0603–0.1137 Wh" at 1,200 MHz with
    /// neither of estimate's clock notes, and 82 % of DeepSeek-V3.1's decode energy in expert GEMMs
    /// without the block-FP8 caveat. Its notes are now estimate's, in text and JSON.
    @Test(arguments: [lockedClock, blockFP8])
    func diagnoseCarriesEstimatesNotes(_ r: DeploymentRequest) throws {
        let e = try estimate(r, Self.query)
        let d = try Diagnosis(estimator: estimator, request: r, serving: Self.query)
        #expect(d.notes == e.assumptions)
        let text = d.text()
        for note in e.assumptions { #expect(text.contains("  - \(note)\n"), "diagnose text lacks: \(note)") }
        #expect(strings(d.json()["assumptions"]) == e.assumptions)
        if r.smClockMHz != nil {
            let clock = try #require(e.assumptions.first { $0.contains("read it as an upper bound") }, "estimate's clock caveat")
            #expect(text.contains(clock))
            // The range is qualified where it is printed.
            let header = try #require(text.split(separator: "\n").first { $0.hasPrefix("GPU energy per query") })
            #expect(header.contains("measured error range") && header.contains(DecodeClockCaveat.rangeAtDefaultSettings), "\(header)")
        } else {
            #expect(text.contains(PublishedServing.blockFP8MoECaveat))
            #expect(!text.contains(DecodeClockCaveat.rangeAtDefaultSettings))
        }
    }

    /// `kernels --per-query` splits estimate's GPU figure and carries its notes (text and JSON);
    /// at 1,200 MHz it had said nothing of the decode saving beyond the measured.
    @Test func perQueryKernelsCarryEstimatesNotes() throws {
        let e = try estimate(Self.lockedClock, Self.query)
        let q = try QueryKernels(estimator: estimator, deployment: try estimator.deployment(Self.lockedClock), serving: Self.query)
        // All of estimate's but the note on its error range's settings, as the split prints no range.
        let expected = e.assumptions.filter { $0 != DecodeClockCaveat.rangeAtDefaultSettings }
        #expect(q.assumptions == expected && expected.count == e.assumptions.count - 1)
        let clock = try #require(e.assumptions.first { $0.contains("read it as an upper bound") })
        #expect(q.text().contains("  - \(clock)\n"))
        for note in expected { #expect(q.text().contains("  - \(note)\n"), "kernels --per-query text lacks: \(note)") }
        #expect(strings(q.json()["assumptions"]) == expected)
    }

    /// The plain kernel listing at a locked clock says that its decode saving is beyond the
    /// measured, as `estimate` does; at the default clock it says nothing of it.
    @Test func theKernelListingCarriesTheClockCaveat() throws {
        let e = try estimate(Self.lockedClock, Self.query)
        let clock = try #require(e.assumptions.first { $0.contains("read it as an upper bound") })
        let listing = try KernelListing(estimator: estimator, deployment: try estimator.deployment(Self.lockedClock), serving: Self.query, pass: .decode)
        #expect(listing.notes.contains(clock))
        var atBoost = Self.lockedClock
        atBoost.smClockMHz = nil
        let plain = try KernelListing(estimator: estimator, deployment: try estimator.deployment(atBoost), serving: Self.query, pass: .decode)
        #expect(!plain.notes.contains { $0.contains("read it as an upper bound") })
    }
}
