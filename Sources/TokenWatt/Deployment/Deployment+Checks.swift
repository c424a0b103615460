import KernelPower

/// The refusals a deployment's init raises before it is built, one idea each: a precision the
/// GPU cannot run, an expert-parallel group that does not divide, a clock, cap or memory
/// fraction outside what the GPU allows.
extension Deployment {
    /// The math unit `precision` runs on `gpu`, or the refusal: a precision the GPU has no tensor
    /// cores for, or MXFP4 on a dense model. Either refusal lists the precisions that run there.
    static func checkPrecision(_ precision: Precision, model: ModelArchitecture, gpu: GPUSpec) throws -> MathUnit {
        // MXFP4 checkpoints (gpt-oss) quantize the experts only: a dense model would keep every
        // weight in 16 bits and cost exactly what BF16 does, under a 4-bit label.
        let offered = gpu.supportedPrecisions.filter { $0 != .mxfp4 || model.moe != nil }.map(\.rawValue)
        guard let unit = gpu.mathUnit(for: precision) else {
            throw DeploymentError.unsupportedPrecision(gpu: gpu.id, precision: precision.rawValue, supported: offered)
        }
        if precision == .mxfp4, model.moe == nil {
            throw DeploymentError.expertsOnlyPrecision(model: model.id, precision: precision.rawValue, supported: offered)
        }
        return unit
    }

    /// Refuses an ep group the model or the GPUs cannot hold: ep on a dense model, an ep that does
    /// not divide the experts or tile the GPUs, or one that neither divides tp nor is divided by it.
    static func checkExpertParallel(_ ep: Int, tensorParallel tp: Int, gpuCount: Int, model: ModelArchitecture) throws {
        guard ep > 1 else { return }
        guard let moe = model.moe else {
            throw DeploymentError.invalidParallelism("ep \(ep) needs a mixture-of-experts model; \(model.id) is dense")
        }
        guard moe.experts % ep == 0 else {
            throw DeploymentError.invalidParallelism("ep \(ep) does not divide the \(moe.experts) experts of \(model.id)")
        }
        if let problem = groupProblem("ep \(ep)", size: ep, gpuCount: gpuCount) {
            throw DeploymentError.invalidParallelism(problem)
        }
        // Each expert is sliced over the tp/ep GPUs that hold it (or whole on each when ep ≥ tp).
        guard tp % ep == 0 || ep % tp == 0 else {
            throw DeploymentError.invalidParallelism("ep \(ep) and tp \(tp): one must divide the other "
                + "(an ep below tp slices each expert over tp/ep GPUs)")
        }
    }

    /// Refuses a locked clock outside 100 MHz to the GPU's boost clock, a power cap outside the
    /// range the GPU allows, and a memory fraction outside 0.05 to 1.
    static func checkSettings(lockedClock: Frequency?, powerCap: Power?, memoryUtilization: Double, gpu: GPUSpec) throws {
        if let f = lockedClock, f > gpu.boostClock || f.megahertz < 100 {
            throw DeploymentError.clockOutOfRange(gpu: gpu.id, clockMHz: f.megahertz, maxMHz: gpu.boostClock.megahertz)
        }
        if let cap = powerCap, !gpu.powerCapRange.contains(cap.watts) {
            throw DeploymentError.powerCapOutOfRange(gpu: gpu.id, watts: cap.watts, range: gpu.powerCapRange)
        }
        guard (0.05...1).contains(memoryUtilization) else {
            throw DeploymentError.invalidShape("memory utilization \(formatNumber(memoryUtilization)): expected a fraction from 0.05 to 1")
        }
    }
}
