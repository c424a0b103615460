import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// What a precision lever's range, read from the measured BF16 → FP8 pairs, leaves out.
@Suite struct PrecisionLeverNoteTests {
    static let pairs = LeverValidation.Row(lever: "precision", campaign: "mlenergy-v3", pairs: 11, mape: 0.13, medianAPE: 0.12, bias: -0.05,
                                           errorP5: -0.27, errorP95: 0.12, decisivePairs: 9, sameDirection: 0.89)

    /// int8 borrowed the band silently; a dense model's lever the MoE pairs; every lever's ITL change went unqualified.
    @Test func theNoteNamesWhatThePairsLeaveOut() throws {
        let int8 = try #require(FleetRunner.unmeasuredPrecisionNote(target: .int8, dense: true, measured: Self.pairs))
        #expect(int8.contains("no INT8 pair measured") && int8.contains("mixture-of-experts") && int8.contains("latency"), "\(int8)")
        let moeFP8 = try #require(FleetRunner.unmeasuredPrecisionNote(target: .fp8, dense: false, measured: Self.pairs))
        #expect(!moeFP8.contains("pair measured") && !moeFP8.contains("no dense model") && moeFP8.contains("latency"), "\(moeFP8)")
        #expect(FleetRunner.unmeasuredPrecisionNote(target: nil, dense: true, measured: Self.pairs) == nil)
    }

    /// A model lever to the scenario's own model in its FP8 checkpoint prices as a precision
    /// lever does, and takes the precision band; another model keeps the model band.
    @Test func aLeverToTheModelsOwnCheckpointIsAPrecisionChange() throws {
        let runner = FleetRunner(dataDirectory: nil)
        let base = [NamedDeployment(name: "d", request: DeploymentRequest(model: "llama-3.1-70b", gpu: "h100-sxm", gpus: 4, tensorParallel: 4),
                                    maxBatch: 64, tokenBudget: nil)]
        var change = LeverChange()
        change.model = "nvidia/Llama-3.1-70B-Instruct-FP8"
        #expect(runner.checkpointPrecision(change, deployments: base) == .fp8)
        change.model = "llama-3.1-8b"
        #expect(runner.checkpointPrecision(change, deployments: base) == nil)
    }
}
