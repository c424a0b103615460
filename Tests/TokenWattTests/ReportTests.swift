import Foundation
import KernelPower
import Testing
@testable import TokenWatt

@Suite struct ReportTests {
    func tinyReport() throws -> WorkloadReport {
        let text = kernelWorkload(classes: chatClass(output: #"{"exponential": {"median": 300}}"#),
                                  extra: #""levers": [{"name": "fp8", "precision": "fp8"}, {"name": "batch 16", "maxBatch": 16}]"#,
                                  more: #"{"name": "reasoning", "kind": "kernel", "sameDrawsAs": "s", "deployments": [{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm"}], "classes": [\#(chatClass(strategy: #"{"kind": "long-reasoning", "factor": 10}"#))]}"#)
        return try WorkloadReport.build(try readWorkload(text), name: "tiny", source: "w.json", runner: FleetRunner(dataDirectory: nil),
                                        accountant: TestCatalogs.accountant)
    }

    @Test func writesFourFormatsWithoutNaNs() throws {
        let files = try tinyReport().files()
        #expect(files.map(\.ext) == ["md", "html", "csv", "json"])
        for (ext, text) in files {
            #expect(!text.contains("NaN") && !text.contains("nan,") && !text.contains("inf"), "\(ext)")
        }
        let md = files[0].text
        for phrase in ["## Boundary", "carbon, location-based", "carbon, market-based", "water, on-site", "embodied carbon", "## Test-time compute",
                       "## Assumptions and sources", "test gpu", "test node", "Levers, each applied alone"] {
            #expect(md.contains(phrase), "\(phrase)")
        }
    }

    /// Every chart in the HTML draws marks; the page needs nothing from the network.
    @Test func htmlChartsAllHaveMarksAndNoExternalResources() throws {
        let html = try tinyReport().files()[1].text
        let charts = html.components(separatedBy: "<svg ").dropFirst()
        #expect(charts.count >= 6)  // comparison, distribution, ledger, power, carbon, levers
        for c in charts { #expect(c.contains("class=\"mark\""), "a chart without marks: \(c.prefix(200))") }
        // Sources may cite URLs in the text; nothing may be fetched from one.
        for fetch in ["src=\"http", "href=\"http", "url(http", "url('http", "url(\"http", "@import", "<script src", "<link"] {
            #expect(!html.contains(fetch), "the page loads \(fetch)…")
        }
    }

    @Test func csvHasTheContractColumns() throws {
        let csv = try tinyReport().files()[2].text
        let table = try CSVTable.parse(csv, file: "tiny.csv")
        #expect(table.header == WorkloadReport.csvHeader)
        #expect(table.rows.count == 2)
        #expect(table.header.contains("location_g_per_query") && table.header.contains("market_g_per_query"))
    }

    /// The day's carbon range is its energy range at the same load-weighted intensities, and it
    /// brackets the day's carbon; the CSV carries both in tonnes.
    @Test func dayCarbonRangeFollowsTheBounds() throws {
        let r = try tinyReport()
        let s = try #require(r.scenarios.first)
        let g = try #require(s.fleet.gwhPerDayRange), c = try #require(s.dayCarbonRange)
        let day = s.emissions.perDay
        #expect(approx(c.location.low / day.locationGrams, g.low / s.fleet.gwhPerDay, rel: 1e-12))
        #expect(approx(c.market.high / day.marketGrams, g.high / s.fleet.gwhPerDay, rel: 1e-12))
        #expect(c.location.low < day.locationGrams && day.locationGrams < c.location.high)
        let files = r.files()
        #expect(files[0].text.contains("With the GPU energy at the two ends of the estimator's measured error band, a day emits"))
        let table = try CSVTable.parse(files[2].text, file: "tiny.csv")
        let low = try #require(table.header.firstIndex(of: "location_t_per_day_low"))
        #expect(approx(try #require(Double(table.rows[0].fields[low])), c.location.low / 1e6, rel: 1e-5))
    }

    @Test func sameInputsSameBytes() throws {
        let a = try tinyReport().files(), b = try tinyReport().files()
        #expect(a.map(\.text) == b.map(\.text))
    }

    /// `Reports/` holds the report of every bundled workload, exactly as `report --all` writes it.
    @Test(.enabled(if: sharedData != nil)) func committedReportsAreCurrent() throws {
        let dir = packageRoot.appendingPathComponent("Workloads")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".json") }.sorted()
        let runner = FleetRunner(dataDirectory: sharedData)
        for file in names {
            let name = String(file.dropLast(5))
            let w = try WorkloadReader.read(path: dir.appendingPathComponent(file).path, dataDirectory: sharedData)
            let report = try WorkloadReport.build(w, name: name, source: "Workloads/\(file)", runner: runner)
            for (ext, text) in report.files() {
                let committed = try? String(contentsOf: packageRoot.appendingPathComponent("Reports/\(name).\(ext)"), encoding: .utf8)
                let current = committed == text  // compared first so a failure prints the message, not both files
                #expect(current, "Reports/\(name).\(ext) is stale or missing: run `swift run -c release tokenwatt report --all`")
            }
        }
    }
}
