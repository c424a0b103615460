import Foundation
import Testing

/// The settings an answer was made with, said in every format, and `--memory-utilization` taken
/// by the weights' fit as by the KV cache.
extension CLITests {
    static let mixtralOnH20 = ["--model", "mistralai/Mixtral-8x7B-v0.1", "--gpu", "h20", "--batch", "8", "--input", "1000", "--output", "300"]

    /// 0.99 × 96 GiB holds Mixtral-8x7B's 93.4 GB: every command that takes the flag runs it (the
    /// weights had been held to 90 % and refused); without the flag, 90 % is quoted.
    @Test(arguments: ["estimate", "diagnose", "tune", "kernels"])
    func memoryUtilizationHoldsTheWeights(command: String) throws {
        let r = try Self.run([command] + Self.mixtralOnH20 + ["--memory-utilization", "0.99"])
        #expect(r.status == 0, "\(r.stderr)")
        let refused = try Self.run([command] + Self.mixtralOnH20)
        #expect(refused.status == 1 && refused.stderr.contains("(memory utilization 0.9: 90 % of memory); it needs at least 2 GPUs"), "\(refused.stderr)")
    }

    /// `--method surface` sizes its KV cache with the flag too (it had kept 0.9 whatever was
    /// asked, printing the default's numbers at 0.5).
    @Test func theSurfaceMethodTakesTheMemoryUtilization() throws {
        let args = ["estimate", "--method", "surface", "--model", "meta-llama/Llama-3.1-8B-Instruct", "--gpu", "h100-sxm",
                    "--batch", "512", "--input", "1000", "--output", "300", "--format", "json"]
        let usual = try Self.run(args), half = try Self.run(args + ["--memory-utilization", "0.5"])
        #expect(usual.status == 0 && half.status == 0, "\(usual.stderr)\(half.stderr)")
        #expect(usual.stdout != half.stdout)
        #expect(try Self.run(["estimate", "--method", "surface"] + Self.mixtralOnH20 + ["--memory-utilization", "0.99"]).status == 0)
    }

    /// Below the weights, the refusal quotes the fraction and the GPUs needed (it had passed the
    /// weights at 90 % and then said "0 GB per GPU is left" for the KV cache).
    @Test func aLowMemoryUtilizationSaysHowManyGPUs() throws {
        let r = try Self.run(["estimate", "--model", "meta-llama/Llama-3.1-70B-Instruct", "--gpu", "h100-sxm", "--gpus", "2", "--batch", "8",
                              "--input", "100", "--output", "100", "--memory-utilization", "0.5"])
        #expect(r.status == 1 && r.stderr.contains("(memory utilization 0.5: 50 % of memory); it needs at least 4 GPUs (tp 4)"), "\(r.stderr)")
    }

    static let leversGiven = ["--model", "meta-llama/Llama-3.1-8B-Instruct", "--gpu", "h100-sxm", "--batch", "32", "--input", "1000", "--output", "300",
                              "--power-cap-w", "300", "--sm-clock-mhz", "1500", "--kv-precision", "fp8"]

    /// estimate's JSON carries the settings its CSV does, with the same values.
    @Test func estimateJSONCarriesTheCSVSettings() throws {
        let base = ["estimate"] + Self.leversGiven + ["--precision", "fp8"]
        // Quote-aware: the note cell carries the receipt's caveats, commas and all.
        let csv = try Self.run(base + ["--format", "csv"]).stdout.split(separator: "\n").map(Self.csvFields)
        let row = Dictionary(uniqueKeysWithValues: zip(csv[0], csv[1]))
        let r = try Self.run(base + ["--format", "json"])
        let o = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let settings = try #require(o["settings"] as? [String: Any], "\(r.stdout)")
        let pairs = ["input_tokens": "inputTokens", "output_tokens": "outputTokens", "gpus": "gpus", "tp": "tensorParallel", "ep": "expertParallel",
                     "pp": "pipelineParallel", "precision": "precision", "kv_precision": "kvPrecision", "framework": "framework",
                     "requested_batch": "requestedBatch", "power_cap_w": "powerCapWatts", "sm_clock_mhz": "smClockMHz"]
        for (column, key) in pairs {
            let value = try #require(settings[key], "settings lacks \(key)")
            #expect("\(value)" == row[column], "\(key) \(value) against \(column) \(row[column] ?? "")")
        }
        #expect(settings["precision"] as? String == "fp8" && settings["powerCapWatts"] as? Int == 300 && settings["memoryUtilization"] as? Double == 0.9)
        // The keys that were there stay.
        #expect(o["tensorParallel"] != nil && o["effectiveBatch"] != nil && o["assumptions"] != nil)
        // At boost the clock is null, as the CSV's cell is empty.
        let boost = try Self.run(["estimate", "--model", "meta-llama/Llama-3.1-8B-Instruct", "--gpu", "h100-sxm", "--batch", "8", "--input", "100",
                                  "--output", "100", "--format", "json"])
        let b = try #require(try JSONSerialization.jsonObject(with: Data(boost.stdout.utf8)) as? [String: Any])
        #expect((b["settings"] as? [String: Any])?["smClockMHz"] is NSNull)
    }

