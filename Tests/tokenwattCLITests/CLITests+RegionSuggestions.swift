import Foundation
import Testing

/// `regions --match` offers what a workload's unknown region is offered.
extension CLITests {
    /// An ISO-3 code (`sgp`) and a misspelt city (`frankfrut`) had been told "none is near",
    /// though sg and three Frankfurt cloud regions are listed.
    @Test func regionMatchSuggestsByISO3CodeAndCity() throws {
        let sgp = try Self.run(["regions", "--match", "sgp"])
        #expect(sgp.status == 64 && sgp.stderr.contains("closest: sg"), "\(sgp.stderr)")
        let city = try Self.run(["regions", "--match", "frankfrut"])
        #expect(city.status == 64 && city.stderr.contains("aws-eu-central-1") && city.stderr.contains("gcp-europe-west3"), "\(city.stderr)")
        let zzz = try Self.run(["regions", "--match", "zzzzzz"])
        #expect(zzz.status == 64 && zzz.stderr.contains("none is near"), "\(zzz.stderr)")
    }
}
