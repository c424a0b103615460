import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// The report's class table gives each class's own ITL and TTFT where `fleet --format markdown`
/// does: it had printed the scenario's mean alone (chat-service: 142 ms, where its code class ran
/// at 486 ms).
@Suite struct ReportClassLatencyTests {
    @Test func theClassTableGivesEachClassesLatency() throws {
        let report = try WorkloadReport.build(try readWorkload(RoutedFleetTests.workload()), name: "p", source: "w.json",
                                              runner: FleetRunner(dataDirectory: nil), samples: 200)
        let md = try #require(report.files().first { $0.ext == "md" }).text
        let header = try #require(md.split(separator: "\n").first { $0.hasPrefix("| class | strategy |") })
        #expect(header.hasSuffix("| batch | ITL ms | TTFT ms |"), "\(header)")
        let fleet = report.scenarios[0].fleet
        for c in fleet.classes where c.draws > 0 {
            let row = try #require(md.split(separator: "\n").first { $0.hasPrefix("| \(c.name) |") })
            let itl = try #require(c.interTokenLatencyMs)
            #expect(row.contains("| \(formatNumber(itl, significant: 3)) |"), "\(row)")
        }
    }

    @Test func oneClassKeepsTheTableAsItWas() throws {
        let report = try WorkloadReport.build(try readWorkload(kernelWorkload()), name: "p", source: "w.json",
                                              runner: FleetRunner(dataDirectory: nil), samples: 200)
        let md = try #require(report.files().first { $0.ext == "md" }).text
        #expect(md.contains("| class | strategy | share | median Wh | mean Wh | output tokens | batch |\n"), "\(md.prefix(2000))")
    }
}
