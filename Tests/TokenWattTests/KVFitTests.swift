import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// A call the KV cache of one engine cannot hold even alone is said so, not priced at batch 1 in
/// silence: the budget is sized at the mean context I + O/2, so a 37,000-token answer on a cache
/// of about 31,500 tokens (Qwen3-32B BF16 on one H100) had read "the KV cache holds 1 sequences".
@Suite struct KVFitTests {
    static let qwenOnOne = #"{"name": "d", "model": "Qwen/Qwen3-32B", "gpu": "h100-sxm", "gpus": 1, "tp": 1, "precision": "bf16"}"#

    @Test func aCallThatDoesNotFitEvenAloneIsNoted() throws {
        let text = kernelWorkload(classes: chatClass(output: #"{"fixed": 2000}"#, strategy: #"{"kind": "long-reasoning", "factor": 18}"#),
                                  deployment: Self.qwenOnOne)
        let r = try runWorkload(text, samples: 200)[0]
        let note = try #require(r.notes.first { $0.contains("does not fit in the KV cache even alone") }, "\(r.notes)")
        #expect(note.contains("100.0 % of queries") && note.contains("1000 + 36000 tokens") && note.contains("9.7 GB per GPU")
                    && note.contains("8.25 GB per GPU is left") && note.contains("refuse"), "\(note)")
        #expect(r.notes.contains { $0.contains("the KV cache holds 1 sequence,") }, "\(r.notes)")
    }

