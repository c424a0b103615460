import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// What a 2026-12-07 AMD operator's probe found missing or misworded for the AMD platforms: a
/// scale-out network for MI300X, NVLink named for Infinity Fabric, MI355X's FP4 matrix cores
/// called absent, no embodied figure for the MI350X platform, and docs behind the caveat.
@Suite struct AMDPlatformTests {
    static let estimator = Estimator()
    static let amdGPUs = ["mi300x", "mi325x", "mi350x", "mi355x"]

    /// 16 × MI300X at tp 16 errored "no scale-out network bandwidth for mi300x-platform".
    @Test(arguments: amdGPUs) func everyAMDPlatformHasAScaleOutNetwork(gpu: String) throws {
        let node = try GPUCatalog.bundled.node(try GPUCatalog.bundled.gpu(gpu).defaultNodeID)
        #expect(node.scaleOutBandwidthPerGPU.map { approx($0.bytesPerSecond, 50e9) } == true)
        let d = try Self.estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-405B-Instruct", gpu: gpu, gpus: 16,
                                                                tensorParallel: 16, precision: .fp8))
        let note = try #require(d.scaleOutNote)
        // The intra-node link is the catalog's: Infinity Fabric, never NVLink, on AMD parts.
        #expect(note.contains("Infinity Fabric within the node") && !note.contains("NVLink"), "\(note)")
    }

    @Test func nvidiaNodesStillSayNVLink() throws {
        let d = try Self.estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-405B-Instruct", gpu: "h100-sxm", gpus: 16,
                                                                tensorParallel: 16, precision: .fp8))
        #expect(d.scaleOutNote?.contains("NVLink within the node") == true)
    }

    /// MI355X has FP4 matrix cores; what it lacks for an NVFP4 KV cache is NVFP4's scaling.
    @Test func mi355xNVFP4KVRefusalNamesMXScaling() throws {
        let gpu = try GPUCatalog.bundled.gpu("mi355x")
        let words = try #require(Deployment.kvCacheProblem(gpu: gpu, framework: .vllm, precision: .fp8, kvPrecision: .nvfp4))
        #expect(!words.contains("has none") && words.contains("FP4 matrix cores") && words.contains("E8M0"), "\(words)")
        let mi300x = try #require(Deployment.kvCacheProblem(gpu: try GPUCatalog.bundled.gpu("mi300x"), framework: .vllm,
                                                            precision: .fp8, kvPrecision: .nvfp4))
        #expect(mi300x.contains("mi300x has none"))
    }

    /// Every AMD platform has the derived server footprint (mi350x-platform had none).
    @Test(arguments: amdGPUs) func everyAMDPlatformHasAnEmbodiedFigure(gpu: String) throws {
        let node = try GPUCatalog.bundled.gpu(gpu).defaultNodeID
        let e = try #require(FacilityCatalog.bundled.nodes.first { $0.id == node })
        #expect(approx(e.kgCO2e, 5700) && e.source.contains("SERVER_EMBODIED_IMPACT_GWP = 5700"))
    }

    /// methodology.md quotes the AMD caveat's range as the code prints it.
    @Test func methodologyQuotesTheCaveatsRange() throws {
        let text = try String(contentsOf: packageRoot.appendingPathComponent("docs/methodology.md"), encoding: .utf8)
        let quoted = try #require(text.range(of: #"the AMD caveat now reads ([0-9.]+–[0-9.]+×)"#, options: .regularExpression))
        let range = String(text[quoted]).components(separatedBy: "reads ").last ?? ""
        #expect(PublishedServing.amdServingCaveat.contains(range), "\(range)")
    }

    /// gpu-generations.json's description quotes the MI355X serving gap validate scores, not the GEMM alone.
    @Test func gpuGenerationsQuotesTheMI355XServingGap() throws {
        let data = try Data(contentsOf: packageRoot.appendingPathComponent("Workloads/gpu-generations.json"))
        let description = try #require((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["description"] as? String)
        let ratios = PublishedServing.run(estimator: Self.estimator).records
            .filter { $0.gpu == "mi355x" && $0.metric == "tokens_per_s" && $0.estimator == "tokenwatt" }.map { $0.predicted / $0.measured }
        #expect(!ratios.isEmpty)
        let words = "\(formatNumber(ratios.min() ?? 0, significant: 2))–\(formatNumber(ratios.max() ?? 0, significant: 2))×"
        #expect(description.contains("MI355X's output throughput \(words) over-estimated"), "\(words)")
    }
}
