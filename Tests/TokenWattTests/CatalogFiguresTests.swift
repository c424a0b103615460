import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// Catalog figures a 2026-12-07 audit found misattributed or inconsistent.
@Suite struct CatalogFiguresTests {
    /// EcoLogits' own formula on its own model list (genai-impact/ecologits
    /// ecologits/data/models.json @ 2d0a1c76358a1aad0c530d47794e37465ad029e8: gpt-oss-20b 21 B
    /// total / 3.6 B active, gpt-oss-120b 117 / 5.1): GPU energy per output token, α·e^(β·64)·P_active
    /// + γ Wh per GPU (ecologits/impacts/llm.py), on ceil(1.2·P_total·2 / 80) GPUs rounded up to a
    /// power of two. The baseline had fed it the catalog's computed active count, which counts the
    /// input embeddings (gpt-oss-20b 4.19 B, 16 % above the published 3.61 B).
    @Test(arguments: [("openai/gpt-oss-20b", 21.0, 3.6), ("openai/gpt-oss-120b", 117.0, 5.1)])
    func theEcoLogitsBaselineTakesItsPublishedParameters(_ id: String, total: Double, active: Double) throws {
        let m = try ModelCatalog.bundled.model(id)
        var gpus = 1
        while Double(gpus) * 80 < 1.2 * total * 2 { gpus *= 2 }
        let ecologits = (1.1665e-6 * exp(-0.011206 * 64) * active + 4.0529e-5) * 3600 * Double(gpus)
        let ours = Baselines.ecologitsJoulesPerToken(model: m, batch: 64)
        #expect(approx(ours, ecologits, rel: 0.01), "\(id): \(ours) J vs EcoLogits \(ecologits) J")
    }

    /// Every catalog model's baseline uses its published active count where it has one: a change
    /// to the architecture that moves the computed count leaves the baseline alone.
    @Test func theBaselineIgnoresTheComputedCountWhereAPublishedOneExists() throws {
        for m in ModelCatalog.bundled.models where m.publishedActiveParams != nil && m.publishedTotalParams != nil {
            var wider = m
            wider.vocabSize *= 2
            #expect(Baselines.ecologitsJoulesPerToken(model: wider, batch: 64) == Baselines.ecologitsJoulesPerToken(model: m, batch: 64), "\(m.id)")
        }
    }

    /// The H100 PCIe's tensor and FP32 peaks come from its product brief (PB-11133-001), not from
    /// the current datasheet's SXM and NVL columns, which their sources had cited.
    @Test func theH100PCIePeaksCiteThePCIeBrief() throws {
        let g = try GPUCatalog.bundled.gpu("h100-pcie")
        for field in ["tensorPeakTFLOPS", "fp32TFLOPS"] {
            let s = g.source(of: field)
            #expect(s.hasPrefix("NVIDIA H100 PCIe GPU product brief PB-11133-001") && !s.contains("(H100 SXM / H100 NVL columns) ("), "\(field): \(s)")
        }
    }

    /// The H20's 500 W is the limit its driver enforces; the source says so and names the 400 W
    /// of the reported specification, and the HGX H20 node is rated on the enforced limit.
    @Test func theH20PowerSourceNamesBothFigures() throws {
        let c = GPUCatalog.bundled
        let g = try c.gpu("h20")
        let s = g.source(of: "tdpWatts")
        #expect(g.tdp.watts == 500 && s.contains("enforces") && s.contains("400 W") && s.contains("Caveat"), "\(s)")
        #expect(try c.node("hgx-h20-8gpu").maxPower.watts >= 8 * g.tdp.watts)
    }

    /// The embodied stand-ins follow one rule: a GPU on the same die and baseboard class as one
    /// with a vendor footprint takes that footprint plus its extra memory at LLMCarbon's
    /// 0.4 kgCO2e/GB (as h200 from h100-sxm), and an 8-GPU baseboard server takes dgx-h100's host.
    @Test(arguments: [("h200", "h100-sxm"), ("h800-sxm", "h100-sxm"), ("h20", "h100-sxm"), ("b300", "b200")])
    func aGPUStandInIsItsBaseAndItsExtraMemory(_ gpu: String, base: String) throws {
        let f = FacilityCatalog.bundled
        let c = GPUCatalog.bundled
        let own = try #require(f.gpus.first { $0.id == gpu }, "\(gpu) has no embodied footprint")
        let from = try #require(f.gpus.first { $0.id == base })
        let extraGB = (try c.gpu(gpu).memoryCapacity.bytes - c.gpu(base).memoryCapacity.bytes) / 1_073_741_824
        #expect(approx(own.kgCO2e, from.kgCO2e + 0.4 * extraGB, rel: 1e-9), "\(gpu): \(own.kgCO2e) vs \(from.kgCO2e) + 0.4 × \(extraGB)")
        #expect(own.source.hasPrefix("derived:") && own.source.contains(base))
    }

    @Test(arguments: ["dgx-h200", "dgx-b200", "dgx-b300", "hgx-h800-8gpu", "hgx-h20-8gpu", "mi300x-platform", "mi325x-platform", "mi355x-platform"])
    func anEightGPUBaseboardServerTakesTheDGXH100Host(_ node: String) throws {
        let f = FacilityCatalog.bundled
        let host = try #require(f.nodes.first { $0.id == "dgx-h100" })
        let own = try #require(f.nodes.first { $0.id == node }, "\(node) has no embodied footprint")
        #expect(own.kgCO2e == host.kgCO2e && own.source.hasPrefix("derived: same class as"), "\(node)")
    }
}
