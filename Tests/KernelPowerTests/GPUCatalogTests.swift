import Foundation
import Testing
@testable import KernelPower

@Suite struct GPUCatalogTests {
    static let requiredIDs = ["v100-sxm2-32gb", "a100-pcie-40gb", "a100-pcie-80gb", "a100-sxm-40gb", "a100-sxm-80gb", "a10", "a40", "l4", "l40s",
                              "h100-pcie", "h100-sxm", "h100-nvl", "h200", "gh200", "h20", "b200", "b300", "gb200", "gb300", "h800-sxm", "mi300x", "mi325x",
                              "mi350x", "mi355x", "rtx-pro-6000-server"]
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

    /// GDDR6 keeps its ECC in-band: with ECC on (the default) a 24 or 48 GB board gives the engine
    /// about 15/16 of it, so the catalog carries the driver's total, not the vendor's round figure.
    @Test(arguments: [("a10", 24.0), ("l4", 24.0), ("a40", 48.0), ("l40s", 48.0)])
    func gddr6BoardsCarryTheirECCOnTotal(_ id: String, _ vendorGB: Double) throws {
        let share = try Self.catalog.gpu(id).memoryCapacity.gibibytes / vendorGB
        #expect(abs(share - 15.0 / 16.0) < 0.002, "\(id): \(share) of the vendor figure")
    }

