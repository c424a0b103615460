import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// The issues' accuracy targets, as `validate` publishes them.
@Suite struct AccuracyTargetTests {
    static func row(_ dataset: String, _ gpu: String, _ metric: String, mape: Double, estimator: String = "tokenwatt") -> ValidationSummaryRow {
        ValidationSummaryRow(dataset: dataset, gpu: gpu, group: "all", metric: metric, estimator: estimator,
                             metrics: ErrorMetrics(predicted: [1 + mape], measured: [1]))
    }

    /// A target holds each GPU's row of the metrics it names, at its limit inclusive; baselines and
    /// other metrics are not held to it.
    @Test func checksTheNamedRowsAgainstTheLimit() throws {
        let rows = [Self.row("mlenergy-v3", "h100-sxm", "j_per_token", mape: 0.119),
                    Self.row("mlenergy-v3", "b200", "j_per_token", mape: 0.125),
                    Self.row("mlenergy-v3", "h100-sxm", "j_per_token", mape: 0.5, estimator: "tdp-time"),
                    Self.row("mlenergy-v3", "h100-sxm", "itl_ms", mape: 0.5),
                    Self.row("splitwise", "h100-80gb", "prefill_ms", mape: 0.412)]
        let checks = AccuracyTarget.check(rows)
        #expect(checks.map { "\($0.row.dataset) \($0.row.gpu) \($0.met)" } == ["mlenergy-v3 h100-sxm true", "mlenergy-v3 b200 false",
                                                                              "splitwise h100-80gb false"])
        let summary = AccuracyTarget.summary(checks)
        #expect(summary.hasPrefix("1 of 3 met; not met: mlenergy-v3 b200 j_per_token 12.5 % (target 12 %)"))
        #expect(try #require(checks.last).target.whenMissed?.contains("methodology") == true)
    }

    /// The targets the bundled model meets on the shared data stay met: ML.ENERGY v3 within 12 %,
    /// Argonne (vLLM and TensorRT-LLM) and MLPerf Power within 15 %. (Splitwise's latencies are not
    /// met, docs/methodology.md §7.) Each (data set, GPU) keeps at least the runs pinned here (fewer
    /// is the estimator no longer pricing some) and is held to its target on them; one that has
    /// gained runs (held-back rows dropped in) is scored by `validate`, and a miss here shows as a
    /// known issue. (Any change of a row's count had turned its check off.)
    @Test(.enabled(if: sharedData != nil)) func bundledModelMeetsTheServingTargets() throws {
        let e = Estimator()
        let records = try MLEnergyValidation.run(dataDirectory: sharedData!, estimator: e).records
            + ArgonneValidation.run(dataDirectory: sharedData!, estimator: e).records
            + MLPerfValidation.run(dataDirectory: sharedData!, estimator: e).records
        let checks = AccuracyTarget.check(ValidationSummary.summarize(records, byGroup: false))
        let runs = ["mlenergy-v3 h100-sxm": 274, "argonne a100-sxm-40gb": 8, "argonne h100-sxm": 8, "argonne/trtllm a100-sxm-40gb": 8,
                    "argonne/trtllm gh200": 8, "argonne/trtllm h100-sxm": 8, "mlperf-power h100-sxm": 8, "mlperf-power h200": 6]
        let present = checks.filter { runs["\($0.row.dataset) \($0.row.gpu)"] != nil }
        #expect(present.count == 2 + 3 * 5 + 2 * 2)
        for c in present {
            let key = "\(c.row.dataset) \(c.row.gpu)", n = c.row.metrics.n, pinned = runs[key] ?? 0
            let label = "\(key) \(c.row.metric) \(formatPercent(c.row.metrics.mape)) on \(n) runs"
            #expect(n >= pinned, "\(label): \(pinned) pinned, so runs are no longer scored")
            if n > pinned {
                withKnownIssue("\(key) has \(n) runs, \(pinned) pinned: held-back rows dropped in", isIntermittent: true) {
                    #expect(c.met, "\(label)")
                }
            } else {
                #expect(c.met, "\(label)")
            }
        }
    }
}
