import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// What a GHG-style report quotes from a fleet: a mix checked against its parts' traffic, the
/// provider's PUE, servers per deployment, host power with its source, and the defaults and
/// boundaries its figures rest on.
@Suite struct FleetAccountingTests {
    /// Two parts of `a` and `b` queries a day and their mix of `mix` at `shares`.
    func mixWorkload(a: Double, b: Double, mix: Double, shares: (Double, Double) = (0.5, 0.5)) -> String {
        let part = { (name: String, q: Double) in
            #"{"name": "\#(name)", "kind": "kernel", "queriesPerDay": \#(q), "deployments": [{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm"}], "classes": [\#(chatClass())]}"#
        }
        return #"{"schemaVersion": 1, "description": "t", "samples": 300, "seed": 7, "scenarios": [\#(part("a", a)), \#(part("b", b)), "#
            + #"{"name": "m", "kind": "mix", "queriesPerDay": \#(mix), "mix": [{"scenario": "a", "share": \#(shares.0)}, {"scenario": "b", "share": \#(shares.1)}]}]}"#
    }

    func trafficNote(_ r: FleetResult) -> String? { r.notes.first { $0.hasPrefix("mix traffic differs from its parts'") } }

    /// A mix whose traffic × share is not its parts' own says so, with both figures and what is
    /// re-scaled: a mix of 100 million over parts of 30 + 20 million had doubled their GWh and
    /// hardware, and a part of no traffic had 60 % of a mix, with nothing said.
    /// A site has one PUE: the day's range with it at the P5 and P95 of its draws is as wide as
    /// the PUE's spread (a 1.05–2.0 PUE had left the day's relative range as a fixed 1.2 left it).
    @Test func aDrawnPUEMovesTheWholeDay() throws {
        func day(_ pue: String) throws -> FleetResult {
            try runWorkload(kernelWorkload(extra: #""boundary": "facility", "pue": \#(pue)"#), samples: 2000)[0]
        }
        let wide = try day(#"{"lognormal": {"p5": 1.05, "p95": 2.0}}"#)
        let site = try #require(wide.gwhPerDaySitePUE)
        #expect(site.factor.low > 1.0 && site.factor.low < 1.1 && site.factor.high > 1.9 && site.factor.high < 2.1, "\(site.factor)")
        #expect(site.gwhPerDay.low < wide.gwhPerDay && wide.gwhPerDay < site.gwhPerDay.high)
        #expect(approx(site.gwhPerDay.high / site.gwhPerDay.low, site.factor.high / site.factor.low, rel: 1e-9))
        #expect(FleetRendering.rangeWords(wide).contains("with the site's PUE at"))
        #expect(try day(#"{"fixed": 1.2}"#).gwhPerDaySitePUE == nil)
    }

    /// One kind of server runs a site: the day with every host at the P5 and the P95 of a drawn
    /// host-power scale moves by the host's share of the day times the scale's ends, where the
    /// per-query draws had left the day's ranges untouched. A fixed scale, or the GPU boundary
    /// (no host in it), has none.
    @Test func aDrawnHostPowerScaleMovesTheWholeDay() throws {
        func day(_ scale: String, boundary: String = "node") throws -> FleetResult {
            try runWorkload(kernelWorkload(extra: #""boundary": "\#(boundary)", "uncertain": {"hostPowerScale": \#(scale)}"#), samples: 2000)[0]
        }
        let wide = try day(#"{"lognormal": {"p5": 0.5, "p95": 2.0}}"#)
        let host = try #require(wide.gwhPerDayHostPower)
        #expect(host.factor.low > 0.45 && host.factor.low < 0.55 && host.factor.high > 1.9 && host.factor.high < 2.1, "\(host.factor)")
        #expect(host.gwhPerDay.low < wide.gwhPerDay && wide.gwhPerDay < host.gwhPerDay.high)
        // At the node boundary the day is (GPU + host × scale) ÷ PSU, a line in the scale: at a
        // scale of 1 it is the day of a fixed scale of 1 (the same lengths, drawn from their own stream).
        let fixed = try day(#"{"fixed": 1}"#)
        #expect(fixed.gwhPerDayHostPower == nil)
        let slope = (host.gwhPerDay.high - host.gwhPerDay.low) / (host.factor.high - host.factor.low)
        #expect(slope > 0 && approx(host.gwhPerDay.low + slope * (1 - host.factor.low), fixed.gwhPerDay, rel: 1e-9))
        #expect(FleetRendering.rangeWords(wide).contains("with the serving hosts' power at × "))
        #expect(try day(#"{"lognormal": {"p5": 0.5, "p95": 2.0}}"#, boundary: "gpu").gwhPerDayHostPower == nil)
    }

    /// A drawn host scale of 0 (the reader takes 0–100) had made the day's host range NaN
    /// (printed null–null): the range re-scaled each draw's host energy by its own scale.
    @Test func aHostScaleThatDrawsZeroStillGivesARange() throws {
        let text = kernelWorkload(extra: #""boundary": "node", "uncertain": {"hostPowerScale": {"trace": {"file": "h.csv", "column": "h"}}}"#)
        let host = try withFiles(["h.csv": "h\n0\n0.9\n1.0\n1.1\n1.3\n"]) { dir in
            try FleetRunner(dataDirectory: dir).run(try readWorkload(text, dataDirectory: dir), samples: 500, seed: nil)[0].gwhPerDayHostPower
        }
        let range = try #require(host)
        #expect(range.gwhPerDay.low.isFinite && range.gwhPerDay.high.isFinite && range.gwhPerDay.low < range.gwhPerDay.high, "\(range)")
    }

    @Test func aMixOfOtherTrafficThanItsPartsSaysSo() throws {
        #expect(trafficNote(try runWorkload(mixWorkload(a: 1e7, b: 1e7, mix: 2e7))[2]) == nil)
        let doubled = try runWorkload(mixWorkload(a: 1e7, b: 1e7, mix: 4e7))[2]
        let note = try #require(trafficNote(doubled), "\(doubled.notes)")
        #expect(note.contains("a 20 million (its own scenario serves 10 million: × 2)") && note.contains("the parts serve 20 million a day in all"), "\(note)")
        #expect(note.contains("fleet size, idle share and embodied carbon are re-scaled to the mix's traffic"), "\(note)")
        let reshared = try #require(trafficNote(try runWorkload(mixWorkload(a: 1e7, b: 1e7, mix: 2e7, shares: (0.6, 0.4)))[2]))
        #expect(reshared.contains("a 12 million (its own scenario serves 10 million: × 1.2), b 8 million"), "\(reshared)")
        let idle = try #require(trafficNote(try runWorkload(mixWorkload(a: 0, b: 1e7, mix: 2e7))[2]))
        #expect(idle.contains("a 10 million (its own scenario serves none)") && idle.contains("a part that serves none has no fleet"), "\(idle)")
        // The report's caveats and its JSON carry it, as every scenario note.
        let report = try WorkloadReport.build(try readWorkload(mixWorkload(a: 1e7, b: 1e7, mix: 4e7)), name: "m", source: "w.json",
                                              runner: FleetRunner(dataDirectory: nil), samples: 300)
        #expect(report.files()[0].text.contains("- " + note))
        #expect(report.files()[3].text.contains("mix traffic differs from its parts'"))
    }

    /// A scenario on a named provider without a pue takes the provider's catalogued PUE (Amazon
    /// 1.14), cited as the provider default; an explicit pue still wins. Amazon's WUE had stood
    /// beside the industry's 1.54, 35 % more facility energy than Amazon's own PUE gives.
    @Test func aProvidersPUEIsTheDefault() throws {
        let amazon = try #require(FacilityCatalog.bundled.provider(named: "amazon")?.pue)
        let text = kernelWorkload(extra: #""emissions": {"region": "aws-us-east-1", "provider": "aws"}"#)
        let s = try readWorkload(text).scenarios[0]
        #expect(s.pue.mean == amazon.value && s.pueIsDefault && s.pueProvider == "amazon")
        let report = try WorkloadReport.build(try readWorkload(text), name: "p", source: "w.json", runner: FleetRunner(dataDirectory: nil), samples: 300)
        #expect(approx(report.scenarios[0].fleet.sitePUE, amazon.value, rel: 1e-6))
        let row = try #require(report.assumptionRows().first { $0[0] == "PUE, scenario s" })
        #expect(row[1] == "1.14" && row[2].hasPrefix("provider default (the file sets none; emissions.provider amazon, 2025): ") && row[2].contains(amazon.source), "\(row)")
        #expect(report.files()[3].text.contains("provider default (the file sets none; emissions.provider amazon"))
        // The workload's provider is the scenario's too; a pue given wins; no provider, the industry default.
        let inherited = try readWorkload(kernelWorkload().replacingOccurrences(of: #""scenarios": ["#, with: #""emissions": {"provider": "google"}, "scenarios": ["#))
        #expect(inherited.scenarios[0].pue.mean == 1.09 && inherited.scenarios[0].pueProvider == "google")
        let given = try readWorkload(kernelWorkload(extra: #""pue": {"fixed": 1.3}, "emissions": {"provider": "amazon"}"#)).scenarios[0]
        #expect(given.pue.mean == 1.3 && !given.pueIsDefault && given.pueProvider == nil)
        let none = try readWorkload(kernelWorkload()).scenarios[0]
        #expect(none.pue.mean == LedgerSettings.defaultPUE && none.pueProvider == nil)
    }

    /// Three classes of one deployment share its servers: three 1-GPU replicas fill one 8-GPU
    /// server, where a server per class had counted three (and their embodied carbon).
    @Test func theClassesOfADeploymentShareItsServers() throws {
        let classes = ["a", "b", "c"].map { #"{"name": "\#($0)", "share": 0.3333333333, "deployment": "d", "input": {"fixed": 1000}, "output": {"fixed": 200}}"# }
        let text = kernelWorkload(classes: classes.joined(separator: ", ")).replacingOccurrences(of: "1e7", with: "1000")
        let report = try WorkloadReport.build(try readWorkload(text), name: "n", source: "w.json", runner: FleetRunner(dataDirectory: nil), samples: 300)
        let f = report.scenarios[0].fleet
        #expect(f.gpus == 3 && f.nodes == 1 && f.servers.count == 1 && f.servers[0].nodes == 1, "\(f.servers)")
        let e = report.scenarios[0].emissions, facilities = FacilityCatalog.bundled
        let gpu = try #require(facilities.gpus.first { $0.id == "h100-sxm" }), node = try #require(facilities.nodes.first { $0.id == "dgx-h100" })
        // The server's footprint by the GPUs' share of it (3 of 8), as its host power is.
        let perDay = (3 * gpu.kgCO2e + 3.0 / 8 * node.kgCO2e) * 1000 / (facilities.gpuLifetimeYears.value * 365)
        #expect(approx(try #require(e.perDay.embodiedGrams), perDay, rel: 1e-9))
        #expect(report.files()[0].text.contains("Fleet: 3 GPUs in 1 node (deployment d: 3 × h100-sxm in 1 × dgx-h100, step budget 8192 tokens, for a 1, b 1, c 1);"))
    }

    /// Host power is about a quarter of a query's energy: the assumptions name the server's host
    /// power and PSU efficiency with the nodes catalog's sources, marked assumed as it says.
    @Test func theAssumptionsNameHostPowerAndItsSource() throws {
        let report = try WorkloadReport.build(try readWorkload(kernelWorkload()), name: "h", source: "w.json", runner: FleetRunner(dataDirectory: nil), samples: 300)
        let rows = report.assumptionRows()
        let host = try #require(rows.first { $0[0] == "host power (non-GPU), node dgx-h100" }, "\(rows.map { $0[0] })")
        #expect(host[1] == "2000 W under load, 1050 W idle per server of 8 GPUs (250 W and 131 W per GPU); assumed, not measured", "\(host[1])")
        #expect(host[2].hasPrefix("nodes catalog") && host[2].contains("component sum"), "\(host[2])")
        let psu = try #require(rows.first { $0[0] == "power-supply efficiency, node dgx-h100" })
        #expect(psu[1] == "95 %; assumed, not measured" && psu[2].contains("Titanium"), "\(psu)")
        let json = report.files()[3].text
        #expect(json.contains("\"assumptions\"") && json.contains("host power (non-GPU), node dgx-h100"))
    }

    /// A workload that names no region binds its price to none: a scenario on a region had been
    /// told it differs from the workload's "world", a default the file never chose. Named, the
    /// note stands.
    @Test func aPriceWithoutARegionIsNotSaidToDiffer() throws {
        let scenario = kernelWorkload(extra: #""emissions": {"region": "aws-us-east-1"}"#)
        let priced = try readWorkload(scenario.replacingOccurrences(of: #""scenarios": ["#, with: #""emissions": {"pricePerKWh": 0.09}, "scenarios": ["#))
        #expect(priced.scenarios[0].emissions?.notes.isEmpty == true, "\(priced.scenarios[0].emissions?.notes ?? [])")
        let regional = try readWorkload(scenario.replacingOccurrences(of: #""scenarios": ["#, with: #""emissions": {"region": "de", "pricePerKWh": 0.09}, "scenarios": ["#))
        #expect(regional.scenarios[0].emissions?.notes.contains { $0.contains("differs from the workload's (de)") && $0.contains("`pricePerKWh`") } == true)
    }

    /// The idle capacity's day names its boundary: the figure is at the IT boundary, and a
    /// facility-boundary scenario gives it with the overhead too.
    @Test func theIdleDayNamesItsBoundary() throws {
        let r = try runWorkload(kernelWorkload(extra: #""pue": {"fixed": 1.5}"#), samples: 300)[0]
        #expect(approx(r.idleFacilityGWhPerDay, r.idleGWhPerDay * 1.5, rel: 1e-9) && r.idleGWhPerDay > 0)
        let words = FleetRendering.idleWords(r, unit: "GWh/day")
        #expect(words.hasSuffix(" GWh/day at the IT boundary, \(formatNumber(r.idleFacilityGWhPerDay, significant: 3)) GWh/day at the facility"), "\(words)")
        let node = try runWorkload(kernelWorkload(extra: #""boundary": "node""#), samples: 300)[0]
        #expect(FleetRendering.idleWords(node, unit: "GWh/day").hasSuffix("at the IT boundary, outside this scenario's node boundary"))
        #expect(FleetRendering.text(try readWorkload(kernelWorkload()), [r]).contains("GWh/day at the IT boundary"))
    }

    /// A scenario without queriesPerDay runs at 1e9, said in a note and in the assumptions as a
    /// default, as the PUE's is; one that gives it has no note, and its row cites the workload.
    @Test func theDefaultTrafficIsListed() throws {
        let text = kernelWorkload().replacingOccurrences(of: #", "queriesPerDay": 1e7"#, with: "")
        let w = try readWorkload(text)
        #expect(w.scenarios[0].queriesPerDayIsDefault && w.scenarios[0].queriesPerDay == 1e9)
        let report = try WorkloadReport.build(w, name: "q", source: "w.json", runner: FleetRunner(dataDirectory: nil), samples: 300)
        #expect(report.scenarios[0].fleet.notes.contains { $0.hasPrefix("the file sets no queriesPerDay: the default of 1 billion queries a day applies") })
        #expect(report.assumptionRows().contains { $0[0] == "queries a day, scenario s" && $0[2].hasPrefix("default (the file sets no queriesPerDay)") })
        let given = try WorkloadReport.build(try readWorkload(kernelWorkload()), name: "q", source: "w.json", runner: FleetRunner(dataDirectory: nil), samples: 300)
        #expect(given.assumptionRows().contains { $0 == ["queries a day, scenario s", "10000000", "workload file w.json"] })
        #expect(!given.scenarios[0].fleet.notes.contains { $0.contains("queriesPerDay") })
    }

    /// A share of queries above none never prints as "0.0 %": 4 of 10,000 draws over the KV
    /// cache had read so.
    @Test func aSmallShareOfQueriesIsNotPrintedAsNone() {
        #expect(ClassResult.shareWords(0.0004) == "0.04 %")
        #expect(ClassResult.shareWords(0.000012) == "0.0012 %")
        #expect(ClassResult.shareWords(0.0005) == "0.1 %" && ClassResult.shareWords(0.25) == "25.0 %" && ClassResult.shareWords(0) == "0.0 %")
    }
}
