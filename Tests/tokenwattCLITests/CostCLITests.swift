import Foundation
import Testing

/// `power`'s cost names its currency: `--price-per-kwh 0.12` had printed "cost 4799 at 0.12 per
/// kWh" with no unit, and there was no `--currency` (a FinOps probe, 2026-12-07).
extension CLITests {
    static let powerArgs = ["power", "--model", "meta-llama/Llama-3.1-8B-Instruct", "--gpu", "h100-sxm", "--input", "1000", "--output", "500",
                            "--price-per-kwh", "0.12"]

    @Test func powerPrintsItsCostsCurrency() throws {
        let eur = try Self.run(Self.powerArgs + ["--currency", "eur"])
        #expect(eur.status == 0, "\(eur.stderr)")
        #expect(eur.stdout.contains(" EUR at 0.12 EUR/kWh"), "\(eur.stdout)")
        let json = try Self.run(Self.powerArgs + ["--currency", "EUR", "--format", "json"])
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(obj["currency"] as? String == "EUR" && obj["annualCost"] is Double)
        // Unstated, a price is in USD, as a workload's is.
        let plain = try Self.run(Self.powerArgs)
        #expect(plain.status == 0 && plain.stdout.contains(" USD at 0.12 USD/kWh"), "\(plain.stdout)")
        // No price, no currency: null, as a report's.
        let unpriced = try Self.run(Array(Self.powerArgs.dropLast(2)) + ["--format", "json"])
        let none = try #require(try JSONSerialization.jsonObject(with: Data(unpriced.stdout.utf8)) as? [String: Any])
        #expect(none["currency"] is NSNull && none["annualCost"] is NSNull)
    }

    /// A currency is checked as a workload's is, and refused without the price it is the unit of.
    @Test func powerRefusesACurrencyItCannotUse() throws {
        let bad = try Self.run(Self.powerArgs + ["--currency", "<b>X</b>"])
        #expect(bad.status == 64 && bad.stderr.contains("--currency") && bad.stderr.contains("three letters A–Z"), "\(bad.stderr)")
        let alone = try Self.run(Array(Self.powerArgs.dropLast(2)) + ["--currency", "EUR"])
        #expect(alone.status == 64 && alone.stderr.contains("--price-per-kwh"), "\(alone.stderr)")
    }
}
