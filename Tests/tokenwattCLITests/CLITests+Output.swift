import Foundation
import Testing

/// Output contracts: numbers in JSON and CSV, the formats each command writes, Markdown tables,
/// duplicate candidates and the trace summary's keys.
extension CLITests {
    static func scratch(_ name: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tokenwatt-cli-\(name)-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func csvLines(_ text: String) -> [[String]] {
        text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    /// Significant digits of a number as written (`0.00123400` has 4, `1.5e-9` 2).
    static func significantDigits(_ cell: String) -> Int {
        let mantissa = cell.split(separator: "e").first.map(String.init) ?? cell
        var digits = mantissa.filter(\.isNumber).drop { $0 == "0" }
        if mantissa.contains(".") { while digits.last == "0" { digits.removeLast() } }
        return digits.count
    }

    /// Integers in JSON are whole: six significant digits wrote the V100's 6291456-byte L2 as
    /// 6291460 and its 34359738368 bytes of memory as 34359700000.
    @Test func gpuBytesAreWholeInJSON() throws {
        let r = try Self.run(["gpus", "--match", "v100", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("\"memoryBytes\": 34359738368") && r.stdout.contains("\"l2Bytes\": 6291456,"), "\(r.stdout)")
    }

    /// The GPU CSV left "-" in a missing number's cell, where every other CSV leaves it empty.
    @Test func gpuCSVLeavesMissingNumbersEmpty() throws {
        let r = try Self.run(["gpus", "--format", "csv"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = Self.csvLines(r.stdout)
        #expect(lines.allSatisfy { !$0.contains("-") }, "\(lines.filter { $0.contains("-") })")
        let v100 = try #require(lines.first { $0.first == "v100" || $0.first?.hasPrefix("v100") == true })
        let bf16 = try #require(lines[0].firstIndex(of: "bf16_tflops"))
        #expect(v100[bf16] == "", "\(v100)")
        let models = try Self.run(["models", "--format", "csv"])
        #expect(Self.csvLines(models.stdout).allSatisfy { !$0.contains("-") })
        #expect(try Self.run(["help", "gpus"]).stdout.contains("bandwidth_gbps in GB/s"))
    }

    /// A trace's counts are whole in JSON: token totals past a million were rounded to six digits.
    @Test func traceCountsAreWholeInJSON() throws {
        let log = "timestamp,input_length,output_length\n" + (0..<9).map { "\($0 * 20),123457,\(1000 + $0)" }.joined(separator: "\n") + "\n"
        let r = try Self.run(["trace", "-", "--model", "meta-llama/Llama-3.1-8B-Instruct", "--gpu", "h100-sxm", "--format", "json"], stdin: log)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("\"inputTokens\": 1111113,"), "\(r.stdout)")
    }

    /// The JSON's hours lacked the `hour` and `whPerRequest` that the `--hourly` CSV has.
    @Test func traceHoursCarryTheCSVKeys() throws {
        let log = "timestamp,input_length,output_length\n" + (0..<9).map { "\($0 * 20),1000,\(100 + $0)" }.joined(separator: "\n") + "\n"
        let r = try Self.run(["trace", "-", "--model", "meta-llama/Llama-3.1-8B-Instruct", "--gpu", "h100-sxm", "--format", "json"], stdin: log)
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let hour = try #require((obj["hourly"] as? [[String: Any]])?.first)
        #expect(hour["hour"] as? Double == 0 && hour["requests"] as? Double == 9)
        let wh = try #require(hour["wh"] as? Double), per = try #require(hour["whPerRequest"] as? Double)
        #expect(abs(per * 9 / wh - 1) < 1e-5, "\(hour)")
    }

    /// `--log-format mooncake` refused Mooncake's CSV, which detection reads.
    @Test func theMooncakeLogFormatTakesItsCSV() throws {
        let log = "timestamp_ms,input_length,output_length\n0,700,100\n1500,900,50\n4000,300,20\n"
        let args = ["trace", "-", "--model", "meta-llama/Llama-3.1-8B-Instruct", "--gpu", "h100-sxm", "--format", "json"]
        let asked = try Self.run(args + ["--log-format", "mooncake"], stdin: log), found = try Self.run(args, stdin: log)
        #expect(asked.status == 0 && found.status == 0, "\(asked.stderr)")
        #expect(asked.stdout == found.stdout)
    }

    /// A request no replica holds alone, among the first 10,000, failed the trace with an error
    /// naming the sample's mean request (`no sequence of 333333999+170 tokens fits`) and no line;
    /// it is left out of the ladder's sample, named by file and line, and priced as logged.
    @Test func aRequestTooLongToHoldIsNamedAndPriced() throws {
        let dir = try Self.scratch("huge")
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = dir.appendingPathComponent("onehuge.csv")
        try "timestamp,input_length,output_length\n0,1000,250\n1,999999999,10\n2,1000,250\n".write(to: log, atomically: true, encoding: .utf8)
        let r = try Self.run(["trace", log.path, "--model", "meta-llama/Llama-3.1-8B-Instruct", "--gpu", "h100-sxm", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("onehuge.csv: line 3: no sequence that long fits") && r.stderr.contains("priced as logged"), "\(r.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(obj["requests"] as? Double == 3 && obj["overContext"] as? Double == 1)
    }

    /// The surface method wrote tab-separated headerless lines of raw doubles for csv and
    /// markdown, and 17-digit JSON (`0.90000000000000002`).
    @Test func theSurfaceMethodWritesEachFormat() throws {
        let base = ["estimate", "--model", "meta-llama/Llama-3.1-8B-Instruct", "--gpu", "h100-sxm", "--batch", "64", "--input", "1000",
                    "--output", "1000", "--method", "surface"]
        let csv = try Self.run(base + ["--format", "csv"])
        #expect(csv.status == 0, "\(csv.stderr)")
        let lines = Self.csvLines(csv.stdout)
        #expect(lines.count == 2 && lines[0].prefix(7) == ["model", "gpu", "gpus", "input_tokens", "output_tokens", "boundary", "wh_per_query"], "\(csv.stdout)")
        #expect(!csv.stdout.contains("\t") && lines[1].allSatisfy { Double($0) == nil || Self.significantDigits($0) <= 6 }, "\(csv.stdout)")
        let row = Dictionary(uniqueKeysWithValues: zip(lines[0], lines[1]))
        #expect(row["boundary"] == "facility" && row["wh_per_query"] == row["wh_facility"] && row["input_tokens"] == "1000")
        let json = try Self.run(base + ["--format", "json"])
        let numbers = json.stdout.matches(of: /: (-?[0-9][0-9.e-]*)/).map { String($0.1) }
        #expect(!numbers.isEmpty && numbers.allSatisfy { Self.significantDigits($0) <= 6 || !$0.contains(".") }, "\(json.stdout)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let wh = try #require(obj["wh"] as? Double)
        #expect(abs(wh / (Double(row["wh_per_query"] ?? "") ?? 0) - 1) < 1e-9)
        let md = try Self.run(base + ["--format", "markdown"])
        #expect(md.status == 0 && md.stdout.hasPrefix("## meta-llama/") && md.stdout.contains("| facility (reported) |"), "\(md.stdout)")
        let text = try Self.run(base)
        #expect(text.stdout.split(separator: "\n").count == 4 && text.stdout.split(separator: "\t").allSatisfy { Self.significantDigits(String($0.split(separator: "\n")[0])) <= 6 },
                "\(text.stdout)")
    }

    /// Kernel CSVs had 4 significant digits (3 for shares: one query's kernel shares summed to
    /// 1.00076), tune's 5 and 4 (gpu_w): six, as estimate and sweep write.
    @Test func kernelAndTuneCSVsCarrySixDigits() throws {
        let base = ["--model", "openai/gpt-oss-120b", "--gpu", "b200", "--batch", "64", "--input", "1024", "--output", "8192"]
        let query = try Self.run(["kernels"] + base + ["--per-query", "--format", "csv"])
        #expect(query.status == 0, "\(query.stderr)")
        let shares = Self.csvLines(query.stdout).dropFirst().compactMap { Double($0[4]) }.reduce(0, +)
        #expect(abs(shares - 1) < 2e-5, "\(shares)")
        let pass = try Self.run(["kernels"] + base + ["--format", "csv"])
        let passLines = Self.csvLines(pass.stdout)
        #expect(passLines.dropFirst().map { Self.significantDigits($0[9]) }.max() == 6, "\(pass.stdout)")
        let tune = try Self.run(["tune", "--model", "meta-llama/Llama-3.1-8B-Instruct", "--gpu", "h100-sxm", "--batch", "32", "--input", "1000",
                                 "--output", "200", "--format", "csv"])
        #expect(tune.status == 0, "\(tune.stderr)")
        let t = Self.csvLines(tune.stdout)
        for column in ["ttft_ms", "gpu_w", "prefill_j"] {
            let i = try #require(t[0].firstIndex(of: column))
            #expect(t.dropFirst().map { Self.significantDigits($0[i]) }.max() == 6, "\(column): \(tune.stdout)")
        }
    }

    /// A scenario named `a|b` split its row of the fleet's Markdown table into one cell too many,
    /// and one whose name held a line break broke its section's heading in two.
    @Test func fleetMarkdownEscapesPipes() throws {
        let dir = try Self.scratch("pipe")
        defer { try? FileManager.default.removeItem(at: dir) }
        let w = dir.appendingPathComponent("w.json")
        try Inputs.workload.replacingOccurrences(of: #""name": "s""#, with: #""name": "a|b\nnext""#)
            .replacingOccurrences(of: #""name": "c""#, with: #""name": "c|d""#).write(to: w, atomically: true, encoding: .utf8)
        let r = try Self.run(["fleet", w.path, "--format", "markdown"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("| a\\|b next | ") && r.stdout.contains("| c\\|d | "), "\(r.stdout)")
        #expect(r.stdout.contains("\n## a|b next\n"), "\(r.stdout)")
        // Every row of a table has its header's cells.
        for table in r.stdout.components(separatedBy: "\n\n") where table.hasPrefix("| ") {
            let cells = table.split(separator: "\n").map { $0.replacingOccurrences(of: "\\|", with: "").filter { $0 == "|" }.count }
            #expect(Set(cells).count == 1, "\(table)")
        }
    }

    /// `--gpus h100-sxm,h100-sxm` and `--caps 700,700` printed each candidate twice.
    @Test func capacityRunsEachCandidateOnce() throws {
        let dir = try Self.scratch("capacity-once")
        defer { try? FileManager.default.removeItem(at: dir) }
        let w = dir.appendingPathComponent("w.json")
        try Inputs.workload.write(to: w, atomically: true, encoding: .utf8)
        let r = try Self.run(["capacity", w.path, "--budget-mw", "1", "--gpus", "h100-sxm,h100,h100-sxm", "--caps", "700,700.0", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect((obj["rows"] as? [Any])?.count == 1, "\(r.stdout)")
        #expect(r.stderr.contains("--gpus names 'h100' and 'h100-sxm', the same candidate") && r.stderr.contains("--gpus names 'h100-sxm' twice")
                && r.stderr.contains("--caps names '700.0' and '700'"), "\(r.stderr)")
    }
}

extension CLITests {
    /// The flags that price one deployment serving one request shape (`EstimateCommand.requestFlags`).
    static let requestFlags = ["model", "gpu", "gpus", "tp", "ep", "pp", "precision", "kv-precision", "ssm-state-precision",
                               "framework", "attention", "sm-clock-mhz", "power-cap-w", "host-launch-us", "sampling",
                               "calibration", "model-catalog", "gpu-catalog", "batch", "input", "output", "token-budget", "memory-utilization"]

    /// tune, diagnose and kernels take `--attention` (kernels also `--ssm-state-precision`), but
    /// their usage texts did not list them; tune refuses a cap or clock of its own.
    @Test(arguments: ["tune", "diagnose", "kernels"])
    func theUsageListsEveryFlagTheCommandTakes(command: String) throws {
        let help = try Self.run(["help", command])
        let skipped: Set<String> = command == "tune" ? ["sm-clock-mhz", "power-cap-w"] : []
        for flag in Self.requestFlags where !skipped.contains(flag) {
            #expect(help.stdout.range(of: "--\(flag)\\b", options: .regularExpression) != nil, "\(command) usage lacks --\(flag)")
        }
    }

    /// tune was the one lever command without JSON (tools scraped the CSV, which drops the chosen
    /// settings): the rows are the CSV's, and the chosen settings at the boundary and at the GPUs.
    @Test func tuneWritesJSON() throws {
        let base = ["tune", "--model", "meta-llama/Llama-3.1-8B-Instruct", "--gpu", "h100-sxm", "--batch", "16", "--input", "500", "--output", "200",
                    "--steps", "4", "--itl-ms", "11"]
        let r = try Self.run(base + ["--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let points = try #require(o["points"] as? [[String: Any]])
        #expect(points.count == Self.csvLines(try Self.run(base + ["--format", "csv"]).stdout).count - 1)
        #expect(o["boundary"] as? String == "facility" && o["gpus"] as? Int == 1 && o["gpu"] as? String == "h100-sxm")
        let q = try #require(o["bestQuery"] as? [String: Any]), wh = try #require(q["whPerQuery"] as? [String: Double])
        #expect(points.allSatisfy { p in (p["meetsTargets"] as? Bool) != true || ((p["whPerQuery"] as? [String: Double])?["facility"] ?? 0) >= wh["facility"]! })
        #expect((q["interTokenLatencyMs"] as? Double ?? 99) <= 11 && o["bestPrefill"] is [String: Any] && o["bestDecode"] is [String: Any])
        let gpu = try #require(o["atGPUs"] as? [String: Any])
        #expect(gpu["bestQuery"] is [String: Any])
        // A prefill pick is judged on the TTFT target alone, and says so; the layout is named.
        let prefill = try #require(o["bestPrefill"] as? [String: Any])
        #expect(prefill["meetsTimeToFirstToken"] as? Bool == true && prefill["meetsInterTokenLatency"] is Bool)
        #expect(o["tensorParallel"] as? Int == 1 && o["pipelineParallel"] as? Int == 1 && o["expertParallel"] as? Int == 1)
        let none = try Self.run(base.dropLast() + ["0.01", "--format", "json"])
        #expect((try JSONSerialization.jsonObject(with: Data(none.stdout.utf8)) as? [String: Any])?["bestQuery"] is NSNull)
    }
}
