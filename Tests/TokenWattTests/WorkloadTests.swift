import Foundation
import Testing
@testable import TokenWatt

/// A one-scenario kernel workload; `classes`, `extra` (scenario keys) and `deployment` are
/// spliced in as JSON text so each test states only what it varies.
func kernelWorkload(classes: String = #"{"name": "chat", "share": 1, "deployment": "d", "input": {"fixed": 1000}, "output": {"fixed": 200}}"#,
                    extra: String = "", deployment: String = #"{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm"}"#,
                    scenarioName: String = "s", more: String = "") -> String {
    """
    {"schemaVersion": 1, "description": "test", "samples": 2000, "seed": 7, "scenarios": [
      {"name": "\(scenarioName)", "kind": "kernel", "queriesPerDay": 1e7\(extra.isEmpty ? "" : ", " + extra),
       "deployments": [\(deployment)], "classes": [\(classes)]}\(more.isEmpty ? "" : ", " + more)]}
    """
}

func readWorkload(_ text: String, dataDirectory: String? = nil) throws -> Workload {
    try WorkloadReader.read(Data(text.utf8), file: "w.json", dataDirectory: dataDirectory)
}

/// The error message a workload text produces (fails the test when it parses).
func workloadError(_ text: String, dataDirectory: String? = nil) -> String {
    do {
        _ = try readWorkload(text, dataDirectory: dataDirectory)
        Issue.record("expected an error")
        return ""
    } catch {
        return "\(error)"
    }
}

@Suite struct WorkloadParsingTests {
    @Test func minimalWorkloadParsesWithDefaults() throws {
        let w = try readWorkload(kernelWorkload())
        #expect(w.samples == 2000 && w.seed == 7)
        let s = try #require(w.scenarios.first)
        #expect(s.boundary == .facility)
        guard case let .kernel(k) = s.kind else { Issue.record("not a kernel scenario"); return }
        #expect(k.deployments[0].maxBatch == 256)
        #expect(k.headroom == 0.2)
        #expect(k.diurnal.count == 24 && approx(k.diurnal.reduce(0, +), 1))
        #expect(k.classes[0].strategy == .single)
    }

