/// Carries fitted coefficients to a GPU that has no measurements, by its specs, the way
/// EnergAIzer forecasts H100 from Ampere (kernel-power.md §1.8): the time model and energy per
/// operation come from a measured GPU of the same memory technology, and energies per operation
/// are scaled by published ratios between processes/architectures. Full-duty power then follows
/// each GPU's own SM count, clocks, peak rates and bandwidth through the activity counts.
public enum CarryOver {
    /// A per-feature energy scale relative to the base GPU's architecture, with its source.
    public struct Scale: Sendable {
        public let factors: [Double]
        public let source: String
    }

    /// The measured GPU whose set is carried to `gpu`: the GDDR6 part for GDDR6 GPUs; for HBM
    /// GPUs of Hopper and later, the H100 when it is fitted (the same SM generation or the nearest,
    /// measured under the same serving stack); for other HBM GPUs, the A100.
    public static func baseGPU(for gpu: GPUSpec, fitted: Set<String>) -> String {
        if gpu.memoryTechnology == .gddr { return "a10" }
        if hopperBase.architectures.contains(gpu.architecture), fitted.contains(hopperBase.id) { return hopperBase.id }
        return "a100-pcie-40gb"
    }

    /// The fitted GPU whose link efficiency a PCIe-linked GPU carried from a fit over another link
    /// takes (`CoefficientFile.pcieLinkEfficiency`). Its single-GPU EnergAIzer rows carry no
    /// collective, so the value is the time model's starting 0.8 (`TimeModel.starting`), which the
    /// A10 set holds too: PCIe's own figure, not NVSwitch's.
    public static let pcieBase = "a100-pcie-40gb"

    /// The measured Hopper GPU and the architectures carried over from it.
    static let hopperBase = (id: "h100-sxm", architecture: "hopper", architectures: Set(["hopper", "blackwell"]))

    /// Energy-per-operation ratios to Ampere, feature order tensor, fp32, sharedMemory, l2,
    /// activeSM, hbm, link. Antepara et al., "Benchmark-driven Models for Energy Analysis and
    /// Attribution of GPU-Accelerated Supercomputing", SC'25 (DOI 10.1145/3712285.3759815), table of
    /// measured energies (kernel-power.md §2.6): A100 HBM 13.11, L2 4.71, L1 1.59 pJ/bit, FP16
    /// matrix 0.70 pJ/FLOP, FP64 vector 28.50 pJ/FLOP; GH200 11.68, 4.87, 1.45, 0.52, 23.60;
    /// MI300A 14.72, 1.39, 2.11, 0.46, 11.47. Active-SM and FP32 energy follow the vector-FLOP ratio
    /// (core logic on the same process); links are not scaled.
    public static func scale(for gpu: GPUSpec) -> Scale { scale(architecture: gpu.architecture, memory: gpu.memoryTechnology) }

    /// The scale from the base GPU `baseID` to `gpu`: both ratios to Ampere, divided.
    public static func scale(for gpu: GPUSpec, from baseID: String) -> Scale {
        let target = scale(for: gpu)
        guard baseID == hopperBase.id else { return target }
        let base = scale(architecture: hopperBase.architecture, memory: .hbm)
        let factors = zip(target.factors, base.factors).map { $0 / $1 }
        let source = factors.allSatisfy { $0 == 1 } ? "\(gpu.architecture) at the H100's ratios to Ampere: \(target.source)"
            : "\(target.source), relative to the H100"
        return Scale(factors: factors, source: source)
    }

