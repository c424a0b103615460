import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// A mix's carbon, water and cost are its parts' own: it has no grid, contracts, water or price
/// of its own, only the energy each part adds to it.
@Suite struct MixEmissionsTests {
    /// Two parts of one fleet with their own `emissions` objects (`a`, `b`: JSON text, or "" for
    /// none) and their 50/50 mix of twice the traffic (with `mix` as its own), on a workload in
    /// Germany.
    func report(_ a: String, _ b: String, mix: String = "") throws -> WorkloadReport {
        func own(_ e: String) -> String { e.isEmpty ? "" : #", "emissions": \#(e)"# }
        let part = #"{"name": "b", "kind": "kernel", "queriesPerDay": 1e7\#(own(b)), "#
            + #""deployments": [{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm"}], "classes": [\#(chatClass())]}"#
        let m = #"{"name": "m", "kind": "mix", "queriesPerDay": 2e7\#(own(mix)), "mix": [{"scenario": "a", "share": 0.5}, {"scenario": "b", "share": 0.5}]}"#
        let text = kernelWorkload(extra: String(own(a).dropFirst(2)), scenarioName: "a", more: part + ", " + m)
            .replacingOccurrences(of: #""scenarios": ["#, with: #""emissions": {"region": "de"}, "scenarios": ["#)
        return try WorkloadReport.build(try readWorkload(text), name: "m", source: "w.json", runner: FleetRunner(dataDirectory: nil), samples: 200)
    }

    /// Each part at its own factors on the energy it adds: a 50/50 mix of a French and a Polish
    /// fleet had been charged the workload's German factors (market-based 74 % high, off-site
    /// water 37 % low) with nothing said. Its region is `mixed`, and a note names each part's.
    @Test func aMixIsChargedItsPartsOwnFactors() throws {
        let r = try report(#"{"region": "fr"}"#, #"{"region": "pl"}"#)
        let (fr, pl, m) = (r.scenarios[0].emissions, r.scenarios[1].emissions, r.scenarios[2].emissions)
        for figure in [\Impact.locationGrams, \.marketGrams, \.waterOnsiteLitres, \.waterOffsiteLitres] {
            #expect(approx(m.perQuery[keyPath: figure], (fr.perQuery[keyPath: figure] + pl.perQuery[keyPath: figure]) / 2), "\(figure)")
            // Each part's half of the mix's 2e7 queries is its own day.
            #expect(approx(m.perDay[keyPath: figure], fr.perDay[keyPath: figure] + pl.perDay[keyPath: figure]), "\(figure)")
        }
        #expect(approx(m.marketGramsPerKWh, (fr.marketGramsPerKWh + pl.marketGramsPerKWh) / 2))
        #expect(m.regionID == "mixed" && m.mixGrids.map(\.regionID) == ["fr", "pl"])
        #expect(m.notes.contains { $0.contains("50 % a on France, `fr`") && $0.contains("50 % b on Poland, `pl`") }, "\(m.notes)")
        // Half its queries are French, half Polish: its P5 query is a French one, its P95 a Polish one.
        #expect(approx(m.p5QueryLocationGrams, fr.medianQueryLocationGrams) && approx(m.p95QueryLocationGrams, pl.medianQueryLocationGrams))
        #expect(approx(m.hourlyKilograms.reduce(0, +) * 1000, m.perDay.locationGrams))
        let c = try #require(m.dayCarbonRange), cf = try #require(fr.dayCarbonRange), cp = try #require(pl.dayCarbonRange)
        #expect(approx(c.market.low, cf.market.low + cp.market.low) && approx(c.location.high, cf.location.high + cp.location.high))
        let files = r.files()
        #expect(files[0].text.contains("on its parts' grids (a: France, `fr`; b: Poland, `pl`;"))
        let csv = try CSVTable.parse(files[2].text, file: "m.csv")
        #expect(csv.rows[2].fields[try #require(csv.header.firstIndex(of: "grid_region"))] == "mixed")
    }

    /// A mix of unequal parts weighs each part's figures by its share: 90 % of its queries on an
    /// 8B model on one H100 in France, 10 % on a 70B model over four in Poland. The mixes the other
    /// tests build (here, EmissionsTests, CurrencyTests) have parts of one energy, which cannot
    /// tell a share-weighted blend from an unweighted one or from either part's figures.
    @Test func aMixOfUnequalPartsWeighsThemByShare() throws {
        let big = #"{"name": "b", "kind": "kernel", "queriesPerDay": 1e6, "emissions": {"region": "pl"}, "deployments": "#
            + #"[{"name": "d", "model": "meta-llama/Llama-3.1-70B-Instruct", "gpu": "h100-sxm", "gpus": 4}], "classes": [\#(chatClass())]}"#
        let m = #"{"name": "m", "kind": "mix", "queriesPerDay": 1e7, "mix": [{"scenario": "a", "share": 0.9}, {"scenario": "b", "share": 0.1}]}"#
        let text = kernelWorkload(extra: #""emissions": {"region": "fr"}"#, scenarioName: "a", more: big + ", " + m)
        let r = try WorkloadReport.build(try readWorkload(text), name: "m", source: "w.json", runner: FleetRunner(dataDirectory: nil), samples: 200)
        let (a, b, mix) = (r.scenarios[0].emissions.perQuery, r.scenarios[1].emissions.perQuery, r.scenarios[2].emissions.perQuery)
        // The parts differ in energy and in grams per kWh, so no unweighted blend passes.
        #expect(b.energyWh > 3 * a.energyWh && b.locationGrams / b.energyWh > 5 * a.locationGrams / a.energyWh, "\(a) \(b)")
        for figure in [\Impact.energyWh, \.locationGrams, \.marketGrams, \.waterOnsiteLitres, \.waterOffsiteLitres] {
            let blend = 0.9 * a[keyPath: figure] + 0.1 * b[keyPath: figure]
            #expect(approx(mix[keyPath: figure], blend, rel: 1e-9), "\(figure): \(mix[keyPath: figure]) against \(blend)")
        }
        let embodied = 0.9 * (try #require(a.embodiedGrams)) + 0.1 * (try #require(b.embodiedGrams))
        #expect(approx(try #require(mix.embodiedGrams), embodied, rel: 1e-9), "\(mix.embodiedGrams ?? 0) against \(embodied)")
    }

    /// A mix of two identical parts is each part: with a PPA at 0 g, Google's WUE and a price on
    /// both, the mix had read Germany's residual mix (0.0213 g market-based for 0), the catalog's
    /// default WUE and no cost at all. A part without a price leaves the mix without a cost.
    @Test func aMixOfIdenticalPartsIsEachPart() throws {
        let own = #"{"contractualShare": 1, "contractualGramsPerKWh": 0, "provider": "google", "pricePerKWh": 0.1}"#
        let r = try report(own, own)
        let (p, m) = (r.scenarios[0].emissions, r.scenarios[2].emissions)
        for figure in [\Impact.energyWh, \.locationGrams, \.waterOnsiteLitres, \.waterOffsiteLitres] {
            #expect(approx(m.perQuery[keyPath: figure], p.perQuery[keyPath: figure]), "\(figure)")
        }
        #expect(m.perQuery.marketGrams == 0 && m.marketGramsPerKWh == 0)
        #expect(approx(try #require(m.perQuery.cost), try #require(p.perQuery.cost)) && m.currency == "USD")
        #expect(approx(try #require(m.perQuery.embodiedGrams), try #require(p.perQuery.embodiedGrams)))
        #expect(m.regionID == "de" && approx(m.locationGramsPerKWh, p.locationGramsPerKWh))
        #expect(m.locationBasis == p.locationBasis && m.marketBasis == p.marketBasis)
        #expect(!m.notes.contains { $0.hasPrefix("carbon, water and cost: each part's") }, "\(m.notes)")
        let half = try report(own, #"{"provider": "google"}"#).scenarios[2].emissions
        #expect(half.perQuery.cost == nil && half.notes.contains { $0.hasPrefix("no electricity cost: part b of this mix has no price") }, "\(half.notes)")
    }

    /// A key the mix's own `emissions` object sets must be what every part has: its figures are
    /// theirs, and a region set on the mix alone had been used in their place. The period is
    /// the mix's own.
    @Test func aMixsOwnSettingMustBeItsParts() throws {
        let message: String
        do {
            _ = try report(#"{"region": "fr"}"#, #"{"region": "fr"}"#, mix: #"{"region": "pl"}"#)
            message = ""
        } catch {
            message = "\(error)"
        }
        #expect(message.contains("w.json: field 'scenarios[2].emissions.region' has value pl; expected fr, as its part a has it"), "\(message)")
        let r = try report(#"{"region": "fr"}"#, #"{"region": "fr"}"#, mix: #"{"region": "fr", "reportingPeriodDays": 30}"#)
        #expect(r.scenarios[2].emissions.regionID == "fr" && r.scenarios[2].emissions.periodDays == 30)
    }
}