    /// diagnose says the cap, clock, KV precision and framework it ran with, in text and JSON.
    @Test func diagnoseSaysItsSettings() throws {
        let base = ["diagnose"] + Self.leversGiven + ["--framework", "trtllm"]
        let text = try Self.run(base)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.split(separator: "\n")[1] == "settings: tp 1, power cap 300 W, SM clock locked at 1500 MHz, fp8 KV cache, framework trtllm",
                "\(text.stdout)")
        let r = try Self.run(base + ["--format", "json"])
        let o = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let settings = try #require(o["settings"] as? [String: Any], "\(r.stdout)")
        #expect(settings["powerCapWatts"] as? Int == 300 && settings["smClockMHz"] as? Int == 1500 && settings["kvPrecision"] as? String == "fp8"
                && settings["framework"] as? String == "trtllm")
        let plain = try Self.run(["diagnose", "--model", "meta-llama/Llama-3.1-8B-Instruct", "--gpu", "h100-sxm", "--batch", "8", "--input", "100", "--output", "100"])
        #expect(plain.stdout.contains("settings: tp 1, power cap 700 W (TDP), SM clock at boost, bf16 KV cache, framework vllm"), "\(plain.stdout)")
    }

    /// The stages given open a layout refusal whose tp they set (it had said "tp 5 does not divide gpus 16").
    @Test func aStagesRefusalNamesTheStagesGiven() throws {
        let r = try Self.run(["estimate", "--model", "meta-llama/Llama-3.1-70B-Instruct", "--gpu", "h100-sxm", "--gpus", "16", "--pp", "3",
                              "--batch", "8", "--input", "100", "--output", "100"])
        #expect(r.status == 64 && r.stderr.hasPrefix("error: pp 3 does not divide gpus 16 (tp defaults to gpus ÷ pp); give --gpus 12"), "\(r.stderr)")
    }

    /// kernels --per-query names the batch it prices, as estimate does.
    @Test func perQueryKernelsNameTheBatchPriced() throws {
        let base = ["kernels", "--model", "Qwen/Qwen3-32B", "--gpu", "h100-sxm", "--gpus", "2", "--batch", "256", "--input", "1000", "--output", "4500", "--per-query"]
        let estimate = try Self.run(["estimate"] + base.dropFirst().dropLast() + ["--format", "json"])
        let e = try #require(try JSONSerialization.jsonObject(with: Data(estimate.stdout.utf8)) as? [String: Any])
        let effective = try #require(e["effectiveBatch"] as? Int), fits = try #require(e["maxBatch"] as? Int)
        #expect(effective < 256)
        let text = try Self.run(base)
        #expect(text.stdout.contains("at batch \(effective) (requested 256, fits \(fits))"), "\(text.stdout)")
        let csv = Self.csvLines(try Self.run(base + ["--format", "csv"]).stdout)
        let column = try #require(csv[0].firstIndex(of: "effective_batch"))
        #expect(csv[1][column] == String(effective))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(try Self.run(base + ["--format", "json"]).stdout.utf8)) as? [String: Any])
        #expect(json["effectiveBatch"] as? Int == effective && json["requestedBatch"] as? Int == 256)
    }
}
