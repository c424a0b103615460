import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// Every command that prices an AMD deployment carries the AMD caveat and, where it prints the
/// error band, the band's "holds no AMD GPU". A 2026-12-07 AMD operator's probe found them in
/// estimate's text, fleet, sweep, diagnose and capacity, but not in power (text and JSON), tune,
/// kernels, trace or export-sql, and estimate's JSON range block read as an H200's.
@Suite struct AMDCaveatReachTests {
    static let estimator = Estimator()
    static let amd = PublishedServing.amdServingCaveat
    static let pool = "mi300x has no band of its own and takes the pool's, which holds no AMD GPU"

    static func deployment(_ gpu: String, model: String = "meta-llama/Llama-3.1-8B-Instruct", gpus: Int = 1) throws -> Deployment {
        try estimator.deployment(DeploymentRequest(model: model, gpu: gpu, gpus: gpus, precision: .fp8))
    }

    @Test(arguments: ["mi355x", "mi300x"]) func powerSaysTheGap(gpu: String) throws {
        let plan = try PowerPlan(estimator: Self.estimator, deployment: try Self.deployment(gpu),
                                 inputs: .init(batch: 64, inputTokens: 1000, outputTokens: 500))
        #expect(plan.text().contains(Self.amd))
        #expect(JSONWriter().write(plan.specJSON()).contains("read AMD estimates as optimistic"))
        let h100 = try PowerPlan(estimator: Self.estimator, deployment: try Self.deployment("h100-sxm"),
                                 inputs: .init(batch: 64, inputTokens: 1000, outputTokens: 500))
        #expect(!h100.text().contains(Self.amd))
    }

    @Test func tuneSaysTheGap() throws {
        let t = try Tuning(estimator: Self.estimator,
                           base: DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "mi300x", gpus: 1, precision: .fp8),
                           serving: ServingRequest(batch: 16, inputTokens: 500, outputTokens: 200), targets: .init(), steps: 2)
        #expect(t.notes.contains(Self.amd))
        #expect(t.text().contains(Self.amd))
    }

    @Test func kernelsSayTheGap() throws {
        let d = try Self.deployment("mi300x")
        let listing = try KernelListing(estimator: Self.estimator, deployment: d, serving: ServingRequest(batch: 16, inputTokens: 500, outputTokens: 200),
                                        pass: .decode)
        #expect(listing.notes.contains(Self.amd))
        #expect(listing.text().contains(Self.amd))
    }

    @Test func traceSaysTheGapAndThePool() throws {
        let d = try Self.deployment("mi300x")
        let requests = (0..<40).map { TraceRequest(timestamp: Double($0), inputTokens: 800, outputTokens: 200) }
        var replay = try TraceReplay(estimator: Self.estimator, deployment: d, options: .init(), sample: requests)
        var summary = TraceSummary()
        var rows = requests.makeIterator()
        try replay.price(all: { rows.next() }, into: &summary)
        let range = try #require(replay.totalRange(summary))
        let text = summary.text(deployment: d, options: .init(), file: "t.csv", range: range)
        #expect(text.contains(Self.amd) && text.contains(Self.pool), "\(text)")
        let json = JSONWriter().write(summary.json(options: .init(), range: range, caveats: PublishedServing.servingCaveats(for: d)))
        #expect(json.contains("read AMD estimates as optimistic") && json.contains("which holds no AMD GPU"))
    }

    @Test func exportSQLSaysTheGapAndThePool() throws {
        let d = try Self.deployment("mi300x")
        let f = try TokenFormula(estimator: Self.estimator, deployment: d, batch: 16, input: 1000, output: 250,
                                 settings: try LedgerSettings(), boundary: .facility)
        let sql = try SQLExport(formula: f, dialect: .duckdb).sql()
        #expect(sql.contains("-- caveat: " + Self.amd))
        #expect(sql.contains(Self.pool))
    }

    /// estimate's JSON range block carries the band's caveat, which its text gives.
    @Test func estimateRangeJSONSaysThePool() throws {
        let d = try Self.deployment("mi300x")
        let e = try QueryEstimate(estimator: Self.estimator, deployment: d, request: ServingRequest(batch: 16, inputTokens: 500, outputTokens: 200),
                                  settings: try LedgerSettings())
        #expect(e.json()["range"]?["caveat"] == .string(e.range?.caveat ?? "-"))
        #expect(e.range?.caveat.contains("which holds no AMD GPU") == true)
        #expect(e.csvRow().contains { $0.contains("read AMD estimates as optimistic") })
        #expect(e.csvRow()[QueryEstimate.csvHeader.firstIndex(of: "range_caveat") ?? 0].contains("which holds no AMD GPU"))
        #expect(QueryEstimate.csvHeader.last == "range_caveat" && e.csvRow().count == QueryEstimate.csvHeader.count)
    }
}
