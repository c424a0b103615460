import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// 8-bit experts without block scales are priced at an efficiency no run measured: the estimate
/// says so, with what the query costs when they stream as the block-scaled checkpoints' do.
@Suite struct EightBitExpertsTests {
    static let estimator = Estimator()

    func estimate(_ model: String, precision: Precision? = nil, framework: Framework = .vllm) throws -> QueryEstimate {
        let d = try Self.estimator.deployment(DeploymentRequest(model: model, gpu: "h100-sxm", gpus: 8, precision: precision, framework: framework))
        return try QueryEstimate(estimator: Self.estimator, deployment: d, request: ServingRequest(batch: 64, inputTokens: 500, outputTokens: 500),
                                 settings: try LedgerSettings(), boundary: .facility)
    }

    func note(_ q: QueryEstimate) -> String? { q.assumptions.first { $0.contains("carry no block scales") } }

    /// FP8 asked of Qwen3-235B-A22B's BF16 checkpoint had cost 34 % less than BF16 while its own
    /// FP8 checkpoint cost the same, with nothing said; the note prices the block-scaled case, and
    /// that figure is the published checkpoint's own estimate.
    @Test func onlineFP8OnExpertsNamesTheBlockScaledFigure() throws {
        let online = try estimate("Qwen/Qwen3-235B-A22B", precision: .fp8)
        let checkpoint = try estimate("Qwen/Qwen3-235B-A22B-FP8")
        let text = try #require(note(online), "\(online.assumptions)")
        let published = checkpoint.ledger.total(at: .facility).wattHours
        #expect(published > online.ledger.total(at: .facility).wattHours * 1.2)
        #expect(text.contains("this query costs \(formatNumber(published, significant: 4)) Wh at the facility boundary"), "\(text)")
        #expect(text.contains("`--model Qwen/Qwen3-235B-A22B-FP8`"))
        #expect(note(checkpoint) == nil)
        #expect(note(try estimate("Qwen/Qwen3-235B-A22B")) == nil)
    }

    /// INT8 on a model whose own FP8 is block-scaled points at it; SGLang streams block-scaled
    /// experts like 16-bit ones, so the two rules agree there and nothing is said; dense models
    /// have no grouped experts.
    @Test func int8PointsAtTheOwnFP8AndSGLangOrDenseSayNothing() throws {
        let d = try Self.estimator.deployment(DeploymentRequest(model: "deepseek-ai/DeepSeek-V3.1", gpu: "h200", gpus: 8, precision: .int8))
        let text = try #require(EightBitExpertsCaveat.note(Self.estimator, d))
        #expect(text.contains("INT8") && text.contains("`--precision fp8` prices this model's own block-scaled FP8"), "\(text)")
        #expect(try EightBitExpertsCaveat.blockScaled(d) == nil)
        #expect(note(try estimate("Qwen/Qwen3-235B-A22B", precision: .fp8, framework: .sglang)) == nil)
        #expect(note(try estimate("meta-llama/Llama-3.1-70B-Instruct", precision: .fp8)) == nil)
    }
}

/// A fleet of such a deployment carries the note too, without a per-query figure.
@Suite struct EightBitExpertsFleetTests {
    @Test func aFleetOfOnlineFP8ExpertsSaysSo() throws {
        let deployment = #"{"name": "d", "model": "Qwen/Qwen3-30B-A3B", "gpu": "h100-sxm", "precision": "fp8"}"#
        let r = try runWorkload(kernelWorkload(deployment: deployment), samples: 200)[0]
        #expect(r.notes.contains { $0.contains("carry no block scales") }, "\(r.notes)")
        let bf16 = #"{"name": "d", "model": "Qwen/Qwen3-30B-A3B", "gpu": "h100-sxm"}"#
        #expect(!(try runWorkload(kernelWorkload(deployment: bf16), samples: 200)[0]).notes.contains { $0.contains("carry no block scales") })
    }
}
