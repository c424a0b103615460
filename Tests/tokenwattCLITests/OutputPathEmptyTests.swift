import Foundation
import Testing

/// A path-valued option given an empty or blank value is a usage error naming the option, before
/// anything is read or written. `report W.json -o ""` wrote its files into / ("wrote
/// /chat-service.md", exit 0) and `validate --quick -o ""` 19; the other outputs failed at the
/// rename with "error: : could not be renamed into place (errno 2)", naming no flag.
///
/// Every run here is in a scratch folder, and `""` is tried for `report` and `validate` only
/// once a blank value has been refused: on a build without the check, `-o ""` writes into /.
@Suite struct OutputPathEmptyTests {
    func scratch(_ name: String) throws -> URL {
        // One folder per case: the cases run in parallel.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tw-empty-\(getpid())-\(name)-\(UUID().uuidString)")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static let log = Inputs.azureHeader + "2023-11-16 18:15:46.68,374,44\n2023-11-16 18:15:47.00,200,30\n"
    static let power = ["power", "--model", Inputs.model8B, "--gpu", "h100-sxm"]
    static let trace = ["trace", "t.csv", "--model", Inputs.model8B, "--gpu", "h100-sxm"]

    /// (the command line before the path, the flag as typed, what the message says is expected)
    static let cases: [([String], String, String)] = [
        (power, "--spec", "a file path"),
        (trace, "--per-request", "a file path"),
        (trace, "--hourly", "a file path"),
        (["sweep", "s.json"], "-o", "a path"),
        (["sweep", "s.json"], "--output", "a path"),
        (["sweep", "s.json"], "--svg", "a file path"),
        (["calibrate", "--builtin"], "-o", "a path"),
        (["fleet", "w.json"], "--data-dir", "a folder path"),
        (Inputs.estimate, "--gpu-catalog", "a file path"),
        (Inputs.estimate, "--model-catalog", "a file path"),
        (Inputs.estimate, "--calibration", "a file path"),
    ]

    @Test(arguments: cases)
    func anEmptyPathIsAUsageErrorNamingTheFlag(_ c: ([String], String, String)) throws {
        let dir = try scratch("case")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.log.write(to: dir.appendingPathComponent("t.csv"), atomically: true, encoding: .utf8)
        try Inputs.sweep.write(to: dir.appendingPathComponent("s.json"), atomically: true, encoding: .utf8)
        try Inputs.workload.write(to: dir.appendingPathComponent("w.json"), atomically: true, encoding: .utf8)
        for value in ["", "  "] {
            for args in [c.0 + [c.1, value], c.0 + ["\(c.1)=\(value)"]] where !(c.1 == "-o" && args.last!.hasPrefix("-o=")) {
                let r = try CLITests.run(args, directory: dir)
                #expect(r.status == 64, "\(args): \(r.stderr)")
                #expect(r.stderr.hasPrefix("error: \(c.1): expected \(c.2), got an empty string"), "\(args): \(r.stderr)")
            }
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(left == ["s.json", "t.csv", "w.json"])
    }

    /// `power --output` is a token count, not `-o`'s long spelling: it is not read as a path.
    @Test func powerOutputIsNotAPath() throws {
        let r = try CLITests.run(Self.power + ["--output", ""])
        #expect(r.status == 64 && r.stderr.contains("--output") && !r.stderr.contains("path"), "\(r.stderr)")
    }

    @Test(arguments: [["report", "w.json"], ["validate", "--quick"]])
    func reportAndValidateRefuseAnEmptyFolder(_ command: [String]) throws {
        let dir = try scratch(command[0])
        defer { try? FileManager.default.removeItem(at: dir) }
        try Inputs.workload.write(to: dir.appendingPathComponent("w.json"), atomically: true, encoding: .utf8)
        let blank = try CLITests.run(command + ["-o", "  "], directory: dir)
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/  "), "a folder named by blanks was made")
        try #require(blank.status == 64, "\(blank.stderr)")
        #expect(blank.stderr.hasPrefix("error: -o: expected a path, got an empty string"), "\(blank.stderr)")
        let empty = try CLITests.run(command + ["-o", ""], directory: dir)
        #expect(empty.status == 64 && empty.stderr.hasPrefix("error: -o: expected a path, got an empty string"), "\(empty.stderr)")
        #expect(empty.stdout.isEmpty, "\(empty.stdout)")
    }
}
