import Foundation
import Testing

/// `kernels`, `trace` and `export-sql` end to end: a pass that adds up, request logs, the SQL surface.
extension CLITests {
    @Test func kernelsListsAPassThatAddsUp() throws {
        let base = ["kernels", "--model", "openai/gpt-oss-120b", "--gpu", "b200", "--batch", "64", "--input", "1024", "--output", "1024"]
        let text = try Self.run(base)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("decode step of 64 sequences at 1536 tokens of context") && text.stdout.contains("experts_gate_up"))
        let csv = try Self.run(base + ["--format", "csv", "--pass", "prefill"])
        #expect(csv.status == 0, "\(csv.stderr)")
        let lines = csv.stdout.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(lines[0].prefix(4) == ["block", "kernel", "launches", "us_each"])
        #expect(lines.last?.first == "idle")
        let share = lines.dropFirst().compactMap { Double($0[5]) }.reduce(0, +)
        #expect(abs(share - 1) < 0.01)
        let json = try Self.run(base + ["--format", "json", "--context", "8192"])
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((obj["phase"] as? String)?.contains("8192 tokens of context") == true)
        #expect(((obj["kernels"] as? [[String: Any]])?.count ?? 0) > 10)
        let query = try Self.run(base + ["--per-query", "--format", "csv"])
        #expect(query.status == 0, "\(query.stderr)")
        let estimate = try Self.run(["estimate"] + base.dropFirst() + ["--format", "json", "--boundary", "gpu"])
        let wh = try #require(((try JSONSerialization.jsonObject(with: Data(estimate.stdout.utf8)) as? [String: Any])?["whPerQuery"] as? [String: Any])?["gpu"] as? Double)
        let summed = query.stdout.split(separator: "\n").dropFirst().compactMap { Double($0.split(separator: ",")[3]) }.reduce(0, +)
        #expect(abs(summed / wh - 1) < 0.002, "per-query kernels \(summed) Wh against estimate's \(wh) Wh")
    }

    /// --context beside --pass prefill was ignored with nothing said in CSV (the note went only
    /// into the text and JSON listings).
    @Test func kernelsCSVSaysWhatItsNotesSay() throws {
        let r = try Self.run(["kernels", "--model", "meta-llama/Llama-3.1-8B-Instruct", "--gpu", "h100-sxm", "--batch", "16", "--input", "1000",
                              "--output", "500", "--pass", "prefill", "--context", "100", "--format", "csv"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("note: --context applies to the decode step"), "\(r.stderr)")
        #expect(!r.stdout.contains("note"))
    }

    @Test func traceReadsStdinAndWritesPerRequestRowsOrNothing() throws {
        let log = "TIMESTAMP,ContextTokens,GeneratedTokens\n" + (0..<300).map { "2023-11-16 18:\(10 + $0 / 60):\(String(format: "%02d", $0 % 60)).5,\(100 + $0),\(20 + $0 % 30)" }.joined(separator: "\n") + "\n"
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tokenwatt-cli-trace-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let rows = dir.appendingPathComponent("rows.csv"), hourly = dir.appendingPathComponent("hourly.csv")
        let r = try Self.run(["trace", "-", "--model", "meta-llama/Llama-3.1-8B-Instruct", "--gpu", "h100-sxm", "--per-request", rows.path,
                              "--hourly", hourly.path, "--format", "json"], stdin: log)
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(obj["requests"] as? Double == 300)
        let lines = try String(contentsOf: rows, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 301 && lines[0] == "index,timestamp_s,input_tokens,output_tokens,batch,busy_fraction,wh_gpu,wh,wh_low,wh_high")
        #expect(try String(contentsOf: hourly, encoding: .utf8).hasPrefix("hour,requests,wh,mean_watts"))
        let bad = dir.appendingPathComponent("bad-rows.csv")
        let broken = try Self.run(["trace", "-", "--model", "meta-llama/Llama-3.1-8B-Instruct", "--gpu", "h100-sxm", "--per-request", bad.path],
                                  stdin: log + "2023-11-16 19:00:00.0,12,x\n")
        #expect(broken.status != 0 && broken.stderr.contains("line 302"), "\(broken.stderr)")
        #expect(!FileManager.default.fileExists(atPath: bad.path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).allSatisfy { !$0.hasPrefix(".") })
    }

    /// A fleet deployment's token budget reaches a trace too (`trace` refused --token-budget, so
    /// a workload with another budget could not be re-priced request by request).
    @Test func traceTakesTheTokenBudget() throws {
        let log = "TIMESTAMP,ContextTokens,GeneratedTokens\n" + (0..<60).map { "2023-11-16 18:10:\(String(format: "%02d", $0)).5,\(900 + $0),20" }.joined(separator: "\n") + "\n"
        func total(_ extra: [String]) throws -> Double {
            let r = try Self.run(["trace", "-", "--model", "meta-llama/Llama-3.1-8B-Instruct", "--gpu", "h100-sxm", "--format", "json"] + extra, stdin: log)
            #expect(r.status == 0, "\(r.stderr)")
            let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
            return try #require(obj["totalWh"] as? Double)
        }
        let standard = try total([]), small = try total(["--token-budget", "300"])
        #expect(small > standard, "prompts of ~900 tokens in 300-token steps: \(small) against \(standard) Wh")
    }

    /// Without --token-budget a trace takes vLLM's default on the GPU, as `estimate` does (it
    /// had taken 8192 on an A100, whose vLLM server runs 2048-token steps).
    @Test func traceTakesTheGPUsDefaultBudget() throws {
        let log = "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:10:00.5,900,20\n2023-11-16 18:10:01.5,800,30\n"
        func budget(_ gpu: String) throws -> Int? {
            let r = try Self.run(["trace", "-", "--model", "meta-llama/Llama-3.1-8B-Instruct", "--gpu", gpu, "--format", "json"], stdin: log)
            #expect(r.status == 0, "\(r.stderr)")
            let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
            return (obj["inputs"] as? [String: Any])?["tokenBudget"] as? Int
        }
        #expect(try budget("a100-sxm-80gb") == 2048 && budget("h100-sxm") == 8192)
    }

    static let python: String? = ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// export-sql run in SQLite gives what `estimate --method surface` prints for the same tokens.
    @Test(.enabled(if: python != nil)) func exportSQLEqualsEstimateSurface() throws {
        let flags = ["--model", "meta-llama/Llama-3.1-8B-Instruct", "--gpu", "h100-sxm", "--batch", "32", "--busy-fraction", "0.5", "--pue", "1.3",
                     "--boundary", "it"]
        let sql = try Self.run(["export-sql", "--dialect", "sqlite", "--input", "700", "--output", "300"] + flags)
        #expect(sql.status == 0, "\(sql.stderr)")
        let script = "import sqlite3,sys\nc=sqlite3.connect(':memory:')\nc.execute('CREATE TABLE requests (input_tokens INTEGER, output_tokens INTEGER)')\n"
            + "c.executemany('INSERT INTO requests VALUES (?,?)', [(700,300),(5000,20),(12,900)])\ncur=c.execute(sys.stdin.read())\n"
            + "names=[x[0] for x in cur.description]\nfor r in cur: d=dict(zip(names,r)); print(repr(d['wh']), repr(d['wh_low']), repr(d['wh_high']))\n"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try #require(Self.python))
        p.arguments = ["-c", script]
        let inp = Pipe(), out = Pipe()
        p.standardInput = inp
        p.standardOutput = out
        try p.run()
        inp.fileHandleForWriting.write(Data(sql.stdout.utf8))
        inp.fileHandleForWriting.closeFile()
        let values = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: "\n")
            .map { $0.split(separator: " ").compactMap { Double($0) } }
        p.waitUntilExit()
        #expect(values.count == 3 && values.allSatisfy { $0.count == 3 })
        // The batch the KV cache holds is set by the reference shape (--input/--output) in both commands.
        for (k, (i, o)) in [(700, 300), (5000, 20), (12, 900)].enumerated() where k < values.count {
            let e = try Self.run(["estimate", "--method", "surface", "--format", "json", "--input", String(i), "--output", String(o),
                                  "--reference-input", "700", "--reference-output", "300"] + flags)
            let obj = try #require(try JSONSerialization.jsonObject(with: Data(e.stdout.utf8)) as? [String: Any], "\(e.stderr)")
            let wh = try #require(obj["wh"] as? Double)
            let range = try #require(obj["range"] as? [String: Any])
            let low = try #require((range["whPerQueryLow"] as? [String: Double])?["it"])
            let high = try #require((range["whPerQueryHigh"] as? [String: Double])?["it"])
            // estimate writes six significant digits, as every command's JSON does; the SQL
            // equals the Swift formula to 1e-9 (ExportSQLTests).
            for (sql, want) in zip(values[k], [wh, low, high]) {
                #expect(abs(sql / want - 1) < 5e-6, "sql \(sql) vs estimate \(want) for \(i)+\(o)")
            }
        }
    }

    /// A request far from the surface's reference is priced as a share of each step, not of the
    /// KV cache it holds, and stderr says so (1000 + 8000 tokens against 1000 + 500: 0.56 Wh where
    /// `estimate` gives 1.16).
    @Test func aSurfacePriceFarFromItsReferenceSaysWhatItCounts() throws {
        let base = ["estimate", "--model", "Qwen/Qwen3-30B-A3B", "--gpu", "h100-sxm", "--batch", "256", "--method", "surface",
                    "--reference-input", "1000", "--reference-output", "500", "--input", "1000"]
        let far = try Self.run(base + ["--output", "8000"]), near = try Self.run(base + ["--output", "600"])
        #expect(far.status == 0 && far.stderr.contains("4× the reference request's tokens") && far.stderr.contains("not of the cache"), "\(far.stderr)")
        // The near request has no such note (its stderr carries the batch cut, as the kernel method says it).
        #expect(near.status == 0 && !near.stderr.contains("reference request's tokens"), "\(near.stderr)")
    }
}