    /// An agent loop's last call is its longest: 1,000 + 7 × 4,500 + 500 = 33,000 tokens.
    @Test func anAgentLoopsLastCallIsChecked() throws {
        let text = kernelWorkload(classes: chatClass(output: #"{"fixed": 500}"#, strategy: #"{"kind": "agent-loop", "calls": 8, "toolTokens": 4000}"#),
                                  deployment: Self.qwenOnOne)
        let note = try #require(try runWorkload(text, samples: 200)[0].notes.first { $0.contains("even alone") })
        #expect(note.contains("32500 + 500 tokens"), "\(note)")
    }

    /// Parallel samples are judged one sequence at a time, as `max_model_len` is: 64 answers of
    /// 10,000 tokens do not fit one engine together, though each would alone, so they decode in
    /// turns; none is refused and `kvOverflowShare` stays 0 (it had been 1, with "an engine would
    /// refuse such a request").
    @Test func parallelSamplesAreJudgedOneSequenceAtATime() throws {
        let many = chatClass(output: #"{"fixed": 1000}"#, strategy: #"{"kind": "best-of-n", "n": 64, "factor": 10}"#)
        let r = try runWorkload(kernelWorkload(classes: many), samples: 200)[0]
        let c = try #require(r.classes.first)
        #expect(!r.notes.contains { $0.contains("even alone") } && c.kvOverflowShare == 0 && c.samplesInTurnsShare == 1, "\(r.notes)")
        let note = try #require(r.notes.first { $0.contains("in turns") }, "\(r.notes)")
        #expect(note.contains("100.0 % of queries have more samples than one engine's KV cache holds at once")
                    && note.contains("64 sequences of 10000 tokens from one 1000-token prompt")
                    && note.contains("1000 + 10000 tokens, one of 64 sequences from one prompt")
                    && note.contains("with the prompt prefilled once and its KV cache held for every turn") && !note.contains("refuse"), "\(note)")
        let few = chatClass(output: #"{"fixed": 1000}"#, strategy: #"{"kind": "best-of-n", "n": 4, "factor": 10}"#)
        let narrow = try runWorkload(kernelWorkload(classes: few), samples: 200)[0]
        #expect(!narrow.notes.contains { $0.contains("even alone") || $0.contains("in turns") } && narrow.classes[0].samplesInTurnsShare == 0)
    }

    /// The probe's case: best-of-128 of 1,000 + 3,000 tokens on Qwen3-32B, 2 × H100, whose 128
    /// answers hold 50.6 GB per GPU at their last token and one 0.53 GB: it runs, in turns, at
    /// the class's batch of 209, where it had read "100.0 % of queries … an engine would refuse".
    @Test func bestOf128FitsOneSampleAtATime() throws {
        let qwen = #"{"name": "d", "model": "Qwen/Qwen3-32B", "gpu": "h100-sxm", "gpus": 2, "tp": 2}"#
        let text = kernelWorkload(classes: chatClass(output: #"{"fixed": 3000}"#, strategy: #"{"kind": "best-of-n", "n": 128}"#), deployment: qwen)
        let r = try runWorkload(text, samples: 50)[0]
        let c = try #require(r.classes.first)
        #expect(c.kvOverflowShare == 0 && c.samplesInTurnsShare == 1 && !r.notes.contains { $0.contains("refuse") }, "\(r.notes)")
        #expect(r.notes.contains { $0.contains("128 sequences of 3000 tokens from one 1000-token prompt, holds 50.6 GB per GPU") && $0.contains("in turns") },
                "\(r.notes)")
    }

    /// A sample that does not fit even alone is still refused, named as one of its query's
    /// sequences, and is no "in turns" sample.
    @Test func aSampleThatDoesNotFitAloneIsStillNoted() throws {
        let text = kernelWorkload(classes: chatClass(output: #"{"fixed": 2000}"#, strategy: #"{"kind": "best-of-n", "n": 4, "factor": 18}"#),
                                  deployment: Self.qwenOnOne)
        let r = try runWorkload(text, samples: 200)[0]
        let note = try #require(r.notes.first { $0.contains("does not fit in the KV cache even alone") }, "\(r.notes)")
        #expect(note.contains("100.0 % of queries") && note.contains("1000 + 36000 tokens, one of 4 sequences from one prompt")
                    && note.contains("9.7 GB per GPU"), "\(note)")
        #expect(r.classes[0].kvOverflowShare == 1 && r.classes[0].samplesInTurnsShare == 0 && !r.notes.contains { $0.contains("in turns") })
    }

    /// What one call holds: the prompt once, each sequence's answer, in whole pages.
    @Test func aCallHoldsItsPromptOnceAndEachAnswer() throws {
        let d = try Estimator().deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm"))
        let perToken = d.kvBytesPerTokenPerGPU.bytes
        #expect(approx(KVCacheBudget.callBytes(d, promptTokens: 1000, outputTokens: 100, sequences: 8).bytes, perToken * (1008 + 8 * 112)))
        #expect(approx(KVCacheBudget.callBytes(d, promptTokens: 1000, outputTokens: 100, sequences: 1).bytes,
                       d.kvBytesPerSequencePerGPU(contextTokens: 1008 + 112).bytes))
    }

    /// A class whose mean call does not fit names its largest call too (an agent loop of 1,000
    /// calls had been named by its mean, 5,245,750 + 500 tokens).
    @Test func aClassThatDoesNotFitNamesItsLargestCall() throws {
        let text = kernelWorkload(classes: chatClass(output: #"{"fixed": 500}"#, strategy: #"{"kind": "agent-loop", "calls": 1000, "toolTokens": 10000}"#),
                                  deployment: Self.qwenOnOne)
        #expect { try runWorkload(text, samples: 100) } throws: {
            "\($0)".contains("class chat: its calls do not fit in the KV cache: a sequence holds 5246000 tokens on average while it decodes")
                && "\($0)".contains("the largest call of the 2000 queries drawn to size it holds 10490500 + 500 tokens")
        }
    }

    /// `estimate` refuses a request whose own input and output the KV cache cannot hold, and
    /// writes "1 sequence" where one fits.
    @Test func estimateRefusesARequestLongerThanTheCache() throws {
        let e = Estimator()
        let d = try e.deployment(DeploymentRequest(model: "Qwen/Qwen3-32B", gpu: "h100-sxm", gpus: 1, precision: .bf16))
        let long = ServingRequest(batch: 256, inputTokens: 1000, outputTokens: 36000)
        #expect { try KVCacheBudget(deployment: d, request: long).requireRoomForOneSequence(long, on: d) } throws: {
            "\($0)".contains("one sequence of 1000+36000 tokens does not fit in the KV cache even alone") && "\($0)".contains("9.7 GB per GPU")
        }
        let fits = ServingRequest(batch: 256, inputTokens: 1000, outputTokens: 30000)
        try KVCacheBudget(deployment: d, request: fits).requireRoomForOneSequence(fits, on: d)
        let q = try QueryEstimate(estimator: e, deployment: d, request: fits, settings: try LedgerSettings())
        #expect(q.assumptions.contains { $0.contains("1 sequence in flight of 1000 input + 30000 output tokens (KV cache holds 1 sequence)") }, "\(q.assumptions)")
    }

