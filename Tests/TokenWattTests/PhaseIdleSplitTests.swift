import Foundation
import Testing
@testable import TokenWatt
import KernelPower

/// The PHASES block (and the JSON's `prefill`/`decode`, the CSV's `prefill_j`/`decode_j`) give each
/// phase its ledger line plus its share of the gpu-idle line, and the shares are none negative and
/// add up to that line. A prompt chunk that leaves the steps it joins less idle than a decode step
/// had given prefill a negative share: Llama-3.1-8B on one H100 at batch 8, 2000 + 100 tokens,
/// printed prefill 0.008214 Wh beside a prefill-gpu line of 0.008218, and decode more than its
/// line and the whole gpu-idle line together.
@Suite struct PhaseIdleSplitTests {
    let estimator = Estimator()

    struct Case: Sendable, CustomStringConvertible {
        var model: String, gpu: String, gpus: Int, batch: Int, input: Int, output: Int
        var capWatts: Double? = nil
        var description: String { "\(model) \(gpus)×\(gpu) b\(batch) \(input)/\(output)" + (capWatts.map { " cap \($0) W" } ?? "") }
    }

    static let cases = [
        Case(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm", gpus: 1, batch: 8, input: 2000, output: 100),
        Case(model: "meta-llama/Llama-3.1-70B-Instruct", gpu: "h100-sxm", gpus: 4, batch: 64, input: 1000, output: 300, capWatts: 300),
        Case(model: "meta-llama/Llama-3.1-70B-Instruct", gpu: "h100-sxm", gpus: 4, batch: 64, input: 1000, output: 300),
        Case(model: "google/gemma-3-27b-it", gpu: "h100-sxm", gpus: 1, batch: 16, input: 2000, output: 200),
        Case(model: "deepseek-ai/DeepSeek-V3.2", gpu: "b200", gpus: 8, batch: 64, input: 1000, output: 300),
        Case(model: "Qwen/Qwen3-30B-A3B", gpu: "h100-sxm", gpus: 1, batch: 32, input: 20_000, output: 500),
    ]

    @Test(arguments: cases) func eachPhaseIsItsLineAndANonNegativeShareOfGPUIdle(_ c: Case) throws {
        let d = try estimator.deployment(DeploymentRequest(model: c.model, gpu: c.gpu, gpus: c.gpus, powerCapWatts: c.capWatts))
        let q = try QueryEstimate(estimator: estimator, deployment: d, request: ServingRequest(batch: c.batch, inputTokens: c.input, outputTokens: c.output),
                                  settings: try LedgerSettings(), boundary: .facility)
        func line(_ item: String) throws -> Double { try #require(q.ledger.items.first { $0.item == item }).energy.wattHours }
        let idle = try line("gpu-idle")
        let prefillShare = q.serving.prefill.energy.wattHours - (try line("prefill-gpu"))
        let decodeShare = q.serving.decode.energy.wattHours - (try line("decode-gpu"))
        let tolerance = 1e-12 * max(1, q.ledger.total(at: .gpu).wattHours)
        #expect(prefillShare >= -tolerance && decodeShare >= -tolerance, "\(c): prefill's idle share \(prefillShare), decode's \(decodeShare)")
        #expect(approx(prefillShare + decodeShare, idle, rel: 1e-9, abs: tolerance), "\(c): shares \(prefillShare) + \(decodeShare) against gpu-idle \(idle)")
        #expect(q.serving.prefill.gapEnergy.joules >= 0 && q.serving.decode.gapEnergy.joules >= 0, "\(c)")
    }
}
