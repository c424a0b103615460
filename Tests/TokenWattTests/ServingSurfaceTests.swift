import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// The serving surface (`fleet`, `trace`, `capacity`, `export-sql`) prices a request as the
/// kernel path (`estimate`, `predict`, `sweep`) does.
@Suite struct ServingSurfaceTests {
    static let estimator = Estimator()

    /// GPU Wh of one request by the kernel path and by the surface (its token formula).
    func both(_ request: DeploymentRequest, batch: Int, input: Int, output: Int) throws -> (kernel: Double, surface: Double) {
        let d = try Self.estimator.deployment(request)
        let settings = try LedgerSettings()
        let kernel = try QueryEstimate(estimator: Self.estimator, deployment: d,
                                       request: ServingRequest(batch: batch, inputTokens: input, outputTokens: output), settings: settings)
        let formula = try TokenFormula(estimator: Self.estimator, deployment: d, batch: batch, input: input, output: output,
                                       settings: settings, boundary: .gpu)
        return (kernel.ledger.total(at: .gpu).wattHours, try #require(formula.wattHours(input: input, output: output)[.gpu]))
    }

    /// Sliding-window (Gemma 3: 1,024-token windows in five layers of six) and sparse (DeepSeek-V3.2:
    /// 2,048 selected tokens) attention stop growing with the context. A straight line through
    /// decode steps at 256 and 4,096 tokens, and through a chunk's cost after 0 and 8,192 cached
    /// tokens, had put the surface 8 % low at 1,000 + 3,000 tokens and 13–18 % high past 30,000.
    @Test(arguments: [
        (DeploymentRequest(model: "google/gemma-3-27b-it", gpu: "h100-sxm", gpus: 1), 32, 1000, 3000),
        (DeploymentRequest(model: "google/gemma-3-27b-it", gpu: "h100-sxm", gpus: 1), 32, 30000, 1000),
        (DeploymentRequest(model: "deepseek-ai/DeepSeek-V3.2", gpu: "h200", gpus: 8, precision: .fp8), 256, 1000, 3000),
        (DeploymentRequest(model: "deepseek-ai/DeepSeek-V3.2", gpu: "h200", gpus: 8, precision: .fp8), 128, 100_000, 1000),
        (DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm", gpus: 1), 16, 100_000, 500),
    ])
    func surfaceFollowsTheKernelPath(_ request: DeploymentRequest, batch: Int, input: Int, output: Int) throws {
        let (kernel, surface) = try both(request, batch: batch, input: input, output: output)
        #expect(abs(surface / kernel - 1) < 0.01, "\(request.model) \(input)+\(output): surface \(surface) Wh, kernel path \(kernel) Wh")
    }

    /// A prompt of more than eight chunks is priced at quadrature nodes over its full chunks, and
    /// its short last chunk on its own: the chunks' tokens add up to the prompt (nodes over all K
    /// chunks had priced a 100,000-token prompt as 106,444 tokens, its prefill 10 % high).
    @Test(arguments: [100_000, 65_537, 8192 * 9, 500_000])
    func chunkPositionsCoverThePromptOnce(_ input: Int) {
        let plan = ContinuousPlan(request: ServingRequest(batch: 16, inputTokens: input, outputTokens: 500), local: 16)
        let tokens = plan.chunks.reduce(0.0) { total, c in
            guard case let .mixed(_, _, n, _, _) = c.phase else { return total }
            return total + Double(n) * c.weight
        }
        #expect(plan.chunksPerPrompt > 8)
        #expect(approx(tokens, Double(input), rel: 1e-12), "\(tokens) tokens priced for a \(input)-token prompt")
    }

    /// The closed-form sum over a prompt's full chunks is the chunk-by-chunk sum, inside the
    /// points, across them and past the last.
    @Test func costCurveSumsEveryMultipleOnce() {
        let curve = CostCurve([(0, 0), (8192, 2), (16384, 3), (32768, 3.5)])
        for step in [1000.0, 8188, 8192, 13_000] {
            for count in [0, 1, 2, 5, 9, 40] {
                let direct = (0..<count).reduce(0.0) { $0 + curve.value(Double($1) * step) }
                #expect(approx(curve.sumAtMultiples(of: step, count: count), direct, rel: 1e-12), "step \(step) × \(count)")
            }
        }
        #expect(curve.value(65536) == 3.5 + 0.5 / 16384 * 32768)  // beyond the last point: along the last segment
        #expect(curve.value(4096) == 1)
    }
}
