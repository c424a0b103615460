import KernelPower

/// A refusal of a deployment's tp group or stages, and which of them it is about.
/// `Deployment.init(checking:…)` throws it and `init(model:…)` turns it into
/// `DeploymentError.invalidParallelism` with the same reason. `Estimator.deployment` tells by the
/// subject whether the refused value is one it set itself (a tp from an ep given alone or from
/// gpus ÷ pp): it had told by the reason's opening words ("tp 3 ", "pp 2 does not divide"), so a
/// rewording of a message here would have changed, silently, which refusal a user is shown.
struct ParallelismRefusal: Error {
    enum Subject: Equatable {
        /// The tp group, alone or with its stages: the GPUs, the heads or the nodes refuse it
        /// ("tp 3 does not divide the 32 attention heads", "tp 2 × pp 2 = 4 exceeds gpus 2",
        /// "tp 1 × pp 4 spans … nodes").
        case tensorParallel
        /// Stages that do not divide the GPUs, with a tp of 1 ("pp 3 does not divide gpus 5").
        case stagesUnevenOverGPUs
        /// More stages than the GPUs or the layers ("pp 5 exceeds gpus 4", "pp 33 is more stages
        /// than the model's 32 layers").
        case stagesBeyondGPUsOrLayers
    }

    let subject: Subject
    let reason: String

    init(_ subject: Subject, _ reason: String) {
        self.subject = subject
        self.reason = reason
    }
}

/// Why a deployment cannot be estimated.
public enum DeploymentError: Error, Equatable, CustomStringConvertible, Sendable {
    case unsupportedModel(String)
    case unsupportedPrecision(gpu: String, precision: String, supported: [String])
    /// The model's own precision, taken because none was asked for, is one the GPU cannot run.
    case unsupportedDefaultPrecision(model: String, gpu: String, precision: String, supported: [String])
    case invalidParallelism(String)
    case clockOutOfRange(gpu: String, clockMHz: Double, maxMHz: Double)
    case powerCapOutOfRange(gpu: String, watts: Double, range: ClosedRange<Double>)
    /// `weightsGB`: all the model's weights at the deployment's precision (`totalWeightBytes`).
    /// `fit`: the smallest layout the deployment's checks accept whose GPUs hold the weights, the
    /// activations and one sequence (`Deployment.smallestFit`), nil when none does.
    /// `largest`: the most GPUs the checks let the model be spread over.
    /// `memoryUtilization`: the fraction of each GPU's memory `usableGB` is (the message had said
    /// "90 %" whatever `--memory-utilization` asked).
    case doesNotFit(model: String, gpu: String, weightsGB: Double, usableGB: Double, fit: ParallelFit?, largest: ParallelFit, pipelined: Bool = false,
                    memoryUtilization: Double = Deployment.memoryUtilization)
    case invalidShape(String)
    /// A precision that quantizes experts only (MXFP4), asked of a dense model.
    case expertsOnlyPrecision(model: String, precision: String, supported: [String])
    /// An encoder (BERT) asked to serve generation: it has no decode steps to price.
    case encoderOnly(model: String)
    /// A framework whose planner has no path for the model's layers (`features`, in words):
    /// `--framework hf` with a mixture of experts or multi-head latent attention.
    case unsupportedFramework(framework: String, model: String, features: [String])

