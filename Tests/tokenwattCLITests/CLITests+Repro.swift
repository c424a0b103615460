import Foundation
import Testing
import TokenWatt

/// What a reproducibility audit (2026-12-07) found missing: the data folder in a report's
/// regenerate line, a version, the inputs of fleet's and trace's JSON, the PUE trace used,
/// and help and notes that said what the output does not do.
extension CLITests {
    /// The shared data folder as an absolute path, nil where this checkout has none.
    static var sharedDataPath: String? {
        let path = packageRoot.appendingPathComponent("../shared/data").standardizedFileURL.path
        return FileManager.default.fileExists(atPath: path + "/energaizer-prefill") ? path : nil
    }

    /// A fresh folder with no shared/data beside it or above it.
    static func reproScratch(_ name: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tw-repro-\(name)-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// `cd /tmp && tokenwatt report ws/Workloads/chat-service.json --data-dir ws/../shared/data`
    /// quoted "Regenerate with `tokenwatt report …/chat-service.json`", which fails from that folder.
    @Test(.enabled(if: sharedDataPath != nil)) func regenerateLineQuotesTheDataFolder() throws {
        let data = try #require(Self.sharedDataPath)
        let dir = try Self.reproScratch("report")
        defer { try? FileManager.default.removeItem(at: dir) }
        let workload = Self.packageRoot.appendingPathComponent("Workloads/chat-service.json").path
        let r = try Self.run(["report", workload, "-o", "out", "--data-dir", data], directory: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let md = try String(contentsOf: dir.appendingPathComponent("out/chat-service.md"), encoding: .utf8)
        #expect(md.contains("Regenerate with `tokenwatt report \(workload) --data-dir \(data)`"), "\(md.prefix(600))")
        // By the environment variable: the line names it.
        let e = try Self.run(["report", workload, "-o", "env"], environment: ["TOKENWATT_DATA": data], directory: dir)
        #expect(e.status == 0, "\(e.stderr)")
        let envMD = try String(contentsOf: dir.appendingPathComponent("env/chat-service.md"), encoding: .utf8)
        #expect(envMD.contains("Regenerate with `tokenwatt report \(workload) --data-dir $TOKENWATT_DATA`"), "\(envMD.prefix(600))")
    }

    /// The folder the bare command finds anyway is not quoted, so the committed reports keep their bytes.
    @Test(.enabled(if: sharedDataPath != nil)) func regenerateLineLeavesOutTheFolderFoundAnyway() throws {
        let dir = try Self.reproScratch("report-root")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Self.run(["report", "Workloads/chat-service.json", "-o", dir.path, "--data-dir", "../shared/data"])
        #expect(r.status == 0, "\(r.stderr)")
        let md = try String(contentsOf: dir.appendingPathComponent("chat-service.md"), encoding: .utf8)
        #expect(md.contains("Regenerate with `tokenwatt report Workloads/chat-service.json` "), "\(md.prefix(600))")
    }

    /// `tokenwatt --version` and `tokenwatt version` printed "unknown command".
    @Test(arguments: [["version"], ["--version"]]) func versionPrintsTheVersionAndFingerprint(_ args: [String]) throws {
        let r = try Self.run(args)
        #expect(r.status == 0, "\(r.stderr)")
        let fingerprint = try #require(ToolVersion.catalogFingerprint)
        #expect(r.stdout == "tokenwatt \(ToolVersion.current) (bundled catalogs fnv1a64:\(fingerprint))\n")
        #expect(try Self.run(["version", "x"]).status == 64)
    }

    /// `fleet --format json` held only `description` and `scenarios`: nothing said which tool,
    /// workload, seed or sample count made it.
    @Test func fleetJSONNamesWhatMadeIt() throws {
        let file = "Workloads/chat-service.json"
        for (extra, seed, samples) in [([String](), 42.0, 20000.0), (["--seed", "7", "--samples", "300"], 7, 300)] {
            let r = try Self.run(["fleet", file, "--format", "json"] + extra)
            #expect(r.status == 0, "\(r.stderr)")
            let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
            #expect(obj["tool"] as? String == ToolVersion.current && obj["workload"] as? String == file)
            #expect(obj["seed"] as? Double == seed && obj["samples"] as? Double == samples, "\(extra)")
            #expect(obj["description"] is String && obj["scenarios"] is [Any])
        }
    }

    static let traceLog = "TIMESTAMP,ContextTokens,GeneratedTokens\n"
        + (0..<60).map { "2023-11-16 18:10:\(String(format: "%02d", $0)).5,\(900 + $0),20" }.joined(separator: "\n") + "\n"
    static let traceDeployment = ["--model", "meta-llama/Llama-3.1-8B-Instruct", "--gpu", "h100-sxm", "--gpus", "2", "--tp", "2"]

    /// trace's JSON lacked the model, GPU, parallelism, PUE, boundary and log it priced, and its
    /// text gave the facility Wh (3314.8 Wh × 1.54 = 5100 Wh on the probe's log) without the PUE.
    @Test func traceStatesItsInputsAndPUE() throws {
        let r = try Self.run(["trace", "-", "--format", "json", "--pue", "1.3"] + Self.traceDeployment, stdin: Self.traceLog)
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let inputs = try #require(obj["inputs"] as? [String: Any])
        #expect((inputs["model"] as? String)?.lowercased() == "meta-llama/llama-3.1-8b-instruct" && inputs["gpu"] as? String == "h100-sxm", "\(inputs)")
        #expect(inputs["gpus"] as? Double == 2 && inputs["tp"] as? Double == 2 && inputs["log"] as? String == "(stdin)")
        #expect(inputs["pue"] as? Double == 1.3 && inputs["boundary"] as? String == "facility")
        #expect(obj["totalWh"] is Double && obj["boundary"] as? String == "facility", "the existing keys stay")
        let text = try Self.run(["trace", "-"] + Self.traceDeployment, stdin: Self.traceLog)
        #expect(text.stdout.contains("at the facility boundary, PUE \(LedgerSettings.defaultPUE) (the default"), "\(text.stdout.prefix(400))")
    }

    /// `--boundary gpu --pue 1.3` dropped the 1.3 without a word.
    @Test func tracePUEAtABoundaryWithoutOneIsNoted() throws {
        let r = try Self.run(["trace", "-", "--format", "json", "--boundary", "gpu", "--pue", "1.3"] + Self.traceDeployment, stdin: Self.traceLog)
        #expect(r.status == 0 && r.stderr.contains("--pue is not used at the gpu boundary"), "\(r.stderr)")
        let inputs = try #require((try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])?["inputs"] as? [String: Any])
        #expect(inputs["pue"] is NSNull)
        let quiet = try Self.run(["trace", "-", "--boundary", "gpu"] + Self.traceDeployment, stdin: Self.traceLog)
        #expect(!quiet.stderr.contains("--pue") && !quiet.stdout.contains(", PUE "), "\(quiet.stdout.prefix(400))")
    }

    /// `help gpus` said the JSON leaves out sources, which each GPU's JSON holds.
    @Test func gpusHelpSaysWhatTheJSONHolds() throws {
        let json = try Self.run(["gpus", "--format", "json"])
        let gpus = try #require((try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])?["gpus"] as? [[String: Any]])
        let keys = Set(gpus.flatMap(\.keys))
        let help = try Self.run(["help", "gpus"]).stdout.replacingOccurrences(of: "\n      ", with: " ")
        let omitted = try #require(help.range(of: "leave out ").map { String(help[$0.upperBound...].prefix { $0 != ";" && $0 != "." }) })
        for key in ["sources", "source"] where keys.contains(key) {
            #expect(!omitted.contains(key), "help says the JSON leaves out \(omitted), but it has \(key)")
        }
    }

    /// `predict Workloads/forward-passes.csv` (the README's example) said its 10 rows "give
    /// output_tokens", each 0: 0 is what a blank cell reads as.
    @Test func predictNotesOnlyOutputTokensAboveZero() throws {
        let r = try Self.run(["predict", "Workloads/forward-passes.csv"])
        #expect(r.status == 0 && !r.stderr.contains("output_tokens"), "\(r.stderr)")
        let row = "model,gpu,phase,batch,input_tokens,output_tokens\nopt-1.3b,a100-pcie-40gb,forward,8,2048,5\n"
        let five = try Self.run(["predict", "-"], stdin: row)
        #expect(five.status == 0 && five.stderr.contains("give output_tokens above 0"), "\(five.stderr)")
    }

    /// validation.md's line 3 named the bare command and `../shared/data` after
    /// `validate --quick --data-dir D` too.
    @Test(.enabled(if: sharedDataPath != nil)) func validationHeaderQuotesTheOptions() throws {
        let data = try #require(Self.sharedDataPath)
        let dir = try Self.reproScratch("validate")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Self.run(["validate", "--quick", "--no-report", "--format", "markdown", "--data-dir", data], directory: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let third = r.stdout.components(separatedBy: "\n").dropFirst(2).first ?? ""
        #expect(third == "Generated by `swift run -c release tokenwatt validate --quick --data-dir \(data)` from the measurements in `\(data)`", "\(third)")
    }
}