    static func scale(architecture: String, memory: GPUSpec.MemoryTechnology) -> Scale {
        let hopper: [Double] = [0.52 / 0.70, 23.60 / 28.50, 1.45 / 1.59, 4.87 / 4.71, 23.60 / 28.50, 11.68 / 13.11, 1]
        let cdna3: [Double] = [0.46 / 0.70, 11.47 / 28.50, 2.11 / 1.59, 1.39 / 4.71, 11.47 / 28.50, 14.72 / 13.11, 1]
        switch architecture {
        case "hopper":
            return Scale(factors: hopper, source: "Antepara et al. SC'25: GH200 vs A100 energies per operation")
        case "blackwell", "ada":
            // No published per-operation energies; same TSMC 4N-class process as Hopper.
            let f = memory == .gddr ? Array(hopper[0..<5]) + [1, 1] : hopper
            return Scale(factors: f, source: "assumed equal to Hopper (TSMC 4N-class process); Antepara et al. SC'25 GH200 vs A100")
        case "cdna3":
            return Scale(factors: cdna3, source: "Antepara et al. SC'25: MI300A vs A100 energies per operation")
        case "cdna4":
            // No published per-operation energies for CDNA 4 (MI350 series); its compute dies are a
            // shrink of CDNA 3's (TSMC N3P for N5) with the same HBM3E and Infinity Fabric, so the
            // measured MI300A ratios stand in. A shrink lowers core energy, so this errs high.
            return Scale(factors: cdna3, source: "assumed equal to CDNA 3 (no published CDNA 4 figures); Antepara et al. SC'25 MI300A vs A100")
        case "ampere":
            return Scale(factors: Array(repeating: 1, count: PowerFeature.allCases.count), source: "Ampere, as fitted")
        default:
            return Scale(factors: Array(repeating: 1, count: PowerFeature.allCases.count),
                         source: "no published per-operation energies for \(architecture); assumed equal to Ampere")
        }
    }
}

extension CarryOver {
    /// L2 bytes per cycle of Blackwell relative to Hopper, measured: a B200 reads 16.8 TB/s from
    /// L2 when the data spans both dies' partitions (21 TB/s within one; Chips and Cheese, "Nvidia's
    /// B200: Keeping the CUDA Juggernaut Rolling", bandwidth section), an H200 about 10 TB/s up to
    /// 40 MB (te42kyfo/gpu-benches, gpu-l2-cache/h200.txt), both near 1.98 GHz. The spanning figure is
    /// the one a whole-chip GEMM sees.
    static let blackwellL2PerCycle = 16.8 / 10.0

    /// AMD's on-chip read rates, published per clock where the A100 fit carries NVIDIA's: eight
    /// XCDs each read 2 KB per clock from their L2 (16 channels × 128 B; AMD CDNA 3 white paper,
    /// "up to 34.4 TB/s aggregate read bandwidth" at 2.1 GHz; CDNA 4 keeps the 4 MB, 16-channel L2
    /// and AMD's profiler the same 128 B per channel), and a CU reads its LDS at 128 B per clock
    /// on CDNA 3 (32 banks × 4 B) and 256 B on CDNA 4 (AMD CDNA 4 white paper: 160 KB, read
    /// bandwidth doubled "to 256 bytes per clock"; Chips and Cheese, "AMD's CDNA 4 Architecture
    /// Announcement").
    static let cdnaL2BytesPerCycle = 8.0 * 16 * 128
    static let cdnaLDSBytesPerCyclePerCU = ["cdna3": 128.0, "cdna4": 256.0]

    /// The base GPU's time model as `gpu` runs it: the same efficiencies and fixed costs, with
    /// Blackwell's L2 bandwidth per cycle (its per-SM tensor rate doubled Hopper's, and its L2 kept
    /// up) when carried from the Hopper fit, and AMD's published L2 and LDS rates for CDNA parts.
    /// Returns the source of the change, if any. (The per-sequence decode traffic is carried in
    /// bytes, so it reads at the GPU's own bandwidth.)
    public static func timeModel(for gpu: GPUSpec, from base: TimeModel, baseID: String) -> (model: TimeModel, source: String?) {
        var t = base
        if gpu.architecture == "blackwell", baseID == hopperBase.id {
            t.l2BytesPerCycle *= blackwellL2PerCycle
            return (t, "L2 bytes per cycle × \(formatNumber(blackwellL2PerCycle, significant: 3)) (B200 16.8 TB/s across its dies, "
                        + "Chips and Cheese; H200 ~10 TB/s, te42kyfo/gpu-benches)")
        }
        if let lds = cdnaLDSBytesPerCyclePerCU[gpu.architecture] {
            t.l2BytesPerCycle = cdnaL2BytesPerCycle
            t.sharedMemoryBytesPerCyclePerSM = lds
            return (t, "L2 \(Int(cdnaL2BytesPerCycle)) B and LDS \(Int(lds)) B per CU per clock (AMD CDNA 3 and CDNA 4 white papers)")
        }
        return (base, nil)
    }
}