    public var description: String {
        switch self {
        case let .unsupportedModel(r): return r
        case let .unsupportedPrecision(gpu, p, s):
            return "GPU \(gpu) cannot run precision \(p) (no such tensor cores); it supports \(s.joined(separator: ", "))"
        case let .unsupportedDefaultPrecision(model, gpu, p, s):
            // vLLM refuses BF16 below compute capability 8.0 and asks for --dtype half (FP16).
            let hint = p == "bf16" && s.contains("fp16") ? " (fp16 is what vLLM's --dtype half runs)" : ""
            return "\(model)'s weights are \(p), which \(gpu) has no tensor cores for; it supports \(s.joined(separator: ", ")); "
                + "choose one with --precision, or a precision column or field\(hint)"
        case let .invalidParallelism(r): return r
        case let .clockOutOfRange(gpu, f, maxF):
            return "SM clock \(formatNumber(f)) MHz is outside what \(gpu) runs at (100 to \(formatNumber(maxF)) MHz)"
        case let .powerCapOutOfRange(gpu, w, r):
            return "power cap \(formatNumber(w)) W is outside the range \(gpu) allows (\(formatNumber(r.lowerBound)) to \(formatNumber(r.upperBound)) W)"
        case let .doesNotFit(model, gpu, w, u, fit, largest, pipelined, fraction):
            let group = pipelined ? "this pipeline" : "this tensor-parallel group"
            let need = fit.map { "it needs at least \($0.gpus) GPUs (\($0.description))" }
                ?? "it cannot fit on any deployment of \(gpu) that its attention heads, layers and the nodes allow: the largest, \(largest.description) "
                + "(\(largest.gpus) GPUs), holds \(formatNumber(u * Double(largest.gpus), significant: 4)) GB, and each GPU must also keep "
                + "the activations and one sequence's KV cache"
            return "\(model) does not fit: its weights need \(formatNumber(w, significant: 4)) GB, but \(group) holds \(formatNumber(u, significant: 4)) GB per \(gpu) (memory utilization \(formatNumber(fraction)): \(formatNumber(fraction * 100, significant: 4)) % of memory); \(need)"
        case let .invalidShape(r): return r
        case let .expertsOnlyPrecision(model, p, s):
            // Dense MXFP4 checkpoints exist (AMD's W4A4 amd/Llama-3.3-70B-Instruct-MXFP4-Preview,
            // which vLLM runs on MI350X/MI355X), so the refusal is of the model, not the format:
            // MXFP4 is priced only as gpt-oss lays it out, a mixture-of-experts model's experts at
            // 4 bits, the rest 16-bit, multiplied at 16 bits (docs/methodology.md).
            return "\(model) is dense, and a dense \(p) checkpoint (W4A4, as AMD's Llama-3.3-70B-Instruct-MXFP4-Preview) is not "
                + "modelled here: \(p) is priced only as gpt-oss's checkpoints lay it out, a mixture-of-experts model's experts at 4 bits "
                + "dequantized to 16-bit for the matrix math, every other weight 16-bit; choose one of \(s.joined(separator: ", "))"
                + Self.denseFourBitHint(s)
        case let .encoderOnly(model):
            return "\(model) is an encoder (bidirectional attention, no KV cache): it reads its input in one pass and generates "
                + "no tokens, so there are no decode steps, output tokens or sampler to serve; price its forward pass with "
                + "`tokenwatt predict` (phase forward, input_tokens the sequence length), as validate's EnergAIzer prefill rows do"
        case let .unsupportedFramework(framework, model, features):
            return "the \(framework) framework is modelled for dense FFNs and multi-head or grouped-query attention; \(model) has "
                + "\(features.joined(separator: " and ")), which its planner would price as dense layers and plain attention; "
                + "run it under vllm (--framework vllm), or trtllm or sglang"
        }
    }
}

extension DeploymentError {
    /// What prices 4-bit dense weights instead of a dense MXFP4 checkpoint, among the precisions
    /// `offered`: int4 (weight-only) and nvfp4 (W4A4 on NVIDIA Blackwell's FP4 tensor cores,
    /// weight-only elsewhere, AMD's GPUs included, `GPUSpec.mathUnit`); "" where neither runs.
    static func denseFourBitHint(_ offered: [String]) -> String {
        let words = [offered.contains("int4") ? "int4 (weight-only: weights read at 4 bits, multiplied at 16)" : nil,
                     offered.contains("nvfp4") ? "nvfp4 (W4A4 on NVIDIA Blackwell's FP4 tensor cores, weight-only like int4 elsewhere, "
                        + "AMD's GPUs included)" : nil].compactMap { $0 }
        return words.isEmpty ? "" : "; what is priced for 4-bit dense weights: " + words.joined(separator: " or ")
    }
}
