import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// What the trace says of an overloaded log and of a Mooncake log's shared prompt blocks.
@Suite struct TraceOverloadPrefixTests {
    let estimator = Estimator()

    /// Long requests arriving faster than a replica serves them: the overload line names the batch
    /// the KV cache holds, not --max-batch (it had said 64 where the cache held 13).
    @Test func overloadNamesTheBatchTheCacheHolds() throws {
        let d = try estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm"))
        var o = TraceReplay.Options()
        o.maxBatch = 64
        let log = (0..<300).map { TraceRequest(timestamp: Double($0) * 0.5, inputTokens: 32_000, outputTokens: 300) }
        var r = try TraceReplay(estimator: estimator, deployment: d, options: o, sample: log)
        var s = TraceSummary()
        var rows = log.makeIterator()
        try r.price(all: { rows.next() }, into: &s)
        #expect(s.overloaded > 0)
        let top = try #require(s.overloadedBatch).upperBound
        #expect(top < 64)
        let text = s.text(deployment: d, options: o, file: "long.csv")
        #expect(text.contains("at a batch of \(top), the most the KV cache holds"), "\(text)")
        #expect(!text.contains("at a batch of 64"))
    }

    /// The text names the engine the log ran on: its batch ceiling and step budget, which only the
    /// JSON had carried; under hf there is no step budget to name.
    @Test func theTextNamesTheEnginesBatchAndStepBudget() throws {
        let d = try estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "a100-sxm-80gb"))
        var o = TraceReplay.Options()
        o.maxBatch = 64
        o.tokenBudget = ServingRequest.defaultTokenBudget(for: d)
        let text = TraceSummary().text(deployment: d, options: o, file: "t.csv")
        #expect(text.contains("engine            vllm, up to 64 sequences per replica (--max-batch), step budget 2048 tokens"), "\(text)")
        var hf = DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "a100-sxm-80gb")
        hf.framework = .hf
        let h = TraceSummary().text(deployment: try estimator.deployment(hf), options: o, file: "t.csv")
        #expect(h.contains("(hf runs no step budget)") && !h.contains("step budget 2048"), "\(h)")
    }

    static let mooncake = (0..<4).map { i in
        "{\"timestamp\": \(1000 * i), \"input_length\": 2048, \"output_length\": 10, \"hash_ids\": [0, 1, 2, \(100 + i)]}"
    }

    /// hash_ids are counted as the log streams: 16 blocks, 9 of them seen on an earlier request;
    /// the note says prefix caching is not priced.
    @Test func mooncakeBlockRepeatsAreCounted() throws {
        var r = try TraceReader(bytes: Array(Self.mooncake.joined(separator: "\n").utf8), name: "m.jsonl", format: nil)
        while try r.next() != nil {}
        #expect(r.prefixBlocks.blocks == 16 && r.prefixBlocks.repeats == 9)
        let note = try #require(r.prefixBlocks.note)
        #expect(note.contains("56.2 %") && note.contains("prefix caching is not priced"), "\(note)")
        // The parser's path (an escape in another key) counts them the same way.
        let slow = Self.mooncake.map { $0.replacingOccurrences(of: "}", with: ", \"n\": \"a\\\"b\"}") }
        var p = try TraceReader(bytes: Array(slow.joined(separator: "\n").utf8), name: "m.jsonl", format: nil)
        while try p.next() != nil {}
        #expect(p.prefixBlocks.blocks == 16 && p.prefixBlocks.repeats == 9)
        // An Azure log has none, and no note.
        var a = try TraceReader(bytes: Array("TIMESTAMP,ContextTokens,GeneratedTokens\n1,5,5\n".utf8), name: "a.csv", format: nil)
        while try a.next() != nil {}
        #expect(a.prefixBlocks.note == nil)
    }

    /// Past its limit the count remembers no new id and says its share is a lower bound.
    @Test func aFullCountSaysItIsALowerBound() {
        var b = PrefixBlocks(limit: 2)
        for id in [1.0, 2, 3, 3, 1] { b.add(id) }
        #expect(b.repeats == 1 && b.saturated)
        #expect(b.note?.contains("or more") == true)
    }
}
