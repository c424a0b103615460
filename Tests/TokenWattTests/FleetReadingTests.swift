import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// What `fleet` and `report` say of their figures, as users probing them on 2026-12-06 read them:
/// each test is one of their findings.
@Suite struct FleetReadingTests {
    /// The scenario's JSON object, parsed back.
    static func scenarioObject(_ r: FleetResult) throws -> [(String, JSONValue)] {
        let parsed = try JSONParser.parse(Data(JSONWriter().write(FleetRendering.scenarioJSON(r)).utf8), file: "out")
        guard case let .object(fields) = parsed else { throw FleetError(description: "not an object") }
        return fields
    }

    static func number(_ v: JSONValue?) -> Double? {
        if case let .number(x)? = v { return x }
        return nil
    }

    /// A deployment of 8 one-GPU engines splits its maxBatch of 256 into 32 per engine: the class
    /// line says so, and the JSON gives the engines and each one's batch.
    @Test func aBatchSplitOverEnginesIsNamed() throws {
        let d = #"{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm", "gpus": 8, "tp": 1, "maxBatch": 256}"#
        let w = try readWorkload(kernelWorkload(deployment: d))
        let r = try FleetRunner(dataDirectory: nil).run(w, samples: 200)[0]
        let c = try #require(r.classes.first)
        #expect(c.engines == 8 && c.engineBatch * 8 == c.effectiveBatch && c.engineBatch > 0)
        #expect(FleetRendering.text(w, [r]).contains("batch \(c.effectiveBatch) (8 engines × \(c.engineBatch))"))
        #expect(FleetRendering.markdown(w, [r]).contains("| \(c.effectiveBatch) (8 engines × \(c.engineBatch)) |"))
        guard case let .array(classes)? = try Self.scenarioObject(r).first(where: { $0.0 == "classes" })?.1,
              case let .object(first)? = classes.first else { Issue.record("no classes"); return }
        #expect(Self.number(first.first { $0.0 == "engines" }?.1) == 8)
        #expect(Self.number(first.first { $0.0 == "engineBatch" }?.1) == Double(c.engineBatch))
        // One engine of one GPU: no split to name.
        let one = try runWorkload(kernelWorkload(), samples: 200)[0].classes[0]
        #expect(one.engines == 1 && FleetRendering.batchWords(one) == "\(one.effectiveBatch)")
    }

    /// gpu-generations models what its description says: up to 256 sequences on each engine.
    @Test(.enabled(if: sharedData != nil)) func theGPUGenerationsWorkloadRuns256SequencesPerEngine() throws {
        let w = try WorkloadReader.read(path: packageRoot.appendingPathComponent("Workloads/gpu-generations.json").path, dataDirectory: sharedData)
        for s in w.scenarios {
            guard case let .kernel(k) = s.kind else { continue }
            for d in k.deployments {
                let deployment = try Estimator().deployment(d.request)
                #expect(deployment.attentionRanks == 1 && d.maxBatch == 256, "\(s.name): \(deployment.attentionRanks) engines share \(d.maxBatch)")
            }
        }
    }

