import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// The report's line charts against what they are drawn from.
extension ReportTests {
    /// Every scenario is a line in each line chart and an entry in its legend: the charts had
    /// drawn the first 8 (one palette's worth) and dropped the rest with nothing said
    /// (gpu-generations' mi355x and rtx-pro-6000-server).
    @Test func lineChartsDrawEveryScenario() throws {
        let names = (0..<10).map { "s\($0)" }
        let scenarios = names.map { scenario($0, namedClass("chat", input: 1000 + 100 * Int($0.dropFirst())!)) }
        let text = #"{"schemaVersion": 1, "description": "test", "samples": 100, "seed": 7, "scenarios": [\#(scenarios.joined(separator: ", "))]}"#
        let html = try WorkloadReport.build(try readWorkload(text), name: "t", source: "w.json", runner: FleetRunner(dataDirectory: nil),
                                            accountant: TestCatalogs.accountant).files()[1].text
        let charts = html.components(separatedBy: "<svg ").dropFirst()
        for title in ["Distribution of Wh per query", "Facility power by hour of day", "Emissions by hour of day (location-based)"] {
            let chart = try #require(charts.first { $0.contains("<title>\(title)</title>") }, "\(title)")
            let drawn = chart.matches(of: /class="series" data-name="([^"]*)"/).map { String($0.1) }
            #expect(drawn == names, "\(title): \(drawn)")
            let legend = try #require(chart.components(separatedBy: "<g class=\"legend\">").last)
            for n in names { #expect(legend.contains(">\(n)</text>"), "\(title): \(n) is not in the legend") }
        }
    }

    /// Each series has its own colour and dash (and marker), well past one palette's 8 colours.
    @Test func seriesLooksAreDistinct() {
        let looks = (0..<48).map { SVGChart.look($0) }
        #expect(Set(looks.map { "\($0.color)|\($0.dash)" }).count == 48)
        #expect(Set(looks.map { "\($0.color)|\($0.shape)" }).count == 48)
        // The first series keep the looks they had, so a chart of a few is drawn as before.
        #expect((0..<24).allSatisfy { SVGChart.look($0).dash == SVGChart.dashes[$0 % 6] && SVGChart.look($0).color == SVGChart.colors[$0 % 8] })
    }
}
