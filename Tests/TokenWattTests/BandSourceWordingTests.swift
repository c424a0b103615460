import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// A range on a GPU that takes another GPU's band says whose runs it was measured on, and on an
/// AMD GPU that the NVIDIA pool is no bound. A 0.33.0 probe read 8 × MI355X's day "at the ends of
/// the estimator's measured error band" (the pool's × 0.662–1.85) beside a note that AMD's measured
/// throughput fell 1.2–3.8× below the estimate.
@Suite struct BandSourceWordingTests {
    static let estimator = Estimator()

    func source(_ gpu: String) throws -> String {
        ErrorBands.bundled.rangeSource(for: try GPUCatalog.bundled.gpu(gpu), catalog: GPUCatalog.bundled)
    }

    @Test func eachGPUsRangeNamesWhoseRunsItWasMeasuredOn() throws {
        #expect(try source("h100-sxm") == "the estimator's measured error band")
        let pool = "the error band measured on other GPUs (the forecast pool: " + ErrorBands.bundled.forecast.pooledGPUs.joined(separator: ", ") + ")"
        #expect(try source("h200") == pool)
        #expect(try source("b300") == "the error band measured on other GPUs (b200's band, the same architecture)")
        let amd = try source("mi355x")
        #expect(amd.hasPrefix(pool + ": the pool holds no AMD GPU") && amd.contains(PublishedServing.amdThroughputGap)
            && amd.hasSuffix("so the range is not a bound on mi355x"), "\(amd)")
        #expect(PublishedServing.amdServingCaveat.contains(PublishedServing.amdThroughputGap + " lower than estimated"))
    }

    func day(_ gpu: String, model: String = "meta-llama/Llama-3.1-8B-Instruct", gpus: Int = 1) throws -> FleetResult {
        let d = #"{"name": "d", "model": "\#(model)", "gpu": "\#(gpu)", "gpus": \#(gpus), "precision": "fp8"}"#
        return try runWorkload(kernelWorkload(deployment: d), samples: 200)[0]
    }

    /// fleet's (and report's) range sentence: the pool's for MI355X with the AMD gist, the
    /// H100's as before.
    @Test func fleetsRangeSentenceSaysThePool() throws {
        let amd = try day("mi355x")
        let words = FleetRendering.rangeWords(amd)
        #expect(words.contains("with the GPU energy at the ends of the error band measured on other GPUs (the forecast pool: "), "\(words)")
        #expect(words.contains("the pool holds no AMD GPU") && words.contains("not a bound on mi355x"), "\(words)")
        #expect(FleetRendering.text(try readWorkload(kernelWorkload()), [amd]).contains("not a bound on mi355x"))
        let h100 = FleetRendering.rangeWords(try day("h100-sxm"))
        #expect(h100.contains("at the ends of the estimator's measured error band") && !h100.contains("other GPUs"), "\(h100)")
    }

    /// A scenario on two GPUs names each one's source.
    @Test func aScenarioOnTwoGPUsNamesEach() throws {
        let deployments = #"{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm"}, "#
            + #"{"name": "e", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h200"}"#
        let classes = #"{"name": "a", "share": 0.5, "deployment": "d", "input": {"fixed": 1000}, "output": {"fixed": 200}}, "#
            + #"{"name": "b", "share": 0.5, "deployment": "e", "input": {"fixed": 1000}, "output": {"fixed": 200}}"#
        let r = try runWorkload(kernelWorkload(classes: classes, deployment: deployments), samples: 200)[0]
        let words = try #require(r.gwhPerDayRangeSource)
        #expect(words.hasPrefix("each GPU's error band (h100-sxm: the estimator's measured error band; h200: the error band measured on other GPUs"), "\(words)")
    }

    /// estimate's receipt heads its range with the same words.
    @Test func estimatesRangeLineSaysThePool() throws {
        func receipt(_ gpu: String) throws -> String {
            let d = try Self.estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: gpu, gpus: 1, precision: .fp8))
            return try QueryEstimate(estimator: Self.estimator, deployment: d, request: ServingRequest(batch: 16, inputTokens: 500, outputTokens: 200),
                                     settings: try LedgerSettings()).rangeReceipt
        }
        #expect(try receipt("mi355x").contains("RANGE (Wh per query, GPU energy across the error measured on other GPUs (the forecast pool: "))
        #expect(try receipt("h100-sxm").contains("RANGE (Wh per query, GPU energy across the estimator's measured error)\n"))
    }
}

