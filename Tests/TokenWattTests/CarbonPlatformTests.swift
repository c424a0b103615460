import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// A sustainability analyst's probe of carbon accounting and the platform lever (2026-12-07):
/// hourly weights at the `gpu` and `node` boundaries, the framework lever's measured band, the
/// Québec grid, and what SGLang's sampler is priced as.
@Suite struct CarbonPlatformTests {
    /// A 70B fleet on 4 × H100 whose queries all arrive in local hours 10–14, at `boundary`.
    func peakFleet(_ boundary: Boundary, levers: String = "", framework: String = "vllm", sampling: String? = nil) throws -> FleetResult {
        let diurnal = (0..<24).map { (10...14).contains($0) ? 0.2 : 0 }
        let extra = #""boundary": "\#(boundary.rawValue)", "diurnal": \#(diurnal), "pue": {"fixed": 1.2}"#
            + (levers.isEmpty ? "" : #", "levers": [\#(levers)]"#)
        let deployment = #"{"name": "d", "model": "meta-llama/Llama-3.1-70B-Instruct", "gpu": "h100-sxm", "gpus": 4, "framework": "\#(framework)""#
            + (sampling.map { #", "sampling": "\#($0)""# } ?? "") + "}"
        return try runWorkload(kernelWorkload(extra: extra, deployment: deployment), samples: 200)[0]
    }

    // MARK: - Hourly weights within the boundary

    /// At `gpu` and `node` the hours are weighted by the queries' energy alone, which follows the
    /// diurnal profile: the idle replicas' night hours lie outside those boundaries. The fleet's
    /// facility power had weighted them (Testland's night hours at × 0.8 took 45 % of the weight),
    /// and `hourlyKilograms` put carbon in hours without a query. `it` and `facility` still count
    /// the idle replicas.
    @Test(arguments: [Boundary.gpu, .node])
    func boundariesBelowTheIdleReplicasWeighOnlyTheBusyHours(_ boundary: Boundary) throws {
        let r = try peakFleet(boundary)
        #expect(r.hourlyEnergyShares.enumerated().allSatisfy { h, w in (10...14).contains(h) ? approx(w, 0.2) : w == 0 })
        var s = EmissionsSettings()
        s.region = "xx"
        let e = try TestCatalogs.accountant.account(r, settings: s)
        // Testland's shape is × 0.8 before noon and × 1.2 after: hours 10–14 average 1.04.
        #expect(approx(e.locationGramsPerKWh, 400 * 1.04))
        #expect(e.hourlyKilograms.enumerated().allSatisfy { h, kg in (10...14).contains(h) || kg == 0 })
    }

    /// The `it` and `facility` weights keep following the fleet's hourly power, busy and idle.
    @Test func itAndFacilityKeepTheIdleHours() throws {
        for boundary in [Boundary.it, .facility] {
            let r = try peakFleet(boundary)
            let total = r.hourlyMegawatts.reduce(0, +)
            #expect(zip(r.hourlyEnergyShares, r.hourlyMegawatts).allSatisfy { approx($0, $1 / total) })
            #expect(r.hourlyEnergyShares[3] > 0)
        }
    }

    // MARK: - The framework lever's measured band

    /// Only a lever between vLLM and TensorRT-LLM takes the measured framework band (Argonne's
    /// pairs); one to SGLang or vLLM eager has no measured pair, so it gets no range and no
    /// measured accuracy, as a sampler lever, with a note naming the engine.
    @Test func onlyVLLMAndTensorRTLLMLeversTakeTheMeasuredBand() throws {
        let r = try peakFleet(.facility, levers: #"{"name": "to sglang", "framework": "sglang"}, {"name": "to eager", "framework": "vllm-eager"}, "#
                                + #"{"name": "to trtllm", "framework": "trtllm"}"#)
        let lever = { (name: String) in r.levers.first { $0.name == name } }
        let trt = try #require(lever("to trtllm"))
        #expect(trt.measured?.lever == "framework" && trt.savingRange != nil)
        for name in ["to sglang", "to eager"] {
            let l = try #require(lever(name))
            #expect(l.measured == nil && l.savingRange == nil, "\(name)")
        }
        #expect(r.notes.contains { $0.hasPrefix("lever to sglang: no framework pair was measured for sglang") })
        #expect(r.notes.contains { $0.hasPrefix("lever to eager: no framework pair was measured for vllm-eager") })
        #expect(!r.notes.contains { $0.hasPrefix("lever to trtllm: no framework pair") })
    }

    /// From SGLang, a lever to TensorRT-LLM names SGLang as the unmeasured engine: `sglang` sorts
    /// between `trtllm` and `vllm`, so the pairs' orientation had been read off its name.
    @Test func aLeverFromSGLangIsUnmeasuredToo() throws {
        let r = try peakFleet(.facility, levers: #"{"name": "to trtllm", "framework": "trtllm"}"#, framework: "sglang")
        let l = try #require(r.levers.first)
        #expect(l.measured == nil && l.savingRange == nil)
        #expect(r.notes.contains { $0.contains("no framework pair was measured for sglang") })
        #expect(LeverPairOrientation.measuredFrameworks == [.vllm, .trtllm])
    }

    // MARK: - SGLang's sampler

    /// A `sampling: direct` lever on SGLang run at top-p changes nothing because SGLang never
    /// sorts, not because "the scenario already runs that way" (the file says top-p).
    @Test func aSamplerLeverOnSGLangSaysWhyItChangesNothing() throws {
        let r = try peakFleet(.facility, levers: #"{"name": "direct", "sampling": "direct"}"#, framework: "sglang", sampling: "top-p")
        let note = try #require(r.notes.first { $0.hasPrefix("lever direct changes nothing here") })
        #expect(note.contains("SGLang samples top-p without sorting") && !note.contains("already runs that way"), "\(note)")
    }

    /// `--framework sglang --sampling top-p` prices as direct and says so; SGLang's line names
    /// its sampler as its one difference from vLLM on a dense model, and the experts only where
    /// the model has block-FP8 ones.
    @Test func sglangsAssumptionsNameItsSampler() throws {
        let e = Estimator()
        let dense = try e.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-70B-Instruct", gpu: "h100-sxm", gpus: 4, framework: .sglang, sampling: .topP))
        let q = try QueryEstimate(estimator: e, deployment: dense, request: ServingRequest(batch: 64, inputTokens: 1000, outputTokens: 300),
                                  settings: try LedgerSettings())
        #expect(q.assumptions.contains { $0.hasPrefix("top-p sampling asked: SGLang samples top-p without sorting the logits") })
        let line = try #require(q.assumptions.first { $0.hasPrefix("SGLang continuous batching") })
        #expect(line.contains("only modelled difference from vLLM here is its sampler") && !line.contains("block-FP8"), "\(line)")
        let sampling = try #require(QueryEstimate.csvHeader.firstIndex(of: "sampling"))
        #expect(q.csvRow()[sampling] == "top-p")
        let moe = try e.deployment(DeploymentRequest(model: "deepseek-ai/DeepSeek-V3.1", gpu: "h200", gpus: 8, precision: .fp8, framework: .sglang))
        #expect(QueryEstimate.sglangDifference(moe).contains("its block-FP8 experts, streamed like 16-bit ones"))
    }

    // MARK: - Québec

    /// Montréal's cloud regions draw on Québec's grid (5.48 g, Google's 2024 figure), not
    /// Canada's 185 g; Toronto keeps the national figure standing in for Ontario's.
    @Test func montrealRegionsAreOnQuebecsGrid() throws {
        let g = GridCatalog.bundled
        for id in ["aws-ca-central-1", "gcp-northamerica-northeast1"] {
            let (grid, cloud) = try g.region(id)
            #expect(grid.id == "ca-qc" && grid.location.value == 5.48 && grid.location.year == 2024 && cloud?.standsInFor == nil, "\(id)")
        }
        #expect(try g.region("quebec").grid.id == "ca-qc")
        #expect(try g.region("azure-canadacentral").grid.id == "ca")
        let rows = CatalogConstants.regions(g)
        for text in ["quebec", "Québec", "Montréal", "QUEBEC"] {
            #expect(CatalogConstants.matching(rows, text).contains { $0.kind == "grid" && $0.id == "ca-qc" }, "\(text)")
        }
        #expect(CatalogConstants.matching(rows, "Montréal").contains { $0.id == "aws-ca-central-1" })
        #expect(CatalogConstants.matching(rows, "ca-qc").contains { $0.id == "gcp-northamerica-northeast1" })
    }
}
