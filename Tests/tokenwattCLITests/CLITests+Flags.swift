import Foundation
import Testing

/// Flags the README and the help list that no test ran (a 2026-12-07 audit): each does what its
/// help says, observed in the output.
extension CLITests {
    static func jsonObject(_ r: Result) throws -> [String: Any] {
        #expect(r.status == 0, "\(r.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stdout.prefix(300))")
    }

    /// `capacity --ttft-ms`: a target no fleet meets (0.5 ms to the first token) marks the row as
    /// missing it, naming the TTFT, and a target every fleet meets marks none.
    @Test func capacityMarksARowThatMissesTheTTFTTarget() throws {
        let dir = try Self.scratch("capacity-ttft")
        defer { try? FileManager.default.removeItem(at: dir) }
        let w = dir.appendingPathComponent("w.json")
        try Inputs.workload.write(to: w, atomically: true, encoding: .utf8)
        func row(_ ttft: String) throws -> (targets: [String: Any], row: [String: Any]) {
            let obj = try Self.jsonObject(try Self.run(["capacity", w.path, "--budget-mw", "1", "--ttft-ms", ttft, "--format", "json"]))
            return (try #require(obj["targets"] as? [String: Any]), try #require((obj["rows"] as? [[String: Any]])?.first))
        }
        let tight = try row("0.5")
        #expect(tight.targets["ttftMs"] as? Double == 0.5)
        let ttft = try #require(tight.row["timeToFirstTokenMs"] as? Double)
        #expect(ttft > 0.5 && tight.row["meetsTargets"] as? Bool == false, "\(tight.row)")
        let missed = try #require(tight.row["missedTargets"] as? [String])
        #expect(missed.count == 1 && missed[0].hasPrefix("TTFT ") && missed[0].hasSuffix("> 0.5 ms"), "\(missed)")
        let loose = try row("1000000")
        #expect(loose.row["meetsTargets"] as? Bool == true && (loose.row["missedTargets"] as? [String])?.isEmpty != false, "\(loose.row)")
    }

    /// `tune --ttft-ms`: below the TTFT of the untargeted prefill pick, the pick moves to a
    /// setting within the target, and each point says whether it meets it.
    @Test func tunePicksAPrefillSettingWithinTheTTFTTarget() throws {
        let base = ["tune", "--model", Inputs.model8B, "--gpu", "h100-sxm", "--batch", "16", "--input", "500", "--output", "200",
                    "--steps", "4", "--format", "json"]
        let free = try Self.jsonObject(try Self.run(base))
        let freeTTFT = try #require((free["bestPrefill"] as? [String: Any])?["timeToFirstTokenMs"] as? Double)
        let target = (freeTTFT * 0.95).rounded(.down)
        let bound = try Self.jsonObject(try Self.run(base + ["--ttft-ms", String(Int(target))]))
        #expect((bound["targets"] as? [String: Any])?["timeToFirstTokenMs"] as? Double == target)
        let pick = try #require(bound["bestPrefill"] as? [String: Any], "no setting meets \(target) ms")
        #expect(try #require(pick["timeToFirstTokenMs"] as? Double) <= target, "\(pick)")
        let points = try #require(bound["points"] as? [[String: Any]])
        #expect(points.contains { $0["meetsTimeToFirstToken"] as? Bool == false })
        for p in points {
            let ttft = try #require(p["timeToFirstTokenMs"] as? Double)
            #expect(p["meetsTimeToFirstToken"] as? Bool == (ttft <= target), "\(p)")
        }
    }

    /// `validate --by-model`: the text table adds TokenWatt's rows per model family and drops the
    /// baselines' rows; `help validate` says so.
    @Test(.enabled(if: hasSharedData)) func validateByModelListsTheFamilies() throws {
        let help = try Self.run(["help", "validate"]).stdout
        #expect(help.contains("--by-model: the text table gives TokenWatt's rows per model family"), "\(help)")
        let r = try Self.run(["validate", "--no-report", "--quick", "--by-model"])
        #expect(r.status == 0, "\(r.stderr)")
        // Groups may hold spaces ("m ≤ 64 (weights streamed)"): the estimator is matched as a word.
        let rows = r.stdout.components(separatedBy: "\nTARGETS")[0].split(separator: "\n").dropFirst(2)
        #expect(rows.count > 100 && rows.allSatisfy { $0.contains(" tokenwatt ") }, "\(rows.first { !$0.contains(" tokenwatt ") } ?? "")")
        #expect(rows.contains { $0.hasPrefix("argonne ") && $0.contains(" llama-3 ") } && rows.contains { $0.hasPrefix("argonne ") && $0.contains(" all ") })
    }

    /// `calibrate --log-format dcgm --interval-ms`: dmon prints no timestamps, so the interval
    /// places each sample in the manifest's clock. A log taken every 500 ms, read at 500 ms, gives
    /// the fit of the same runs written as a runs CSV; read at the default 1000 ms its windows
    /// fall on the idle gaps between runs, and the refusal names the flag. `help calibrate` says
    /// what the flag is and its default.
    @Test func calibrateReadsADCGMLogAtItsInterval() throws {
        let help = try Self.run(["help", "calibrate"]).stdout
        #expect(help.contains("--interval-ms N is the sampling interval of a dcgm log") && help.contains("default 1000"), "\(help)")
        let (dir, _, _, csv) = try Self.calibrate("cal-dcgm", rows: Self.a10Runs)
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(csv.status == 0, "\(csv.stderr)")
        // Each of a10Runs (…,watts,ms) lasts `passes` passes from 20 i + 2 s; 20 W between runs.
        let passes = [300, 80, 20, 200, 50]
        var manifest = ["model,gpu,framework,phase,batch,input_tokens,start,end,passes"], windows: [(Double, Double, String)] = []
        for (i, row) in Self.a10Runs.enumerated() {
            let cells = row.split(separator: ",").map(String.init), start = Double(20 * i + 2)
            let end = start + Double(cells[7])! * Double(passes[i]) / 1000
            manifest.append((cells[0..<6] + [String(Int(start)), "\(end)", String(passes[i])]).joined(separator: ","))
            windows.append((start, end, cells[6]))
        }
        let log = ["#Entity   POWER", "ID        W"] + (0...240).map { k in
            let t = Double(k) * 0.5
            return "GPU 0     " + (windows.first { $0.0 <= t && t <= $0.1 }?.2 ?? "20")
        }
        let m = dir.appendingPathComponent("m.csv"), d = dir.appendingPathComponent("d.txt")
        try (manifest.joined(separator: "\n") + "\n").write(to: m, atomically: true, encoding: .utf8)
        try (log.joined(separator: "\n") + "\n").write(to: d, atomically: true, encoding: .utf8)
        let flags = ["calibrate", "--manifest", m.path, "--power-log", d.path, "--log-format", "dcgm", "-o", dir.appendingPathComponent("d.json").path]
        let at500 = try Self.run(flags + ["--interval-ms", "500"])
        #expect(at500.status == 0, "\(at500.stderr)")
        let table = { (r: Result) in r.stdout.split(separator: "\n").filter { $0.hasPrefix("a10 ") } }
        #expect(!table(csv).isEmpty && table(at500) == table(csv), "\(at500.stdout)\n\(csv.stdout)")
        let at1000 = try Self.run(flags)
        #expect(at1000.status == 1 && at1000.stderr.contains("below the GPU's idle power") && at1000.stderr.contains("--interval-ms"), "\(at1000.stderr)")
    }

    /// A log of 600 requests in 12 s, 300 tokens out each: far more than a batch of 8 serves.
    static let busyLog = "TIMESTAMP,ContextTokens,GeneratedTokens\n" + (0..<600).map {
        "2023-11-16 18:10:\(String(format: "%02d.%02d", $0 / 50, $0 % 50 * 2)),\(500 + $0 % 100),300"
    }.joined(separator: "\n") + "\n"

    /// `trace --max-batch`: no request is priced at a batch above it, and the smaller batches
    /// cost more energy for the same log.
    @Test func traceHoldsEachRequestToTheMaxBatch() throws {
        let dir = try Self.scratch("trace-max-batch")
        defer { try? FileManager.default.removeItem(at: dir) }
        func replay(_ extra: [String]) throws -> (total: Double, batches: [Int]) {
            let rows = dir.appendingPathComponent("rows.csv")
            try? FileManager.default.removeItem(at: rows)
            let obj = try Self.jsonObject(try Self.run(["trace", "-", "--model", Inputs.model8B, "--gpu", "h100-sxm", "--format", "json",
                                                        "--per-request", rows.path] + extra, stdin: Self.busyLog))
            let lines = Self.csvLines(try String(contentsOf: rows, encoding: .utf8))
            let column = try #require(lines.first?.firstIndex(of: "batch"))
            #expect((obj["inputs"] as? [String: Any])?["maxBatch"] as? Double == Double(extra.last.flatMap(Int.init) ?? 256))
            return (try #require(obj["totalWh"] as? Double), lines.dropFirst().compactMap { Int($0[column]) })
        }
        let wide = try replay([]), narrow = try replay(["--max-batch", "8"])
        #expect(narrow.batches.count == 600 && narrow.batches.max() == 8, "\(Set(narrow.batches))")
        #expect(wide.batches.max().map { $0 > 8 } == true && narrow.total > wide.total, "\(narrow.total) against \(wide.total) Wh")
        let bad = try Self.run(["trace", "-", "--model", Inputs.model8B, "--gpu", "h100-sxm", "--max-batch", "0"], stdin: Self.busyLog)
        #expect(bad.status == 64 && bad.stderr.contains("--max-batch"), "\(bad.stderr)")
    }

    /// `trace --window-s`: the rate window is the one named; one that holds too few arrivals
    /// is said, and it moves the idle charged to the requests, not the log's total.
    @Test func traceTakesTheRateWindow() throws {
        let log = "TIMESTAMP,ContextTokens,GeneratedTokens\n" + (0..<300).map {
            "2023-11-16 18:\(10 + $0 / 60):\(String(format: "%02d", $0 % 60)).5,\(100 + $0),\(20 + $0 % 30)"
        }.joined(separator: "\n") + "\n"
        func replay(_ extra: [String]) throws -> [String: Any] {
            try Self.jsonObject(try Self.run(["trace", "-", "--model", Inputs.model8B, "--gpu", "h100-sxm", "--format", "json"] + extra, stdin: log))
        }
        let standard = try replay([]), short = try replay(["--window-s", "10"])
        #expect((standard["inputs"] as? [String: Any])?["windowSeconds"] as? Double == 300)
        #expect((short["inputs"] as? [String: Any])?["windowSeconds"] as? Double == 10)
        #expect(standard["windowNote"] is NSNull && (short["windowNote"] as? String)?.contains("the 10 s rate window holds 10 arrivals") == true,
                "\(short["windowNote"] ?? "none")")
        let owed = { (o: [String: Any]) in o["owedIdleWh"] as? Double ?? .nan }
        #expect(owed(short) != owed(standard), "\(owed(short)) and \(owed(standard))")
        #expect(abs((short["totalWh"] as? Double ?? 0) / (standard["totalWh"] as? Double ?? 1) - 1) < 1e-3)
        let bad = try Self.run(["trace", "-", "--model", Inputs.model8B, "--gpu", "h100-sxm", "--window-s", "0"], stdin: log)
        #expect(bad.status == 64 && bad.stderr.contains("--window-s"), "\(bad.stderr)")
    }
}
