import Foundation
import KernelPower

/// Published energy per output token of serving runs whose rows are not in ../shared/data
/// (`serving-energy.json`): scored as data set `published-serving`, metric `j_per_token`, the same
/// way `mlenergy-v3` scores its rows (vLLM, the GPU boundary, prefill included). Its points are
/// B200 runs, so they check the forecast of a GPU the bundled coefficients carry over from the H100
/// before any held-back B200 row is seen. The source names a run's `max_num_seqs` as its batch
/// size; the run's mean batch can only be lower, which would make its energy per token higher.
/// The post's runs are the ML.ENERGY benchmark's, which samples with top-p 0.95 (see `MLEnergyRun`).
public enum PublishedServing {
    /// One published measurement.
    public struct Point: Sendable {
        public var label: String
        public var model: String
        public var gpu: String
        public var gpus: Int
        public var batch: Int
        public var inputTokens: Int
        public var outputTokens: Int
        public var joulesPerOutputToken: Double
        public var source: String
    }

    public static let bundled: [Point] = {
        do { return try loadBundled() } catch { fatalError("bundled serving-energy catalog is invalid: \(error)") }
    }()

    public static func loadBundled() throws -> [Point] { try PublishedPoints.bundled("serving-energy", point) }

    public static func load(_ data: Data, file: String) throws -> [Point] { try PublishedPoints.load(data, file: file, point) }

    static func point(_ o: inout JSONObjectReader) throws -> Point {
        Point(label: try o.string("label"), model: try o.string("model"), gpu: try o.string("gpu"),
              gpus: try o.int("gpus", 1...4096), batch: try o.int("batch", 1...1_000_000),
              inputTokens: try o.int("inputTokens", 1...10_000_000), outputTokens: try o.int("outputTokens", 1...10_000_000),
              joulesPerOutputToken: try o.double("joulesPerOutputToken", 1e-6...1e4, expected: "joules per output token"),
              source: try o.string("source"))
    }

    /// Every point as a `published-serving` record: the model's GPU energy per output token for
    /// the point's deployment, served by vLLM at its batch with tensor parallelism over its GPUs.
    public static func run(estimator: Estimator, points: [Point] = bundled) -> MLEnergyValidation.Result {
        var out = MLEnergyValidation.Result(records: [], skipped: [])
        for p in points {
            do {
                let d = try estimator.deployment(DeploymentRequest(model: p.model, gpu: p.gpu, gpus: p.gpus, framework: .vllm, sampling: .topP),
                                                 context: "serving-energy.json: \(p.label)")
                let s = try estimator.serve(d, ServingRequest(batch: p.batch, inputTokens: p.inputTokens, outputTokens: p.outputTokens))
                out.records.append(ValidationRecord(dataset: "published-serving", gpu: d.gpu.id, group: d.model.family,
                                                    metric: "j_per_token", label: p.label, measured: p.joulesPerOutputToken,
                                                    predicted: s.energyPerOutputToken.joules))
                // What the serving estimate says about the point (a batch the KV cache or the step
                // budget does not hold, a context past the model's window), in its own words.
                out.notes += s.notes.map { "\(p.label): \($0)" }
            } catch {
                out.skipped.append((p.label, "\(error)"))
            }
        }
        return out
    }
}
