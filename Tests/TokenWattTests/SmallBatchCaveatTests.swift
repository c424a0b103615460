import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// A band counts how the estimate fell on its runs at small batches, and an estimate at such a
/// batch says so where that is well off one way: the B200's points up to 64 sequences read a
/// third low in J per output token (docs/methodology.md §7) and no B200 receipt said so.
@Suite struct SmallBatchCaveatTests {
    static let estimator = Estimator()

    /// Energy runs and power rows at 64 sequences or fewer are counted with their mean error;
    /// larger batches and other GPUs' power rows are not.
    @Test func aBandCountsItsSmallBatchRuns() throws {
        func row(_ metric: String, gpu: String = "g", batch: Int, measured: Double, family: String) -> ValidationRecord {
            ValidationRecord(dataset: "d", gpu: gpu, group: family, metric: metric, label: "\(family) b\(batch)", measured: measured,
                             predicted: 1, setting: ["batch": String(batch)])
        }
        let energy = (0..<24).map { i in row("j_per_token", batch: i < 4 ? 16 : 256, measured: i < 4 ? 2 : 1, family: "f\(i % 3)") }
        let power = [row("power_w_per_gpu", batch: 32, measured: 1.25, family: "f0"), row("power_w_per_gpu", batch: 128, measured: 1, family: "f0"),
                     row("power_w_per_gpu", gpu: "other", batch: 8, measured: 4, family: "f0")]
        let b = try #require(ErrorBands.compute(from: energy + power, fitted: ["g"]).bands.first { $0.gpu == "g" })
        #expect(b.smallBatchRuns == 4 && b.smallBatchPowerRuns == 1)
        let bias = try #require(b.smallBatchBias), powerBias = try #require(b.smallBatchPowerBias)
        #expect(approx(bias, -0.5) && approx(powerBias, -0.2))
        let words = try #require(ErrorBands.smallBatchCaveat(b, batch: 64))
        #expect(words.contains("energy per output token 50 % low on average over 4 runs, power per GPU 20 % low over 1"), "\(words)")
        #expect(ErrorBands.smallBatchCaveat(b, batch: 65) == nil)
    }

    /// The bundled B200 band carries its small-batch miss, and a B200 (or GB200, which takes its
    /// band) estimate at 64 sequences says it, quoting the band's figures; at 128 it does not.
    @Test func aB200EstimateAtSmallBatchSaysItReadsLow() throws {
        let b = ErrorBands.bundled.band(for: "b200")
        let bias = try #require(b.smallBatchBias)
        #expect(bias <= -ErrorBands.smallBatchBiasWorthSaying && b.smallBatchRuns > 10)
        func caveats(_ gpu: String, batch: Int) throws -> [String] {
            let e = Self.estimator
            let d = try e.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: gpu, gpus: 1))
            return try QueryEstimate(estimator: e, deployment: d, request: ServingRequest(batch: batch, inputTokens: 1000, outputTokens: 500),
                                     settings: try LedgerSettings()).caveats
        }
        let figure = "energy per output token \(formatPercent(-bias, decimals: 0)) low on average over \(b.smallBatchRuns) runs"
        for gpu in ["b200", "gb200"] {
            let small = try caveats(gpu, batch: 64).filter { $0.hasPrefix("at 64 sequences or fewer") }
            #expect(small.count == 1 && small[0].contains("the b200 band's runs") && small[0].contains(figure), "\(gpu): \(small)")
            #expect(!(try caveats(gpu, batch: 128)).contains { $0.hasPrefix("at 64 sequences or fewer") })
        }
        #expect(!(try caveats("h100-sxm", batch: 8)).contains { $0.hasPrefix("at 64 sequences or fewer") })
    }
}
