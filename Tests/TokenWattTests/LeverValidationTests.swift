import Foundation
import Testing
import KernelPower
@testable import TokenWatt

@Suite struct LeverValidationTests {
    func record(_ setting: [String: String], measured: Double, predicted: Double, metric: String = "j_per_token",
                estimator: String = "tokenwatt") -> ValidationRecord {
        ValidationRecord(dataset: "d", gpu: setting["gpu"] ?? "g", group: "f", metric: metric, estimator: estimator, label: "r",
                         measured: measured, predicted: predicted, setting: setting)
    }

    func run(gpu: String, batch: Int) -> [String: String] {
        ["campaign": "c", "model": "m", "gpu": gpu, "batch": String(batch), "task": "chat"]
    }

    /// Runs that differ in one setting pair up: neighbouring batches (8 → 16 → 32, not 8 → 32,
    /// and in numeric order, so 8 before 16), every two GPUs; repeats are averaged; other
    /// estimators, other metrics and runs without a setting are left out.
    @Test func pairsRunsThatDifferInOneLever() throws {
        let records = [
            record(run(gpu: "a", batch: 16), measured: 1.0, predicted: 1.1),
            record(run(gpu: "a", batch: 8), measured: 2.0, predicted: 2.0),
            record(run(gpu: "a", batch: 8), measured: 2.0, predicted: 2.4),  // a repeat: averages to 2.2
            record(run(gpu: "a", batch: 32), measured: 0.6, predicted: 0.55),
            record(run(gpu: "b", batch: 8), measured: 1.0, predicted: 1.21),
            record(run(gpu: "b", batch: 8), measured: 9, predicted: 9, estimator: "tdp-time"),
            record(run(gpu: "b", batch: 8), measured: 9, predicted: 9, metric: "power_w_per_gpu"),
            ValidationRecord(dataset: "d", gpu: "b", group: "f", metric: "j_per_token", label: "no setting", measured: 5, predicted: 1),
        ]
        let pairs = LeverValidation.pairs(records)
        let batch = pairs.filter { $0.lever == "batch" }
        #expect(batch.map { "\($0.from)→\($0.to)" } == ["8→16", "16→32"])
        #expect(abs(batch[0].measuredRatio - 0.5) < 1e-12 && abs(batch[0].predictedRatio - 0.5) < 1e-12 && abs(batch[0].error) < 1e-12)
        #expect(abs(batch[1].error - (0.5 / 0.6 - 1)) < 1e-12)
        let gpu = try #require(pairs.first { $0.lever == "gpu" })
        #expect(gpu.from == "a" && gpu.to == "b" && abs(gpu.measuredRatio - 0.5) < 1e-12 && abs(gpu.predictedRatio - 0.55) < 1e-12)
        #expect(gpu.shared == "batch=8, campaign=c, model=m, task=chat")
        #expect(!pairs.contains { $0.lever == "campaign" || $0.lever == "task" || $0.lever == "model" })
        #expect(pairs.count == 3)
    }

    /// The summary: mean and median absolute error, the signed bias, and the direction counted
    /// only where the measured change is at least 5 %.
    /// A lever's range for serving reads its serving pairs where there are 10 or more: the FP8
    /// lever's had read 72 FP32 → BF16 forward passes beside 11 serving pairs, and came out
    /// narrower than those 11 alone. Forward passes still set a lever that has no serving pairs.
    @Test func servingPairsAloneSetALeversRangeWhereThereAreEnough() throws {
        func pair(_ lever: String, _ campaign: String, _ error: Double) -> LeverValidation.Pair {
            LeverValidation.Pair(lever: lever, campaign: campaign, from: "a", to: "b", shared: "", measuredRatio: 0.8, predictedRatio: 0.8 * (1 + error))
        }
        var pairs: [LeverValidation.Pair] = (0..<11).map { pair("precision", "mlenergy-v3", Double($0) * 0.02 - 0.1) }
        pairs += Array(repeating: pair("precision", "energaizer-dvfs", 0), count: 72)
        pairs += Array(repeating: pair("batch", "argonne", 0.01), count: 9)
        pairs += Array(repeating: pair("batch", "energaizer-fixed", 0), count: 40)
        pairs += Array(repeating: pair("clock", "energaizer-dvfs", 0.02), count: 30)
        let kept = LeverValidation.servingFirst(pairs)
        #expect(kept.filter { $0.lever == "precision" }.allSatisfy { $0.campaign == "mlenergy-v3" })
        #expect(kept.filter { $0.lever == "batch" }.count == 49 && kept.filter { $0.lever == "clock" }.count == 30)
        let precision = try #require(LeverValidation.summarize(kept, pooled: true).first { $0.lever == "precision" })
        #expect(precision.campaign == "mlenergy-v3" && precision.errorP5 < -0.05)
        #expect(ErrorBands.bundled.lever("precision")?.campaign == "mlenergy-v3")
    }

