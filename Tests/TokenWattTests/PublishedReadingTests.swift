import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// Published points read off the ML.ENERGY v3.0 post are runs of the benchmark whose B200 rows
/// ../shared/data holds back: a band built on them is in sample and says so, and once the rows
/// are dropped in, the points give way to them so no run is scored or banded twice.
@Suite struct PublishedReadingTests {
    static let estimator = Estimator()

    /// The B200 band is built on the 64 J/token points it is scored against (min–max, so it held
    /// them all): its file, its caveat and validate's table call them in sample.
    @Test func theB200BandSaysItsRunsAreInSample() throws {
        let b = ErrorBands.bundled.band(for: "b200")
        #expect(b.readRuns == b.runs && b.readFrom == ["mlenergy-v3"], "\(b.readRuns) of \(b.runs)")
        let text = ErrorBands.bundled.caveat(for: try Self.estimator.gpus.gpu("b200"), catalog: Self.estimator.gpus)
        #expect(text.contains("in sample: its \(b.runs) runs are mlenergy-v3 runs read off their publication's figures"), "\(text)")
        // A band with no such runs says nothing of them.
        #expect(!ErrorBands.bundled.caveat(for: try Self.estimator.gpus.gpu("h100-sxm"), catalog: Self.estimator.gpus).contains("in sample:"))
    }

    /// Every ML.ENERGY point of the bundled catalog names the data set its run belongs to; no other does.
    @Test func everyMLEnergyPointNamesItsDataSet() {
        let read = PublishedServing.bundled.filter { $0.runsOf == "mlenergy-v3" }
        #expect(read.count == 75 && read.allSatisfy { $0.gpu == "b200" })
        #expect(PublishedServing.bundled.filter { $0.runsOf == nil }.allSatisfy { !$0.source.contains("ML.ENERGY Leaderboard v3.0") })
    }

    @Test func aPointOfAnUnknownDataSetIsRefused() {
        let text = #"{"schemaVersion": 1, "points": [{"label": "x", "model": "Qwen/Qwen3-8B", "gpu": "b200", "gpus": 1, "batch": 8, "#
            + #""inputTokens": 100, "outputTokens": 100, "joulesPerOutputToken": 0.2, "runsOf": "mlenergy-v9", "source": "s"}]}"#
        #expect { try PublishedServing.load(Data(text.utf8), file: "points.json") } throws: { "\($0)".contains("runsOf") }
    }

    /// A data directory whose ML.ENERGY v3 export holds a B200 row: the post's B200 points are left
    /// out with a note, other B200 points (InferenceMAX, vllm bench serve) are still scored, and
    /// the bands count only the export's row.
    @Test(.enabled(if: sharedData != nil)) func heldBackRowsReplaceThePointsReadOffTheirPublication() throws {
        let dir = try HeldBackRowTests.dataDirectory("mlenergy-benchmark-v3/llm_runs.csv", tag: "readings-") { first in
            [first.replacingOccurrences(of: ",H100,", with: ",B200,")]
        }
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let v3 = try MLEnergyValidation.run(dataDirectory: dir, estimator: Self.estimator)
        let held = Set(v3.records.map { "\($0.dataset)/\($0.gpu)" })
        #expect(held.contains("mlenergy-v3/b200"))
        let before = PublishedServing.run(estimator: Self.estimator)
        let after = PublishedServing.run(estimator: Self.estimator, held: held)
        #expect(before.records.contains { $0.readFrom == "mlenergy-v3" && $0.metric == "j_per_token" })
        #expect(!after.records.contains { $0.readFrom != nil })
        #expect(after.records.contains { $0.gpu == "b200" && $0.readFrom == nil && $0.metric == "tokens_per_s" })
        #expect(after.notes.contains { $0.hasPrefix("75 points read off the publication of mlenergy-v3/b200 runs are not scored") })
        let bands = ErrorBands.compute(from: v3.records + after.records, fitted: ["h100-sxm"])
        #expect(bands.forecast.readRuns == 0 && bands.bands.allSatisfy { $0.readRuns == 0 })
        #expect((v3.records + after.records).filter { $0.gpu == "b200" && $0.metric == "j_per_token" && $0.estimator == "tokenwatt" }
            .allSatisfy { $0.dataset == "mlenergy-v3" })
    }
}
