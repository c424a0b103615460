import Testing
@testable import KernelPower

/// Which measured GPU an unmeasured GPU borrows its coefficients from, and how they are scaled.
@Suite struct CarryOverTests {
    static let gpus = GPUCatalog.bundled
    static let file = CoefficientFile.bundled

    /// Hopper and Blackwell parts take the H100 fit: its efficiencies, fixed costs and per-sequence
    /// decode time, and its energies per operation unscaled (Hopper: same die; Blackwell: assumed
    /// equal to Hopper).
    @Test(arguments: ["h200", "h100-nvl", "b200"])
    func hopperAndLaterCarryTheH100Fit(_ id: String) throws {
        let gpu = try Self.gpus.gpu(id)
        let h100 = try #require(Self.file.fittedSet(for: "h100-sxm"))
        #expect(CarryOver.baseGPU(for: gpu, fitted: ["a100-pcie-40gb", "a10", "h100-sxm"]) == "h100-sxm")
        let set = Self.file.coefficients(for: gpu)
        #expect(set.timeModel.tensorEfficiency == h100.set.timeModel.tensorEfficiency)
        #expect(set.timeModel.memoryEfficiency == h100.set.timeModel.memoryEfficiency)
        #expect(set.timeModel.kernelOverhead == h100.set.timeModel.kernelOverhead)
        #expect(set.timeModel.decodeSequenceBytes == h100.set.timeModel.decodeSequenceBytes)
        #expect(set.power.vector == h100.set.power.vector)
        #expect(set.hosts["vllm"] != nil)
    }

    /// A GPU that takes the H100 fit's energies per operation unscaled says so and names the GPU:
    /// its receipt read "energy per operation × none (same energies per operation as the H100 fit: …)".
    @Test(arguments: ["h200", "b200"])
    func anUnscaledCarryOverNamesWhoseEnergiesItTakes(_ id: String) throws {
        let provenance = Self.file.coefficients(for: try Self.gpus.gpu(id)).provenance
        #expect(!provenance.contains("× none"), "\(provenance)")
        #expect(provenance.contains("the energies per operation of the h100-sxm fit, unscaled"), "\(provenance)")
        // An Ampere part carried from the A100 fit reads alike; a scaled one still gives its factors' source.
        let a100 = Self.file.coefficients(for: try Self.gpus.gpu("a100-sxm-40gb")).provenance
        #expect(a100.contains("the energies per operation of the a100-pcie-40gb fit, unscaled (Ampere, as fitted)"), "\(a100)")
        let mi300x = Self.file.coefficients(for: try Self.gpus.gpu("mi300x")).provenance
        #expect(mi300x.contains("the energies per operation of the a100-pcie-40gb fit, scaled by this GPU's ratios to it (Antepara et al. SC'25: MI300A vs A100"), "\(mi300x)")
        // A source that is no number reads as one: "× assumed equal to Hopper" had read as a factor left out (L4).
        let l4 = Self.file.coefficients(for: try Self.gpus.gpu("l4")).provenance
        #expect(!l4.contains("× assumed") && l4.contains("scaled by this GPU's ratios to it (assumed equal to Hopper"), "\(l4)")
    }

    /// Blackwell carried from the H100 reads L2 at the measured B200/H200 ratio per cycle; Hopper
    /// parts keep the H100's, and a Blackwell GPU carried from elsewhere gets no such change.
    @Test func blackwellReadsL2FasterPerCycle() throws {
        let b200 = try Self.gpus.gpu("b200")
        let base = try #require(Self.file.fittedSet(for: "h100-sxm")).set.timeModel
        let carried = CarryOver.timeModel(for: b200, from: base, baseID: "h100-sxm")
        #expect(approx(carried.model.l2BytesPerCycle / base.l2BytesPerCycle, 1.68, rel: 1e-9))
        #expect(carried.source?.contains("Chips and Cheese") == true)
        #expect(CarryOver.timeModel(for: try Self.gpus.gpu("h200"), from: base, baseID: "h100-sxm").model.l2BytesPerCycle == base.l2BytesPerCycle)
        #expect(CarryOver.timeModel(for: b200, from: base, baseID: "a100-pcie-40gb").source == nil)
    }

