import Foundation
import Testing

/// Every option that writes a file takes the guard `sweep -o` had alone: it writes into an
/// existing folder and replaces only a file of its own kind. `trace --per-request` and
/// `--hourly`, `calibrate -o`, `validate --bands-out` and `--refits-out` had replaced any file
/// without a word, and they, `power --spec` and `tune --svg` had made missing folders
/// (2026-12-07 probe).
@Suite struct OutputFileGuardTests {
    static let log = BadOutputTests.log
    static let tune = ["tune", "--model", Inputs.model8B, "--gpu", "h100-sxm", "--batch", "16", "--input", "500", "--output", "200", "--steps", "2"]
    static let power = ["power", "--model", Inputs.model8B, "--gpu", "h100-sxm", "--seq-length", "1000"]

    func scratch(_ name: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tw-guard-\(getpid())-\(name)")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Each output option as a command line that writes `path`; `dir` holds the request log
    /// and an empty data folder, so a run that gets past the guard fails fast on its data.
    static func commands(_ dir: URL, _ path: String) -> [(flag: String, args: [String])] {
        let trace = ["trace", dir.path + "/t.csv"] + BadOutputTests.trace, empty = dir.path + "/nodata"
        return [("--per-request", trace + ["--per-request", path]), ("--hourly", trace + ["--hourly", path]),
                ("-o", ["calibrate", dir.path + "/runs.csv", "-o", path]),
                ("-o", ["calibrate", "--builtin", "--data-dir", empty, "-o", path]),
                ("--bands-out", ["validate", "--no-report", "--data-dir", empty, "--bands-out", path]),
                ("--refits-out", ["validate", "--no-report", "--data-dir", empty, "--refits-out", path]),
                ("--spec", power + ["--spec", path]), ("--svg", tune + ["--svg", path])]
    }

    func prepare(_ dir: URL) throws {
        try Self.log.write(to: dir.appendingPathComponent("t.csv"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("nodata"), withIntermediateDirectories: true)
    }

    @Test func noOutputReplacesAFileItDidNotWrite() throws {
        let dir = try scratch("foreign")
        defer { try? FileManager.default.removeItem(at: dir) }
        try prepare(dir)
        let kept = dir.appendingPathComponent("x.csv")
        for (flag, args) in Self.commands(dir, kept.path) {
            try "important\n".write(to: kept, atomically: true, encoding: .utf8)
            let r = try CLITests.run(args)
            #expect(r.status == 1 && r.stderr.contains("x.csv") && r.stderr.contains("refusing to replace it")
                    && r.stderr.contains(flag), "\(args[0]) \(flag): \(r.status) \(r.stderr)")
            #expect((try? String(contentsOf: kept, encoding: .utf8)) == "important\n", "\(args[0]) \(flag) replaced the file")
        }
    }

    @Test func noOutputMakesAMissingFolder() throws {
        let dir = try scratch("missing")
        defer { try? FileManager.default.removeItem(at: dir) }
        try prepare(dir)
        for (flag, args) in Self.commands(dir, dir.path + "/no/such/x.out") {
            let r = try CLITests.run(args)
            #expect(r.status == 1 && r.stderr.contains("does not exist") && r.stderr.contains(flag), "\(args[0]) \(flag): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir.path + "/no"), "\(args[0]) \(flag) made the folder")
        }
    }

    /// The bundled files the maintainers rewrite with `calibrate --builtin -o` and `validate
    /// --bands-out/--refits-out` are recognised by their schema: a run over a copy gets past the
    /// guard (to fail on the empty data folder, or not), and so does an empty file (`mktemp`).
    @Test func theBundledFilesAndAnEmptyFileMayBeReplaced() throws {
        let dir = try scratch("bundled")
        defer { try? FileManager.default.removeItem(at: dir) }
        try prepare(dir)
        let bundled = [("calibrate", "Sources/KernelPower/Resources/coefficients.json"),
                       ("--bands-out", "Sources/TokenWatt/Resources/error-bands.json"),
                       ("--refits-out", "Sources/TokenWatt/Resources/serving-refits.json")]
        let copy = dir.appendingPathComponent("copy.json")
        for (which, resource) in bundled {
            let original = try Data(contentsOf: CLITests.packageRoot.appendingPathComponent(resource))
            for contents in [original, Data()] {
                try contents.write(to: copy)
                let args = Self.commands(dir, copy.path).first { $0.args.contains("--data-dir") && ($0.flag == which || $0.args[0] == which) }!.args
                let r = try CLITests.run(args)
                #expect(!r.stderr.contains("refusing to replace"), "\(resource): \(r.stderr)")
            }
        }
    }

    /// A file the command wrote is replaced by the next run: the trace's two CSVs.
    @Test func traceReplacesItsOwnOutputs() throws {
        let dir = try scratch("own")
        defer { try? FileManager.default.removeItem(at: dir) }
        try prepare(dir)
        let args = ["trace", dir.path + "/t.csv"] + BadOutputTests.trace + ["--per-request", dir.path + "/p.csv", "--hourly", dir.path + "/h.csv"]
        for _ in 0..<2 {
            let r = try CLITests.run(args)
            #expect(r.status == 0, "\(r.stderr)")
        }
    }
}
