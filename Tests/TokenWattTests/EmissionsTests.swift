import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// Catalogs written for the tests, so the arithmetic is checked against numbers chosen here.
enum TestCatalogs {
    static let profile = (0..<24).map { h in h < 12 ? 0.8 : 1.2 }
    static let grids = try! GridCatalog.load(Data("""
        {"schemaVersion": 1, "regions": [
          {"id": "world", "name": "World", "kind": "world", "location": {"gramsPerKWh": 480, "year": 2023, "basis": "lifecycle", "source": "test"},
           "waterLitresPerKWh": {"value": 3, "source": "test world water"}},
          {"id": "xx", "name": "Testland", "kind": "country", "location": {"gramsPerKWh": 400, "year": 2023, "basis": "lifecycle", "source": "test annual"},
           "residualMix": {"gramsPerKWh": 500, "year": 2023, "basis": "direct", "source": "test residual"},
           "waterLitresPerKWh": {"value": 2, "source": "test water"},
           "hourlyProfile": {"values": \(profile), "year": 2023, "source": "test profile"}},
          {"id": "yy", "name": "Flatland", "kind": "country", "location": {"gramsPerKWh": 100, "basis": "direct", "source": "test"}}],
         "cloudRegions": [{"id": "cloud-x", "provider": "test", "location": "Testville", "region": "xx", "source": "test mapping"},
                          {"id": "cloud-y", "provider": "test", "location": "Hydroville", "region": "yy", "source": "test mapping",
                           "standsInFor": {"grid": "Hydro Province", "relative": "cleaner"}}]}
        """.utf8), file: "grids-test.json")
    static let facilities = try! FacilityCatalog.load(Data("""
        {"schemaVersion": 1,
         "embodiedGPUs": [{"gpu": "h100-sxm", "kgCO2e": 100, "scope": "test", "source": "test gpu"}],
         "embodiedNodes": [{"node": "dgx-h100", "kgCO2eExcludingGPUs": 1000, "scope": "test", "source": "test node"}],
         "lifetimeYears": {"gpu": {"value": 4, "source": "test"}, "node": {"value": 5, "source": "test"}},
         "providers": [{"id": "acme", "name": "Acme", "year": 2024, "wueLitresPerKWh": {"value": 0.5, "per": "it", "source": "acme report"}}],
         "defaults": {"pue": {"value": 1.5, "source": "test"}, "wueLitresPerKWh": {"value": 1.8, "per": "facility", "source": "test default"}}}
        """.utf8), file: "facilities-test.json")
    static let accountant = EmissionsAccountant(grids: grids, facilities: facilities)
}

