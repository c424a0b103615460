/// One GPU model's published specification, as read from `gpus.json`.
///
/// Rates are quoted at `peakClock`; the estimator scales compute rates linearly with the SM
/// clock (throughput per SM per cycle is fixed by the architecture) and keeps memory bandwidth
/// fixed (the memory clock is independent of the SM clock).
public struct GPUSpec: Sendable {
    public let id: String
    public let aliases: [String]
    public let name: String
    public let vendor: String
    public let architecture: String
    public let formFactor: String
    public let smCount: Int
    public let baseClock: Frequency
    public let boostClock: Frequency
    public let peakClock: Frequency
    public let tensorPeaks: [TensorFormat: FLOPRate]
    public let fp32Peak: FLOPRate
    public let memoryCapacity: ByteCount
    public let memoryBandwidth: Bandwidth
    public let l2Size: ByteCount
    public let tdp: Power
    public let powerCapRange: ClosedRange<Double>
    public private(set) var idlePower: IdlePowerCurve
    public let voltage: VoltageCurve
    public let interconnect: Interconnect
    public let defaultNodeID: String
    /// A node of this GPU that holds more of them than `defaultNodeID`, for deployments of more
    /// GPUs than the default node holds (`GPUCatalog.node(of:gpuCount:)`); nil where the default
    /// node is the GPU's only one. The A10 and A100 PCIe default to single-GPU workstations that
    /// match the EnergAIzer measurements; a tp 2 deployment of them runs in a PCIe server, not
    /// across two workstations.
    public var serverNodeID: String?
    public let source: String
    public let sources: [String: String]
    /// The memory's technology: which measured GPU's energies per operation a GPU without its
    /// own fit is carried from (`CarryOver.baseGPU`).
    public var memoryTechnology: MemoryTechnology = .hbm

    public enum MemoryTechnology: String, Sendable, CaseIterable { case hbm, gddr }

    /// Special-function results (MUFU: exp2, reciprocal, …) per clock per SM where the catalog
    /// gives the chip's own figure; nil takes the time model's (16, as on Ampere through Blackwell).
    public var specialFunctionsPerCyclePerSM: Double?

    public init(id: String, aliases: [String], name: String, vendor: String, architecture: String,
                formFactor: String, smCount: Int, baseClock: Frequency, boostClock: Frequency,
                peakClock: Frequency, tensorPeaks: [TensorFormat: FLOPRate], fp32Peak: FLOPRate,
                memoryCapacity: ByteCount, memoryBandwidth: Bandwidth, l2Size: ByteCount, tdp: Power,
                powerCapRange: ClosedRange<Double>, idlePower: IdlePowerCurve, voltage: VoltageCurve,
                interconnect: Interconnect, defaultNodeID: String, source: String, sources: [String: String]) {
        self.id = id; self.aliases = aliases; self.name = name; self.vendor = vendor
        self.architecture = architecture; self.formFactor = formFactor; self.smCount = smCount
        self.baseClock = baseClock; self.boostClock = boostClock; self.peakClock = peakClock
        self.tensorPeaks = tensorPeaks; self.fp32Peak = fp32Peak; self.memoryCapacity = memoryCapacity
        self.memoryBandwidth = memoryBandwidth; self.l2Size = l2Size; self.tdp = tdp
        self.powerCapRange = powerCapRange; self.idlePower = idlePower; self.voltage = voltage
        self.interconnect = interconnect; self.defaultNodeID = defaultNodeID
        self.source = source; self.sources = sources
    }

    /// The same GPU with another idle curve (a user's measured idle readings).
    public func withIdlePower(_ curve: IdlePowerCurve) -> GPUSpec {
        var g = self
        g.idlePower = curve
        return g
    }

    /// The source of a field, falling back to the entry's main source.
    public func source(of field: String) -> String { sources[field] ?? source }

    /// The part's 16-bit tensor peak (BF16, else FP16), against which other formats' rates are
    /// read: the energy weight of an operation (`KernelTimer.tensorWeight`) and whether a part cut
    /// a format's rate (`CutTensorRateCaveat`) compare with the same figure.
    public var sixteenBitTensorPeak: FLOPRate? { tensorPeaks[.bf16] ?? tensorPeaks[.fp16] }

    /// Tensor throughput in `format` at SM clock `clock` (linear in the clock).
    public func tensorRate(_ format: TensorFormat, at clock: Frequency) -> FLOPRate? {
        tensorPeaks[format].map { $0 * (clock / peakClock) }
    }

    /// The rate of a math unit at `clock`.
    public func mathRate(_ unit: MathUnit, at clock: Frequency) -> FLOPRate? {
        switch unit {
        case let .tensor(f): return tensorRate(f, at: clock)
        case .cudaCoreFP32: return fp32Rate(at: clock)
        }
    }

