import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// What a GHG-accounting auditor's probe of `report`, `fleet`, `regions` and `facilities` found
/// on 2026-12-07: a residual-mix fallback said to be unpublished, defaults reported as the
/// file's, a provider running another's region, upstream fuel said excluded beside lifecycle
/// factors, whole servers' embodied carbon beside a GPU's share of their power, and more.
@Suite struct EmissionsAuditTests {
    /// The auditor's scratch workload: one kernel scenario at the facility boundary, 1 × H100
    /// serving 1000 in / 200 out, PUE 1.2 unless `pue` is false, with `emissions` as given.
    func report(_ emissions: String, pue: Bool = true) throws -> WorkloadReport {
        let text = kernelWorkload(extra: #""boundary": "facility""# + (pue ? #", "pue": {"fixed": 1.2}"# : ""))
            .replacingOccurrences(of: #""scenarios": ["#, with: #""emissions": \#(emissions), "scenarios": ["#)
        return try WorkloadReport.build(try readWorkload(text), name: "a", source: "w.json", runner: FleetRunner(dataDirectory: nil), samples: 300)
    }

    func factor(_ r: WorkloadReport, _ prefix: String) throws -> AccountingFactor {
        try #require(r.scenarios[0].emissions.factors.first { $0.name.hasPrefix(prefix) }, "\(r.scenarios[0].emissions.factors.map(\.name))")
    }

    func csvCells(_ r: WorkloadReport) throws -> [String: String] {
        let csv = try CSVTable.parse(r.files()[2].text, file: "a.csv")
        return Dictionary(uniqueKeysWithValues: zip(csv.header, csv.rows[0].fields))
    }

    // MARK: - Residual mix and contracts

    /// Norway's residual mix is published (AIB) but not catalogued: the note had said "no
    /// published residual mix" and did not warn that the generation-mix fallback understates.
    @Test func aFallbackResidualMixSaysNotInTheCatalogAndWhichWayItErrs() throws {
        let notes = try report(#"{"region": "azure-norwayeast"}"#).scenarios[0].emissions.notes
        let note = try #require(notes.first { $0.hasPrefix("no residual mix for no in the catalog") }, "\(notes)")
        #expect(note.contains("probably understates") && !notes.contains { $0.contains("no published residual mix") }, "\(note)")
        for id in ["no", "ch", "gb", "at"] {
            let g = try #require(GridCatalog.bundled.regions.first { $0.id == id })
            #expect(g.residualMix == nil && g.residualMixMissing != nil, "\(id)")
        }
    }

    /// A share with no factor of its own is at the default 0 g, which the row had credited to
    /// the workload file.
    @Test func theDefaultContractualFactorIsSaidToBeTheDefault() throws {
        let byDefault = try factor(try report(#"{"region": "de", "contractualShare": 1}"#), "contractual instruments")
        #expect(byDefault.value.contains("default") && byDefault.source != "workload file" && byDefault.source.contains("default"), "\(byDefault)")
        let prose = ReportDocument.markdown(try report(#"{"region": "de", "contractualShare": 1}"#).blocks(charts: false))
        #expect(prose.contains("market-based 0 g CO2e/kWh (the contractual instruments' factor") && !prose.contains("the workload file's figure"))
        let own = try factor(try report(#"{"region": "de", "contractualShare": 1, "contractualGramsPerKWh": 0}"#), "contractual instruments")
        #expect(!own.value.contains("default") && own.source == "workload file", "\(own)")
    }

    /// A factor with no share covered nothing and was dropped with no word.
    @Test func aContractualFactorWithoutAShareIsRefused() throws {
        let text = kernelWorkload().replacingOccurrences(of: #""scenarios": ["#, with: #""emissions": {"region": "de", "contractualGramsPerKWh": 50}, "scenarios": ["#)
        let message = workloadError(text)
        #expect(message.contains("emissions.contractualGramsPerKWh") && message.contains("contractualShare"), "\(message)")
        // A workload's factor that a scenario gives a share to stands.
        let shared = kernelWorkload(extra: #""emissions": {"contractualShare": 0.5}"#)
            .replacingOccurrences(of: #""scenarios": ["#, with: #""emissions": {"region": "de", "contractualGramsPerKWh": 50}, "scenarios": ["#)
        #expect(try readWorkload(shared).scenarios[0].emissions?.contractualGramsPerKWh == 50)
        let scenario = kernelWorkload(extra: #""emissions": {"contractualGramsPerKWh": 50}"#)
        #expect(workloadError(scenario).contains("scenarios[0].emissions.contractualGramsPerKWh"))
    }

    // MARK: - Operators

    /// Google had been accepted as the operator of an AWS region and charged its WUE there.
    @Test func aProviderThatDoesNotRunTheCloudRegionIsRefused() throws {
        let text = kernelWorkload().replacingOccurrences(of: #""scenarios": ["#, with: #""emissions": {"region": "aws-us-east-1", "provider": "google"}, "scenarios": ["#)
        let message = workloadError(text)
        #expect(message.contains("emissions.provider") && message.contains("amazon"), "\(message)")
        // The alias names the same operator, and a grid region takes any.
        #expect(try report(#"{"region": "aws-us-east-1", "provider": "aws"}"#).scenarios[0].emissions.host?.provider == "amazon")
        #expect(try report(#"{"region": "us", "provider": "google"}"#).scenarios[0].emissions.host?.provider == "google")
    }

    /// The operator is the facility catalog's id in every report: `aws` in one, `amazon` in another.
    @Test func everyCloudRegionNamesItsOperatorByTheFacilityCatalogsID() throws {
        let ids = Set(FacilityCatalog.bundled.providers.map(\.id))
        for c in GridCatalog.bundled.cloudRegions { #expect(ids.contains(c.provider), "\(c.id): \(c.provider)") }
        #expect(try report(#"{"region": "aws-us-east-1"}"#).scenarios[0].emissions.host == Host(cloudRegion: "aws-us-east-1", provider: "amazon"))
    }

    /// A pue on a cloud region drops the operator's WUE: the LBNL default had been printed with
    /// no word of "default" and no note of why the operator's was not used.
    @Test func aDefaultWUEIsLabelledAndTheDroppedOperatorFigureExplained() throws {
        let r = try report(#"{"region": "aws-us-east-1"}"#)
        let wue = try factor(r, "on-site water")
        #expect(wue.source.hasPrefix("default (the file sets none)"), "\(wue.source)")
        #expect(r.scenarios[0].emissions.notes.contains { $0.contains("sets its own pue") && $0.contains("0.12") && $0.contains("taken together") })
        let own = try report(#"{"region": "aws-us-east-1"}"#, pue: false)
        #expect(try factor(own, "on-site water").source.hasPrefix("provider default"))
        #expect(!own.scenarios[0].emissions.notes.contains { $0.contains("is not used either") })
        let wueGiven = try report(#"{"region": "aws-us-east-1", "wueLitresPerKWh": 0.2}"#, pue: false)
        #expect(wueGiven.scenarios[0].emissions.notes.contains { $0.contains("sets its own wueLitresPerKWh") && $0.contains("fleet PUE") })
        let lifetime = try factor(r, "lifetime")
        #expect(lifetime.source.hasPrefix("default (the file sets none)"), "\(lifetime.source)")
    }

    /// Amazon's basis is the catalog's inference ("appears to be withdrawal-based"), not its word.
    @Test func anInferredWaterBasisIsSaidToBeInferred() throws {
        let amazon = try factor(try report(#"{"region": "aws-us-east-1"}"#, pue: false), "on-site water")
        #expect(amazon.value.contains("withdrawn (inferred from the source)"), "\(amazon.value)")
        let google = try factor(try report(#"{"region": "us", "provider": "google"}"#), "on-site water")
        #expect(!google.value.contains("inferred"))
        let row = try #require(CatalogConstants.facilities(nodes: []).first { $0.id == "amazon" && $0.figure == "WUE" })
        #expect(row.basis.contains("inferred"))
    }

    // MARK: - Boundary, embodied and water

    /// Upstream fuel had been said excluded at every boundary beside Ember's lifecycle factors.
    @Test func theExclusionsFollowTheGridFactorsBasis() throws {
        let lifecycle = try report(#"{"region": "no"}"#), direct = try report(#"{"region": "us-egrid-camx"}"#)
        #expect(lifecycle.excludedWords.contains("lifecycle CO2e factor") && !lifecycle.excludedWords.contains("the upstream supply of fuel (Scope 3"))
        #expect(direct.excludedWords.contains("and the upstream supply of fuel (Scope 3 category 3)") && !direct.excludedWords.contains("lifecycle"))
        #expect(lifecycle.files()[3].text.contains("includes the fuel's supply"))
    }

    /// A server's footprint by the GPUs' share of it, as host power: 1 GPU had paid a whole
    /// 8-GPU server's 5700 kg.
    @Test func embodiedChargesTheGPUsShareOfAServer() throws {
        let r = try report(#"{"region": "us"}"#), f = FacilityCatalog.bundled
        let gpus = r.scenarios[0].fleet.hardware.reduce(0) { $0 + $1.gpus }
        let server = try #require(f.nodes.first { $0.id == r.scenarios[0].fleet.servers[0].node.id })
        let gpu = try #require(f.gpus.first { $0.id == "h100-sxm" })
        let perDay = (Double(gpus) * gpu.kgCO2e + Double(gpus) / 8 * server.kgCO2e) * 1000 / (5 * 365)
        #expect(approx(try #require(r.scenarios[0].emissions.perDay.embodiedGrams), perDay, rel: 1e-9))
        #expect(ReportDocument.markdown(r.disclosure(r.scenarios[0])).contains("GPUs ÷ GPUs per server"))
    }

    /// A period past the hardware's life assumes its replacement; the report had said nothing.
    @Test func aPeriodLongerThanTheLifetimeAssumesReplacement() throws {
        let long = try report(#"{"region": "us", "reportingPeriodDays": 36500}"#).scenarios[0].emissions.notes
        #expect(long.contains { $0.contains("36500 days") && $0.contains("replaced") }, "\(long)")
        #expect(!(try report(#"{"region": "us"}"#).scenarios[0].emissions.notes.contains { $0.contains("replaced") }))
    }

    /// CSV `water_m3_per_day` had added Amazon's withdrawal to the grid's consumption.
    @Test func theCSVSumsWaterOnlyOnOneBasis() throws {
        let amazon = try csvCells(try report(#"{"region": "aws-us-east-1"}"#, pue: false))
        #expect(amazon["water_m3_per_day"] == "" && amazon["water_onsite_m3_per_day"] != "")
        let google = try csvCells(try report(#"{"region": "us", "provider": "google"}"#))
        #expect(google["water_m3_per_day"] != "")
    }

    // MARK: - Years

    /// Electricity Maps' 2023 direct shape on Ember's 2024 lifecycle mean had not been flagged;
    /// the factors' years are machine-readable.
    @Test func aShapeFromAnotherYearOrBasisIsNotedAndYearsAreColumns() throws {
        let r = try report(#"{"region": "es"}"#)
        let notes = r.scenarios[0].emissions.notes
        #expect(notes.contains { $0.contains("2023 direct combustion hourly data") && $0.contains("2024 lifecycle CO2e") }, "\(notes)")
        let cells = try csvCells(r)
        #expect(cells["location_year"] == "2024" && cells["market_year"] == "2023")
        #expect(try csvCells(try report(#"{"region": "es", "residualMixGramsPerKWh": 300}"#))["market_year"] == "")
    }

    // MARK: - Listings

    /// `help regions` and `help facilities` promise a note on every row without a year; the
    /// cloud-region and node rows had neither.
    @Test func everyListedRowHasAYearOrANote() {
        let rows = CatalogConstants.regions() + CatalogConstants.facilities(nodes: GPUCatalog.bundled.nodes)
        for r in rows { #expect(r.year != nil || (r.note ?? "").hasPrefix("no year:"), "\(r.kind) \(r.id) \(r.figure)") }
    }
}
