import Foundation
import Testing
@testable import TokenWatt

/// Relative approximate equality with a stated tolerance.
func approx(_ a: Double, _ b: Double, rel: Double = 1e-9, abs: Double = 0) -> Bool {
    Swift.abs(a - b) <= max(abs, rel * max(Swift.abs(a), Swift.abs(b)))
}

/// The package root (for committed files such as the bundled coefficients).
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The shared measurement data, when this checkout has it beside it (CI does): `../shared/data`
/// from the package root, the folder the CLI tests check for and the built tool finds from there
/// (`CLITests.hasSharedData`, whose runs get no `TOKENWATT_*` variable). It had followed
/// TOKENWATT_DATA and the current folder, so the two test targets could disagree on whether the
/// data was there, and which data it was.
let sharedData: String? = {
    let path = packageRoot.appendingPathComponent("../shared/data").standardizedFileURL.path
    return FileManager.default.fileExists(atPath: path + "/energaizer-prefill") ? path : nil
}()

/// How the run counts per "data set/GPU" of a fresh validation differ from those a committed
/// file was computed from: data sets that lost runs (the estimator stopped pricing them, a
/// defect) and those that gained them (held-back rows dropped into ../shared/data).
struct RunCountChange {
    var lost: [String] = [], gained: [String] = []

    init(committed: [String: Int], fresh: [String: Int]) {
        for key in Set(committed.keys).union(fresh.keys).sorted() {
            let (before, now) = (committed[key] ?? 0, fresh[key] ?? 0)
            if now < before { lost.append("\(key) \(before) → \(now)") }
            if now > before { gained.append("\(key) \(before) → \(now)") }
        }
    }
}

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
