import Foundation
import Testing
@testable import TokenWatt

/// The default workload's yearly and daily carbon in README's prose, held to the committed
/// Reports/chat-service.csv: a 2026-12-07 probe found 4,330 t and 11.9 t a day beside the
/// report's 4,367.1 and 11.9647.
extension ProseFiguresTests {
    @Test func defaultWorkloadCarbonQuotesTheReport() throws {
        let readme = try Self.text("README.md")
        let quoted = try Self.groups(#"([0-9,]+) t CO2e \(location-based\) a year \(([0-9,]+)–([0-9,]+) t across the estimator's measured error\), ([0-9.]+)–([0-9.]+) t a day \(([0-9.]+) t as estimated\)"#,
                                     in: readme).map { $0.replacingOccurrences(of: ",", with: "") }
        let lines = try String(contentsOf: packageRoot.appendingPathComponent("Reports/chat-service.csv"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        func cell(_ column: String) throws -> Double {
            let i = try #require(lines[0].firstIndex(of: column), "no column \(column)")
            return try #require(Double(lines[1][i]))
        }
        let figures = try ["location_t_per_period", "location_t_per_period_low", "location_t_per_period_high",
                           "location_t_per_day_low", "location_t_per_day_high", "location_t_per_day"].map(cell)
        // Three significant figures, as the prose gives them (12.0, not 12; 3,350 for 3,345.1).
        let expected = figures.map { x -> Double in
            let step = pow(10, floor(log10(abs(x))) - 2)
            return (x / step).rounded() * step
        }
        let read = quoted.compactMap { Double($0) }
        #expect(read.count == expected.count && zip(read, expected).allSatisfy { abs($0 - $1) <= 1e-9 * abs($1) },
                "README quotes \(quoted), the report gives \(expected)")
    }
}
