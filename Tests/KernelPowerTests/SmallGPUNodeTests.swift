import Foundation
import Testing
@testable import KernelPower

/// The nodes, links and names of small and PCIe GPUs, as a small-GPU operator probing them on
/// 2026-12-07 found them: each test is one finding.
@Suite struct SmallGPUNodeTests {
    static let catalog = GPUCatalog.bundled

    /// One A10 or A100 PCIe keeps the single-GPU workstation the EnergAIzer rows were measured in;
    /// more take the GPU's 8-GPU PCIe server (2 × A10 at tp 2 had been two workstations, tp over
    /// PCIe across separate hosts). A GPU without a server node keeps its default whatever the count.
    @Test(arguments: [("a10", "workstation-1x-a10", "pcie-server-8x-a10"),
                      ("a100-pcie-40gb", "workstation-1x-a100-pcie-40gb", "pcie-server-8x-a100-pcie-40gb")])
    func moreGPUsThanTheWorkstationTakeTheServer(_ id: String, _ workstation: String, _ server: String) throws {
        let g = try Self.catalog.gpu(id)
        #expect(Self.catalog.node(of: g, gpuCount: 1).id == workstation)
        for n in [2, 4, 8] { #expect(Self.catalog.node(of: g, gpuCount: n).id == server, "\(n) × \(id)") }
        let h = try Self.catalog.gpu("h100-sxm")
        #expect(Self.catalog.node(of: h, gpuCount: 16).id == "dgx-h100")
    }

    /// A `serverNode` that is no node, holds another GPU, or holds no more GPUs than the default
    /// node is refused at load, naming the field.
    @Test func aServerNodeIsChecked() throws {
        let g = try Self.catalog.gpu("a10")
        func catalog(serverNode: String) throws -> GPUCatalog {
            var bad = g
            bad.serverNodeID = serverNode
            return try GPUCatalog(gpus: Self.catalog.gpus.map { $0.id == "a10" ? bad : $0 }, nodes: Self.catalog.nodes)
        }
        for (node, says) in [("no-such-node", "serverNode"), ("pcie-server-8x-l4", "holds l4"), ("workstation-1x-a10", "more GPUs than")] {
            do {
                _ = try catalog(serverNode: node)
                Issue.record("\(node) was taken")
            } catch { #expect("\(error)".contains(says), "\(error)") }
        }
        #expect(try catalog(serverNode: "pcie-server-8x-a10").node(of: g, gpuCount: 2).id == "pcie-server-8x-a10")
    }

    /// The generic PCIe servers' fans are scaled by total GPU TDP from the L40S template (250 W of
    /// fans under load for 8 × 350 W): an L4 server had kept all 250 W, 81.25 W of host per
    /// 72 W GPU. Host under load = 400 W of CPUs, memory, NICs, switches and storage + the fans.
    @Test(arguments: ["pcie-server-8x-l4", "pcie-server-8x-a10", "pcie-server-8x-a100-pcie-40gb", "pcie-server-8x-a100-pcie-80gb"])
    func pcieServerFansFollowTheirGPUsHeat(_ id: String) throws {
        let n = try Self.catalog.node(id)
        let g = try Self.catalog.gpu(n.gpuID)
        let fans = 250 * Double(n.gpuCount) * g.tdp.watts / 2800
        #expect(abs(n.hostActivePower.watts - (400 + fans)) <= 10, "\(id): \(n.hostActivePower.watts) W")
        #expect(abs(n.hostIdlePower.watts - (300 + fans * 100 / 250)) <= 10, "\(id): \(n.hostIdlePower.watts) W")
        #expect(n.hostActivePower.watts / Double(n.gpuCount) < max(g.tdp.watts, 80))
    }

    /// The A100 80GB PCIe from NVIDIA's A100 datasheet: 300 W, 1,935 GB/s, an NVLink bridge
    /// (600 GB/s) for a pair and PCIe Gen4 (64 GB/s) beyond it; its default node is the bridged server.
    @Test func theA100PCIe80GBIsCatalogued() throws {
        let g = try Self.catalog.gpu("a100-pcie-80gb")
        #expect(g.tdp.watts == 300 && g.memoryBandwidth.bytesPerSecond == 1.935e12 && g.formFactor == "pcie")
        #expect(g.interconnect.unidirectionalBandwidth(participants: 2).bytesPerSecond == 300e9)
        #expect(g.interconnect.unidirectionalBandwidth(participants: 4).bytesPerSecond == 32e9)
        #expect(Self.catalog.defaultNode(of: g).id == "pcie-server-8x-a100-pcie-80gb")
        #expect(try Self.catalog.gpu("nvidia a100 80gb pcie").id == g.id)
    }

    /// `a100` and `a100-80gb` read as the A100 SXM4 80GB; the note says so and names the PCIe
    /// cards. An id, or an alias no other GPU's name extends, gets none.
    @Test func anAliasOtherGPUsExtendSaysWhatItChose() throws {
        let a100 = try #require(Self.catalog.aliasNote("a100"))
        #expect(a100.contains("a100-sxm-80gb") && a100.contains("sxm form factor") && a100.contains("a100-pcie-80gb (pcie)")
                && a100.contains("a100-pcie-40gb (pcie)"))
        #expect(try #require(Self.catalog.aliasNote("A100-80GB")).contains("a100-pcie-80gb"))
        #expect(Self.catalog.aliasNote("a100-sxm-80gb") == nil && Self.catalog.aliasNote("l4") == nil
                && Self.catalog.aliasNote("nvidia l40s") == nil && Self.catalog.aliasNote("no-such-gpu") == nil)
    }

    /// A PCIe-only GPU carried from the H100 fit (found over NVSwitch, link efficiency 1.0) takes
    /// the PCIe sets' value; a bridged or NVLink GPU keeps its base's, and GDDR parts already
    /// carry the A10's.
    @Test func aPCIeGPUsLinkEfficiencyIsThePCIeSets() throws {
        let c = CoefficientFile.bundled
        let pcie = try #require(c.fittedSet(for: CarryOver.pcieBase)).set.timeModel.linkEfficiency
        let h100 = try #require(c.fittedSet(for: "h100-sxm")).set.timeModel.linkEfficiency
        #expect(pcie != h100)
        #expect(c.coefficients(for: try Self.catalog.gpu("h100-pcie")).timeModel.linkEfficiency == pcie)
        #expect(c.coefficients(for: try Self.catalog.gpu("h100-pcie")).provenance.contains("link efficiency"))
        #expect(c.coefficients(for: try Self.catalog.gpu("h100-nvl")).timeModel.linkEfficiency == h100)
        #expect(c.coefficients(for: try Self.catalog.gpu("h200")).timeModel.linkEfficiency == h100)
        #expect(c.coefficients(for: try Self.catalog.gpu("rtx-pro-6000-server")).timeModel.linkEfficiency == pcie)
    }
}
