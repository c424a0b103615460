import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// README's `estimate` sentences, held to the estimator at the precision they are printed with.
/// A 2026-12-07 probe found them a refit behind: the load example's ledger 0.87 Wh beside the
/// receipt's 0.912, pipeline pp 4 2.17 J per output token beside 2.183, Qwen3-Next 1,893 tokens/s
/// and 0.62 Wh beside 1,864 and 0.633, DeepSeek-V3.1 at tp 8 34.1 Wh beside 34.41.
extension ProseFiguresTests {
    static let estimator = Estimator()

    /// The deployment `estimate --model --gpu --gpus [--tp --ep --pp]` builds.
    static func deployment(_ model: String, _ gpu: String, gpus: Int, tp: Int? = nil, ep: Int? = nil, pp: Int? = nil) throws -> Deployment {
        try estimator.deployment(DeploymentRequest(model: model, gpu: gpu, gpus: gpus, tensorParallel: tp, expertParallel: ep, pipelineParallel: pp))
    }

    /// `estimate`'s receipt for `batch` sequences of `input` + `output` tokens at the GPU's default step budget.
    static func receipt(_ d: Deployment, batch: Int, input: Int, output: Int, load: Double? = nil) throws -> QueryEstimate {
        let r = ServingRequest(batch: batch, inputTokens: input, outputTokens: output, tokenBudget: ServingRequest.defaultTokenBudget(for: d))
        let settings = try LedgerSettings(utilization: load.map { .load(queriesPerSecond: $0) } ?? .default)
        return try QueryEstimate(estimator: estimator, deployment: d, request: r, settings: settings, boundary: .facility)
    }

