import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// Diagnose's decode kernel table under a cap carries `kernels`' note on kernels that draw more
/// than the limit on their own: a probe read down_proj at 360 W and o_proj at 354 W under a
/// 300 W cap (Llama-3.3-70B on 4 × H100) with no word of why.
@Suite struct DiagnoseAboveLimitTests {
    static let estimator = Estimator()
    static let query = ServingRequest(batch: 64, inputTokens: 1000, outputTokens: 500)

    func diagnosis(cap: Double?) throws -> Diagnosis {
        try Diagnosis(estimator: Self.estimator, request: DeploymentRequest(model: "meta-llama/Llama-3.3-70B-Instruct", gpu: "h100-sxm", gpus: 4, powerCapWatts: cap),
                      serving: Self.query)
    }

    @Test func theNoteFollowsTheKernelTable() throws {
        let d = try diagnosis(cap: 300)
        let listing = try KernelListing(estimator: Self.estimator, deployment: d.base.deployment, serving: Self.query, pass: .decode)
        let note = try #require(listing.notes.first { $0.contains("draw more than the 300 W limit on their own") })
        #expect(d.aboveLimitNote == note)
        let text = d.text()
        let table = try #require(text.range(of: "WHERE THE DECODE STEP'S ENERGY GOES")), kv = try #require(text.range(of: "KV CACHE:"))
        #expect(text[table.upperBound..<kv.lowerBound].contains("note: \(note)\n"))
        guard case let .string(json)? = d.json()["decodeKernelsNote"] else { Issue.record("decodeKernelsNote is not a string"); return }
        #expect(json == note)
    }

    /// At the TDP no decode kernel of this step passes 700 W: no note, and null in JSON.
    @Test func noNoteWhereNoKernelPassesTheLimit() throws {
        let d = try diagnosis(cap: nil)
        #expect(d.aboveLimitNote == nil)
        #expect(!d.text().contains("on their own"))
        #expect(d.json()["decodeKernelsNote"] == JSONValue.null)
    }
}
