import Foundation
import Testing

/// Fixes from probes of 0.33.0 that only the built binary shows: help and version on a full
/// standard output, a query as long as a catalog model's context, and `bench`'s trace log on a signal.
@Suite struct InputFixCLITests {
    /// The binary run with standard output on `/dev/full`: its status and standard error.
    static func runToFullDevice(_ args: [String]) throws -> (status: Int32, stderr: String) {
        let p = Process(), err = Pipe()
        p.executableURL = try #require(CLITests.binary)
        p.arguments = args
        p.currentDirectoryURL = CLITests.packageRoot
        p.standardOutput = try #require(FileHandle(forWritingAtPath: "/dev/full"))
        p.standardError = err
        try p.run()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: e, as: UTF8.self))
    }

    /// They had exited 0 with nothing written, where `estimate` exits 1 and says why.
    @Test(arguments: [["version"], ["--version"], ["help"], ["help", "trace"], ["fleet", "--help"]])
    func helpAndVersionFailOnAFullStandardOutput(_ args: [String]) throws {
        let r = try Self.runToFullDevice(args)
        #expect(r.status == 1 && r.stderr.contains("could not write to standard output"), "\(args): \(r.status) \(r.stderr)")
    }

    /// Llama 4 Scout's 10,485,760-token window had been refused as a bad number by a cap of
    /// 10,000,000; the length now reaches the context and KV-cache checks, which judge it.
    @Test func aQueryAsLongAsScoutsContextReachesTheDeploymentChecks() throws {
        let base = ["estimate", "--model", "meta-llama/Llama-4-Scout-17B-16E-Instruct", "--gpu", "h200", "--gpus", "8", "--batch", "1", "--output", "1"]
        let r = try CLITests.run(base + ["--input", "10485759"])
        #expect(!r.stderr.contains("expected a whole number from 1 to"), "\(r.stderr)")
        let over = try CLITests.run(base + ["--input", "16777217"])
        #expect(over.status == 64 && over.stderr.contains("--input 16777217: expected a whole number from 1 to 16777216"), "\(over.stderr)")
    }

    /// `help fleet` says what the draws cost in memory (each draw's record is kept until the run ends).
    @Test func helpFleetStatesTheMemoryPerSample() throws {
        let r = try CLITests.run(["help", "fleet"])
        #expect(r.status == 0 && r.stdout.contains("KB per sample"), "\(r.stdout)")
    }

    /// A bench stopped by SIGTERM in its trace phase had left its 18 MB log in $TMPDIR (a
    /// `defer` does not run when the process is killed).
    @Test func aBenchStoppedBySIGTERMLeavesNoTraceLog() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tokenwatt-bench-sigterm-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = Process()
        p.executableURL = try #require(CLITests.binary)
        p.arguments = ["bench"]
        p.environment = ProcessInfo.processInfo.environment.merging(["TMPDIR": dir.path]) { $1 }
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        func logs() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasPrefix("tokenwatt-bench-trace-") }
        }
        let deadline = Date().addingTimeInterval(300)
        while logs().isEmpty && p.isRunning && Date() < deadline { usleep(50_000) }
        #expect(!logs().isEmpty, "the bench never wrote its trace log")
        p.terminate()
        let stop = Date().addingTimeInterval(30)
        while p.isRunning && Date() < stop { usleep(20_000) }
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }  // a failure, not a hung suite
        p.waitUntilExit()
        #expect(p.terminationReason == .uncaughtSignal && p.terminationStatus == SIGTERM)
        #expect(logs().isEmpty, "left \(logs())")
    }
}
