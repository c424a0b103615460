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

    @Test(arguments: [("h100-nvl", 2), ("mi300x", 8), ("h100-sxm", 4), ("h100-sxm", 8)])
    func groupsAtTheFullRateHaveNoNote(gpu: String, tp: Int) throws {
        #expect(try note(gpu, tp: tp) == nil)
    }
}
