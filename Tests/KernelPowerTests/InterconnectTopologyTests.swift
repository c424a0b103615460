import Foundation
import Testing
@testable import KernelPower

/// A collective reaches only the part of the fabric its group can use: every peer at the full rate
/// through an NVSwitch, p − 1 of a mesh's 7 links, a bridge only within its pair. TokenWatt had
/// priced every group at the whole fabric's rate (an MI300X tp 2 at 448 GB/s per direction where
/// its one link to the peer carries 64).
@Suite struct InterconnectTopologyTests {
    /// The rate, one direction, a collective of `participants` on `gpuID` moves its wire bytes at,
    /// read from the timer: the slope of time against message size (latency, overhead and the local
    /// copies, which the wire outruns at these rates, cancel), as bytes on the wire per second over
    /// the link efficiency.
    static func wireRate(_ gpuID: String, participants: Int) throws -> Double {
        let gpu = try GPUCatalog.bundled.gpu(gpuID)
        let model = CoefficientFile.bundled.coefficients(for: gpu).timeModel
        let timer = KernelTimer(gpu: gpu, clock: gpu.boostClock, model: model)
        func time(_ bytes: Double) -> Double {
            timer.cost(Kernel("all_reduce", .collective(CollectiveShape(kind: .allReduce, bytes: bytes, participants: participants)))).time.seconds
        }
        let p = Double(participants), small = 1e8, large = 2e8
        let wireBytes = 2 * (p - 1) / p * (large - small)
        return wireBytes / (time(large) - time(small)) / model.linkEfficiency
    }

    /// MI300X (7 links × 64 GB/s a direction): tp 2 at 1/7 of the 448 GB/s, tp 4 at 3/7, tp 8 at all of it.
    @Test(arguments: [(2, 1.0), (4, 3.0), (8, 7.0)])
    func meshGroupsUseTheirPeersLinks(participants: Int, links: Double) throws {
        let rate = try Self.wireRate("mi300x", participants: participants)
        #expect(approx(rate, 448e9 * links / 7, rel: 1e-9), "\(rate)")
    }

    /// H100 NVL: a pair at the bridge's 300 GB/s a direction, a larger group at PCIe Gen5's 64.
    @Test(arguments: [(2, 300e9), (4, 64e9), (8, 64e9)])
    func bridgedPairsFallBackToPCIeBeyondThePair(participants: Int, expected: Double) throws {
        let rate = try Self.wireRate("h100-nvl", participants: participants)
        #expect(approx(rate, expected, rel: 1e-9), "\(rate)")
    }

    /// A send between two GPUs of different bridged pairs crosses PCIe (a pipeline stage of tp 2
    /// sends to the next pair); a mesh's send keeps its one link and a switched GPU its full rate.
    @Test(arguments: [("h100-nvl", false, 300e9), ("h100-nvl", true, 64e9), ("mi300x", true, 64e9), ("h100-sxm", true, 450e9)])
    func aSendThatLeavesItsPairCrossesTheHostBus(gpuID: String, leavesPair: Bool, expected: Double) throws {
        let gpu = try GPUCatalog.bundled.gpu(gpuID)
        let model = CoefficientFile.bundled.coefficients(for: gpu).timeModel
        let timer = KernelTimer(gpu: gpu, clock: gpu.boostClock, model: model)
        func time(_ bytes: Double) -> Double {
            var send = CollectiveShape(kind: .send, bytes: bytes, participants: 2)
            send.leavesPair = leavesPair
            return timer.cost(Kernel("pp_send", .collective(send))).time.seconds
        }
        let rate = (2e8 - 1e8) / (time(2e8) - time(1e8)) / model.linkEfficiency
        #expect(approx(rate, expected, rel: 1e-9), "\(rate)")
    }

    /// A switched GPU keeps its full rate for every group.
    @Test(arguments: [2, 4, 8])
    func switchedGroupsKeepTheFullRate(participants: Int) throws {
        let rate = try Self.wireRate("h100-sxm", participants: participants)
        #expect(approx(rate, 450e9, rel: 1e-9), "\(rate)")
    }

