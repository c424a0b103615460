import Foundation
import Testing
@testable import TokenWatt

/// Relative approximate equality with a stated tolerance.
func approx(_ a: Double, _ b: Double, rel: Double = 1e-9, abs: Double = 0) -> Bool {
    Swift.abs(a - b) <= max(abs, rel * max(Swift.abs(a), Swift.abs(b)))
}

/// The shared measurement data, when this checkout has it beside it (CI does).
let sharedData: String? = try? DataDirectory.resolve(explicit: nil)

/// The package root (for committed files such as the bundled coefficients).
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

extension Estimator {
    /// Seconds a decode step of `batch` sequences on `gpus` GPUs (tensor-parallel) gains from
    /// `short` to `long` tokens of context: what the context adds, whatever the weights cost.
    func decodeTimeAdded(_ model: String, gpu: String, gpus: Int, batch: Int, from short: Int, to long: Int) throws -> Double {
        let d = try deployment(DeploymentRequest(model: model, gpu: gpu, gpus: gpus, tensorParallel: gpus))
        let a = try forwardPass(d, phase: .decode(batch: batch, context: short))
        let b = try forwardPass(d, phase: .decode(batch: batch, context: long))
        return b.time.seconds - a.time.seconds
    }
}

/// The message `Estimator().deployment(r)` refuses `r` with (records an issue when it builds).
func deploymentRefusal(_ r: DeploymentRequest) -> String {
    do {
        _ = try Estimator().deployment(r)
        Issue.record("expected a refusal")
        return ""
    } catch { return "\(error)" }
}
