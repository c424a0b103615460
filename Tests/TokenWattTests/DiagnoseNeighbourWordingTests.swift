import Foundation
import Testing
@testable import TokenWatt
import KernelPower

/// Diagnose's neighbour explanations agree with their figures: a neighbour within 0.5 % costs
/// "about the same", and no reason claims a saving or a cost the figures do not show.
@Suite struct DiagnoseNeighbourWordingTests {
    let estimator = Estimator()
    static let query = ServingRequest(batch: 64, inputTokens: 500, outputTokens: 500)

    /// Configurations whose neighbours span savings, costs and near-ties: Qwen3-235B-A22B-FP8's
    /// bf16 neighbour at batch 64 is 0.28 % cheaper (0.3162 against 0.3171 Wh), which read "bf16
    /// saves 0 % … it still saves because …".
    static let neighbourhoods: [(DeploymentRequest, ServingRequest)] = [
        (DeploymentRequest(model: "Qwen/Qwen3-235B-A22B-FP8", gpu: "h100-sxm", gpus: 8), query),
        (DiagnoseCaveatTests.lockedClock, query),
        (DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm"), ServingRequest(batch: 8, inputTokens: 100, outputTokens: 100)),
        (DeploymentRequest(model: "meta-llama/Llama-3.1-70B-Instruct", gpu: "h100-sxm", gpus: 2), ServingRequest(batch: 128, inputTokens: 4000, outputTokens: 1000)),
        (DeploymentRequest(model: "Qwen/Qwen3-30B-A3B", gpu: "h100-sxm", gpus: 2), query),
        // Near-ties of other kinds: data-parallel attention at batch 8 (it read "0.0 % more"),
        // two pipeline stages at batch 1 (0.2 % less).
        (DeploymentRequest(model: "Qwen/Qwen3-30B-A3B", gpu: "h100-sxm", gpus: 2), ServingRequest(batch: 8, inputTokens: 500, outputTokens: 500)),
        (DeploymentRequest(model: "Qwen/Qwen3-235B-A22B-FP8", gpu: "h100-sxm", gpus: 8), ServingRequest(batch: 1, inputTokens: 500, outputTokens: 500)),
    ]

    /// Every neighbour's words agree with its figures: within 0.5 % it is "about the same" and no
    /// reason claims a saving or a cost; beyond, the words take the figure's sign; no change of
    /// energy reads 0 %.
    @Test(arguments: 0..<neighbourhoods.count)
    func neighbourWordsAgreeWithTheirFigures(_ i: Int) throws {
        let (r, s) = Self.neighbourhoods[i]
        let d = try Diagnosis(estimator: estimator, request: r, serving: s)
        let base = d.base.ledger.total(at: .gpu).wattHours
        // An energy change that reads as none: "saves 0 %", "0 % less", "−0 %" in the table.
        let zero = try Regex(#"(^|[^0-9.])0 % (less|more)|saves 0 %|[+−]0 %"#)
        let text = d.text()
        #expect(!text.contains(zero), "a neighbour reads 0 %:\n\(text)")
        for a in d.alternatives where a.stepMs > 0 {
            let change = a.gpuWhPerQuery / base - 1, x = a.explanation
            #expect(!x.contains(zero), "\(a.change): \(x)")
            if abs(change) < Diagnosis.aboutTheSame {
                #expect(x.contains("about the same"), "\(a.change) (\(change)): \(x)")
                for word in ["saves", "still", "costs more", "Counter-intuitive", "saving is limited"] {
                    #expect(!x.contains(word), "\(a.change) (\(change)) says \(word): \(x)")
                }
            } else {
                #expect(!x.contains("about the same"), "\(a.change) (\(change)): \(x)")
                let wrong = change < 0 ? ["% more", "costs more"] : ["% less", "saves", "Counter-intuitive"]
                for word in wrong { #expect(!x.contains(word), "\(a.change) (\(change)) says \(word): \(x)") }
            }
        }
    }

    /// The probe's tie is one: the bf16 neighbour of Qwen3-235B-A22B-FP8 is within 0.5 % and the
    /// table's figure says by how much rather than "−0 %".
    @Test func theQwenFP8TieReadsAboutTheSame() throws {
        let (r, s) = Self.neighbourhoods[0]
        let d = try Diagnosis(estimator: estimator, request: r, serving: s)
        let bf16 = try #require(d.alternatives.first { $0.change == "bf16 weights instead of fp8" })
        let base = d.base.ledger.total(at: .gpu).wattHours
        try #require(abs(bf16.gpuWhPerQuery / base - 1) < Diagnosis.aboutTheSame, "the probe's tie moved: \(bf16.gpuWhPerQuery) against \(base)")
        #expect(bf16.explanation.hasPrefix("bf16 costs about the same ("), "\(bf16.explanation)")
        let row = try #require(d.text().split(separator: "\n").first { $0.hasPrefix("bf16 weights instead of fp8") })
        #expect(row.contains(Diagnosis.pct(bf16.gpuWhPerQuery, base)) && Diagnosis.pct(bf16.gpuWhPerQuery, base).contains("."), "\(row)")
    }
}
