import Foundation
import Testing

/// The README's description of `fleet --format json` and of a report's CSV is a contract scripts
/// read: every key it names is in the output where it says, and every CSV figure is its JSON
/// counterpart in the CSV's unit. Of 90-odd fleet keys the README lists, a handful were named by a
/// test (a 2026-12-07 audit); of a report's numeric CSV columns, 23 were read by none.
extension CLITests {
    /// One backquoted key of the README's fleet JSON paragraph and the key whose parenthesis it
    /// stands in (nil: the top object).
    struct KeyMention {
        let key: String
        let parent: Int?
    }

    /// The fleet JSON paragraph: from "JSON has `tool`" to "and `notes`.".
    static func readmeFleetJSONParagraph() throws -> String {
        let readme = try String(contentsOf: packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let start = try #require(readme.range(of: "JSON has `tool`"), "README no longer describes fleet's JSON as \"JSON has `tool`…\"")
        let end = try #require(readme.range(of: " and `notes`.", range: start.upperBound..<readme.endIndex))
        return String(readme[start.lowerBound..<end.upperBound])
    }

    /// The keys a paragraph names, each with the key it is nested under: a key inside the
    /// parenthesis that follows another is that one's (`whPerQuery` (`median`, …)); after
    /// `scenarios[]`, the keys outside parentheses are a scenario's.
    static func keyMentions(_ text: String) -> [KeyMention] {
        var mentions: [KeyMention] = [], opened: [Int?] = [], lastAtDepth: [Int: Int] = [:], scenario: Int?
        var rest = Substring(text)
        while let c = rest.first {
            rest = rest.dropFirst()
            switch c {
            case "(":
                opened.append(lastAtDepth[opened.count])
                lastAtDepth[opened.count] = nil
            case ")":
                if !opened.isEmpty { opened.removeLast() }
            case "`":
                guard let close = rest.firstIndex(of: "`") else { return mentions }
                let token = String(rest[..<close])
                rest = rest[rest.index(after: close)...]
                if token == "scenarios[]" {
                    mentions.append(KeyMention(key: "scenarios", parent: nil))
                    scenario = mentions.count - 1
                } else if token.wholeMatch(of: /[a-z][A-Za-z0-9]*/) != nil {
                    mentions.append(KeyMention(key: token, parent: opened.isEmpty ? scenario : opened.last ?? nil))
                    lastAtDepth[opened.count] = mentions.count - 1
                }
            default: break
            }
        }
        return mentions
    }

    /// Backquoted words of the paragraph that are not keys where they stand, (parent, word).
    static let notKeys: Set<[String]> = [
        ["gwhPerDayHostPower", "gpu"],  // "the `gpu` boundary"
        ["hardware", "hardware"],       // "a report's CSV has them in `hardware`"
        ["engines", "maxBatch"],        // "which split its `maxBatch`": the deployment's
    ]

    /// The objects mention `i`'s key should be in: the top objects; under a key whose value is an
    /// object or a list of objects, those; under one whose value is a number, string or list of
    /// numbers (a parenthesis that only mentions a key beside it), that key's own objects. A key
    /// under one that is null everywhere has nowhere to be, and is reported missing.
    static func holders(of i: Int, _ mentions: [KeyMention], tops: [[String: Any]]) -> [[String: Any]] {
        guard let p = mentions[i].parent else { return tops }
        let owners = holders(of: p, mentions, tops: tops).filter { $0[mentions[p].key] != nil }
        let values = owners.compactMap { $0[mentions[p].key] }
        let objects = values.flatMap { v in (v as? [String: Any]).map { [$0] } ?? (v as? [[String: Any]]) ?? [] }
        if !objects.isEmpty { return objects }
        return values.allSatisfy { $0 is NSNull } ? [] : owners
    }

    /// Every key README lists for `fleet --format json` is in the output, nested where it says.
    /// The chat service carries all but `gwhPerDayDivisors`' keys, null without a mix whose
    /// parts draw a divisor: oviedo-2026's `mixed-improved` has one.
    @Test(.enabled(if: hasSharedData)) func fleetJSONHasEveryKeyTheReadmeLists() throws {
        let mentions = Self.keyMentions(try Self.readmeFleetJSONParagraph())
        #expect(mentions.count > 80 && mentions.contains { $0.key == "varianceSharesNoiseLevel" }, "\(mentions.map(\.key))")
        var tops: [[String: Any]] = []
        for (file, samples) in [("Workloads/chat-service.json", "2000"), ("Workloads/oviedo-2026.json", "500")] {
            tops.append(try Self.jsonObject(try Self.run(["fleet", file, "--format", "json", "--samples", samples])))
        }
        var missing: [String] = []
        for (i, m) in mentions.enumerated() {
            let path = sequence(first: i) { mentions[$0].parent }.map { mentions[$0].key }.reversed().joined(separator: ".")
            if let p = m.parent, Self.notKeys.contains([mentions[p].key, m.key]) { continue }
            if !Self.holders(of: i, mentions, tops: tops).contains(where: { $0[m.key] != nil }) { missing.append(path) }
        }
        #expect(missing.isEmpty, "README lists these fleet JSON keys, which the output lacks: \(missing)")
    }

    /// A report's CSV figures are its JSON's, in the CSV's units: t = g × 1e-6, m³ = L × 1e-3,
    /// MWh = Wh × 1e-6, and a day's tonnes are a query's grams × queries a day.
    @Test(.enabled(if: hasSharedData)) func reportCSVColumnsAgreeWithItsJSON() throws {
        let dir = try Self.scratch("report-csv-json")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Self.run(["report", "Workloads/chat-service.json", "-o", dir.path, "--samples", "2000"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("chat-service.json"))) as? [String: Any])
        let scenarios = try #require(json["scenarios"] as? [[String: Any]])
        let csv = Self.csvLines(try String(contentsOf: dir.appendingPathComponent("chat-service.csv"), encoding: .utf8))
        let header = try #require(csv.first)
        #expect(csv.count == scenarios.count + 1)
        func number(_ object: Any?, _ path: String) -> Double? {
            path.split(separator: ".").reduce(object) { ($0 as? [String: Any])?[String($1)] } as? Double
        }
        // CSV column: (JSON path in the scenario, factor to the CSV's unit).
        let columns: [String: (String, Double)] = [
            "wh_median": ("whPerQuery.median", 1), "wh_mean": ("whPerQuery.mean", 1), "wh_p5": ("whPerQuery.p5", 1),
            "wh_p25": ("whPerQuery.p25", 1), "wh_p75": ("whPerQuery.p75", 1), "wh_p95": ("whPerQuery.p95", 1),
            "gwh_per_day": ("gwhPerDay", 1), "gwh_per_day_low": ("gwhPerDayLow", 1), "gwh_per_day_high": ("gwhPerDayHigh", 1),
            "facility_megawatts": ("facilityMegawatts", 1), "megawatts": ("megawatts", 1), "queries_per_day": ("queriesPerDay", 1),
            "period_days": ("emissions.periodDays", 1), "location_g_per_kwh": ("emissions.locationGramsPerKWh", 1),
            "location_g_per_query": ("emissions.perQuery.locationGrams", 1), "market_g_per_query": ("emissions.perQuery.marketGrams", 1),
            "location_t_per_day": ("emissions.perDay.locationGrams", 1e-6),
            "location_t_per_day_low": ("emissions.locationGramsPerDayLow", 1e-6), "location_t_per_day_high": ("emissions.locationGramsPerDayHigh", 1e-6),
            "market_t_per_day_low": ("emissions.marketGramsPerDayLow", 1e-6), "market_t_per_day_high": ("emissions.marketGramsPerDayHigh", 1e-6),
            "embodied_t_per_day": ("emissions.perDay.embodiedGrams", 1e-6), "location_t_per_period": ("emissions.perPeriod.locationGrams", 1e-6),
            "water_onsite_m3_per_day": ("emissions.perDay.waterOnsiteLitres", 1e-3), "energy_mwh_per_period": ("emissions.perPeriod.energyWh", 1e-6),
        ]
        // Both are written to 6 significant digits: two roundings apart at most.
        let close = { (a: Double, b: Double, rel: Double) in abs(a - b) <= rel * max(abs(a), abs(b)) }
        for row in csv.dropFirst() {
            let name = try #require(header.firstIndex(of: "scenario").map { row[$0] })
            let s = try #require(scenarios.first { $0["name"] as? String == name })
            for (column, (path, factor)) in columns.sorted(by: { $0.key < $1.key }) {
                let i = try #require(header.firstIndex(of: column), "no CSV column \(column)")
                let cell = try #require(Double(row[i]), "\(name) \(column) '\(row[i])' is not a number")
                let expected = try #require(number(s, path), "\(name): no JSON \(path)") * factor
                #expect(close(cell, expected, 1e-5), "\(name) \(column) \(cell) against \(path) × \(factor) = \(expected)")
            }
            let perQuery = try #require(number(s, "emissions.perQuery.locationGrams")), queries = try #require(number(s, "queriesPerDay"))
            let tonnes = try #require(header.firstIndex(of: "location_t_per_day").flatMap { Double(row[$0]) })
            #expect(close(tonnes, perQuery * queries * 1e-6, 2e-5), "\(tonnes) t a day against \(perQuery) g × \(queries) queries")
        }
    }
}
