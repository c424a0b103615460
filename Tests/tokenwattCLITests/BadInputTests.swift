import Foundation
import Testing

@Suite struct BadInputTests {
    @Test func thereAreAtLeastAHundredDistinctCases() {
        #expect(BadInput.cases.count >= 100)
        #expect(Set(BadInput.cases.map(\.name)).count == BadInput.cases.count)
    }

    /// kernels priced a decode step whose KV cache cannot exist with no note; predict and
    /// estimate said so for the same step.
    @Test func kernelsContextBeyondTheCacheSaysSo() throws {
        let r = try CLITests.run(["kernels", "--model", Inputs.model8B, "--gpu", "h100-sxm", "--batch", "32", "--input", "1000", "--output", "200",
                                  "--context", "100000000"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("exceed the 131072-token context window") && r.stdout.contains("KV cache"), "\(r.stdout)")
        let fits = try CLITests.run(["kernels", "--model", Inputs.model8B, "--gpu", "h100-sxm", "--batch", "32", "--input", "1000", "--output", "200",
                                     "--context", "2000"])
        #expect(!fits.stdout.contains("context window") && !fits.stdout.contains("does not fit"), "\(fits.stdout)")
    }

    /// A wrong TOKENWATT_DATA was dropped and the user asked to set it; a wrong catalog
    /// variable gave "no such file" with no word of where the path came from.
    @Test func badEnvironmentPathsAreNamed() throws {
        let data = try CLITests.run(["fleet", "Workloads/chat-service.json"], environment: ["TOKENWATT_DATA": "/nonexistent"])
        #expect(data.status == 1 && data.stderr.contains("/nonexistent") && data.stderr.contains("named by TOKENWATT_DATA"), "\(data.stderr)")
        let models = try CLITests.run(["models"], environment: ["TOKENWATT_MODEL_CATALOG": "/nonexistent"])
        #expect(models.status == 1 && models.stderr.contains("named by TOKENWATT_MODEL_CATALOG"), "\(models.stderr)")
    }

    /// Candidates that could not run were "not run:" lines among the results on stdout.
    @Test func capacityCandidatesNotRunGoToStandardError() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tw-capacity-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let w = dir.appendingPathComponent("w.json")
        try Inputs.workload.write(to: w, atomically: true, encoding: .utf8)
        // 150 W is within the A100's range, not the H100's (a cap no candidate allows is a usage error).
        let r = try CLITests.run(["capacity", w.path, "--budget-mw", "1", "--gpus", "h100-sxm,a100-sxm-80gb", "--caps", "150,400"])
        #expect(r.status == 0 && r.stdout.contains("400 W") && !r.stdout.contains("not run"), "\(r.stdout)")
        #expect(r.stderr.contains("note: not run: s on h100-sxm capped at 150 W: --caps 150"), "\(r.stderr)")
    }

    /// Three names of one GPU ran every point three times.
    @Test func sweepAliasesOfOneGPURunOnce() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tw-sweep-alias-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = dir.appendingPathComponent("s.json")
        try Inputs.sweep.replacingOccurrences(of: "[\"h100-sxm\"]", with: "[\"h100-sxm\", \"h100\", \"H100\"]").write(to: spec, atomically: true, encoding: .utf8)
        let r = try CLITests.run(["sweep", spec.path])
        #expect(r.status == 0 && r.stdout.split(separator: "\n").count == 2, "\(r.stdout)")
        #expect(r.stderr.contains("grid.gpu[1] 'h100' names h100-sxm, as grid.gpu[0] 'h100-sxm' does; dropped") && r.stderr.contains("grid.gpu[2] 'H100'"), "\(r.stderr)")
    }

    /// A point that spells an earlier point's deployment (here a cap at the H100's 700 W TDP, tp
    /// and ep null beside 1, precision null beside bf16) ran again as its own row, silently; it
    /// is left out and a note says how many and which.
    @Test func sweepRepeatsAreLeftOutWithANote() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tw-sweep-repeat-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = dir.appendingPathComponent("s.json")
        try Inputs.sweep.replacingOccurrences(of: "[\"h100-sxm\"]", with: #"["h100-sxm"], "tp": [null, 1], "ep": [null, 1], "precision": [null, "bf16"], "powerCapWatts": [null, 700]"#)
            .write(to: spec, atomically: true, encoding: .utf8)
        let r = try CLITests.run(["sweep", spec.path])
        #expect(r.status == 0 && r.stdout.split(separator: "\n").count == 2 && r.stdout.contains("\n0,"), "\(r.stdout)")
        #expect(r.stderr.contains("15 of 16 grid points repeat an earlier point's deployment and are left out")
                && r.stderr.contains("point 1 (grid.powerCapWatts[1] 700) is point 0 (grid.powerCapWatts[0] null)"), "\(r.stderr)")
    }

    /// An input length beyond what the table measured was extrapolated with no word.
    @Test func tableExtrapolationSaysSo() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tw-table-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let far = dir.appendingPathComponent("far.json"), near = dir.appendingPathComponent("near.json")
        try Inputs.table.replacingOccurrences(of: "500", with: "7777777").write(to: far, atomically: true, encoding: .utf8)
        try Inputs.table.write(to: near, atomically: true, encoding: .utf8)
        let r = try CLITests.run(["fleet", far.path]), n = try CLITests.run(["fleet", near.path])
        #expect(r.status == 0 && r.stdout.contains("inputTokens 7777777 is outside the input lengths"), "\(r.stdout) \(r.stderr)")
        #expect(n.status == 0 && !n.stdout.contains("outside the input lengths"), "\(n.stdout)")
    }

    @Test(arguments: BadInput.cases)
    func isRejectedClearly(_ c: BadInput) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tw-bad-\(getpid())-\(abs(c.name.hashValue))")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for (name, text) in c.files { try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        let r = try CLITests.run(c.args.map { $0.replacingOccurrences(of: "{dir}", with: dir.path) }, stdin: c.stdin)
        #expect(r.status == c.status, "\(c.name): exit \(r.status), stderr: \(r.stderr)")
        #expect(r.stderr.hasPrefix("error: ") || r.stderr.contains("\nerror: ") || r.stderr.contains("note: "), "\(c.name): \(r.stderr)")
        for m in c.mentions { #expect(r.stderr.contains(m) || r.stdout.contains(m), "\(c.name): no '\(m)' in: \(r.stderr)") }
        let given = (c.args + Array(c.files.values)).joined(separator: " ").lowercased()
        for bad in ["NaN", "nan,", " inf", "Fatal error", "Stack dump"] where !given.contains(bad.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: " ,"))) {
            #expect(!r.stdout.contains(bad) && !r.stderr.contains(bad), "\(c.name): '\(bad)' in output")
        }
        for o in c.outputs { #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent(o).path), "\(c.name): \(o) was written") }
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: dir.path))?.filter { $0.contains(".tmp-") } ?? []
        #expect(leftovers.isEmpty, "\(c.name): temporary files left: \(leftovers)")
    }
}
