import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// `estimate` (and `diagnose`, which reads its assumptions) says where the GPUs' topology paces a
/// tensor-parallel group's collectives below the fabric's full rate, and says nothing where it does not.
@Suite struct TopologyNoteTests {
    let estimator = Estimator()

    func note(_ gpu: String, tp: Int) throws -> String? {
        try estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-70B-Instruct", gpu: gpu, gpus: tp, tensorParallel: tp)).topologyNote
    }

    @Test func pacedGroupsAreNamed() throws {
        let nvl = try #require(try note("h100-nvl", tp: 4))
        #expect(nvl.contains("h100-nvl tp 4") && nvl.contains("bridged pair") && nvl.contains("64 GB/s per direction"), "\(nvl)")
        let mesh = try #require(try note("mi300x", tp: 2))
        #expect(mesh.contains("mi300x tp 2") && mesh.contains("1 of the GPU's 7") && mesh.contains("64 GB/s per direction"), "\(mesh)")
    }

    /// An expert-parallel group is named only where tokens cross GPUs: at tp 4, ep 4 on one
    /// replica the experts ride the tensor-parallel all-reduce, and the note had named an "ep 4"
    /// collective no kernel runs; two data-parallel replicas sharing ep 8 do exchange tokens.
    @Test func anExpertGroupIsNamedOnlyWhereTokensCrossGPUs() throws {
        func moe(tp: Int, ep: Int, gpus: Int) throws -> Deployment {
            try estimator.deployment(DeploymentRequest(model: "mistralai/Mixtral-8x7B-v0.1", gpu: "h100-nvl", gpus: gpus, tensorParallel: tp, expertParallel: ep))
        }
        let together = try moe(tp: 4, ep: 4, gpus: 4)
        #expect(!together.exchangesExpertTokens)
        let note = try #require(together.topologyNote)
        #expect(note.contains("h100-nvl tp 4") && !note.contains("ep 4"), "\(note)")
        let apart = try moe(tp: 4, ep: 8, gpus: 8)
        #expect(apart.exchangesExpertTokens && (apart.topologyNote ?? "").contains("ep 8"), "\(apart.topologyNote ?? "")")
    }

    /// A pipeline's send leaves its bridged pair unless two stages of one GPU each share it: tp 2 ×
    /// pp 2 on H100 NVL hands activations over PCIe, and says so; it had been timed at the bridge's rate.
    @Test func aPipelineSendBeyondItsPairIsNamed() throws {
        func pipeline(tp: Int, pp: Int) throws -> Deployment {
            try estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-70B-Instruct", gpu: "h100-nvl", gpus: tp * pp,
                                                       tensorParallel: tp,
                                                       pipelineParallel: pp))
        }
        let pair = try pipeline(tp: 1, pp: 2), split = try pipeline(tp: 2, pp: 2), four = try pipeline(tp: 1, pp: 4)
        #expect(!pair.stageSendLeavesPair && split.stageSendLeavesPair && four.stageSendLeavesPair)
        #expect(pair.topologyNote == nil)
        let note = try #require(split.topologyNote)
        #expect(note.contains("h100-nvl pp 2") && note.contains("host bus (PCIe) at 64 GB/s per direction"), "\(note)")
        let sxm = try estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-70B-Instruct", gpu: "h100-sxm", gpus: 4,
                                                             tensorParallel: 2, pipelineParallel: 2))
        #expect(sxm.topologyNote == nil)
    }

    @Test(arguments: [("h100-nvl", 2), ("mi300x", 8), ("h100-sxm", 4), ("h100-sxm", 8)])
    func groupsAtTheFullRateHaveNoNote(gpu: String, tp: Int) throws {
        #expect(try note(gpu, tp: tp) == nil)
    }
}
