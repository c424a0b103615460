import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// A long-context operator's sweeps (2026-12-07 probe): a point past the model's context window,
/// the KV cache precision as a grid list, and the step budget as a file setting.
@Suite struct SweepLongContextTests {
    func spec(_ grid: String, input: Int = 1000, output: Int = 300, top: String = "") throws -> SweepSpec {
        try SweepSpec.read(Data(#"{"schemaVersion": 1, "input": \#(input), "output": \#(output)\#(top), "grid": {\#(grid)}}"#.utf8), file: "s.json")
    }

    /// A point longer than its model's window is priced with its note but is never on the
    /// frontier: gemma-3-1b-it (32,768 tokens) at 60,000 + 300 had been the probe's one frontier point.
    @Test func aPointPastTheContextWindowIsNeverOnTheFrontier() throws {
        let s = try spec(#""model": ["meta-llama/Llama-3.1-8B-Instruct", "google/gemma-3-1b-it"], "gpu": ["h100-sxm"], "maxBatch": [64]"#,
                         input: 60000)
        let points = try Sweep.run(s, estimator: Estimator(), workers: 1)
        let gemma = try #require(points.first { $0.request.model.lowercased().contains("gemma") })
        let llama = try #require(points.first { $0.request.model.lowercased().contains("llama") })
        #expect(gemma.error == nil && gemma.overContext && !gemma.pareto && gemma.whPerQuery > 0)
        #expect(gemma.notes.contains { $0.contains("32768-token context window") } && gemma.notes.contains { $0.hasPrefix("never on the frontier") })
        #expect(llama.pareto && !llama.overContext)
    }

    /// `kvPrecision` is a grid list like `precision`: each point runs its own, a null the
    /// deployment's default (written resolved), and a null beside that default is left out as a repeat.
    @Test func theKVPrecisionIsAGridList() throws {
        let s = try spec(#""model": ["meta-llama/Llama-3.1-8B-Instruct"], "gpu": ["h100-sxm"], "precision": ["bf16"], "kvPrecision": [null, "fp8", "bf16"], "maxBatch": [64]"#,
                         input: 30000)
        #expect(s.pointCount == 3 && s.point(1).request.kvPrecision == .fp8 && s.point(0).request.kvPrecision == nil)
        let points = try Sweep.run(s, estimator: Estimator(), workers: 1)
        #expect(points.map(\.index) == [0, 1], "bf16 repeats null's default: \(points.map(\.index))")
        #expect(points.map(\.kvPrecision) == [.bf16, .fp8])
        #expect(points[1].effectiveBatch > points[0].effectiveBatch, "an FP8 cache holds more sequences")
        let rows = Sweep.csv(points).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let column = try #require(Sweep.csvHeader.firstIndex(of: "kv_precision"))
        #expect(rows.dropFirst().map { String($0[column]) } == ["bf16", "fp8"])
        let note = try #require(SweepRepeats(s, models: Estimator().models, gpus: Estimator().gpus).note(file: "s.json"))
        #expect(note.contains("grid.kvPrecision[2] bf16") && note.contains("grid.kvPrecision[0] null"), "\(note)")
        // At the top level it is refused with where it goes.
        #expect(throws: InputError.self) {
            try SweepSpec.read(Data(#"{"schemaVersion": 1, "input": 1, "output": 1, "kvPrecision": ["fp8"], "grid": {"model": ["m"], "gpu": ["g"]}}"#.utf8), file: "s.json")
        }
    }

    /// `tokenBudget` at the top level sets every point's step budget, as `estimate --token-budget`.
    @Test func theTokenBudgetSetsEveryPointsStep() throws {
        let grid = #""model": ["meta-llama/Llama-3.1-8B-Instruct"], "gpu": ["h100-sxm"], "maxBatch": [64]"#
        let small = try spec(grid, input: 8000, top: #", "tokenBudget": 2048"#), plain = try spec(grid, input: 8000)
        #expect(small.tokenBudget == 2048 && plain.tokenBudget == nil)
        let a = try #require(try Sweep.run(small, estimator: Estimator(), workers: 1).first)
        let b = try #require(try Sweep.run(plain, estimator: Estimator(), workers: 1).first)
        let e = Estimator(), d = try e.deployment(small.point(0).request)
        let r = ServingRequest(batch: 64, inputTokens: 8000, outputTokens: 300, tokenBudget: 2048)
        #expect(approx(a.ttftMs, try e.serve(d, r).timeToFirstToken.seconds * 1000, rel: 1e-9))
        #expect(a.ttftMs > b.ttftMs, "four chunks of 2,048 where the default budget takes one step")
        #expect(throws: InputError.self) { try spec(grid, top: #", "tokenBudget": 0"#) }
    }
}
