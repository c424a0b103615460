import Foundation
import Testing
@testable import KernelPower

/// The node catalog's maximum power says where it is measured, and is compared like with like:
/// a GH200 node's 1,250 W (a DC sum) had read below the 1,263 W `power` gives its worst case at
/// the wall, an MI355X platform's 13,600 W below its 13,632 W (2026-12-07 facility probe).
@Suite struct NodeMaxPowerBasisTests {
    static let nodesFile = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/KernelPower/Resources/nodes.json")

    /// Every bundled entry states its basis and sources it: the reader's default (wall) is for
    /// user catalogs written before the key.
    @Test func everyBundledNodeStatesItsBasis() throws {
        let root = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.nodesFile)) as? [String: Any]
        let nodes = try #require(root?["nodes"] as? [[String: Any]])
        #expect(nodes.count == GPUCatalog.bundled.nodes.count)
        for n in nodes {
            let id = n["id"] as? String ?? "?"
            #expect(["wall", "dc"].contains(n["maxPowerBasis"] as? String ?? ""), "\(id) has no maxPowerBasis")
            #expect(((n["sources"] as? [String: String])?["maxPowerBasis"] ?? "").count > 20, "\(id) does not source its maxPowerBasis")
        }
    }

    /// At the wall, every node's maximum is at least the worst case the tool draws from it: every
    /// GPU at TDP and the host busy, through the PSU.
    @Test(arguments: GPUCatalog.bundled.nodes.map(\.id))
    func theMaximumAtTheWallCoversTheWorstCase(_ id: String) throws {
        let c = GPUCatalog.bundled, n = try c.node(id), g = try c.gpu(n.gpuID)
        let worst = (g.tdp.watts * Double(n.gpuCount) + n.hostActivePower.watts) / n.psuEfficiency
        #expect(n.maxWallPower.watts >= worst, "\(id): \(n.maxWallPower.watts) W at the wall < worst case \(worst) W")
        #expect(approx(n.maxDCPower.watts / n.maxWallPower.watts, n.psuEfficiency))
    }

    /// The two entries the probe found below their worst case are DC sums, and read so at the wall.
    @Test func dcSumsAreTakenAtTheWallThroughThePSU() throws {
        let gh200 = try GPUCatalog.bundled.node("gh200-node"), dgx = try GPUCatalog.bundled.node("dgx-h100")
        #expect(gh200.maxPowerBasis == .dc && approx(gh200.maxWallPower.watts, 1250 / 0.95))
        #expect(dgx.maxPowerBasis == .wall && approx(dgx.maxWallPower.watts, 10200))
        #expect(try GPUCatalog.bundled.node("mi355x-platform").maxWallPower.watts > 13_632)
    }

    /// A user catalog may state the basis; an unknown one is refused naming the field; without
    /// it a rating is taken at the wall.
    @Test func aUserNodeStatesItsBasisOrIsTakenAtTheWall() throws {
        let plain = UserGPUCatalogTests.userFile()
        #expect(try GPUCatalog.bundled.adding(Data(plain.utf8), file: "acme.json").node("acme-node").maxPowerBasis == .wall)
        let dc = plain.replacingOccurrences(of: "\"maxPowerWatts\": 2200,", with: "\"maxPowerWatts\": 2200, \"maxPowerBasis\": \"dc\",")
        #expect(try GPUCatalog.bundled.adding(Data(dc.utf8), file: "acme.json").node("acme-node").maxPowerBasis == .dc)
        let bad = plain.replacingOccurrences(of: "\"maxPowerWatts\": 2200,", with: "\"maxPowerWatts\": 2200, \"maxPowerBasis\": \"AC\",")
        UserGPUCatalogTests.expectRefusal(bad, "maxPowerBasis")
    }

    /// A wall rating feeds its GPUs after its PSU loss: 1,450 W at the wall through 95 % supplies
    /// is 1,377.5 W DC, short of four 350 W GPUs (1,400 W), which the DC check had let through.
    @Test func aWallRatingIsCheckedAfterItsPSULoss() {
        let text = UserGPUCatalogTests.userFile().replacingOccurrences(of: "\"maxPowerWatts\": 2200,", with: "\"maxPowerWatts\": 1450, \"psuEfficiency\": 0.95,")
        UserGPUCatalogTests.expectRefusal(text, "at the DC side of its PSUs")
    }
}
