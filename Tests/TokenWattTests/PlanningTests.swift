import Foundation
import KernelPower
import Testing
@testable import TokenWatt

@Suite struct GenericArchitectureTests {
    @Test(arguments: [1e9, 8e9, 70e9, 405e9, 1.2e12])
    func matchesTheRequestedSize(n: Double) throws {
        let m = try GenericArchitecture.decoder(parameters: n, precision: .bf16)
        #expect(abs(m.totalParams / n - 1) < (n < 3e9 ? 0.35 : 0.05), "\(m.totalParams) for \(n)")
        #expect(m.heads % m.kvHeads == 0 && m.heads * m.headDim == m.hiddenSize)
    }

    @Test func eightBillionLooksLikeLlama8B() throws {
        let m = try GenericArchitecture.decoder(parameters: 8e9, precision: .bf16)
        #expect(m.hiddenSize == 4096 && (30...34).contains(m.layers), "\(m.layers) × \(m.hiddenSize)")
    }

    /// The refusal names `--params`, the value and the range (any error had passed).
    static func refuses(_ n: Double, saying value: String) {
        #expect { try GenericArchitecture.decoder(parameters: n, precision: .bf16) } throws: { error in
            "\(error)".hasPrefix("--params: field 'params' has value \(value); expected \(GenericArchitecture.parameterRangeText)")
        }
    }

    @Test func refusesNonsense() {
        Self.refuses(1000, saying: "1000")
        Self.refuses(.nan, saying: "nan")
    }

    /// Below 1e9 the count is built near the request (4e8–6e8 had been one layer × 2048 of
    /// 0.58B, up to +45 %), and below the smallest build it is refused (1e8 and 2e8 had been
    /// built as 0.278B under the labels "100M" and "200M").
    @Test(arguments: [3e8, 4e8, 5e8, 6e8, 7e8, 9e8])
    func smallCountsAreBuiltNearTheRequest(n: Double) throws {
        let m = try GenericArchitecture.decoder(parameters: n, precision: .bf16)
        #expect(abs(m.totalParams / n - 1) < 0.03, "\(m.layers) × \(m.hiddenSize): \(m.totalParams) for \(n)")
    }

    @Test func refusesBelowTheSmallestBuild() throws {
        let smallest = GenericArchitecture.smallestParameters
        #expect(approx(smallest, 2.779e8, rel: 0.001))
        let m = try GenericArchitecture.decoder(parameters: smallest, precision: .bf16)
        #expect(m.layers == 1 && m.hiddenSize == 1024 && approx(m.totalParams, smallest))
        for n in [1e8, 2e8, smallest * 0.99] {
            Self.refuses(n, saying: formatNumber(n))
        }
    }
}

@Suite struct PowerPlanTests {
    func plan(_ model: String, gpus: Int = 1, batch: Int, duty: Double = 0.5, cap: Double? = nil) throws -> PowerPlan {
        let e = Estimator()
        var r = DeploymentRequest(model: model, gpu: "h100-sxm", gpus: gpus)
        r.powerCapWatts = cap
        return try PowerPlan(estimator: e, deployment: try e.deployment(r),
                             inputs: .init(batch: batch, inputTokens: 1000, outputTokens: 1000, dutyCycle: duty, pue: 1.3, pricePerKWh: 0.1))
    }

    @Test func specArithmeticHolds() throws {
        let p = try plan("meta-llama/Llama-3.1-70B-Instruct", gpus: 4, batch: 32)
        #expect(approx(p.coolingBTUPerHour, p.totalWatts * 3.412))
        #expect(approx(p.recommendedPSUWatts, max(p.peakWatts, p.ratedMaximumWatts) * 1.25))
        #expect(p.peakWatts > p.totalWatts && p.totalWatts > p.gpuWatts && p.gpuWatts > p.idleWatts)
        #expect(approx(p.annualKilowattHours, (p.totalWatts * 0.5 + p.idleWatts * 0.5) * 8.76 * 1.3))
        #expect(approx(p.annualCost ?? 0, p.annualKilowattHours * 0.1))
        let spec = JSONWriter().write(p.specJSON())
        for key in ["wattsPerGPU", "totalWatts", "coolingBTUPerHour", "recommendedPSUWatts", "annualKilowattHours", "annualCost", "assumptions"] {
            #expect(spec.contains("\"\(key)\""), "\(key)")
        }
    }

