import Foundation
import Testing
import KernelPower
import TokenWatt

/// Probe 5 on calibrate and validate: serve runs read at the batch the KV cache holds, outputs
/// kept out of the data folder, a fit that starts from the coefficients in use, calibration files
/// checked against the catalog, a skipped generalization said so, and reproducible file bytes.
extension CLITests {
    /// A fresh folder for one test, removed by the caller.
    static func probeFolder(_ name: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tw-\(name)-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// The calibrate table's row of `gpu`, split into its cells.
    static func calibrateRow(_ stdout: String, gpu: String) -> [String] {
        let line = stdout.split(separator: "\n").first { $0.hasPrefix(gpu + " ") }.map(String.init) ?? ""
        return line.components(separatedBy: "  ").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// `predict`'s own output for five Qwen3-32B serve runs that ask for 64-256 sequences, of
    /// which the KV cache of one H100 holds 3-20: the J/token belongs to the batch held, so the
    /// uncalibrated model reproduces it (it read 91.3 % time error, and the fit drove the tensor
    /// efficiency to its bound and a later estimate 13× up).
    static let overKVCacheRuns = """
        model,gpu,gpus,tp,precision,phase,batch,input_tokens,output_tokens,framework,measured_gpu_power_w,measured_time_ms,measured_joules_per_output_token
        Qwen/Qwen3-32B,h100-sxm,1,1,bf16,serve,64,2000,500,vllm,497.929,,1.36664
        Qwen/Qwen3-32B,h100-sxm,1,1,bf16,serve,128,2000,1000,vllm,480.636,,1.32835
        Qwen/Qwen3-32B,h100-sxm,1,1,bf16,serve,256,1000,1000,vllm,490.83,,0.821969
        Qwen/Qwen3-32B,h100-sxm,1,1,bf16,serve,192,4000,500,vllm,492.625,,2.53907
        Qwen/Qwen3-32B,h100-sxm,1,1,bf16,serve,128,8000,200,vllm,519.928,,7.41816
        """

    /// `predict`'s own output for 20 A100 forward passes (4 models, batch 1-16, 128-2048 tokens,
    /// 900 MHz), copied into the measured columns: runs the bundled fit reproduces exactly.
    static let reproducedA100Runs = """
        model,gpu,gpus,tp,precision,phase,batch,input_tokens,sm_clock_mhz,power_cap_w,framework,attention,lm_head,measured_gpu_power_w,measured_time_ms
        opt-1.3b,a100-pcie-40gb,1,1,bf16,forward,1,128,900,250,hf,eager,false,88.5699,13.7616
        opt-1.3b,a100-pcie-40gb,1,1,bf16,forward,1,1024,900,250,hf,eager,false,150.825,52.561
        opt-1.3b,a100-pcie-40gb,1,1,bf16,forward,4,512,900,250,hf,eager,false,160.078,74.6059
        opt-1.3b,a100-pcie-40gb,1,1,bf16,forward,8,2048,900,250,hf,eager,false,164.754,1017.15
        opt-1.3b,a100-pcie-40gb,1,1,bf16,forward,16,256,900,250,hf,eager,false,164.339,119.089
        meta-llama/Llama-3.2-1B,a100-pcie-40gb,1,1,bf16,forward,1,128,900,250,hf,eager,false,71.0278,20.6827
        meta-llama/Llama-3.2-1B,a100-pcie-40gb,1,1,bf16,forward,1,1024,900,250,hf,eager,false,151.303,42.8461
        meta-llama/Llama-3.2-1B,a100-pcie-40gb,1,1,bf16,forward,4,512,900,250,hf,eager,false,159.517,64.1845
        meta-llama/Llama-3.2-1B,a100-pcie-40gb,1,1,bf16,forward,8,2048,900,250,hf,eager,false,164.789,787.069
        meta-llama/Llama-3.2-1B,a100-pcie-40gb,1,1,bf16,forward,16,256,900,250,hf,eager,false,162.112,108.878
        meta-llama/Llama-3.2-3B,a100-pcie-40gb,1,1,bf16,forward,1,128,900,250,hf,eager,false,89.0862,33.8447
        meta-llama/Llama-3.2-3B,a100-pcie-40gb,1,1,bf16,forward,1,1024,900,250,hf,eager,false,161.903,86.5123
        meta-llama/Llama-3.2-3B,a100-pcie-40gb,1,1,bf16,forward,4,512,900,250,hf,eager,false,161.781,151.155
        meta-llama/Llama-3.2-3B,a100-pcie-40gb,1,1,bf16,forward,8,2048,900,250,hf,eager,false,167.829,1547.96
        meta-llama/Llama-3.2-3B,a100-pcie-40gb,1,1,bf16,forward,16,256,900,250,hf,eager,false,163.258,278.208
        mistralai/Mistral-7B-v0.1,a100-pcie-40gb,1,1,bf16,forward,1,128,900,250,hf,eager,false,123.61,38.511
        mistralai/Mistral-7B-v0.1,a100-pcie-40gb,1,1,bf16,forward,1,1024,900,250,hf,eager,false,163.036,186.619
        mistralai/Mistral-7B-v0.1,a100-pcie-40gb,1,1,bf16,forward,4,512,900,250,hf,eager,false,165.786,325.514
        mistralai/Mistral-7B-v0.1,a100-pcie-40gb,1,1,bf16,forward,8,2048,900,250,hf,eager,false,170.052,3046.48
        mistralai/Mistral-7B-v0.1,a100-pcie-40gb,1,1,bf16,forward,16,256,900,250,hf,eager,false,168.355,592.407
        """

    @Test func calibrateReadsServeRunsAtTheBatchTheKVCacheHolds() throws {
        let dir = try Self.probeFolder("cal-kv")
        defer { try? FileManager.default.removeItem(at: dir) }
        let runs = dir.appendingPathComponent("runs.csv")
        try (Self.overKVCacheRuns + "\n").write(to: runs, atomically: true, encoding: .utf8)
        let r = try Self.run(["calibrate", runs.path, "-o", dir.appendingPathComponent("cal.json").path])
        #expect(r.status == 0, "\(r.stderr)")
        // gpu, runs, power before, power, cross-validated, time before, time, idle points
        let row = Self.calibrateRow(r.stdout, gpu: "h100-sxm")
        #expect(row.count == 8 && row[5] == "0.0 %", "\(r.stdout)")
        #expect(r.stderr.contains("5 of 5 serve runs ask for more sequences than their KV cache"), "\(r.stderr)")
        #expect(!r.stderr.contains("search bounds"), "\(r.stderr)")
    }

    /// Runs the coefficients in use reproduce give (nearly) those coefficients back: pulled
    /// towards the published priors, the A100's power MAPE went from 0.0 to 1.2 % in-sample.
    @Test func calibrateOnRunsTheModelReproducesKeepsItsCoefficients() throws {
        let dir = try Self.probeFolder("cal-id")
        defer { try? FileManager.default.removeItem(at: dir) }
        let runs = dir.appendingPathComponent("runs.csv"), out = dir.appendingPathComponent("cal.json").path
        try (Self.reproducedA100Runs + "\n").write(to: runs, atomically: true, encoding: .utf8)
        let r = try Self.run(["calibrate", runs.path, "-o", out])
        #expect(r.status == 0, "\(r.stderr)")
        let row = Self.calibrateRow(r.stdout, gpu: "a100-pcie-40gb")
        #expect(row.count == 8 && row[2] == "0.0 %" && row[3] == "0.0 %", "\(r.stdout)")
        let fitted = try #require(try CoefficientFile.read(path: out).fittedSet(for: "a100-pcie-40gb")).set.power.vector
        let bundled = try #require(CoefficientFile.bundled.fittedSet(for: "a100-pcie-40gb")).set.power.vector
        for (f, b) in zip(fitted, bundled) {
            #expect(abs(f - b) <= 0.02 * max(b, 1e-12), "\(fitted) against \(bundled)")
        }
    }

    /// Forward passes 10 % faster than the model's say nothing about decode: the memory
    /// efficiency stays where it was, with a warning saying why, and no bound is hit (it went to
    /// 1 with a "check their units" warning, and decode steps became 34 % faster).
    @Test func calibrateOnPrefillOnlyRunsKeepsTheMemoryEfficiency() throws {
        let dir = try Self.probeFolder("cal-t09")
        defer { try? FileManager.default.removeItem(at: dir) }
        let runs = dir.appendingPathComponent("runs.csv"), out = dir.appendingPathComponent("cal.json").path
        let lines = Self.reproducedA100Runs.split(separator: "\n").map(String.init)
        let faster = lines.dropFirst().map { line -> String in
            var cells = line.components(separatedBy: ",")
            cells[cells.count - 1] = String(Double(cells[cells.count - 1])! * 0.9)
            return cells.joined(separator: ",")
        }
        try (([lines[0]] + faster).joined(separator: "\n") + "\n").write(to: runs, atomically: true, encoding: .utf8)
        let r = try Self.run(["calibrate", runs.path, "-o", out])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("do not determine the memory efficiency"), "\(r.stderr)")
        #expect(!r.stderr.contains("search bounds"), "\(r.stderr)")
        let fitted = try #require(try CoefficientFile.read(path: out).fittedSet(for: "a100-pcie-40gb")).set.timeModel.memoryEfficiency
        let bundled = try #require(CoefficientFile.bundled.fittedSet(for: "a100-pcie-40gb")).set.timeModel.memoryEfficiency
        #expect(fitted == bundled)
    }

    /// A folder with the data folder's marker and one measurement file, under /tmp: the refusals
    /// come before anything is read, so no real data is needed (and ../shared is never written).
    static func fakeDataFolder(_ dir: URL) throws -> (data: URL, file: URL) {
        let data = dir.appendingPathComponent("data")
        let file = data.appendingPathComponent("energaizer-prefill/forward_pass_measurements.csv")
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try "gpu,model\na100,opt\n".write(to: file, atomically: true, encoding: .utf8)
        return (data, file)
    }

    /// `validate --bands-out` and `calibrate --builtin -o` replaced a measurement file with JSON
    /// (the shared data set once, through a symbolic link): any path in the data folder is refused.
    @Test func outputsInsideTheDataFolderAreRefused() throws {
        let dir = try Self.probeFolder("data-out")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (data, file) = try Self.fakeDataFolder(dir)
        let link = dir.appendingPathComponent("link")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: data)
        let before = try Data(contentsOf: file)
        let attempts: [[String]] = [
            ["validate", "--no-report", "--data-dir", data.path, "--bands-out", file.path],
            ["validate", "--no-report", "--data-dir", data.path, "--bands-out", link.appendingPathComponent("energaizer-prefill/forward_pass_measurements.csv").path],
            ["validate", "--quick", "--data-dir", data.path, "-o", data.appendingPathComponent("out").path],
            ["calibrate", "--builtin", "--data-dir", data.path, "-o", file.path],
            ["calibrate", "--builtin", "--data-dir", link.path, "-o", data.appendingPathComponent("new.json").path],
        ]
        for args in attempts {
            let r = try Self.run(args)
            #expect(r.status == 64 && r.stderr.contains("inside the data folder"), "\(args): \(r.status) \(r.stderr)")
        }
        #expect(try Data(contentsOf: file) == before)
        #expect(!FileManager.default.fileExists(atPath: data.appendingPathComponent("new.json").path))
    }

