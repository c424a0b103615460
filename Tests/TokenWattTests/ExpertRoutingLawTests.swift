import Foundation
import Testing
@testable import TokenWatt

/// Expert GEMMs tiled over random routing counts: one more sequence in flight moves a
/// mixture-of-experts query's energy by a token's share, not by a tile per expert.
@Suite struct ExpertRoutingLawTests {
    static let estimator = Estimator()

    /// With every expert at the mean count, batch 128 → 129 added 45 % to Mixtral's energy per
    /// query on two H20s (the 256-row step's experts all passed 64 rows at once) and 511 → 512
    /// added 7.6 % to gpt-oss-20b's on a B200; the dense projections' own tile edges remain.
    @Test(arguments: [("mistralai/Mixtral-8x7B-Instruct-v0.1", "h20", 2, 120...136, 0.06),
                      ("openai/gpt-oss-20b", "b200", 1, 504...519, 0.01)])
    func oneMoreSequenceMovesEnergyByLittle(model: String, gpu: String, gpus: Int, batches: ClosedRange<Int>, limit: Double) throws {
        let d = try Self.estimator.deployment(DeploymentRequest(model: model, gpu: gpu, gpus: gpus, tensorParallel: gpus))
        func wh(_ batch: Int) throws -> Double {
            let e = try Self.estimator.serve(d, ServingRequest(batch: batch, inputTokens: 128, outputTokens: 128))
            return e.energyPerOutputToken.joules
        }
        var previous = try wh(batches.lowerBound)
        for batch in batches.dropFirst() {
            let next = try wh(batch)
            #expect(next / previous - 1 < limit, "\(model) on \(gpus) × \(gpu), batch \(batch - 1) → \(batch): \(previous) → \(next) J/token")
            previous = next
        }
    }
}
