import Foundation
import Testing
import KernelPower

/// `tokenwatt calibrate` end to end: the file it writes, what it keeps, what it refuses.
extension CLITests {
    /// Writes `rows` under the runs-CSV header in a fresh directory and calibrates on them:
    /// the directory (removed by the caller), the runs file, the output path and the result.
    static func calibrate(_ name: String, rows: [String]) throws -> (dir: URL, runs: URL, out: String, result: Result) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tw-\(name)-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let runs = dir.appendingPathComponent("runs.csv")
        let header = "model,gpu,framework,phase,batch,input_tokens,measured_gpu_power_w,measured_time_ms"
        try ([header] + rows).joined(separator: "\n").appending("\n").write(to: runs, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("cal.json").path
        return (dir, runs, out, try run(["calibrate", runs.path, "-o", out]))
    }

    @Test func calibrateWritesAFileThatOtherCommandsRead() throws {
        let (dir, runs, out, r) = try Self.calibrate("cal", rows: Self.a10Runs)
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("a10"))
        let p = try Self.run(["predict", "-", "--calibration", out], stdin: "model,gpu,framework,phase,batch,input_tokens\nqwen2-1.5b,a10,hf,forward,4,512\n")
        #expect(p.status == 0, "\(p.stderr)")
        let bad = try Self.run(["calibrate", runs.path, "-o", out, "--manifest"])
        #expect(bad.status == 64)
    }

    /// A user's file said `"generatedBy": "tokenwatt calibrate --builtin"`, as the bundled one does.
    @Test func calibrateNamesTheCommandThatWroteAUserFile() throws {
        let (dir, _, out, r) = try Self.calibrate("cal-by", rows: Self.a10Runs)
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(r.status == 0, "\(r.stderr)")
        let text = try String(contentsOfFile: out, encoding: .utf8)
        #expect(text.contains("\"generatedBy\": \"tokenwatt calibrate runs.csv\""), "\(text.prefix(200))")
        #expect(try CoefficientFile.read(path: out).generatedBy == "tokenwatt calibrate runs.csv")
    }

    /// Runs measured under TensorRT-LLM fit a `trtllm` host and leave the GPU's per-sequence decode
    /// time (which TensorRT-LLM does not pay) as it was, for vLLM estimates from the same file.
    @Test func calibrateOnTensorRTLLMRunsKeepsVLLMsDecodeTime() throws {
        let llama = "meta-llama/Llama-3.1-8B-Instruct,h100-sxm,trtllm,forward", qwen = "Qwen/Qwen3-8B,h100-sxm,trtllm,forward"
        let (dir, _, out, r) = try Self.calibrate("cal-trt", rows: [
            "\(llama),1,128,250,9", "\(llama),4,512,520,45", "\(llama),8,1024,640,170", "\(qwen),2,512,480,25", "\(qwen),8,512,610,85",
        ])
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as? [String: Any])
        let h100 = try #require((obj["gpus"] as? [String: Any])?["h100-sxm"] as? [String: Any])
        #expect((h100["hosts"] as? [String: Any])?["trtllm"] != nil)
        // Kept from the bundled H100 fit (TensorRT-LLM does not pay it): 1.97 MB per sequence.
        let decode = try #require((h100["timeModel"] as? [String: Any])?["decodeSequenceBytes"] as? Double)
        let bundled = try #require(CoefficientFile.bundled.fittedSet(for: "h100-sxm")).set.timeModel.decodeSequenceBytes
        #expect(bundled > 1e6 && abs(decode / bundled - 1) < 1e-9, "\(decode) against \(bundled)")
    }

    /// Physically possible A10 runs (times within 20 % of the bundled model's at their power).
    static let a10Runs = [
        "qwen2-1.5b,a10,hf,forward,1,128,62,27", "qwen2-1.5b,a10,hf,forward,4,512,118,120",
        "qwen2-1.5b,a10,hf,forward,8,1024,126,520", "opt-1.3b,a10,hf,forward,2,512,110,55", "opt-1.3b,a10,hf,forward,8,512,124,210",
    ]

    /// Seconds written into measured_time_ms were fitted with exit 0 (time MAPE 79,531 %).
    @Test func calibrateRefusesTimesInTheWrongUnit() throws {
        let seconds = Self.a10Runs.map { row -> String in
            let cells = row.split(separator: ",").map(String.init)
            return (cells.dropLast() + [formatNumber(Double(cells.last!)! / 1000)]).joined(separator: ",")
        }
        let (dir, _, out, r) = try Self.calibrate("cal-sec", rows: seconds)
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(r.status == 1 && r.stderr.contains("were seconds written there") && r.stderr.contains("runs.csv:"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    /// Runs at 92 % of the cap or more were left out of the fit while the table said "runs 7".
    @Test func calibrateSaysHowManyCappedRunsItLeftOut() throws {
        let (dir, _, out, r) = try Self.calibrate("cal-capped", rows: Self.a10Runs + [
            "qwen2-1.5b,a10,hf,forward,16,2048,145,3200", "opt-1.3b,a10,hf,forward,16,1024,147,1400",
        ])
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("a10: 2 of 7 runs at or above 92 % of the power cap left out"), "\(r.stdout)")
        let text = try String(contentsOfFile: out, encoding: .utf8)
        #expect(text.contains("2 of 7 runs at or above 92 % of the power cap left out"))
    }

    /// validate and fleet under a user file said nothing of it, and --bands-out stamped bands
    /// measured on the user file as the bundled ones.
    @Test func validateAndFleetSayAUserCalibrationIsInUse() throws {
        let (dir, _, out, r) = try Self.calibrate("cal-note", rows: Self.a10Runs)
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(r.status == 0, "\(r.stderr)")
        let v = try Self.run(["validate", "--quick", "--no-report", "--format", "json", "--calibration", out])
        #expect(v.status == 0 && v.stdout.contains("\"calibration\": \"user calibration \(out) in use"), "\(v.stderr)")
        let f = try Self.run(["fleet", "Workloads/chat-service.json", "--samples", "200", "--calibration", out])
        #expect(f.status == 0 && f.stdout.contains("note: user calibration \(out) in use") && f.stdout.contains("not applied"), "\(f.stderr)")
        let bands = dir.appendingPathComponent("bands.json").path
        let b = try Self.run(["validate", "--quick", "--no-report", "--calibration", out, "--bands-out", bands])
        #expect(b.status == 64 && b.stderr.contains("--bands-out") && !FileManager.default.fileExists(atPath: bands))
    }

    @Test func calibrateRefusesOneConfiguration() throws {
        let r = try Self.run(["calibrate", "-"], stdin: "")
        #expect(r.status != 0)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tw-cal1-\(getpid()).csv")
        try "model,gpu,phase,batch,input_tokens,measured_gpu_power_w\nqwen2-1.5b,a10,forward,1,128,60\n".write(to: dir, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: dir) }
        let one = try Self.run(["calibrate", dir.path, "-o", dir.path + ".out.json"])
        #expect(one.status == 1)
        #expect(one.stderr.contains("distinct configuration"))
    }

    /// `--builtin` without -o wrote Sources/KernelPower/Resources/coefficients.json under whatever
    /// folder it was run in, creating the tree.
    @Test func calibrateBuiltinWritesTheBundledFileOnlyFromThePackageRoot() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tw-cal-builtin-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Self.run(["calibrate", "--builtin"], directory: dir)
        #expect(r.status == 64 && r.stderr.contains("package root") && r.stderr.contains("-o FILE"), "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }
}
