import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// The report's cost in the units a FinOps reader compares by, as a probe on 2026-12-07 found
/// missing: per query in the CSV (only the JSON had it), the day's low–high beside
/// `gwh_per_day_low/high`, per million output tokens, and each lever's change in money.
@Suite struct CostReportTests {
    /// A kernel workload of one class of 1000 + `output` tokens with an fp8 lever, its emissions
    /// `emissions` (JSON text).
    func report(_ emissions: String, output: Int = 200) throws -> WorkloadReport {
        let text = kernelWorkload(classes: chatClass(output: #"{"fixed": \#(output)}"#), extra: #""levers": [{"name": "fp8", "precision": "fp8"}]"#)
            .replacingOccurrences(of: #""scenarios": ["#, with: #""emissions": \#(emissions), "scenarios": ["#)
        return try WorkloadReport.build(try readWorkload(text), name: "c", source: "w.json", runner: FleetRunner(dataDirectory: nil), samples: 300)
    }

    func csvCells(_ r: WorkloadReport) throws -> [String: String] {
        let csv = try CSVTable.parse(r.files()[2].text, file: "c.csv")
        return Dictionary(uniqueKeysWithValues: zip(csv.header, csv.rows[0].fields))
    }

    func jsonEmissions(_ r: WorkloadReport) throws -> [String: JSONValue] {
        let json = try JSONParser.parse(Data(r.files()[3].text.utf8), file: "c.json")
        guard case let .object(top) = json, case let .array(scenarios)? = top.first(where: { $0.0 == "scenarios" })?.1,
              case let .object(first) = scenarios[0], case let .object(em)? = first.first(where: { $0.0 == "emissions" })?.1
        else { Issue.record("no scenarios[0].emissions"); return [:] }
        return Dictionary(uniqueKeysWithValues: em.map { ($0.0, $0.1) })
    }

    /// The new columns come last (existing names and order are a contract) and carry the cost
    /// per mean query, the day's at the ends of its energy band, and per million output tokens:
    /// the mean query's cost over the class's fixed 200 output tokens.
    @Test func theCSVHasCostPerQueryPerDayRangeAndPerMillionTokens() throws {
        let names = ["cost_per_query", "cost_per_day_low", "cost_per_day_high", "cost_per_million_output_tokens"]
        // Followed by the factors' years, appended after them.
        let start = try #require(WorkloadReport.csvHeader.firstIndex(of: names[0]))
        #expect(Array(WorkloadReport.csvHeader[start..<(start + 4)]) == names)
        #expect(WorkloadReport.csvHeader.firstIndex(of: "cost_per_period_high").map { $0 < start } == true)
        let r = try report(#"{"region": "de", "pricePerKWh": 0.2, "currency": "EUR"}"#)
        let s = r.scenarios[0], e = s.emissions, cells = try csvCells(r)
        let perQuery = try #require(e.perQuery.cost), perDay = try #require(e.perDay.cost), band = try #require(s.fleet.gwhPerDayRange)
        #expect(approx(try #require(Double(cells["cost_per_query"] ?? "")), perQuery, rel: 1e-5))
        #expect(approx(try #require(Double(cells["cost_per_day_low"] ?? "")), perDay * band.low / s.fleet.gwhPerDay, rel: 1e-5))
        #expect(approx(try #require(Double(cells["cost_per_day_high"] ?? "")), perDay * band.high / s.fleet.gwhPerDay, rel: 1e-5))
        #expect(approx(try #require(Double(cells["cost_per_million_output_tokens"] ?? "")), perQuery / 200 * 1e6, rel: 1e-5))
        // The day's cost is its energy at the price: its ends are the GWh ends at 0.2 per kWh.
        #expect(approx(try #require(Double(cells["cost_per_day_high"] ?? "")), band.high * 1e6 * 0.2, rel: 1e-5))
        let json = try jsonEmissions(r)
        guard case let .number(million)? = json["costPerMillionOutputTokens"], case let .number(tokens)? = json["outputTokensPerQuery"],
              case let .number(low)? = json["costPerDayLow"] else { Issue.record("no cost keys: \(json.keys.sorted())"); return }
        #expect(approx(million, perQuery / 200 * 1e6, rel: 1e-5) && approx(tokens, 200, rel: 1e-5) && approx(low, perDay * band.low / s.fleet.gwhPerDay, rel: 1e-5))
        let md = ReportDocument.markdown(r.section(s, charts: false))
        #expect(md.contains("Electricity cost per million output tokens: \(ReportUnits.money(perQuery / 200 * 1e6, "EUR"))"), "\(md)")
    }

    /// More output tokens for the same query spread its cost: per million tokens falls as the
    /// answer lengthens, while per query it rises.
    @Test func perMillionTokensFollowsTheTokens() throws {
        let short = try report(#"{"pricePerKWh": 0.1}"#, output: 100).scenarios[0].emissions
        let long = try report(#"{"pricePerKWh": 0.1}"#, output: 1000).scenarios[0].emissions
        #expect(try #require(long.perQuery.cost) > (try #require(short.perQuery.cost)))
        #expect(try #require(long.costPerMillionOutputTokens) < (try #require(short.costPerMillionOutputTokens)))
    }

    /// Without a price every cost cell is empty and every cost key null; the tokens stay.
    @Test func withoutAPriceTheCostCellsAreEmpty() throws {
        let r = try report(#"{"region": "de"}"#)
        let cells = try csvCells(r)
        for name in ["cost_per_query", "cost_per_day_low", "cost_per_day_high", "cost_per_million_output_tokens"] { #expect(cells[name] == "", "\(name)") }
        let json = try jsonEmissions(r)
        #expect(json["costPerMillionOutputTokens"] == .null && json["costPerDayHigh"] == .null)
        if case let .number(t)? = json["outputTokensPerQuery"] { #expect(approx(t, 200)) } else { Issue.record("outputTokensPerQuery") }
        let md = ReportDocument.markdown(r.section(r.scenarios[0], charts: false))
        #expect(!md.contains("cost/day change") && !md.contains("per million output tokens"))
    }

    /// The lever table gives each lever's change of the day's cost in money where there is a
    /// price: its saving × the day's cost, negative where it saves.
    @Test func aLeverSaysWhatItChangesTheCostBy() throws {
        let r = try report(#"{"pricePerKWh": 0.15, "currency": "EUR"}"#)
        let s = r.scenarios[0], lever = try #require(s.fleet.levers.first), day = try #require(s.emissions.perDay.cost)
        let md = ReportDocument.markdown(r.section(s, charts: false))
        #expect(md.contains("| cost/day change |"), "\(md)")
        let cell = WorkloadReport.signedMoney(-lever.saving * day, "EUR")
        #expect(md.contains("| \(cell) |") && cell.hasSuffix(" EUR"), "\(cell)\n\(md)")
        #expect(lever.saving > 0 ? cell.hasPrefix("-") : !cell.hasPrefix("-"))
    }

    /// A mix's tokens are its parts' by share, so its cost per million tokens is its mean
    /// query's cost over them.
    @Test func aMixHasTokensFromItsParts() throws {
        let part = #"{"name": "b", "kind": "kernel", "queriesPerDay": 1e7, "#
            + #""deployments": [{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm"}], "classes": [\#(chatClass(output: #"{"fixed": 600}"#))]}"#
        let mix = #"{"name": "m", "kind": "mix", "queriesPerDay": 2e7, "mix": [{"scenario": "a", "share": 0.25}, {"scenario": "b", "share": 0.75}]}"#
        let text = kernelWorkload(scenarioName: "a", more: part + ", " + mix)
            .replacingOccurrences(of: #""scenarios": ["#, with: #""emissions": {"pricePerKWh": 0.1}, "scenarios": ["#)
        let r = try WorkloadReport.build(try readWorkload(text), name: "m", source: "w.json", runner: FleetRunner(dataDirectory: nil), samples: 200)
        let m = r.scenarios[2].emissions
        #expect(approx(try #require(m.outputTokensPerQuery), 0.25 * 200 + 0.75 * 600))
        #expect(approx(try #require(m.costPerMillionOutputTokens), try #require(m.perQuery.cost) / (0.25 * 200 + 0.75 * 600) * 1e6))
    }
}
