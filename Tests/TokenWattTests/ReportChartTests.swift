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

/// The test-time table's caveats for fleet settings that move one side only.
extension ReportTests {
    /// A reasoning scenario with another headroom, diurnal profile or GPU-energy scale than its
    /// baseline had its multiple printed as like for like (10.7, 10.0 and 18 × where like for like
    /// is 11.4); each is now marked and the list says which setting differs.
    @Test func testTimeMarksOtherFleetSettings() throws {
        let lr = #"{"kind": "long-reasoning", "factor": 4}"#
        func same(_ s: String, _ from: String, _ to: String) -> String {
            s.replacingOccurrences(of: #""kind": "kernel","#, with: #""kind": "kernel", "sameDrawsAs": "single","#)
                .replacingOccurrences(of: from, with: to)
        }
        let q = #""queriesPerDay": 1e7"#
        let r = try report(scenario("single", namedClass("chat")),
                           same(scenario("alike", namedClass("chat", strategy: lr)), q, q),
                           same(scenario("headroom", namedClass("chat", strategy: lr)), q, q + #", "headroom": 0"#),
                           same(scenario("peaked", namedClass("chat", strategy: lr)), q, q + #", "diurnal": [3, \#(Array(repeating: "1", count: 23).joined(separator: ", "))]"#),
                           same(scenario("scaled", namedClass("chat", strategy: lr)), q, q + #", "uncertain": {"gpuEnergyScale": {"fixed": 2}}"#),
                           same(scenario("gpu-headroom", boundary: "gpu", namedClass("chat", strategy: lr)), q, q + #", "headroom": 0"#))
        let md = r.files()[0].text
        let rows = md.split(separator: "\n").map(String.init)
        func row(_ name: String) -> String { rows.first { $0.hasPrefix("| \(name) | chat |") } ?? "" }
        #expect(row("alike").hasSuffix(" |  |"), "\(row("alike"))")
        #expect(row("headroom").hasSuffix("| other headroom |"), "\(row("headroom"))")
        #expect(row("peaked").hasSuffix("| other diurnal |"), "\(row("peaked"))")
        #expect(row("scaled").hasSuffix("| other gpuEnergyScale |"), "\(row("scaled"))")
        #expect(md.contains("- `headroom` class `chat`: another headroom than `single`'s: 0 % against "), "\(md)")
        #expect(md.contains("- `peaked` class `chat`: another diurnal profile than `single`'s: its busiest hour has 11.5 % of the day's queries against 4.2 %"))
        #expect(md.contains("- `scaled` class `chat`: another uncertain.gpuEnergyScale than `single`'s: 2 against "))
        // Below the `it` boundary no idle capacity is counted: the headroom moves nothing there
        // (its multiple is not comparable anyway, the base being at `facility`).
        #expect(!md.contains("- `gpu-headroom` class `chat`: another headroom"))
    }
}
