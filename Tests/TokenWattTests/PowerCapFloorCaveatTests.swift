import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// A power cap that only an assumed floor admits is said so wherever estimate's caveats go: a
/// probe priced Llama-3.3-70B on 2 × MI300X at 300 W (its 0.4 × TDP floor, while the one public
/// report could not lower an MI300X cap at all) with no note.
@Suite struct PowerCapFloorCaveatTests {
    static let estimator = Estimator()
    static let query = ServingRequest(batch: 64, inputTokens: 1000, outputTokens: 500)

    func estimate(_ gpu: String, cap: Double?) throws -> QueryEstimate {
        let d = try Self.estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.3-70B-Instruct", gpu: gpu, gpus: 2, powerCapWatts: cap))
        return try QueryEstimate(estimator: Self.estimator, deployment: d, request: Self.query, settings: try LedgerSettings())
    }

    /// The rule reads the catalog's source text, so the text must say "assumed" first or not at
    /// all: a source that says it mid-sentence would be read as published.
    @Test(arguments: GPUCatalog.bundled.gpus.map(\.id))
    func theSourceSaysAssumedFirstOrNotAtAll(_ id: String) throws {
        let gpu = try GPUCatalog.bundled.gpu(id)
        let source = try #require(gpu.sources["powerCapMinWatts"], "\(id) has no source for powerCapMinWatts")
        #expect(source.lowercased().contains("assumed") == PowerCapFloorCaveat.floorIsAssumed(gpu), "\(id): \(source)")
    }

    @Test func theProbesGPUsAreMarkedAndMeasuredOnesAreNot() throws {
        for id in ["mi300x", "b200"] { #expect(PowerCapFloorCaveat.floorIsAssumed(try GPUCatalog.bundled.gpu(id)), "\(id)") }
        for id in ["h100-sxm", "h200", "b300"] { #expect(!PowerCapFloorCaveat.floorIsAssumed(try GPUCatalog.bundled.gpu(id)), "\(id)") }
    }

    /// The probe's estimate: the note names the floor and its basis, in the assumptions and in the
    /// caveats that sweep, predict and capacity carry (`deploymentCaveats`).
    @Test func aCapOnAnAssumedFloorIsSaid() throws {
        let e = try estimate("mi300x", cap: 300)
        let note = try #require(e.assumptions.first { $0.contains("assumed floor") })
        #expect(note.contains("mi300x's lowest cap of 300 W") && note.contains("0.4 x TDP (300 W)") && note.contains("amd-smi"), "\(note)")
        #expect(e.caveats.contains(note))
        #expect(QueryEstimate.deploymentCaveats(e.deployment).contains(note))
        #expect(try estimate("b200", cap: 600).assumptions.contains { $0.contains("b200's lowest cap of 200 W") })
    }

    /// No note without a cap, at the GPU's highest cap, or where the floor is published.
    @Test func nothingWhereTheFloorIsNotInQuestion() throws {
        for (gpu, cap) in [("mi300x", nil), ("mi300x", 750), ("h100-sxm", 300), ("h200", 200)] as [(String, Double?)] {
            #expect(!(try estimate(gpu, cap: cap)).assumptions.contains { $0.contains("assumed floor") }, "\(gpu) \(cap ?? 0)")
        }
    }

    /// `tune` tries caps down to the floor: it says where that floor is assumed.
    @Test func tuneSaysItsCapsStartAtAnAssumedFloor() throws {
        func notes(_ gpu: String) throws -> [String] {
            try Tuning(estimator: Self.estimator, base: DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: gpu),
                       serving: ServingRequest(batch: 8, inputTokens: 500, outputTokens: 100), targets: Tuning.Targets(), steps: 2).notes
        }
        #expect(try notes("mi300x").contains { $0.contains("the caps tried start at mi300x's lowest cap of 300 W, which is assumed") })
        #expect(!(try notes("h100-sxm")).contains { $0.contains("caps tried start") })
    }
}