    /// The bundled coefficients as JSON, with `edit` applied to its `gpus` object.
    static func calibrationFile(_ dir: URL, _ edit: (inout [String: Any]) -> Void) throws -> String {
        let url = packageRoot.appendingPathComponent("Sources/KernelPower/Resources/coefficients.json")
        var obj = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        var gpus = try #require(obj["gpus"] as? [String: Any])
        edit(&gpus)
        obj["gpus"] = gpus
        let path = dir.appendingPathComponent("cal-\(gpus.keys.sorted().joined(separator: "+")).json").path
        try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys]).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// A file with no GPU priced every GPU at idle power (−75 %); a GPU id the catalog lacks was
    /// ignored; a GPU the file has no fit for uses the bundled fit, and says so.
    @Test func calibrationFilesAreCheckedAgainstTheCatalog() throws {
        let dir = try Self.probeFolder("cal-check")
        defer { try? FileManager.default.removeItem(at: dir) }
        let estimate = ["estimate", "--model", "meta-llama/Llama-3.1-8B-Instruct", "--gpu", "a100-pcie-40gb", "--batch", "8",
                        "--input", "500", "--output", "200", "--format", "json"]
        let empty = try Self.calibrationFile(dir) { $0 = [:] }
        let r1 = try Self.run(estimate + ["--calibration", empty])
        #expect(r1.status != 0 && r1.stderr.contains("'gpus'") && r1.stderr.contains("at least one GPU"), "\(r1.stderr)")
        let unknown = try Self.calibrationFile(dir) { $0["a100-pcie-40gx"] = $0["a100-pcie-40gb"] }
        let r2 = try Self.run(estimate + ["--calibration", unknown])
        #expect(r2.status != 0 && r2.stderr.contains("a100-pcie-40gx") && r2.stderr.contains("a100-pcie-40gb"), "\(r2.stderr)")
        let h100Only = try Self.calibrationFile(dir) { $0 = ["h100-sxm": $0["h100-sxm"]!] }
        let bundled = try Self.run(estimate), r3 = try Self.run(estimate + ["--calibration", h100Only])
        #expect(r3.status == 0, "\(r3.stderr)")
        #expect(r3.stdout.contains("has no coefficients for a100-pcie-40gb"), "\(r3.stdout.prefix(2000))")
        let energy = { (r: Result) in
            ((try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [String: Any])?["joulesPerOutputToken"] as? Double
        }
        #expect(energy(bundled) != nil && energy(bundled) == energy(r3))
    }

    /// The same runs give the same file however their path was typed, and the file records the
    /// runs' SHA-256, so that two different files of one name give different files.
    @Test func calibrationFileBytesDependOnTheRunsNotTheirPath() throws {
        let (dir, runs, _, r) = try Self.calibrate("cal-path", rows: Self.a10Runs)
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(r.status == 0, "\(r.stderr)")
        let a = try Self.run(["calibrate", "runs.csv", "-o", "a.json"], directory: dir)
        let b = try Self.run(["calibrate", "./runs.csv", "-o", "b.json"], directory: dir)
        #expect(a.status == 0 && b.status == 0, "\(a.stderr) \(b.stderr)")
        let textA = try String(contentsOf: dir.appendingPathComponent("a.json"), encoding: .utf8)
        #expect(textA == (try String(contentsOf: dir.appendingPathComponent("b.json"), encoding: .utf8)))
        #expect(!textA.contains("./runs.csv") && textA.contains("runs.csv:2"))
        let digest = SHA256Digest.hex(try Data(contentsOf: runs))
        #expect(textA.contains("SHA-256 \(digest)"), "\(textA.prefix(600))")
    }
}
