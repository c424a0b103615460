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

    /// A kernel listed above the board's limit says what its watts are (B300 FP8 prefill under an
    /// 825 W cap listed attention at ~2 kW with nothing said); a decode step within it says nothing.
    @Test func kernelsAboveTheBoardsLimitSaySo() throws {
        var r = DeploymentRequest(model: "deepseek-ai/DeepSeek-V3", gpu: "b300", gpus: 8, precision: .fp8)
        r.powerCapWatts = 825
        let (hot, _) = try listing(r, ServingRequest(batch: 7, inputTokens: 9000, outputTokens: 500), pass: .prefill)
        #expect(hot.notes.contains { $0.contains("draw more than the 825 W limit on their own") }, "\(hot.notes)")
        let (cool, _) = try listing(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm"),
                                    ServingRequest(batch: 64, inputTokens: 1000, outputTokens: 500))
        #expect(!cool.notes.contains { $0.contains("limit on their own") })
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

    /// The decode attention row says how much of it is the fitted per-sequence time: the sequences
    /// times their fitted bytes at the paged bandwidth, the rest being the KV stream (Llama-3.1-8B,
    /// 64 sequences at 1,250 tokens: 328 MB of KV per layer, 123 µs at 80 % of 3.35 TB/s). A
    /// prefill pass, and every other kernel, has none.
    @Test func theDecodeAttentionRowNamesItsFittedTime() throws {
        let r = DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm")
        let s = ServingRequest(batch: 64, inputTokens: 1000, outputTokens: 500)
        let (l, _) = try listing(r, s)
        let attention = try #require(l.breakdown.kernels.first { $0.kernel == "decode_attention" })
        let model = CoefficientFile.bundled.coefficients(for: l.deployment.gpu).timeModel
        let perSequence = 64 * (model.decodeSequenceBytes + 32 * model.decodeQueryHeadBytes) / model.pagedDecodeBandwidth(l.deployment.gpu)
        #expect(approx(attention.fittedTime.seconds, perSequence, rel: 1e-12))
        let kvBytes = 64.0 * 8 * 1250 * 256 * 2
        let stream = kvBytes / model.pagedDecodeBandwidth(l.deployment.gpu)
        #expect(approx((attention.time - attention.fittedTime).seconds, stream + model.kernelOverhead.seconds, rel: 0.02))
        #expect(l.breakdown.kernels.filter { $0.kernel != "decode_attention" }.allSatisfy { $0.fittedTime == .zero })
        let fittedColumn = try #require(KernelListing.csvHeader.firstIndex(of: "fitted_us"))
        #expect(l.rows.contains { $0[1] == "decode_attention" && approx(Double($0[fittedColumn]) ?? 0, perSequence * 1e6, rel: 1e-3) })
        #expect(l.text().contains("decode_attention: \(formatNumber(perSequence * 1e6, significant: 3)) of its"))
        let (prefill, _) = try listing(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm", framework: .hf),
                                       ServingRequest(batch: 8, inputTokens: 500, outputTokens: 100), pass: .prefill)
        #expect(prefill.breakdown.kernels.allSatisfy { $0.fittedTime == .zero } && !prefill.text().contains("fitted_us"))
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