    @Test func precisionSupportFollowsTheHardware() throws {
        // No FP8 tensor cores: vLLM's FP8 Marlin dequantizes FP8 weights to BF16 (W8A16); not on Volta.
        #expect(try Self.catalog.gpu("a100-sxm-80gb").mathUnit(for: .fp8) == .tensor(.bf16))
        #expect(try Self.catalog.gpu("v100-sxm2-32gb").mathUnit(for: .fp8) == nil)
        #expect(try Self.catalog.gpu("h100-sxm").mathUnit(for: .fp8) == .tensor(.fp8))
        #expect(try Self.catalog.gpu("h100-sxm").mathUnit(for: .mxfp4) == .tensor(.bf16))
        #expect(try Self.catalog.gpu("b200").mathUnit(for: .mxfp4) == .tensor(.bf16))
        #expect(try Self.catalog.gpu("b200").mathUnit(for: .nvfp4) == .tensor(.fp4))
        #expect(try Self.catalog.gpu("h100-sxm").mathUnit(for: .nvfp4) == .tensor(.bf16))
        #expect(try Self.catalog.gpu("v100-sxm2-32gb").mathUnit(for: .bf16) == nil)
        #expect(try Self.catalog.gpu("l40s").mathUnit(for: .fp8) == .tensor(.fp8))
        // FP4 tensor cores: NVIDIA's take NVFP4 (datacenter and GDDR7 Blackwell alike); CDNA 4's
        // take only the MX format, so an NVFP4 checkpoint is dequantized there.
        #expect(try Self.catalog.gpu("rtx-pro-6000-server").mathUnit(for: .nvfp4) == .tensor(.fp4))
        #expect(try Self.catalog.gpu("gb300").mathUnit(for: .nvfp4) == .tensor(.fp4))
        #expect(try Self.catalog.gpu("mi355x").mathUnit(for: .nvfp4) == .tensor(.bf16))
        #expect(try Self.catalog.gpu("mi355x").mathUnit(for: .fp8) == .tensor(.fp8))
        // CDNA 4 dropped TF32 matrix instructions; the catalog lists no TF32 peak for it.
        #expect(try Self.catalog.gpu("mi355x").tensorPeaks[.tf32] == nil)
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

/// A user's GPU catalog file (`--gpu-catalog FILE`) extends the bundled one.
@Suite struct UserGPUCatalogTests {
    /// The L40S entry under another id, with its own node: a GPU the bundle lacks.
    static func userFile(id: String = "acme-l40s", memory: String = "gddr", node: String = "acme-node", withNode: Bool = true) -> String {
        let gpu = """
        {"id": "\(id)", "aliases": [], "name": "ACME L40S variant", "vendor": "nvidia", "architecture": "ada", "formFactor": "pcie",
         "smCount": 142, "baseClockMHz": 1110, "boostClockMHz": 2520, "peakClockMHz": 2520,
         "tensorPeakTFLOPS": {"bf16": 362.05, "fp16": 362.05, "fp8": 733}, "fp32TFLOPS": 91.6,
         "hbmCapacityBytes": 51539607552, "hbmBandwidthBytesPerSecond": 864000000000, "l2Bytes": 100663296,
         "tdpWatts": 350, "powerCapMinWatts": 100, "powerCapMaxWatts": 350, "idlePower": {"kind": "rule", "minWatts": 67.4, "maxWatts": 102.1},
         "interconnect": {"kind": "pcie4", "bandwidthBytesPerSecond": 64000000000}, "memoryTechnology": "\(memory)",
         "defaultNode": "\(node)", "source": "test", "sources": {}}
        """
        let nodes = withNode ? """
        , "nodes": [{"id": "acme-node", "name": "ACME 4-GPU box", "gpu": "\(id)", "gpuCount": 4, "maxPowerWatts": 2200,
                     "hostIdleWatts": 300, "hostActiveWatts": 500, "source": "test", "sources": {}}]
        """ : ""
        return #"{"schemaVersion": 1, "gpus": ["# + gpu + "]" + nodes + "}"
    }

    @Test func newGPUWithItsNodeJoinsTheCatalog() throws {
        let c = try GPUCatalog.bundled.adding(Data(Self.userFile().utf8), file: "acme.json")
        #expect(c.gpus.count == GPUCatalog.bundled.gpus.count + 1)
        let g = try c.gpu("acme-l40s")
        #expect(try c.node(g.defaultNodeID).gpuCount == 4)
        // A GDDR part is carried over from the GDDR fit, an HBM one from the HBM fits.
        #expect(CarryOver.baseGPU(for: g, fitted: ["a100-pcie-40gb", "a10", "h100-sxm"]) == "a10")
        let hbm = try GPUCatalog.bundled.adding(Data(Self.userFile(memory: "hbm").utf8), file: "acme.json").gpu("acme-l40s")
        #expect(CarryOver.baseGPU(for: hbm, fitted: ["a100-pcie-40gb", "a10", "h100-sxm"]) == "a100-pcie-40gb")
    }

    /// What the file may not do is refused with the file and the entry named.
    @Test(arguments: [
        (userFile(id: "l40s"), "l40s"),                                   // a bundled id is not overridden
        (userFile(node: "nowhere", withNode: false), "nowhere"),          // a default node that exists nowhere
        (userFile(memory: "gddr7"), "memoryTechnology"),                   // hbm or gddr
        (#"{"schemaVersion": 1}"#, "gpus"),                                // nothing to add
        // A figure in the wrong unit (TB/s, GB, FLOP/s, kW) is out of any accelerator's range:
        (userFile().replacingOccurrences(of: "864000000000", with: "0.864"), "3.35e12"),
        (userFile().replacingOccurrences(of: "51539607552", with: "48"), "hbmCapacityBytes"),
        (userFile().replacingOccurrences(of: "\"fp8\": 733", with: "\"fp8\": 7.33e14"), "2250"),
        (userFile().replacingOccurrences(of: "\"tdpWatts\": 350", with: "\"tdpWatts\": 0.35"), "tdpWatts"),
    ])
    func badUserFilesNameTheProblem(_ text: String, _ needle: String) {
        Self.expectRefusal(text, needle)
    }

    static func expectRefusal(_ text: String, _ needle: String) {
        do {
            _ = try GPUCatalog.bundled.adding(Data(text.utf8), file: "acme.json")
            Issue.record("accepted: \(needle)")
        } catch {
            #expect("\(error)".contains("acme.json") && "\(error)".contains(needle), "\(error)")
        }
    }

    static func edited(_ old: String, _ new: String) -> String { userFile().replacingOccurrences(of: old, with: new) }

    /// Fields whose values the schema lists take exactly those spellings: "Hopper" had quietly
    /// carried over Ampere's coefficients.
    @Test(arguments: [
        (edited("\"architecture\": \"ada\"", "\"architecture\": \"Ada\""), "did you mean 'ada'"),
        (edited("\"formFactor\": \"pcie\"", "\"formFactor\": \"PCIe\""), "gpus[0].formFactor"),
        (edited("\"kind\": \"pcie4\"", "\"kind\": \"pcie-4\""), "interconnect.kind"),
        // Equally near by edits, the nearest number of the same kind is the hint ('nvlink2' had been).
        (edited("\"kind\": \"pcie4\"", "\"kind\": \"nvlink6\""), "did you mean 'nvlink5'"),
        (edited("\"kind\": \"pcie4\"", "\"kind\": \"pcie6\""), "did you mean 'pcie5'"),
    ])
    func unlistedValuesAreRefusedWithTheClosest(_ text: String, _ needle: String) {
        Self.expectRefusal(text, needle)
    }

    /// Curves and power limits no board has: 0 or 1e300 mV, a negative clock, an idle at the TDP
    /// (it priced a 700 W part at 733 W), a cap above the TDP, a node that cannot feed its GPUs.
    @Test(arguments: [
        (edited("\"memoryTechnology\"", "\"voltage\": {\"kind\": \"table\", \"points\": [[100, 0], [2000, 0]]}, \"memoryTechnology\""), "voltage.points[0][1]"),
        (edited("\"memoryTechnology\"", "\"voltage\": {\"kind\": \"table\", \"points\": [[100, 800], [2000, 1e300]]}, \"memoryTechnology\""), "100 to 2000"),
        (edited("{\"kind\": \"rule\", \"minWatts\": 67.4, \"maxWatts\": 102.1}", "{\"kind\": \"table\", \"points\": [[-100, 67.4], [2520, 102.1]]}"), "idlePower.points[0][0]"),
        (edited("\"maxWatts\": 102.1", "\"maxWatts\": 349.9"), "half the TDP"),
        (edited("{\"kind\": \"rule\", \"minWatts\": 67.4, \"maxWatts\": 102.1}", "{\"kind\": \"table\", \"points\": [[100, 67.4], [2520, 349.9]]}"), "idlePower.points[1][1]"),
        (edited("\"powerCapMaxWatts\": 350", "\"powerCapMaxWatts\": 5000"), "at most tdpWatts"),
        (edited("\"maxPowerWatts\": 2200", "\"maxPowerWatts\": 1000"), "4 × 350 W = 1400 W"),
    ])
    func impossiblePowerFiguresAreRefused(_ text: String, _ needle: String) {
        Self.expectRefusal(text, needle)
    }

    /// Every entry has a source and an id that say something, and its `sources` keys name its fields.
    @Test(arguments: [
        (edited("\"source\": \"test\"", "\"source\": \"\""), "gpus[0].source"),
        (edited("\"acme-node\", \"source\": \"test\", \"sources\": {}", "\"acme-node\", \"source\": \"test\", \"sources\": {\"smCont\": \"x\"}"),
         "did you mean 'smCount'"),
        (userFile(id: ""), "gpus[0].id"),
        (edited("\"aliases\": []", "\"aliases\": [\" \"]"), "aliases[0]"),
        (edited("\"id\": \"acme-node\"", "\"id\": \"\""), "nodes[0].id"),
    ])
    func blankIDsAndStraySourcesAreRefused(_ text: String, _ needle: String) {
        Self.expectRefusal(text, needle)
    }

    /// Numbered ids equally near an unknown one rank by the nearest number of the same stem, then
    /// by name; the number never outranks the edit distance.
    @Test func numberedSuggestionsPreferTheNearestNumber() {
        #expect(Suggestions.closest(to: "nvlink6", among: GPUSpecReader.interconnects) == ["nvlink5", "nvlink4", "nvlink3"])
        #expect(Suggestions.closest(to: "NVLink1", among: GPUSpecReader.interconnects, limit: 1) == ["nvlink2"])
        #expect(Suggestions.closest(to: "h300", among: ["h100", "h200", "h800", "b300"]) == ["h200", "h100", "h800"])
        #expect(Suggestions.closest(to: "h1000", among: ["h100", "h200"]) == ["h100", "h200"])
    }

    /// A node's unknown GPU gets the closest ids, as any other unknown id does.
    @Test func aNodesUnknownGPUGetsSuggestions() {
        Self.expectRefusal(Self.edited("\"gpu\": \"acme-l40s\"", "\"gpu\": \"acme-l40\""), "did you mean 'acme-l40s'")
    }

    /// A model catalog given as a GPU catalog is named as one, not as an unknown key 'models'.
    @Test func aModelCatalogIsNamedAsOne() {
        Self.expectRefusal(#"{"schemaVersion": 1, "models": [{"id": "x"}]}"#, "this is a model catalog")
    }
}
