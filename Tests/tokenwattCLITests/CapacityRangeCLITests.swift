import Foundation
import Testing

/// `capacity` and `power` state the estimator's error and `capacity` its sampling error (a
/// 2026-12-07 statistician's probe: neither gave a range, and capacity refused `--seed`).
extension CLITests {
    /// `--seed` is taken as `fleet` takes it (it was "unknown option --seed"), and each row ends
    /// with the band's MW, the queries a day at the band's high end and the sampling errors, in
    /// text and JSON.
    @Test func capacityTakesASeedAndStatesItsRanges() throws {
        let dir = try Self.scratch("capacity-range")
        defer { try? FileManager.default.removeItem(at: dir) }
        let w = dir.appendingPathComponent("w.json")
        try Inputs.workload.replacingOccurrences(of: "\"samples\": 200", with: "\"samples\": 400").write(to: w, atomically: true, encoding: .utf8)
        let json = try Self.run(["capacity", w.path, "--budget-mw", "1", "--seed", "3", "--format", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let row = try #require((obj["rows"] as? [[String: Any]])?.first)
        let busy = try #require(row["busyFacilityMegawatts"] as? Double)
        let low = try #require(row["busyFacilityMegawattsLow"] as? Double), high = try #require(row["busyFacilityMegawattsHigh"] as? Double)
        #expect(low < busy && busy < high && row["estimatorBand"] as? String == "h100-sxm", "\(row)")
        #expect((row["queriesPerDayAtBandHigh"] as? Double ?? .infinity) < (row["queriesPerDay"] as? Double ?? 0))
        #expect(row["queriesPerDaySamplingHalfWidth"] is Double && row["gpusSamplingHalfWidth"] is Double, "\(row)")
        #expect((obj["notes"] as? [String])?.contains { $0.hasPrefix("estimator error: ") } == true)
        let text = try Self.run(["capacity", w.path, "--budget-mw", "1", "--seed", "3"])
        let header = try #require(text.stdout.split(separator: "\n").first { $0.hasPrefix("scenario") })
        let columns = header.split(separator: "  ").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        #expect(columns.suffix(5) == ["busy MW at band", "queries/day at band high", "± sampling: queries/day", "± sampling: GPUs", "nameplate MW"], "\(columns)")
        #expect(text.stdout.contains("note: \"± sampling\" is each row's sampling error"))
        let bad = try Self.run(["capacity", w.path, "--budget-mw", "1", "--seed", "x"])
        #expect(bad.status == 64 && bad.stderr.contains("--seed"), "\(bad.stderr)")
    }

    /// `power` gives the wall watts and the year's kWh at the band's ends, in text and JSON, as
    /// `estimate` gives the same deployment's Wh per query.
    @Test func powerStatesTheEstimatorsRange() throws {
        let shape = ["power", "--model", "meta-llama/Llama-3.1-8B-Instruct", "--gpu", "h100-sxm", "--batch", "1", "--input", "1000", "--output", "200"]
        let text = try Self.run(shape)
        #expect(text.status == 0 && text.stdout.contains("  range              "), "\(text.stdout)")
        let json = try Self.run(shape + ["--format", "json"])
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let range = try #require(obj["range"] as? [String: Any]), year = try #require(obj["annualKilowattHours"] as? Double)
        let low = try #require(range["annualKilowattHoursLow"] as? Double), high = try #require(range["annualKilowattHoursHigh"] as? Double)
        #expect(low < year && year < high && range["band"] as? String == "h100-sxm", "\(range)")
    }
}
