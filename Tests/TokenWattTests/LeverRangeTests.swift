import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// A lever's saving range reads its kind's measured errors the way the lever runs (a lever and
/// its reverse give one range, seen from either end), and a divisor lever has the range of its
/// factor's ends, drawn from a stream of its own name (a 2026-12-07 statistician's probe:
/// vLLM → TensorRT-LLM "saved −4.7 %…+15.8 %" where the reverse "cost 6.4–32.2 %").
@Suite struct LeverRangeTests {
    /// One deployment of Llama-3.1-8B on an H100 at the GPU boundary (every Wh moves with GPU
    /// energy), with `setting` on the deployment and a lever of `lever`.
    static func run(_ setting: String, lever: String) throws -> FleetResult {
        let deployment = #"{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm"\#(setting)}"#
        return try runWorkload(kernelWorkload(extra: #""boundary": "gpu", "levers": [{"name": "l"\#(lever)}]"#, deployment: deployment), samples: 200)[0]
    }

    /// A lever from A to B and one from B to A: the second's saving at each end is the first's
    /// seen from B, 1 − 1 ÷ (1 − saving), so the two ranges are one.
    @Test(arguments: [
        (#", "framework": "vllm""#, #", "framework": "trtllm""#, "framework"),
        (#", "maxBatch": 64"#, #", "maxBatch": 256"#, "batch"),
        (#", "gpus": 2, "tp": 2"#, #", "gpus": 1, "tp": 1"#, "gpus"),
    ])
    func aLeverAndItsReverseGiveOneRange(_ a: String, _ b: String, _ kind: String) throws {
        let forward = try Self.run(a, lever: b), backward = try Self.run(b, lever: a)
        let f = try #require(forward.levers.first), r = try #require(backward.levers.first)
        #expect(f.measured?.lever == kind && r.measured?.lever == kind)
        let fr = try #require(f.savingRange), rr = try #require(r.savingRange)
        // The two points agree (the lever's run is the other's baseline) …
        #expect(approx(r.saving, 1 - 1 / (1 - f.saving), rel: 1e-9), "\(kind)")
        // … and so do the ranges, the low end of one the high end of the other.
        #expect(approx(rr.low, 1 - 1 / (1 - fr.high), rel: 1e-9) && approx(rr.high, 1 - 1 / (1 - fr.low), rel: 1e-9),
                "\(kind): \(fr) against \(rr)")
        #expect(fr.low <= f.saving && f.saving <= fr.high && rr.low <= r.saving && r.saving <= rr.high, "\(kind)")
    }

    /// Which way a change runs against the measured pairs: numeric settings low to high, named
    /// ones in alphabetical order; a clock locked below the GPU's default runs against them.
    @Test func orientationFollowsThePairsOrder() throws {
        #expect(LeverPairOrientation.of("64", "256") == .along && LeverPairOrientation.of("256", "64") == .against)
        #expect(LeverPairOrientation.of("8", "16") == .along)  // numerically, not "16" < "8"
        #expect(LeverPairOrientation.of("vllm", "trtllm") == .against && LeverPairOrientation.of("bf16", "fp8") == .along)
        #expect(LeverPairOrientation.of("fp8", "fp8") == nil)
        #expect(LeverPairOrientation.combined([.along, nil, .along]) == .along && LeverPairOrientation.combined([.along, .against]) == .both)
        let inverted: [Double] = [1 / 1.25 - 1, 1 / 0.8 - 1]
        #expect(LeverPairOrientation.against.errors(p5: -0.2, p95: 0.25) == inverted)
        let w = try readWorkload(kernelWorkload(extra: #""levers": [{"name": "slow", "smClockMHz": 1200}]"#))
        guard case let .kernel(k) = w.scenarios[0].kind, case let .mechanistic(change) = k.levers[0].kind else {
            Issue.record("expected a kernel scenario with a mechanistic lever")
            return
        }
        let fleet = KernelFleet(scenario: w.scenarios[0], kernel: k, estimator: Estimator())
        let priced = try fleet.priced(samples: 50, seed: 1, change: change)
        #expect(try fleet.pairOrientation(change, classes: priced.classes, surfaces: priced.surfaces) == .against)
    }

    /// A divisor lever's saving holds every query at the factor's P5 and then its P95 (1 − 1 ÷
    /// factor): the chat service's model routing, 1.5–10×, had saved 69 % with no range.
    @Test func aDivisorLeverHasTheRangeOfItsFactorsEnds() throws {
        let r = try runWorkload(kernelWorkload(extra: #""levers": [{"name": "route", "divisor": {"lognormal": {"p5": 1.5, "p95": 10}}}]"#), samples: 2000)[0]
        let l = try #require(r.levers.first), range = try #require(l.savingRange), ends = try #require(l.divisorEnds)
        #expect(approx(range.low, 1 - 1 / ends.low, rel: 1e-12) && approx(range.high, 1 - 1 / ends.high, rel: 1e-12))
        #expect(approx(ends.low, 1.5, rel: 0.1) && approx(ends.high, 10, rel: 0.15))
        #expect(range.low < l.saving && l.saving < range.high)
        #expect(FleetRendering.savingWords(l).contains("with every query divided by × "))
        let json = JSONWriter(sortKeys: false).write(FleetRendering.leverJSON(l)).replacingOccurrences(of: " ", with: "")
        #expect(!json.contains("\"savingLow\":null") && json.contains("\"divisorP5\":") && !json.contains("\"divisorP95\":null"))
        // A fixed divisor's saving has no spread.
        let fixed = try runWorkload(kernelWorkload(extra: #""levers": [{"name": "half", "divisor": {"fixed": 2}}]"#), samples: 200)[0]
        #expect(fixed.levers.first?.savingRange == nil && approx(fixed.levers.first?.saving ?? 0, 0.5, rel: 1e-12))
    }

    /// A divisor with a rare small factor: its mean saving (1 − E[1 ÷ X]) sits below the savings
    /// at its P5 and P95, and the range is widened to hold it.
    @Test func aDivisorsRangeHoldsItsPointUnderATail() throws {
        let tail = #"{"histogram": {"edges": [1.01, 1.02, 100, 101], "weights": [1, 0, 29]}}"#
        let r = try runWorkload(kernelWorkload(extra: #""levers": [{"name": "tail", "divisor": \#(tail)}]"#), samples: 600)[0]
        let l = try #require(r.levers.first), range = try #require(l.savingRange)
        #expect(range.low <= l.saving && l.saving <= range.high, "\(range) \(l.saving)")
    }

    /// A divisor's draws do not depend on where its lever is listed: reversing the levers had
    /// moved model routing's saving 68.86 → 69.32 %.
    @Test func aDivisorsDrawsDoNotDependOnTheLeversOrder() throws {
        let route = #"{"name": "route", "divisor": {"lognormal": {"p5": 1.5, "p95": 10}}}"#, fp8 = #"{"name": "fp8", "precision": "fp8"}"#
        func saving(_ levers: [String]) throws -> Double? {
            try runWorkload(kernelWorkload(extra: #""levers": [\#(levers.joined(separator: ", "))]"#), samples: 300)[0]
                .levers.first { $0.name == "route" }?.saving
        }
        let given = try #require(try saving([route, fp8])), reversed = try #require(try saving([fp8, route]))
        #expect(given == reversed)
    }
}
