import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// A board locked at a low clock cannot reach its TDP in the power model: its worst case is the
/// model's full-activity power at that clock. A fleet at 600 MHz on H100 had sized its worst case
/// at TDP, +126.6 % over its busy draw.
@Suite struct LockedClockWorstCaseTests {
    static let estimator = Estimator()

    func deployment(clock: Double?, cap: Double? = nil) throws -> Deployment {
        try Self.estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm", smClockMHz: clock, powerCapWatts: cap))
    }

    @Test func aLowLockedClockBoundsTheWorstCaseBelowTDP() throws {
        let locked = try deployment(clock: 600)
        let bound = try #require(locked.lockedClockPowerBound(Self.estimator)).watts
        #expect(bound < 700 && locked.worstCaseGPUWatts(Self.estimator) == bound)
        // Above anything the model prices at that clock: the busiest prefill step and a large decode batch.
        for batch in [1, 64, 256] {
            let s = try Self.estimator.serve(locked, ServingRequest(batch: batch, inputTokens: 4000, outputTokens: 200))
            #expect(s.prefill.gpuPower.watts < bound && s.decode.gpuPower.watts < bound, "batch \(batch)")
        }
        let plan = try PowerPlan(estimator: Self.estimator, deployment: locked, inputs: .init(batch: 32, inputTokens: 1000, outputTokens: 500))
        #expect(approx(plan.peakWatts, locked.worstCaseWallWatts(Self.estimator), rel: 1e-12) && plan.totalWatts < plan.peakWatts)
        #expect(plan.assumptions.contains { $0.contains("the most the power model gives h100-sxm at the locked 600 MHz") })
    }

    /// At boost, or with no locked clock, the worst case is the limit, as before; a cap below the bound holds.
    @Test func theLimitHoldsWhereTheClockDoesNotBindIt() throws {
        #expect(try deployment(clock: nil).worstCaseGPUWatts(Self.estimator) == 700)
        #expect(try deployment(clock: 1980).worstCaseGPUWatts(Self.estimator) == 700)
        #expect(try deployment(clock: 600, cap: 200).worstCaseGPUWatts(Self.estimator) == 200)
        #expect(try deployment(clock: nil).worstCaseBasis(Self.estimator) == "TDP")
    }

    @Test func fleetSaysWhatALockedClocksWorstCaseIs() throws {
        let d = #"{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm", "gpus": 1, "maxBatch": 32, "smClockMHz": 600}"#
        let r = try FleetRunner(dataDirectory: nil).run(try readWorkload(kernelWorkload(classes: chatClass(output: #"{"fixed": 500}"#), deployment: d)),
                                                        samples: 200)[0]
        let h = try #require(r.hardware.first)
        let locked = try deployment(clock: 600)
        let wall = (locked.worstCaseGPUWatts(Self.estimator) + locked.node.hostActivePower.watts / Double(locked.node.gpuCount)) / locked.node.psuEfficiency
        #expect(approx(h.replicaWorstCaseWallWatts, max(h.replicaWallWatts, wall), rel: 1e-9))
        #expect(r.notes.contains { $0.contains("a GPU at a locked clock at") && $0.contains("at the locked 600 MHz") }, "\(r.notes)")
    }
}
