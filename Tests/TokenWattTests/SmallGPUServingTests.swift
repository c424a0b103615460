import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// A small-GPU operator's probe (2026-12-07): multi-GPU A10 deployments priced on one workstation
/// per GPU, SGLang's step budget on a 24 GB GPU, and fleets that never said what step budget
/// their deployments ran at.
@Suite struct SmallGPUServingTests {
    static let estimator = Estimator()

    /// Two A10s at tp 2 share the 8-GPU PCIe server, not a workstation each (200 W of host per GPU),
    /// and the estimate's host assumption says which node it took and why; one A10 keeps the
    /// workstation the EnergAIzer rows were measured in.
    @Test func twoA10sShareAPCIeServer() throws {
        let e = Self.estimator
        let two = try e.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "a10", gpus: 2, tensorParallel: 2))
        let one = try e.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "a10", gpus: 1))
        #expect(two.node.id == "pcie-server-8x-a10" && one.node.id == "workstation-1x-a10")
        let r = ServingRequest(batch: 1, inputTokens: 512, outputTokens: 256, tokenBudget: ServingRequest.defaultTokenBudget(for: two))
        let q = try QueryEstimate(estimator: e, deployment: two, request: r, settings: try LedgerSettings())
        let host = try #require(q.assumptions.first { $0.hasPrefix("host: ") })
        #expect(host.contains("pcie-server-8x-a10") && host.contains("more than its default node workstation-1x-a10"), "\(host)")
        let rOne = ServingRequest(batch: 1, inputTokens: 512, outputTokens: 256, tokenBudget: ServingRequest.defaultTokenBudget(for: one))
        let single = try QueryEstimate(estimator: e, deployment: one, request: rOne, settings: try LedgerSettings())
        #expect(!(single.assumptions.first { $0.hasPrefix("host: ") } ?? "").contains("server node"))
    }

    /// SGLang's default `chunked_prefill_size` follows sglang 0.5.5's tiers by GPU memory (2048
    /// below 35 GiB, 4096 below 60, 8192 below 160, 16384 above: `AMDServingTests` holds each
    /// catalog GPU's); TensorRT-LLM keeps 8192 everywhere.
    @Test(arguments: GPUCatalog.bundled.gpus.map(\.id))
    func sglangTakesItsChunkByMemoryTier(id: String) throws {
        let gpu = try GPUCatalog.bundled.gpu(id)
        let gib = gpu.memoryCapacity.bytes / 1_073_741_824
        let tier = gib < 35 ? 2048 : gib < 60 ? 4096 : gib < 160 ? 8192 : 16384
        #expect(ServingRequest.defaultTokenBudget(on: gpu, framework: .sglang) == tier, "\(id)")
        #expect(ServingRequest.defaultTokenBudget(on: gpu, framework: .trtllm) == 8192)
    }

    @Test func theL4AndA10AreSGLangsSmallGPUs() throws {
        let budgets = try ["l4", "a10", "l40s", "a100-pcie-40gb", "h100-sxm"].map {
            ServingRequest.defaultTokenBudget(on: try GPUCatalog.bundled.gpu($0), framework: .sglang)
        }
        #expect(budgets == [2048, 2048, 4096, 4096, 8192])
    }

    /// A fleet's deployment line (text and Markdown) and its JSON give the step budget each
    /// deployment ran at: the workload's, or the engine's default for the GPU.
    @Test func aFleetStatesEachDeploymentsStepBudget() throws {
        let deployments = #"{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm"}, "#
            + #"{"name": "e", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "l4", "tokenBudget": 1024}"#
        let classes = #"{"name": "chat", "share": 0.7, "deployment": "d", "input": {"fixed": 1000}, "output": {"fixed": 200}}, "#
            + #"{"name": "batch", "share": 0.3, "deployment": "e", "input": {"fixed": 1000}, "output": {"fixed": 200}}"#
        let w = try readWorkload(kernelWorkload(classes: classes, deployment: deployments))
        let r = try FleetRunner(dataDirectory: nil).run(w, samples: 200)[0]
        #expect(r.servers.map(\.tokenBudget) == [8192, 1024])
        let text = FleetRendering.text(w, [r])
        #expect(text.contains("deployments: deployment d: ") && text.contains("× dgx-h100, step budget 8192 tokens, for chat")
                && text.contains("step budget 1024 tokens, for batch"), "\(text)")
        #expect(FleetRendering.serverWords(r).contains("step budget 1024 tokens"))
        let json = JSONWriter().write(FleetRendering.scenarioJSON(r))
        let parsed = try JSONParser.parse(Data(json.utf8), file: "out")
        guard case let .object(fields) = parsed, case let .array(list)? = fields.first(where: { $0.0 == "deployments" })?.1 else {
            Issue.record("no deployments"); return
        }
        let budgets = list.compactMap { v -> Double? in
            guard case let .object(o) = v, case let .number(x)? = o.first(where: { $0.0 == "tokenBudget" })?.1 else { return nil }
            return x
        }
        #expect(budgets == [8192, 1024])
    }
}
