import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// Decode attention whose time is mostly the fitted per-sequence decode time is bound by it, not
/// by HBM: those bytes are not HBM traffic (methodology §3). Filed under `memory`, Llama-3.1-8B's
/// 512 sequences at 128 tokens of context listed attention "memory" with HBM 14 % busy, `predict`
/// gave the step memory_bound_share 0.92 with duty_hbm 0.30, and `diagnose` called decode 70 %
/// memory-bound.
@Suite struct PerSequenceBoundTests {
    static let estimator = Estimator()
    static let request = DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm", sampling: .direct)

    func attention(batch: Int, context: Int) throws -> (line: KernelLine, pass: PassEstimate) {
        let d = try Self.estimator.deployment(Self.request)
        let program = try PhasePlanner(deployment: d).program(for: .decode(batch: batch, context: context))
        let b = Self.estimator.passEstimator(for: d).breakdown(program, clock: d.lockedClock, powerCap: d.powerCap)
        return (try #require(b.kernels.first { $0.kernel == "decode_attention" }), b.pass)
    }

    @Test func aShortContextsDecodeAttentionIsBoundPerSequence() throws {
        let (line, pass) = try attention(batch: 512, context: 128)
        #expect(line.bound == .perSequence && line.fittedTime.seconds > line.time.seconds / 2, "\(line.bound) \(line.fittedTime) of \(line.time)")
        #expect((pass.timeShare[.memory] ?? 0) + (pass.timeShare[.l2] ?? 0) < 0.5, "\(pass.timeShare)")
        #expect(approx(pass.timeShare.values.reduce(pass.idleShare, +), 1, rel: 1e-9))
        // A long context's KV stream still outlasts the fitted time (64 of 189 µs at 1,250 tokens).
        #expect(try attention(batch: 64, context: 1250).line.bound == .memory)
    }

    @Test func predictAndDiagnoseSayPerSequence() throws {
        let csv = "model,gpu,phase,batch,input_tokens,sampling\nmeta-llama/Llama-3.1-8B-Instruct,h100-sxm,decode-step,512,128,direct\n"
        let t = PredictTable.score(try CSVTable.parse(csv, file: "p.csv"), estimator: Self.estimator)
        func cell(_ name: String) throws -> Double {
            guard case let .number(x) = t.rows[0][try #require(t.header.firstIndex(of: name))] else { return .nan }
            return x
        }
        let perSequenceShare = try cell("per_sequence_share"), memoryShare = try cell("memory_bound_share")
        #expect(perSequenceShare > 0.5 && memoryShare < 0.5, "\(t.rows[0])")
        let shares = ["compute_bound_share", "memory_bound_share", "communication_share", "overhead_share", "per_sequence_share", "idle_share"]
        #expect(approx(try shares.map(cell).reduce(0, +), 1, rel: 1e-9))
        let d = try Diagnosis(estimator: Self.estimator, request: Self.request, serving: ServingRequest(batch: 512, inputTokens: 64, outputTokens: 128))
        let decode = Dictionary(uniqueKeysWithValues: d.decodeShares)
        let perSequence = try #require(decode[Diagnosis.perSequenceWords]), memory = try #require(decode["memory-bound"])
        #expect(perSequence > memory, "\(d.decodeShares)")
        #expect(d.text().contains(Diagnosis.perSequenceNote))
    }
}
