import Testing
@testable import KernelPower

@Suite struct GPUCatalogTests {
    static let requiredIDs = ["v100-sxm2-32gb", "a100-pcie-40gb", "a100-sxm-40gb", "a100-sxm-80gb", "a10", "a40", "l4", "l40s",
                              "h100-pcie", "h100-sxm", "h100-nvl", "h200", "gh200", "b200", "mi300x"]
    static let catalog = GPUCatalog.bundled

    @Test func everyRequiredGPUIsPresent() throws {
        for id in Self.requiredIDs { #expect(throws: Never.self) { _ = try Self.catalog.gpu(id) } }
    }

    @Test(arguments: GPUCatalog.bundled.gpus.map(\.id))
    func physicalRangesHold(_ id: String) throws {
        let g = try Self.catalog.gpu(id)
        #expect(g.baseClock <= g.boostClock)
        #expect(g.powerCapRange.upperBound <= g.tdp.watts * 1.0001)
        for mhz in stride(from: 200.0, through: g.boostClock.megahertz, by: 50) {
            let idle = g.idle(at: .megahertz(mhz)).watts
            #expect(idle > 0 && idle < g.tdp.watts * 0.5, "idle \(idle) W at \(mhz) MHz")
            let v = g.relativeVoltage(at: .megahertz(mhz))
            #expect(v > 0.5 && v <= 1.0000001)
        }
        // Idle power never falls as the clock rises.
        #expect(g.idle(at: g.boostClock) >= g.idle(at: .megahertz(300)))
        #expect(g.memoryBandwidth.bytesPerSecond > 1e11 && g.memoryCapacity.gigabytes > 10)
        #expect(!g.source.isEmpty)
        #expect(try Self.catalog.node(g.defaultNodeID).gpuID == g.id)
    }

    @Test func precisionSupportFollowsTheHardware() throws {
        #expect(try Self.catalog.gpu("a100-sxm-80gb").mathUnit(for: .fp8) == nil)
        #expect(try Self.catalog.gpu("h100-sxm").mathUnit(for: .fp8) == .tensor(.fp8))
        #expect(try Self.catalog.gpu("h100-sxm").mathUnit(for: .mxfp4) == .tensor(.bf16))
        #expect(try Self.catalog.gpu("b200").mathUnit(for: .mxfp4) == .tensor(.bf16))
        #expect(try Self.catalog.gpu("b200").mathUnit(for: .nvfp4) == .tensor(.fp4))
        #expect(try Self.catalog.gpu("h100-sxm").mathUnit(for: .nvfp4) == .tensor(.bf16))
        #expect(try Self.catalog.gpu("v100-sxm2-32gb").mathUnit(for: .bf16) == nil)
        #expect(try Self.catalog.gpu("l40s").mathUnit(for: .fp8) == .tensor(.fp8))
    }

    @Test func idsMatchCaseInsensitivelyAndAliasesResolve() throws {
        #expect(try Self.catalog.gpu("H100-SXM").id == "h100-sxm")
        #expect(try Self.catalog.gpu("A100-40GB-PCIe").id == "a100-pcie-40gb")
    }

    @Test func unknownIDSuggestsClosest() {
        do {
            _ = try Self.catalog.gpu("h100-smx")
            Issue.record("accepted an unknown id")
        } catch let InputError.unknownID(kind, id, suggestions, _) {
            #expect(kind == "GPU" && id == "h100-smx")
            #expect(suggestions.contains("h100-sxm"))
        } catch {
            Issue.record("wrong error \(error)")
        }
    }

    @Test func measuredIdleTableIsUsedForA100() throws {
        // ../shared/data/energaizer-prefill/idle_power_vs_sm_clock.csv: 47.4 W at 900 MHz.
        #expect(approx(try Self.catalog.gpu("a100-pcie-40gb").idle(at: .megahertz(900)).watts, 47.4, rel: 0.02))
    }

    @Test func catalogRejectsDuplicateIDs() throws {
        let g = try Self.catalog.gpu("a10")
        #expect(throws: InputError.self) { try GPUCatalog(gpus: [g, g], nodes: Self.catalog.nodes) }
    }
}
