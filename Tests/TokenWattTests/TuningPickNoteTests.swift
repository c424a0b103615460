import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// tune's phase picks say when the setting, run for the whole query, misses the other phase's
/// target, and that per-phase settings need prefill and decode run apart: a probe read "prefill:
/// cap 427.3 W … saves 16.0 %" for Llama-3.3-70B on 4 × H200 with ITL ≤ 30 ms, where that cap
/// gives a mean ITL of 30.66 ms, and nothing said a colocated deployment cannot cap prefill alone.
@Suite struct TuningPickNoteTests {
    static let estimator = Estimator()

    static func tuning(itlMs: Double, ttftMs: Double) throws -> Tuning {
        try Tuning(estimator: estimator, base: DeploymentRequest(model: "meta-llama/Llama-3.3-70B-Instruct", gpu: "h200", gpus: 4),
                   serving: ServingRequest(batch: 64, inputTokens: 1000, outputTokens: 500),
                   targets: Tuning.Targets(ttftMs: ttftMs, itlMs: itlMs), settings: try LedgerSettings(pue: 1.3))
    }

    @Test func aPrefillPickThatMissesTheITLTargetSaysByHowMuch() throws {
        let t = try Self.tuning(itlMs: 30, ttftMs: 120)
        let p = try #require(t.bestPrefill)
        let itl = try #require(p.itlMs)
        #expect(itl > 30 && !t.meets(p, for: .query))
        let text = t.text()
        let line = "note: run for the whole query, \(Tuning.label(p)) misses the ITL target: mean inter-token latency \(formatNumber(itl, significant: 4)) ms, "
            + "\(formatNumber(itl - 30, significant: 3)) ms"
        #expect(text.contains(line), "\(text)")
        #expect(text.contains("disaggregated prefill and decode"))
        guard case let .array(notes)? = t.json()["pickNotes"] else { Issue.record("pickNotes is not an array"); return }
        #expect(notes.count == 2)
    }

    /// With targets every setting meets, the picks need no miss note; the split note stays only
    /// where the phases' picks differ.
    @Test func picksThatMeetBothTargetsHaveNoMissNote() throws {
        let t = try Self.tuning(itlMs: 1000, ttftMs: 10_000)
        #expect(!t.text().contains("misses the"))
        let differ = Tuning.label(try #require(t.bestPrefill)) != Tuning.label(try #require(t.bestDecode))
        #expect(t.text().contains("disaggregated prefill and decode") == differ)
        // The picks' other notes (a decode saving read as an upper bound) are `SettingCaveatsTests`'.
        #expect(t.pickNotes.filter { $0.contains("misses the") || $0.contains("disaggregated prefill and decode") }.count == (differ ? 1 : 0))
    }
}
