import Foundation
import Testing
@testable import TokenWatt

/// A long-context RAG operator's probe of 2026-12-07: levers onto a model whose context window
/// the queries exceed, the packing note of a class that caches prompt tokens, and the KV pages a
/// prefix-cache hit does not share.
@Suite struct LongContextFleetTests {
    static let llama8 = #"{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm", "gpus": 1, "maxBatch": 64}"#

    func run(input: Int, output: Int, hit: Double = 0, levers: String = "[]", samples: Int = 100) throws -> FleetResult {
        let text = kernelWorkload(classes: chatClass(input: #"{"fixed": \#(input)}"#, output: #"{"fixed": \#(output)}"#, hit: hit),
                                  extra: #""levers": "# + levers, deployment: Self.llama8)
        return try FleetRunner(dataDirectory: nil).run(try readWorkload(text), samples: samples)[0]
    }

    /// A lever onto a model whose window every query exceeds (gemma-3-1b-it's 32,768 tokens under
    /// 60,000 + 300) is one the deployment cannot take: left out with the reason, as a model that
    /// does not fit is. It had been ranked "saves 94 %" with nothing said.
    @Test func aLeverOntoATooShortWindowIsLeftOut() throws {
        let r = try run(input: 60000, output: 300, levers: #"[{"name": "gemma", "model": "google/gemma-3-1b-it"}, {"name": "fp8", "precision": "fp8"}]"#)
        #expect(!r.levers.contains { $0.name == "gemma" }, "\(r.levers.map(\.name))")
        #expect(r.levers.contains { $0.name == "fp8" }, "a lever the window allows stands")
        let note = try #require(r.notes.first { $0.hasPrefix("lever gemma not run:") })
        #expect(note.contains("every query has a call longer than the 32768-token context window of google/gemma-3-1b-it"), "\(note)")
    }

    /// A lever under which some queries exceed the window gets the baseline's note for them.
    @Test func aLeverOntoAWindowSomeQueriesExceedSaysSo() throws {
        let text = kernelWorkload(classes: chatClass(input: #"{"uniform": {"low": 20000, "high": 40000}}"#, output: #"{"fixed": 300}"#),
                                  extra: #""levers": [{"name": "gemma", "model": "google/gemma-3-1b-it"}]"#, deployment: Self.llama8)
        let mixed = try FleetRunner(dataDirectory: nil).run(try readWorkload(text), samples: 200)[0]
        #expect(mixed.levers.contains { $0.name == "gemma" })
        let note = try #require(mixed.notes.first { $0.hasPrefix("lever gemma: class chat:") && $0.contains("context window") }, "\(mixed.notes)")
        #expect(note.contains("of queries have a call longer than the 32768-token context window of google/gemma-3-1b-it; costed as drawn"))
    }

    /// A long prompt's first token comes as `estimate` has it: its short last chunk waits on the
    /// chunks a step of its call's carries, counted in chunks of the call's first, not on as many
    /// as its own length fits in the budget (fleet had 8,741 ms against estimate's 7,884).
    @Test(arguments: [(100000, 1), (100000, 50), (32000, 1)])
    func aLongPromptsTimeToFirstTokenIsEstimates(input: Int, output: Int) throws {
        let r = try run(input: input, output: output, samples: 20)
        let e = Estimator()
        let d = try e.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm", gpus: 1))
        let s = try e.serve(d, ServingRequest(batch: r.classes[0].effectiveBatch, inputTokens: input, outputTokens: output,
                                              tokenBudget: ServingRequest.defaultTokenBudget(for: d)))
        let fleet = try #require(r.meanTTFTMs)
        #expect(approx(fleet, s.timeToFirstToken.seconds * 1000, rel: 0.005), "fleet \(fleet) ms, estimate \(s.timeToFirstToken.seconds * 1000) ms")
    }

    /// A class that finds prompt tokens in the prefix cache is not priced by `estimate`, which has
    /// none: its packing clause says so and quotes no figures (the chat service's long-context
    /// class had quoted 2.172 against 1.743 Wh, prefilling the 40 % it caches).
    @Test func aCachingClassesPackingClauseQuotesNoEstimate() throws {
        let packing = { (r: FleetResult) in r.notes.first { $0.hasPrefix(KernelFleet.packingNotePrefix) } ?? "" }
        let cached = packing(try run(input: 12000, output: 300, hit: 0.4)), plain = packing(try run(input: 12000, output: 300))
        #expect(cached.contains("`tokenwatt estimate` has no prefix cache") && !cached.contains("would cost"), "\(cached)")
        #expect(plain.contains("would cost") && !plain.contains("no prefix cache"), "\(plain)")
    }

    /// Where the KV cache sets a caching class's batch, a note says the cached prefix's pages are
    /// counted per sequence, not shared (32,000 + 300 at a hit of 0.9: 13 sequences either way).
    @Test func aCachedPrefixSharesNoPagesAndSaysSo() throws {
        let cached = try run(input: 32000, output: 300, hit: 0.9), plain = try run(input: 32000, output: 300)
        #expect(cached.classes[0].effectiveBatch == 13 && plain.classes[0].effectiveBatch == 13)
        let note = try #require(cached.notes.first { $0.contains("counting each one's whole prompt") }, "\(cached.notes)")
        #expect(note.hasPrefix("class chat: the KV cache holds 13 sequences") && note.contains("the 90 % of prompt tokens found in the prefix cache"))
        #expect(!plain.notes.contains { $0.contains("counting each one's whole prompt") })
    }
}
