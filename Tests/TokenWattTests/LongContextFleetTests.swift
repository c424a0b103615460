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
}
