import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// The upper-bound caveat of a cap or clock's decode saving (`DecodeClockCaveat`) that `estimate`
/// and `tune` print reaches `fleet`'s levers, the report's lever table and `sweep`'s notes; and a
/// lever range measured on forward passes says so (it had read as a serving-decode accuracy).
@Suite struct LeverCaveatTests {
    static let levers = #""levers": [{"name": "clk1200", "smClockMHz": 1200}, {"name": "cap300", "powerCapWatts": 300}, "#
        + #"{"name": "batch256", "maxBatch": 256}, {"name": "fp8", "precision": "fp8"}]"#
    static let deployment = #"{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm", "gpus": 1, "maxBatch": 64}"#
    static let classes = chatClass(output: #"{"fixed": 300}"#)

    func run() throws -> (Workload, FleetResult) {
        let w = try readWorkload(kernelWorkload(classes: Self.classes, extra: Self.levers, deployment: Self.deployment))
        return (w, try FleetRunner(dataDirectory: nil).run(w, samples: 300)[0])
    }

    @Test func capAndClockLeversCarryTheUpperBoundCaveat() throws {
        let (w, r) = try run()
        func lever(_ n: String) throws -> LeverResult { try #require(r.levers.first { $0.name == n }) }
        // The same words `estimate` gives this deployment at 1200 MHz.
        let e = Estimator()
        let d = try e.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm", smClockMHz: 1200))
        let q = try QueryEstimate(estimator: e, deployment: d, request: ServingRequest(batch: 64, inputTokens: 1000, outputTokens: 300),
                                  settings: try LedgerSettings())
        #expect(q.assumptions.contains { $0.contains("read it as an upper bound") })
        let clock = try #require(try lever("clk1200").caveat)
        #expect(clock.contains("more than the largest saving measured") && clock.hasSuffix("read it as an upper bound"))
        #expect(try lever("cap300").caveat?.contains("upper bound") == true)
        #expect(try lever("fp8").caveat == nil && lever("batch256").caveat == nil)
        #expect(!r.notes.contains { $0.contains("upper bound") }, "the baseline runs at the default clock and limit")

        let text = FleetRendering.text(w, [r])
        #expect(text.contains("lever clk1200:") && text.contains("    note: decode costs"))
        // The clock band's provenance, where it is printed.
        #expect(text.contains("measured on A100 forward passes at locked clocks (EnergAIzer DVFS), not on serving decode"))
        let md = FleetRendering.markdown(w, [r])
        #expect(md.contains("Upper bound: lever clk1200: decode costs") && md.contains("Upper bound: lever cap300:"))
        #expect(md.contains("not on serving decode"))
        let json = JSONWriter().write(FleetRendering.json(w, [r]))
        #expect(json.contains(#""caveat":"decode costs"#) || json.contains(#""caveat": "decode costs"#))
        #expect(json.contains("measuredOn"))
    }

    @Test func aTunedBaselineSaysSoInItsNotes() throws {
        let d = #"{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm", "gpus": 1, "maxBatch": 64, "smClockMHz": 900}"#
        let r = try FleetRunner(dataDirectory: nil).run(try readWorkload(kernelWorkload(classes: Self.classes, deployment: d)), samples: 200)[0]
        #expect(r.notes.contains { $0.contains("read it as an upper bound") })
    }

    /// With the grid's own uncapped point or without one, a capped point's note is `estimate`'s.
    @Test(arguments: ["null, 300", "300"]) func sweepNotesACapBeyondTheMeasured(_ caps: String) throws {
        let spec = try SweepSpec.read(Data(#"""
        {"schemaVersion": 1, "input": 1000, "output": 300, "grid": {"model": ["meta-llama/Llama-3.1-8B-Instruct"], "gpu": ["h100-sxm"],
         "maxBatch": [64], "powerCapWatts": [\#(caps)]}}
        """#.utf8), file: "s.json")
        let points = try Sweep.run(spec, estimator: Estimator(), workers: 1)
        let capped = try #require(points.last)
        #expect(points.count == (caps.hasPrefix("null") ? 2 : 1))
        #expect(points.count == 1 || !points[0].notes.contains { $0.contains("upper bound") || $0.contains("default clocks") })
        let e = Estimator()
        let d = try e.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm", powerCapWatts: 300))
        let q = try QueryEstimate(estimator: e, deployment: d, request: ServingRequest(batch: 64, inputTokens: 1000, outputTokens: 300),
                                  settings: try LedgerSettings())
        let caveat = try #require(q.assumptions.first { $0.hasSuffix("read it as an upper bound") })
        #expect(capped.notes.contains(caveat) && capped.notes.contains(DecodeClockCaveat.rangeAtDefaultSettings), "\(capped.notes)")
        #expect(Sweep.csv(points).contains("read it as an upper bound"))
    }
}

/// A fleet lever's latency and GPUs beside its saving: a batch limit that saves energy by
/// lengthening every step says what it costs in ITL.
@Suite struct LeverLatencyTests {
    @Test func leversCarryTheirLatencyAndGPUs() throws {
        let (w, r) = try LeverCaveatTests().run()
        let base = try #require(r.meanITLMs), ttft = try #require(r.meanTTFTMs)
        // Fixed lengths: the fleet's mean ITL and TTFT are `estimate`'s for the same request.
        let e = Estimator()
        let d = try e.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm"))
        let s = try e.serve(d, ServingRequest(batch: 64, inputTokens: 1000, outputTokens: 300))
        #expect(abs(base / (s.interTokenLatency.seconds * 1000) - 1) < 0.03, "\(base) vs \(s.interTokenLatency.seconds * 1000)")
        #expect(abs(ttft / (s.timeToFirstToken.seconds * 1000) - 1) < 0.10, "\(ttft) vs \(s.timeToFirstToken.seconds * 1000)")
        let batch = try #require(r.levers.first { $0.name == "batch256" })
        #expect(try #require(batch.meanITLMs) > base * 1.5)
        #expect(batch.gpus != nil && batch.meanTTFTMs != nil)
        let clock = try #require(r.levers.first { $0.name == "clk1200" })
        #expect(try #require(clock.meanITLMs) > base)
        #expect(FleetRendering.text(w, [r]).contains("ITL \(formatNumber(base, significant: 3)) → "))
        let json = JSONWriter().write(FleetRendering.json(w, [r]))
        #expect(json.contains("interTokenLatencyMs") && json.contains("timeToFirstTokenMs"))
    }
}

/// An ITL target judged on the median or p90 (`tune --itl-stat`, a sweep's `targets.itlStat`);
/// the mean by default, as before.
@Suite struct ITLStatisticTests {
    let e = Estimator()
    let base = DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm")
    let serving = ServingRequest(batch: 64, inputTokens: 1000, outputTokens: 300)

    @Test(arguments: ITLStatistic.allCases) func tuneJudgesTheChosenStatistic(_ stat: ITLStatistic) throws {
        let t = try Tuning(estimator: e, base: base, serving: serving, targets: Tuning.Targets(itlMs: 25, itlStatistic: stat), steps: 6)
        for p in t.points {
            #expect(t.meets(p, for: .decode) == (try #require(p.itlMs(stat)) <= 25))
        }
        if let pick = t.bestDecode { #expect(try #require(pick.itlMs(stat)) <= 25) }
        #expect(t.text().contains("judged on the \(stat.words)"))
    }

    @Test func theP90IsStricterThanTheMean() throws {
        let mean = try Tuning(estimator: e, base: base, serving: serving, targets: Tuning.Targets(itlMs: 25), steps: 6)
        let p90 = try Tuning(estimator: e, base: base, serving: serving, targets: Tuning.Targets(itlMs: 25, itlStatistic: .p90), steps: 6)
        let meets = { (t: Tuning) in t.points.filter { t.meets($0, for: .decode) }.count }
        #expect(meets(p90) < meets(mean))
        #expect(mean.points.allSatisfy { ($0.p90ITLMs ?? 0) >= ($0.itlMs ?? 0) })
    }

    @Test func sweepTargetsReadTheStatistic() throws {
        func spec(_ stat: String?) throws -> SweepSpec {
            let s = stat.map { #", "itlStat": "\#($0)""# } ?? ""
            return try SweepSpec.read(Data(#"""
            {"schemaVersion": 1, "input": 1000, "output": 300, "grid": {"model": ["meta-llama/Llama-3.1-8B-Instruct"], "gpu": ["h100-sxm"],
             "maxBatch": [16, 64, 256]}, "targets": {"itlMs": 25\#(s)}}
            """#.utf8), file: "s.json")
        }
        #expect(try spec(nil).itlStatistic == .mean)
        let mean = try Sweep.run(try spec(nil), estimator: e, workers: 1), p90 = try Sweep.run(try spec("p90"), estimator: e, workers: 1)
        for (a, b) in zip(mean, p90) {
            #expect(a.meetsTargets == (try #require(a.itlMs) <= 25))
            #expect(b.meetsTargets == (try #require(b.p90ITLMs) <= 25))
        }
        #expect(mean.filter(\.meetsTargets).count > p90.filter(\.meetsTargets).count)
        #expect { try spec("p99") } throws: { "\($0)".contains("targets.itlStat") }
    }
}
