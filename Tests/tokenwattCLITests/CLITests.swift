import Foundation
import Testing

/// End-to-end tests of the `tokenwatt` executable: output, stderr and exit codes.
@Suite struct CLITests {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The built executable: beside the test bundle (`swift test` builds it with the package).
    static let binary: URL? = {
        var candidates: [URL] = []
        if let exe = Bundle.main.executableURL { candidates.append(exe.deletingLastPathComponent().appendingPathComponent("tokenwatt")) }
        for bundle in Bundle.allBundles { candidates.append(bundle.bundleURL.deletingLastPathComponent().appendingPathComponent("tokenwatt")) }
        candidates.append(packageRoot.appendingPathComponent(".build/debug/tokenwatt"))
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()

    /// Runs the binary in the package root, or in `directory`, with this process's environment
    /// less its `TOKENWATT_*` variables, plus `environment`: a developer's TOKENWATT_DATA or
    /// catalog variable had reached every run, so the tests checked other data or catalogs than
    /// `hasSharedData` looked for.
    static func run(_ args: [String], stdin: String? = nil, environment: [String: String] = [:], directory: URL? = nil) throws -> Result {
        let exe = try #require(binary, "tokenwatt executable not built; run `swift build` first")
        let p = Process()
        p.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("TOKENWATT_") }.merging(environment) { $1 }
        p.executableURL = exe
        p.arguments = args
        p.currentDirectoryURL = directory ?? packageRoot
        let out = Pipe(), err = Pipe(), inp = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = inp
        try p.run()
        if let s = stdin { inp.fileHandleForWriting.write(Data(s.utf8)) }
        inp.fileHandleForWriting.closeFile()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    @Test func helpExitsZero() throws {
        let r = try Self.run(["help"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("predict"))
    }

    @Test func unknownCommandIsAUsageError() throws {
        let r = try Self.run(["predcit"])
        #expect(r.status == 64)
        #expect(r.stderr.hasPrefix("error: "))
        #expect(r.stderr.contains("did you mean 'predict'"))
    }

    @Test func unknownOptionIsAUsageError() throws {
        let r = try Self.run(["gpus", "--fromat", "json"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("--format"))
    }

    /// A one-letter option (`-o`) is inside most words; it is not offered for an unrelated one.
    @Test func unknownOptionIsNotMatchedToAOneLetterOption() throws {
        let r = try Self.run(["sweep", "Workloads/chat-service.json", "--model", "x"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("unknown option --model") && !r.stderr.contains("did you mean --o?"))
    }

    @Test func gpusAsJSONListsTheCatalogWithSources() throws {
        let r = try Self.run(["gpus", "--format", "json"])
        #expect(r.status == 0)
        let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let gpus = try #require(obj?["gpus"] as? [[String: Any]])
        #expect(gpus.count >= 15)
        #expect(gpus.allSatisfy { ($0["source"] as? String)?.isEmpty == false })
    }

    @Test func modelsAsCSV() throws {
        let r = try Self.run(["models", "--format", "csv"])
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("id,family,layers"))
        #expect(r.stdout.contains("gqa ×4 + mamba2 ×27"), "a hybrid's block mix is listed")
    }

    /// `--match` keeps the catalog entries whose names contain the text; no match names the closest ids.
    @Test func catalogsFilterByMatch() throws {
        let models = try Self.run(["models", "--match", "QWEN2.5", "--format", "csv"])
        #expect(models.status == 0)
        let ids = models.stdout.split(separator: "\n").dropFirst().map { String($0.split(separator: ",")[0]) }
        #expect(ids.count >= 10 && ids.allSatisfy { $0.lowercased().contains("qwen2.5") || $0.contains("Distill-Qwen") }, "\(ids)")
        let gpus = try Self.run(["gpus", "--match", "blackwell", "--format", "csv"])
        #expect(gpus.status == 0 && gpus.stdout.contains("b200") && !gpus.stdout.contains("h100"))
        let none = try Self.run(["gpus", "--match", "h300"])
        #expect(none.status != 0 && none.stderr.contains("no GPU matches 'h300'") && none.stderr.contains("h200"))
    }

    @Test func predictScoresGoodRowsAndReportsBadOnes() throws {
        let csv = """
        model,gpu,gpus,precision,phase,batch,input_tokens
        meta-llama/Llama-3.1-8B-Instruct,h100-sxm,1,bf16,forward,4,512
        meta-llama/Llama-3.1-8B-Instruct,v100-sxm2-32gb,1,fp8,forward,4,512
        meta-llama/Llama-3.1-8B-Instruct,h100-smx,1,bf16,forward,4,512
        meta-llama/Llama-3.1-8B-Instruct,h100-sxm,1,bf16,forward,0,512

        """
        let r = try Self.run(["predict", "-"], stdin: csv)
        #expect(r.status == 1)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 5)
        let header = lines[0].split(separator: ",").map(String.init)
        for column in ["gpu_power_w", "forward_time_ms", "forward_energy_j", "duty_tensor", "duty_hbm",
                       "memory_bound_share", "compute_bound_share", "idle_share", "error"] {
            #expect(header.contains(column), "missing column \(column)")
        }
        let power = try #require(header.firstIndex(of: "gpu_power_w"))
        let watts = try #require(Double(lines[1].split(separator: ",", omittingEmptySubsequences: false)[power]))
        #expect(watts > 100 && watts < 700)
        #expect(lines[2].contains("cannot run precision fp8"))
        #expect(lines[3].contains("did you mean") && lines[3].contains("h100-sxm"))
        #expect(lines[4].contains("column batch"))
        #expect(r.stderr.contains("3 of 4 rows"))
    }

    /// A trailing comma on one row aborted the whole table with no output, where the README
    /// promises an `error` cell for a row that cannot be scored and the others scored.
    @Test func predictScoresTheRowsBesideARaggedOne() throws {
        let good = "meta-llama/Llama-3.1-8B-Instruct,h100-sxm,forward,1,128"
        let r = try Self.run(["predict", "-"], stdin: "model,gpu,phase,batch,input_tokens\n\(good)\n\(good),\nqwen2-1.5b,a10\n")
        #expect(r.status == 1 && r.stderr.contains("2 of 3 rows could not be scored"), "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        #expect(lines[1].contains("h100-sxm,forward,1,128,") && !lines[1].contains("line 2"))
        #expect(lines[2].contains("line 3: 6 fields, but the header has 5 columns"), "\(lines[2])")
        #expect(lines[3].contains("line 4: 2 fields"), "\(lines[3])")
    }

    /// `help predict` left out pp and ssm_state_precision, which predict reads, and the kernels
    /// column it writes.
    @Test func predictHelpNamesEveryColumnItReadsAndTheKernelsItWrites() throws {
        let r = try Self.run(["help", "predict"])
        #expect(r.status == 0)
        let help = r.stdout + r.stderr
        for column in ["ep, pp,", "ssm_state_precision", "kernels (kernel launches"] { #expect(help.contains(column), "\(column)") }
    }

    @Test func predictJSONEchoesInputColumns() throws {
        let csv = "model,gpu,phase,batch,input_tokens,comment,note\nqwen2-1.5b,a10,forward,1,128,hello,mine\n"
        let r = try Self.run(["predict", "-", "--format", "json"], stdin: csv)
        #expect(r.status == 0)
        let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let rows = try #require(obj?["rows"] as? [[String: Any]])
        #expect(rows.first?["comment"] as? String == "hello")
        #expect(rows.first?["input_note"] as? String == "mine")
        #expect(rows.first?["gpu_power_w"] is Double)
        // Another tool's name for a column predict has is carried through: only a synonym of a
        // setting the file lacks is refused.
        let beside = "model,gpu,gpu_name,tp,tp_size,batch,input_tokens\nqwen2-1.5b,a10,NVIDIA A10,1,1,1,128\n"
        let b = try Self.run(["predict", "-", "--format", "json"], stdin: beside)
        #expect(b.status == 0 && b.stdout.contains("NVIDIA A10"), "\(b.stderr)")
    }

    /// `phase` = `serve` rows carry issue 3's columns, agree with `estimate` on the same
    /// deployment, and carry the measured range at the GPU boundary.
    @Test func predictServeRowsCarryTheContractColumns() throws {
        let csv = "model,gpu,gpus,tp,precision,phase,batch,input_tokens,output_tokens\nmeta-llama/Llama-3.1-70B,h100-sxm,4,4,bf16,serve,64,1000,1000\n"
        let r = try Self.run(["predict", "-", "--format", "json"], stdin: csv)
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let row = try #require((obj?["rows"] as? [[String: Any]])?.first)
        var v: [String: Double] = [:]
        for column in ["gpu_power_w", "joules_per_output_token", "output_tokens_per_s", "itl_ms", "ttft_ms", "effective_batch",
                       "node_power_w", "wh_per_query_gpu", "wh_per_query_node", "prefill_share", "wh_per_query_gpu_low", "wh_per_query_gpu_high"] {
            v[column] = row[column] as? Double
            #expect(v[column] != nil, "missing \(column)")
        }
        let e = try Self.run(["estimate", "--model", "meta-llama/Llama-3.1-70B", "--gpu", "h100-sxm", "--gpus", "4", "--tp", "4",
                              "--precision", "bf16", "--batch", "64", "--input", "1000", "--output", "1000", "--format", "json"])
        let est = try #require(try JSONSerialization.jsonObject(with: Data(e.stdout.utf8)) as? [String: Any])
        let wh = try #require(est["whPerQuery"] as? [String: Double])
        #expect(v["wh_per_query_gpu"] == wh["gpu"] && v["wh_per_query_node"] == wh["node"])
        #expect(v["wh_per_query_gpu_low"]! < v["wh_per_query_gpu"]! && v["wh_per_query_gpu"]! < v["wh_per_query_gpu_high"]!)
    }

    @Test func predictOfAMissingFileFails() throws {
        let r = try Self.run(["predict", "no-such-file.csv"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("no-such-file.csv"))
    }

    @Test func predictRejectsSemicolonFiles() throws {
        let r = try Self.run(["predict", "-"], stdin: "model;gpu\nx;y\n")
        #expect(r.status == 1)
        #expect(r.stderr.contains("semicolons"))
    }

    @Test func estimateJSONHasTheContractKeys() throws {
        let r = try Self.run(["estimate", "--model", "meta-llama/Llama-3.1-70B-Instruct", "--gpu", "h100-sxm", "--gpus", "4",
                              "--batch", "64", "--input", "1000", "--output", "1000", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let wh = try #require(obj["whPerQuery"] as? [String: Double])
        #expect(Set(wh.keys) == ["gpu", "node", "it", "facility"])
        #expect(wh["gpu"]! < wh["node"]! && wh["node"]! < wh["it"]! && wh["it"]! < wh["facility"]!)
        let ledger = try #require(obj["ledger"] as? [[String: Any]])
        #expect(ledger.map { $0["item"] as? String } == ["prefill-gpu", "decode-gpu", "gpu-idle", "host", "provisioned-idle", "facility-overhead"])
        for key in ["prefill", "decode"] {
            let p = try #require(obj[key] as? [String: Double])
            #expect(p["seconds"] != nil && p["joules"] != nil && p["gpuPowerWatts"] != nil)
        }
        for key in ["outputTokensPerSecond", "joulesPerOutputToken", "interTokenLatencyMs", "timeToFirstTokenMs", "effectiveBatch"] {
            #expect(obj[key] is Double, "missing \(key)")
        }
        #expect(obj["assumptions"] is [String])
        #expect(obj["batchLimit"] as? String == "none")
        #expect(obj["framework"] as? String == "vllm" && obj["sampling"] as? String == "top-p")
        // 64 sequences, 1000 output tokens: 0.064 requests start per step, one 1000-token chunk in a step that carries one.
        let chunking = try #require(obj["promptChunking"] as? [String: Double])
        #expect(chunking == ["requestsStartingPerStep": 0.064, "chunksPerStep": 1, "chunkTokens": 1000])
        // The measured error band around the facility total: H100 runs of its own.
        let range = try #require(obj["range"] as? [String: Any])
        let low = try #require(range["whPerQueryLow"] as? [String: Double]), high = try #require(range["whPerQueryHigh"] as? [String: Double])
        #expect(range["band"] as? String == "h100-sxm" && low["facility"]! < wh["facility"]! && wh["facility"]! < high["facility"]!)
    }

    /// `--framework trtllm` is accepted and named in the assumptions; an unknown framework lists the known ones.
    @Test func estimateTakesTheTensorRTLLMFramework() throws {
        let base = ["estimate", "--model", "Qwen/Qwen3-8B", "--gpu", "h100-sxm", "--batch", "128", "--input", "500", "--output", "500",
                    "--format", "json"]
        let trt = try Self.run(base + ["--framework", "trtllm"])
        #expect(trt.status == 0, "\(trt.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(trt.stdout.utf8)) as? [String: Any])
        #expect((obj["assumptions"] as? [String])?.first?.contains("TensorRT-LLM") == true)
        let bad = try Self.run(base + ["--framework", "tensorrt"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("trtllm"))
    }

    @Test func estimateRejectsImpossibleInput() throws {
        let pue = try Self.run(["estimate", "--model", "qwen3-8b", "--gpu", "h100-sxm", "--batch", "8", "--input", "10",
                                "--output", "10", "--pue", "0.8"])
        #expect(pue.status == 64)
        #expect(pue.stderr.contains("PUE"))
        let fp4 = try Self.run(["estimate", "--model", "Qwen/Qwen3-8B", "--gpu", "h100-sxm", "--precision", "nvfp4",
                                "--batch", "8", "--input", "10", "--output", "10", "--tp", "3", "--gpus", "3"])
        #expect(fp4.status == 64)
        #expect(fp4.stderr.contains("tp 3"))
        let text = try Self.run(["estimate", "--model", "Qwen/Qwen3-8B", "--gpu", "h100-sxm", "--batch", "8", "--input", "100",
                                 "--output", "100"])
        #expect(text.status == 0)
        #expect(text.stdout.contains("LEDGER") && text.stdout.contains("RANGE") && text.stdout.contains("ASSUMPTIONS"))
    }

    /// Whether ../shared/data is beside the package: where the binary, run in the package root
    /// with no TOKENWATT_DATA, finds it, and where the library tests' `sharedData` looks.
    static let hasSharedData = FileManager.default.fileExists(
        atPath: packageRoot.appendingPathComponent("../shared/data").standardizedFileURL.path + "/energaizer-prefill")

    /// A workload that needs no shared data: fixed and lognormal lengths.
    static let tinyWorkload = """
        {"schemaVersion": 1, "description": "cli test", "samples": 500, "scenarios": [{"name": "chat", "kind": "kernel",
          "deployments": [{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm"}],
          "classes": [{"name": "c", "share": 1, "deployment": "d", "input": {"lognormal": {"p5": 100, "p95": 2000}}, "output": {"fixed": 200}}]}]}
        """

    @Test func fleetJSONHasTheContractKeysAndIsReproducible() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tokenwatt-cli-fleet-\(getpid()).json")
        try Self.tinyWorkload.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let r = try Self.run(["fleet", file.path, "--format", "json", "--seed", "3"])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let s = try #require((obj["scenarios"] as? [[String: Any]])?.first)
        for key in ["name", "boundary"] { #expect(s[key] is String, "missing \(key)") }
        for key in ["gwhPerDay", "gpus", "megawatts"] { #expect(s[key] is Double || s[key] is Int, "missing \(key)") }
        let q = try #require(s["whPerQuery"] as? [String: Double])
        #expect(Set(q.keys) == ["median", "mean", "p5", "p25", "p75", "p95"])
        #expect(try Self.run(["fleet", file.path, "--format", "json", "--seed", "3"]).stdout == r.stdout)
    }

    @Test func fleetNamesAMissingFileAndABadField() throws {
        let missing = try Self.run(["fleet", "Workloads/no-such-workload.json"])
        #expect(missing.status != 0 && missing.stderr.contains("no-such-workload.json"))
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tokenwatt-cli-badfleet-\(getpid()).json")
        try Self.tinyWorkload.replacingOccurrences(of: "\"share\": 1", with: "\"share\": 0.4").write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let bad = try Self.run(["fleet", file.path])
        #expect(bad.status != 0 && bad.stderr.contains("share") && bad.stdout.isEmpty, "\(bad.stderr)")
    }

    @Test func reportWritesFourFilesAndRefusesAnUnknownRegion() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tokenwatt-cli-report-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("tiny.json")
        try Self.tinyWorkload.replacingOccurrences(of: "\"samples\": 500,", with: "\"samples\": 500, \"emissions\": {\"region\": \"de\"},")
            .write(to: file, atomically: true, encoding: .utf8)
        let r = try Self.run(["report", file.path, "-o", dir.appendingPathComponent("out").path])
        #expect(r.status == 0, "\(r.stderr)")
        for ext in ["md", "html", "csv", "json"] {
            let text = try String(contentsOf: dir.appendingPathComponent("out/tiny.\(ext)"), encoding: .utf8)
            #expect(!text.isEmpty && !text.contains("NaN"), "\(ext)")
        }
        try Self.tinyWorkload.replacingOccurrences(of: "\"samples\": 500,", with: "\"samples\": 500, \"emissions\": {\"region\": \"germany\"},")
            .write(to: file, atomically: true, encoding: .utf8)
        let bad = try Self.run(["report", file.path, "-o", dir.appendingPathComponent("bad").path])
        #expect(bad.status != 0 && bad.stderr.contains("region") && bad.stderr.contains("tiny.json"), "\(bad.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("bad").path))
        // A file that cannot be written leaves the set as it was: all four old files, no new one
        // (the first two were replaced before the third failed).
        let before = try String(contentsOf: dir.appendingPathComponent("out/tiny.md"), encoding: .utf8)
        try FileManager.default.removeItem(at: dir.appendingPathComponent("out/tiny.csv"))
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("out/tiny.csv"), withIntermediateDirectories: false)
        try Self.tinyWorkload.replacingOccurrences(of: "\"samples\": 500,", with: "\"samples\": 700,").write(to: file, atomically: true, encoding: .utf8)
        let blocked = try Self.run(["report", file.path, "-o", dir.appendingPathComponent("out").path])
        #expect(blocked.status != 0 && blocked.stderr.contains("tiny.csv") && blocked.stdout.isEmpty, "\(blocked.stderr)")
        #expect(try String(contentsOf: dir.appendingPathComponent("out/tiny.md"), encoding: .utf8) == before)
        // -o naming a file, not a folder, is said so (it was a raw Foundation error); a new name
        // like a file's is refused before anything runs (BadOutputTests).
        let onFile = try Self.run(["report", file.path, "-o", file.path])
        #expect(onFile.status == 1 && onFile.stderr.contains("is a file, not a folder"), "\(onFile.stderr)")
    }

    @Test func powerWritesASpecWithTheContractKeys() throws {
        let spec = FileManager.default.temporaryDirectory.appendingPathComponent("tokenwatt-cli-spec-\(getpid()).json")
        defer { try? FileManager.default.removeItem(at: spec) }
        let r = try Self.run(["power", "--params", "70e9", "--seq-length", "4096", "--batch", "8", "--precision", "fp16", "--gpu", "h100-sxm",
                              "--tp", "4", "--duty-cycle", "0.4", "--price-per-kwh", "0.12", "--pue", "1.3", "--spec", spec.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("VERDICT") && r.stdout.contains("BTU/h"))
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: spec)) as? [String: Any])
        for key in ["wattsPerGPU", "totalWatts", "coolingBTUPerHour", "recommendedPSUWatts", "annualKilowattHours", "annualCost"] {
            #expect(obj[key] is Double, "missing \(key)")
        }
        #expect((obj["assumptions"] as? [String])?.isEmpty == false)
        let both = try Self.run(["power", "--params", "7e9", "--model", "meta-llama/Llama-3.1-8B-Instruct", "--gpu", "h100-sxm", "--seq-length", "100"])
        #expect(both.status == 64 && both.stderr.contains("not both"))
    }

    /// power's defaults are stated in its usage text, and its PUE is the facility catalog's, as
    /// estimate's is: it took 1, so its year's kWh read 1.54 times below estimate's facility energy.
    @Test func powerTakesEstimatesPUEAndStatesItsDefaults() throws {
        let args = ["power", "--model", "meta-llama/Llama-3.1-8B-Instruct", "--gpu", "h100-sxm", "--input", "1000", "--output", "500", "--format", "json"]
        let plain = try Self.run(args), it = try Self.run(args + ["--pue", "1"])
        #expect(plain.status == 0 && it.status == 0, "\(plain.stderr) \(it.stderr)")
        let a = try #require(try JSONSerialization.jsonObject(with: Data(plain.stdout.utf8)) as? [String: Any])
        let b = try #require(try JSONSerialization.jsonObject(with: Data(it.stdout.utf8)) as? [String: Any])
        #expect(a["pue"] as? Double == 1.54)
        let kWh = try #require(a["annualKilowattHours"] as? Double), itKWh = try #require(b["annualKilowattHours"] as? Double)
        #expect(abs(kWh / itKWh - 1.54) < 1e-4)  // JSON carries six significant figures
        #expect((a["assumptions"] as? [String])?.contains { $0.contains("PUE 1.54 (default:") } == true)
        let help = try Self.run(["help", "power"])
        for d in ["--batch 8", "--duty-cycle 1", "--pue 1.54", "--gpus 1"] { #expect(help.stdout.contains(d) || help.stderr.contains(d), "\(d)") }
    }

    @Test func sweepTuneCapacityAndDiagnoseRun() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tokenwatt-cli-plan-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let grid = dir.appendingPathComponent("grid.json")
        try #"{"schemaVersion": 1, "input": 500, "output": 200, "grid": {"model": ["meta-llama/Llama-3.1-8B-Instruct"], "gpu": ["h100-sxm", "l4"], "gpus": [1, 2], "maxBatch": [4, 64]}}"#
            .write(to: grid, atomically: true, encoding: .utf8)
        let sweep = try Self.run(["sweep", grid.path, "--svg", dir.appendingPathComponent("s.svg").path])
        #expect(sweep.status == 0, "\(sweep.stderr)")
        #expect(sweep.stdout.hasPrefix("index,model,gpu,gpus,tp,precision,max_batch,power_cap_w,effective_batch,wh_per_query"))
        #expect(sweep.stdout.split(separator: "\n").count == 9)
        let tune = try Self.run(["tune", "--model", "meta-llama/Llama-3.1-8B-Instruct", "--gpu", "h100-sxm", "--batch", "32", "--input", "500", "--output", "200",
                                 "--itl-ms", "30", "--steps", "4"])
        #expect(tune.status == 0 && tune.stdout.contains("decode:"), "\(tune.stderr)")
        #expect(tune.stdout.contains("clock changes where measured:") && tune.stdout.contains("power caps have no measured pairs"))
        let node = try Self.run(["tune", "--model", "meta-llama/Llama-3.1-8B-Instruct", "--gpu", "h100-sxm", "--batch", "16", "--input", "500", "--output", "200",
                                 "--steps", "3", "--boundary", "node", "--pue", "1.2", "--format", "csv"])
        #expect(node.status == 0 && Self.csvLines(node.stdout).dropFirst().allSatisfy { $0[9] == "node" }, "\(node.stderr)")
        let workload = dir.appendingPathComponent("w.json")
        try Self.tinyWorkload.write(to: workload, atomically: true, encoding: .utf8)
        // An alias on the command line is printed as the catalog's id (it was printed as typed).
        let cap = try Self.run(["capacity", workload.path, "--budget-mw", "5", "--gpus", "h100,h200", "--format", "json"])
        #expect(cap.status == 0, "\(cap.stderr)")
        let rows = try #require((try JSONSerialization.jsonObject(with: Data(cap.stdout.utf8)) as? [String: Any])?["rows"] as? [[String: Any]])
        #expect(rows.count == 2)
        #expect(Set(rows.compactMap { $0["gpu"] as? String }) == ["h100-sxm", "h200"], "\(rows)")
        let bad = try Self.run(["capacity", workload.path, "--budget-mw", "5", "--gpus", "h100-sxn"])
        #expect(bad.status != 0 && bad.stderr.contains("h100-sxm"))
        let diag = try Self.run(["diagnose", "--model", "meta-llama/Llama-3.1-8B-Instruct", "--gpu", "h100-sxm", "--batch", "4", "--input", "500", "--output", "200"])
        #expect(diag.status == 0 && diag.stdout.contains("WHERE THE TIME AND ENERGY GO") && diag.stdout.contains("WHY"))
        #expect(diag.stdout.contains("HOW WELL SUCH CHANGES ARE PREDICTED") && diag.stdout.contains("batch changes where measured"))
        let query = ["--model", "meta-llama/Llama-3.1-8B-Instruct", "--gpu", "h100-sxm", "--batch", "4", "--input", "500", "--output", "200"]
        let json = try Self.run(["diagnose"] + query + ["--format", "json"])
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let estimate = try Self.run(["estimate"] + query + ["--format", "json", "--boundary", "gpu"])
        let wh = ((try JSONSerialization.jsonObject(with: Data(estimate.stdout.utf8)) as? [String: Any])?["whPerQuery"] as? [String: Any])?["gpu"] as? Double
        #expect(wh != nil && (obj["gpuWhPerQuery"] as? Double).map { abs($0 / wh! - 1) < 1e-5 } == true)
        let alternatives = try #require(obj["alternatives"] as? [[String: Any]])
        #expect(alternatives.count >= 3 && alternatives.allSatisfy { $0["change"] is String && $0["explanation"] is String })
        #expect((obj["decodeKernels"] as? [[String: Any]])?.first?["kernel"] is String)
        // Each share column names its pass, the one `estimate` prices and `kernels --pass` lists.
        #expect(obj["decodePass"] as? String == "decode step of 4 sequences at 600 tokens of context", "\(obj["decodePass"] ?? "none")")
        #expect((obj["prefillPass"] as? String)?.hasPrefix("step of 4 decodes at 600 tokens of context carrying") == true)
    }

    /// A report names its workload the same way however the path is spelled (an absolute path
    /// changed the regenerate line and a factor's source, so the bytes differed).
    @Test func reportBytesDoNotDependOnHowThePathIsSpelled() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("tw-report-path-\(getpid())")
        defer { try? FileManager.default.removeItem(at: out) }
        var texts: [String] = []
        for (i, path) in ["Workloads/google-boundary.json", "./Workloads/google-boundary.json",
                          Self.packageRoot.appendingPathComponent("Workloads/google-boundary.json").path].enumerated() {
            let dir = out.appendingPathComponent("\(i)").path
            let r = try Self.run(["report", path, "-o", dir, "--samples", "300"])
            #expect(r.status == 0, "\(r.stderr)")
            texts.append(try String(contentsOfFile: dir + "/google-boundary.md", encoding: .utf8) + String(contentsOfFile: dir + "/google-boundary.json", encoding: .utf8))
        }
        #expect(texts[0].contains("tokenwatt report Workloads/google-boundary.json") && Set(texts).count == 1)
    }
}
