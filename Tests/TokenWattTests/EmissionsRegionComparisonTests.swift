import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// What a water-and-siting analyst comparing regions needs from the outputs: the factors as
/// numbers, a market-based figure that says where it is the location factor, suggestions for a
/// region typed by its ISO-3 code or a misspelt city, and a note where an intensity looks like
/// kg/kWh.
@Suite struct EmissionsRegionComparisonTests {
    /// A one-scenario report on `emissions` (the workload's object, as JSON members).
    func report(_ emissions: String) throws -> WorkloadReport {
        let text = kernelWorkload().replacingOccurrences(of: #""scenarios": ["#, with: #""emissions": {\#(emissions)}, "scenarios": ["#)
        return try WorkloadReport.build(try readWorkload(text), name: "r", source: "w.json", runner: FleetRunner(dataDirectory: nil), samples: 200)
    }

    /// The CSV cell of `column` in the first row.
    func cell(_ csv: CSVTable, _ column: String) throws -> String {
        csv.rows[0].fields[try #require(csv.header.firstIndex(of: column), "no column \(column)")]
    }

    // MARK: - Numeric factors

    /// PUE, WUE with the kWh it is per, off-site water, price, cloud region and operator had been
    /// in the factors' words only; they are appended after the last column, never reordered.
    @Test func csvAndJSONCarryTheFactorsAsNumbers() throws {
        let r = try report(#""region": "azure-norwayeast", "pricePerKWh": 0.1, "currency": "EUR""#)
        let files = r.files()
        let csv = try CSVTable.parse(files[2].text, file: "r.csv")
        let appended = ["pue", "wue_l_per_kwh", "wue_per_kwh_of", "water_offsite_l_per_kwh", "price_per_kwh", "cloud_region", "provider", "market_factor"]
        #expect(Array(csv.header.suffix(appended.count)) == appended)
        #expect(csv.header.firstIndex(of: "kv_precision") == csv.header.count - appended.count - 1)
        let microsoft = try #require(FacilityCatalog.bundled.provider(named: "microsoft"))
        let wue = try #require(microsoft.wue), norway = try #require(GridCatalog.bundled.regions.first { $0.id == "no" }?.waterLitresPerKWh)
        var c: [String: String] = [:]
        for name in appended + ["currency"] { c[name] = try cell(csv, name) }
        #expect(approx(Double(c["pue"] ?? "") ?? 0, r.scenarios[0].fleet.sitePUE, rel: 1e-5))
        #expect(Double(c["wue_l_per_kwh"] ?? "") == wue.litresPerKWh.value && c["wue_per_kwh_of"] == "it")
        #expect(Double(c["water_offsite_l_per_kwh"] ?? "") == norway.value && Double(c["price_per_kwh"] ?? "") == 0.1)
        #expect(c["cloud_region"] == "azure-norwayeast" && c["provider"] == "microsoft" && c["currency"] == "EUR" && c["market_factor"] == "location-fallback")
        let json = try JSONParser.parse(Data(files[3].text.utf8), file: "r.json")
        guard case let .array(list)? = json["scenarios"], let e = list.first?["emissions"] else { Issue.record("no emissions"); return }
        #expect(e["wueLitresPerKWh"] == .number(wue.litresPerKWh.value) && e["wuePerKWhOf"] == .string("it"))
        #expect(e["waterOffsiteLitresPerKWh"] == .number(norway.value) && e["pricePerKWh"] == .number(0.1))
        #expect(e["cloudRegion"] == .string("azure-norwayeast") && e["provider"] == .string("microsoft"))
        guard case let .number(pue)? = e["sitePUE"] else { Issue.record("no sitePUE in \(e)"); return }
        #expect(approx(pue, r.scenarios[0].fleet.sitePUE))
    }

    /// `fleet --format json`'s `pue.value` is the words a report prints (a distribution's are no
    /// number); `pue.mean` is the number, as every other output gives PUE.
    @Test func fleetJSONGivesThePUEAsANumberBesideItsWords() throws {
        for (extra, mean) in [(#""pue": 1.3"#, 1.3), (#""pue": {"uniform": {"low": 1.1, "high": 1.3}}"#, 1.2)] {
            let w = try readWorkload(kernelWorkload(extra: extra))
            let json = FleetRendering.json(w, try FleetRunner(dataDirectory: nil).run(w, samples: 200), file: "w.json")
            guard case let .array(list)? = json["scenarios"], case let .number(x)? = list.first?["pue"]?["mean"] else { Issue.record("no pue.mean in \(json)"); return }
            #expect(approx(x, mean, rel: 1e-9), "\(extra)")
        }
    }

    // MARK: - Market-based fallback

    /// Norway has no residual mix in the catalog: its market-based figure is its location factor,
    /// and the CSV, JSON and factors table say so where the figure is, not in a note alone.
    @Test(arguments: [(#""region": "no""#, MarketFactor.locationFallback), (#""region": "de""#, .residualMix),
                      (#""region": "no", "residualMixGramsPerKWh": 400"#, .workloadResidualMix),
                      (#""region": "no", "contractualShare": 1"#, .contract)])
    func theMarketBasedFigureSaysWhatItCharges(_ c: (emissions: String, factor: MarketFactor)) throws {
        let r = try report(c.emissions)
        let e = r.scenarios[0].emissions
        #expect(e.marketFactor == c.factor)
        let csv = try CSVTable.parse(r.files()[2].text, file: "r.csv")
        #expect(try cell(csv, "market_factor") == c.factor.rawValue)
        let fallbackRow = e.factors.contains { $0.value.hasPrefix("location-based fallback") }
        #expect(fallbackRow == (c.factor == .locationFallback), "\(e.factors)")
        #expect((c.factor.cellMark == " (location factor)") == (c.factor == .locationFallback))
    }

    // MARK: - Suggestions

    /// ISO-3 codes, as the catalog's own sources key countries, and a two-letter id a short key
    /// starts with: `sgp`, `deu`, `gbr` had been offered nothing.
    @Test(arguments: [("sgp", "sg"), ("deu", "de"), ("gbr", "gb"), ("aut", "at"), ("SWE", "se")])
    func anISO3CodeSuggestsItsCountry(_ c: (typed: String, id: String)) {
        #expect(GridCatalog.bundled.regions.first { $0.id == "de" }?.iso3 == "deu")
        #expect { try GridCatalog.bundled.region(c.typed) } throws: { e in "\(e)".contains("'\(c.id)'") }
        #expect(GridCatalog.bundled.nearestIDs(to: c.typed).first == c.id)
    }

    /// A misspelt city finds its cloud regions, compared by location as well as id (`frankfurt`
    /// found three, `frankfrut` none); a misspelt country still offers its grid first.
    @Test(arguments: ["frankfrut", "frankfurtt"]) func aMisspeltCitySuggestsItsCloudRegions(typed: String) {
        let near = GridCatalog.bundled.nearestIDs(to: typed)
        #expect(["aws-eu-central-1", "azure-germanywestcentral", "gcp-europe-west3"].allSatisfy(near.contains), "\(near)")
        #expect(GridCatalog.bundled.nearestIDs(to: "germny").first == "de")
    }

    // MARK: - Input checks

    /// A g/kWh field out of range says the range, as the PUE's, WUE's and price's errors do.
    @Test(arguments: ["residualMixGramsPerKWh", "contractualGramsPerKWh"]) func anIntensityOutOfRangeSaysTheRange(key: String) {
        let share = key == "contractualGramsPerKWh" ? #", "contractualShare": 0.5"# : ""
        let text = kernelWorkload().replacingOccurrences(of: #""scenarios": ["#, with: #""emissions": {"\#(key)": 2001\#(share)}, "scenarios": ["#)
        let message = workloadError(text)
        #expect(message.contains("emissions.\(key)") && message.contains("2001") && message.contains("from 0 to 2000"), "\(message)")
    }

    /// An intensity far below any real grid's year is likely kg/kWh: it is used, with a note
    /// naming the field; a real figure, or 0 (a zero-carbon supply), has none.
    @Test func anIntensityInKilogramsIsNoted() throws {
        let slip = try report(#""region": "de", "hourlyIntensity": {"values": \#([Double](repeating: 0.342, count: 24))}, "residualMixGramsPerKWh": 0.72"#)
        let e = slip.scenarios[0].emissions
        #expect(approx(e.locationGramsPerKWh, 0.342, rel: 1e-9))
        let notes = e.notes.filter { $0.contains("likely in kg CO2e per kWh") }
        #expect(notes.count == 2 && notes[0].hasPrefix("emissions.hourlyIntensity") && notes[1].hasPrefix("emissions.residualMixGramsPerKWh"), "\(e.notes)")
        #expect(notes[0].contains("0.342 kg is 342 g") && notes[1].contains("Québec, 5.48"), "\(notes)")
        let real = try report(#""region": "de", "hourlyIntensity": {"values": \#([Double](repeating: 342, count: 24))}, "residualMixGramsPerKWh": 0"#)
        #expect(!real.scenarios[0].emissions.notes.contains { $0.contains("likely in kg") })
    }

    // MARK: - Catalog

    /// Microsoft's WUE is its 2025 figure (0.27 L/kWh, blog of 24 June 2026), where FY2024's 0.30
    /// had stood with the newer one in its source text; its PUE stays FY2024's 1.16, the FY2025
    /// figure not being confirmed, and its source no longer says the page was not read.
    @Test func microsoftsWaterFigureIsItsLatest() throws {
        let m = try #require(FacilityCatalog.bundled.provider(named: "microsoft"))
        let wue = try #require(m.wue), pue = try #require(m.pue)
        #expect(wue.litresPerKWh.value == 0.27 && wue.litresPerKWh.year == 2025 && wue.basis == .withdrawal && wue.basisInferred)
        #expect(wue.litresPerKWh.source.contains("24 June 2026") && wue.litresPerKWh.source.contains("https://"))
        #expect(pue.value == 1.16 && pue.year == 2024 && !pue.source.contains("not read directly"))
    }
}
