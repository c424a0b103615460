import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// What a GHG-Protocol / CSRD disclosure needs of the emissions catalogs, probed on 2026-12-07:
/// each WUE's basis (withdrawal or consumption) and a report that does not add one to the other,
/// a cloud region that brings its operator's PUE and WUE, a year (or why none) on every factor,
/// and an unknown region that suggests the cloud regions of the city it names.
@Suite struct EmissionsCatalogBasisTests {
    /// Every bundled WUE says whether it counts water withdrawn or consumed, as its own source
    /// text does, and `facilities` shows it: all had read "on-site, per IT kWh".
    @Test func everyWUEStatesTheBasisItsSourceGives() throws {
        let f = FacilityCatalog.bundled
        for (id, w) in f.providers.compactMap({ p in p.wue.map { (p.id, $0) } }) + [("default", f.defaultWUE)] {
            let basis = try #require(w.basis, "\(id)")
            #expect(w.litresPerKWh.source.lowercased().contains(basis == .withdrawal ? "withdraw" : "consum"), "\(id)")
            let row = try #require(CatalogConstants.facilities(nodes: []).first { $0.id == id && $0.figure == "WUE" })
            #expect(row.basis.hasPrefix("on-site \(basis.rawValue)"), "\(row.basis)")
        }
        // Amazon's own text: "withdrawal-based rather than strictly consumptive"; Google's: consumptive.
        #expect(f.provider(named: "amazon")?.wue?.basis == .withdrawal && f.provider(named: "google")?.wue?.basis == .consumption)
    }

