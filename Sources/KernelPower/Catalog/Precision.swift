/// The number format in which a model's weights are stored and its matrix products computed.
///
/// Weight-only formats (`int4`; the FP4 formats on GPUs without FP4 tensor cores; FP8 on GPUs
/// without FP8 tensor cores, as vLLM's FP8 Marlin runs it) are dequantized to BF16/FP16 inside
/// the GEMM: memory traffic shrinks, compute runs at the 16-bit rate.
public enum Precision: String, CaseIterable, Sendable, Codable {
    case fp32, bf16, fp16, fp8, mxfp4, nvfp4, int8, int4

    /// Bytes per stored weight element, scales included: MXFP4 carries one 8-bit scale per 32
    /// elements (OCP Microscaling spec v1.0, block size 32); NVFP4 one FP8 (E4M3) scale per 16
    /// plus one FP32 scale per tensor (NVIDIA Technical Blog, "Introducing NVFP4 for Efficient and
    /// Accurate Low-Precision Inference", 2025: 16-value micro-blocks); INT4 (AWQ/GPTQ) one FP16
    /// scale per group of 128 (AWQ paper, Lin et al. 2024, default group size 128).
    public var weightBytesPerElement: Double {
        switch self {
        case .fp32: return 4
        case .bf16, .fp16: return 2
        case .fp8, .int8: return 1
        case .mxfp4: return 0.5 + 1.0 / 32.0
        case .nvfp4: return 0.5 + 1.0 / 16.0
        case .int4: return 0.5 + 2.0 / 128.0
        }
    }

    /// Bytes per element of the activations fed to a GEMM running on `unit`: W8A8 formats
    /// quantize activations too, and so does NVFP4 where FP4 tensor cores run it (W4A4: the
    /// activation operand is NVFP4 as well; dequantized elsewhere, it is 16-bit).
    public func gemmActivationBytes(on unit: MathUnit) -> Double {
        switch self {
        case .fp32: return 4
        case .fp8, .int8: return isDequantized(on: unit) ? 2 : 1
        case .nvfp4: return unit == .tensor(.fp4) ? weightBytesPerElement : 2
        default: return 2
        }
    }

    /// Bytes per element of activations kept between kernels (residual stream, norms).
    public var activationBytes: Double { self == .fp32 ? 4 : 2 }

    /// Default bytes per KV-cache element when the KV precision is not given separately.
    public var defaultKVBytes: Double { self == .fp32 ? 4 : 2 }

    /// Whether the format is 4-bit weights that GPUs without 4-bit tensor cores dequantize to
    /// 16-bit inside the kernel (INT4 always is).
    public var isWeightOnly: Bool { self == .mxfp4 || self == .nvfp4 || self == .int4 }

    /// The formats an engine keeps a KV cache in (`Deployment.kvCacheProblem`: 16- or 32-bit,
    /// FP8, NVFP4); no engine caches INT8, MXFP4 or INT4 keys and values. The list a bad
    /// `--kv-precision` or `kv_precision` shows: it had listed all eight, three then refused.
    public static let kvCacheFormats: [Precision] = [.fp32, .bf16, .fp16, .fp8, .nvfp4]

    /// The names to suggest for an unknown precision `name` among `offered`: both 4-bit float
    /// formats for a bare "fp4" (edit distance alone picked "fp8"), else the nearest name.
    public static func suggestions(for name: String, among offered: [Precision] = allCases) -> [String] {
        let names = offered.map(\.rawValue)
        if name.lowercased() == "fp4" { return names.filter { $0.hasSuffix("fp4") } }
        return Suggestions.closest(to: name, among: names, limit: 1)
    }

    /// Whether weights in this format are dequantized to the 16-bit `unit` inside the GEMM
    /// (W4A16 and W8A16): stored narrower than 16 bits, multiplied at 16.
    public func isDequantized(on unit: MathUnit) -> Bool {
        weightBytesPerElement < 2 && (unit == .tensor(.bf16) || unit == .tensor(.fp16))
    }
}

/// The tensor-core number formats a GPU catalog quotes peaks for.
public enum TensorFormat: String, CaseIterable, Sendable {
    case tf32, bf16, fp16, fp8, fp4, int8
}

/// How a GEMM's multiply-accumulate is executed.
public enum MathUnit: Sendable, Equatable, Hashable {
    /// Tensor cores in the given format.
    case tensor(TensorFormat)
    /// CUDA cores (non-tensor FP32), as PyTorch runs FP32 matmuls with TF32 disabled (its default).
    case cudaCoreFP32
}