    /// Every path that prices one query refuses it too: `predict`'s serve rows, `diagnose` and
    /// `tune` (through `QueryEstimate` and `Tuning`) and `kernels --per-query` had priced a
    /// 1,000 + 36,000-token request at batch 1.
    @Test func everyQueryPathRefusesARequestLongerThanTheCache() throws {
        let e = Estimator()
        let r = DeploymentRequest(model: "Qwen/Qwen3-32B", gpu: "h100-sxm", gpus: 1, precision: .bf16)
        let d = try e.deployment(r)
        let long = ServingRequest(batch: 16, inputTokens: 1000, outputTokens: 36000)
        func refused(_ f: () throws -> Void) -> Bool {
            do { try f(); return false } catch { return "\(error)".contains("does not fit in the KV cache even alone") }
        }
        #expect(refused { _ = try QueryEstimate(estimator: e, deployment: d, request: long, settings: try LedgerSettings()) })
        #expect(refused { _ = try Tuning(estimator: e, base: r, serving: long, targets: Tuning.Targets(), steps: 2) })
        #expect(refused { _ = try QueryKernels(estimator: e, deployment: d, serving: long) })
    }

    /// More samples than an engine keeps in flight decode in turns: said in the class's notes
    /// (1,024 samples on a deployment of 256 sequences were priced with nothing said).
    @Test func samplesBeyondTheBatchAreNoted() throws {
        let wide = chatClass(output: #"{"fixed": 100}"#, strategy: #"{"kind": "best-of-n", "n": 300}"#)
        let r = try runWorkload(kernelWorkload(classes: wide), samples: 200)[0]
        #expect(r.notes.contains { $0.contains("a query's 300 samples are more than the 256 sequences an engine keeps in flight (its batch limit)") }, "\(r.notes)")
        #expect(r.classes[0].samplesInTurnsShare == 1)
        let narrow = chatClass(output: #"{"fixed": 100}"#, strategy: #"{"kind": "best-of-n", "n": 8}"#)
        #expect(try !runWorkload(kernelWorkload(classes: narrow), samples: 200)[0].notes.contains { $0.contains("an engine keeps in flight") })
    }

    /// A beam-search class carries the underestimate `validate` measures on MLPerf's GPT-J beam
    /// search (the README had said those rows "validate" it).
    @Test func beamSearchCarriesItsMeasuredUnderestimate() throws {
        let beams = try runWorkload(kernelWorkload(classes: chatClass(strategy: #"{"kind": "beam-search", "beams": 4}"#)), samples: 200)[0]
        #expect(beams.notes.contains { $0.contains("beam search is priced as") && $0.contains("J per token 19–29 % low") }, "\(beams.notes)")
        let samples = try runWorkload(kernelWorkload(classes: chatClass(strategy: #"{"kind": "best-of-n", "n": 4}"#)), samples: 200)[0]
        #expect(!samples.notes.contains { $0.contains("beam search") })
    }
}
