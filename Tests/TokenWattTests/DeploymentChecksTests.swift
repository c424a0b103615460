import KernelPower
import Testing
@testable import TokenWatt

/// `Deployment.init`'s checks, one function per kind of setting (`checkPrecision`,
/// `checkExpertParallel`, `checkSettings`), and the order in which a deployment wrong in several
/// ways is refused: the init had held all of them in 68 lines.
@Suite struct DeploymentChecksTests {
    let h100 = try! GPUCatalog.bundled.gpu("h100-sxm"), v100 = try! GPUCatalog.bundled.gpu("v100-sxm2-32gb")
    let dense = try! ModelCatalog.bundled.model("meta-llama/Llama-3.1-8B-Instruct")
    let moe = try! ModelCatalog.bundled.model("Qwen/Qwen3-30B-A3B")

    @Test func precisionIsCheckedAgainstTheGPUAndTheModel() throws {
        #expect(try Deployment.checkPrecision(.bf16, model: dense, gpu: h100) == h100.mathUnit(for: .bf16))
        let fp8 = #expect(throws: DeploymentError.self) { try Deployment.checkPrecision(.fp8, model: dense, gpu: v100) }
        guard case let .unsupportedPrecision(gpu, p, offered)? = fp8 else { Issue.record("\(String(describing: fp8))"); return }
        #expect(gpu == "v100-sxm2-32gb" && p == "fp8" && !offered.contains("fp8"))
        // MXFP4 quantizes experts only: offered to the MoE model, refused and not offered to the dense one.
        let mxfp4 = #expect(throws: DeploymentError.self) { try Deployment.checkPrecision(.mxfp4, model: dense, gpu: h100) }
        guard case let .expertsOnlyPrecision(_, _, denseOffer)? = mxfp4 else { Issue.record("\(String(describing: mxfp4))"); return }
        #expect(!denseOffer.contains("mxfp4"))
        #expect(throws: Never.self) { try Deployment.checkPrecision(.mxfp4, model: moe, gpu: h100) }
    }

    @Test func expertParallelIsCheckedAgainstTheExpertsTheGPUsAndTP() {
        func refusal(_ ep: Int, tp: Int, gpus: Int, _ m: ModelArchitecture) -> String? {
            do { try Deployment.checkExpertParallel(ep, tensorParallel: tp, gpuCount: gpus, model: m); return nil } catch { return "\(error)" }
        }
        #expect(refusal(1, tp: 3, gpus: 5, dense) == nil)
        #expect(refusal(2, tp: 1, gpus: 2, dense)?.hasPrefix("ep 2 needs a mixture-of-experts model") == true)
        #expect(refusal(3, tp: 1, gpus: 3, moe)?.hasPrefix("ep 3 does not divide the 128 experts") == true)
        #expect(refusal(8, tp: 1, gpus: 4, moe)?.hasPrefix("ep 8 exceeds gpus 4") == true)
        #expect(refusal(4, tp: 8, gpus: 8, moe) == nil)
        #expect(refusal(4, tp: 6, gpus: 12, moe)?.hasPrefix("ep 4 and tp 6: one must divide the other") == true)
    }

    @Test func settingsAreCheckedAgainstTheGPU() {
        func refusal(clock: Double? = nil, cap: Double? = nil, memory: Double = 0.9) -> DeploymentError? {
            #expect(throws: DeploymentError.self) {
                try Deployment.checkSettings(lockedClock: clock.map { .megahertz($0) }, powerCap: cap.map { .watts($0) },
                                             memoryUtilization: memory, gpu: h100)
            }
        }
        #expect(throws: Never.self) { try Deployment.checkSettings(lockedClock: .megahertz(1500), powerCap: .watts(500), memoryUtilization: 0.9, gpu: h100) }
        guard case .clockOutOfRange? = refusal(clock: 99) else { Issue.record("a 99 MHz clock"); return }
        guard case .clockOutOfRange? = refusal(clock: h100.boostClock.megahertz + 1) else { Issue.record("a clock past boost"); return }
        guard case .powerCapOutOfRange? = refusal(cap: 50) else { Issue.record("a 50 W cap"); return }
        guard case .invalidShape? = refusal(memory: 0.01) else { Issue.record("a 1 % memory fraction"); return }
    }

    /// A deployment wrong in several ways is refused for the first in the init's order:
    /// precision, then the shape of its parallelism (tp, pp, the heads, ep), then its settings.
    @Test func theFirstCheckInOrderWins() {
        func refusal(_ r: DeploymentRequest) -> String { deploymentRefusal(r) }
        // A V100 has no FP8 at all (an A100 runs FP8 weight-only since vLLM's FP8 Marlin).
        var r = DeploymentRequest(model: dense.id, gpu: "v100-sxm2-32gb", gpus: 3, tensorParallel: 3, precision: .fp8, smClockMHz: 5000)
        #expect(refusal(r).hasPrefix("GPU v100-sxm2-32gb cannot run precision fp8"), "\(refusal(r))")
        r.precision = .fp16
        #expect(refusal(r).hasPrefix("tp 3 does not divide the 32 attention heads"), "\(refusal(r))")
        r.gpus = 2; r.tensorParallel = 2; r.expertParallel = 2
        #expect(refusal(r).hasPrefix("ep 2 needs a mixture-of-experts model"), "\(refusal(r))")
        r.expertParallel = nil
        #expect(refusal(r).hasPrefix("SM clock 5000 MHz is outside"), "\(refusal(r))")
        r.smClockMHz = nil; r.memoryUtilization = 0.01
        #expect(refusal(r).hasPrefix("memory utilization 0.01: expected a fraction"), "\(refusal(r))")
    }
}
