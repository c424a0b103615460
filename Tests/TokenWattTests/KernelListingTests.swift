import Testing
@testable import TokenWatt
import KernelPower

/// `tokenwatt kernels`: the listed pass is the one `estimate` prices, and its rows add up to it.
@Suite struct KernelListingTests {
    let estimator = Estimator()

    func listing(_ r: DeploymentRequest, _ s: ServingRequest, pass: KernelListing.Pass = .decode,
                 context: Int? = nil, stage: Int = 0) throws -> (KernelListing, ServingEstimate) {
        let d = try estimator.deployment(r)
        return (try KernelListing(estimator: estimator, deployment: d, serving: s, pass: pass, context: context, stage: stage),
                try estimator.serve(d, s))
    }

    @Test func theDecodeStepIsTheEstimates() throws {
        let (l, s) = try listing(DeploymentRequest(model: "Qwen/Qwen3-30B-A3B", gpu: "h100-sxm"),
                                 ServingRequest(batch: 64, inputTokens: 1000, outputTokens: 500))
        #expect(l.breakdown.pass.time == s.decodeStep.time && l.breakdown.pass.energy == s.decodeStep.energy)
        #expect(l.phase == .decode(batch: 64, context: 1250))
        let names = Set(l.breakdown.kernels.map(\.kernel))
        #expect(names.isSuperset(of: ["qkv_proj", "decode_attention", "experts_gate_up", "experts_down", "lm_head"]))
        let rows = l.rows
        #expect(rows.last?.first == "idle")
        let shares = rows.compactMap { Double($0[5]) }.reduce(0, +), energy = rows.compactMap { Double($0[10]) }.reduce(0, +)
        #expect(approx(shares, 1, rel: 0.01) && approx(energy, 1, rel: 0.01))
    }

    @Test func aLongerContextOnlyLengthensAttention() throws {
        let r = DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm")
        let s = ServingRequest(batch: 32, inputTokens: 500, outputTokens: 200)
        let (short, _) = try listing(r, s, context: 1000)
        let (long, _) = try listing(r, s, context: 8000)
        for (a, b) in zip(short.breakdown.kernels, long.breakdown.kernels) {
            #expect(a.kernel == b.kernel)
            if a.kernel == "decode_attention" { #expect(b.time > a.time * 3) } else if a.kernel != "kv_cache_write" { #expect(a.time == b.time) }
        }
    }

    @Test func thePrefillStepCarriesTheFirstChunk() throws {
        let (l, _) = try listing(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "a100-sxm-80gb"),
                                 ServingRequest(batch: 16, inputTokens: 3000, outputTokens: 100), pass: .prefill)
        guard case let .mixed(decodes, _, tokens, past, _) = l.phase else { Issue.record("not a mixed step: \(l.phase)"); return }
        #expect(decodes == 16 && tokens == 3000 && past == 0)
        #expect(l.phaseWords.contains("prompt chunk"))
    }

    @Test func aPowerCapHoldsTheListedPass() throws {
        var r = DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm")
        r.powerCapWatts = 250
        let (l, s) = try listing(r, ServingRequest(batch: 256, inputTokens: 1000, outputTokens: 1000))
        #expect(l.breakdown.pass.powerLimited && l.breakdown.pass.time == s.decodeStep.time)
        let energy = l.breakdown.kernels.reduce(0) { $0 + $1.totalEnergy.joules } + l.breakdown.pass.gapEnergy.joules
        #expect(approx(energy, l.breakdown.pass.energy.joules, rel: 1e-12))
        #expect(l.text().contains("held by the power cap"))
    }

    @Test func pipelineStagesAreListedOneMicrobatchAtATime() throws {
        var r = DeploymentRequest(model: "meta-llama/Llama-3.1-70B-Instruct", gpu: "h100-sxm", gpus: 4, tensorParallel: 2)
        r.pipelineParallel = 2
        let s = ServingRequest(batch: 64, inputTokens: 1000, outputTokens: 500)
        let (first, _) = try listing(r, s, stage: 0)
        let (last, _) = try listing(r, s, stage: 1)
        #expect(first.phase == .decode(batch: 32, context: 1250))
        #expect(first.breakdown.kernels.contains { $0.kernel == "embedding" } && !first.breakdown.kernels.contains { $0.kernel == "lm_head" })
        #expect(last.breakdown.kernels.contains { $0.kernel == "lm_head" })
        #expect(throws: DeploymentError.self) { try listing(r, s, stage: 2) }
    }
}
