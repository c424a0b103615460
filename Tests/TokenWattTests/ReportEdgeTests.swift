import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// Edge cases of the report's wording: tails a chart leaves out, a day of no queries, names
/// that hold Markdown's own characters.
extension ReportTests {
    /// The distribution chart's bins span the pooled P0.5–P99.5, so each scenario's tails are
    /// not drawn; its axis title says so and by how much (the curves had summed to 96.5 % of a
    /// scenario's queries under "share of queries per bin" with nothing said).
    @Test func theDistributionChartSaysWhatItLeavesOut() throws {
        let long = namedClass("chat").replacingOccurrences(of: #""output": {"fixed": 200}"#, with: #""output": {"exponential": {"median": 300}}"#)
        let r = try report(scenario("a", long), scenario("b", long.replacingOccurrences(of: "300", with: "3000")))
        let chart = r.distributionChart()
        let shown = chart.matches(of: /class="series" data-name="[^"]*"><path class="mark" d="([^"]*)"/).count
        #expect(shown == 2)
        let title = try #require(chart.firstMatch(of: /queries beyond all scenarios' P0.5–P99.5 not drawn \(up to ([0-9.]+) % of a scenario\)/), "\(chart.prefix(3000))")
        let leftOut = try #require(Double(title.1))
        #expect(leftOut > 0 && leftOut < 5, "\(leftOut)")
    }

    /// A day of no queries: the CSV says the embodied figure is not counted per query, as the
    /// Markdown does, and its day's carbon range is 0–0 beside its GWh range of 0–0 (both cells
    /// had been empty).
    @Test func aDayOfNoQueriesIsMarkedInTheCSV() throws {
        let none = scenario("none", namedClass("chat")).replacingOccurrences(of: #""queriesPerDay": 1e7"#, with: #""queriesPerDay": 0"#)
        let r = try report(none)
        let csv = try CSVTable.parse(r.files()[2].text, file: "t.csv")
        func cell(_ name: String) throws -> String { csv.rows[0].fields[try #require(csv.header.firstIndex(of: name))] }
        #expect(try cell("embodied_g_per_query") == "")
        #expect(try cell("embodied_not_counted") == "no queries a day: no per-query figure")
        #expect(try cell("gwh_per_day_low") == "0" && cell("location_t_per_day_low") == "0" && cell("market_t_per_day_high") == "0")
        #expect(r.files()[0].text.contains("| embodied carbon (amortised) | not counted |"))
    }

    /// A backtick in a scenario's name had closed its heading's code span early (`` ## Scenario
    /// `a `c` d` `` rendered "a " as code and the rest as text); the span's fence is now longer
    /// than any run inside it, in Markdown and HTML alike.
    @Test func aBacktickInANameKeepsItsCodeSpan() throws {
        let r = try report(scenario("a `c` d", namedClass("chat")))
        let files = r.files()
        #expect(files[0].text.contains("## Scenario `` a `c` d ``"), "\(files[0].text.prefix(2000))")
        #expect(files[1].text.contains("<h2>Scenario <code>a `c` d</code></h2>"))
        #expect(ReportDocument.code("plain") == "`plain`" && ReportDocument.code("x``y") == "``` x``y ```")
        #expect(ReportDocument.inline("`a` and `b`") == "<code>a</code> and <code>b</code>")
        #expect(ReportDocument.inline("a lone ` stays") == "a lone ` stays")
    }
}
