import Foundation
import KernelPower

/// Speed measurements of the estimator itself (run by `tokenwatt bench`, never by tests).
public enum Benchmarks {
    /// Median of `repeats` timings of `body`, in seconds.
    static func median(repeats: Int, _ body: () throws -> Void) rethrows -> Double {
        var times: [Double] = []
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        times.sort()
        return times[times.count / 2]
    }

    /// Returns named measurements, in a fixed order.
    public static func run() throws -> [(key: String, value: Double)] {
        let estimator = Estimator()
        // An 80-layer model: Llama-3.1-70B prefill of 8 × 2048 tokens on 4 H100s.
        let d = try estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-70B-Instruct", gpu: "h100-sxm", gpus: 4))
        let phase = Phase.prefill(batch: 8, tokens: 2048)
        var sink = 0.0
        let perPass = try median(repeats: 21) {
            for _ in 0..<100 { sink += try estimator.forwardPass(d, phase: phase).energy.joules }
        } / 100
        let program = try PhasePlanner(deployment: d).program(for: phase)
        let pe = estimator.passEstimator(for: d)
        let planned = median(repeats: 21) {
            for _ in 0..<100 { sink += pe.estimate(program).energy.joules }
        } / 100
        // One per-query estimate: Llama-3.1-70B on 4 × H100, 1000 input and 1000 output tokens.
        let request = ServingRequest(batch: 64, inputTokens: 1000, outputTokens: 1000)
        let settings = try LedgerSettings()
        let perQuery = try median(repeats: 11) {
            for _ in 0..<20 {
                sink += try QueryEstimate(estimator: estimator, deployment: d, request: request, settings: settings)
                    .ledger.total(at: .facility).joules
            }
        } / 20
        // The same under a load of half its capacity: the ledger plus the batch the load holds (a bisection).
        let loaded = try LedgerSettings(utilization: .load(queriesPerSecond: try estimator.serve(d, request).queriesPerSecond(outputTokens: 1000) / 2))
        let perLoadedQuery = try median(repeats: 11) {
            for _ in 0..<20 {
                sink += try QueryEstimate(estimator: estimator, deployment: d, request: request, settings: loaded)
                    .ledger.total(at: .facility).joules
            }
        } / 20
        let mc = try monteCarloTimings(estimator)
        if sink.isNaN { print("") }
        return [("forwardPassMicroseconds", perPass * 1e6), ("forwardPassPlannedMicroseconds", planned * 1e6),
                ("queryEstimateMicroseconds", perQuery * 1e6), ("queryEstimateAtLoadMicroseconds", perLoadedQuery * 1e6)] + mc
            + [("sweepPointsPerSecond", try sweepRate(estimator)), ("traceRowsPerSecond", try traceRate(estimator, deployment: d)),
               ("peakMemoryBytes", peakMemoryBytes())]
    }

    /// Reading and pricing a 500,000-row Azure-format log on one core (parse, load estimate,
    /// price, distribution and hourly profile; no per-request output).
    static func traceRate(_ estimator: Estimator, deployment d: Deployment) throws -> Double {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tokenwatt-bench-trace-\(getpid()).csv")
        defer { try? FileManager.default.removeItem(at: url) }
        var text = "TIMESTAMP,ContextTokens,GeneratedTokens\n"
        var rng = SeededRandom(seed: 7)
        let rows = 500_000
        for i in 0..<rows {
            let t = Double(i) * 0.05, s = Int(t) % 60, m = (Int(t) / 60) % 60, h = 10 + Int(t) / 3600
            let frac = Int((t - t.rounded(.down)) * 10_000_000)
            text += "2023-11-16 \(h):\(m < 10 ? "0" : "")\(m):\(s < 10 ? "0" : "")\(s).\(String(repeating: "0", count: 7 - String(frac).count))\(frac),"
            text += "\(Int(50 + rng.uniform() * 3000)),\(Int(5 + rng.uniform() * 500))\n"
        }
        try Data(text.utf8).write(to: url)
        var reader = try TraceReader(path: url.path, format: nil)
        var sample: [TraceRequest] = []
        while sample.count < 10_000, let r = try reader.next() { sample.append(r) }
        var options = TraceReplay.Options()
        options.replicas = 4
        var replay = try TraceReplay(estimator: estimator, deployment: d, options: options, sample: sample)
        var summary = TraceSummary()
        let start = DispatchTime.now().uptimeNanoseconds
        reader = try TraceReader(path: url.path, format: nil)
        try replay.price(all: { try reader.next() }, into: &summary)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        guard summary.perRequest.count == rows else { throw FleetError(description: "bench trace: read \(summary.perRequest.count) of \(rows) rows") }
        return Double(rows) / seconds
    }