    /// Non-tensor FP32 throughput at `clock`. NVIDIA quotes the FP32 peak at the boost clock
    /// (H100 SXM: 66.9 TFLOPS = 132 SMs × 128 FMA × 2 × 1980 MHz), unlike the tensor peaks.
    public func fp32Rate(at clock: Frequency) -> FLOPRate { fp32Peak * (clock / boostClock) }

    /// The math unit a GEMM in `precision` runs on, or nil when this GPU cannot run it.
    ///
    /// FP8 runs on FP8 tensor cores (Ada, Hopper, Blackwell, CDNA3) and is otherwise dequantized to
    /// BF16 where vLLM's FP8 Marlin runs (`dequantizesFP8`); INT8 needs INT8 tensor cores.
    /// NVFP4 (W4A4) runs natively where FP4 tensor cores exist and is otherwise dequantized to BF16
    /// (as vLLM's Marlin FP4 kernels do on Hopper). MXFP4 as gpt-oss ships it keeps 16-bit
    /// activations, and no tensor-core product takes a 16-bit operand with a 4-bit one (Blackwell's
    /// `tcgen05.mma` kinds: `f16` for 16-bit pairs, `f8f6f4` and `mxf4`/`mxf4nvf4` for 8-, 6- and
    /// 4-bit ones; PTX ISA, tcgen05.mma), so its weights are dequantized to BF16 on every GPU.
    /// INT4 is weight-only, computed in FP16/BF16. AMD's FP4 matrix cores (CDNA 4) take the OCP
    /// microscaling format, an 8-bit power-of-two scale per 32 elements (AMD quotes the MI355X's
    /// FP4 rate for MXFP4/MXFP6), not NVFP4's FP8 scale per 16, so NVFP4 is dequantized there.
    public func mathUnit(for precision: Precision) -> MathUnit? {
        switch precision {
        case .fp32: return .cudaCoreFP32
        case .bf16: return tensorPeaks[.bf16] != nil ? .tensor(.bf16) : nil
        case .fp16: return tensorPeaks[.fp16] != nil ? .tensor(.fp16) : nil
        case .fp8:
            if tensorPeaks[.fp8] != nil { return .tensor(.fp8) }
            return dequantizesFP8 ? sixteenBitUnit : nil
        case .int8: return tensorPeaks[.int8] != nil ? .tensor(.int8) : nil
        case .nvfp4:
            if tensorPeaks[.fp4] != nil, vendor == "nvidia" { return .tensor(.fp4) }
            return dequantizesFP4 ? sixteenBitUnit : nil
        case .mxfp4:
            return dequantizesFP4 ? sixteenBitUnit : nil
        case .int4:
            return sixteenBitUnit
        }
    }

    /// The 16-bit tensor unit weight-only formats dequantize to: BF16, or FP16 where there is none.
    var sixteenBitUnit: MathUnit? {
        tensorPeaks[.bf16] != nil ? .tensor(.bf16) : tensorPeaks[.fp16] != nil ? .tensor(.fp16) : nil
    }

    /// Whether a 4-bit float format can be dequantized here: vLLM's FP4 Marlin kernels need compute
    /// capability 7.5 or later (`marlin_utils_fp4.is_fp4_marlin_supported`), so Volta (7.0) runs
    /// neither NVFP4 nor MXFP4; INT4 (GPTQ) runs from 6.0.
    var dequantizesFP4: Bool { architecture != "volta" }

    /// Whether FP8 weights can be dequantized here (W8A16): vLLM runs FP8 checkpoints on GPUs
    /// without FP8 tensor cores through FP8 Marlin (vllm-project/vllm PR #5975; vLLM docs, "FP8
    /// W8A8": "Turing/Ampere GPUs are supported for W8A16 (weight-only FP8) utilizing Marlin
    /// kernels"), dense and, since `fused_marlin_moe` took FP8 (`prepare_moe_fp8_layer_for_marlin`
    /// in `marlin_utils_fp8.py`), mixture-of-experts layers; `is_fp8_marlin_supported` asks for
    /// compute capability 8.0, so not Volta. A CUDA kernel: not AMD's GPUs.
    var dequantizesFP8: Bool { vendor == "nvidia" && architecture != "volta" }

    /// The precisions this GPU can run.
    public var supportedPrecisions: [Precision] { Precision.allCases.filter { mathUnit(for: $0) != nil } }

    /// True for datacenter Blackwell (sm_100/sm_103, the HBM parts): tcgen05 tensor cores that run
    /// asynchronously into tensor memory, with 2-SM MMA. The GDDR7 Blackwell chips (GB20x, sm_120)
    /// issue warp-level MMA without tensor memory; CUTLASS builds them as a separate target.
    public var hasTensorMemory: Bool { architecture == "blackwell" && memoryTechnology == .hbm }

