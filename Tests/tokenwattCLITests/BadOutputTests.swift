import Foundation
import Testing

/// Outputs that must not be replaced, half-written or written beside a failure: the request
/// log itself, links, FIFOs, another output of the same run, and standard output that fails.
@Suite struct BadOutputTests {
    static let log = Inputs.azureHeader + "2023-11-16 18:15:46.68,374,44\n2023-11-16 18:15:47.00,200,30\n"
    static let trace = ["--model", Inputs.model8B, "--gpu", "h100-sxm"]

    func scratch(_ name: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tw-out-\(getpid())-\(name)")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    func text(_ url: URL) -> String? { try? String(contentsOf: url, encoding: .utf8) }

    /// A full disk under standard output is an error and exit 1, not a trap.
    @Test func aFailedWriteToStandardOutputIsAnError() throws {
        let exe = try #require(CLITests.binary)
        let full = try #require(FileHandle(forWritingAtPath: "/dev/full"))
        let p = Process(), err = Pipe()
        p.executableURL = exe
        p.arguments = ["gpus"]
        p.standardOutput = full
        p.standardError = err
        try p.run()
        let e = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 1, "\(e)")
        #expect(e.hasPrefix("error: could not write to standard output"), "\(e)")
    }

    @Test func tracePerRequestRefusesTheLogItself() throws {
        let dir = try scratch("same")
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = dir.appendingPathComponent("t.csv")
        try Self.log.write(to: log, atomically: true, encoding: .utf8)
        let r = try CLITests.run(["trace", log.path] + Self.trace + ["--per-request", dir.path + "/./t.csv"])
        #expect(r.status == 64 && r.stderr.contains("--per-request") && r.stderr.contains("the request log"), "\(r.stderr)")
        #expect(text(log) == Self.log)
        let both = try CLITests.run(["trace", log.path] + Self.trace + ["--per-request", dir.path + "/p.csv", "--hourly", dir.path + "/p.csv"])
        #expect(both.status == 64 && both.stderr.contains("--hourly") && both.stderr.contains("--per-request"), "\(both.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/p.csv"))
    }

