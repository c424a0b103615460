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
        #expect(amazon.contains("\"on-site withdrawal, per IT kWh") && amazon.contains(",2025,"), "\(amazon)")
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
}
