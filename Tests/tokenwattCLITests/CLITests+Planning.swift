import Foundation
import Testing

/// `power` end to end: the layouts its errors suggest, and caps and clocks out of the GPU's range.
extension CLITests {
    static let power405B = ["power", "--params", "405e9", "--gpu", "h100-sxm", "--seq-length", "1024"]

    /// A model too large for one tensor-parallel group is told the tp × pp it needs, and power
    /// takes it: `--pp` had been refused as an unknown option.
    @Test func powerTakesThePipelineItsErrorSuggests() throws {
        let refused = try Self.run(Self.power405B)
        #expect(refused.status == 1 && refused.stderr.contains("it needs at least 12 GPUs (tp 4 × pp 3)"), "\(refused.stderr)")
        let r = try Self.run(Self.power405B + ["--tp", "4", "--pp", "3", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(obj["gpus"] as? Double == 12 && (obj["assumptions"] as? [String])?.contains { $0.contains("tp 4 × pp 3") } == true, "\(r.stdout)")
    }

    /// A cap or clock outside the GPU's range is a usage error that names its flag, as a cap of
    /// 0 (outside every GPU's) is: it exited 1 with "power cap 900 W is outside the range …".
    @Test(arguments: [["--power-cap-w", "900"], ["--power-cap-w=150"], ["--sm-clock-mhz", "1981"]])
    func aCapOrClockOutOfRangeNamesItsFlag(flag: [String]) throws {
        let name = String(flag[0].split(separator: "=")[0]), value = flag.count > 1 ? flag[1] : String(flag[0].split(separator: "=")[1])
        for command in [["power", "--model", "meta-llama/Llama-3.1-8B-Instruct", "--gpu", "h100-sxm", "--seq-length", "1000"],
                        ["estimate", "--model", "meta-llama/Llama-3.1-8B-Instruct", "--gpu", "h100-sxm", "--batch", "8", "--input", "100", "--output", "50"]] {
            let r = try Self.run(command + flag)
            #expect(r.status == 64 && r.stderr.hasPrefix("error: \(name) \(value): ") && r.stderr.contains("h100-sxm"), "\(r.stderr)")
        }
    }

    /// A workload's own cap out of range is no flag's fault: it stays a failed run (exit 1) naming the scenario.
    @Test func aWorkloadCapOutOfRangeIsNoUsageError() throws {
        let dir = try Self.scratch("workload-cap")
        defer { try? FileManager.default.removeItem(at: dir) }
        let w = dir.appendingPathComponent("w.json")
        try #"""
            {"schemaVersion": 1, "description": "x", "samples": 200, "scenarios": [{"name": "s", "kind": "kernel",
              "deployments": [{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm", "powerCapWatts": 900}],
              "classes": [{"name": "c", "share": 1, "deployment": "d", "input": {"fixed": 100}, "output": {"fixed": 50}}]}]}
            """#.write(to: w, atomically: true, encoding: .utf8)
        let r = try Self.run(["fleet", w.path])
        #expect(r.status == 1 && r.stderr.contains("power cap 900 W") && !r.stderr.contains("--power-cap-w"), "\(r.stderr)")
    }
}

/// `tune --itl-stat`: the ITL target judged on the median or p90, said in the output; a bad value
/// or one without `--itl-ms` is a usage error.
extension CLITests {
    static let tune8B = ["tune", "--model", "meta-llama/Llama-3.1-8B-Instruct", "--gpu", "h100-sxm", "--batch", "64",
                         "--input", "1000", "--output", "300", "--steps", "4"]

    @Test func tuneJudgesTheITLTargetOnTheStatisticAsked() throws {
        let mean = try Self.run(Self.tune8B + ["--itl-ms", "25"])
        #expect(mean.status == 0 && mean.stdout.contains("ITL ≤ 25 ms, judged on the mean inter-token latency"), "\(mean.stderr)")
        let p90 = try Self.run(Self.tune8B + ["--itl-ms", "25", "--itl-stat", "p90", "--format", "json"])
        #expect(p90.status == 0, "\(p90.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(p90.stdout.utf8)) as? [String: Any])
        let targets = try #require(obj["targets"] as? [String: Any])
        #expect(targets["interTokenLatencyStatistic"] as? String == "p90")
        for p in try #require(obj["points"] as? [[String: Any]]) {
            let itl = try #require(p["p90InterTokenLatencyMs"] as? Double)
            #expect((p["meetsInterTokenLatency"] as? Bool) == (itl <= 25))
        }
        let bad = try Self.run(Self.tune8B + ["--itl-ms", "25", "--itl-stat", "p99"])
        #expect(bad.status == 64 && bad.stderr.contains("--itl-stat p99: expected one of mean, median, p90"), "\(bad.stderr)")
        let alone = try Self.run(Self.tune8B + ["--itl-stat", "p90"])
        #expect(alone.status == 64 && alone.stderr.contains("give --itl-ms too"), "\(alone.stderr)")
    }
}