    @Test func summarizesErrorAndDirection() throws {
        func pair(_ m: Double, _ p: Double) -> LeverValidation.Pair {
            LeverValidation.Pair(lever: "batch", campaign: "c", from: "1", to: "2", shared: "", measuredRatio: m, predictedRatio: p)
        }
        let rows = LeverValidation.summarize([pair(0.5, 0.55), pair(0.8, 0.72), pair(1.02, 0.98), pair(1.5, 0.9)])
        let r = try #require(rows.first)
        #expect(rows.count == 1 && r.pairs == 4 && r.decisivePairs == 3)
        #expect(abs((r.sameDirection ?? 0) - 2.0 / 3) < 1e-12)  // 1.5 → 0.9 goes the wrong way
        let errors = [0.1, -0.1, 0.98 / 1.02 - 1, -0.4]
        #expect(abs(r.mape - errors.map(abs).reduce(0, +) / 4) < 1e-12 && abs(r.bias - errors.reduce(0, +) / 4) < 1e-12)
        #expect(abs(r.medianAPE - 0.1) < 1e-12)
    }

    /// On the shared data, every controlled lever the data sets hold is scored: batch on ML.ENERGY
    /// v3, GPU generation on Argonne and ML.ENERGY v1, the clock on EnergAIzer's sweep.
    @Test(.enabled(if: sharedData != nil)) func sharedDataScoresTheLevers() throws {
        let suite = try ValidationSuite.run(dataDirectory: try #require(sharedData))
        let rows = ValidationReport(suite: suite, generalization: []).levers
        for (lever, campaign) in [("batch", "mlenergy-v3"), ("gpu", "argonne"), ("gpu", "mlenergy-v1"), ("clock", "energaizer-dvfs"),
                                  ("framework", "argonne"), ("precision", "mlenergy-v3"), ("gpus", "mlenergy-v3")] {
            let row = try #require(rows.first { $0.lever == lever && $0.campaign == campaign }, "\(lever) \(campaign)")
            #expect(row.pairs >= 10 && row.mape.isFinite && row.sameDirection != nil, "\(lever) \(campaign)")
        }
        // The same pairs on latency: median ITL on ML.ENERGY v3, time per pass on EnergAIzer.
        let latency = ValidationReport(suite: suite, generalization: []).latencyLevers
        #expect(latency.contains { $0.lever == "batch" && $0.campaign == "mlenergy-v3" && $0.pairs >= 100 })
        #expect(latency.contains { $0.lever == "clock" && $0.campaign == "energaizer-dvfs" })
        #expect(latency.contains { $0.lever == "gpus" && $0.campaign == "splitwise" && $0.pairs >= 100 })
    }

    /// A fleet lever of one measured kind cites how well such changes were predicted; a lever of
    /// another kind, or of several at once, cites nothing.
    @Test func fleetLeversCiteTheMeasuredAccuracyOfTheirKind() throws {
        let levers = #""levers": [{"name": "fp8", "precision": "fp8"}, {"name": "b16", "maxBatch": 16}, "#
            + #"{"name": "both", "precision": "fp8", "maxBatch": 16}, {"name": "cache", "prefixCacheHit": 0.5}]"#
        let r = try runWorkload(kernelWorkload(extra: levers), samples: 300)[0]
        func measured(_ name: String) -> LeverValidation.Row? { r.levers.first { $0.name == name }?.measured }
        #expect(measured("fp8") == ErrorBands.bundled.lever("precision") && measured("fp8") != nil)
        #expect(measured("b16")?.lever == "batch" && measured("both") == nil && measured("cache") == nil)
        let text = FleetRendering.text(try readWorkload(kernelWorkload()), [r])
        #expect(text.contains("across the measured error of precision changes: ") && text.contains("the right way in"))
        // The saving's range brackets it, and none is given where nothing was measured.
        for l in r.levers {
            if let range = l.savingRange { #expect(range.low <= l.saving && l.saving <= range.high, "\(l.name)") }
            #expect((l.savingRange == nil) == (l.measured == nil), "\(l.name)")
        }
    }

    /// A day of no queries still prices each lever per query: no NaN saving (once "costs null %"),
    /// and provisions no GPUs.
    @Test func leversOfADayWithoutQueriesArePricedPerQuery() throws {
        let text = kernelWorkload(extra: #""levers": [{"name": "fp8", "precision": "fp8"}]"#)
            .replacingOccurrences(of: #""queriesPerDay": 1e7"#, with: #""queriesPerDay": 0"#)
        let r = try runWorkload(text, samples: 300)[0]
        let fp8 = try #require(r.levers.first), range = try #require(fp8.savingRange)
        #expect(r.gwhPerDay == 0 && fp8.saving.isFinite && fp8.saving > 0 && range.low.isFinite && range.high.isFinite)
        // No traffic, no fleet: a replica kept for it drew power no day's total counted (12 GPUs, 0.0122 MW).
        #expect(r.gpus == 0 && r.facilityMegawatts == 0 && r.idleGWhPerDay == 0)
        let out = FleetRendering.text(try readWorkload(text), [r]) + JSONWriter(sortKeys: false).write(FleetRendering.scenarioJSON(r))
        #expect(!out.contains("null %") && !out.lowercased().contains("nan"))
    }

    /// At the GPU boundary every Wh moves with GPU energy, so the lever's day at an error e of its
    /// kind is its predicted day ÷ (1 + e), exactly.
    @Test func aLeversSavingRangeDividesItsGPUEnergyByTheMeasuredError() throws {
        let text = kernelWorkload(extra: #""boundary": "gpu", "levers": [{"name": "fp8", "precision": "fp8"}]"#)
        let r = try runWorkload(text, samples: 300)[0]
        let fp8 = try #require(r.levers.first), m = try #require(fp8.measured), range = try #require(fp8.savingRange)
        #expect(abs(r.gpuProportionalWhPerQuery - r.whPerQuery.mean) <= 1e-12 * r.whPerQuery.mean)
        #expect(abs(range.low - (1 - fp8.gwhPerDay / (1 + m.errorP5) / r.gwhPerDay)) < 1e-12)
        #expect(abs(range.high - (1 - fp8.gwhPerDay / (1 + m.errorP95) / r.gwhPerDay)) < 1e-12)
    }

    /// The bundled file holds every kind of lever the shared data measures, and reads back.
    @Test func bundledLeversRoundTrip() throws {
        let bands = ErrorBands.bundled
        for lever in ["batch", "gpu", "gpus", "precision", "framework", "clock", "model"] {
            let row = try #require(bands.lever(lever), "\(lever)")
            #expect(row.pairs > 0 && row.mape >= 0 && row.campaign.isEmpty == false)
        }
        let again = try ErrorBands.read(Data(bands.json().utf8), file: "error-bands.json")
        #expect(again.levers == bands.levers)
    }

    /// The bundled file knows the runs it was read from, and names what changed when the data
    /// holds others (held-back rows dropped in) rather than failing as stale.
    @Test func bundledFileNamesTheRunsItPredates() throws {
        let bands = ErrorBands.bundled
        #expect(!bands.runsByDataSet.isEmpty && bands.staleness(against: bands.runsByDataSet) == nil)
        var more = bands.runsByDataSet
        more["mlenergy-v3/b200"] = 22
        more["mlenergy-v3/h100-sxm", default: 0] += 1
        let words = try #require(bands.staleness(against: more))
        #expect(words.contains("mlenergy-v3/b200 0 → 22") && words.contains("mlenergy-v3/h100-sxm \(bands.runsByDataSet["mlenergy-v3/h100-sxm"] ?? 0) → "))
    }
}
