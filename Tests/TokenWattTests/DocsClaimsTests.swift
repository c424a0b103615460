import Foundation
import Testing

/// README sentences that quote another part of the repository hold to it (docs audit,
/// 2026-12-07: the sweep's speed quoted 6,980 points a second beside a table of 5361, and the
/// GPU catalog form named a `nodes` array that gpus.json does not hold).
@Suite struct DocsClaimsTests {
    static func readme() throws -> String {
        try String(contentsOf: packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
    }

    /// The planning section's sweep speed is the figure of the table under "Speed".
    @Test func sweepSpeedQuotesTheSpeedTable() throws {
        let text = try Self.readme()
        let tableLine = try #require(text.components(separatedBy: "\n").first { $0.hasPrefix("sweepPointsPerSecond ") })
        let table = try #require(Double(tableLine.split(separator: " ").last.map(String.init) ?? ""))
        // "measures about 5,400 points a second on 2 cores (5,361, the median of five runs, …"
        let pattern = try NSRegularExpression(pattern: #"`tokenwatt bench` measures about ([0-9,]+) points a second on 2 cores \(([0-9,]+), the median"#)
        let match = try #require(pattern.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)), "the sentence is gone")
        func number(_ i: Int) -> Double? {
            Range(match.range(at: i), in: text).flatMap { Double(text[$0].replacingOccurrences(of: ",", with: "")) }
        }
        let about = try #require(number(1)), exact = try #require(number(2))
        #expect(exact == table, "README quotes \(exact) points a second; the Speed table has \(table)")
        #expect(abs(about - table) <= 0.05 * table, "README says about \(about); the Speed table has \(table)")
    }

    /// The GPU catalog form README gives holds the top-level keys of the bundled files it names.
    @Test func gpuCatalogFormMatchesTheBundledFiles() throws {
        let text = try Self.readme()
        let start = try #require(text.range(of: "A GPU the catalog lacks goes in a file"))
        let paragraph = String(text[start.lowerBound...].prefix(600))
        let resources = packageRoot.appendingPathComponent("Sources/KernelPower/Resources")
        var keys: [String: String] = [:]
        for name in ["gpus.json", "nodes.json"] {
            let obj = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: resources.appendingPathComponent(name))) as? [String: Any])
            for key in obj.keys where key != "schemaVersion" { keys[key] = name }
        }
        // Each array the form names is held by a bundled file the paragraph names.
        for array in ["gpus", "nodes"] where paragraph.contains("\"\(array)\": [") {
            let file = try #require(keys[array], "no bundled file holds \(array)")
            #expect(paragraph.contains(file), "README's GPU catalog form has \(array) but does not name \(file), which holds it")
        }
    }
}
