import Foundation
@testable import KernelPower
import Testing
@testable import TokenWatt

/// A format slower than BF16 on its part (Blackwell Ultra cut INT8 to 153.5 TOPS on a B300
/// against 2,250 TFLOPS BF16) costs no more per operation than BF16: weighted by the peak ratio,
/// an INT8 op cost 14.7 BF16 ops, and Llama-3.1-70B's INT8 prefill step on a B300 ran held at
/// the power cap (1,337 ms at 1,539 MHz) with nothing said of the cut rate.
@Suite struct CutTensorRateTests {
    static let estimator = Estimator()
    static let request = ServingRequest(batch: 64, inputTokens: 1000, outputTokens: 500)

    func deployment(_ gpu: String, _ precision: Precision) throws -> Deployment {
        try Self.estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-70B-Instruct", gpu: gpu, precision: precision))
    }

    /// No format weighs more than BF16; a faster one weighs its peak ratio, as before.
    @Test(arguments: GPUCatalog.bundled.gpus.map(\.id))
    func noFormatCostsMoreThanBF16PerOperation(_ id: String) throws {
        let gpu = try GPUCatalog.bundled.gpu(id)
        let timer = KernelTimer(gpu: gpu, clock: gpu.boostClock, model: .starting)
        for (format, peak) in gpu.tensorPeaks {
            let w = timer.tensorWeight(.tensor(format))
            #expect(w <= 1, "\(id) \(format): \(w)")
            if let bf16 = gpu.tensorPeaks[.bf16], peak >= bf16 { #expect(approx(w, bf16.flopsPerSecond / peak.flopsPerSecond, rel: 1e-12)) }
        }
    }

    /// The probe's prefill step: its GEMMs draw no more than FP8's, so the step is not held at
    /// the cap; it still runs far longer than FP8's at the cut rate, and the listing says why.
    @Test func int8OnB300IsSlowNotHotAndSaysSo() throws {
        let int8 = try KernelListing(estimator: Self.estimator, deployment: try deployment("b300", .int8), serving: Self.request, pass: .prefill)
        let fp8 = try KernelListing(estimator: Self.estimator, deployment: try deployment("b300", .fp8), serving: Self.request, pass: .prefill)
        #expect(!int8.breakdown.pass.powerLimited, "\(int8.breakdown.pass.averagePower.watts) W")
        #expect(int8.breakdown.pass.time.seconds > 10 * fp8.breakdown.pass.time.seconds)
        let gemm = try #require(int8.breakdown.kernels.first { $0.kernel == "gate_up_proj" })
        let fp8GEMM = try #require(fp8.breakdown.kernels.first { $0.kernel == "gate_up_proj" })
        #expect(gemm.power < fp8GEMM.power, "\(gemm.power.watts) vs \(fp8GEMM.power.watts) W")
        let note = try #require(int8.notes.first { $0.contains("cut its INT8 rate") }, "\(int8.notes)")
        #expect(note.hasPrefix("b300 runs INT8 matrix math at 153.5 TFLOPS dense (catalog: Blackwell Ultra datasheet"), "\(note)")
        #expect(!fp8.notes.contains { $0.contains("cut its") })
    }

    /// `estimate` gives the note where the part cut the rate (B300, GB300) and nowhere else.
    @Test func estimateNotesTheCutRateOnBlackwellUltraAlone() throws {
        func notes(_ gpu: String, _ p: Precision) throws -> [String] {
            QueryEstimate.deploymentCaveats(try deployment(gpu, p)).filter { $0.contains("cut its") }
        }
        #expect(try notes("gb300", .int8).first?.hasPrefix("gb300 runs INT8 matrix math at 165 TFLOPS dense") == true)
        #expect(try notes("b200", .int8).isEmpty && notes("b300", .fp8).isEmpty && notes("b300", .bf16).isEmpty)
        let e = try QueryEstimate(estimator: Self.estimator, deployment: try deployment("b300", .int8), request: Self.request, settings: try LedgerSettings())
        #expect(e.assumptions.contains { $0.contains("cut its INT8 rate") } && e.caveats.contains { $0.contains("cut its INT8 rate") })
    }

    @Test func aSourcesFirstClauseStopsOutsideParentheses() {
        #expect(CutTensorRateCaveat.firstClause("A (x; y) -> 1.5 B. C; D") == "A (x; y) -> 1.5 B")
        #expect(CutTensorRateCaveat.firstClause("A (x. y); B") == "A (x. y)")
        #expect(CutTensorRateCaveat.firstClause("no end") == "no end")
    }
}
