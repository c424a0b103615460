import Foundation
import Testing
@testable import TokenWatt

/// Multimodal checkpoints are priced as their language decoder alone; every estimate on one says
/// so. Qwen3-VL-8B (8.77 B published parameters, 8.19 B in its decoder) was priced with no word.
@Suite struct UnmodelledPartsTests {
    @Test func aMultimodalModelsEstimatesSayWhatIsLeftOut() throws {
        let e = Estimator()
        for id in ["Qwen/Qwen3-VL-8B-Instruct", "Qwen/Qwen3-VL-8B-Instruct-FP8", "google/gemma-3-27b-it", "meta-llama/Llama-4-Scout-17B-16E-Instruct"] {
            let d = try e.deployment(DeploymentRequest(model: id, gpu: "h200", gpus: 2, tensorParallel: 2))
            let notes = QueryEstimate.deploymentCaveats(d)
            #expect(notes.contains { $0.contains("language decoder alone") && $0.contains("vision encoder") && $0.contains("text-only") }, "\(id): \(notes)")
        }
        // Text-only models, Gemma 3's 1B among them, say nothing of the kind.
        for id in ["meta-llama/Llama-3.1-8B-Instruct", "google/gemma-3-1b-it"] {
            let d = try e.deployment(DeploymentRequest(model: id, gpu: "h200"))
            #expect(!QueryEstimate.deploymentCaveats(d).contains { $0.contains("language decoder alone") }, "\(id)")
        }
    }

    @Test func aVariantKeepsOrReplacesItsBasesParts() throws {
        let base = #"{"id": "mm", "aliases": [], "family": "f", "layers": 2, "hiddenSize": 64, "heads": 4, "kvHeads": 2, "headDim": 16, "ffnSize": 128, "ffnGated": true, "activation": "silu", "norm": "rmsnorm", "positional": "rope", "maxPositions": 4096, "vocabSize": 1000, "tiedEmbeddings": false, "attention": {"kind": "gqa"}, "defaultPrecision": "bf16", "unmodelledParts": "vision encoder", "source": "test"}"#
        let file = #"{"schemaVersion": 1, "models": ["# + base + #", {"id": "mm-fp8", "variantOf": "mm", "aliases": [], "defaultPrecision": "fp8", "source": "test"}, {"id": "mm-omni", "variantOf": "mm", "aliases": [], "unmodelledParts": "audio encoder", "source": "test"}]}"#
        let c = try ModelCatalog.load(Data(file.utf8), file: "m.json")
        #expect(try c.model("mm").unmodelledParts == "vision encoder")
        #expect(try c.model("mm-fp8").unmodelledParts == "vision encoder")
        #expect(try c.model("mm-omni").unmodelledParts == "audio encoder")
        let blank = file.replacingOccurrences(of: #""unmodelledParts": "vision encoder""#, with: #""unmodelledParts": " ""#)
        do {
            _ = try ModelCatalog.load(Data(blank.utf8), file: "m.json")
            Issue.record("a blank unmodelledParts was accepted")
        } catch {
            #expect("\(error)".contains("models[0].unmodelledParts") && "\(error)".contains("m.json"), "\(error)")
        }
    }
}

/// `power`, `tune` and `kernels` give estimate's caveats of the deployment through one function
/// (`QueryEstimate.deploymentCaveats`); each had assembled them by hand and none said that a
/// multimodal checkpoint was priced as its language decoder alone.
@Suite struct PlanningCaveatsTests {
    static let estimator = Estimator()
    static let query = ServingRequest(batch: 16, inputTokens: 500, outputTokens: 200)
    static let model = "Qwen/Qwen3-VL-8B-Instruct"

    static func saysDecoderAlone(_ notes: [String]) -> Bool { notes.contains { $0.contains("language decoder alone") } }

    @Test func powerTuneAndKernelsSayAMultimodalModelIsPricedAsItsDecoder() throws {
        let e = Self.estimator
        let request = DeploymentRequest(model: Self.model, gpu: "h100-sxm")
        let d = try e.deployment(request)
        let plan = try PowerPlan(estimator: e, deployment: d, inputs: .init(batch: 16, inputTokens: 500, outputTokens: 200))
        #expect(Self.saysDecoderAlone(plan.assumptions), "power: \(plan.assumptions)")
        let tune = try Tuning(estimator: e, base: request, serving: Self.query, targets: .init(), steps: 2)
        #expect(Self.saysDecoderAlone(tune.notes), "tune: \(tune.notes)")
        let listing = try KernelListing(estimator: e, deployment: d, serving: Self.query, pass: .decode)
        #expect(Self.saysDecoderAlone(listing.notes), "kernels: \(listing.notes)")
    }

    @Test func eachCaveatIsSaidOnce() throws {
        let e = Self.estimator
        let d = try e.deployment(DeploymentRequest(model: Self.model, gpu: "mi300x"))
        let plan = try PowerPlan(estimator: e, deployment: d, inputs: .init(batch: 16, inputTokens: 500, outputTokens: 200))
        let listing = try KernelListing(estimator: e, deployment: d, serving: Self.query, pass: .prefill)
        for notes in [plan.assumptions, listing.notes] {
            #expect(Set(notes).count == notes.count, "\(notes)")
        }
    }
}