extension PowerCoefficients {
    /// Published energies per operation for `gpu`'s architecture: the A100 figures of Antepara
    /// et al. (`startingA100`) scaled by the architecture's published ratios. The priors of every fit.
    public static func published(for gpu: GPUSpec) -> PowerCoefficients {
        startingA100.scaled(by: CarryOver.scale(for: gpu).factors)
    }
}

extension CoefficientFile {
    /// Where a carried-over set's base is a user's fit (`calibrate RUNS.csv`), the receipt says so:
    /// "carried over from h100-sxm" had read as the bundled fit.
    static func userFitNote(_ base: CoefficientSet) -> String {
        guard base.provenance.contains(" user runs of ") else { return "" }
        return " (\(base.provenance.split(separator: ";").first.map(String.init) ?? base.provenance), not the bundled fit)"
    }

    /// The link efficiency of a GPU whose link is PCIe, carried from a fit made over another kind
    /// of link: the PCIe fits' value (`CarryOver.pcieBase`) with its source, or nil where the GPU's
    /// link is not PCIe or its base is itself a PCIe fit. The H100 fit's 1.0 was found on NVSwitch
    /// (ML.ENERGY's tensor-parallel H100 SXM runs); an H100 PCIe, which borrows that fit by specs,
    /// moves its collectives over PCIe Gen5 as the RTX PRO 6000 does, whose A10 base holds 0.8.
    func pcieLinkEfficiency(for gpu: GPUSpec, baseID: String) -> (value: Double, source: String)? {
        guard gpu.interconnect.isPCIe, baseID != CarryOver.pcieBase,
              let pcie = fittedSet(for: CarryOver.pcieBase) else { return nil }
        let value = pcie.set.timeModel.linkEfficiency
        return (value, "link efficiency \(formatNumber(value)) of the \(CarryOver.pcieBase) set, a PCIe GPU's, not the \(baseID) fit's "
                    + "\(formatNumber(fittedSet(for: baseID)?.set.timeModel.linkEfficiency ?? value)) (fitted over NVLink)")
    }

    /// The coefficient set for `gpu`: its own fit when it has one, otherwise carried over.
    public func coefficients(for gpu: GPUSpec) -> CoefficientSet {
        if let f = fittedSet(for: gpu.id) { return f.set }
        let baseID = CarryOver.baseGPU(for: gpu, fitted: Set(fitted.map(\.gpuID)))
        guard let base = fittedSet(for: baseID) ?? fitted.first else {
            return CoefficientSet(power: PowerCoefficients(vector: Array(repeating: 0, count: PowerFeature.allCases.count)),
                                  timeModel: .starting, hosts: [:], provenance: "no calibration available")
        }
        let scale = CarryOver.scale(for: gpu, from: base.gpuID)
        var time = CarryOver.timeModel(for: gpu, from: base.set.timeModel, baseID: base.gpuID)
        if let link = pcieLinkEfficiency(for: gpu, baseID: base.gpuID), link.value != time.model.linkEfficiency {
            time.model.linkEfficiency = link.value
            time.source = [time.source, link.source].compactMap { $0 }.joined(separator: "; ")
        }
        // Unit factors are no scaling: the receipt had read "energy per operation × none (…)". Other
        // factors are named as ratios, with their source in brackets: "energy per operation ×
        // assumed equal to Hopper" had read as a multiplier left out (L4).
        let energies = scale.factors.allSatisfy { $0 == 1 }
            ? "the energies per operation of the \(base.gpuID) fit, unscaled (\(scale.source))"
            : "the energies per operation of the \(base.gpuID) fit, scaled by this GPU's ratios to it (\(scale.source))"
        return CoefficientSet(power: base.set.power.scaled(by: scale.factors), timeModel: time.model,
                              hosts: base.set.hosts,
                              provenance: "carried over from \(base.gpuID)\(Self.userFitNote(base.set)) by specs; \(energies)"
                                  + (time.source.map { "; \($0)" } ?? ""))
    }
}
