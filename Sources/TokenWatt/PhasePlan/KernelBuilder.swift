import KernelPower

/// Shorthands that turn layer operations into kernel shapes at a deployment's precisions.
struct KernelBuilder {
    let deployment: Deployment
    /// Bytes of activations between kernels (2 for BF16/FP16, 4 for FP32).
    let act: Double
    /// Bytes of the GEMM activation operand (1 for W8A8 formats, NVFP4's on FP4 tensor cores).
    let gemmAct: Double

    init(_ d: Deployment) {
        deployment = d
        act = d.precision.activationBytes
        gemmAct = d.precision.gemmActivationBytes(on: d.mathUnit)
    }

    var unit: MathUnit { deployment.mathUnit }

    /// The math unit of activation-by-activation products (attention scores): 16-bit tensor cores
    /// even for weight-quantized models, CUDA cores in FP32.
    var activationUnit: MathUnit {
        switch deployment.precision {
        case .fp32: return .cudaCoreFP32
        default:
            return deployment.gpu.tensorPeaks[.bf16] != nil ? .tensor(.bf16) : .tensor(.fp16)
        }
    }

    /// A linear layer `tokens × k → tokens × n` against dense (non-expert) weights of one part
    /// (attention projections unless said otherwise), at that part's stored width.
    func linear(_ name: String, tokens: Int, n: Int, k: Int, weightBytes: Double? = nil,
                part: Deployment.WeightPart = .attention) -> Kernel {
        let wb = weightBytes ?? deployment.weightBytes(of: part)
        // Weight-only formats dequantize to 16-bit inside the GEMM; the layers a checkpoint leaves
        // 16-bit (an experts-only one's attention and dense layers, an MLP-only one's attention:
        // Llama-3.1-405B-FP8 read its BF16 attention as FP8, 19 % fewer weight bytes a step) run
        // on the 16-bit units too.
        let sixteenBit = deployment.precision.isDequantized(on: deployment.mathUnit) || (weightBytes == nil && !deployment.quantizes(part))
        let u: MathUnit = wb >= 2 && sixteenBit ? activationUnit : unit
        return Kernel(name, .gemm(GEMMShape(m: tokens, n: n, k: k, aBytes: wb >= 2 ? act : gemmAct,
                                            bBytes: wb, cBytes: act, unit: u)))
    }

    /// A batched product of two activations (eager attention scores and outputs).
    func batchedProduct(_ name: String, batch: Int, m: Int, n: Int, k: Int, outBytes: Double? = nil) -> Kernel {
        Kernel(name, .gemm(GEMMShape(batch: batch, m: m, n: n, k: k, aBytes: act, bBytes: act, cBytes: outBytes ?? act,
                                     unit: activationUnit, sharedB: false)))
    }

    /// An elementwise kernel over `elements` values.
    func elementwise(_ name: String, _ elements: Double, inputs: Double = 1, inBytes: Double? = nil,
                     outBytes: Double? = nil, flops: Double = 1, special: Double = 0) -> Kernel {
        Kernel(name, .memory(.elementwise(elements, inputs: inputs, inBytes: inBytes ?? act, outBytes: outBytes ?? act,
                                          flops: flops, special: special)))
    }

    /// A kernel that reads `read` bytes and writes `written` bytes.
    func stream(_ name: String, elements: Double, read: Double, written: Double, flops: Double = 1, special: Double = 0) -> Kernel {
        Kernel(name, .memory(MemoryOpShape(elements: elements, bytesRead: read, bytesWritten: written,
                                           flopsPerElement: flops, specialPerElement: special)))
    }

    func allReduce(_ name: String, elements: Double) -> Kernel? {
        let tp = deployment.tensorParallel
        guard tp > 1 else { return nil }
        return Kernel(name, .collective(deployment.collective(.allReduce, bytes: elements * act, participants: tp)))
    }
}
