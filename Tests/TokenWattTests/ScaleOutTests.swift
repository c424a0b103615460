import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// Tensor- and expert-parallel groups larger than a node cross its scale-out network.
@Suite struct ScaleOutTests {
    let estimator = Estimator()

    /// 16 GPUs of two DGX H100s: an all-reduce of B bytes sends 2·7/8·B over NVLink within each
    /// node, then 2·1/2·B/8 over each GPU's 400 Gb/s NIC.
    @Test func aHierarchicalAllReduceSplitsItsBytes() {
        let c = CollectiveShape(kind: .allReduce, bytes: 8e6, participants: 16, nodes: 2, scaleOutBytesPerSecond: 50e9)
        let (intra, inter) = c.hierarchicalBytes
        #expect(abs(intra - 2 * 7.0 / 8 * 8e6) < 1e-6 && abs(inter - 8e6 / 8) < 1e-6)
        let flat = CollectiveShape(kind: .allToAll, bytes: 8e6, participants: 16)
        #expect(flat.hierarchicalBytes.inter == 0 && flat.hierarchicalBytes.intra == flat.bytesOnWire)
        let spread = CollectiveShape(kind: .allToAll, bytes: 8e6, participants: 16, nodes: 2, scaleOutBytesPerSecond: 50e9)
        #expect(abs(spread.hierarchicalBytes.inter - 8e6 / 2) < 1e-6, "half of each GPU's tokens go to the other node")
    }

    /// The same 16 GPUs cost more per step with tp 16 across two nodes than the NVLink-only
    /// collective would, and the estimate says why.
    @Test func tensorParallelismAcrossNodesPaysTheNetwork() throws {
        let d = try estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-405B-Instruct", gpu: "h100-sxm", gpus: 16, tensorParallel: 16))
        #expect(d.nodesSpanned(by: 16) == 2)
        #expect(d.scaleOutNote?.contains("tp 16 spans 2 dgx-h100 nodes") == true)
        let phase = Phase.prefill(batch: 4, tokens: 2048)
        let program = try PhasePlanner(deployment: d).program(for: phase)
        let allReduces = program.blocks.flatMap(\.kernels).compactMap { k -> CollectiveShape? in
            if case let .collective(c) = k.shape, c.kind == .allReduce { return c } else { return nil }
        }
        #expect(!allReduces.isEmpty && allReduces.allSatisfy { $0.nodes == 2 && $0.scaleOutBytesPerSecond == 50e9 })
        let crossing = estimator.passEstimator(for: d).estimate(program, clock: nil, powerCap: nil)
        let local = estimator.passEstimator(for: d).estimate(Self.withinOneNode(program), clock: nil, powerCap: nil)
        #expect(crossing.time.seconds > 1.05 * local.time.seconds, "\(crossing.time.seconds) vs \(local.time.seconds)")
    }

    /// A group within one node is unchanged.
    @Test func aGroupWithinANodeCrossesNoNetwork() throws {
        let d = try estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-70B-Instruct", gpu: "h100-sxm", gpus: 16, tensorParallel: 8))
        #expect(d.nodesSpanned(by: d.tensorParallel) == 1 && d.scaleOutNote == nil)
    }

    /// A one-GPU default node (a workstation A100 PCIe, a GH200 server) says nothing of how several
    /// are linked: their groups keep the GPU's own interconnect.
    @Test func oneGPUNodesKeepTheGPUsInterconnect() throws {
        for gpu in ["a100-pcie-40gb", "gh200"] {
            let d = try estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: gpu, gpus: 2, pipelineParallel: 2))
            #expect(d.nodesSpanned(by: 2) == 1 && d.scaleOutNote == nil)
        }
    }

    /// Nodes without a catalogued network, and groups that fill nodes unevenly, are refused.
    @Test func groupsTheCatalogCannotPlaceAreRefused() {
        func reason(_ r: DeploymentRequest) -> String {
            do { _ = try estimator.deployment(r); return "" } catch { return "\(error)" }
        }
        #expect(reason(DeploymentRequest(model: "meta-llama/Llama-3.1-70B-Instruct", gpu: "h100-pcie", gpus: 16, tensorParallel: 16))
            .contains("no scale-out network bandwidth for pcie-server-8x-h100-pcie"))
        #expect(reason(DeploymentRequest(model: "Qwen/Qwen3-Coder-480B-A35B-Instruct", gpu: "h200", gpus: 20, tensorParallel: 1,
                                         expertParallel: 20)).contains("ep 20 spans dgx-h200 nodes of 8 GPUs unevenly"))
    }

    static func withinOneNode(_ p: KernelProgram) -> KernelProgram {
        let blocks = p.blocks.map { b in
            KernelProgram.Block(name: b.name, kernels: b.kernels.map { k in
                guard case var .collective(c) = k.shape else { return k }
                c.nodes = 1
                return Kernel(k.name, .collective(c), hostOps: k.hostOps)
            }, repeats: b.repeats)
        }
        return KernelProgram(blocks: blocks, sequences: p.sequences)
    }
}