    /// The link's duty cycle stays bytes over the whole fabric's capacity: a tp 2 byte on a mesh
    /// is the same byte as a tp 8 one, only slower.
    @Test func linkBytesDoNotDependOnTheTopology() throws {
        let gpu = try GPUCatalog.bundled.gpu("mi300x")
        let timer = KernelTimer(gpu: gpu, clock: gpu.boostClock, model: CoefficientFile.bundled.coefficients(for: gpu).timeModel)
        let shape = CollectiveShape(kind: .allReduce, bytes: 1e8, participants: 2)
        #expect(approx(timer.cost(Kernel("ar", .collective(shape))).activity.linkBytes, shape.bytesOnWire, rel: 1e-12))
    }

    /// The bundled entries say their topology; an entry without one is switched.
    @Test func catalogTopologies() throws {
        let c = GPUCatalog.bundled
        for id in ["mi300x", "mi325x", "mi350x", "mi355x"] { #expect(try c.gpu(id).interconnect.topology == .mesh(links: 7), "\(id)") }
        #expect(try c.gpu("h100-nvl").interconnect.topology == .bridgedPairs(beyondPair: .bytesPerSecond(1.28e11)))
        for id in ["h100-sxm", "h100-pcie", "a100-pcie-40gb", "b200"] { #expect(try c.gpu(id).interconnect.topology == .switched, "\(id)") }
    }

    static func withInterconnect(_ body: String) -> String {
        UserGPUCatalogTests.edited("{\"kind\": \"pcie4\", \"bandwidthBytesPerSecond\": 64000000000}", body)
    }

    /// A user file's topology is read and checked, each refusal naming the field.
    @Test(arguments: [
        (withInterconnect(#"{"kind": "pcie4", "bandwidthBytesPerSecond": 64000000000, "topology": "ring"}"#), "interconnect.topology"),
        (withInterconnect(#"{"kind": "pcie4", "bandwidthBytesPerSecond": 64000000000, "topology": "mesh"}"#), "interconnect.links"),
        (withInterconnect(#"{"kind": "pcie4", "bandwidthBytesPerSecond": 64000000000, "topology": "mesh", "links": 0}"#), "interconnect.links"),
        (withInterconnect(#"{"kind": "pcie4", "bandwidthBytesPerSecond": 64000000000, "links": 7}"#), "interconnect.links"),
        (withInterconnect(#"{"kind": "pcie4", "bandwidthBytesPerSecond": 64000000000, "topology": "bridged-pairs"}"#),
         "interconnect.beyondPairBandwidthBytesPerSecond"),
        (withInterconnect(#"{"kind": "pcie4", "bandwidthBytesPerSecond": 64000000000, "topology": "bridged-pairs", "beyondPairBandwidthBytesPerSecond": 1e12}"#),
         "interconnect.beyondPairBandwidthBytesPerSecond"),
        (withInterconnect(#"{"kind": "pcie4", "bandwidthBytesPerSecond": 64000000000, "topolgy": "mesh"}"#), "topology"),
    ])
    func badTopologiesNameTheField(_ text: String, _ needle: String) {
        UserGPUCatalogTests.expectRefusal(text, needle)
    }

    /// A user entry without a topology loads as switched, and one with a mesh loads as a mesh.
    @Test func userTopologyIsRead() throws {
        let plain = try GPUCatalog.bundled.adding(Data(UserGPUCatalogTests.userFile().utf8), file: "acme.json").gpu("acme-l40s")
        #expect(plain.interconnect.topology == .switched)
        let meshText = Self.withInterconnect(#"{"kind": "pcie4", "bandwidthBytesPerSecond": 64000000000, "topology": "mesh", "links": 3}"#)
        let mesh = try GPUCatalog.bundled.adding(Data(meshText.utf8), file: "acme.json").gpu("acme-l40s")
        #expect(mesh.interconnect.topology == .mesh(links: 3))
    }
}