    /// A fleet of H100s and A100s gives its GPUs and servers per type: in JSON, in the text's
    /// fleet line and in a report's CSV.
    @Test func aMixedFleetCountsEachGPUType() throws {
        let deployments = #"{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm"}, "#
            + #"{"name": "e", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "a100-sxm-80gb"}"#
        let classes = #"{"name": "chat", "share": 0.7, "deployment": "d", "input": {"fixed": 1000}, "output": {"fixed": 200}}, "#
            + #"{"name": "batch", "share": 0.3, "deployment": "e", "input": {"fixed": 1000}, "output": {"fixed": 200}}"#
        let w = try readWorkload(kernelWorkload(classes: classes, deployment: deployments))
        let r = try FleetRunner(dataDirectory: nil).run(w, samples: 300)[0]
        let types = r.hardwareTypes
        #expect(types.map(\.gpu) == ["h100-sxm", "a100-sxm-80gb"])
        #expect(types.reduce(0) { $0 + $1.gpus } == r.gpus && types.reduce(0) { $0 + $1.nodes } == r.nodes)
        let line = types.map { "\($0.gpus) × \($0.gpu) in \($0.nodes) × \($0.node)" }.joined(separator: ", ")
        #expect(FleetRendering.text(w, [r]).contains("fleet: \(r.gpus ?? 0) GPUs in \(r.nodes ?? 0) nodes (\(line)); provisioned peak"))
        guard case let .array(hardware)? = try Self.scenarioObject(r).first(where: { $0.0 == "hardware" })?.1 else {
            Issue.record("no hardware"); return
        }
        #expect(hardware.count == 2)
        let report = try WorkloadReport.build(w, name: "m", source: "w.json", runner: FleetRunner(dataDirectory: nil), samples: 300)
        let csv = try CSVTable.parse(report.csv(), file: "m.csv")
        #expect(csv.rows[0].fields[try #require(csv.header.firstIndex(of: "hardware"))]
                == types.map { "\($0.gpus) \($0.gpu) in \($0.nodes) \($0.node)" }.joined(separator: "; "))
    }

    /// One-token answers have no interval between tokens: no ITL, and neither speculative
    /// decoding nor a disaggregated decode pool changes a step they never take.
    @Test func oneTokenAnswersHaveNoDecodeToSaveOn() throws {
        let c = #"{"name": "classify", "share": 1, "deployment": "d", "input": {"fixed": 1000}, "output": {"fixed": 1}}"#
        let levers = #""levers": [{"name": "spec", "speculative": {"draftTokens": 4, "acceptance": 0.7}}, {"name": "disagg", "disaggregated": true}]"#
        let r = try runWorkload(kernelWorkload(classes: c, extra: levers), samples: 200)[0]
        #expect(r.meanITLMs == nil && r.meanTTFTMs != nil)
        let spec = try #require(r.levers.first { $0.name == "spec" })
        #expect(spec.saving == 0 && spec.gpus == r.gpus && spec.meanITLMs == nil, "\(spec.saving)")
        #expect(spec.meanTTFTMs.map { approx($0, r.meanTTFTMs ?? 0, rel: 1e-9) } == true)
        #expect(r.notes.contains("lever spec changes nothing here: no query has a decode step for it to speed (every answer is one token)"))
        let disagg = try #require(r.levers.first { $0.name == "disagg" })
        #expect(disagg.meanITLMs == nil)
        // With decode steps, both still change the decode.
        let chat = try runWorkload(kernelWorkload(extra: levers), samples: 200)[0]
        #expect(chat.meanITLMs != nil && chat.levers.allSatisfy { $0.meanITLMs != nil && $0.saving != 0 })
    }

    /// Under speculative decoding a sequence's intervals wait on the verification step, however
    /// short its answer: at one sequence in flight a 2-token answer's ITL had read 13.2 ms, the
    /// mean of the plain 18.4 ms step and the 8.0 ms one its single interval takes.
    @Test func aShortAnswersIntervalIsAVerificationStep() throws {
        func specITL(output: Int) throws -> Double {
            let c = #"{"name": "c", "share": 1, "deployment": "d", "input": {"fixed": 16}, "output": {"fixed": \#(output)}}"#
            let d = #"{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm", "maxBatch": 1}"#
            let levers = #""levers": [{"name": "spec", "speculative": {"draftTokens": 4, "acceptance": 0.7}}]"#
            let r = try runWorkload(kernelWorkload(classes: c, extra: levers, deployment: d), samples: 50)[0]
            return try #require(r.levers.first?.meanITLMs)
        }
        let short = try specITL(output: 2), long = try specITL(output: 500)
        #expect(approx(short, long, rel: 0.05), "2-token ITL \(short) ms against 500-token \(long) ms")
    }

    /// The variance shares are of one query's Wh, and a share within the draws' noise reads as
    /// below it, not as a precise 0 %.
    @Test func varianceSharesSayWhatTheySpreadAndTheirNoise() throws {
        #expect(approx(VarianceShare.noiseLevel(draws: 20_000), 3 / 20_000.0.squareRoot()))
        #expect(VarianceShare.noiseLevel(draws: 4) == 1 && VarianceShare.noiseLevel(draws: 0) == 1)
        var r = try runWorkload(kernelWorkload(), samples: 2000)[0]
        r.varianceShares = [VarianceShare(input: "input tokens", share: 0.94), VarianceShare(input: "PUE", share: 0.004)]
        let words = FleetRendering.varianceWords(r)
        #expect(words.contains("one query's Wh") && words.contains("not the day's total"))
        #expect(words.hasSuffix("input tokens 94 %, PUE < 6.7 %") && words.contains("< 6.7 %: within the noise of 2000 draws"), "\(words)")
        #expect(!FleetRendering.text(try readWorkload(kernelWorkload()), [r]).contains("PUE 0 %"))
        // An input of one value explains exactly none.
        r.varianceShares.append(VarianceShare(input: "output tokens", share: 0, constant: true))
        #expect(FleetRendering.varianceWords(r).hasSuffix("PUE < 6.7 %, output tokens 0 %"))
    }

    /// Too few draws per class for a sampling error: the figure is called unreliable.
    @Test func tooFewDrawsAreCalledUnreliable() throws {
        let one = try runWorkload(kernelWorkload(), samples: 1)[0]
        #expect(one.notes.contains { $0.contains("is unreliable") && $0.contains("class chat 1") }, "\(one.notes)")
        let many = try runWorkload(kernelWorkload(), samples: 200)[0]
        #expect(!many.notes.contains { $0.contains("is unreliable") })
    }

    /// The MW column is headed as the peak it holds, a mix's row marked as the day's mean.
    @Test func theMWColumnSaysPeakAndMarksMeans() throws {
        let w = try readWorkload(kernelWorkload(more: #"{"name": "m", "kind": "mix", "queriesPerDay": 1e7, "mix": [{"scenario": "s", "share": 1}]}"#))
        let results = try FleetRunner(dataDirectory: nil).run(w, samples: 200)
        let text = FleetRendering.text(w, results)
        #expect(text.split(separator: "\n")[0].contains("GPUs  peak MW (facility)"))
        #expect(FleetRendering.facilityMW(results[1]).hasSuffix(" (day's mean)") && !FleetRendering.facilityMW(results[0]).contains("mean"))
        #expect(FleetRendering.markdown(w, results).contains("| GPUs | peak MW (facility) |"))
    }

    /// Counts past a trillion in words or powers of ten; a day of no queries says why its query
    /// costs less.
    @Test func largeAndZeroTrafficReadSensibly() throws {
        #expect(FleetRendering.queries(1e15) == "1 × 10^15" && FleetRendering.queries(2.5e12) == "2.5 trillion")
        #expect(FleetRendering.queries(9.9999e15) == "1 × 10^16" && FleetRendering.queries(1e8) == "100 million")
        // Rounding carries into the next unit at every unit, not only past 10^15.
        #expect(FleetRendering.queries(999.7e12) == "1 × 10^15" && FleetRendering.queries(999.7e6) == "1 billion")
        #expect(FleetRendering.queries(999.7e9) == "1 trillion" && FleetRendering.queries(999_700) == "1 million")
        let none = try runWorkload(kernelWorkload().replacingOccurrences(of: #""queriesPerDay": 1e7"#, with: #""queriesPerDay": 0"#), samples: 200)[0]
        #expect(none.gpus == 0 && none.notes.contains(KernelFleet.noTrafficNote))
        let some = try runWorkload(kernelWorkload(), samples: 200)[0]
        #expect(!some.notes.contains(KernelFleet.noTrafficNote) && some.whPerQuery.mean > none.whPerQuery.mean)
    }

    /// A summary cell whose factor counts CO2 alone (AIB's residual mix for Germany) is marked.
    @Test func aCO2OnlyCarbonCellIsMarked() throws {
        let text = kernelWorkload().replacingOccurrences(of: #""scenarios": ["#, with: #""emissions": {"region": "de", "contractualShare": 0.5}, "scenarios": ["#)
        let report = try WorkloadReport.build(try readWorkload(text), name: "de", source: "w.json", runner: FleetRunner(dataDirectory: nil), samples: 200)
        guard case let .table(header, rows, _)? = report.summary().first(where: { if case .table = $0 { true } else { false } }) else {
            Issue.record("no summary table"); return
        }
        let market = try #require(header.firstIndex(of: "carbon/query, market")), location = try #require(header.firstIndex(of: "carbon/query, location"))
        #expect(rows[0][market].hasSuffix(" (CO2 only)") && !rows[0][location].contains("CO2 only"), "\(rows[0])")
    }
}
