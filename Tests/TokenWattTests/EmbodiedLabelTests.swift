import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// What a life-cycle-assessment analyst's probe of `report` found on 2026-12-07 in the embodied,
/// boundary and assumption sections: a partial figure labelled "(servers only)", an end of life
/// said excluded beside a footprint that counts it, a replacement note counting GPUs for servers,
/// `"embodied": false` said nowhere in the CSV or JSON, lifetime rows with no scenario, and
/// water rows in two units.
@Suite struct EmbodiedLabelTests {
    /// A workload of the given scenarios (JSON text) with `emissions` as the workload's own.
    func report(_ emissions: String, _ scenarios: String...) throws -> WorkloadReport {
        let text = #"{"schemaVersion": 1, "description": "t", "samples": 300, "seed": 7, "emissions": \#(emissions), "scenarios": ["#
            + scenarios.joined(separator: ", ") + "]}"
        return try WorkloadReport.build(try readWorkload(text), name: "t", source: "w.json", runner: FleetRunner(dataDirectory: nil), samples: 300)
    }

    /// A kernel scenario serving Llama 3.1 8B on `gpus` × `gpu`, with its own `emissions` if given.
    func scenario(_ name: String, gpu: String = "h100-sxm", gpus: Int = 1, emissions: String = "") -> String {
        #"{"name": "\#(name)", "kind": "kernel", "queriesPerDay": 1e7"# + (emissions.isEmpty ? "" : #", "emissions": \#(emissions)"#)
            + #", "deployments": [{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "\#(gpu)", "gpus": \#(gpus)}], "#
            + #""classes": [\#(chatClass())]}"#
    }