    static func expectQuotes(_ shown: [String], _ values: [Double], _ what: String) {
        #expect(shown.count == values.count && zip(shown, values).allSatisfy { ReadmeFiguresTests.quotes($0, String($1)) },
                "\(what): the prose says \(shown); the estimator gives \(values)")
    }

    static let llama70B = "meta-llama/Llama-3.1-70B-Instruct"

    /// `--load 1`: the sequences in flight and Wh of the load served alone, against the packed ledger.
    @Test func loadExampleQuotesTheEstimate() throws {
        let q = try Self.receipt(try Self.deployment(Self.llama70B, "h100-sxm", gpus: 4), batch: 64, input: 1000, output: 1000, load: 1)
        let a = try #require(q.atLoad, "no load alternative at 1 query/s")
        let alone = try #require(a.whPerQuery[.facility]), packed = q.ledger.total(at: .facility).wattHours
        let readme = try Self.groups(#"1 query/s of 1000 \+ 1000 tokens: ([0-9]+) sequences, ([0-9.]+) Wh at the facility against the ledger's ([0-9.]+)\)"#, in: try Self.text("README.md"))
        #expect(readme[0] == String(a.sequencesInFlight), "README \(readme[0]) sequences; the estimate \(a.sequencesInFlight)")
        Self.expectQuotes(Array(readme[1...]), [alone, packed], "README's load example")
        let methodology = try Self.groups(#"1 query/s of 1000 \+ 1000 tokens: ([0-9]+) sequences in flight, ([0-9.]+) Wh per query at the facility against ([0-9.]+) Wh for the packed case"#,
                                          in: try Self.text("docs/methodology.md"))
        #expect(methodology[0] == String(a.sequencesInFlight), "methodology \(methodology[0]) sequences; the estimate \(a.sequencesInFlight)")
        Self.expectQuotes(Array(methodology[1...]), [alone, packed], "methodology's load example")
    }

    @Test func pipelineJoulesPerTokenQuoteTheEstimate() throws {
        let shown = try Self.groups(#"same model at batch 64 and 1000 \+ 1000 tokens: tp 4 ([0-9.]+) J per output token, tp 2 × pp 2 ([0-9.]+), pp 4 ([0-9.]+),"#, in: try Self.text("README.md"))
        let joules = try [(4, 1), (2, 2), (1, 4)].map { tp, pp in
            let d = try Self.deployment(Self.llama70B, "h100-sxm", gpus: 4, tp: tp, pp: pp)
            return try Self.estimator.serve(d, ServingRequest(batch: 64, inputTokens: 1000, outputTokens: 1000, tokenBudget: ServingRequest.defaultTokenBudget(for: d)))
                .energyPerOutputToken.joules
        }
        Self.expectQuotes(shown, joules, "README's pipeline layouts")
    }

    /// The sort top-p costs: the query's GPU energy with it less that with `--sampling direct`, as a share.
    @Test func topPSortShareQuotesTheEstimate() throws {
        let shown = try Self.groups(#"PyTorch sampler: ([0-9.]+) % of the GPU energy of a Llama-3\.1-70B query of 1000 \+ 300 tokens on 4 H100s at batch 256\)"#, in: try Self.text("README.md"))
        let wh = try [Sampling.topP, .direct].map { s in
            let d = try Self.estimator.deployment(DeploymentRequest(model: Self.llama70B, gpu: "h100-sxm", gpus: 4, sampling: s))
            return try Self.receipt(d, batch: 256, input: 1000, output: 300).ledger.total(at: .gpu).wattHours
        }
        Self.expectQuotes(shown, [(1 - wh[1] / wh[0]) * 100], "README's top-p share")
    }

    /// Three models on 8 H100s at tp 8, 32,000 + 1,000 tokens, at the batch memory allows.
    @Test func hybridModelFiguresQuoteTheEstimate() throws {
        let shown = try Self.groups(#"Qwen3-Next-80B-A3B gives ([0-9,]+) output tokens/s at ([0-9.]+) Wh of GPU energy per query \(batch ([0-9]+)\), Qwen3-30B-A3B-Instruct-2507 ([0-9,]+) at ([0-9.]+) \(batch ([0-9]+)\), Qwen3-32B ([0-9,]+) at ([0-9.]+) \(batch ([0-9]+)\)"#,
                                    in: try Self.text("README.md"))
        for (i, model) in ["Qwen/Qwen3-Next-80B-A3B-Instruct", "Qwen/Qwen3-30B-A3B-Instruct-2507", "Qwen/Qwen3-32B"].enumerated() {
            let q = try Self.receipt(try Self.deployment(model, "h100-sxm", gpus: 8, tp: 8), batch: 1024, input: 32000, output: 1000)
            Self.expectQuotes([shown[3 * i], shown[3 * i + 1]], [q.serving.outputTokensPerSecond, q.ledger.total(at: .gpu).wattHours], model)
            #expect(shown[3 * i + 2] == String(q.serving.effectiveBatch), "\(model): README batch \(shown[3 * i + 2]); the KV cache holds \(q.serving.effectiveBatch)")
        }
    }

    /// DeepSeek-V3.2 against V3.1 on 8 H200s, 120,000 + 2,000 tokens at a requested batch of 64.
    @Test func sparseAttentionFiguresQuoteTheEstimate() throws {
        let shown = try Self.groups(#"V3\.2 needs ([0-9.]+) Wh of GPU energy per query against V3\.1's ([0-9.]+) at tp 8, decode falling from ([0-9.]+) to ([0-9.]+) Wh while prefill rises from ([0-9.]+) to ([0-9.]+) \(every GPU [^)]*\); with attention data-parallel \(tp 1, ep 8\) it needs ([0-9.]+) Wh against ([0-9.]+), prefill ([0-9.]+) against ([0-9.]+)\."#,
                                    in: try Self.text("README.md"))
        func serving(_ model: String, tp: Int, ep: Int? = nil) throws -> ServingEstimate {
            try Self.receipt(try Self.deployment(model, "h200", gpus: 8, tp: tp, ep: ep), batch: 64, input: 120_000, output: 2000).serving
        }
        let v31 = try serving("deepseek-ai/DeepSeek-V3.1", tp: 8), v32 = try serving("deepseek-ai/DeepSeek-V3.2", tp: 8)
        let v31dp = try serving("deepseek-ai/DeepSeek-V3.1", tp: 1, ep: 8), v32dp = try serving("deepseek-ai/DeepSeek-V3.2", tp: 1, ep: 8)
        func total(_ s: ServingEstimate) -> Double { (s.prefill.energy + s.decode.energy).wattHours }
        Self.expectQuotes(shown, [total(v32), total(v31), v31.decode.energy.wattHours, v32.decode.energy.wattHours,
                                  v31.prefill.energy.wattHours, v32.prefill.energy.wattHours, total(v32dp), total(v31dp),
                                  v32dp.prefill.energy.wattHours, v31dp.prefill.energy.wattHours], "README's sparse-attention comparison")
    }

    /// `diagnose`'s explanations the planning section quotes, each fragment between its "…" a
    /// part of the explanation as `diagnose` words it today (it had quoted "77 % less" and a tie
    /// "0.3 % less" beside 78 % and 0.1 %).
    @Test func diagnoseQuotesAreItsExplanations() throws {
        let text = try Self.text("README.md")
        let cases: [(pattern: String, request: DeploymentRequest, serving: ServingRequest, change: String)] = [
            (#"`--batch 128` \(at 64 the 4 GPUs hold 64 and save [0-9]+ %\): "([^"]+)""#,
             DeploymentRequest(model: Self.llama70B, gpu: "h100-sxm", gpus: 2), ServingRequest(batch: 128, inputTokens: 4000, outputTokens: 1000),
             "4 GPUs (tp 4) instead of 2"),
            (#"Qwen3-235B-A22B-FP8 on 8 × H100, batch 64, 500 \+ 500 tokens: "([^"]+)""#,
             DeploymentRequest(model: "Qwen/Qwen3-235B-A22B-FP8", gpu: "h100-sxm", gpus: 8), ServingRequest(batch: 64, inputTokens: 500, outputTokens: 500),
             "bf16 weights instead of fp8"),
        ]
        for c in cases {
            let quoted = try Self.groups(c.pattern, in: text)[0]
            let d = try Diagnosis(estimator: Self.estimator, request: c.request, serving: c.serving)
            let explanation = try #require(d.alternatives.first { $0.change == c.change }, "diagnose has no '\(c.change)'").explanation
            for part in quoted.components(separatedBy: " … ") {
                #expect(explanation.contains(part), "README quotes '\(part)'; diagnose says: \(explanation)")
            }
        }
        // The smaller batch the same sentence sets beside it.
        let save = try Self.groups(#"\(at 64 the 4 GPUs hold 64 and save ([0-9]+) %\)"#, in: text)[0]
        let d = try Diagnosis(estimator: Self.estimator, request: DeploymentRequest(model: Self.llama70B, gpu: "h100-sxm", gpus: 2),
                              serving: ServingRequest(batch: 64, inputTokens: 4000, outputTokens: 1000))
        let four = try #require(d.alternatives.first { $0.change == "4 GPUs (tp 4) instead of 2" })
        #expect(four.explanation.contains("4 GPUs uses \(save) % less GPU energy per query") && four.explanation.contains("batch 5 → 64"), "\(four.explanation)")
    }

    /// The chat service's H200 and FP8 levers and the routing divisor, with their ranges, as
    /// the committed report's JSON gives them (`fleet` prints the same).
    @Test func fleetLeverRangesInProseQuoteTheReport() throws {
        let text = try Self.text("README.md")
        let data = try Data(contentsOf: packageRoot.appendingPathComponent("Reports/chat-service.json"))
        let file = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let scenario = try #require((file["scenarios"] as? [[String: Any]])?.first)
        let levers = try #require(scenario["levers"] as? [[String: Any]])
        func percents(_ name: String) throws -> [Double] {
            let lever = try #require(levers.first { $0["name"] as? String == name }, "no lever \(name)")
            return try ["saving", "savingLow", "savingHigh"].map { try #require(lever[$0] as? Double, "\(name) has no \($0)") * 100 }
        }
        let shown = try Self.groups(#"the H200's ([0-9]+) % becomes ([0-9.]+)–([0-9.]+) %, FP8's ([0-9]+) % ([0-9.]+)–([0-9.]+) %"#, in: text)
        Self.expectQuotes(shown, try percents("h200 instead of h100") + (try percents("fp8 weights")), "README's lever ranges")
        let routing = try Self.groups(#"\(model routing at 1\.5–10×: ([0-9]+)–([0-9]+) %\)"#, in: text)
        Self.expectQuotes(routing, Array(try percents("model routing (Oviedo lever 1.5–10×)")[1...]), "README's routing range")
    }
}