    /// The process's peak resident memory (getrusage; Linux reports kilobytes, macOS bytes).
    static func peakMemoryBytes() -> Double {
        var usage = rusage()
        #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) * 1024
        #else
        getrusage(RUSAGE_SELF, &usage)
        return Double(usage.ru_maxrss)
        #endif
    }

    /// A 2,880-point design sweep (4 GPUs × 4 counts × 2 precisions × 6 batch limits × 3 caps ×
    /// 5 models) on every core: points run per second (the 10,000-point target is 10 s). 2,640
    /// run: the A100's 400 W cap is its TDP, the uncapped point's repeat, which the sweep leaves out.
    static func sweepRate(_ estimator: Estimator) throws -> Double {
        let json = """
        {"schemaVersion": 1, "input": 1000, "output": 500, "grid": {
          "model": ["meta-llama/Llama-3.1-8B-Instruct", "meta-llama/Llama-3.1-70B-Instruct", "Qwen/Qwen3-32B", "google/gemma-3-27b-it", "mistralai/Mixtral-8x7B-Instruct-v0.1"],
          "gpu": ["h100-sxm", "h200", "b200", "a100-sxm-80gb"], "gpus": [1, 2, 4, 8], "precision": ["bf16", "fp8"],
          "maxBatch": [1, 8, 32, 64, 128, 256], "powerCapWatts": [null, 400, 600]}}
        """
        let spec = try SweepSpec.read(Data(json.utf8), file: "(bench sweep)")
        var run = 0
        let t = median(repeats: 3) { run = (try? Sweep.run(spec, estimator: estimator))?.count ?? 0 }
        return Double(run) / t
    }

    /// A three-class workload (chat, code, long reasoning) on one deployment, with every input
    /// drawn from a distribution; `outputScale` multiplies the output lengths.
    static func threeClassWorkload(outputScale: Double) throws -> Workload {
        let json = """
        {"schemaVersion": 1, "description": "bench", "scenarios": [{"name": "bench", "kind": "kernel",
          "pue": {"lognormal": {"p5": 1.1, "p95": 1.4}},
          "uncertain": {"gpuEnergyScale": {"lognormal": {"p5": 0.75, "p95": 1.3}}},
          "deployments": [{"name": "d", "model": "meta-llama/Llama-3.1-70B-Instruct", "gpu": "h100-sxm", "gpus": 4}],
          "classes": [
            {"name": "chat", "share": 0.6, "deployment": "d", "input": {"lognormal": {"p5": 50, "p95": 3000}},
             "output": {"exponential": {"median": \(300 * outputScale)}}},
            {"name": "code", "share": 0.3, "deployment": "d", "input": {"uniform": {"low": 500, "high": 4000}},
             "output": {"lognormal": {"p5": \(10 * outputScale), "p95": \(400 * outputScale)}}},
            {"name": "reasoning", "share": 0.1, "deployment": "d", "input": {"fixed": 500},
             "output": {"exponential": {"median": \(300 * outputScale)}}, "strategy": {"kind": "long-reasoning", "factor": 15}}]}]}
        """
        return try WorkloadReader.read(Data(json.utf8), file: "(bench workload)", dataDirectory: nil)
    }

    /// Monte Carlo timings: 100k and 10k samples (cost linear in samples) and 100k samples with
    /// 10 × longer outputs (cost independent of output length).
    static func monteCarloTimings(_ estimator: Estimator) throws -> [(key: String, value: Double)] {
        let runner = FleetRunner(estimator: estimator, dataDirectory: nil)
        let base = try threeClassWorkload(outputScale: 1), long = try threeClassWorkload(outputScale: 10)
        var sink = 0.0
        let t100k = try median(repeats: 5) { sink += try runner.run(base, samples: 100_000, seed: 1)[0].gwhPerDay }
        let t10k = try median(repeats: 9) { sink += try runner.run(base, samples: 10_000, seed: 1)[0].gwhPerDay }
        let tLong = try median(repeats: 5) { sink += try runner.run(long, samples: 100_000, seed: 1)[0].gwhPerDay }
        if sink.isNaN { print("") }
        return [("monteCarlo100kSeconds", t100k), ("monteCarlo10kSeconds", t10k), ("monteCarlo100kLongOutputSeconds", tLong)]
    }
}