/// A GPU lever's median-corrected saving outside its saving across measured error says so and
/// why. A 0.33.0 probe read a b200 lever on 4 × H100 "+9.5 %…+27.9 % across the measured error
/// of gpu changes" beside "with each GPU's energy at its measured median … it saves 6 %".
@Suite struct LeverMedianOutsideRangeTests {
    /// 4 × B200 (median 1.26) onto H100 (1.03): the medians move the change by 0.82, beyond the
    /// pooled pairs' P95 error.
    @Test func theMedianNoteSaysWhereItFallsOutsideTheRange() throws {
        let d = #"{"name": "d", "model": "meta-llama/Llama-3.1-70B-Instruct", "gpu": "b200", "gpus": 4}"#
        let r = try runWorkload(kernelWorkload(extra: #""levers": [{"name": "h100", "gpu": "h100-sxm"}]"#, deployment: d), samples: 300)[0]
        let lever = try #require(r.levers.first), range = try #require(lever.savingRange)
        let note = try #require(r.notes.first { $0.hasPrefix("lever h100: with each GPU's energy at its measured median") })
        // The note's own figure, read back ("it costs 27 %").
        let words = try #require(note.components(separatedBy: ") it ").last).split(separator: " ")
        let said = try #require(Double(words[1])) / 100 * (words[0] == "saves" ? 1 : -1)
        #expect(said < range.low || said > range.high, "\(note) against \(range)")
        #expect(note.contains(", outside its saving across measured error (\(FleetRendering.signedRange(range))): that range applies the P5–P95 "
                              + "error of measured gpu changes, pooled over GPU pairs (its pairs were measured on "), "\(note)")
        #expect(note.hasSuffix("none on b200), to the predicted change, where this figure moves each GPU's energy by its own band's median"), "\(note)")
    }

    @Test func aSavingInsideTheRangeAddsNothing() throws {
        let row = try #require(ErrorBands.bundled.lever("gpu"))
        let b = Bounds(low: 0.1, high: 0.3)
        #expect(FleetRunner.outsideRangeWords(0.2, (b, row)) == nil)
        #expect(FleetRunner.outsideRangeWords(0.3, (b, row)) == nil)
        #expect(FleetRunner.outsideRangeWords(0.35, (b, row))?.hasPrefix(", outside its saving across measured error (+10.0 %…+30.0 %)") == true)
    }
}

/// fleet's and report's JSON give each lever's change of the day's cost where a price is set, as
/// the Markdown's "cost/day change" column does (README: a price adds "each lever's change of the
/// day's cost in money"); the lever objects had lacked it.
@Suite struct LeverCostJSONTests {
    func levers(_ emissions: String?) throws -> (FleetResult, [[String: JSONValue]]) {
        var text = kernelWorkload(extra: #""levers": [{"name": "fp8", "precision": "fp8"}]"#)
        if let emissions { text = text.replacingOccurrences(of: #""scenarios": ["#, with: #""emissions": \#(emissions), "scenarios": ["#) }
        let w = try readWorkload(text)
        let results = try FleetRunner(dataDirectory: nil).run(w, samples: 300)
        let json = try JSONParser.parse(Data(JSONWriter().write(FleetRendering.json(w, results)).utf8), file: "out")
        guard case let .object(top) = json, case let .array(list)? = top.first(where: { $0.0 == "scenarios" })?.1,
              case let .object(s)? = list.first, case let .array(ls)? = s.first(where: { $0.0 == "levers" })?.1 else { return (results[0], []) }
        return (results[0], ls.compactMap { l in if case let .object(f) = l { Dictionary(uniqueKeysWithValues: f.map { ($0.0, $0.1) }) } else { nil } })
    }

    @Test func eachLeverCarriesItsChangeOfTheDaysCost() throws {
        let (r, ls) = try levers(#"{"pricePerKWh": 0.2, "currency": "EUR"}"#)
        let l = try #require(ls.first), lever = try #require(r.levers.first)
        guard case let .number(change)? = l["costPerDayChange"] else { Issue.record("\(l)"); return }
        // The day's cost is its energy × the price; the lever's change is −saving × that (the JSON
        // writes 6 significant digits).
        #expect(approx(change, -lever.saving * r.gwhPerDay * 1e6 * 0.2, rel: 1e-5) && change < 0, "\(change)")
        #expect(l["currency"] == .string("EUR"))
        let (_, none) = try levers(nil)
        #expect(none.first?["costPerDayChange"] == .null && none.first?["currency"] == .null)
    }
}