    /// Each bad input names the field and what was expected.
    @Test(arguments: [
        (kernelWorkload(extra: #""colour": 1"#), "colour"),
        (kernelWorkload(classes: #"{"name": "a", "share": 0.5, "deployment": "d", "input": {"fixed": 1}, "output": {"fixed": 1}}"#), "sum to 1"),
        (kernelWorkload(classes: #"{"name": "a", "share": 1, "deployment": "dd", "input": {"fixed": 1}, "output": {"fixed": 1}}"#), "d"),
        (kernelWorkload(classes: #"{"name": "a", "share": 1, "deployment": "d", "input": {"lognormal": {"p5": 10, "p95": 5}}, "output": {"fixed": 1}}"#), "input.lognormal"),
        (kernelWorkload(classes: #"{"name": "a", "share": 1, "deployment": "d", "input": {"fixed": 1}}"#), "output"),
        (kernelWorkload(classes: #"{"name": "a", "share": 1, "deployment": "d", "input": {"fixed": 1, "exponential": {"median": 3}}, "output": {"fixed": 1}}"#), "exactly one"),
        (kernelWorkload(extra: #""diurnal": [1, 2, 3]"#), "24 hourly values"),
        (kernelWorkload(extra: #""pue": {"fixed": 0.5}"#), "pue"),
        (kernelWorkload(classes: #"{"name": "a", "share": 1, "deployment": "d", "input": {"fixed": 1}, "output": {"fixed": 1}, "strategy": {"kind": "tree-search"}}"#), "tree-search"),
        (kernelWorkload(classes: #"{"name": "a", "share": 1, "deployment": "d", "input": {"fixed": 1}, "output": {"fixed": 1}, "strategy": {"kind": "best-of-n"}}"#), "n"),
        (kernelWorkload(extra: #""sameDrawsAs": "later""#), "later"),
        (kernelWorkload(deployment: #"{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm", "maxBatch": 0}"#), "maxBatch"),
        (kernelWorkload(deployment: #"{"name": "d", "model": "x", "gpu": "h100-sxm"}"#), "deployments[0].model"),
        (kernelWorkload(deployment: #"{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm", "sampling": "nucleus"}"#), "sampling"),
        (kernelWorkload(classes: #"{"name": "a", "share": 1, "deployment": "d", "input": {"trace": {"file": "request-length-traces/azure2023_conv.csv", "column": "ContextTokens"}}, "output": {"fixed": 1}}"#), "data"),
        (#"{"schemaVersion": 2, "description": "x", "scenarios": []}"#, "schemaVersion"),
        (#"{"schemaVersion": 1, "description": "x", "scenarios": []}"#, "at least one scenario"),
        (#"{"schemaVersion": 1, "description": "x", "scenarios": [{"name": "m", "kind": "mix", "queriesPerDay": 1e7, "mix": [{"scenario": "nope", "share": 1}]}]}"#, "nope"),
        (kernelWorkload(more: #"{"name": "m", "kind": "mix", "queriesPerDay": 1e7, "pue": 1.1, "mix": [{"scenario": "s", "share": 1}]}"#), "scenarios[1].pue"),
        (kernelWorkload(classes: ""), "at least one query class"),
        (kernelWorkload(more: #"{"name": "m", "kind": "mix", "queriesPerDay": 1e7, "mix": []}"#), "at least one component scenario"),
        (kernelWorkload(scenarioName: " "), "not blank"),
        (#"{"schemaVersion": 1, "description": "x", "seed": 1e20, "scenarios": []}"#, "2147483647"),
    ])
    func badInputIsNamed(text: String, mention: String) {
        let message = workloadError(text)
        #expect(message.contains("w.json"), "\(message)")
        #expect(message.contains(mention), "\(message)")
    }

    /// A trace of token counts takes decimal whole numbers, as every other table cell: 0x200 read as
    /// 512 tokens and 512.5 passed.
    @Test func aTraceTakesWholeDecimalTokenCounts() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tw-trace-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = kernelWorkload(classes: #"{"name": "a", "share": 1, "deployment": "d", "input": {"trace": {"file": "t.csv", "column": "n"}}, "output": {"fixed": 1}}"#)
        for bad in ["0x200", "512.5", "inf"] {
            try "n\n100\n\(bad)\n".write(to: dir.appendingPathComponent("t.csv"), atomically: true, encoding: .utf8)
            let message = workloadError(text, dataDirectory: dir.path)
            #expect(message.contains("line 3 n") && message.contains("a whole token count"), "\(bad): \(message)")
        }
        try "n\n100\n512\n".write(to: dir.appendingPathComponent("t.csv"), atomically: true, encoding: .utf8)
        #expect(throws: Never.self) { try readWorkload(text, dataDirectory: dir.path) }
    }

    /// A deployment may say how its tokens are sampled; unsaid, the framework's default applies.
    @Test func deploymentSamplingParses() throws {
        func sampling(_ extra: String) throws -> Sampling? {
            let w = try readWorkload(kernelWorkload(deployment: #"{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm""# + extra + "}"))
            guard case let .kernel(k) = w.scenarios[0].kind else { return nil }
            return k.deployments[0].request.sampling
        }
        #expect(try sampling(#", "sampling": "direct""#) == .direct)
        #expect(try sampling(#", "sampling": "top-p""#) == .topP)
        #expect(try sampling("") == nil)
    }

    @Test func unknownDeploymentSuggestsTheClosest() {
        let message = workloadError(kernelWorkload(classes: #"{"name": "a", "share": 1, "deployment": "dd", "input": {"fixed": 1}, "output": {"fixed": 1}}"#))
        #expect(message.contains("'d'") || message.contains("\"d\"") || message.contains(" d"), "\(message)")
    }

    @Test func malformedJSONNamesTheLine() {
        let message = workloadError("{\n \"schemaVersion\": 1,\n \"description\": \"x\",\n \"scenarios\": [,]\n}")
        #expect(message.contains("w.json") && message.contains("4"), "\(message)")
    }

    @Test func strategiesParse() throws {
        let kinds = [
            (#"{"kind": "long-reasoning", "factor": 15}"#, Strategy.longReasoning(factor: 15)),
            (#"{"kind": "best-of-n", "n": 8}"#, .parallelSamples(n: 8, kind: "best-of-n", factor: 1)),
            (#"{"kind": "self-consistency", "n": 16, "factor": 4}"#, .parallelSamples(n: 16, kind: "self-consistency", factor: 4)),
            (#"{"kind": "beam-search", "beams": 4}"#, .parallelSamples(n: 4, kind: "beam-search", factor: 1)),
            (#"{"kind": "sequential-revision", "rounds": 3}"#, .sequentialRevision(rounds: 3)),
            (#"{"kind": "agent-loop", "calls": 5, "toolTokens": 800}"#, .agentLoop(calls: 5, toolTokens: 800)),
        ]
        for (json, expected) in kinds {
            let w = try readWorkload(kernelWorkload(classes: #"{"name": "a", "share": 1, "deployment": "d", "input": {"fixed": 100}, "output": {"fixed": 10}, "strategy": "# + json + "}"))
            // A scenario read as another kind is a failure of this case, and the rest still run.
            guard case let .kernel(k) = w.scenarios[0].kind else {
                Issue.record("\(json) was not read as a kernel scenario")
                continue
            }
            #expect(k.classes[0].strategy == expected)
        }
    }

    /// Every bundled workload parses (those that read traces need the shared data).
    @Test func bundledWorkloadsParse() throws {
        let dir = packageRoot.appendingPathComponent("Workloads")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".json") }.sorted()
        #expect(files.count >= 9)
        for f in files {
            let text = try String(contentsOf: dir.appendingPathComponent(f), encoding: .utf8)
            if text.contains("\"trace\"") || text.contains("throughput-table"), sharedData == nil { continue }
            let w = try WorkloadReader.read(path: dir.appendingPathComponent(f).path, dataDirectory: sharedData)
            #expect(!w.scenarios.isEmpty, "\(f)")
        }
    }
}

@Suite struct DistributionTests {
    func quantile(_ d: Distribution, _ p: Double, n: Int = 40_000) -> Double {
        var rng = SeededRandom(seed: 3)
        let xs = (0..<n).map { _ in d.sample(&rng) }.sorted()
        return xs[Int(p * Double(n - 1))]
    }

    @Test func lognormalHitsItsPercentiles() {
        let d = Distribution.lognormal(p5: 0.4, p95: 0.9)
        #expect(approx(quantile(d, 0.05), 0.4, rel: 0.02))
        #expect(approx(quantile(d, 0.95), 0.9, rel: 0.02))
    }

    @Test func exponentialHitsItsMedianAndMean() {
        let d = Distribution.exponential(median: 300)
        #expect(approx(quantile(d, 0.5), 300, rel: 0.03))
        #expect(approx(d.mean, 300 / log(2)))
    }

    @Test func histogramStaysInItsBins() {
        let d = Distribution.histogram(edges: [0, 10, 100], weights: [3, 1])
        // Three quarters of the draws fall evenly in [0, 10), a quarter in [10, 100): the median is
        // 20/3, the P75 the edge between the bins and the P90 10 + 0.6 × 90 = 64. (The median had
        // been allowed anywhere below 10, which an even spread over the first bin passes too.)
        #expect(approx(quantile(d, 0.5), 20.0 / 3.0, rel: 0.05))
        #expect(approx(quantile(d, 0.75), 10, rel: 0.1))
        #expect(approx(quantile(d, 0.9), 64, rel: 0.05))
        #expect(quantile(d, 0.99) < 100 && quantile(d, 0.01) >= 0)
        #expect(approx(d.mean, (3 * 5 + 1 * 55) / 4.0))
    }

    /// A lognormal PUE (P5 1.05, P95 1.6) puts Φ(−2.03) ≈ 2.1 % of its draws below 1; read from a
    /// workload, no draw falls below the field's bound, the closed-form mean matches the draws',
    /// and the summary says how many draws the bound holds.
    @Test func unboundedDrawsAreHeldToTheFieldRange() throws {
        let text = kernelWorkload(classes: chatClass(), extra: #""pue": {"lognormal": {"p5": 1.05, "p95": 1.6}}"#)
        let pue = try readWorkload(text).scenarios[0].pue
        guard case let .clamped(inner, low, high) = pue else { Issue.record("\(pue) is not clamped"); return }
        #expect(low == 1 && high == 5)
        #expect(abs(inner.probability(below: 1) - 0.0212) < 0.001)
        var rng = SeededRandom(seed: 5)
        let draws = (0..<100_000).map { _ in pue.sample(&rng) }
        #expect(draws.min() == 1)
        #expect(abs(draws.reduce(0, +) / 1e5 / pue.mean - 1) < 0.002)
        #expect(pue.mean > inner.mean)
        #expect(pue.summary.contains("2.1 % of draws below 1 taken at the bound"))
        let bounded = Distribution.clamped(.exponential(median: 300), low: 1, high: 1e7)
        #expect(abs(bounded.mean - 300 / log(2)) < 0.5)  // the bounds hold almost nothing
        // Uniform 0–10 held to 2–5: 0.2·2 + 0.5·5 + ∫₂⁵ x/10 dx = 0.4 + 2.5 + 1.05.
        #expect(abs(Distribution.clamped(.uniform(low: 0, high: 10), low: 2, high: 5).mean - 3.95) < 1e-12)
    }

    @Test func sameSeedSameStreamDifferentIndexDifferentStream() {
        var a = SeededRandom(seed: 9).stream(1), b = SeededRandom(seed: 9).stream(1), c = SeededRandom(seed: 9).stream(2)
        let xa = (0..<5).map { _ in a.nextUInt64() }, xb = (0..<5).map { _ in b.nextUInt64() }, xc = (0..<5).map { _ in c.nextUInt64() }
        #expect(xa == xb)
        #expect(xa != xc)
    }
}

@Suite struct StrategyTests {
    @Test func agentLoopContextGrowsByAnswerAndToolOutput() {
        let calls = Strategy.agentLoop(calls: 3, toolTokens: 100).calls(input: 1000, output: 50, prefixCacheHit: 0)
        #expect(calls.map(\.newTokens) == [1000, 1150, 1300])
        #expect(calls.allSatisfy { $0.outputTokens == 50 && $0.cachedTokens == 0 })
    }

    /// The hit is a share of the prompt and every earlier answer, the latest included (vLLM's
    /// prefix cache keeps the full blocks of generated tokens too); an agent's newest tool output
    /// alone is new. The latest answer had been prefilled fresh: round 2 cached 0.9 × 1000, not
    /// 0.9 × 1100, so the documented "90 %" was 77 % of the bundled revision's re-reads.
    @Test func prefixCacheMovesReReadTokensToTheCache() {
        let calls = Strategy.sequentialRevision(rounds: 3).calls(input: 1000, output: 100, prefixCacheHit: 0.9)
        #expect(calls[1].cachedTokens == 976 && calls[1].newTokens == 124)  // 990 in whole 16-token blocks
        #expect(calls[2].cachedTokens == 1072 && calls[2].newTokens == 128)  // 1080
        let agent = Strategy.agentLoop(calls: 3, toolTokens: 100).calls(input: 1000, output: 50, prefixCacheHit: 0.9)
        #expect(agent[1].cachedTokens == 944 && agent[1].newTokens == 206)  // 945 of 1050; the 100 tool tokens are new
        #expect(agent[2].cachedTokens == 1072 && agent[2].newTokens == 228)  // 1080 of 1200
        // At a full hit only the last block is prefilled again, as for a prompt.
        #expect(Strategy.sequentialRevision(rounds: 2).calls(input: 1000, output: 100, prefixCacheHit: 1)[1].newTokens == 12)
    }

    /// A full prefix-cache hit still prefills the prompt's last block: vLLM caches whole 16-token
    /// blocks and recomputes the last token for its logits. `prefixCacheHit: 1` priced 0 tokens.
    @Test func aFullHitStillPrefillsTheLastBlock() {
        let full = Strategy.single.calls(input: 1000, output: 10, prefixCacheHit: 1)[0]
        #expect(full.cachedTokens == 992 && full.newTokens == 8)
        #expect(Strategy.single.calls(input: 1024, output: 10, prefixCacheHit: 1)[0].newTokens == 16)
        #expect(Strategy.single.calls(input: 1, output: 10, prefixCacheHit: 1)[0].newTokens == 1)
        #expect(Strategy.single.calls(input: 1000, output: 10, prefixCacheHit: 0.5)[0].cachedTokens == 496)
        #expect(Strategy.single.calls(input: 33, output: 10, prefixCacheHit: 0.5)[0].cachedTokens == 16)
    }

    /// A revision's or agent loop's hit is a share of what its later calls re-read: its first
    /// call reads the prompt fresh, as a single answer at hit 0 pays it (the first call's prompt
    /// had been 90 % cached too, so the bundled revision with the prefix cache read 2.51 × single
    /// where it costs 3.04 ×). A one-call strategy's hit is a share of its prompt, as before.
    @Test func theFirstCallOfAQueryThatRereadsItselfReadsItsPromptFresh() {
        for s in [Strategy.sequentialRevision(rounds: 3), .agentLoop(calls: 3, toolTokens: 100)] {
            let calls = s.calls(input: 1000, output: 100, prefixCacheHit: 0.9)
            #expect(calls[0].newTokens == 1000 && calls[0].cachedTokens == 0, "\(s): \(calls[0])")
            #expect(calls[1].cachedTokens == 976, "\(s): \(calls[1])")  // 990 in whole 16-token blocks
            #expect(s.promptCacheHit(0.9) == 0)
        }
        for s in [Strategy.single, .longReasoning(factor: 4), .parallelSamples(n: 4, kind: "best-of-n", factor: 1)] {
            let call = s.calls(input: 1000, output: 100, prefixCacheHit: 0.5)[0]
            #expect(call.newTokens == 504 && call.cachedTokens == 496, "\(s): \(call)")
            #expect(s.promptCacheHit(0.5) == 0.5)
        }
    }

    /// Reports name a strategy with its parameters and hit, as the workload file gives them: the
    /// class and test-time tables had shown the kind alone, "self-consistency" for 16 paths and
    /// for 16 paths × 4 alike.
    @Test func aStrategyIsNamedWithItsParameters() {
        #expect(Strategy.single.words(prefixCacheHit: 0) == "single")
        #expect(Strategy.single.words(prefixCacheHit: 0.5) == "single: prefixCacheHit 0.5 of the prompt")
        #expect(Strategy.longReasoning(factor: 15).words(prefixCacheHit: 0) == "long-reasoning: factor 15")
        #expect(Strategy.parallelSamples(n: 8, kind: "best-of-n", factor: 1).words(prefixCacheHit: 0) == "best-of-n: n 8")
        #expect(Strategy.parallelSamples(n: 16, kind: "self-consistency", factor: 4).words(prefixCacheHit: 0) == "self-consistency: n 16, factor 4")
        #expect(Strategy.parallelSamples(n: 4, kind: "beam-search", factor: 1).words(prefixCacheHit: 0) == "beam-search: beams 4")
        #expect(Strategy.sequentialRevision(rounds: 4).words(prefixCacheHit: 0.9) == "sequential-revision: rounds 4; prefixCacheHit 0.9 of re-reads")
        #expect(Strategy.agentLoop(calls: 10, toolTokens: 1000).words(prefixCacheHit: 0) == "agent-loop: calls 10, toolTokens 1000")
    }

    @Test func parallelSamplesShareOnePrompt() {
        let call = Strategy.parallelSamples(n: 8, kind: "best-of-n", factor: 2).calls(input: 500, output: 100, prefixCacheHit: 0)
        #expect(call.count == 1 && call[0].sequences == 8 && call[0].outputTokens == 200 && call[0].newTokens == 500)
        #expect(call[0].residentKVTokens == 500 + 8 * 100)
    }
}