    /// A request whose one sequence does not fit in the KV cache even alone is refused, with
    /// `estimate`'s message (it was priced at batch 1: 69.33 W per L4, 96 % of TDP). 20,000 + 15,000
    /// tokens: under vLLM's 2048-token step budget for an L4 the 15,000 + 12,000 of the probe fit.
    @Test func refusesARequestTheKVCacheCannotHold() throws {
        let e = Estimator()
        let d = try e.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "l4"))
        do {
            _ = try PowerPlan(estimator: e, deployment: d, inputs: .init(batch: 1, inputTokens: 20000, outputTokens: 15000))
            Issue.record("expected a refusal")
        } catch {
            #expect("\(error)".contains("one sequence of 20000+15000 tokens does not fit in the KV cache even alone"), "\(error)")
        }
        // Far past the cache, where the mean context does not fit either, the message is still the
        // full length's (it had been the budget's, at the mean context), with no fp8 hint: an fp8
        // cache would not hold 80,000 tokens either.
        do {
            try KVCacheBudget.requireRoom(ServingRequest(batch: 1, inputTokens: 40000, outputTokens: 40000), on: d)
            Issue.record("expected a refusal")
        } catch {
            #expect("\(error)".contains("at its last token") && !"\(error)".contains("--kv-precision fp8"), "\(error)")
        }
    }

    @Test func verdictFollowsTheShareOfTheLimit() throws {
        for p in [try plan("meta-llama/Llama-3.1-8B-Instruct", batch: 1), try plan("meta-llama/Llama-3.1-70B-Instruct", gpus: 8, batch: 1),
                  try plan("meta-llama/Llama-3.1-70B-Instruct", gpus: 4, batch: 256), try plan("meta-llama/Llama-3.1-8B-Instruct", batch: 64, cap: 300)] {
            let v = p.verdict
            if p.shareOfLimit < 0.5 { #expect(v.hasPrefix("below 50 %")) } else if p.shareOfLimit > 0.9 { #expect(v.hasPrefix("above 90 %")) } else { #expect(v.hasPrefix("between")) }
        }
        let capped = try plan("meta-llama/Llama-3.1-8B-Instruct", batch: 64, cap: 300)
        #expect(capped.wattsPerGPU <= 300 * 1.01 && capped.verdict.contains("power cap"))
        // JSON gives the share the verdict judges and the limit in watts beside shareOfTDP (a
        // consumer saw 0.41 next to "above 90 % of the power cap").
        guard case let .object(pairs) = capped.specJSON() else { Issue.record("not an object"); return }
        let keys = Dictionary(pairs.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        #expect(keys["powerLimitWatts"] == .number(300) && keys["shareOfPowerLimit"] == .number(capped.wattsPerGPU / 300))
        #expect(keys["shareOfTDP"] == .number(capped.wattsPerGPU / 700))
        // A low locked clock, not the batch, is what holds the power down (the verdict blamed the batch).
        let e = Estimator()
        var r = DeploymentRequest(model: "meta-llama/Llama-3.1-70B-Instruct", gpu: "h100-sxm", gpus: 4)
        r.smClockMHz = 600
        let slow = try PowerPlan(estimator: e, deployment: try e.deployment(r),
                                 inputs: .init(batch: 8, inputTokens: 1000, outputTokens: 1000, dutyCycle: 0.5, pue: 1.3, pricePerKWh: nil))
        #expect(slow.shareOfLimit < 0.5 && slow.verdict.contains("SM clock locked at 600 MHz"), "\(slow.verdict)")
    }

    /// JSON carries the text's throughput line and the batch that runs, named as `estimate
    /// --format json` names them: the text printed 1699 output tokens/s and 0.291 J per output
    /// token, and the JSON (the --spec document) had neither.
    @Test func jsonCarriesTheThroughputTheTextPrints() throws {
        let p = try plan("meta-llama/Llama-3.1-8B-Instruct", batch: 16)
        guard case let .object(pairs) = p.specJSON() else { Issue.record("not an object"); return }
        let keys = Dictionary(pairs.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        #expect(keys["outputTokensPerSecond"] == .number(p.serving.outputTokensPerSecond))
        #expect(keys["joulesPerOutputToken"] == .number(p.serving.energyPerOutputToken.joules))
        #expect(keys["effectiveBatch"] == .number(Double(p.serving.effectiveBatch)) && keys["requestedBatch"] == .number(16))
    }

    /// A locked clock's watts come from the same estimate as `estimate`'s, so they carry its
    /// caveats: at 600 MHz on an H100 (159 W per GPU) power said nothing of the decode saving
    /// beyond the largest measured, nor that the measured error is at default clocks.
    @Test func aLockedClockCarriesEstimatesCaveats() throws {
        let e = Estimator()
        var r = DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm")
        let serving = ServingRequest(batch: 16, inputTokens: 500, outputTokens: 200)
        let free = try PowerPlan(estimator: e, deployment: try e.deployment(r), inputs: .init(batch: 16, inputTokens: 500, outputTokens: 200))
        r.smClockMHz = 600
        let locked = try PowerPlan(estimator: e, deployment: try e.deployment(r), inputs: .init(batch: 16, inputTokens: 500, outputTokens: 200))
        let estimate = try QueryEstimate(estimator: e, deployment: try e.deployment(r), request: serving, settings: try LedgerSettings())
        let upperBound = try #require(estimate.assumptions.first { $0.hasSuffix("read it as an upper bound") })
        #expect(locked.notes.contains(upperBound) && locked.text().contains(upperBound))
        #expect(locked.notes.contains { $0.contains("default clocks and power limits, not at this clock or cap") })
        guard case let .object(pairs) = locked.specJSON(), case let .array(listed)? = pairs.first(where: { $0.key == "assumptions" })?.value else {
            Issue.record("no assumptions in JSON"); return
        }
        #expect(listed.contains(.string(upperBound)))
        #expect(free.notes.isEmpty && !free.text().contains("upper bound"))
    }
}

@Suite struct TuningTests {
    let base = DeploymentRequest(model: "meta-llama/Llama-3.1-70B-Instruct", gpu: "h100-sxm", gpus: 4)
    let serving = ServingRequest(batch: 64, inputTokens: 1000, outputTokens: 500)

    @Test func bestSettingsMeetTheTargetsAndNeverCostMore() throws {
        let t = try Tuning(estimator: Estimator(), base: base, serving: serving, targets: .init(ttftMs: 1000, itlMs: 60), steps: 6)
        let b = t.baseline
        let p = try #require(t.bestPrefill), d = try #require(t.bestDecode), q = try #require(t.bestQuery)
        #expect(t.boundary == .facility)
        #expect(p.ttftMs <= 1000 && p.joules(.prefill, at: .facility) <= b.joules(.prefill, at: .facility))
        #expect(try #require(d.itlMs) <= 60 && d.joules(.decode, at: .facility) <= b.joules(.decode, at: .facility))
        #expect(try #require(q.itlMs) <= 60 && q.ttftMs <= 1000 && q.joules(.query, at: .facility) <= b.joules(.query, at: .facility))
        #expect(t.points.count == 13)
        #expect(t.svg().components(separatedBy: "class=\"mark\"").count > 20)
    }

    /// A batch that does not fit is priced at what fits, and the header says so (it printed the
    /// 4,096 asked for above figures priced at 296).
    @Test func aBatchThatDoesNotFitIsNamed() throws {
        let t = try Tuning(estimator: Estimator(), base: DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm"),
                           serving: ServingRequest(batch: 4096, inputTokens: 1000, outputTokens: 1000), targets: .init(), steps: 2)
        #expect(t.effectiveBatch < 4096)
        #expect(t.text().contains("batch \(t.effectiveBatch) (requested 4096)") && t.text().contains("does not fit in memory"))
    }

    /// The header named the request, not the deployment: "1 × h100" for tp 2 and for tp 2 × pp 2.
    @Test(arguments: [("meta-llama/Llama-3.1-8B-Instruct", "h100", 2, 1, "2 × h100-sxm"),
                      ("meta-llama/Llama-3.1-70B-Instruct", "h100-sxm", 2, 2, "4 × h100-sxm")])
    func theHeaderNamesTheResolvedDeployment(model: String, gpu: String, tp: Int, pp: Int, expected: String) throws {
        var r = DeploymentRequest(model: model, gpu: gpu)
        r.tensorParallel = tp
        r.pipelineParallel = pp
        let t = try Tuning(estimator: Estimator(), base: r, serving: ServingRequest(batch: 16, inputTokens: 500, outputTokens: 100),
                           targets: .init(), steps: 2)
        #expect(t.text().hasPrefix("TokenWatt tune — \(model) on \(expected), "), "\(t.text().prefix(120))")
    }

    /// Clocks are on the 15 MHz grid, each once, and the top one is boost itself (an L4 at 200
    /// steps repeated 96 rows; the GB200's top row was 2055 MHz against its 2062 boost).
    @Test(arguments: ["l4", "gb200", "rtx-pro-6000-server", "h100-sxm"])
    func clockStepsAreDistinctAndEndAtBoost(gpu: String) throws {
        let boost = try Estimator().gpus.gpu(gpu).boostClock.megahertz
        for n in [2, 12, 200] {
            let clocks = Tuning.clockSteps((0..<n).map { Double($0) / Double(n - 1) }, boost: boost)
            #expect(Set(clocks).count == clocks.count && clocks.last == boost && clocks.allSatisfy { $0 <= boost })
            #expect(clocks.dropLast().allSatisfy { $0.truncatingRemainder(dividingBy: 15) == 0 })
        }
        let t = try Tuning(estimator: Estimator(), base: DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: gpu),
                           serving: ServingRequest(batch: 16, inputTokens: 500, outputTokens: 200), targets: .init(), steps: 3)
        let top = try #require(t.points.last)
        #expect(top.knob == .clock && top.value == boost)
    }

    /// tune minimised GPU energy only: for Llama-3.1-8B on one H100 at batch 16, 500 + 200
    /// tokens, it picked 600 MHz, 0.0346 Wh at the facility, where 1095 MHz costs 0.0314. The
    /// pick is now the least at the boundary asked for (the facility by default), and the GPUs'
    /// own least is still what `--boundary gpu` picks.
    @Test func theBestSettingIsTheLeastAtTheBoundary() throws {
        let e = Estimator()
        let r = DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm")
        let serving = ServingRequest(batch: 16, inputTokens: 500, outputTokens: 200)
        let t = try Tuning(estimator: e, base: r, serving: serving, targets: .init())
        let q = try #require(t.bestQuery), gpu = try #require(t.best(.query, at: .gpu))
        #expect(q.knob == .clock && q.value == 1095 && gpu.knob == .clock && gpu.value == 600)
        for p in t.points { #expect(q.whPerQuery[.facility]! <= p.whPerQuery[.facility]!) }
        #expect(t.text().contains("one setting for both: clock 1095 MHz — 0.03134 Wh per query at the facility"), "\(t.text())")
        #expect(t.text().contains("at the GPUs alone the least is clock 600 MHz (0.00738 Wh"))
        let atGPUs = try Tuning(estimator: e, base: r, serving: serving, targets: .init(), boundary: .gpu)
        #expect(atGPUs.bestQuery?.value == 600 && !atGPUs.text().contains("at the GPUs alone"))
        // Each row's ledger is estimate's, at a PUE given or not; the phases add up to the query.
        var locked = r
        locked.smClockMHz = 1095
        let settings = try LedgerSettings(pue: 1.2)
        let est = try QueryEstimate(estimator: e, deployment: try e.deployment(locked), request: serving, settings: settings)
        let row = try #require(try Tuning(estimator: e, base: r, serving: serving, targets: .init(), settings: settings).points.first { $0.value == 1095 })
        for b in Boundary.allCases {
            #expect(abs(row.whPerQuery[b]! / est.whPerQuery[b]! - 1) < 1e-9)
            #expect(abs(row.joules(.prefill, at: b) + row.joules(.decode, at: b) - row.joules(.query, at: b)) < 1e-9 * row.joules(.query, at: b))
        }
    }

    /// A phase's energy beyond the GPUs is split by what each part scales with: the host's draw
    /// by the phase's GPU time, the PSU loss, idle share and PUE overhead on the GPUs' own
    /// energy by its GPU energy. Split all by time, the picks moved with the boundary: for
    /// Llama-3.1-8B on an H200 at batch 64, 2000 + 300 tokens, decode took 1095 MHz at the nodes
    /// and a 245.5 W cap at the facility (60.09 J, where 1095 MHz costs 1.725 × 34.36 = 59.27 J and
    /// is faster), and the README's 70B prefill saved 16.6 % at the nodes, 11.2 % at the facility.
    @Test(arguments: [("meta-llama/Llama-3.1-8B-Instruct", "h200", 1, 64, 2000, 300, nil, nil),
                      ("meta-llama/Llama-3.1-70B-Instruct", "h100-sxm", 4, 64, 1000, 500, 500.0, 40.0)])
    func nodeITAndFacilityPickTheSameSettings(model: String, gpu: String, gpus: Int, batch: Int, input: Int, output: Int,
                                              ttftMs: Double?, itlMs: Double?) throws {
        let t = try Tuning(estimator: Estimator(), base: DeploymentRequest(model: model, gpu: gpu, gpus: gpus),
                           serving: ServingRequest(batch: batch, inputTokens: input, outputTokens: output), targets: .init(ttftMs: ttftMs, itlMs: itlMs))
        for phase in Tuning.Phase.allCases {
            let node = t.best(phase, at: .node)
            #expect(node != nil && t.best(phase, at: .it) == node && t.best(phase, at: .facility) == node, "\(phase)")
        }
        // Under the default idle share each phase at the facility is its node figure × the query's own ratio.
        for p in t.points {
            let ratio = p.joules(.query, at: .facility) / p.joules(.query, at: .node)
            for phase in [Tuning.Phase.prefill, .decode] {
                #expect(approx(p.joules(phase, at: .facility), ratio * p.joules(phase, at: .node), rel: 1e-9), "\(Tuning.label(p)) \(phase)")
            }
        }
        if gpu == "h200" {
            let decode = try #require(t.bestDecode)
            #expect(decode.knob == .clock && decode.value == 1095, "\(Tuning.label(decode))")
        }
    }

    /// The phases add up to the query at every boundary whatever the idle capacity scales with
    /// (under a busy fraction idle power runs for a multiple of the query's time), and the
    /// facility line, (PUE − 1) × IT, makes each phase PUE × its IT figure (split by time, the
    /// PUE overhead on prefill's energy had gone in part to decode).
    @Test func phasesAddUpUnderABusyFraction() throws {
        let settings = try LedgerSettings(pue: 1.3, utilization: .busyFraction(0.4))
        let t = try Tuning(estimator: Estimator(), base: DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm"),
                           serving: ServingRequest(batch: 16, inputTokens: 500, outputTokens: 200), targets: .init(), steps: 3, settings: settings)
        for p in t.points {
            for b in Boundary.allCases {
                #expect(approx(p.joules(.prefill, at: b) + p.joules(.decode, at: b), p.joules(.query, at: b), rel: 1e-12))
            }
            for phase in [Tuning.Phase.prefill, .decode] {
                #expect(approx(p.joules(phase, at: .facility), 1.3 * p.joules(phase, at: .it), rel: 1e-12), "\(Tuning.label(p)) \(phase)")
            }
        }
    }

    /// On an L4 every clock from 1260 MHz up runs as the power-limited default does, and the
    /// least of those equal figures, by rounding alone, was recommended: "prefill: clock 1650 MHz
    /// — 55.29 J per query at the facility (saves 0.0 %)". A tie keeps the default.
    @Test func aTieWithTheDefaultKeepsTheDefault() throws {
        let t = try Tuning(estimator: Estimator(), base: DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "l4"),
                           serving: ServingRequest(batch: 16, inputTokens: 500, outputTokens: 200), targets: .init())
        let ties = t.points.dropFirst().filter { $0.knob == .clock && approx($0.joules(.prefill, at: .facility), t.baseline.joules(.prefill, at: .facility), rel: 1e-9) }
        #expect(!ties.isEmpty)
        let p = try #require(t.bestPrefill)
        #expect(p.knob == .none, "\(Tuning.label(p))")
        #expect(t.text().contains("prefill: default (TDP, boost clock)") && !t.text().contains("prefill: clock"), "\(t.text())")
    }

    @Test func anImpossibleTargetIsSaidSo() throws {
        let t = try Tuning(estimator: Estimator(), base: base, serving: serving, targets: .init(itlMs: 0.01), steps: 3)
        #expect(t.bestDecode == nil && t.bestQuery == nil)
        #expect(t.text().contains("no setting meets the ITL target"))
    }
}

@Suite struct SweepTests {
    func spec(_ grid: String) throws -> SweepSpec {
        try SweepSpec.read(Data(#"{"schemaVersion": 1, "input": 1000, "output": 300, "grid": {\#(grid)}, "targets": {"itlMs": 80}}"#.utf8), file: "s.json")
    }

    @Test func enumeratesEveryCombinationOnce() throws {
        let s = try spec(#""model": ["meta-llama/Llama-3.1-8B-Instruct"], "gpu": ["h100-sxm", "a100-sxm-80gb"], "gpus": [1, 2], "precision": ["bf16", "fp8"], "maxBatch": [8, 64], "powerCapWatts": [null, 300]"#)
        #expect(s.pointCount == 32)
        let keys = Set((0..<32).map { i -> String in
            let (r, b) = s.point(i)
            return "\(r.gpu)|\(r.gpus ?? 0)|\(r.precision?.rawValue ?? "")|\(b)|\(r.powerCapWatts ?? 0)"
        })
        #expect(keys.count == 32)
    }

    /// A CSV row without its last two cells, the median and p90 ITL (numbers, no commas), which
    /// came after `note`.
    static func beforeITLStatistics(_ row: Substring) -> String {
        row.split(separator: ",", omittingEmptySubsequences: false).dropLast(3).joined(separator: ",")
    }

    /// Pipeline stages are a grid dimension: the tensor-parallel degree left out is the GPUs per stage.
    @Test func pipelineStagesAreADimension() throws {
        let s = try spec(#""model": ["meta-llama/Llama-3.1-70B-Instruct"], "gpu": ["h100-sxm"], "gpus": [4], "pp": [1, 2, 4]"#)
        #expect(s.pointCount == 3)
        let requests = (0..<3).map { s.point($0).request }
        #expect(requests.map { $0.pipelineParallel } == [1, 2, 4] && requests.map { $0.tensorParallel } == [4, 2, 1])
        let points = try Sweep.run(s, estimator: Estimator(), workers: 1)
        #expect(points.allSatisfy { $0.error == nil })
        #expect(Self.beforeITLStatistics(Sweep.csv(points).split(separator: "\n")[1]).hasSuffix(",1,1,")
                && Sweep.csvHeader.suffix(6) == ["pp", "ep", "note", "itl_median_ms", "itl_p90_ms", "kv_precision"])
    }

    /// A point whose batch was cut to what fits, or rounded up to a sequence per data-parallel
    /// replica (effective_batch above max_batch), says so in its `note` cell, as `estimate` does.
    @Test func aPointSaysWhyItsBatchDiffers() throws {
        let s = try spec(#""model": ["meta-llama/Llama-3.1-8B-Instruct"], "gpu": ["h100-sxm"], "gpus": [8], "tp": [1], "maxBatch": [3, 4096]"#)
        let points = try Sweep.run(s, estimator: Estimator(), workers: 1)
        #expect(points[0].effectiveBatch == 8 && points[0].notes.contains { $0.contains("fewer sequences than the 8 data-parallel replicas") })
        #expect(points[1].effectiveBatch < 4096 && points[1].notes.contains { $0.contains("does not fit in memory") })
    }

    /// Expert-parallel ranks are a grid dimension too: tp 1 with ep 4 is vLLM's data-parallel
    /// attention, which for Qwen3-30B-A3B (4 KV heads) on 4 GPUs differs from tp 4.
    @Test func expertParallelRanksAreADimension() throws {
        let s = try spec(#""model": ["Qwen/Qwen3-30B-A3B"], "gpu": ["h100-sxm"], "gpus": [4], "tp": [4, 1], "ep": [null, 4]"#)
        #expect(s.pointCount == 4)
        let points = try Sweep.run(s, estimator: Estimator(), workers: 1)
        let dp = try #require(points.first { $0.request.tensorParallel == 1 && $0.request.expertParallel == 4 })
        let tp = try #require(points.first { $0.request.tensorParallel == 4 && $0.request.expertParallel == nil })
        #expect(dp.error == nil && tp.error == nil && dp.whPerQuery != tp.whPerQuery)
        #expect(Sweep.csv(points).split(separator: "\n").contains { Self.beforeITLStatistics($0).hasSuffix(",1,4,") })
    }

    @Test func paretoPointsAreNotDominatedAndFailuresAreRows() throws {
        let s = try spec(#""model": ["meta-llama/Llama-3.1-70B-Instruct"], "gpu": ["h100-sxm", "a100-sxm-80gb"], "gpus": [1, 2, 4], "precision": ["bf16", "fp8", "mxfp4"], "maxBatch": [1, 16, 128]"#)
        let points = try Sweep.run(s, estimator: Estimator(), workers: 2)
        #expect(points.count == s.pointCount)
        #expect(points.contains { $0.error?.contains("does not fit") == true })  // 70B BF16 on one GPU
        #expect(points.contains { $0.request.precision == .mxfp4 && $0.error != nil })  // MXFP4 quantizes experts only: refused for a dense model
        let ok = points.filter { $0.error == nil && $0.meetsTargets }
        let frontier = ok.filter(\.pareto)
        #expect(!frontier.isEmpty)
        #expect(Set(frontier.map(\.index)) == Self.nonDominated(points))
        #expect(Sweep.csv(points) == Sweep.csv(try Sweep.run(s, estimator: Estimator(), workers: 1)))
        // Every point that ran carries its GPU's measured error band: its own on the H100, the
        // forecast pool on the A100-80GB, which has no serving runs of its own (only Blackwell takes a sibling's).
        for p in points where p.error == nil {
            let r = try #require(p.whPerQueryRange)
            #expect(r.low < p.whPerQuery && p.whPerQuery < r.high, "point \(p.index)")
        }
        for p in points where p.error != nil { #expect(p.whPerQueryRange == nil) }
        let h100 = try #require(points.first { $0.error == nil && $0.request.gpu == "h100-sxm" })
        let a100 = try #require(points.first { $0.error == nil && $0.request.gpu == "a100-sxm-80gb" })
        func spread(_ p: SweepPoint) -> Double { p.whPerQueryRange!.high / p.whPerQueryRange!.low }
        #expect(Estimator().errorBand(for: "a100-sxm-80gb")?.gpu == "forecast")
        #expect(spread(a100) > spread(h100))
    }

    /// The points of `points` no other one dominates: lower in Wh per query or ITL and no
    /// higher in the other, among those that ran and meet the targets (the help's definition).
    static func nonDominated(_ points: [SweepPoint]) -> Set<Int> {
        let ok = points.filter { $0.error == nil && $0.meetsTargets }
        return Set(ok.filter { p in
            !ok.contains { q in
                q.whPerQuery <= p.whPerQuery && q.frontierLatencyMs <= p.frontierLatencyMs
                    && (q.whPerQuery < p.whPerQuery || q.frontierLatencyMs < p.frontierLatencyMs)
            }
        }.map(\.index))
    }

    /// The frontier is exactly the points no other point dominates: a point tied with a frontier
    /// point in both Wh and ITL is on it too, and one tied in one and worse in the other is not
    /// (a strict `<` on ITL kept only the first of each tie).
    @Test func theFrontierIsEveryPointNoOtherDominates() {
        let objectives: [(wh: Double, itl: Double)] = [(1, 5), (1, 5), (1, 6), (2, 5), (2, 4), (2, 4), (3, 1), (3, 1), (0.5, 10), (4, 1), (3, 2)]
        var points = objectives.enumerated().map { i, o in
            var p = SweepPoint(index: i, request: DeploymentRequest(model: "m", gpu: "g"), batchLimit: 1)
            (p.whPerQuery, p.itlMs, p.meetsTargets) = (o.wh, o.itl, true)
            return p
        }
        points[9].error = "refused"  // an error row is never on the frontier
        let frontier = Set(Sweep.markPareto(points).filter(\.pareto).map(\.index))
        #expect(frontier == [0, 1, 4, 5, 6, 7, 8] && frontier == Self.nonDominated(points))
    }

    /// A one-token answer has no ITL in a sweep, as in `estimate`: the cell is empty, an ITL
    /// target cannot refuse a point, and the frontier weighs TTFT. It had held the step time as
    /// an ITL, so a 100 ms target left the only point off the frontier.
    @Test func aOneTokenSweepWeighsTimeToFirstToken() throws {
        let s = try SweepSpec.read(Data(#"{"schemaVersion": 1, "input": 500, "output": 1, "targets": {"itlMs": 100}, "grid": {"model": ["meta-llama/Llama-3.1-8B-Instruct"], "gpu": ["h100-sxm"], "maxBatch": [1, 16]}}"#.utf8), file: "s.json")
        let points = try Sweep.run(s, estimator: Estimator(), workers: 1)
        #expect(points.count == 2 && points.allSatisfy { $0.error == nil && $0.itlMs == nil && $0.meetsTargets })
        #expect(points.allSatisfy { $0.frontierLatencyMs == $0.ttftMs })
        #expect(Set(points.filter(\.pareto).map(\.index)) == Self.nonDominated(points) && points.contains(where: \.pareto))
        let header = Sweep.csvHeader, row = Sweep.csv(points).split(separator: "\n")[1].split(separator: ",", omittingEmptySubsequences: false)
        #expect(row[try #require(header.firstIndex(of: "itl_ms"))].isEmpty)
        #expect(Sweep.svg(s, points).contains("time to first token"))
    }

    /// Llama-3.1-8B at max batch 64 on 1 H100 and at 256 on 4 H100s (tp 1: four replicas of 64)
    /// cost the same Wh and ITL, and the 4 GPUs serve 4× the throughput: both are on the
    /// frontier, in the CSV and in the JSON summary. Only the 1-GPU point was.
    @Test func aPointThatTiesAFrontierPointIsOnIt() throws {
        let s = try SweepSpec.read(Data(#"{"schemaVersion": 1, "input": 1000, "output": 500, "grid": {"model": ["meta-llama/Llama-3.1-8B-Instruct"], "gpu": ["h100-sxm"], "gpus": [1, 4], "tp": [1], "maxBatch": [64, 256]}}"#.utf8), file: "s.json")
        let points = try Sweep.run(s, estimator: Estimator(), workers: 1)
        #expect(points[0].whPerQuery == points[3].whPerQuery && points[0].itlMs == points[3].itlMs)
        #expect(points.map(\.pareto) == [true, true, true, true] && Set(points.filter(\.pareto).map(\.index)) == Self.nonDominated(points))
        guard case let .object(top) = Sweep.json(s, points), case let .array(frontier)? = top.first(where: { $0.key == "pareto" })?.value else {
            Issue.record("no pareto array"); return
        }
        #expect(frontier.count == 4)
    }

    /// A grid that spells one deployment several ways (tp null and 1 on 1 GPU, ep null and 1,
    /// precision null and the model's bf16, a cap at the H100's 700 W TDP and none, a batch
    /// listed twice) runs each deployment once: the 96 points were 6 deployments, each run and
    /// put on the frontier up to 32 times. The rows left keep their place in the grid.
    @Test func aDeploymentSpelledTwiceRunsOnce() throws {
        let s = try spec(#""model": ["meta-llama/Llama-3.1-8B-Instruct"], "gpu": ["h100-sxm"], "gpus": [1, 2], "tp": [null, 1], "ep": [null, 1], "precision": [null, "bf16"], "maxBatch": [64, 64], "powerCapWatts": [null, 700, 400]"#)
        #expect(s.pointCount == 96)
        let points = try Sweep.run(s, estimator: Estimator(), workers: 2)
        func deployment(_ p: SweepPoint) -> String {
            let r = p.request
            let cap = r.powerCapWatts.map { $0 == 700 ? "none" : "\($0)" } ?? "none"
            return "\(r.gpus ?? 0) \(r.tensorParallel ?? 0) \(r.expertParallel ?? 1) \(r.precision ?? .bf16) \(cap) \(p.batchLimit)"
        }
        // 1 GPU at tp 1, 2 at tp 2, 2 at tp 1; each uncapped and at 400 W.
        #expect(points.count == 6 && Set(points.map(deployment)).count == 6, "\(points.map(\.index))")
        #expect(points.map(\.index) == [0, 2, 48, 50, 72, 74])
        for p in points { #expect(s.point(p.index).request == p.request && s.point(p.index).batch == p.batchLimit, "point \(p.index)") }
    }

    /// A GPU under two names is one entry, and its repeats are left out like any other: the
    /// entries after it keep their index (the alias was dropped from the list, so the A100's
    /// rows took the alias's indices).
    @Test func anAliasKeepsTheGridIndex() throws {
        let s = try spec(#""model": ["meta-llama/Llama-3.1-8B-Instruct"], "gpu": ["h100-sxm", "h100", "a100-sxm-80gb"], "maxBatch": [64]"#)
        let (resolved, notes) = try s.resolvingIDs(models: ModelCatalog.bundled, gpus: GPUCatalog.bundled, file: "s.json")
        #expect(notes.count == 1 && notes[0].contains("grid.gpu[1] 'h100' names h100-sxm"))
        let points = try Sweep.run(resolved, estimator: Estimator(), workers: 1)
        #expect(points.map(\.index) == [0, 2] && points.map(\.request.gpu) == ["h100-sxm", "a100-sxm-80gb"])
    }

    /// A point whose one sequence does not fit in the KV cache even alone cannot run: it is an
    /// error row, as `estimate` refuses it, and never on the frontier (Llama-3.1-8B on an L4 at
    /// 15,000 + 12,000 tokens was priced at batch 1, 75.4 Wh, and marked Pareto; 20,000 + 15,000 here,
    /// since vLLM's 2048-token step budget for an L4 leaves room for the probe's).
    @Test func aPointTheKVCacheCannotHoldIsAnErrorRow() throws {
        let s = try SweepSpec.read(Data(#"{"schemaVersion": 1, "input": 20000, "output": 15000, "grid": {"model": ["meta-llama/Llama-3.1-8B-Instruct"], "gpu": ["l4", "h100-sxm"], "maxBatch": [1, 8]}}"#.utf8), file: "s.json")
        let points = try Sweep.run(s, estimator: Estimator(), workers: 1)
        let l4 = points.filter { $0.request.gpu == "l4" }, h100 = points.filter { $0.request.gpu == "h100-sxm" }
        #expect(l4.count == 2 && l4.allSatisfy { $0.error?.contains("does not fit in the KV cache even alone") == true && !$0.pareto })
        #expect(h100.allSatisfy { $0.error == nil } && h100.contains(where: \.pareto))
    }

    /// Rows and frontier entries name the catalog's GPU id, not the alias typed (`a100-sxm4-80gb`
    /// where estimate prints `a100-sxm-80gb`), and the JSON frontier carries the CSV's GPU Wh,
    /// GPU watts and output tokens per second.
    @Test func rowsNameCatalogIDsAndTheFrontierCarriesTheCSVFigures() throws {
        let s = try spec(#""model": ["meta-llama/Llama-3.1-8B-Instruct"], "gpu": ["h100", "a100-sxm4-80gb"], "maxBatch": [8, 64]"#)
        let (resolved, notes) = try s.resolvingIDs(models: ModelCatalog.bundled, gpus: GPUCatalog.bundled, file: "s.json")
        #expect(resolved.gpus == ["h100-sxm", "a100-sxm-80gb"] && notes.isEmpty)
        let points = try Sweep.run(resolved, estimator: Estimator(), workers: 1)
        let csvGPUs = Set(Sweep.csv(points).split(separator: "\n").dropFirst().map { $0.split(separator: ",")[2] })
        #expect(csvGPUs == ["h100-sxm", "a100-sxm-80gb"])
        guard case let .object(top) = Sweep.json(resolved, points), case let .array(frontier)? = top.first(where: { $0.key == "pareto" })?.value else {
            Issue.record("no pareto array"); return
        }
        #expect(!frontier.isEmpty)
        for entry in frontier {
            guard case let .object(pairs) = entry else { Issue.record("not an object"); continue }
            let keys = Dictionary(pairs.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
            guard case let .number(index)? = keys["index"] else { Issue.record("no index"); continue }
            let p = points[Int(index)]
            #expect(keys["gpu"] == .string(p.request.gpu) && ["h100-sxm", "a100-sxm-80gb"].contains(p.request.gpu))
            #expect(keys["whPerQueryGPU"] == .number(p.gpuWhPerQuery) && keys["gpuWatts"] == .number(p.gpuWatts)
                    && keys["outputTokensPerSecond"] == .number(p.outputTokensPerSecond))
        }
    }

    @Test(arguments: [
        (#""gpu": ["h100-sxm"]"#, "grid.model"),
        (#""model": ["x"], "gpu": ["h100-sxm"], "gpus": [0]"#, "grid.gpus[0]"),
        (#""model": ["x"], "gpu": ["h100-sxm"], "precision": ["fp9"]"#, "grid.precision[0]"),
        (#""model": ["x"], "gpu": ["h100-sxm"], "colour": [1]"#, "colour"),
        (#""model": [], "gpu": ["h100-sxm"]"#, "grid.model"),
    ])
    func badGridsAreNamed(grid: String, mention: String) {
        do {
            _ = try spec(grid)
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains(mention) && "\(error)".contains("s.json"), "\(error)")
        }
    }
}

@Suite struct CapacityAndDiagnosisTests {
    @Test func capacityScalesWithTheBudget() throws {
        let w = try readWorkload(kernelWorkload(deployment: #"{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm"}"#))
        let runner = FleetRunner(dataDirectory: nil)
        let one = try Capacity(workload: w, runner: runner, budgetMegawatts: 1, gpus: ["h100-sxm", "h200"], caps: [nil, 400])
        let two = try Capacity(workload: w, runner: runner, budgetMegawatts: 2, gpus: ["h100-sxm", "h200"], caps: [nil, 400])
        #expect(one.rows.count == 4)
        for (a, b) in zip(one.rows, two.rows) {
            // Twice the budget, twice the replicas, each class rounded down to whole ones.
            #expect(approx(b.queriesPerDay, 2 * a.queriesPerDay, rel: 0.01) && approx(a.whPerQuery, b.whPerQuery))
            #expect(a.peakQPS >= a.averageQPS)
        }
    }

    /// A row names the catalog's GPU id where the workload names an alias (`h100` was printed as typed).
    @Test func capacityRowsNameTheCatalogID() throws {
        let w = try readWorkload(kernelWorkload(deployment: #"{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100"}"#))
        let c = try Capacity(workload: w, runner: FleetRunner(dataDirectory: nil), budgetMegawatts: 1, gpus: [nil], caps: [nil])
        #expect(c.rows.map(\.gpu) == ["h100-sxm"])
    }

    /// A row names the cap and clock its fleet ran at: a workload's own 300 W cap read "TDP"
    /// (JSON `powerCapWatts` null) beside the capped run's figures, and its locked clock was
    /// named nowhere. A `--caps` candidate replaces the cap and keeps the clock.
    @Test func aRowNamesTheCapAndClockItRanAt() throws {
        let w = try readWorkload(kernelWorkload(deployment: #"{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm", "powerCapWatts": 300, "smClockMHz": 1350}"#))
        let c = try Capacity(workload: w, runner: FleetRunner(dataDirectory: nil), budgetMegawatts: 1, gpus: [nil], caps: [nil, 400])
        let own = try #require(c.rows.first { $0.powerCapWatts == 300 }), candidate = try #require(c.rows.first { $0.powerCapWatts == 400 })
        #expect(own.smClockMHz == 1350 && own.setting == "300 W, 1350 MHz" && candidate.setting == "400 W, 1350 MHz")
        #expect(c.text().contains("300 W, 1350 MHz") && !c.text().contains("TDP"))
        let json = JSONWriter().write(c.json())
        #expect(json.contains("\"powerCapWatts\": 300,") && json.contains("\"smClockMHz\": 1350,") && !json.contains("\"powerCapWatts\": null"), "\(json)")
        let plain = try Capacity(workload: try readWorkload(kernelWorkload()), runner: FleetRunner(dataDirectory: nil), budgetMegawatts: 1, gpus: [nil], caps: [nil])
        #expect(plain.rows.first?.setting == "TDP (700 W)" && plain.rows.first?.powerCapWatts == nil && plain.rows.first?.smClockMHz == nil)
    }

    /// A candidate GPU whose KV cache cannot hold a class's call even alone is noted, as `fleet`
    /// notes it (capacity on an L4 at 15,000 + 12,000 tokens of Llama-3.1-8B said nothing).
    @Test func capacityNotesCallsTheKVCacheCannotHold() throws {
        // 20000 + 15000 tokens: at the L4's 2048-token default step budget 15000 + 12000 fits alone.
        let w = try readWorkload(kernelWorkload(classes: #"{"name": "long", "share": 1, "deployment": "d", "input": {"fixed": 20000}, "output": {"fixed": 15000}}"#))
        let c = try Capacity(workload: w, runner: FleetRunner(dataDirectory: nil), budgetMegawatts: 1, gpus: ["l4", "h100-sxm"], caps: [nil])
        #expect(c.notes.contains { $0.contains("on l4") && $0.contains("class long's queries have a call that does not fit in the KV cache even alone") }, "\(c.notes)")
        #expect(!c.notes.contains { $0.contains("on h100-sxm") && $0.contains("KV cache") })
    }

    /// A fleet shrinks by whole replicas: a budget below one replica of every class is refused
    /// with the smallest budget that serves the mix (100 W once "served" 5,700 queries a day on
    /// 0 GPUs), and the GPU column counts whole replicas.
    @Test func aBudgetBelowOneReplicaIsRefusedAndGPUsComeInWholeReplicas() throws {
        let w = try readWorkload(kernelWorkload(deployment: #"{"name": "d", "model": "meta-llama/Llama-3.1-70B-Instruct", "gpu": "h100-sxm", "gpus": 4}"#))
        let runner = FleetRunner(dataDirectory: nil)
        let tiny = try Capacity(workload: w, runner: runner, budgetMegawatts: 0.0001, gpus: [nil], caps: [nil])
        #expect(tiny.rows.isEmpty)
        let reason = try #require(tiny.failures.first?.reason)
        #expect(reason.hasPrefix("0.0001 MW does not power one replica of each query class"), "\(reason)")
        let site = try Capacity(workload: w, runner: runner, budgetMegawatts: 0.3, gpus: [nil], caps: [nil])
        let row = try #require(site.rows.first)
        #expect(row.gpus > 0 && row.gpus % 4 == 0)
    }

    /// The queries a budget serves are what its whole replicas carry, so a small site is not
    /// credited with more traffic per GPU than a large one (at the smallest budget 24 GPUs were
    /// credited with the traffic of 27.9), the smallest budget quoted is enough, and scenarios
    /// that share their draws (`sameDrawsAs`) get the same fleet (they disagreed by 1 %).
    @Test func queriesFollowTheWholeReplicasAndSharedDraws() throws {
        let text = kernelWorkload(classes: chatClass(input: #"{"lognormal": {"p5": 100, "p95": 4000}}"#),
                                  deployment: #"{"name": "d", "model": "meta-llama/Llama-3.1-70B-Instruct", "gpu": "h100-sxm", "gpus": 4}"#,
                                  more: #"{"name": "t", "kind": "kernel", "queriesPerDay": 1e7, "sameDrawsAs": "s", "boundary": "it", "deployments": [{"name": "d", "model": "meta-llama/Llama-3.1-70B-Instruct", "gpu": "h100-sxm", "gpus": 4}], "classes": [\#(chatClass(input: #"{"lognormal": {"p5": 100, "p95": 4000}}"#))]}"#)
        let w = try readWorkload(text)
        let runner = FleetRunner(dataDirectory: nil)
        let tiny = try Capacity(workload: w, runner: runner, budgetMegawatts: 0.0001, gpus: [nil], caps: [nil])
        let match = try #require(tiny.failures.first?.reason.firstMatch(of: /needs ([0-9.]+) MW/))
        let need = try #require(Double(match.1))
        let small = try Capacity(workload: w, runner: runner, budgetMegawatts: need, gpus: [nil], caps: [nil])
        let large = try Capacity(workload: w, runner: runner, budgetMegawatts: 20, gpus: [nil], caps: [nil])
        #expect(small.rows.count == 2 && large.rows.count == 2)
        let perGPU = { (r: Capacity.Row) in r.queriesPerDay / Double(r.gpus) }
        #expect(perGPU(small.rows[0]) <= perGPU(large.rows[0]) * 1.001, "\(perGPU(small.rows[0])) vs \(perGPU(large.rows[0]))")
        #expect(small.rows[0].queriesPerDay == small.rows[1].queriesPerDay && large.rows[0].gpus == large.rows[1].gpus)
        #expect(Capacity.roundedUp(0.03293) == 0.033 && Capacity.roundedUp(1234.5) == 1240)
    }

    /// One class of 1,000 + 250 tokens on one-GPU replicas of Llama-3.1-8B, for the capacity tests.
    static let oneClassFleet = #"{"schemaVersion": 1, "description": "t", "samples": 200, "seed": 1, "scenarios": [{"name": "s", "kind": "kernel", "#
        + #""queriesPerDay": 1e6, "pue": 1.3, "headroom": 0, "deployments": [{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "#
        + #""gpu": "h100-sxm", "maxBatch": 8}], "classes": [{"name": "c", "share": 1, "deployment": "d", "input": {"fixed": 1000}, "output": {"fixed": 250}}]}]}"#

    /// The traffic a budget serves is what `fleet` fits in it: the fleet at that traffic fills the
    /// budget to within one replica and has the GPUs and Wh per query the row gives. Scaling the
    /// fleet of 1 M queries a day, its 13 replicas rounded up, credited 1 MW with 253 M queries on
    /// 1,013 GPUs at 0.0815 Wh, where `fleet` fits 314 M.
    @Test func theTrafficABudgetServesIsWhatFleetFitsInIt() throws {
        let w = try readWorkload(Self.oneClassFleet)
        let runner = FleetRunner(dataDirectory: nil)
        let row = try #require(try Capacity(workload: w, runner: runner, budgetMegawatts: 1, gpus: [nil], caps: [nil]).rows.first)
        var filled = w
        filled.scenarios[0].queriesPerDay = row.queriesPerDay
        let f = try #require(try runner.run(filled).first)
        let replicaMW = f.facilityMegawatts / Double(f.hardware[0].gpus)  // one GPU per replica
        #expect(f.facilityMegawatts <= 1 + 1e-9 && f.facilityMegawatts > 1 - replicaMW, "\(f.facilityMegawatts) MW")
        #expect(f.hardware[0].gpus == row.gpus && approx(f.whPerQuery.mean, row.whPerQuery, rel: 1e-9))
    }

    /// A capacity is whole queries, rounded down, and written whole: 983,930,832 queries a day
    /// were written 983931000 in JSON and "984 million" in text, and fed back into `fleet` the
    /// JSON figure needed one more replica and drew 20.0004 MW on a 20 MW budget.
    @Test func aCapacityIsWholeQueriesRoundedDown() throws {
        let w = try readWorkload(Self.oneClassFleet)
        let runner = FleetRunner(dataDirectory: nil)
        let capacity = try Capacity(workload: w, runner: runner, budgetMegawatts: 1.1, gpus: [nil], caps: [nil])
        let row = try #require(capacity.rows.first)
        #expect(row.queriesPerDay == row.queriesPerDay.rounded(.down) && row.queriesPerDay.truncatingRemainder(dividingBy: 1000) != 0,
                "\(row.queriesPerDay)")
        let json = JSONWriter().write(capacity.json())
        let written = try #require(json.firstMatch(of: /"queriesPerDay": ([0-9]+),/).flatMap { Double($0.1) }, "\(json)")
        #expect(written == row.queriesPerDay)
        var filled = w
        filled.scenarios[0].queriesPerDay = written
        let f = try #require(try runner.run(filled).first)
        #expect(f.facilityMegawatts <= 1.1 && f.hardware[0].gpus == row.gpus, "\(f.facilityMegawatts) MW")
        #expect(Capacity.roundedDown(983_930_832) == 983_000_000 && Capacity.roundedDown(999.9) == 999 && Capacity.roundedDown(1_999_999) == 1_990_000)
        #expect(capacity.text().contains(FleetRendering.queries(Capacity.roundedDown(row.queriesPerDay))))
    }

    /// The energy column is the query's GPU energy by what bounds the kernels that spend it: it
    /// adds up to 1, and its idle share is the gaps' energy, which `kernels --per-query` puts at
    /// the same share. It had weighted the passes' time shares: idle 8.8 % against 1.8 %.
    @Test func theEnergyColumnIsAnEnergyShare() throws {
        let request = DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm")
        let serving = ServingRequest(batch: 64, inputTokens: 1000, outputTokens: 500)
        let e = Estimator()
        let d = try Diagnosis(estimator: e, request: request, serving: serving)
        #expect(abs(d.energyShares.map(\.1).reduce(0, +) - 1) < 1e-9)
        let q = try QueryKernels(estimator: e, deployment: try e.deployment(request), serving: serving)
        let gaps = try #require(q.lines.first { $0.kernel == "gaps" }).total / q.total
        let idle = try #require(d.energyShares.last).1
        #expect(abs(idle - gaps) < 0.005, "diagnose idle \(idle), kernels --per-query gaps \(gaps)")
        let decodeIdleTime = try #require(d.decodeShares.last).1
        #expect(idle < decodeIdleTime)
        // Under pipeline parallelism the stages' waits are idle energy too: the idle share is
        // the gaps' and the waits' share that `kernels --per-query` gives, within a point (the
        // two weigh the prompt's step differently), and well above the gaps' alone.
        var pp = request
        (pp.gpus, pp.tensorParallel, pp.pipelineParallel) = (2, 1, 2)
        let staged = try Diagnosis(estimator: e, request: pp, serving: serving)
        #expect(abs(staged.energyShares.map(\.1).reduce(0, +) - 1) < 1e-9)
        let sq = try QueryKernels(estimator: e, deployment: try e.deployment(pp), serving: serving)
        func share(_ k: String) throws -> Double { try #require(sq.lines.first { $0.kernel == k }).total / sq.total }
        let stagedIdle = try #require(staged.energyShares.last).1
        #expect(abs(stagedIdle - (try share("gaps") + share("pipeline_wait"))) < 0.01, "diagnose \(stagedIdle)")
        #expect(stagedIdle > (try share("gaps")) + 0.5 * (try share("pipeline_wait")), "diagnose \(stagedIdle)")
    }

    /// The batch alternatives are around the batch that runs: asked for 100,000 where the KV
    /// cache holds 392, the diagnosis compared 25,000 and 400,000, both cut back to 392 (+0 %).
    /// The doubled-GPU label names the expert parallelism it keeps.
    @Test func batchAlternativesAreAroundTheBatchThatRuns() throws {
        let d = try Diagnosis(estimator: Estimator(), request: DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm"),
                              serving: ServingRequest(batch: 100_000, inputTokens: 1000, outputTokens: 250))
        let batches = d.alternatives.filter { $0.change.hasPrefix("batch ") }
        let running = d.base.serving.effectiveBatch
        #expect(batches.map(\.change) == ["batch \(running / 4) instead of \(running)"], "\(batches.map(\.change))")
        let moe = try Diagnosis(estimator: Estimator(), request: DeploymentRequest(model: "Qwen/Qwen3-30B-A3B", gpu: "h100-sxm", gpus: 2, tensorParallel: 1, expertParallel: 2),
                                serving: ServingRequest(batch: 32, inputTokens: 1000, outputTokens: 250))
        #expect(moe.alternatives.contains { $0.change == "4 GPUs (tp 2, ep 2) instead of 2" }, "\(moe.alternatives.map(\.change))")
    }

    /// On data-parallel replicas the batch alternatives hold whole sequences per replica, so the
    /// batch a row names is the batch it compares: a quarter of 4 on 2 replicas asked for 1, ran
    /// 2 (one each) and read "batch 1 instead of 4" beside a batch column of 2. The KV line says
    /// that 2 run of the 3 asked for (one each: the split rounds down, the batch is a maximum), and
    /// the pass lines that each pass is one replica's; halving leaves one each, the batch that runs.
    @Test func batchAlternativesOnReplicasNameTheBatchThatRuns() throws {
        let d = try Diagnosis(estimator: Estimator(), request: DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm", gpus: 2, tensorParallel: 1),
                              serving: ServingRequest(batch: 3, inputTokens: 100, outputTokens: 100))
        let batches = d.alternatives.filter { $0.change.hasPrefix("batch ") }
        #expect(batches.map(\.change) == ["batch 8 instead of 2"], "\(batches.map(\.change))")
        for b in batches {
            #expect(b.change.hasPrefix("batch \(b.effectiveBatch) ") && b.explanation.hasPrefix("batch \(b.effectiveBatch):"), "\(b.change): \(b.explanation)")
        }
        #expect(d.kvFinding.contains("2 sequences run (3 requested, 1 on each of 2 data-parallel replicas)"), "\(d.kvFinding)")
        #expect(d.text().contains("  decode: decode step of 1 sequence at 150 tokens of context, on each of 2 data-parallel replicas\n"))
    }

    /// The share columns are those of the passes `estimate` prices, as `kernels` lists them. The
    /// decode column came from a static batch's last quadrature step (HF at context 542: 31 %
    /// idle, where the mean step at 350 is 48 %), and the prefill column from one batch-1 prompt,
    /// where HF prefills all 64 at once (77 % idle against 1 %, 63 % L2-bound) and vLLM runs each
    /// prompt as a chunk beside 64 decodes. The text names each column's pass, and the precision
    /// row quotes the step the columns show.
    @Test(arguments: [Framework.hf, .vllm])
    func theSharesAreThoseOfThePassesKernelsLists(framework: Framework) throws {
        let e = Estimator()
        let r = DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm", framework: framework)
        let s = ServingRequest(batch: 64, inputTokens: 100, outputTokens: 500)
        let d = try Diagnosis(estimator: e, request: r, serving: s)
        for (pass, shares) in [(KernelListing.Pass.prefill, d.prefillShares), (.decode, d.decodeShares)] {
            let listed = try KernelListing(estimator: e, deployment: try e.deployment(r), serving: s, pass: pass).breakdown.pass
            #expect(zip(shares, Diagnosis.shares(listed)).allSatisfy { $0.0 == $1.0 && approx($0.1, $1.1, abs: 1e-9) }, "\(pass): \(shares)")
        }
        let text = d.text()
        #expect(text.contains("  decode: decode step of 64 sequences at 350 tokens of context\n"))
        let step = try KernelListing(estimator: e, deployment: try e.deployment(r), serving: s, pass: .decode).breakdown.pass
        let share = { (name: String) in Diagnosis.shares(step).first { $0.0.hasPrefix(name) }?.1 ?? 0 }
        if framework == .hf {
            #expect(share("idle") > 0.45, "\(d.decodeShares)")
            #expect(text.contains("  prefill: prefill of 64 prompts of 100 tokens\n"))
            let fixed = share("per-kernel overhead") + share("communication") + share("idle")
            let fp8 = try #require(d.alternatives.first { $0.change.hasPrefix("fp8") })
            #expect(fp8.explanation.contains("\(formatPercent(fixed, decimals: 0)) of the step"), "\(fp8.explanation)")
        } else {
            #expect(text.contains("  prefill: step of 64 decodes at 350 tokens of context carrying 1 prompt chunk(s) of 100 tokens (after 0), the step that carries a prompt's first chunk\n"))
        }
    }

    /// A small all-reduce is bound by its synchronisation, not its bytes, and is still
    /// communication: at batch 1 on two GPUs the collectives take about a fifth of the step
    /// (they were filed under per-kernel overhead, and the diagnosis said 0 %).
    @Test func latencyBoundCollectivesCountAsCommunication() throws {
        let d = try Diagnosis(estimator: Estimator(), request: DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm"),
                              serving: ServingRequest(batch: 1, inputTokens: 1, outputTokens: 1))
        let tp2 = try #require(d.alternatives.first { $0.change.hasPrefix("2 GPUs") })
        let share = try #require(tp2.explanation.firstMatch(of: /communication takes (\d+) %/)).1
        #expect(Int(share)! >= 10, "\(tp2.explanation)")
    }

    /// A large prefill's GEMMs are limited by the L2 cache's bandwidth (tensor cores 78 % busy,
    /// HBM 9 %), not by HBM: they were filed as memory-bound, so the diagnosis called the prefill
    /// 82 % memory-bound and an H200 gives the same TTFT. Only the labels moved: the pass's time
    /// is still the sum of its kernels' and its shares still add up to 1.
    @Test func anL2LimitedPrefillIsNotCalledMemoryBound() throws {
        let e = Estimator()
        let r = DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm")
        let serving = ServingRequest(batch: 1, inputTokens: 8000, outputTokens: 10)
        let d = try Diagnosis(estimator: e, request: r, serving: serving)
        let shares = Dictionary(uniqueKeysWithValues: d.prefillShares)
        #expect(shares["L2-bound"]! > 0.6 && shares["memory-bound"]! < 0.15, "\(d.prefillShares)")
        #expect(approx(d.prefillShares.reduce(0) { $0 + $1.1 }, 1, rel: 1e-9) && d.text().contains("L2-bound"))
        #expect(approx(d.base.serving.timeToFirstToken.seconds * 1000, 215.53, rel: 1e-3), "\(d.base.serving.timeToFirstToken.seconds)")
        let prefill = try KernelListing(estimator: e, deployment: try e.deployment(r), serving: serving, pass: .prefill)
        let gateUp = try #require(prefill.breakdown.kernels.first { $0.kernel == "gate_up_proj" })
        #expect(gateUp.bound == .l2)
        #expect(prefill.csv().contains(",l2,"))
        let decode = try KernelListing(estimator: e, deployment: try e.deployment(r), serving: serving, pass: .decode)
        #expect(decode.breakdown.kernels.first { $0.kernel == "gate_up_proj" }?.bound == .memory)
    }

    /// More GPUs can cost less energy when their memory unlocks a bigger batch; the diagnosis says why.
    @Test func moreGPUsUnlockingABatchIsExplained() throws {
        let d = try Diagnosis(estimator: Estimator(), request: DeploymentRequest(model: "meta-llama/Llama-3.1-70B-Instruct", gpu: "h100-sxm", gpus: 2),
                              serving: ServingRequest(batch: 256, inputTokens: 2000, outputTokens: 2000))
        #expect(d.kvFinding.contains("limits the batch"))
        let more = try #require(d.alternatives.first { $0.change.hasPrefix("4 GPUs") })
        #expect(more.gpuWhPerQuery < d.base.ledger.total(at: .gpu).wattHours)
        #expect(more.explanation.contains("Counter-intuitive") && more.explanation.contains("sequences instead of"))
        #expect(approx(d.decodeShares.reduce(0) { $0 + $1.1 }, 1, rel: 0.02))
    }

    /// A wider format than the deployment's is explained by its bytes, not by fixed per-step costs.
    @Test(arguments: [("openai/gpt-oss-120b", "b200", "1.88× the bytes of mxfp4"), ("Qwen/Qwen3-8B-FP8", "h100-sxm", "2× the bytes of fp8")])
    func aWiderFormatCostsItsBytes(model: String, gpu: String, words: String) throws {
        let d = try Diagnosis(estimator: Estimator(), request: DeploymentRequest(model: model, gpu: gpu),
                              serving: ServingRequest(batch: 64, inputTokens: 1024, outputTokens: 1024))
        let wider = try #require(d.alternatives.first { $0.change.contains(" weights instead of ") })
        #expect(wider.gpuWhPerQuery > d.base.ledger.total(at: .gpu).wattHours)
        #expect(wider.explanation.contains(words) && !wider.explanation.contains("does not shrink"))
    }

    /// The diagnosis names the decode step's largest kernels, and the totals by kernel add up to the step.
    @Test func theDecodeStepsLargestKernelsAreNamed() throws {
        let d = try Diagnosis(estimator: Estimator(), request: DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm"),
                              serving: ServingRequest(batch: 64, inputTokens: 4000, outputTokens: 500))
        let totals = d.decodeKernels.breakdown.totalsByKernel
        #expect(d.decodeKernels.breakdown.pass.time == d.base.serving.decodeStep.time)
        #expect(approx(totals.reduce(0) { $0 + $1.energy.joules }, d.decodeKernels.breakdown.pass.energy.joules, rel: 1e-9))
        #expect(totals.first?.kernel == "decode_attention", "4,250 tokens of context at batch 64: the KV stream leads")
        #expect(zip(totals, totals.dropFirst()).allSatisfy { $0.energy >= $1.energy })
        #expect(d.text().contains("WHERE THE DECODE STEP'S ENERGY GOES") && d.text().contains("decode_attention"))
    }

    /// A pipelined deployment's diagnosis says that its idle share holds the stages' waits, and
    /// that its kernel table is one stage's microbatch; an unpipelined one says neither.
    @Test func aPipelinesDiagnosisNamesItsWaitsAndItsStage() throws {
        var r = DeploymentRequest(model: "meta-llama/Llama-3.1-70B-Instruct", gpu: "h100-sxm", gpus: 4, tensorParallel: 2)
        r.pipelineParallel = 2
        let s = ServingRequest(batch: 64, inputTokens: 2000, outputTokens: 500)
        let staged = try Diagnosis(estimator: Estimator(), request: r, serving: s).text()
        #expect(staged.contains("with pp 2, idle includes the time each stage waits"))
        #expect(staged.contains("pipeline stage 1, one of the 2 microbatches of a cycle"))
        r.pipelineParallel = 1
        let flat = try Diagnosis(estimator: Estimator(), request: r, serving: s).text()
        #expect(!flat.contains("with pp") && !flat.contains("pipeline stage 1"))
    }

    /// A tensor-parallel deployment is offered as two pipeline stages on the same GPUs.
    @Test func twoPipelineStagesAreANearbyConfiguration() throws {
        let d = try Diagnosis(estimator: Estimator(), request: DeploymentRequest(model: "meta-llama/Llama-3.1-70B-Instruct", gpu: "h100-sxm", gpus: 8),
                              serving: ServingRequest(batch: 256, inputTokens: 1000, outputTokens: 1000))
        let staged = try #require(d.alternatives.first { $0.change == "tp 4 × pp 2 instead of tp 8" })
        #expect(staged.gpuWhPerQuery > 0 && staged.explanation.contains("each stage reads its weights once per microbatch"))
        #expect(staged.measured == nil, "no measured pipeline pairs")
    }

    /// A hybrid's diagnosis offers the other SSM state precision and says what it streams.
    @Test func aHybridsStatePrecisionIsANearbyConfiguration() throws {
        let d = try Diagnosis(estimator: Estimator(), request: DeploymentRequest(model: "nvidia/NVIDIA-Nemotron-Nano-9B-v2", gpu: "h100-sxm"),
                              serving: ServingRequest(batch: 128, inputTokens: 634, outputTokens: 5400))
        let state = try #require(d.alternatives.first { $0.change.hasPrefix("Mamba-2 state in bf16") })
        #expect(state.gpuWhPerQuery < 0.9 * d.base.ledger.total(at: .gpu).wattHours)
        #expect(state.explanation.contains("144 to 72.8 MB"))
        let dense = try Diagnosis(estimator: Estimator(), request: DeploymentRequest(model: "Qwen/Qwen3-8B", gpu: "h100-sxm"),
                                  serving: ServingRequest(batch: 128, inputTokens: 634, outputTokens: 5400))
        #expect(!dense.alternatives.contains { $0.change.contains("Mamba-2") })
    }

    /// A MoE model at tp 8 is offered vLLM's data-parallel attention with the experts over 8 ranks:
    /// DeepSeek-V3.2's latent cache then sits once, not on every GPU, and no GPU repeats the
    /// indexer or pads its heads, so it costs less; a dense model is not offered it.
    @Test func aMoEModelIsOfferedDataParallelAttention() throws {
        let d = try Diagnosis(estimator: Estimator(), request: DeploymentRequest(model: "deepseek-ai/DeepSeek-V3.2", gpu: "h200", gpus: 8),
                              serving: ServingRequest(batch: 128, inputTokens: 2000, outputTokens: 4000))
        let dp = try #require(d.alternatives.first { $0.change.hasPrefix("attention data-parallel") })
        #expect(dp.gpuWhPerQuery < 0.9 * d.base.ledger.total(at: .gpu).wattHours)
        #expect(dp.explanation.contains("held once"))
        let dense = try Diagnosis(estimator: Estimator(), request: DeploymentRequest(model: "meta-llama/Llama-3.1-70B-Instruct", gpu: "h100-sxm", gpus: 4),
                                  serving: ServingRequest(batch: 64, inputTokens: 1000, outputTokens: 1000))
        #expect(!dense.alternatives.contains { $0.change.hasPrefix("attention data-parallel") })
    }
}