    func csvCell(_ r: WorkloadReport, row: Int = 0, _ column: String) throws -> String {
        let csv = try CSVTable.parse(r.files()[2].text, file: "t.csv")
        return csv.rows[row].fields[try #require(csv.header.firstIndex(of: column))]
    }

    // MARK: - 1. Labels

    /// A figure that counts some GPUs is partial, not "(servers only)": half the traffic on
    /// H100 SXM (counted) and half on H100 PCIe (no footprint) had read "(servers only)".
    @Test func aFigureWithSomeGPUsCountedIsPartial() throws {
        let two = #"{"name": "s", "kind": "kernel", "queriesPerDay": 1e7, "deployments": ["#
            + #"{"name": "sxm", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm", "gpus": 2}, "#
            + #"{"name": "pcie", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-pcie"}], "classes": ["#
            + #"{"name": "a", "share": 0.5, "deployment": "sxm", "input": {"fixed": 1000}, "output": {"fixed": 200}}, "#
            + #"{"name": "b", "share": 0.5, "deployment": "pcie", "input": {"fixed": 1000}, "output": {"fixed": 200}}]}"#
        let e = try report(#"{"region": "us"}"#, two).scenarios[0].emissions
        #expect(e.embodiedMissing.gpus == ["h100-pcie"] && e.embodiedMissing.nodes.isEmpty, "\(e.embodiedMissing)")
        #expect(e.embodiedMissing.label(e.perDay.embodiedGrams, ReportUnits.mass).hasSuffix(" (partial)"))
        // The labels by what was counted.
        #expect(EmbodiedMissing(gpus: ["x"], serversCounted: true).label(1, ReportUnits.mass) == "1 g (servers only)")
        #expect(EmbodiedMissing(gpus: ["x"], gpusCounted: true, serversCounted: true).label(1, ReportUnits.mass) == "1 g (partial)")
        #expect(EmbodiedMissing(nodes: ["y"], gpusCounted: true).label(1, ReportUnits.mass) == "1 g (GPUs only)")
        #expect(EmbodiedMissing(nodes: ["y"], gpusCounted: true, serversCounted: true).label(1, ReportUnits.mass) == "1 g (partial)")
    }

    // MARK: - 2. Boundaries

    /// A footprint whose boundary differs is said where the fleet counts it, and the end of life
    /// its source counts is not said to be excluded: the A100 PCIe's 181 kg (Hubblo/ADEME) had sat
    /// under "Excluded at every boundary: … and the hardware's end of life".
    @Test func aFootprintOnAnotherBoundaryIsSaid() throws {
        let r = try report(#"{"region": "us"}"#, scenario("pcie", gpu: "a100-pcie-40gb"), scenario("sxm"))
        let pcie = r.scenarios[0], sxm = r.scenarios[1]
        #expect(pcie.emissions.notes.contains { $0.hasPrefix("embodied boundary of a100-pcie-40gb differs") && $0.contains("end of life") },
                "\(pcie.emissions.notes)")
        #expect(!sxm.emissions.notes.contains { $0.hasPrefix("embodied boundary") })
        #expect(r.excludedWords.contains("and the hardware's end of life, except in the embodied footprint of a100-pcie-40gb (pcie), whose source counts it."),
                "\(r.excludedWords)")
        #expect(WorkloadReport.embodiedWords(pcie).hasPrefix("Embodied carbon is the hardware's manufacturing (for a100-pcie-40gb also its distribution and end of life"))
        #expect(WorkloadReport.embodiedWords(sxm).hasPrefix("Embodied carbon is the hardware's manufacturing: "))
        let plain = try report(#"{"region": "us"}"#, scenario("sxm"))
        #expect(plain.excludedWords.contains("and the hardware's end of life. Embodied carbon"))
        // An A100 SXM figure has no baseboard share: said, though its stages are manufacturing's.
        let a100 = try report(#"{"region": "us"}"#, scenario("a", gpu: "a100-sxm-80gb"))
        #expect(a100.scenarios[0].emissions.notes.contains { $0.hasPrefix("embodied boundary of a100-sxm-80gb") && $0.contains("baseboard") })
        #expect(a100.excludedWords.contains("and the hardware's end of life. Embodied carbon"))
    }

    /// Every footprint that counts a stage beyond manufacturing says how its boundary differs,
    /// and the A100 figures (no HGX baseboard share, or a broader boundary) say so; a stage the
    /// catalog does not know is refused naming the field.
    @Test func theCatalogStatesEachDifferingBoundary() throws {
        let f = FacilityCatalog.bundled
        for e in f.gpus + f.nodes where !e.alsoCounts.isEmpty { #expect(e.boundaryNote != nil, "\(e.id)") }
        for id in ["a100-sxm-40gb", "a100-sxm-80gb", "a100-pcie-40gb"] {
            #expect(f.gpus.first { $0.id == id }?.boundaryNote != nil, "\(id)")
        }
        #expect(f.gpus.first { $0.id == "a100-pcie-40gb" }?.alsoCounts == ["distribution", "end of life"])
        #expect(f.gpus.first { $0.id == "h100-sxm" }?.boundaryNote == nil)
        let bad = #"{"schemaVersion": 1, "embodiedGPUs": [{"gpu": "g", "kgCO2e": 1, "scope": "t", "source": "t", "alsoCounts": ["use"]}], "embodiedNodes": [], "#
            + #""lifetimeYears": {"gpu": {"value": 4, "source": "t"}, "node": {"value": 5, "source": "t"}}, "providers": [], "#
            + #""defaults": {"pue": {"value": 1.5, "source": "t"}, "wueLitresPerKWh": {"value": 1.8, "per": "facility", "source": "t"}}}"#
        #expect(throws: InputError.self) { try FacilityCatalog.load(Data(bad.utf8), file: "f.json") }
        do { _ = try FacilityCatalog.load(Data(bad.utf8), file: "f.json") } catch {
            #expect("\(error)".contains("embodiedGPUs[0].alsoCounts"), "\(error)")
        }
    }

    // MARK: - 3. Replacement

    /// The note names only the hardware whose life the period exceeds and counts its sets: GPUs
    /// of 10 years and servers of 3 over 5 years had read "about 0.5 sets of GPUs".
    @Test func theReplacementNoteCountsTheHardwareReplaced() throws {
        let servers = try #require(EmissionsAccountant.replacementNote(periodDays: 1825, gpuYears: 10, nodeYears: 3))
        #expect(servers.contains("longer than the servers' lifetime (3 years)") && servers.contains("about 1.67 sets of servers"), "\(servers)")
        #expect(!servers.contains("GPUs"), "\(servers)")
        let gpus = try #require(EmissionsAccountant.replacementNote(periodDays: 1825, gpuYears: 3, nodeYears: 10))
        #expect(gpus.contains("the GPUs' lifetime (3 years)") && gpus.contains("about 1.67 sets of GPUs") && !gpus.contains("servers"), "\(gpus)")
        let both = try #require(EmissionsAccountant.replacementNote(periodDays: 36500, gpuYears: 5, nodeYears: 4))
        #expect(both.contains("(5 years for the GPUs, 4 for the servers)") && both.contains("about 20 sets of GPUs and 25 sets of servers"), "\(both)")
        #expect(EmissionsAccountant.replacementNote(periodDays: 365, gpuYears: 5, nodeYears: 3) == nil)
        let notes = try report(#"{"region": "us", "gpuLifetimeYears": 10, "nodeLifetimeYears": 3, "reportingPeriodDays": 1825}"#, scenario("s"))
            .scenarios[0].emissions.notes
        #expect(notes.contains { $0.contains("about 1.67 sets of servers") }, "\(notes)")
    }

    // MARK: - 4. "embodied": false

    /// A figure turned off says so in the CSV and JSON, and names whose setting it is: the cell
    /// had been empty beside an empty figure, and a scenario's own setting put down to the workload.
    @Test func embodiedFalseIsSaidInEveryFormat() throws {
        let r = try report(#"{"region": "us", "embodied": false}"#, scenario("s"))
        #expect(try csvCell(r, "embodied_not_counted") == "embodied: false for scenario s")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.files()[3].text.utf8)) as? [String: Any])
        let emissions = try #require(((json["scenarios"] as? [[String: Any]])?.first?["emissions"]) as? [String: Any])
        #expect((emissions["embodiedNotCounted"] as? [String: Any])?["scenariosEmbodiedFalse"] as? [String] == ["s"], "\(emissions["embodiedNotCounted"] ?? "")")
        #expect(r.scenarios[0].emissions.notes.contains(#"embodied emissions are not counted: the workload sets "embodied": false"#))
        let own = try report(#"{"region": "us"}"#, scenario("s", emissions: #"{"embodied": false}"#))
        #expect(own.scenarios[0].emissions.notes.contains(#"embodied emissions are not counted: the scenario sets "embodied": false"#),
                "\(own.scenarios[0].emissions.notes)")
    }

    /// A mix whose part's scenario sets `"embodied": false` says that, not that the part "has
    /// no embodied figure" (its H200s have 188.4 kg); its CSV names the part.
    @Test func aMixSaysWhichPartIsSetNotToCount() throws {
        let mix = #"{"name": "m", "kind": "mix", "queriesPerDay": 2e7, "mix": [{"scenario": "h100", "share": 0.5}, {"scenario": "h200", "share": 0.5}]}"#
        let r = try report(#"{"region": "us"}"#, scenario("h100"), scenario("h200", gpu: "h200", emissions: #"{"embodied": false}"#), mix)
        let m = r.scenarios[2].emissions
        #expect(m.notes.contains("embodied emissions are not counted: part h200 of this mix is set not to count it (\"embodied\": false)"), "\(m.notes)")
        #expect(!m.notes.contains { $0.contains("has no embodied figure") })
        #expect(r.scenarios[1].emissions.notes.contains(#"embodied emissions are not counted: the scenario sets "embodied": false"#))
        #expect(try csvCell(r, row: 2, "embodied_not_counted") == "embodied: false for scenario h200")
    }

    // MARK: - 5. Lifetime rows

    /// The lifetime rows name their scenarios where the scenarios' lifetimes differ, as the PUE
    /// rows do; where all share one, the one row names none.
    @Test func lifetimeRowsNameTheirScenariosWhereTheyDiffer() throws {
        let r = try report(#"{"region": "us"}"#, scenario("a"), scenario("b", emissions: #"{"gpuLifetimeYears": 3}"#))
        let names = r.assumptionRows().map(\.[0]).filter { $0.hasPrefix("lifetime") }
        #expect(names == ["lifetime (GPU / server), scenario a", "lifetime (GPU / server), scenario b"], "\(names)")
        let same = try report(#"{"region": "us"}"#, scenario("a"), scenario("b"))
        #expect(same.assumptionRows().map(\.[0]).filter { $0.hasPrefix("lifetime") } == ["lifetime (GPU / server)"])
    }

    // MARK: - 6. Units

    /// A water row of 0 takes the other water row's unit, as carbon does: off-site water at
    /// 0 L/kWh had read "0 mL" a day beside an on-site figure in m³.
    @Test func aZeroWaterRowTakesTheOtherRowsUnit() throws {
        #expect(WorkloadReport.water(0, like: 184_000) == "0 m³")
        #expect(WorkloadReport.water(0, like: 0) == "0 mL" && WorkloadReport.water(2, like: 184_000) == "2 L")
        let r = try report(#"{"region": "us", "waterLitresPerKWh": 0}"#, scenario("s"))
        let md = r.files()[0].text.split(separator: "\n")
        let onsite = try #require(md.first { $0.hasPrefix("| water, on-site") }), offsite = try #require(md.first { $0.hasPrefix("| water, off-site") })
        func units(_ row: Substring) -> [String] { ReadmeFiguresTests.cells(row).dropFirst().map { String($0.split(separator: " ").last ?? "") } }
        #expect(units(onsite) == units(offsite), "\(onsite)\n\(offsite)")
    }

    /// The README's catalog counts are the catalogs': it had said 57 grid regions where
    /// `regions` lists 58 (Québec's, from Google Cloud, left out of its breakdown).
    @Test func theReadmeCountsTheCatalogs() throws {
        let readme = try String(contentsOf: packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
            .split(whereSeparator: \.isNewline).joined(separator: " ")
        let f = FacilityCatalog.bundled, g = GridCatalog.bundled
        for claim in ["\(g.regions.count) grid regions", "\(g.cloudRegions.count) AWS, Azure and GCP regions",
                      "embodied emissions for \(f.gpus.count) GPUs", "and \(f.nodes.count) servers, lifetimes"] {
            #expect(readme.contains(claim), "README lacks '\(claim)'")
        }
        #expect(readme.contains("Québec from Google Cloud") && g.regions.contains { $0.id == "ca-qc" })
    }
}
