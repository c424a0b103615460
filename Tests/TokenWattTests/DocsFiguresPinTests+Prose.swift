import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// Validation figures README's and the methodology's sentences quote, held to `Reports/validation.md`
/// or to the rows behind it. A 2026-12-07 probe found MLPerf's tokens/s quoted 17.2 % / 27.5 %
/// beside the report's 16.4 % / 27.3 %, the Qwen3-32B B200 case study −24.0 / −15.3 / −11.2 % beside
/// −24.3 / −15.8 / −11.9 %, and methodology's v3 by architecture 8.9 / 12.6 / 16.9 % beside 7.8 /
/// 12.7 / 16.2 %.
extension DocsFiguresPinTests {
    /// The signed bias (percent, as printed) of a "By model family" row.
    static func familyBias(_ dataset: String, _ gpu: String, _ group: String, _ metric: String) throws -> Double {
        let row = try #require(try reportRows("By model family").first { $0.count > 7 && $0[0] == dataset && $0[1] == gpu && $0[2] == group && $0[3] == metric },
                               "By model family has no \(dataset) \(gpu) \(group) \(metric)")
        return try #require(Double(percent(row[7])))
    }

    static func expectQuotes(_ shown: [String], _ values: [Double], _ what: String) {
        #expect(shown.count == values.count && zip(shown, values).allSatisfy { ReadmeFiguresTests.quotes($0, String($1)) },
                "\(what): the prose says \(shown); validate gives \(values)")
    }

    @Test func mlperfTokensPerSecondInProseQuoteTheReport() throws {
        let q = try ProseFiguresTests.groups(#"so only Offline rows score tokens/s \(([0-9.]+) % / ([0-9.]+) %: GPT-J's Offline beam search runs [0-9]+–[0-9]+ % faster in the model than measured, the H200's Llama-2-70B capacity is ([0-9]+) % under, its Mixtral capacity ([0-9]+) % over\)"#,
                                             in: try ProseFiguresTests.text("README.md"))
        #expect(ReadmeFiguresTests.states(q[0], try Self.summary("mlperf-power", "h100-sxm", "tokens_per_s").percent), "README \(q[0]) % for the H100")
        #expect(ReadmeFiguresTests.states(q[1], try Self.summary("mlperf-power", "h200", "tokens_per_s").percent), "README \(q[1]) % for the H200")
        // One Offline run each: its bias is its signed error, negative where the model is short.
        Self.expectQuotes([q[2], q[3]], [-(try Self.familyBias("mlperf-power", "h200", "llama-2", "tokens_per_s")),
                                         try Self.familyBias("mlperf-power", "h200", "mixtral", "tokens_per_s")], "README's MLPerf capacities")
    }

    /// GPT-J's Offline runs (beam search): the lowest and highest tokens/s error and J/token error
    /// over every such run, as README (twice) and the methodology (twice) give them.
    @Test(.enabled(if: sharedData != nil)) func gptjBeamSearchRangesQuoteTheRows() throws {
        let all = try MLPerfValidation.run(dataDirectory: try #require(sharedData), estimator: Self.estimator).records.filter { $0.estimator == "tokenwatt" }
        let rows = all.filter { $0.label.contains("gptj Offline") }
        func range(_ metric: String) throws -> [Double] {
            let errors = rows.filter { $0.metric == metric }.map { $0.relativeError * 100 }
            return [try #require(errors.min()), try #require(errors.max())]
        }
        let fast = try range("tokens_per_s"), low = try range("node_j_per_token").reversed().map { -$0 }
        let readme = try ProseFiguresTests.text("README.md"), methodology = try ProseFiguresTests.text("docs/methodology.md")
        Self.expectQuotes(try ProseFiguresTests.groups(#"GPT-J's Offline beam search runs ([0-9]+)–([0-9]+) % faster in the model"#, in: readme), fast, "README's GPT-J tokens/s")
        Self.expectQuotes(try ProseFiguresTests.groups(#"their Offline runs are ([0-9]+)–([0-9]+) % faster in the model than measured and their J per token ([0-9]+)–([0-9]+) % low"#, in: readme),
                          fast + low, "README's beam-search strategy")
        Self.expectQuotes(try ProseFiguresTests.groups(#"GPT-J Offline runs ([0-9]+)–([0-9]+) % faster in the model than measured \(J/token −([0-9]+)…−([0-9]+) %\)"#, in: methodology),
                          fast + low, "methodology §7's GPT-J")
        Self.expectQuotes(try ProseFiguresTests.groups(#"GPT-J beam search, §7, that runs ([0-9]+)–([0-9]+) % fast and ([0-9]+)–([0-9]+) % low in J/token"#, in: methodology),
                          fast + low, "methodology §8's beam search")

        // Llama-2-70B Offline: the H200's one run against the two H100 submissions.
        let llama = all.filter { $0.label.contains("llama2-70b Offline") && $0.metric == "tokens_per_s" }
        let h200 = try #require(llama.first { $0.gpu == "h200" }), h100 = llama.filter { $0.gpu == "h100-sxm" }
        try #require(h100.count == 2, "\(h100.map(\.label))")
        let measured = h100.map { h200.measured / $0.measured }.sorted()
        let capacity = try ProseFiguresTests.groups(#"Llama-2-70B Offline is under-predicted by ([0-9.]+) % \(model H200/H100 throughput ratio ([0-9.]+), measured ([0-9.]+)–([0-9.]+) against the two H100 submissions\)"#, in: methodology)
        Self.expectQuotes(capacity, [-h200.relativeError * 100, h200.predicted / h100[0].predicted] + measured, "methodology's H200 capacity")
    }

    /// The published B200 series: the Qwen3-32B case study's three points, the ML.ENERGY points'
    /// median ITL and J/token by batch, and W per GPU at the small batches.
    @Test func publishedB200ProseQuotesTheRows() throws {
        let b200 = Self.serving.filter { $0.gpu == "b200" && !$0.label.hasPrefix("InferenceMAX") }
        func error(_ label: String) throws -> Double {
            try #require(b200.first { $0.label == label && $0.metric == "j_per_token" }, "no row \(label)").relativeError * -100
        }
        let study = try ["Qwen3-32B 1×B200 text conversation, batch 128", "Qwen3-32B 1×B200 text conversation, batch 512",
                         "Qwen3-32B 1×B200 problem solving, batch 128"].map(error)
        let readme = try ProseFiguresTests.text("README.md")
        Self.expectQuotes(try ProseFiguresTests.groups(#"0\.312 for reasoning at 128: −([0-9.]+), −([0-9.]+) and −([0-9.]+) %\)"#, in: readme), study, "README's Qwen3-32B case study")
        Self.expectQuotes(try ProseFiguresTests.groups(#"Forecast: −([0-9.]+), −([0-9.]+) and −([0-9.]+) % \(−8\.5"#, in: try ProseFiguresTests.text("docs/methodology.md")),
                          study, "methodology's Qwen3-32B case study")

        let itl = b200.filter { $0.metric == "itl_ms" && !$0.label.contains("Qwen3-Next") }
        let q = try ProseFiguresTests.groups(#"blind, and ([0-9.]+) % now, after changes to the model made while these points were scored \(median ITL 22\.8 % blind, ([0-9.]+) % now on its ([0-9]+) ML\.ENERGY points"#, in: readme)
        #expect(ReadmeFiguresTests.states(q[0], try Self.summary("published-serving", "b200", "j_per_token").percent), "README \(q[0]) % J/token")
        #expect(ReadmeFiguresTests.states(q[1], Self.mape(itl).percent) && q[2] == String(itl.count), "README \(q[1...]); the rows \(Self.mape(itl))")

        func batch(_ r: ValidationRecord) -> Int? { (r.label.firstMatch(of: /batch ([0-9]+)/)).flatMap { Int($0.1) } }
        func meanError(_ metric: String, _ batches: ClosedRange<Int>) -> Double {
            let errors = b200.filter { r in r.metric == metric && batch(r).map(batches.contains) == true }.map(\.relativeError)
            return errors.reduce(0, +) / Double(errors.count) * 100
        }
        let byBatch = try ProseFiguresTests.groups(#"Energy per token is ([0-9]+) % low up to 64 sequences \(where the published W/GPU points are ([0-9]+) % low;[^)]*\), ([0-9]+) % low from 65 to 512 and \+([0-9.]+) % above"#, in: readme)
        Self.expectQuotes(byBatch, [-meanError("j_per_token", 1...64), -meanError("power_w_per_gpu", 1...64), -meanError("j_per_token", 65...512),
                                    meanError("j_per_token", 513...Int.max)], "README's B200 J/token by batch")
    }

    /// A change predicted better than its ends: the B200's batch pairs against its J/token, in both documents.
    @Test func b200BatchChangeAgainstLevelQuotesTheReport() throws {
        let pairs = try Self.lever("batch", "published-serving").mape, level = try Self.summary("published-serving", "b200", "j_per_token").percent
        let methodology = try ProseFiguresTests.groups(#"B200 batch pairs ([0-9.]+) % against ([0-9.]+) % for the J/token they relate"#, in: try ProseFiguresTests.text("docs/methodology.md"))
        let readme = try ProseFiguresTests.groups(#"on the B200, whose energy per token is off by ([0-9.]+) %, the change from one batch to the next is off by ([0-9.]+) %"#, in: try ProseFiguresTests.text("README.md"))
        #expect(ReadmeFiguresTests.states(methodology[0], String(pairs)) && ReadmeFiguresTests.states(methodology[1], level), "methodology \(methodology); the report \(pairs) and \(level) %")
        #expect(ReadmeFiguresTests.states(readme[0], level) && ReadmeFiguresTests.states(readme[1], String(pairs)), "README \(readme); the report \(level) and \(pairs) %")
    }

    /// `--framework sglang` against InferenceMAX's DeepSeek-R1-0528 FP8 runs on SGLang: 1,024 + 1,024
    /// tokens on 8 H200s and 8 B200s, and the worst configuration of every length and GPU count.
    @Test func sglangStepsInProseQuoteTheRows() throws {
        let q = try ProseFiguresTests.groups(#"its InferenceMAX steps at 1,024 \+ 1,024 tokens on 8 GPUs within ([0-9]+) % at 16 and 64 requests, ([0-9]+)–([0-9]+) % short at 4; at other lengths and on 4 GPUs up to ([0-9]+) % short: tp 4 at 8,192 \+ 1,024 tokens and 32 requests"#,
                                             in: try ProseFiguresTests.text("README.md"))
        let runs = Self.serving.filter { $0.metric == "tpot_ms" && $0.label.hasPrefix("InferenceMAX DeepSeek-R1-0528 ") && $0.label.hasSuffix("(SGLang)") && !$0.label.contains("NVFP4")
            && ($0.gpu == "h200" || $0.gpu == "b200") }
        func errors(_ length: String, _ requests: [Int]) -> [Double] {
            runs.filter { r in r.label.contains("8×") && r.label.contains(" \(length), ") && requests.contains { r.label.contains("concurrency \($0) ") } }.map { $0.relativeError * 100 }
        }
        let busy = errors("1024/1024", [16, 64]).map(abs), four = errors("1024/1024", [4]).map { -$0 }
        let worst = try #require(runs.min { $0.relativeError < $1.relativeError })
        try #require(busy.count == 4 && four.count == 2, "\(busy) \(four)")
        #expect(q[0] == String(Int((busy.max() ?? 0).rounded(.up))), "README within \(q[0]) %; the runs \(busy)")
        Self.expectQuotes([q[1], q[2], q[3]], [four.min() ?? 0, four.max() ?? 0, -worst.relativeError * 100], "README's SGLang steps")
        #expect(worst.label.contains("4×B200 8192/1024, concurrency 32"), "the most short is \(worst.label)")
    }

    /// The roofline kernel's streaming and FP32-bound points: signed biases of the family rows.
    @Test func rooflineProseQuotesTheReport() throws {
        let pr = "published-roofline"
        let q = try ProseFiguresTests.groups(#"the streaming points' power is ([0-9.]+) % low, but the model streams ([0-9]+) % slower than that best-case kernel and charges FP32-bound points ([0-9]+) % too much power"#,
                                             in: try ProseFiguresTests.text("README.md"))
        Self.expectQuotes(q, [-(try Self.familyBias(pr, "h200", "memory-bound", "power_w")), -(try Self.familyBias(pr, "h200", "memory-bound", "gflops")),
                              try Self.familyBias(pr, "h200", "compute-bound", "power_w")], "README's H200 roofline")
        let carried = try ProseFiguresTests.groups(#"draw ([0-9]+) % and ([0-9]+) % less than estimated while streaming"#, in: try ProseFiguresTests.text("README.md"))
        Self.expectQuotes(carried, [try Self.familyBias(pr, "a100-sxm-40gb", "memory-bound", "power_w"), try Self.familyBias(pr, "a40", "memory-bound", "power_w")],
                          "README's carried roofline power")
        let h200 = try ProseFiguresTests.groups(#"H200 [0-9]+ W against [0-9]+ measured \(−([0-9.]+) % over the 7 memory-bound"#, in: try ProseFiguresTests.text("docs/methodology.md"))
        Self.expectQuotes(h200, [-(try Self.familyBias(pr, "h200", "memory-bound", "power_w"))], "methodology's H200 streaming power")
    }

    /// Methodology §7's v3 figures by architecture, the in-sample fit's, and Llama 4 Scout's.
    @Test(.enabled(if: sharedData != nil)) func methodologyV3ByArchitectureQuotesTheRows() throws {
        let q = try ProseFiguresTests.groups(#"ML\.ENERGY v3 by architecture: dense models J/token ([0-9.]+) % \(n=([0-9]+)\); MoE ([0-9.]+) % \(n=([0-9]+)\); Mamba-2 hybrids ([0-9.]+) % \(n=([0-9]+), out of the fit, above\); without Llama 4 Scout \(out of the fit\) ([0-9.]+) % over ([0-9]+) rows, Scout itself ([0-9]+) % \(its throughput over-predicted by ([0-9]+)–([0-9]+) %\)"#,
                                             in: try ProseFiguresTests.text("docs/methodology.md"))
        let kinds = try Self.v3ByModelKind()
        for (i, f) in kinds.enumerated() {
            #expect(ReadmeFiguresTests.states(q[2 * i], f.percent) && q[2 * i + 1] == String(f.n), "methodology \(q[2 * i]) % (n=\(q[2 * i + 1])); the rows \(f)")
        }
        let fit = "223 h100-sxm fit runs, the bundled fit (in sample)"
        #expect(ReadmeFiguresTests.states(q[6], try MethodologyFiguresPinTests.generalization(fit, "j_per_token")) && q[7] == "223", "methodology \(q[6]) % over \(q[7])")
        let scout = try MLEnergyValidation.run(dataDirectory: try #require(sharedData), estimator: Self.estimator).records
            .filter { $0.label.contains("Scout") && $0.estimator == "tokenwatt" }
        Self.expectQuotes([q[8]], [Double(Self.mape(scout.filter { $0.metric == "j_per_token" }).percent) ?? -1], "methodology's Scout J/token")
        let fast = scout.filter { $0.metric == "tokens_per_s" }.map { $0.relativeError * 100 }
        Self.expectQuotes([q[9], q[10]], [try #require(fast.min()), try #require(fast.max())], "methodology's Scout tokens/s")
    }
}