    /// --per-request replaced links and FIFOs with regular files where --hourly refused them.
    @Test func tracePerRequestRefusesLinksAndFIFOs() throws {
        let dir = try scratch("links")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.log.write(to: dir.appendingPathComponent("t.csv"), atomically: true, encoding: .utf8)
        try "target".write(to: dir.appendingPathComponent("target.txt"), atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/link", withDestinationPath: dir.path + "/target.txt")
        #expect(mkfifo(dir.path + "/fifo", 0o644) == 0)
        for name in ["link", "fifo"] {
            let r = try CLITests.run(["trace", dir.path + "/t.csv"] + Self.trace + ["--per-request", dir.path + "/" + name])
            #expect(r.status == 1 && r.stderr.contains("not a regular file"), "\(name): \(r.stderr)")
        }
        let attributes = try FileManager.default.attributesOfItem(atPath: dir.path + "/fifo")
        #expect(attributes[.type] as? FileAttributeType != .typeRegular)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: dir.path + "/link") == dir.path + "/target.txt")
    }

    /// sweep wrote -o, then failed on --svg; -o naming the spec or --svg replaced it.
    @Test func sweepWritesBothOutputsOrNeitherAndNeverItsSpec() throws {
        let dir = try scratch("sweep")
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = dir.appendingPathComponent("s.json")
        try Inputs.sweep.write(to: spec, atomically: true, encoding: .utf8)
        // An earlier sweep's CSV: -o replaces only a sweep's own output (it replaced a workload).
        let old = "index,model,gpu,gpus,tp,precision,max_batch,power_cap_w\nOLD\n"
        try old.write(to: dir.appendingPathComponent("out.csv"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("svgdir"), withIntermediateDirectories: true)
        let r = try CLITests.run(["sweep", spec.path, "-o", dir.path + "/out.csv", "--svg", dir.path + "/svgdir"])
        #expect(r.status == 1 && r.stderr.contains("svgdir"), "\(r.stderr)")
        #expect(text(dir.appendingPathComponent("out.csv")) == old)
        let same = try CLITests.run(["sweep", spec.path, "-o", spec.path])
        #expect(same.status == 64 && same.stderr.contains("the sweep spec"), "\(same.stderr)")
        let twice = try CLITests.run(["sweep", spec.path, "-o", dir.path + "/x", "--svg", dir.path + "/x"])
        #expect(twice.status == 64 && twice.stderr.contains("--svg") && twice.stderr.contains("-o"), "\(twice.stderr)")
        #expect(text(spec) == Inputs.sweep && !FileManager.default.fileExists(atPath: dir.path + "/x"))
        // --svg replaces an SVG, never another file (it replaced a CSV beside the spec).
        let foreign = try CLITests.run(["sweep", spec.path, "-o", dir.path + "/y.csv", "--svg", dir.path + "/out.csv"])
        #expect(foreign.status == 1 && foreign.stderr.contains("is not an SVG"), "\(foreign.stderr)")
        #expect(text(dir.appendingPathComponent("out.csv")) == old && !FileManager.default.fileExists(atPath: dir.path + "/y.csv"))
    }

    /// tune --svg replaced any file it named without a word: the run's own GPU catalog, a workload.
    /// It now refuses an input of the run and an existing file that is not an SVG, and replaces
    /// its own earlier SVG.
    @Test func tuneSVGNeverReplacesAnInputOrAFileThatIsNotAnSVG() throws {
        let dir = try scratch("tune")
        defer { try? FileManager.default.removeItem(at: dir) }
        let tune = ["tune", "--model", Inputs.model8B, "--gpu", "h100-sxm", "--batch", "16", "--input", "500", "--output", "200", "--steps", "2"]
        let catalog = dir.appendingPathComponent("gpus.json"), workload = dir.appendingPathComponent("w.json")
        try "{}".write(to: catalog, atomically: true, encoding: .utf8)
        try "{\"schemaVersion\": 1}".write(to: workload, atomically: true, encoding: .utf8)
        let input = try CLITests.run(tune + ["--gpu-catalog", catalog.path, "--svg", dir.path + "/./gpus.json"])
        #expect(input.status == 64 && input.stderr.contains("the GPU catalog"), "\(input.stderr)")
        #expect(text(catalog) == "{}")
        let other = try CLITests.run(tune + ["--svg", workload.path])
        #expect(other.status == 1 && other.stderr.contains("is not an SVG"), "\(other.stderr)")
        #expect(text(workload) == "{\"schemaVersion\": 1}")
        let svg = dir.path + "/t.svg"
        for _ in 0..<2 {
            let r = try CLITests.run(tune + ["--svg", svg])
            #expect(r.status == 0, "\(r.stderr)")
        }
        #expect(text(URL(fileURLWithPath: svg))?.hasPrefix("<svg") == true)
    }

    /// validate wrote its report, then failed on --bands-out.
    @Test func validateWritesReportAndBandsOrNeither() throws {
        let dir = try scratch("validate")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("bands.json"), withIntermediateDirectories: true)
        let r = try CLITests.run(["validate", "--quick", "-o", dir.path + "/report", "--bands-out", dir.path + "/bands.json"])
        #expect(r.status == 1 && r.stderr.contains("bands.json"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/report/validation.md"))
    }

    /// A bad --hourly path left the per-request file replaced: now neither is written.
    @Test func traceWritesBothOutputsOrNeither() throws {
        let dir = try scratch("both")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.log.write(to: dir.appendingPathComponent("t.csv"), atomically: true, encoding: .utf8)
        // An earlier run's rows, which --per-request may replace (it refuses any other file).
        let old = "index,timestamp_s,input_tokens,output_tokens,batch,busy_fraction,wh_gpu,wh,wh_low,wh_high\nOLD\n"
        try old.write(to: dir.appendingPathComponent("p.csv"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("h.csv"), withIntermediateDirectories: true)
        let r = try CLITests.run(["trace", dir.path + "/t.csv"] + Self.trace + ["--per-request", dir.path + "/p.csv", "--hourly", dir.path + "/h.csv"])
        #expect(r.status == 1 && r.stderr.contains("h.csv"), "\(r.stderr)")
        #expect(text(dir.appendingPathComponent("p.csv")) == old)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).allSatisfy { !$0.contains(".tmp-") })
    }

    /// A run stopped by SIGTERM (a scheduler's, or `timeout`) removes the temporary file of its
    /// streamed output (`TemporaryFiles`) and still dies of the signal: it had left
    /// `.p.csv.tmp-PID`, as large as the rows written so far, beside the target.
    @Test func aTraceStoppedBySIGTERMLeavesNoTemporaryFile() throws {
        let dir = try scratch("sigterm")
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = Process(), inp = Pipe()
        p.executableURL = try #require(CLITests.binary)
        p.arguments = ["trace", "-"] + Self.trace + ["--per-request", dir.path + "/p.csv"]
        p.currentDirectoryURL = CLITests.packageRoot
        p.standardInput = inp
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        // More rows than the ladder's sample and one read, so the run is past them and writing, and the log
        // left open: the run waits for more, mid-way, until the signal.
        let rows = (0..<100_000).map { "\($0),500,100\n" }.joined()  // over the reader's 1 MB chunk
        inp.fileHandleForWriting.write(Data(("timestamp,input_length,output_length\n" + rows).utf8))
        func temporaries() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.contains(".tmp-") }
        }
        let deadline = Date().addingTimeInterval(60)
        while temporaries().isEmpty && Date() < deadline { usleep(20_000) }
        #expect(!temporaries().isEmpty, "the run never started its per-request file")
        p.terminate()
        let stop = Date().addingTimeInterval(30)
        while p.isRunning && Date() < stop { usleep(20_000) }
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }  // a failure, not a hung suite
        p.waitUntilExit()
        inp.fileHandleForWriting.closeFile()
        #expect(p.terminationReason == .uncaughtSignal && p.terminationStatus == SIGTERM)
        #expect(temporaries().isEmpty && !FileManager.default.fileExists(atPath: dir.path + "/p.csv"))
    }

    /// `report W.json -o DIR` replaced the workload with its report's JSON when DIR held it,
    /// and `--all --workloads D -o D` every workload; a calibration or a data CSV of a report's
    /// name went the same way. Each is refused with nothing written; earlier reports are replaced.
    @Test func reportRefusesToReplaceItsInputs() throws {
        let dir = try scratch("report-inputs")
        defer { try? FileManager.default.removeItem(at: dir) }
        let w = dir.appendingPathComponent("w.json")
        try Inputs.workload.write(to: w, atomically: true, encoding: .utf8)
        let own = try CLITests.run(["report", w.path, "-o", dir.path])
        #expect(own.status == 64 && own.stderr.contains("w.json is the same file as the workload"), "\(own.stderr)")
        let all = try CLITests.run(["report", "--all", "--workloads", dir.path, "-o", dir.path + "/.", "--skip-validation"])
        #expect(all.status == 64 && all.stderr.contains("same file as the workload"), "\(all.stderr)")
        #expect(text(w) == Inputs.workload && !FileManager.default.fileExists(atPath: dir.path + "/w.md"))
        let out = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let calibration = out.appendingPathComponent("w.json")
        try FileManager.default.copyItem(atPath: "Sources/KernelPower/Resources/coefficients.json", toPath: calibration.path)
        let cal = try CLITests.run(["report", w.path, "-o", out.path, "--calibration", calibration.path])
        #expect(cal.status == 64 && cal.stderr.contains("same file as --calibration"), "\(cal.stderr)")
        try FileManager.default.removeItem(at: calibration)
        let data = "input_length,output_length\n100,50\n"
        try data.write(to: out.appendingPathComponent("w.csv"), atomically: true, encoding: .utf8)
        let foreign = try CLITests.run(["report", w.path, "-o", out.path])
        #expect(foreign.status == 1 && foreign.stderr.contains("w.csv: exists and is not a report file"), "\(foreign.stderr)")
        #expect(text(out.appendingPathComponent("w.csv")) == data && !FileManager.default.fileExists(atPath: out.path + "/w.md"))
        try FileManager.default.removeItem(at: out.appendingPathComponent("w.csv"))
        for _ in 0..<2 {
            let again = try CLITests.run(["report", w.path, "-o", out.path, "--samples", "50"])
            #expect(again.status == 0, "\(again.stderr)")
        }
    }

    /// `-o Reports` with another model wrote the experiment over the committed reports, which
    /// report's usage says never happens; a catalog named by its variable is an experiment too.
    @Test func reportExperimentsStayOutOfReports() throws {
        for dir in ["Reports", "./Reports/"] {
            let r = try CLITests.run(["report", "Workloads/chat-service.json", "--gpu-catalog", "g.json", "-o", dir])
            #expect(r.status == 64 && r.stderr.contains("--gpu-catalog") && r.stderr.contains("committed Reports/"), "\(r.stderr)")
        }
        let env = try CLITests.run(["report", "Workloads/chat-service.json"], environment: ["TOKENWATT_GPU_CATALOG": "g.json"])
        #expect(env.status == 64 && env.stderr.contains("TOKENWATT_GPU_CATALOG") && env.stderr.contains("-o DIR"), "\(env.stderr)")
    }

    /// `report --all` of a workload named `validation` gave its report and the validation
    /// report the same two paths: the run replaced half the set, then failed (errno 2).
    @Test func reportAllRefusesAWorkloadNamedValidation() throws {
        let dir = try scratch("validation-name")
        defer { try? FileManager.default.removeItem(at: dir) }
        let wl = dir.appendingPathComponent("wl"), out = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: wl, withIntermediateDirectories: true)
        try Inputs.workload.write(to: wl.appendingPathComponent("validation.json"), atomically: true, encoding: .utf8)
        let r = try CLITests.run(["report", "--all", "--workloads", wl.path, "-o", out.path])
        #expect(r.status == 64 && r.stderr.contains("wl/validation.json") && r.stderr.contains("the validation report"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    /// `report W --seed 7` replaced the committed Reports/ and quoted `tokenwatt report W` as the
    /// command that gives its bytes: another seed or sample count is an experiment, written only
    /// with -o, and its regenerate line quotes the options. The workload's own values are not.
    /// (Run in a scratch folder with its own Reports/, so that a regression replaces no committed file.)
    @Test func reportSeedAndSamplesAreExperiments() throws {
        let dir = try scratch("seed")
        defer { try? FileManager.default.removeItem(at: dir) }
        let w = dir.appendingPathComponent("w.json")
        try Inputs.workload.write(to: w, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("Reports"), withIntermediateDirectories: true)
        for extra in [[], ["-o", "./Reports"]] {
            let r = try CLITests.run(["report", "w.json", "--seed", "7"] + extra, directory: dir)
            #expect(r.status == 64 && r.stderr.contains("--seed") && r.stdout.isEmpty, "\(r.stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path + "/Reports").isEmpty)
        let own = try CLITests.run(["report", w.path, "--samples", "200", "--seed", "42", "-o", dir.path + "/own"])
        #expect(own.status == 0, "\(own.stderr)")
        #expect(text(dir.appendingPathComponent("own/w.md"))?.contains("report \(w.path)` (seed 42") == true)
        let other = try CLITests.run(["report", w.path, "--samples", "50", "-o", dir.path + "/other"])
        #expect(other.status == 0, "\(other.stderr)")
        #expect(text(dir.appendingPathComponent("other/w.md"))?.contains("report \(w.path) --samples 50 -o DIR` (seed 42, 50 samples") == true)
    }

    /// A report made with another calibration or catalog quoted the bare command as the one that
    /// gives its bytes, which gives the bundled model's: its regenerate line quotes them, a catalog
    /// named by its environment variable as the option.
    @Test func reportFromAnotherModelQuotesItInItsRegenerateLine() throws {
        let dir = try scratch("model")
        defer { try? FileManager.default.removeItem(at: dir) }
        let w = dir.appendingPathComponent("w.json")
        try Inputs.workload.write(to: w, atomically: true, encoding: .utf8)
        let root = FileManager.default.currentDirectoryPath
        let c = root + "/Sources/KernelPower/Resources/coefficients.json", g = dir.path + "/g.json"
        // A catalog of one GPU that the bundled one lacks: the first entry under another id.
        let bundled = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: root + "/Sources/KernelPower/Resources/gpus.json")))
        var gpu = try #require(((bundled as? [String: Any])?["gpus"] as? [[String: Any]])?.first)
        gpu["id"] = "probe-gpu"
        gpu["aliases"] = [String]()
        try JSONSerialization.data(withJSONObject: ["schemaVersion": 1, "gpus": [gpu]]).write(to: URL(fileURLWithPath: g))
        let r = try CLITests.run(["report", w.path, "--calibration", c, "-o", dir.path + "/out"], environment: ["TOKENWATT_GPU_CATALOG": g])
        #expect(r.status == 0, "\(r.stderr)")
        let md = text(dir.appendingPathComponent("out/w.md"))
        #expect(md?.contains("report \(w.path) --calibration \(c) --gpu-catalog \(g) -o DIR` (seed 42") == true, "\(md ?? "")")
    }

    /// `validate --quick -o Reports` replaced the committed validation report with one missing
    /// its refits; a partial run (or another model) is refused there, however Reports is spelled.
    /// (Run in a scratch folder with its own Reports/, so that a regression replaces no committed file.)
    @Test func validatePartialRunsStayOutOfReports() throws {
        let dir = try scratch("validate-partial")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("Reports"), withIntermediateDirectories: true)
        for args in [["--quick", "-o", "Reports"], ["--rows", "mlperf-power", "-o", "./Reports/"], ["--calibration", "c.json", "-o", "Reports"]] {
            let r = try CLITests.run(["validate"] + args, directory: dir)
            #expect(r.status == 64 && r.stderr.contains("committed Reports/") && r.stderr.contains(args[0]), "\(args): \(r.stderr)")
        }
        let env = try CLITests.run(["validate", "-o", "Reports"], environment: ["TOKENWATT_GPU_CATALOG": "g.json"], directory: dir)
        #expect(env.status == 64 && env.stderr.contains("TOKENWATT_GPU_CATALOG"), "\(env.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path + "/Reports").isEmpty)
    }

    /// Without -o a partial run writes no report, and says so: it had been silent, so a run that
    /// kept nothing looked like one that refreshed Reports/.
    @Test(.enabled(if: CLITests.hasSharedData)) func aPartialValidateRunSaysItWroteNothing() throws {
        let r = try CLITests.run(["validate", "--rows", "mlperf-power", "--format", "csv"])
        #expect(r.status == 0 && r.stderr.contains("note: a partial run (--rows) writes no report files"), "\(r.stderr)")
        #expect(!r.stdout.contains("wrote "))
    }

    /// `--workloads ./W`, `W/` and its absolute path each named the workload differently in the
    /// report (`./W/x.json`, `W//x.json`, `/abs/W/x.json`), so the bytes differed from `W`'s.
    @Test func reportAllBytesDoNotDependOnHowTheFolderIsSpelled() throws {
        let dir = try scratch("spelling")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("wl"), withIntermediateDirectories: true)
        try Inputs.workload.write(to: dir.appendingPathComponent("wl/w.json"), atomically: true, encoding: .utf8)
        var texts: Set<String> = []
        for (i, folder) in ["wl", "./wl", "wl/", dir.path + "/wl"].enumerated() {
            let r = try CLITests.run(["report", "--all", "--skip-validation", "--workloads", folder, "-o", "out\(i)"], directory: dir)
            #expect(r.status == 0, "\(folder): \(r.stderr)")
            texts.insert((text(dir.appendingPathComponent("out\(i)/w.md")) ?? "") + (text(dir.appendingPathComponent("out\(i)/w.json")) ?? ""))
        }
        #expect(texts.count == 1 && texts.first?.contains("`tokenwatt report wl/w.json`") == true)
    }

    /// A legal 250-byte output name was refused: its temporary name `.NAME.tmp-PID` passed the
    /// 255-byte limit on a name. A long name now gets a shorter temporary name.
    @Test func aLongOutputNameIsWritten() throws {
        let dir = try scratch("long-name")
        defer { try? FileManager.default.removeItem(at: dir) }
        let name = String(repeating: "a", count: 250) + ".json"
        let r = try CLITests.run(["power", "--model", Inputs.model8B, "--gpu", "h100-sxm", "--seq-length", "1000", "--spec", dir.path + "/" + name])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == [name])
    }

    /// A run that failed left the folders it had made for its outputs (18 of them for a path
    /// too long to finish): now it removes the ones it made, and only those.
    @Test func aFailedRunRemovesTheFoldersItMade() throws {
        let dir = try scratch("folders")
        defer { try? FileManager.default.removeItem(at: dir) }
        let w = dir.appendingPathComponent("w.json")
        try Inputs.workload.write(to: w, atomically: true, encoding: .utf8)
        let r = try CLITests.run(["report", w.path, "-o", dir.path + "/a/b/c/" + String(repeating: "b", count: 300)])
        #expect(r.status == 1 && r.stderr.contains("could not be made a folder"), "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["w.json"])
    }

    /// Two `report -o DIR` runs at once renamed their files in turn and could leave one run's .md
    /// beside the other's .json: a run now renames its set holding a lock on DIR (flock(2)).
    @Test func reportWaitsForTheLockOnItsFolder() throws {
        let dir = try scratch("lock")
        defer { try? FileManager.default.removeItem(at: dir) }
        let w = dir.appendingPathComponent("w.json"), out = dir.appendingPathComponent("out")
        try Inputs.workload.write(to: w, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let fd = open(out.path, O_RDONLY)
        #expect(fd >= 0 && flock(fd, LOCK_EX) == 0)
        let p = Process()
        p.executableURL = try #require(CLITests.binary)
        p.arguments = ["report", w.path, "-o", out.path]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        func names() -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? [] }
        let deadline = Date().addingTimeInterval(60)
        while names().filter({ $0.contains(".tmp-") }).count < 4 && p.isRunning && Date() < deadline { usleep(20_000) }
        usleep(300_000)
        #expect(p.isRunning && names().allSatisfy { $0.contains(".tmp-") }, "\(names())")
        close(fd)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0 && names().sorted() == ["w.csv", "w.html", "w.json", "w.md"], "\(names())")
    }
}

