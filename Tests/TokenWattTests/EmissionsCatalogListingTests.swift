import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// The emissions catalogs as `regions` and `facilities` list them, and the region, currency,
/// trace-column, reference and throughput-table messages probed on 2026-12-06.
@Suite struct EmissionsCatalogListingTests {
    /// Every figure of every grid region is a row with its unit, basis and source: 57 regions'
    /// location factors, each residual mix and each cloud region's grid.
    @Test func everyRegionFigureIsARowWithItsSource() throws {
        let rows = CatalogConstants.regions()
        let g = GridCatalog.bundled
        for r in g.regions {
            let location = try #require(rows.first { $0.kind == "grid" && $0.id == r.id && $0.figure == "location" }, "\(r.id)")
            #expect(location.value == r.location.value && location.source == r.location.source && !location.basis.isEmpty && !location.unit.isEmpty)
            #expect(rows.contains { $0.id == r.id && $0.figure == "residual mix" } == (r.residualMix != nil), "\(r.id)")
        }
        for c in g.cloudRegions { #expect(rows.contains { $0.kind == "cloud" && $0.id == c.id && $0.text == c.region }, "\(c.id)") }
        #expect(rows.allSatisfy { !$0.source.isEmpty })
        // JSON's value is a number or null, never words (a cloud row's grid id had been a string there).
        for r in rows {
            guard case let .object(fields) = CatalogConstants.json(r), let value = fields.first(where: { $0.0 == "value" })?.1 else {
                Issue.record("\(r.id): no value field"); continue
            }
            switch value {
            case .number, .null: break
            default: Issue.record("\(r.id) \(r.figure): value \(value)")
            }
        }
    }

    /// Every operator's PUE and WUE, the defaults, embodied figures, lifetimes and host power.
    @Test func everyFacilityFigureIsARowWithItsSource() throws {
        let f = FacilityCatalog.bundled, nodes = GPUCatalog.bundled.nodes
        let rows = CatalogConstants.facilities(nodes: nodes)
        for p in f.providers {
            if let pue = p.pue { #expect(rows.contains { $0.id == p.id && $0.figure == "PUE" && $0.value == pue.value }, "\(p.id)") }
            if let w = p.wue { #expect(rows.contains { $0.id == p.id && $0.figure == "WUE" && $0.value == w.litresPerKWh.value }, "\(p.id)") }
        }
        #expect(rows.contains { $0.kind == "default" && $0.figure == "PUE" && $0.value == f.defaultPUE.value })
        for e in f.gpus + f.nodes { #expect(rows.contains { $0.kind == "embodied" && $0.id == e.id && $0.value == e.kgCO2e && $0.basis == e.scope }) }
        for n in nodes {
            let busy = try #require(rows.first { $0.id == n.id && $0.figure == "host power busy" })
            #expect(busy.value == n.hostActivePower.watts && busy.source == n.source(of: "hostActiveWatts"))
        }
        #expect(rows.allSatisfy { !$0.source.isEmpty })
    }

    /// `germny` had no suggestion and `us-camx` none; `uk` was offered dk, us and ae.
    @Test(arguments: [("germny", "'de'"), ("us-camx", "'us-egrid-camx'"), ("californa", "'us-egrid-camx'")])
    func regionTyposSuggestTheRegion(typo: String, suggestion: String) throws {
        #expect { try GridCatalog.bundled.region(typo) } throws: { "\($0)".contains("did you mean \(suggestion)") && "\($0)".contains("tokenwatt regions") }
    }

    /// `uk` is the catalog's alias of gb, kept as gb; a wrong id is still refused.
    @Test func anAliasIsTheRegionItNames() throws {
        #expect(try GridCatalog.bundled.region("uk").grid.id == "gb")
        let w = try readWorkload(kernelWorkload(extra: #""emissions": {"region": "UK"}"#))
        #expect(w.scenarios[0].emissions?.region == "gb")
        // An id in capitals is the same region, kept as the catalog spells it.
        #expect(try readWorkload(kernelWorkload(extra: #""emissions": {"region": "GB"}"#)).scenarios[0].emissions?.region == "gb")
        #expect(throws: InputError.self) { try GridCatalog.bundled.region("ukk-x") }
    }

    /// An empty currency had been taken, the cost printed as a bare 2.84e-6.
    @Test(arguments: ["", " ", "U S D"]) func aBlankCurrencyIsRefused(currency: String) throws {
        #expect { try readWorkload(kernelWorkload(extra: #""emissions": {"pricePerKWh": 0.1, "currency": "\#(currency)"}"#)) } throws: {
            "\($0)".contains("emissions.currency") && "\($0)".contains("a currency code")
        }
        #expect(try readWorkload(kernelWorkload(extra: #""emissions": {"pricePerKWh": 0.1, "currency": "EUR"}"#)).scenarios[0].emissions?.currency == "EUR")
    }

    /// A missing column lists the header's columns, not only the name it could not find.
    @Test func aMissingTraceColumnListsTheHeader() throws {
        let f = try temporaryFile("cols.csv", "ts,prompt_tokens,completion_tokens\n0,10,20\n")
        defer { try? FileManager.default.removeItem(at: f) }
        #expect { try readAll(f.path, .csv(timestamp: "ts", input: "prompt_tokens", output: "completion", milliseconds: false)) } throws: {
            let s = "\($0)"
            return s.contains("unknown column 'completion'") && s.contains("'ts', 'prompt_tokens', 'completion_tokens'")
                && s.contains("its 3 columns")
        }
    }

    /// A reference longer than the model's context window is said, as estimate says it.
    @Test func aReferencePastTheContextIsNoted() throws {
        let e = Estimator()
        let d = try e.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-70B-Instruct", gpu: "h100-sxm", gpus: 8, tensorParallel: 8))
        func notes(_ input: Int) throws -> [String] {
            try TokenFormula(estimator: e, deployment: d, batch: 8, input: input, output: 1000, settings: try LedgerSettings(), boundary: .facility).notes
        }
        #expect(try notes(200_000).contains { $0.contains("exceed the \(d.model.maxPositions)-token context window") })
        #expect(try notes(2000).isEmpty)
    }

    /// power names the engines a batch splits over: 8 GPUs at tp 4 run 2 engines of 128.
    @Test func powerSaysHowTheBatchSplitsOverEngines() throws {
        let e = Estimator()
        func assumptions(gpus: Int) throws -> [String] {
            let d = try e.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm", gpus: gpus, tensorParallel: 4))
            return try PowerPlan(estimator: e, deployment: d, inputs: .init(batch: 256, inputTokens: 1000, outputTokens: 250)).assumptions
        }
        #expect(try assumptions(gpus: 8).contains { $0.hasPrefix("2 data-parallel engines (replicas) of 4 GPUs each") && $0.contains("split 128 per engine") })
        #expect(try !assumptions(gpus: 4).contains { $0.contains("data-parallel engines") })
    }
}

/// The throughput-table scenario's notes reconcile a query's figure with the day's.
@Suite struct ThroughputTableNoteTests {
    @Test(.enabled(if: sharedData != nil)) func theNoteGivesTheFactorFromAQueryToTheDay() throws {
        let w = try WorkloadReader.read(path: packageRoot.appendingPathComponent("Workloads/oviedo-2026.json").path, dataDirectory: sharedData)
        let r = try #require(try FleetRunner(dataDirectory: sharedData).run(w).first { $0.name == "traditional" })
        let factor = r.gwhPerDay * 1e9 / (r.whPerQuery.mean * r.queriesPerDay)
        let note = try #require(r.notes.first { $0.hasPrefix("throughput-table mode") })
        #expect(note.contains("× \(formatNumber(factor, significant: 3)) a query's"), "\(note)")
        #expect(note.contains("= \(formatNumber(r.gwhPerDay, significant: 3)) GWh"), "\(note)")
        guard case let .throughputTable(t)? = w.scenarios.first(where: { $0.name == "traditional" })?.kind else { Issue.record("no table"); return }
        let untrimmed = r.gwhPerDay * 1e9 / r.queriesPerDay / t.fleetOverhead
        #expect(note.contains("untrimmed mean \(formatNumber(untrimmed, significant: 3)) Wh"), "\(note)")
        #expect(r.notes.contains(ThroughputTableModel.errorCaveat))
    }
}
