import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// What one output said and another left out (2026-12-07 probes): capacity ranked MI355X and
/// MI300X above H100 with `"notes": []`, sweep's MI300X and NVFP4-on-H100 notes were empty,
/// estimate's CSV note was empty beside a 300 W cap's upper bound, the Markdown lever tables had
/// no latency, `--caps none,700` printed the uncapped row twice, a multiple of 1005.29 read 1010
/// and "126 sequences of 1000+3000 tokens" held them at their mean context.
@Suite struct OutputGapTests {
    static let estimator = Estimator()
    static let llama70 = #"{"name": "d", "model": "meta-llama/Llama-3.1-70B-Instruct", "gpu": "h100-sxm", "gpus": 4, "tp": 4, "precision": "bf16", "maxBatch": 256}"#

    /// Capacity says what estimate and fleet say of each candidate: the AMD caveat once for the
    /// MI300X candidates, B200's measured error (median above 1), a 300 W cap's upper bound.
    @Test func capacityCarriesTheCaveatsOfEstimateAndFleet() throws {
        let w = try readWorkload(kernelWorkload(classes: chatClass(input: #"{"fixed": 2000}"#, output: #"{"fixed": 300}"#), deployment: Self.llama70))
        let c = try Capacity(workload: w, runner: FleetRunner(dataDirectory: nil), budgetMegawatts: 1, gpus: ["h100-sxm", "mi300x", "b200"],
                             capCandidates: [.uncapped, .watts(300)], samples: 300)
        #expect(c.rows.count == 6, "\(c.failures)")
        let amd = c.notes.filter { $0.contains(PublishedServing.amdServingCaveat) }
        #expect(amd == ["s on mi300x uncapped, s on mi300x capped at 300 W: \(PublishedServing.amdServingCaveat)"], "\(c.notes)")
        let b200 = try #require(Self.estimator.errorBand(for: "b200"))
        #expect(b200.ratioMedian > 1.1)
        #expect(c.notes.contains { $0.hasPrefix("s on b200 uncapped, s on b200 capped at 300 W: ") && $0.contains("median \(QueryRange.ratio(b200.ratioMedian))") },
                "\(c.notes)")
        #expect(c.notes.contains { $0.hasPrefix("s on h100-sxm capped at 300 W: decode costs") && $0.hasSuffix("read it as an upper bound") }, "\(c.notes)")
        #expect(JSONWriter().write(c.json()).contains("read AMD estimates as optimistic"))
        #expect(c.text().contains("sized on the provisioned peak"))
    }

    /// A cap at the GPU's TDP beside `none` is the uncapped run: one row and one note, as sweep
    /// leaves it out; alone it is a row of its own.
    @Test func aCapAtTDPBesideNoneRunsOnce() throws {
        let w = try readWorkload(kernelWorkload())
        let tdp = try Self.estimator.gpus.gpu("h100-sxm").tdp.watts
        let c = try Capacity(workload: w, runner: FleetRunner(dataDirectory: nil), budgetMegawatts: 1, gpus: ["h100-sxm"],
                             capCandidates: [.uncapped, .watts(tdp)], samples: 300)
        #expect(c.rows.map(\.setting) == ["TDP (\(formatNumber(tdp)) W)"], "\(c.rows.map(\.setting))")
        #expect(c.notes.filter { $0.hasPrefix("h100-sxm capped at \(formatNumber(tdp)) W is not run: the cap is at or above its TDP") }.count == 1, "\(c.notes)")
        let alone = try Capacity(workload: w, runner: FleetRunner(dataDirectory: nil), budgetMegawatts: 1, gpus: ["h100-sxm"],
                                 capCandidates: [.watts(tdp)], samples: 300)
        #expect(alone.rows.map(\.setting) == ["\(formatNumber(tdp)) W"])
    }

    /// Sweep's rows carry the deployment's caveats as estimate lists them.
    @Test func sweepRowsCarryTheDeploymentsCaveats() throws {
        let spec = try SweepSpec.read(Data(#"""
            {"schemaVersion": 1, "input": 1000, "output": 300, "grid": {"model": ["meta-llama/Llama-3.1-8B-Instruct"],
             "gpu": ["h100-sxm", "mi300x"], "precision": ["bf16", "nvfp4"], "maxBatch": [64]}}
            """#.utf8), file: "s.json")
        let points = try Sweep.run(spec, estimator: Self.estimator, workers: 1)
        func point(_ gpu: String, _ p: Precision) throws -> SweepPoint {
            try #require(points.first { $0.request.gpu == gpu && $0.precision == p && $0.error == nil }, "\(points.map { ($0.request.gpu, $0.error) })")
        }
        let dequantized = try #require(try Self.estimator.deployment(try point("h100-sxm", .nvfp4).request).dequantization)
        #expect(try point("h100-sxm", .nvfp4).notes.contains(dequantized))
        #expect(try point("mi300x", .bf16).notes.contains(PublishedServing.amdServingCaveat))
        #expect(try point("h100-sxm", .bf16).notes.isEmpty)
    }

    /// Estimate's CSV note carries the caveats the receipt lists (a 300 W cap's range and upper
    /// bound), and its Markdown the phases the receipt has.
    @Test func estimatesCSVAndMarkdownSayWhatTheReceiptSays() throws {
        var r = DeploymentRequest(model: "meta-llama/Llama-3.1-70B-Instruct", gpu: "h100-sxm", gpus: 4, tensorParallel: 4)
        r.powerCapWatts = 300
        let q = try QueryEstimate(estimator: Self.estimator, deployment: try Self.estimator.deployment(r),
                                  request: ServingRequest(batch: 256, inputTokens: 2000, outputTokens: 300), settings: try LedgerSettings())
        let note = q.csvRow()[try #require(QueryEstimate.csvHeader.firstIndex(of: "note"))]
        #expect(note.contains(DecodeClockCaveat.rangeAtDefaultSettings) && note.contains("read it as an upper bound"), "\(note)")
        #expect(!q.caveats.isEmpty && q.caveats.allSatisfy { q.receipt().contains($0) && note.contains($0) })
        let md = q.markdown()
        #expect(md.contains("| prefill | \(QueryEstimate.wh(q.serving.prefill.energy.wattHours)) | TTFT \(formatFixed(q.serving.timeToFirstToken.milliseconds, decimals: 1)) ms |"), "\(md)")
        #expect(md.contains("| decode | ") && md.contains(q.interTokenReceipt) && md.contains("prefill share of GPU energy \(formatPercent(q.serving.prefillShare))"))
    }

    /// A predict serve row at a locked clock notes what estimate does of it: an upper bound.
    @Test func predictNotesALockedClocksUpperBound() throws {
        let csv = "model,gpu,gpus,tp,precision,phase,batch,input_tokens,output_tokens,sm_clock_mhz\n"
            + "meta-llama/Llama-3.1-8B-Instruct,h100-sxm,1,1,bf16,serve,256,1000,500,1500\n"
            + "meta-llama/Llama-3.1-8B-Instruct,a100-sxm-80gb,1,1,nvfp4,forward,1,1000,,\n"
        let t = PredictTable.score(try CSVTable.parse(csv, file: "p.csv"), estimator: Self.estimator)
        let column = try #require(t.header.firstIndex(of: "note"))
        guard case let .string(serve) = t.rows[0][column], case let .string(forward) = t.rows[1][column] else {
            Issue.record("no note: \(t.rows.map { $0[column] })"); return
        }
        #expect(serve.contains(DecodeClockCaveat.rangeAtDefaultSettings) && serve.contains("read it as an upper bound"), "\(serve)")
        #expect(forward.contains("nvfp4 weights dequantized to bf16"), "\(forward)")
    }

    /// Fleet's text and Markdown give each scenario's latency and each lever's latency and GPUs,
    /// and call the peak the provisioned one; the report's lever table has the same columns.
    @Test func fleetAndReportSayLatencyAndTheProvisionedPeak() throws {
        let text = kernelWorkload(extra: #""levers": [{"name": "fp8", "precision": "fp8"}]"#)
        let w = try readWorkload(text), r = try FleetRunner(dataDirectory: nil).run(w, samples: 300, seed: nil)
        let f = r[0], l = f.levers[0]
        let itl = try #require(f.meanITLMs), leverITL = try #require(l.meanITLMs)
        let plain = FleetRendering.text(w, r), md = FleetRendering.markdown(w, r)
        #expect(plain.contains("  latency: mean ITL \(formatNumber(itl, significant: 3)) ms, TTFT "), "\(plain)")
        #expect(md.contains("Latency: mean ITL \(formatNumber(itl, significant: 3)) ms"))
        let change = "\(formatNumber(itl, significant: 3)) → \(formatNumber(leverITL, significant: 3))"
        #expect(md.contains("| ITL ms | TTFT ms | GPUs |") && md.contains("| \(change) | "), "\(md)")
        let busiest = try #require(f.hourlyMegawatts.max())
        #expect(busiest < f.facilityMegawatts)
        for out in [plain, md] {
            #expect(out.contains("provisioned peak \(formatNumber(f.megawatts, significant: 3)) MW at the wall")
                    && out.contains("the busiest hour draws \(formatNumber(busiest, significant: 3)) MW at the facility"))
        }
        let report = try WorkloadReport.build(w, name: "t", source: "w.json", runner: FleetRunner(dataDirectory: nil), accountant: TestCatalogs.accountant)
        let reportMD = try #require(report.files().first { $0.0 == "md" }?.1)
        #expect(reportMD.contains("| ITL ms | TTFT ms | GPUs |") && reportMD.contains("| \(change) | ") && reportMD.contains("provisioned peak"), "\(reportMD)")
    }

    /// A test-time-compute multiple from 1,000 up is whole, not rounded to three figures.
    @Test func aLargeMultipleIsWhole() {
        #expect(WorkloadReport.multipleWords(1005.29) == "1005")
        #expect(WorkloadReport.multipleWords(123_456.7) == "123457")
        #expect(WorkloadReport.multipleWords(3.456) == "3.46")
    }

    /// A batch that does not fit names the mean context the cache was sized at.
    @Test func theKVNoteNamesTheMeanContext() throws {
        let d = try Self.estimator.deployment(DeploymentRequest(model: "Qwen/Qwen3-32B", gpu: "h100-sxm", gpus: 2, tensorParallel: 2))
        let s = try Self.estimator.serve(d, ServingRequest(batch: 256, inputTokens: 1000, outputTokens: 3000))
        let note = try #require(s.notes.first { $0.hasPrefix("batch 256 does not fit in memory") }, "\(s.notes)")
        #expect(note.contains("sequences at their mean context of \(1000 + 3000 / 2) tokens (1000+3000 at the end)"), "\(note)")
    }
}