    /// A catalog WUE without a basis loads, and is listed as not stating one.
    @Test func aWUEWithoutABasisIsSaidToStateNone() throws {
        let w = try FacilityCatalog.wue(JSONObjectReader(try JSONParser.parse(Data(#"{"value": 0.5, "per": "it", "source": "x"}"#.utf8), file: "f.json"),
                                                         file: "f.json", path: "p"), file: "f.json", path: "p")
        #expect(w.basis == nil && CatalogConstants.wueBasis(w).contains("not stated"))
    }

    /// Every WUE, PUE, embodied footprint, lifetime, water intensity and hourly shape has a
    /// year, or a note that says why it has none: 26 water intensities, 4 hourly shapes, every
    /// WUE, the default PUE, 19 embodied rows and both lifetimes had an empty year.
    @Test func everyFactorHasAYearOrSaysWhyNot() {
        let rows = CatalogConstants.facilities(nodes: []) + CatalogConstants.regions()
        for r in rows where r.kind != "cloud" {
            #expect(r.year != nil || (r.note ?? "").hasPrefix("no year:"), "\(r.kind) \(r.id) \(r.figure)")
            #expect(r.year == nil || r.note == nil, "\(r.kind) \(r.id) \(r.figure): a year and a note why there is none")
        }
        #expect(rows.contains { $0.figure == "hourly profile" } && rows.filter { $0.figure == "hourly profile" }.allSatisfy { $0.year != nil })
    }

    // MARK: - Water in the report

    func report(_ provider: String, region: String = "de") throws -> ScenarioReport {
        let text = kernelWorkload(extra: #""emissions": {"region": "\#(region)", "provider": "\#(provider)"}"#)
        return try #require(try WorkloadReport.build(try readWorkload(text), name: "w", source: "w.json", runner: FleetRunner(dataDirectory: nil)).scenarios.first)
    }

    /// Amazon's WUE counts water withdrawn, the grid's water consumed: the summary gives the two
    /// apart, each with its basis, where it had printed their sum (1.05 mL = 0.0314 withdrawn +
    /// 1.02 consumed) as one figure; Google's, consumed as the grid's is, sums.
    @Test func waterOnDifferentBasesIsGivenApart() throws {
        let amazon = try report("amazon"), google = try report("google")
        var inferred = WaterBases(onsite: .withdrawal, offsite: .consumption)
        inferred.onsiteInferred = true  // the catalog infers Amazon's basis; its source does not say
        #expect(amazon.emissions.waterBases == inferred)
        #expect(google.emissions.waterBases == WaterBases(onsite: .consumption, offsite: .consumption))
        let a = amazon.emissions.perQuery, g = google.emissions.perQuery
        #expect(WorkloadReport.waterCell(a, amazon.emissions.waterBases)
                == "\(ReportUnits.water(a.waterOnsiteLitres)) withdrawn (inferred from the source) + \(ReportUnits.water(a.waterOffsiteLitres)) consumed")
        #expect(WorkloadReport.waterCell(g, google.emissions.waterBases) == "\(ReportUnits.water(g.waterOnsiteLitres + g.waterOffsiteLitres)) consumed")

        let text = kernelWorkload(extra: #""emissions": {"region": "de", "provider": "amazon"}"#)
        let files = try WorkloadReport.build(try readWorkload(text), name: "w", source: "w.json", runner: FleetRunner(dataDirectory: nil)).files()
        let md = files[0].text
        #expect(md.contains("| water, on-site (withdrawn, inferred from the source) |") && md.contains("| water, off-site (electricity, consumed) |"), "\(md)")
        #expect(md.contains("withdrawn (inferred from the source) + "))
        // The CSV keeps its columns and adds the two apart with their bases after them.
        let csv = try CSVTable.parse(files[2].text, file: "w.csv")
        func cell(_ column: String) throws -> String { csv.rows[0].fields[try #require(csv.header.firstIndex(of: column), "\(column)")] }
        let hardware = try #require(csv.header.firstIndex(of: "hardware"))
        #expect(Array(csv.header[(hardware + 1)...].prefix(4)) == ["water_onsite_m3_per_day", "water_offsite_m3_per_day", "water_onsite_basis", "water_offsite_basis"])
        #expect(try cell("water_onsite_basis") == "withdrawal" && cell("water_offsite_basis") == "consumption")
        // Withdrawn and consumed are not added: the sum's column is empty, the parts are given.
        #expect(try cell("water_m3_per_day") == "")
        let onsite = try cell("water_onsite_m3_per_day"), offsite = try cell("water_offsite_m3_per_day")
        #expect(Double(onsite) != nil && Double(offsite) != nil, "\(onsite) \(offsite)")
        #expect(files[3].text.contains("\"waterOnsiteBasis\"") && files[3].text.contains("\"withdrawal\""))
    }

    /// The assumptions give a WUE's, the off-site water's and an embodied footprint's year as a
    /// grid factor's, and what the water counts.
    @Test func theAssumptionsGiveTheYearOfWaterAndEmbodiedFactors() throws {
        let s = try report("amazon")
        let wue = try #require(FacilityCatalog.bundled.provider(named: "amazon")?.wue)
        let factors = s.emissions.factors
        let onsite = try #require(factors.first { $0.name == "on-site water (WUE)" })
        #expect(onsite.value.hasSuffix("(\(try #require(wue.litresPerKWh.year)), water withdrawn (inferred from the source))"), "\(onsite.value)")
        let offsite = try #require(factors.first { $0.name.hasPrefix("off-site water") })
        #expect(offsite.value.hasSuffix("(year n/a, water consumed)") && offsite.source.contains("no year:"), "\(offsite.value)")
        let gpu = try #require(FacilityCatalog.bundled.gpus.first { $0.id == "h100-sxm" })
        let embodied = try #require(factors.first { $0.name.hasPrefix("embodied, one h100-sxm") })
        #expect(embodied.value.hasSuffix("kg CO2e (\(try #require(gpu.year)))"), "\(embodied.value)")
    }

    // MARK: - A cloud region's operator

    /// A workload on gcp-europe-west3 naming no provider, pue or WUE had been charged the
    /// industry's PUE 1.54 and WUE 0.37 (0.432 Wh a query, where Google's 1.09 gives 0.306).
    @Test func aCloudRegionBringsItsOperatorsPUEAndWUE() throws {
        let google = try #require(FacilityCatalog.bundled.provider(named: "google"))
        let s = try readWorkload(kernelWorkload(extra: #""emissions": {"region": "gcp-europe-west3"}"#)).scenarios[0]
        #expect(s.emissions?.provider == "google" && s.emissions?.providerFromRegion == true)
        #expect(approx(s.pue.mean, try #require(google.pue).value) && s.pueProvider == "google")
        // The report says so, naming the figures.
        let text = kernelWorkload(extra: #""emissions": {"region": "gcp-europe-west3"}"#)
        let r = try #require(try WorkloadReport.build(try readWorkload(text), name: "w", source: "w.json", runner: FleetRunner(dataDirectory: nil)).scenarios.first)
        let note = try #require(r.emissions.notes.first { $0.hasPrefix("cloud region gcp-europe-west3 is run by Google") })
        let pue = try #require(google.pue).value, wue = try #require(google.wue).litresPerKWh.value
        #expect(note.contains("PUE \(formatNumber(pue))") && note.contains("WUE \(formatNumber(wue))"), "\(note)")
        #expect(note.contains("PUE \(formatNumber(FacilityCatalog.bundled.defaultPUE.value))"), "\(note)")
        // Cited as the operator's default, as its PUE is.
        let wueSource = try #require(r.emissions.factors.first { $0.name == "on-site water (WUE)" }).source
        let googleSource = try #require(google.wue).litresPerKWh.source
        #expect(wueSource.hasPrefix("provider default") && wueSource.hasSuffix(googleSource), "\(wueSource)")
    }

    /// The operator stands in only where the file names none and sets no pue or WUE, and only on
    /// a cloud region; a scenario that leaves the workload's cloud region leaves its operator.
    @Test func theOperatorStandsInOnlyWhereNothingIsSet() throws {
        let defaultPUE = FacilityCatalog.bundled.defaultPUE.value
        let pue = try readWorkload(kernelWorkload(extra: #""pue": {"fixed": 1.3}, "emissions": {"region": "gcp-europe-west3"}"#)).scenarios[0]
        #expect(pue.emissions?.provider == nil && approx(pue.pue.mean, 1.3))
        let wue = try readWorkload(kernelWorkload(extra: #""emissions": {"region": "gcp-europe-west3", "wueLitresPerKWh": 0.5}"#)).scenarios[0]
        #expect(wue.emissions?.provider == nil && approx(wue.pue.mean, defaultPUE))
        let named = try readWorkload(kernelWorkload(extra: #""emissions": {"region": "gcp-europe-west3", "provider": "google"}"#)).scenarios[0]
        #expect(named.emissions?.provider == "google" && named.emissions?.providerFromRegion == false)
        // Another operator on Google's region is refused, naming the region's own.
        #expect { try readWorkload(kernelWorkload(extra: #""emissions": {"region": "gcp-europe-west3", "provider": "meta"}"#)) } throws: { e in
            "\(e)".contains("provider") && "\(e)".contains("gcp-europe-west3 is operated by google")
        }
        let grid = try readWorkload(kernelWorkload(extra: #""emissions": {"region": "de"}"#)).scenarios[0]
        #expect(grid.emissions?.provider == nil && approx(grid.pue.mean, defaultPUE))
        // The workload's aws region, a scenario on de: none; a scenario on another cloud: that one's.
        func moved(_ region: String) throws -> Scenario {
            let text = kernelWorkload(extra: #""emissions": {"region": "\#(region)"}"#)
                .replacingOccurrences(of: #""seed": 7,"#, with: #""seed": 7, "emissions": {"region": "aws-us-east-1"},"#)
            let w = try readWorkload(text)
            #expect(w.emissions.provider == "amazon")
            return w.scenarios[0]
        }
        #expect(try moved("de").emissions?.provider == nil)
        #expect(try moved("azure-westeurope").emissions?.provider == "microsoft")
    }

    /// Every cloud region's operator is one of the facility catalog's.
    @Test func everyCloudRegionHasAnOperatorInTheFacilityCatalog() {
        for c in GridCatalog.bundled.cloudRegions { #expect(FacilityCatalog.bundled.cloudOperator(ofRegion: c.id) != nil, "\(c.id): \(c.provider)") }
    }

    // MARK: - Unknown regions

    /// "frankfurt" had been offered nothing though `regions --match frankfurt` lists three cloud
    /// regions; "virginia" only us-egrid-srvc, not aws-us-east-1.
    @Test(arguments: ["frankfurt", "Virginia", "sydney"]) func anUnknownRegionSuggestsWhatMatchFinds(name: String) throws {
        let found = CatalogConstants.matching(CatalogConstants.regions(), name).map(\.id).uniqued()
        #expect(!found.isEmpty && found.count <= 8)
        #expect { try GridCatalog.bundled.region(name) } throws: { e in found.allSatisfy { "\(e)".contains("'\($0)'") } }
    }

    @Test func virginiaSuggestsTheCloudRegionsThere() {
        #expect { try GridCatalog.bundled.region("virginia") } throws: { e in
            ["aws-us-east-1", "azure-eastus", "gcp-us-east4", "us-egrid-srvc"].allSatisfy { "\(e)".contains("'\($0)'") }
        }
    }
}