    /// Idle board power at SM clock `clock`.
    public func idle(at clock: Frequency) -> Power { idlePower.power(at: clock, gpu: self) }

    /// Supply voltage at `clock` relative to the voltage at the boost clock (1 at boost).
    public func relativeVoltage(at clock: Frequency) -> Double { voltage.relative(at: clock, boost: boostClock) }

    /// The dynamic-power scale of core-domain terms, `(V(f)/V(f_boost))² · f/f_boost`: 1 at boost.
    public func coreScale(at clock: Frequency) -> Double {
        let v = relativeVoltage(at: clock)
        return v * v * (clock / boostClock)
    }
}

/// GPU-to-GPU link of a node.
public struct Interconnect: Sendable {
    public let kind: String
    /// Per GPU, both directions together, as vendors quote it (NVLink 4: 900 GB/s): every link of
    /// the GPU added up.
    public let bidirectionalBandwidth: Bandwidth
    /// How the GPUs of a node reach each other, which sets how much of `bidirectionalBandwidth` a
    /// group of fewer GPUs than the node can use (`unidirectionalBandwidth(participants:)`).
    public var topology: Topology = .switched

    /// Whether the link is the host bus alone (`pcie4`, `pcie5`): no NVLink, Infinity Fabric or
    /// bridge between the GPUs.
    public var isPCIe: Bool { kind.lowercased().hasPrefix("pcie") }

    /// One direction of every link together: what a collective over the whole fabric moves data
    /// at, and the capacity the link duty cycle is read against (`PassEstimator.dutyCycles`).
    public var unidirectionalBandwidth: Bandwidth { bidirectionalBandwidth / 2 }

    /// How a node's GPUs are joined.
    public enum Topology: Sendable, Equatable {
        /// Every GPU reaches every peer at its full rate: NVSwitch nodes, and PCIe-only parts
        /// whose one x16 link is their whole interconnect.
        case switched
        /// Fully connected point-to-point links, `links` per GPU, each an equal share of the
        /// bandwidth (AMD's 8-GPU Infinity Fabric platforms: 7 links per GPU).
        case mesh(links: Int)
        /// A bridge joins pairs of GPUs; beyond its pair a GPU moves data over the host bus at
        /// `beyondPair`, both directions together (H100 NVL: NVLink bridge, then PCIe Gen5 x16).
        case bridgedPairs(beyondPair: Bandwidth)

        /// The catalog's spelling (`"topology"` in gpus.json).
        public var name: String {
            switch self {
            case .switched: return "switched"
            case .mesh: return "mesh"
            case .bridgedPairs: return "bridged-pairs"
            }
        }
    }

    public init(kind: String, bidirectionalBandwidth: Bandwidth, topology: Topology = .switched) {
        self.kind = kind
        self.bidirectionalBandwidth = bidirectionalBandwidth
        self.topology = topology
    }

    /// The rate, one direction, at which each GPU of a group of `participants` GPUs on one node
    /// sends to the others: what a ring or all-to-all step moves data at.
    ///
    /// Switched: the full `unidirectionalBandwidth` whatever the group. Mesh of L links: a group
    /// of p reaches its peers over only min(p − 1, L) of them, `unidirectionalBandwidth ×
    /// min(p − 1, L) / L` (MI300X tp 2: 1/7 of 448 GB/s, 64 GB/s; tp 4: 3/7; tp 8: all).
    /// Bridged pairs: the bridge for a pair, and for a larger group the bus beyond it,
    /// `beyondPair / 2`, which paces the ring (H100 NVL tp 4: 64 GB/s, not the bridge's 300).
    public func unidirectionalBandwidth(participants: Int) -> Bandwidth {
        switch topology {
        case .switched:
            return unidirectionalBandwidth
        case let .mesh(links):
            let used = min(max(participants - 1, 1), links)
            return unidirectionalBandwidth * (Double(used) / Double(links))
        case let .bridgedPairs(beyondPair):
            return participants <= 2 ? unidirectionalBandwidth : beyondPair / 2
        }
    }

    /// `unidirectionalBandwidth(participants:)` for a group whose GPUs may sit in different bridged
    /// pairs though it has only two: a send from one pipeline stage of tp ≥ 2 (which fills a pair)
    /// to the next, or a KV cache handed from a prefill GPU to a decode GPU, crosses the host bus
    /// at `beyondPair / 2` (H100 NVL: 64 GB/s, not the bridge's 300). Other topologies ignore it.
    public func unidirectionalBandwidth(participants: Int, leavesPair: Bool) -> Bandwidth {
        if leavesPair, case let .bridgedPairs(beyondPair) = topology { return beyondPair / 2 }
        return unidirectionalBandwidth(participants: participants)
    }
}
