import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// A one-token answer has no inter-token latency: its token comes from the step that ends its
/// prompt and no interval follows. `estimate` shows none (`ReceiptLayoutTests`); `predict`,
/// `diagnose` and `tune` had shown the step time as an ITL, and `tune` held it to an ITL target.
@Suite struct OneTokenAnswerTests {
    static let model = "meta-llama/Llama-3.1-8B-Instruct"

    /// A serve row of one output token leaves `itl_ms` empty (null); two tokens have one.
    @Test func predictLeavesTheServeRowsITLEmpty() throws {
        let csv = "model,gpu,phase,batch,input_tokens,output_tokens\n\(Self.model),h100-sxm,serve,8,500,1\n\(Self.model),h100-sxm,serve,8,500,2\n"
        let t = PredictTable.score(try CSVTable.parse(csv, file: "p.csv"), estimator: Estimator())
        let itl = try #require(t.header.firstIndex(of: "itl_ms"))
        #expect(t.failedRows == 0)
        #expect(t.rows[0][itl] == .null, "\(t.rows[0][itl])")
        guard case let .number(ms) = t.rows[1][itl] else { Issue.record("two tokens: \(t.rows[1][itl])"); return }
        #expect(ms > 0)
    }

    /// `diagnose` shows no ITL for the query, nor for any nearby configuration, in text or JSON.
    @Test func diagnoseShowsNoInterTokenLatency() throws {
        let d = try Diagnosis(estimator: Estimator(), request: DeploymentRequest(model: Self.model, gpu: "h100-sxm"),
                              serving: ServingRequest(batch: 8, inputTokens: 500, outputTokens: 1))
        let text = d.text()
        #expect(text.contains("ITL – (one output token: no interval between tokens)"), "\(text)")
        #expect(!text.contains("inter-token latency"), "\(text)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(JSONWriter().write(d.json()).utf8)) as? [String: Any])
        #expect(json["itlMs"] is NSNull)
        let possible = (json["alternatives"] as? [[String: Any]] ?? []).filter { $0["possible"] as? Bool == true }
        #expect(!possible.isEmpty && possible.allSatisfy { $0["itlMs"] is NSNull })
        // The explanations quote the step that carries the prompt, not a decode step the answer
        // never runs (HF's batch prefill here: FP8 "saved 30 %" as "the decode step goes from
        // 40.2 ms to 40.2 ms").
        let hf = try Diagnosis(estimator: Estimator(), request: DeploymentRequest(model: Self.model, gpu: "h100-sxm", framework: .hf),
                               serving: ServingRequest(batch: 8, inputTokens: 500, outputTokens: 1))
        let explained = hf.alternatives.map(\.explanation)
        #expect(!explained.contains { $0.contains("decode step") } && explained.contains { $0.contains("step carrying the prompt") },
                "\(explained)")
    }

    /// An ITL target cannot bind a one-token answer: no setting is refused for it, the run says
    /// so, and the rows carry no ITL.
    @Test func tuneSaysAnITLTargetCannotBindOneToken() throws {
        let t = try Tuning(estimator: Estimator(), base: DeploymentRequest(model: Self.model, gpu: "h100-sxm"),
                           serving: ServingRequest(batch: 8, inputTokens: 500, outputTokens: 1), targets: .init(itlMs: 5), steps: 3)
        #expect(t.points.allSatisfy { t.meets($0, for: .decode) && t.meets($0, for: .query) })
        #expect(t.bestDecode != nil && t.bestQuery != nil)
        #expect(t.notes.contains { $0.contains("ITL target of 5 ms cannot bind") }, "\(t.notes)")
        #expect(t.text().contains("note: the ITL target of 5 ms cannot bind"))
        let rows = t.csv().split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let itl = try #require(Tuning.csvHeader.firstIndex(of: "itl_ms"))
        #expect(rows.allSatisfy { $0[itl].isEmpty })
        let json = try #require(try JSONSerialization.jsonObject(with: Data(JSONWriter().write(t.json()).utf8)) as? [String: Any])
        #expect((json["points"] as? [[String: Any]] ?? []).allSatisfy { $0["interTokenLatencyMs"] is NSNull })
        #expect(t.svg().contains("Decode: nothing to draw (one output token: no interval between tokens)"))
        // Two tokens: the target binds as before.
        let two = try Tuning(estimator: Estimator(), base: DeploymentRequest(model: Self.model, gpu: "h100-sxm"),
                             serving: ServingRequest(batch: 8, inputTokens: 500, outputTokens: 2), targets: .init(itlMs: 5), steps: 3)
        #expect(two.bestDecode == nil && !two.notes.contains { $0.contains("cannot bind") })
    }
}