extension BadOutputTests {
    /// `report -o out.md` made a folder named out.md; a new -o named like a file is refused.
    @Test func reportAndValidateRefuseAFileNameForTheirFolder() throws {
        let dir = try scratch("dir-named-file")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.path + "/out.md"
        let r = try CLITests.run(["report", "Workloads/chat-service.json", "-o", file])
        #expect(r.status == 64 && r.stderr.contains("-o takes a folder") && r.stderr.contains("-o \(dir.path)/out"), "\(r.stderr)")
        let v = try CLITests.run(["validate", "--quick", "-o", dir.path + "/validation.html"])
        #expect(v.status == 64 && v.stderr.contains("-o takes a folder"), "\(v.stderr)")
        #expect(!FileManager.default.fileExists(atPath: file) && !FileManager.default.fileExists(atPath: dir.path + "/validation.html"))
        // A folder that already exists under such a name is still a folder to write into.
        try FileManager.default.createDirectory(atPath: dir.path + "/kept.json", withIntermediateDirectories: true)
        let kept = try CLITests.run(["report", "no-such-workload.json", "-o", dir.path + "/kept.json"])
        #expect(kept.status != 0 && !kept.stderr.contains("-o takes a folder") && kept.stderr.contains("no-such-workload.json"), "\(kept.stderr)")
    }
}
