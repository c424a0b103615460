import Foundation
import Testing

/// `tokenwatt facilities` and `regions` give each WUE's basis and each factor's year (or why
/// none), as a disclosure needs them (probed 2026-12-07).
extension CLITests {
    /// Every WUE had read "on-site, per IT kWh (The Green Grid's WUE)", Amazon's withdrawal
    /// beside Google's consumption, and no WUE had a year.
    @Test func facilitiesGiveEachWUEsBasisAndYearInEachFormat() throws {
        let csv = try Self.run(["facilities", "--match", "WUE", "--format", "csv"])
        #expect(csv.status == 0, "\(csv.stderr)")
        let lines = csv.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasSuffix(",source,note") == true, "\(lines.first ?? "")")
        let amazon = try #require(lines.first { $0.hasPrefix("provider,amazon,") })
        #expect(amazon.contains("\"on-site withdrawal (inferred from the source), per IT kWh") && amazon.contains(",2025,"), "\(amazon)")
        #expect(try #require(lines.first { $0.hasPrefix("provider,google,") }).contains("\"on-site consumption, per IT kWh"))
        let text = try Self.run(["facilities", "--match", "WUE"])
        #expect(text.stdout.contains("on-site withdrawal, per IT kWh"), "\(text.stdout)")
        let json = try Self.run(["facilities", "--match", "WUE", "--format", "json"])
        #expect(json.stdout.contains("on-site withdrawal") && json.stdout.contains("\"note\""), "\(json.stdout)")
    }

    /// A water intensity with no year says why in the CSV's note column.
    @Test func regionsSayWhyAWaterIntensityHasNoYear() throws {
        let csv = try Self.run(["regions", "--match", "de", "--format", "csv"])
        let water = try #require(csv.stdout.split(separator: "\n").first { $0.hasPrefix("grid,de,Germany,water,") })
        #expect(water.contains("no year: EcoLogits"), "\(water)")
    }

    /// region "frankfurt" in a workload had failed with no suggestion.
    @Test func anUnknownCityRegionSuggestsItsCloudRegions() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tw-e2-region-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("w.json")
        let text = try String(contentsOf: Self.packageRoot.appendingPathComponent("Workloads/chat-service.json"), encoding: .utf8)
            .replacingOccurrences(of: "\"aws-us-east-1\"", with: "\"frankfurt\"")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let r = try Self.run(["fleet", file.path])
        #expect(r.status != 0 && ["aws-eu-central-1", "azure-germanywestcentral", "gcp-europe-west3"].allSatisfy { r.stderr.contains("'\($0)'") }, "\(r.stderr)")
    }
}