    /// CDNA parts read their L2 and LDS at AMD's published rates per clock, not the A100's: 8 XCDs
    /// × 2 KB of L2, and 128 B (CDNA 3) or 256 B (CDNA 4) of LDS per CU; the rest of the A100 time
    /// model carries unchanged.
    @Test func cdnaReadsOnChipAtAMDsPublishedRates() throws {
        let a100 = try #require(Self.file.fittedSet(for: "a100-pcie-40gb")).set.timeModel
        for (id, lds) in [("mi300x", 128.0), ("mi325x", 128.0), ("mi355x", 256.0), ("mi350x", 256.0)] {
            let carried = CarryOver.timeModel(for: try Self.gpus.gpu(id), from: a100, baseID: "a100-pcie-40gb")
            #expect(carried.model.l2BytesPerCycle == 16_384 && carried.model.sharedMemoryBytesPerCyclePerSM == lds, "\(id)")
            #expect(carried.model.tensorEfficiency == a100.tensorEfficiency && carried.source?.contains("CDNA") == true)
        }
        let rtx = CarryOver.timeModel(for: try Self.gpus.gpu("rtx-pro-6000-server"), from: a100, baseID: "a10")
        #expect(rtx.source == nil && rtx.model.l2BytesPerCycle == a100.l2BytesPerCycle)
    }

    /// Without an H100 fit, Hopper falls back to the A100 scaled by the published GH200/A100 ratios.
    @Test func hopperFallsBackToAmpereScaled() throws {
        let gpu = try Self.gpus.gpu("h200")
        #expect(CarryOver.baseGPU(for: gpu, fitted: ["a100-pcie-40gb", "a10"]) == "a100-pcie-40gb")
        let ampereOnly = CoefficientFile(capHoldFraction: Self.file.capHoldFraction,
                                         fitted: Self.file.fitted.filter { $0.gpuID != "h100-sxm" }, provenance: "test")
        let a100 = try #require(Self.file.fittedSet(for: "a100-pcie-40gb"))
        let set = ampereOnly.coefficients(for: gpu)
        #expect(set.power.vector == a100.set.power.scaled(by: CarryOver.scale(for: gpu).factors).vector)
        #expect(set.power.vector != a100.set.power.vector)
    }

    /// Ampere and CDNA HBM parts keep the A100 base, GDDR parts the A10.
    @Test func otherGPUsKeepTheirMemoryTechnologyBase() throws {
        let fitted: Set<String> = ["a100-pcie-40gb", "a10", "h100-sxm"]
        #expect(CarryOver.baseGPU(for: try Self.gpus.gpu("a100-sxm-80gb"), fitted: fitted) == "a100-pcie-40gb")
        #expect(CarryOver.baseGPU(for: try Self.gpus.gpu("mi300x"), fitted: fitted) == "a100-pcie-40gb")
        #expect(CarryOver.baseGPU(for: try Self.gpus.gpu("l40s"), fitted: fitted) == "a10")
        #expect(CarryOver.baseGPU(for: try Self.gpus.gpu("mi355x"), fitted: fitted) == "a100-pcie-40gb")
        // A GDDR7 Blackwell card is a GDDR part first: the A10's fit, not the H100's.
        #expect(CarryOver.baseGPU(for: try Self.gpus.gpu("rtx-pro-6000-server"), fitted: fitted) == "a10")
    }

    /// CDNA 4 has no published energies per operation: it takes CDNA 3's measured ratios and says
    /// so, rather than falling through to Ampere's.
    @Test func cdna4TakesCDNA3RatiosAsAnAssumption() throws {
        let cdna4 = CarryOver.scale(for: try Self.gpus.gpu("mi355x"))
        let cdna3 = CarryOver.scale(for: try Self.gpus.gpu("mi300x"))
        #expect(cdna4.factors == cdna3.factors)
        #expect(cdna4.factors != Array(repeating: 1, count: cdna4.factors.count))
        #expect(cdna4.source.hasPrefix("assumed equal to CDNA 3"))
    }
}
