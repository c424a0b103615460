import Foundation
import Testing

/// `capacity` and `power` state the estimator's error and `capacity` its sampling error (a
/// 2026-12-07 statistician's probe: neither gave a range, and capacity refused `--seed`).
extension CLITests {
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
