import Foundation
import Testing

/// `sweep`, `capacity` and `kernels` as a user meets them (2026-12-06 probes on a release build).
extension CLITests {
    /// `help sweep` documents every key of the sweep file and names the bundled example, which runs.
    /// A stray argument is named once, with the usage line once: the whole usage had come
    /// before the usage line, so it read twice.
    @Test func aStrayArgumentPrintsTheUsageOnce() throws {
        let r = try Self.run(["estimate", "Qwen/Qwen3-235B-A22B"])
        #expect(r.status == 64 && r.stderr.contains("unexpected argument 'Qwen/Qwen3-235B-A22B'"), "\(r.stderr)")
        #expect(r.stderr.components(separatedBy: "usage:").count == 2, "\(r.stderr)")
    }

    /// `gpus --format json` is a listing whose names are not the catalog's: the help says so and
    /// names a template that exists (a user had copied the listing as a --gpu-catalog entry).
    @Test func helpGPUsNamesARealCatalogTemplate() throws {
        let r = try Self.run(["help", "gpus"])
        let path = "Sources/KernelPower/Resources/gpus.json"
        #expect(r.stdout.contains("This is a listing, not a catalog") && r.stdout.contains(path), "\(r.stdout)")
        #expect(FileManager.default.fileExists(atPath: Self.packageRoot.appendingPathComponent(path).path))
    }

    @Test func helpSweepDocumentsTheFileAndItsExampleRuns() throws {
        let help = try Self.run(["help", "sweep"])
        #expect(help.status == 0)
        let text = help.stdout + help.stderr
        for key in ["schemaVersion", "description", "input", "output", "boundary", "pue", "grid", "targets", "model", "gpu", "gpus",
                    "tp", "pp", "ep", "precision", "maxBatch", "powerCapWatts", "itlMs", "itlStat", "ttftMs"] {
            #expect(text.contains(" \(key) ") || text.contains(" \(key),"), "help sweep does not document \(key)")
        }
        #expect(text.contains("Workloads/sweeps/llama-8b-h100-h200.json") && text.contains("beside grid, not inside it"))
        let r = try Self.run(["sweep", "Workloads/sweeps/llama-8b-h100-h200.json", "--format", "json"])
        #expect(r.status == 0 && r.stdout.contains("\"failed\": 0,") && !r.stderr.contains("could not be estimated"), "\(r.stderr)")
    }

    /// -o replaces only a file an earlier sweep wrote (it replaced a workload JSON with CSV), and
    /// writes into an existing folder only (a missing one was made, exit 0).
    @Test func sweepOutputReplacesOnlyItsOwnFilesInAnExistingFolder() throws {
        let dir = try Self.scratch("sweep-o")
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = dir.appendingPathComponent("s.json"), workload = dir.appendingPathComponent("w.json")
        try Inputs.sweep.write(to: spec, atomically: true, encoding: .utf8)
        try Inputs.workload.write(to: workload, atomically: true, encoding: .utf8)
        let foreign = try Self.run(["sweep", spec.path, "-o", workload.path])
        #expect(foreign.status == 1 && foreign.stderr.contains("w.json") && foreign.stderr.contains("not a sweep CSV or JSON"), "\(foreign.stderr)")
        #expect((try? String(contentsOf: workload, encoding: .utf8)) == Inputs.workload)
        // Its own CSV and JSON are replaced, each by the other format too.
        let out = dir.appendingPathComponent("out.csv").path
        for format in ["csv", "json", "csv"] {
            let r = try Self.run(["sweep", spec.path, "-o", out, "--format", format])
            #expect(r.status == 0, "\(format): \(r.stderr)")
        }
        #expect((try? String(contentsOfFile: out, encoding: .utf8))?.hasPrefix("index,model,gpu") == true)
        let missing = dir.appendingPathComponent("no/such")
        for flag in ["-o", "--svg"] {
            let r = try Self.run(["sweep", spec.path, flag, missing.appendingPathComponent("x").path])
            #expect(r.status == 1 && r.stderr.contains("does not exist") && r.stderr.contains(flag), "\(flag): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("no").path))
        }
    }

    /// The note on failed points names where they are in each format: the JSON has no error column.
    @Test func theFailedPointsNoteNamesTheirPlaceInEachFormat() throws {
        let dir = try Self.scratch("sweep-failed")
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = dir.appendingPathComponent("s.json")
        try Inputs.sweep.replacingOccurrences(of: "[\"h100-sxm\"]", with: #"["h100-sxm"], "gpus": [1], "precision": ["fp16", "fp8"]"#)
            .replacingOccurrences(of: "h100-sxm", with: "v100-sxm2-32gb").write(to: spec, atomically: true, encoding: .utf8)
        let json = try Self.run(["sweep", spec.path, "--format", "json"])
        #expect(json.status == 0 && json.stderr.contains("1 of 2 points could not be estimated (see failedPoints in the JSON"), "\(json.stderr)")
        #expect(json.stdout.contains("\"failedPoints\": [") && json.stdout.contains("\"precision\": \"fp8\""), "\(json.stdout)")
        let csv = try Self.run(["sweep", spec.path])
        #expect(csv.stderr.contains("(see the error column)"), "\(csv.stderr)")
    }

    /// `--caps none,500` runs an uncapped row beside the capped one, labelled with the TDP.
    @Test func capacityTakesNoneAmongItsCaps() throws {
        let dir = try Self.scratch("capacity-none")
        defer { try? FileManager.default.removeItem(at: dir) }
        let w = dir.appendingPathComponent("w.json")
        try Inputs.workload.write(to: w, atomically: true, encoding: .utf8)
        let r = try Self.run(["capacity", w.path, "--budget-mw", "1", "--caps", "none,500"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("TDP (") && r.stdout.contains("500 W"), "\(r.stdout)")
    }

    /// A workload with no kernel scenario is refused naming the file and each scenario's kind.
    @Test(.enabled(if: hasSharedData)) func capacityNamesTheWorkloadItCannotSize() throws {
        let r = try Self.run(["capacity", "Workloads/oviedo-2026.json", "--budget-mw", "10"])
        #expect(r.status == 1 && r.stderr.contains("Workloads/oviedo-2026.json") && r.stderr.contains("is a mix"), "\(r.stderr)")
    }

    /// The kernel listing's text names no column its table lacks (it ended "(column fitted_us)").
    @Test func theKernelTextNamesOnlyWhatItShows() throws {
        let r = try Self.run(["kernels", "--model", "meta-llama/Llama-3.1-8B-Instruct", "--gpu", "h100-sxm", "--batch", "64", "--input", "1000", "--output", "500"])
        #expect(r.status == 0, "\(r.stderr)")
        let header = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("block") })
        #expect(!header.contains("fitted_us") && !r.stdout.contains("(column fitted_us)"))
        #expect(r.stdout.contains("(fitted_us in the CSV and JSON)"), "\(r.stdout)")
    }
}
