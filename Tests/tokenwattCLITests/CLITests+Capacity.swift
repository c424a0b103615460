import Foundation
import Testing

/// `capacity` as a data-centre power engineer meets it (a 2026-12-07 probe sizing a 5 MW site).
extension CLITests {
    /// Run with no workload, "error: missing argument" named nothing.
    @Test func capacityNamesTheFileItIsMissing() throws {
        let r = try Self.run(["capacity", "--budget-mw", "20"])
        #expect(r.status == 64 && r.stderr.contains("missing FILE.json"), "\(r.stderr)")
    }

    /// A budget no candidate fits printed the header over an empty table on stdout, then the
    /// same reason twice on stderr; now the error alone.
    @Test func capacityWithNoCandidateRunPrintsOnlyTheError() throws {
        let r = try Self.run(["capacity", "Workloads/chat-service.json", "--budget-mw", "0.01", "--samples", "500"])
        #expect(r.status == 1 && r.stdout.isEmpty, "\(r.stdout)")
        #expect(r.stderr.contains("error: chat-service on h100-sxm: 0.01 MW does not power one replica")
                && !r.stderr.contains("note: not run"), "\(r.stderr)")
    }

    /// A cap no candidate GPU allows exited 1 with "scenario s, deployment d: power cap 100 W is
    /// outside the range…", naming no flag; it is a usage error naming `--caps`, as the README says.
    @Test func capacityRefusesACapOutsideTheRangeNamingCaps() throws {
        let dir = try Self.scratch("capacity-cap-range")
        defer { try? FileManager.default.removeItem(at: dir) }
        let w = dir.appendingPathComponent("w.json")
        try Inputs.workload.write(to: w, atomically: true, encoding: .utf8)
        let r = try Self.run(["capacity", w.path, "--budget-mw", "1", "--caps", "100"])
        #expect(r.status == 64 && r.stderr.contains("--caps 100: outside the range h100-sxm allows (200 to 700 W)"), "\(r.stderr)")
    }

    /// `--sizing worst-case` holds the budget against the worst case and gives the busy basis
    /// beside it; rows carry ITL and TTFT, and `--itl-ms` marks the rows that miss it.
    @Test func capacityTakesASizingBasisAndLatencyTargets() throws {
        let dir = try Self.scratch("capacity-sizing")
        defer { try? FileManager.default.removeItem(at: dir) }
        let w = dir.appendingPathComponent("w.json")
        try Inputs.workload.write(to: w, atomically: true, encoding: .utf8)
        let r = try Self.run(["capacity", w.path, "--budget-mw", "1", "--sizing", "worst-case", "--itl-ms", "0.001", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let row = try #require((obj["rows"] as? [[String: Any]])?.first)
        #expect(obj["sizing"] as? String == "worst-case")
        #expect((row["interTokenLatencyMs"] as? Double).map { $0 > 0 } == true && (row["timeToFirstTokenMs"] as? Double).map { $0 > 0 } == true)
        #expect(row["meetsTargets"] as? Bool == false && (row["missedTargets"] as? [String])?.first?.hasPrefix("ITL ") == true, "\(row)")
        let worst = try #require(row["worstCaseFacilityMegawatts"] as? Double)
        #expect(worst <= 1 + 1e-9 && row["otherSizing"] as? String == "busy"
                && (row["otherSizingQueriesPerDay"] as? Double ?? 0) > (row["queriesPerDay"] as? Double ?? .infinity), "\(row)")
        let bad = try Self.run(["capacity", w.path, "--budget-mw", "1", "--sizing", "peak"])
        #expect(bad.status == 64 && bad.stderr.contains("--sizing peak: expected one of busy, worst-case"), "\(bad.stderr)")
    }

    /// The README quotes what `capacity` prints for the bundled workload at 20 MW on H100 (it
    /// said 932 million where the tool printed 930 million).
    @Test(.enabled(if: hasSharedData)) func theReadmeQuotesCapacityAsItPrints() throws {
        let r = try Self.run(["capacity", "Workloads/chat-service.json", "--budget-mw", "20", "--gpus", "h100-sxm"])
        #expect(r.status == 0, "\(r.stderr)")
        let row = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("chat-service") })
        let figure = try #require(row.firstMatch(of: /(\d[\d.]*) (million|billion)/)).output
        let readme = try String(contentsOf: Self.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
            .split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(readme.contains("default workload and 20 MW: \(figure.1) \(figure.2) queries a day on H100"), "\(row)")
    }
}