@Suite struct EmissionsTests {
    /// A one-deployment fleet on 8 × H100 whose load is all in one hour.
    func fleet(hour: Int) throws -> FleetResult {
        var diurnal = [Double](repeating: 0, count: 24)
        diurnal[hour] = 1
        let text = kernelWorkload(extra: #""diurnal": \#(diurnal), "pue": {"fixed": 1.2}"#,
                                  deployment: #"{"name": "d", "model": "meta-llama/Llama-3.1-70B-Instruct", "gpu": "h100-sxm", "gpus": 8}"#)
        return try runWorkload(text)[0]
    }

    /// The ledger's default PUE is the facility catalog's, and the receipt names the survey the
    /// catalog cites, so a user never reads two defaults or a stale year.
    @Test func theDefaultPUEIsTheFacilityCatalogs() throws {
        let catalog = FacilityCatalog.bundled.defaultPUE
        #expect(LedgerSettings.defaultPUE == catalog.value)
        #expect(catalog.source.hasPrefix(LedgerSettings.defaultPUESource.replacingOccurrences(of: "industry average, ", with: "")))
        #expect(try LedgerSettings().pue == catalog.value)
    }

    /// Hardware without a published footprint is named, and a report cell says what the figure
    /// covers: "0 g" had read as a GPU with no manufacturing emissions, and a server-only figure
    /// sat beside full ones unmarked.
    @Test func embodiedFiguresSayWhatTheyLeaveOut() throws {
        let r = try fleet(hour: 12)
        var s = EmissionsSettings()
        s.region = "xx"
        #expect(try TestCatalogs.accountant.account(r, settings: s).embodiedMissing.isEmpty)
        var noGPU = TestCatalogs.accountant
        noGPU.facilities = try FacilityCatalog.load(Data(#"{"schemaVersion": 1, "embodiedGPUs": [], "embodiedNodes": [{"node": "dgx-h100", "kgCO2eExcludingGPUs": 1000, "scope": "t", "source": "t"}], "lifetimeYears": {"gpu": {"value": 4, "source": "t"}, "node": {"value": 5, "source": "t"}}, "providers": [], "defaults": {"pue": {"value": 1.5, "source": "t"}, "wueLitresPerKWh": {"value": 1.8, "per": "facility", "source": "t"}}}"#.utf8), file: "f.json")
        let e = try noGPU.account(r, settings: s)
        #expect(e.embodiedMissing == EmbodiedMissing(gpus: ["h100-sxm"], nodes: [], serversCounted: true))
        #expect(e.embodiedMissing.label(e.perQuery.embodiedGrams, ReportUnits.mass).hasSuffix(" g (servers only)"))
        #expect(EmbodiedMissing(gpus: ["b300"], nodes: ["dgx-b300"]).label(nil, ReportUnits.mass) == "not counted")
        #expect(EmbodiedMissing().label(0.5, ReportUnits.mass) == ReportUnits.mass(0.5))
        // A fleet none of whose hardware has a footprint has no figure, not 0 g.
        var none = noGPU
        none.facilities = try FacilityCatalog.load(Data(#"{"schemaVersion": 1, "embodiedGPUs": [], "embodiedNodes": [], "lifetimeYears": {"gpu": {"value": 4, "source": "t"}, "node": {"value": 5, "source": "t"}}, "providers": [], "defaults": {"pue": {"value": 1.5, "source": "t"}, "wueLitresPerKWh": {"value": 1.8, "per": "facility", "source": "t"}}}"#.utf8), file: "f.json")
        let nothing = try none.account(r, settings: s)
        #expect(nothing.perQuery.embodiedGrams == nil && nothing.perDay.embodiedGrams == nil && nothing.perPeriod.embodiedGrams == nil)
        #expect(nothing.embodiedMissing.label(nothing.perQuery.embodiedGrams, ReportUnits.mass) == "not counted")
        // A day of no queries keeps the day's embodied share but has none per query (it read 0 g).
        var idle = r
        idle.queriesPerDay = 0
        let none0 = try TestCatalogs.accountant.account(idle, settings: s)
        #expect(none0.perQuery.embodiedGrams == nil && none0.perDay.embodiedGrams != nil)
        #expect(none0.notes.contains { $0.hasPrefix("no queries a day") })
    }

    /// A mix's embodied grams per query are its parts' blended by share, as its energy is; it
    /// had printed 0 g with nothing named as not counted. A part with no figure (a throughput
    /// table, no fleet) leaves the mix with none, and the part is named.
    @Test func aMixBlendsItsPartsEmbodiedFigures() throws {
        let r = try fleet(hour: 12)
        let s = EmissionsSettings()
        let part = try TestCatalogs.accountant.account(r, settings: s)
        let parts = [MixPart(scenario: "a", share: 0.9, emissions: part, divided: false),
                     MixPart(scenario: "b", share: 0.1, emissions: part, divided: false)]
        var mix = r
        mix.hardware = []
        mix.queriesPerDay = 2e9
        let e = try TestCatalogs.accountant.account(mix, settings: s, mixParts: parts)
        let perQuery = try #require(part.perQuery.embodiedGrams)
        #expect(approx(try #require(e.perQuery.embodiedGrams), perQuery))
        #expect(approx(try #require(e.perDay.embodiedGrams), perQuery * 2e9))
        #expect(e.embodiedMissing.isEmpty)
        var table = part
        table.perQuery.embodiedGrams = nil
        table.embodiedMissing = EmbodiedMissing(scenarios: ["b"])
        let partial = try TestCatalogs.accountant.account(mix, settings: s, mixParts: [parts[0], MixPart(scenario: "b", share: 0.1, emissions: table, divided: false)])
        #expect(partial.perQuery.embodiedGrams == nil && partial.perDay.embodiedGrams == nil)
        #expect(partial.embodiedMissing.scenarios == ["b"] && partial.embodiedMissing.csvCell == "no fleet: b")
        // A scenario with no fleet and no parts counts nothing and names itself.
        let alone = try TestCatalogs.accountant.account(mix, settings: s)
        #expect(alone.perQuery.embodiedGrams == nil && alone.embodiedMissing.scenarios == [mix.name])
    }

    /// Each factor states its basis, and a location- and market-based pair on different bases
    /// (Ember lifecycle beside an AIB direct residual mix) is noted; it had sat under "Scope 2
    /// dual reporting" with the basis only inside the source strings.
    @Test func factorsStateTheirBasisAndAMixedPairIsNoted() throws {
        let r = try fleet(hour: 12)
        var s = EmissionsSettings()
        s.region = "xx"
        let e = try TestCatalogs.accountant.account(r, settings: s)
        #expect(e.locationBasis == .lifecycle && e.marketBasis == .direct)
        #expect(e.notes.contains { $0.contains("different bases") })
        #expect(e.factors.contains { $0.value.contains("lifecycle CO2e") } && e.factors.contains { $0.value.contains("direct combustion") })
        s.region = "yy"
        let same = try TestCatalogs.accountant.account(r, settings: s)
        #expect(same.locationBasis == .direct && same.marketBasis == .direct && !same.notes.contains { $0.contains("different bases") })
        #expect(!same.notes.contains { $0.contains("Scope 3") })
        // Both lifecycle (a market figure that falls back to a lifecycle location one): no gap,
        // but neither figure is Scope 2 as the GHG Protocol counts it.
        s.region = "world"
        let lifecycle = try TestCatalogs.accountant.account(r, settings: s)
        #expect(lifecycle.locationBasis == .lifecycle && lifecycle.notes.contains { $0.contains("as Scope 2 they overstate") })
        s.residualMixGramsPerKWh = 300
        #expect(try TestCatalogs.accountant.account(r, settings: s).marketBasis == nil)
        #expect(throws: (any Error).self) {
            try GridCatalog.load(Data(#"{"schemaVersion": 1, "regions": [{"id": "x", "name": "X", "kind": "country", "location": {"gramsPerKWh": 1, "source": "t"}}], "cloudRegions": []}"#.utf8), file: "g.json")
        }
    }

    /// A cloud region whose grid figure is a wider average standing in for a sub-grid known to
    /// differ says so in the report (Montréal's regions took Canada's mean with no note).
    @Test func aStandInGridIsNoted() throws {
        let r = try fleet(hour: 12)
        var s = EmissionsSettings()
        s.region = "cloud-y"
        let e = try TestCatalogs.accountant.account(r, settings: s)
        #expect(e.notes.contains { $0.contains("Hydro Province") && $0.contains("overstated") })
        s.region = "cloud-x"
        #expect(!(try TestCatalogs.accountant.account(r, settings: s)).notes.contains { $0.contains("stands in") })
        let bundled = try GridCatalog.loadBundled()
        // Montréal's regions have Québec's own grid since 2026-12-07; Toronto still stands in.
        let toronto = try #require(bundled.cloudRegions.first { $0.id == "azure-canadacentral" })
        #expect(toronto.standsInFor?.grid == "Ontario (CA-ON)")
    }

    @Test func locationAndMarketAreBothReportedFromTheirOwnFactors() throws {
        let r = try fleet(hour: 18)
        var s = EmissionsSettings()
        s.region = "xx"
        s.contractualShare = 0.6
        let e = try TestCatalogs.accountant.account(r, settings: s)
        #expect(e.marketGramsPerKWh == 0.4 * 500)
        // Idle replicas draw power every hour, so the evening peak weighs most but not all.
        #expect(e.locationGramsPerKWh > 400 && e.locationGramsPerKWh < 480)
        #expect(approx(e.perQuery.locationGrams, r.whPerQuery.mean / 1000 * e.locationGramsPerKWh))
        #expect(approx(e.perQuery.marketGrams, r.whPerQuery.mean / 1000 * 200))
        #expect(e.factors.contains { $0.source == "test residual" } && e.factors.contains { $0.source == "test profile" })
    }

    @Test func whenTheEnergyIsUsedMatters() throws {
        var s = EmissionsSettings()
        s.region = "cloud-x"
        let morning = try TestCatalogs.accountant.account(try fleet(hour: 6), settings: s)
        let evening = try TestCatalogs.accountant.account(try fleet(hour: 18), settings: s)
        #expect(morning.locationGramsPerKWh < 400 && evening.locationGramsPerKWh > 400)
        #expect(morning.marketGramsPerKWh == evening.marketGramsPerKWh)
        #expect(morning.factors.contains { $0.source == "test mapping" })
    }

    @Test func waterCountsITEnergyOnSiteAndAllEnergyOffSite() throws {
        let r = try fleet(hour: 12)
        var s = EmissionsSettings()
        s.region = "xx"
        s.provider = "acme"
        let e = try TestCatalogs.accountant.account(r, settings: s)
        #expect(approx(e.perQuery.waterOnsiteLitres, r.whPerQuery.mean * (1 - r.overheadShare) / 1000 * 0.5))
        #expect(approx(e.perQuery.waterOffsiteLitres, r.whPerQuery.mean / 1000 * 2))
        #expect(r.overheadShare > 0.1 && r.overheadShare < 0.2)  // PUE 1.2: one sixth of the energy
        s.region = "yy"
        let flat = try TestCatalogs.accountant.account(r, settings: s)
        #expect(approx(flat.perQuery.waterOffsiteLitres, r.whPerQuery.mean / 1000 * 3))
        #expect(flat.notes.contains { $0.contains("figure for World") } && flat.notes.contains { $0.contains("residual mix") })
    }

    /// One fleet at every boundary: its kernel scenarios draw the same queries at PUE 1.5.
    func boundaries(_ names: [String]) throws -> [FleetResult] {
        let deployment = #"[{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm"}]"#
        let more = names.dropFirst().map { b in
            #"{"name": "\#(b)", "kind": "kernel", "boundary": "\#(b)", "sameDrawsAs": "\#(names[0])", "queriesPerDay": 1e7, "pue": {"fixed": 1.5}, "deployments": \#(deployment), "classes": [\#(chatClass())]}"#
        }.joined(separator: ", ")
        return try runWorkload(kernelWorkload(extra: #""boundary": "\#(names[0])", "pue": {"fixed": 1.5}"#, scenarioName: names[0], more: more), samples: 300)
    }

    /// On-site water is the site's: a WUE per facility kWh is per IT kWh × the site's PUE at every
    /// boundary, so a fleet's `it` and `facility` rows agree and a `gpu` row charges its GPU kWh
    /// the site's water per IT kWh, as its carbon charges them the grid's. Below the facility it
    /// had multiplied litres per facility kWh by IT kWh: low by the PUE (a third at PUE 3).
    @Test func onSiteWaterIsTheSitesAtEveryBoundary() throws {
        let r = try boundaries(["gpu", "it", "facility"])
        var s = EmissionsSettings()
        s.region = "xx"
        let e = try r.map { try TestCatalogs.accountant.account($0, settings: s) }
        #expect(approx(e[2].perQuery.waterOnsiteLitres, r[2].whPerQuery.mean / 1000 * 1.8))
        #expect(approx(e[1].perQuery.waterOnsiteLitres, e[2].perQuery.waterOnsiteLitres), "\(e[1].perQuery.waterOnsiteLitres) vs \(e[2].perQuery.waterOnsiteLitres)")
        #expect(approx(e[0].perQuery.waterOnsiteLitres, r[0].whPerQuery.mean / 1000 * 1.8 * 1.5))
        s.provider = "acme"  // 0.5 L per IT kWh: no conversion
        let it = try r.map { try TestCatalogs.accountant.account($0, settings: s) }
        #expect(approx(it[0].perQuery.waterOnsiteLitres, r[0].whPerQuery.mean / 1000 * 0.5))
        #expect(approx(it[1].perQuery.waterOnsiteLitres, it[2].perQuery.waterOnsiteLitres))
    }

    /// Two parts of unequal energy at PUE 3 and PUE 1, and their 50/50 mix.
    func mixOfUnequalParts(_ a: String = "", _ b: String = "") throws -> [FleetResult] {
        let heavy = chatClass(output: #"{"fixed": 2000}"#)
        return try runWorkload(kernelWorkload(extra: #""pue": {"fixed": 3}"# + a, scenarioName: "a", more: #"""
            {"name": "b", "kind": "kernel", "queriesPerDay": 1e7, "pue": {"fixed": 1}\#(b), "deployments": [{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm"}], "classes": [\#(heavy)]},
            {"name": "m", "kind": "mix", "queriesPerDay": 1e7, "mix": [{"scenario": "a", "share": 0.5}, {"scenario": "b", "share": 0.5}]}
            """#), samples: 300)
    }

    /// A mix's on-site water is its parts' blended by share, whatever the WUE's basis: its parts'
    /// overhead shares had been averaged by query share, so a heavy part at PUE 1 took half of a
    /// light PUE-3 part's overhead (16 % low).
    @Test func aMixsOnSiteWaterIsItsPartsBlended() throws {
        let r = try mixOfUnequalParts()
        for wue in [nil, 1.0] {  // the catalog's default per facility kWh; the workload's own per IT kWh
            var s = EmissionsSettings()
            s.region = "xx"
            s.wueLitresPerKWh = wue
            let e = try r.map { try TestCatalogs.accountant.account($0, settings: s) }
            let blend = 0.5 * e[0].perQuery.waterOnsiteLitres + 0.5 * e[1].perQuery.waterOnsiteLitres
            #expect(approx(e[2].perQuery.waterOnsiteLitres, blend), "\(e[2].perQuery.waterOnsiteLitres) vs \(blend)")
        }
    }

    /// A mix's day follows its parts' hours, weighted by their energy: its location-based carbon
    /// is its parts' blended. It had taken the flat annual factor and said its fleet had no
    /// diurnal power (3.9 % high in Spain).
    @Test func aMixsCarbonFollowsItsPartsHours() throws {
        func hour(_ h: Int) -> String { #", "diurnal": \#((0..<24).map { $0 == h ? 1.0 : 0 })"# }
        let r = try mixOfUnequalParts(hour(6), hour(18))
        var s = EmissionsSettings()
        s.region = "xx"
        let e = try r.map { try TestCatalogs.accountant.account($0, settings: s) }
        let blend = 0.5 * e[0].perQuery.locationGrams + 0.5 * e[1].perQuery.locationGrams
        #expect(approx(e[2].perQuery.locationGrams, blend), "\(e[2].perQuery.locationGrams) vs \(blend)")
        #expect(approx(e[2].hourlyKilograms.reduce(0, +) * 1000, e[2].perDay.locationGrams))
        #expect(!e[2].notes.contains { $0.hasPrefix("no diurnal fleet power") }, "\(e[2].notes)")
    }

    /// The basis note names the factor that is lifecycle: the market factor of a workload's own
    /// residual mix has no stated basis, and the note had called both lifecycle.
    @Test func theBasisNoteNamesTheLifecycleFactor() throws {
        let location = try #require(EmissionsAccountant.basisNote((location: .lifecycle, market: nil)))
        #expect(location.hasPrefix("the location-based factor is lifecycle CO2e") && location.contains("it overstates"), "\(location)")
        let market = try #require(EmissionsAccountant.basisNote((location: nil, market: .lifecycle)))
        #expect(market.hasPrefix("the market-based factor is lifecycle CO2e"), "\(market)")
        #expect(try #require(EmissionsAccountant.basisNote((location: .lifecycle, market: .lifecycle))).hasPrefix("both grid factors are lifecycle"))
        #expect(EmissionsAccountant.basisNote((location: .direct, market: nil)) == nil)
    }

    @Test func embodiedIsAmortisedOverLifetimes() throws {
        let r = try fleet(hour: 12)
        let e = try TestCatalogs.accountant.account(r, settings: EmissionsSettings())
        let gpus = Double(r.hardware.reduce(0) { $0 + $1.gpus }), nodes = Double(r.servers.reduce(0) { $0 + $1.nodes })
        #expect(gpus == 8 * nodes)
        #expect(approx(try #require(e.perDay.embodiedGrams), gpus * 100_000 / (4 * 365) + nodes * 1_000_000 / (5 * 365)))
        #expect(approx(try #require(e.perQuery.embodiedGrams) * 1e7, try #require(e.perDay.embodiedGrams)))
        #expect(approx(e.perPeriod.locationGrams, e.perDay.locationGrams * 365))
    }

    @Test func hourlySeriesFromAFileIsAveragedByHourOfDay() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tw-hourly-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let rows = (0..<48).map { i in "\(i),\(i < 24 ? 100 : 300)" }.joined(separator: "\n")
        try ("hour,g\n" + rows + "\n").write(to: dir.appendingPathComponent("ci.csv"), atomically: true, encoding: .utf8)
        let text = kernelWorkload().replacingOccurrences(of: #""scenarios": ["#, with: #""emissions": {"region": "world", "hourlyIntensity": {"file": "ci.csv", "column": "g"}}, "scenarios": ["#)
        let file = dir.appendingPathComponent("w.json")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let w = try WorkloadReader.read(path: file.path, dataDirectory: nil)
        #expect(w.emissions.hourlyIntensity == [Double](repeating: 200, count: 24))
        let bad = text.replacingOccurrences(of: "ci.csv", with: "missing.csv")
        try bad.write(to: file, atomically: true, encoding: .utf8)
        // The workload's field and the name it gives, not any error (an unreadable workload passed).
        #expect { try WorkloadReader.read(path: file.path, dataDirectory: nil) } throws: { error in
            "\(error)".contains("hourlyIntensity.file' has value missing.csv") && "\(error)".contains("a readable CSV of hourly g CO2e per kWh")
        }
    }

    /// A scenario's `emissions` object is merged over the workload's key by key: setting only a
    /// region had silently dropped the workload's price, period, provider, PPA and lifetimes.
    @Test func aScenarioEmissionsObjectMergesOverTheWorkloads() throws {
        let top = #""emissions": {"region": "xx-unused", "contractualShare": 0.4, "pricePerKWh": 0.12, "currency": "EUR", "reportingPeriodDays": 30, "provider": "google", "gpuLifetimeYears": 4}, "scenarios": ["#
        let text = kernelWorkload(extra: #""emissions": {"region": "us-egrid-camx", "reportingPeriodDays": 7}"#)
            .replacingOccurrences(of: #""scenarios": ["#, with: top.replacingOccurrences(of: "xx-unused", with: "de"))
        let w = try readWorkload(text)
        let s = try #require(w.scenarios[0].emissions)
        #expect(s.region == "us-egrid-camx" && s.reportingPeriodDays == 7)
        #expect(s.pricePerKWh == 0.12 && s.currency == "EUR" && s.provider == "google" && s.contractualShare == 0.4 && s.gpuLifetimeYears == 4)
        // The PPA and price belong to the workload's grid: the scenario on another is told.
        #expect(s.notes.contains { $0.contains("`contractualShare`") && $0.contains("`pricePerKWh`") })
        let same = try readWorkload(kernelWorkload(extra: #""emissions": {"reportingPeriodDays": 7}"#)
            .replacingOccurrences(of: #""scenarios": ["#, with: top.replacingOccurrences(of: "xx-unused", with: "de")))
        #expect(try #require(same.scenarios[0].emissions).notes.isEmpty && same.scenarios[0].emissions?.region == "de")
    }

    /// On a grid without a residual mix, the workload's hourly series sets the location-based
    /// figure and the catalog's annual factor the market-based one: that factor is listed with
    /// its source and the note names it. For `us` its 349.7 g/kWh had appeared in no row, and the
    /// note called it "the location-based annual factor" beside a location-based 100.
    @Test func theMarketFallbackNamesTheFigureItUses() throws {
        let r = try fleet(hour: 12)
        var s = EmissionsSettings()
        s.region = "yy"
        s.hourlyIntensity = [Double](repeating: 50, count: 24)
        let e = try TestCatalogs.accountant.account(r, settings: s)
        #expect(approx(e.locationGramsPerKWh, 50) && approx(e.marketGramsPerKWh, 100))
        #expect(e.factors.contains { $0.name.contains("Flatland") && $0.name.contains("market-based") && $0.value.hasPrefix("100 g CO2e/kWh") }, "\(e.factors)")
        let note = try #require(e.notes.first { $0.hasPrefix("no residual mix for yy in the catalog") })
        #expect(note.contains("Flatland, 100 g CO2e/kWh") && note.contains("not the workload's hourly series"), "\(note)")
        // Without the series the location row is that factor already; the note still names it.
        s.hourlyIntensity = nil
        let annual = try TestCatalogs.accountant.account(r, settings: s)
        #expect(annual.factors.filter { $0.value.hasPrefix("100 g CO2e/kWh") }.count == 1)
        #expect(annual.notes.contains { $0.hasPrefix("no residual mix for yy in the catalog") && $0.contains("Flatland, 100 g CO2e/kWh") })
    }

    /// AIB's residual mixes count direct CO2 alone ("direct CO2 only", their source says): they
    /// had been labelled g CO2e/kWh beside Ember's lifecycle CO2e, in all 11 AIB countries.
    @Test func aibResidualMixesAreLabelledCO2Only() throws {
        let mixes = try GridCatalog.loadBundled().regions.compactMap(\.residualMix)
        let aib = mixes.filter { $0.source.contains("Association of Issuing Bodies") }
        #expect(aib.count == 11 && aib.allSatisfy { $0.basis == .directCO2 && $0.source.contains("direct CO2 only") })
        #expect(mixes.filter { $0.source.contains("Green-e") }.allSatisfy { $0.basis == .direct })
        let text = kernelWorkload().replacingOccurrences(of: #""scenarios": ["#, with: #""emissions": {"region": "pl"}, "scenarios": ["#)
        let report = try WorkloadReport.build(try readWorkload(text), name: "pl", source: "w.json", runner: FleetRunner(dataDirectory: nil), samples: 200)
        let e = report.scenarios[0].emissions
        #expect(e.marketBasis == .directCO2)
        #expect(e.factors.contains { $0.name.hasPrefix("residual mix, Poland") && $0.value == "788.24 g CO2/kWh (2023, direct combustion, CO2 only)" }, "\(e.factors)")
        #expect(e.notes.contains { $0.contains("CO2 only leaves out the methane and nitrous oxide") }, "\(e.notes)")
        let files = report.files()
        #expect(files[0].text.contains("market-based 788.2 g CO2/kWh (direct combustion, CO2 only)"))
        let csv = try CSVTable.parse(files[2].text, file: "pl.csv")
        #expect(csv.rows[0].fields[try #require(csv.header.firstIndex(of: "market_basis"))] == "direct-co2")
    }

    /// A cloud's name for its operator is taken (`aws`, as the cloud region ids spell it, had been
    /// refused with no word of `amazon`), and any other name is told the operators there are.
    @Test func aProviderIsFoundByItsCloudsNameAndAnUnknownOneIsToldTheList() throws {
        func workload(_ provider: String) -> String {
            kernelWorkload().replacingOccurrences(of: #""scenarios": ["#, with: #""emissions": {"provider": "\#(provider)"}, "scenarios": ["#)
        }
        for (alias, id) in [("aws", "amazon"), ("Azure", "microsoft"), ("gcp", "google")] {
            #expect(try readWorkload(workload(alias)).emissions.provider == id)
        }
        let message = workloadError(workload("oracle"))
        #expect(message.contains("w.json") && message.contains("'emissions.provider' has value 'oracle'"), "\(message)")
        #expect(["google", "microsoft", "amazon", "meta", "aws for amazon"].allSatisfy(message.contains), "\(message)")
        #expect(workloadError(workload("googel")).contains("did you mean 'google'?"))
    }

    /// A missing hourly-intensity file is named as a missing trace is: the workload, the field and
    /// what was expected (it had given the CSV's path alone).
    @Test func aMissingHourlyFileNamesTheWorkloadAndField() throws {
        let text = kernelWorkload().replacingOccurrences(of: #""scenarios": ["#, with: #""emissions": {"hourlyIntensity": {"file": "missing.csv", "column": "g"}}, "scenarios": ["#)
        let message = try withFiles(["w.json": text]) { dir -> String in
            do { _ = try WorkloadReader.read(path: dir + "/w.json", dataDirectory: nil); return "" } catch { return "\(error)" }
        }
        #expect(message.contains("w.json: field 'emissions.hourlyIntensity.file' has value missing.csv") && message.contains("a readable CSV"), "\(message)")
    }

    @Test func unknownRegionSuggestsTheClosest() {
        let message = workloadError(kernelWorkload().replacingOccurrences(of: #""scenarios": ["#, with: #""emissions": {"region": "aws-us-east-11"}, "scenarios": ["#))
        #expect(message.contains("aws-us-east-1"), "\(message)")
    }

    /// The bundled catalogs hold what the issue asks for, each figure with a source.
    @Test func bundledCatalogsAreSourcedAndBroad() throws {
        let g = try GridCatalog.loadBundled(), f = try FacilityCatalog.loadBundled()
        #expect(g.regions.count >= 30)
        #expect(g.regions.filter { $0.kind == "us-egrid-subregion" }.count >= 8)
        #expect(g.cloudRegions.count >= 10 && Set(g.cloudRegions.map(\.provider)).isSuperset(of: ["amazon", "microsoft", "google"]))
        #expect(g.regions.allSatisfy { !$0.location.source.isEmpty && $0.location.value > 0 })
        #expect(g.regions.contains { $0.residualMix != nil } && g.regions.contains { $0.waterLitresPerKWh != nil })
        #expect(f.gpus.contains { $0.id == "h100-sxm" } && !f.defaultWUE.litresPerKWh.source.isEmpty)
    }
}
