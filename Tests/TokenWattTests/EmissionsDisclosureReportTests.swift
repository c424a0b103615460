import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// What a GHG-Protocol Scope 2 or CSRD disclosure needs from a report, as a sustainability
/// analyst's probe found it missing on 2026-12-07: whose scope the carbon is in, the share under
/// contracts, ranges for the period's totals, what is excluded, the embodied figure's scope, how
/// the location factor used follows from the cited one, and consistent units.
@Suite struct EmissionsDisclosureReportTests {
    /// A workload in `emissions` (JSON text) with a `facility` and a `gpu` scenario of one fleet,
    /// on the bundled catalogs.
    func report(_ emissions: String, boundary: String = "gpu") throws -> WorkloadReport {
        let text = kernelWorkload(extra: #""boundary": "facility""#, scenarioName: "site",
                                  more: #"{"name": "boards", "kind": "kernel", "boundary": "\#(boundary)", "queriesPerDay": 1e7, "#
                                      + #""deployments": [{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm"}], "classes": [\#(chatClass())]}"#)
            .replacingOccurrences(of: #""scenarios": ["#, with: #""emissions": \#(emissions), "scenarios": ["#)
        return try WorkloadReport.build(try readWorkload(text), name: "d", source: "w.json", runner: FleetRunner(dataDirectory: nil), samples: 300)
    }

    /// The Markdown blocks of one scenario's section, joined.
    func section(_ r: WorkloadReport, _ name: String) throws -> String {
        let s = try #require(r.scenarios.first { $0.fleet.name == name })
        return ReportDocument.markdown(r.section(s, charts: false))
    }

    /// A cloud region's carbon had been labelled "GHG Protocol Scope 2 dual reporting"; for a
    /// tenant of aws-us-east-1 it is Scope 3 category 1. Both attributions are stated, and a
    /// boundary inside `facility` is called partial (the `gpu` row had read as Scope 2 too).
    @Test func theCarbonSaysWhoseScopeItIsIn() throws {
        let r = try report(#"{"region": "aws-us-east-1", "provider": "amazon"}"#)
        let site = try section(r, "site"), boards = try section(r, "boards")
        #expect(!site.contains("(GHG Protocol Scope 2 dual reporting)"), "\(site)")
        for s in [site, boards] {
            #expect(s.contains("Scope 2 for the operator that owns or controls the site"), "\(s)")
            #expect(s.contains("Scope 3 category 1 (purchased goods and services)") && s.contains("(here cloud region `aws-us-east-1`, operated by `amazon`)"), "\(s)")
        }
        #expect(boards.contains("At the `gpu` boundary it is a partial boundary") && boards.contains("not a full Scope 2 figure"), "\(boards)")
        #expect(!site.contains("partial boundary"))
        #expect(r.scenarios[0].emissions.host == Host(cloudRegion: "aws-us-east-1", provider: "amazon"))
        // Without a cloud region or provider, both readings are still given.
        let own = try section(try report(#"{"region": "de"}"#), "site")
        #expect(own.contains("names no cloud region or provider") && own.contains("Scope 3 category 1"), "\(own)")
        let json = r.files()[3].text
        #expect(json.contains(#""attribution":"#) && json.contains("Scope 3 category 1"))
    }

    /// No `contractualShare` is a claim of none: the report says 0 % of consumption is covered,
    /// where the instruments' row had appeared only above 0; a stated share is carried through
    /// to the CSV.
    @Test func theCoveredShareIsAlwaysStated() throws {
        let none = try report(#"{"region": "de"}"#)
        let md = try section(none, "site")
        #expect(md.contains("with 0 % of consumption covered by contractual instruments (PPAs, certificates; none stated)"), "\(md)")
        #expect(none.assumptionRows().contains { $0[0].hasPrefix("contractual instruments") && $0[1].hasPrefix("0 % of consumption covered") })
        let half = try report(#"{"region": "de", "contractualShare": 0.5, "contractualGramsPerKWh": 20}"#)
        #expect(try section(half, "site").contains("50 % of consumption covered by contractual instruments"))
        let csv = try CSVTable.parse(half.files()[2].text, file: "d.csv")
        let column = try #require(csv.header.firstIndex(of: "contractual_share"))
        #expect(csv.rows.allSatisfy { Double($0.fields[column]).map { approx($0, 0.5) } == true })
    }

    /// The period's energy, carbon, water and cost have a low–high: carbon is the day's range ×
    /// the days; water and cost carry the energy's relative range; embodied has none. In the
    /// Markdown, the JSON's `perPeriodRange` and new CSV columns appended after `hardware`.
    @Test func thePeriodsTotalsHaveRanges() throws {
        let r = try report(#"{"region": "de", "pricePerKWh": 0.2, "currency": "EUR", "reportingPeriodDays": 365}"#)
        let s = r.scenarios[0], e = s.emissions, p = e.perPeriod
        let g = try #require(s.fleet.gwhPerDayRange), c = try #require(e.dayCarbonRange), range = try #require(e.periodRange)
        let lowRatio = g.low / s.fleet.gwhPerDay, highRatio = g.high / s.fleet.gwhPerDay
        #expect(approx(range.low.energyWh, p.energyWh * lowRatio, rel: 1e-12) && approx(range.high.energyWh, p.energyWh * highRatio, rel: 1e-12))
        #expect(approx(range.low.locationGrams, c.location.low * 365, rel: 1e-12) && approx(range.high.marketGrams, c.market.high * 365, rel: 1e-12))
        #expect(approx(range.low.waterOnsiteLitres, p.waterOnsiteLitres * lowRatio, rel: 1e-12))
        #expect(approx(range.high.waterOffsiteLitres, p.waterOffsiteLitres * highRatio, rel: 1e-12))
        #expect(approx(try #require(range.high.cost), try #require(p.cost) * highRatio, rel: 1e-12))
        #expect(range.low.embodiedGrams == nil && range.high.embodiedGrams == nil)
        #expect(range.low.locationGrams < p.locationGrams && p.locationGrams < range.high.locationGrams)
        let md = try section(r, "site")
        #expect(md.contains("| per 365 days, low–high |") && md.contains("carry the energy's relative range"), "\(md)")
        #expect(md.contains("| \(ReportUnits.energy(range.low.energyWh))–\(ReportUnits.energy(range.high.energyWh)) |"), "\(md)")
        // CSV: the contract's columns first and unchanged, the new ones after `hardware`.
        let header = WorkloadReport.csvHeader
        let old = try #require(header.firstIndex(of: "hardware"))
        for name in ["energy_mwh_per_period", "energy_mwh_per_period_low", "location_t_per_period_high", "market_t_per_period_low",
                     "water_onsite_m3_per_day", "water_offsite_m3_per_day", "water_onsite_m3_per_period_high", "water_offsite_m3_per_period_low", "embodied_t_per_period", "cost_per_period_low"] {
            #expect((header.firstIndex(of: name) ?? 0) > old, "\(name)")
        }
        let csv = try CSVTable.parse(r.files()[2].text, file: "d.csv")
        func cell(_ name: String) throws -> Double {
            let column = try #require(csv.header.firstIndex(of: name))
            return try #require(Double(csv.rows[0].fields[column]))
        }
        #expect(approx(try cell("energy_mwh_per_period_low"), range.low.energyWh / 1e6, rel: 1e-5))
        #expect(approx(try cell("location_t_per_period_high"), range.high.locationGrams / 1e6, rel: 1e-5))
        #expect(approx(try cell("water_onsite_m3_per_day"), e.perDay.waterOnsiteLitres / 1e3, rel: 1e-5))
        #expect(approx(try cell("water_offsite_m3_per_day"), e.perDay.waterOffsiteLitres / 1e3, rel: 1e-5))
        #expect(approx(try cell("embodied_t_per_period"), try #require(p.embodiedGrams) / 1e6, rel: 1e-5))
        #expect(approx(try cell("cost_per_period_high"), try #require(range.high.cost), rel: 1e-5))
        let json = try JSONParser.parse(Data(r.files()[3].text.utf8), file: "d.json")
        guard case let .object(top) = json, case let .array(scenarios)? = top.first(where: { $0.0 == "scenarios" })?.1,
              case let .object(first) = scenarios[0], case let .object(em)? = first.first(where: { $0.0 == "emissions" })?.1,
              case let .object(pr)? = em.first(where: { $0.0 == "perPeriodRange" })?.1,
              case let .object(low)? = pr.first(where: { $0.0 == "low" })?.1, case let .number(wh)? = low.first(where: { $0.0 == "energyWh" })?.1
        else { Issue.record("no perPeriodRange.low.energyWh"); return }
        #expect(approx(wh, range.low.energyWh, rel: 1e-6))
    }

    /// What no boundary counts is stated, and the embodied figure has its scope (Scope 3
    /// category 2 for the owner, counted in the year bought; the amortisation is TokenWatt's)
    /// and says at the `gpu` boundary that it counts the servers too, with the GPUs' own share.
    @Test func exclusionsAndTheEmbodiedScopeAreStated() throws {
        let r = try report(#"{"region": "de"}"#)
        let md = r.files()[0].text
        #expect(md.contains("Excluded at every boundary") && md.contains("(Scope 3 category 3)") && md.contains("refrigerant leaks (Scope 1)"))
        let site = try section(r, "site"), boards = try section(r, "boards")
        #expect(site.contains("Scope 3 category 2 (capital goods)") && site.contains("in the year the hardware is bought"), "\(site)")
        let e = r.scenarios[1].emissions
        let gpus = try #require(e.embodiedGPUGramsPerDay), all = try #require(e.perDay.embodiedGrams)
        #expect(gpus > 0 && gpus < all)
        #expect(boards.contains("at the `gpu` boundary it is wider than the energy (the GPUs alone: \(ReportUnits.mass(gpus)) of the day's \(ReportUnits.mass(all)))"), "\(boards)")
        #expect(!site.contains("wider than the energy"))
    }

    /// The location factor used is the cited annual one × its daily shape weighted by the load,
    /// and the report says so: the busy load all at hour 12, where the test grid's shape is
    /// × 1.2 (idle replicas draw power every hour), makes 400 g/kWh more than 400.
    @Test func theLocationFactorSaysHowItFollowsFromTheCitedOne() throws {
        var diurnal = [Double](repeating: 0, count: 24)
        diurnal[12] = 1
        let fleet = try runWorkload(kernelWorkload(extra: #""diurnal": \#(diurnal), "pue": {"fixed": 1.2}"#,
                                                   deployment: #"{"name": "d", "model": "meta-llama/Llama-3.1-70B-Instruct", "gpu": "h100-sxm", "gpus": 8}"#))[0]
        var s = EmissionsSettings()
        s.region = "xx"
        let e = try TestCatalogs.accountant.account(fleet, settings: s)
        let weighted = zip(fleet.hourlyEnergyShares, TestCatalogs.profile).reduce(0) { $0 + $1.0 * $1.1 }
        #expect(approx(e.locationGramsPerKWh, 400 * weighted, rel: 1e-9) && weighted > 1.001)
        let words = try #require(e.locationDerivation)
        #expect(words.contains("annual 400 g CO2e/kWh (2023) × \(formatNumber(weighted, significant: 4)), its daily shape"), "\(words)")
        // The bundled shapes' sources name the zone their hours were converted to.
        let es = try #require(GridCatalog.bundled.regions.first { $0.id == "es" }?.hourlyProfile)
        #expect(EmissionsAccountant.hoursWords(es.source) == "local hours, Europe/Madrid")
        #expect(EmissionsAccountant.hoursWords("test profile") == "hours as its source gives them")
        // Spain's location factor is Ember's 2024 figure, its residual mix AIB's 2023: said.
        s.region = "es"
        let spain = try EmissionsAccountant().account(fleet, settings: s)
        #expect(spain.notes.contains { $0.hasPrefix("the location-based factor is for 2024 and the market-based residual mix for 2023") }, "\(spain.notes)")
        #expect(try #require(spain.locationDerivation).contains("local hours, Europe/Madrid"))
    }

    /// A mix whose parts' market-based factors differ in basis (Germany's AIB residual mix is CO2
    /// only, Canada's fallback lifecycle CO2e) prints its factor marked as the Summary's cell is,
    /// where it had read "g CO2e/kWh".
    @Test func aMixsFactorIsMarkedPartlyCO2Only() throws {
        let part = #"{"name": "b", "kind": "kernel", "queriesPerDay": 1e7, "emissions": {"region": "ca"}, "#
            + #""deployments": [{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm"}], "classes": [\#(chatClass())]}"#
        let mix = #"{"name": "m", "kind": "mix", "queriesPerDay": 2e7, "mix": [{"scenario": "a", "share": 0.5}, {"scenario": "b", "share": 0.5}]}"#
        let text = kernelWorkload(extra: #""emissions": {"region": "de"}"#, scenarioName: "a", more: part + ", " + mix)
        let r = try WorkloadReport.build(try readWorkload(text), name: "m", source: "w.json", runner: FleetRunner(dataDirectory: nil), samples: 200)
        let e = r.scenarios[2].emissions
        #expect(e.basesDiffer.market)
        #expect(WorkloadReport.unit(e, location: false) == "g/kWh")
        let md = try section(r, "m")
        #expect(md.contains("market-based \(formatNumber(e.marketGramsPerKWh, significant: 4)) g/kWh (its parts' bases differ: CO2e, partly CO2 only)"), "\(md)")
    }

    /// A market-based figure of 0 (all consumption under zero-carbon instruments) reads in the
    /// unit of the location-based one beside it ("0 t"), where it had read "0 g" among tonnes.
    @Test func aZeroCarbonFigureKeepsItsColumnsUnit() throws {
        let r = try report(#"{"region": "de", "contractualShare": 1, "contractualGramsPerKWh": 0}"#)
        let e = r.scenarios[0].emissions
        #expect(e.perDay.marketGrams == 0 && e.perDay.locationGrams > 0)
        let day = ReportUnits.mass(e.perDay.locationGrams), unit = try #require(day.split(separator: " ").last)
        let md = try section(r, "site")
        let row = try #require(md.split(separator: "\n").first { $0.hasPrefix("| carbon, market-based |") })
        let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(cells[2] == "0 \(unit)" && cells[3] == "0 \(ReportUnits.mass(e.perPeriod.locationGrams).split(separator: " ").last ?? "")", "\(row)")
        #expect(!md.contains("0 g–0 g"), "\(md)")
        #expect(WorkloadReport.mass(0, like: 2.5e6) == "0 t" && WorkloadReport.mass(0, like: 0) == "0 g" && WorkloadReport.mass(5, like: 2.5e6) == "5 g")
    }

    /// A throughput table's day is not its mean query × its queries (Oviedo et al.'s
    /// `traditional`: 0.437 Wh × 1e9 beside a 729 MWh day); the Summary's sentence and the
    /// scenario's table say why where they print it, not only a note further down.
    @Test(.enabled(if: sharedData != nil)) func theDaysMultiplierIsExplainedWhereItIsPrinted() throws {
        let w = try WorkloadReader.read(path: packageRoot.appendingPathComponent("Workloads/oviedo-2026.json").path, dataDirectory: sharedData)
        let r = try WorkloadReport.build(w, name: "o", source: "w.json", runner: FleetRunner(dataDirectory: sharedData), samples: 300)
        let s = try #require(r.scenarios.first { $0.fleet.name == "traditional" })
        let k = try #require(WorkloadReport.dayMultiplier(s.fleet))
        #expect(approx(k, s.fleet.gwhPerDay * 1e9 / (s.fleet.whPerQuery.mean * s.fleet.queriesPerDay)))
        let times = "× \(formatNumber(k, significant: 3))"
        let sentence = r.dayTotalsSentence()
        #expect(sentence.contains("`traditional` (\(times))") && sentence.contains(", whose day is the untrimmed mean query × the fleet overhead 1.3256"), "\(sentence)")
        #expect(try section(r, "traditional").contains("Per day and per period are \(times) the mean query's × the queries"))
    }

    /// The zone a daily shape's source names in parentheses, of two or three parts; nothing else.
    @Test func theHoursAreTheZoneTheSourceNames() {
        #expect(EmissionsAccountant.hoursWords("CAISO hourly (America/Los_Angeles), 2023") == "local hours, America/Los_Angeles")
        #expect(EmissionsAccountant.hoursWords("x (see note) (America/Argentina/Buenos_Aires)") == "local hours, America/Argentina/Buenos_Aires")
        #expect(EmissionsAccountant.hoursWords("(Europe/Madrid) hourly shape") == "local hours, Europe/Madrid")
        for none in ["hourly profile (UTC)", "no zone at all", "(europe/madrid)", "(Europe/)", "(Europe/Madrid"] {
            #expect(EmissionsAccountant.hoursWords(none) == "hours as its source gives them", "\(none)")
        }
    }
}
