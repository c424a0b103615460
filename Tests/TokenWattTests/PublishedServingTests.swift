import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// Published serving energy of runs not in ../shared/data: the B200 forecast, checked before any
/// held-back row is seen.
@Suite struct PublishedServingTests {
    static let estimator = Estimator()

    /// Every published point is forecast within 25 % (the bundled model: 2.6, 21.8 and 5.1 %).
    @Test(arguments: PublishedServing.bundled.indices)
    func publishedPointIsForecast(_ i: Int) throws {
        let p = PublishedServing.bundled[i]
        let r = PublishedServing.run(estimator: Self.estimator, points: [p])
        let record = try #require(r.records.first, "\(p.label): \(r.skipped)")
        #expect(record.dataset == "published-serving" && record.metric == "j_per_token")
        #expect(abs(record.predicted / p.joulesPerOutputToken - 1) < 0.25,
                "\(p.label): \(record.predicted) J/token against \(p.joulesPerOutputToken) published")
    }

    /// The source's own ordering holds: more sequences cost less per token, and long reasoning
    /// answers cost more per token than chat answers at the same batch.
    @Test func forecastsKeepThePublishedOrder() throws {
        let r = PublishedServing.run(estimator: Self.estimator)
        func predicted(_ label: String) throws -> Double {
            try #require(r.records.first { $0.label.contains(label) }).predicted
        }
        #expect(try predicted("text conversation, batch 512") < predicted("text conversation, batch 128"))
        #expect(try predicted("problem solving, batch 128") > predicted("text conversation, batch 128"))
    }

    /// The catalog is read strictly, and a point naming an unknown model is listed as not
    /// estimated with the closest ids.
    @Test func catalogIsReadStrictlyAndUnknownModelsAreSkipped() {
        let typo = #"{"schemaVersion": 1, "points": [{"label": "x", "model": "Qwen/Qwen3-32B", "gpu": "b200", "gpus": 1, "batch": 8, "inputTokens": 10, "outputTokens": 10, "joulesPerToken": 0.2, "source": "x"}]}"#
        do {
            _ = try PublishedServing.load(Data(typo.utf8), file: "s.json")
            Issue.record("misspelt key accepted")
        } catch {
            #expect("\(error)".contains("points[0]"))
        }
        let p = PublishedServing.Point(label: "typo", model: "Qwen/Qwen3-33B", gpu: "b200", gpus: 1, batch: 8, inputTokens: 10,
                                       outputTokens: 10, joulesPerOutputToken: 0.2, source: "test")
        let r = PublishedServing.run(estimator: Self.estimator, points: [p])
        #expect(r.records.isEmpty && r.skipped.count == 1)
        #expect(r.skipped[0].reason.contains("Qwen3-32B"))
    }
}
