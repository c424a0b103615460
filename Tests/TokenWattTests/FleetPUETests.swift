import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// `fleet` states the PUE each scenario applied and where it came from, in text, Markdown and
/// JSON, with the words `report`'s assumptions table uses (`Scenario.pueStatement`): it had stated
/// none, so a reader could not tell a file's 1.3 from the industry's default 1.54.
@Suite struct FleetPUETests {
    /// A one-class workload with `extra` on its scenario, run at few draws, with its renderings.
    func rendered(_ extra: String, boundary: String = "facility") throws -> (text: String, markdown: String, json: JSONValue, w: Workload) {
        let w = try readWorkload(kernelWorkload(extra: #""boundary": "\#(boundary)""# + (extra.isEmpty ? "" : ", " + extra)))
        let results = try FleetRunner(dataDirectory: nil).run(w, samples: 200)
        let json = FleetRendering.json(w, results, file: "w.json")
        guard case let .object(top) = json, case let .array(list)? = top.first(where: { $0.key == "scenarios" })?.value, let s = list.first else {
            Issue.record("no scenarios")
            return ("", "", .null, w)
        }
        return (FleetRendering.text(w, results, file: "w.json"), FleetRendering.markdown(w, results, file: "w.json"), s, w)
    }

    /// Each origin of a PUE: the file's own, its operator's catalogued fleet PUE, the catalog's default.
    @Test(arguments: [
        (#""pue": 1.3"#, "1.3", "workload file w.json"),
        (#""emissions": {"provider": "google"}"#, "1.09", "provider default (the file sets none; emissions.provider google, 2024): "),
        ("", formatNumber(FacilityCatalog.bundled.defaultPUE.value), "default (the file sets none): " + FacilityCatalog.bundled.defaultPUE.source),
    ])
    func thePUEAndItsSourceAreStated(_ c: (extra: String, value: String, source: String)) throws {
        let r = try rendered(c.extra)
        #expect(r.text.contains("\n  PUE: \(c.value); source: \(c.source)"), "\(r.text)")
        #expect(r.markdown.contains("\nPUE: \(c.value); source: \(c.source)"), "\(r.markdown)")
        guard case let .object(pue)? = r.json["pue"] else { Issue.record("no pue in \(r.json)"); return }
        #expect(pue.first { $0.key == "value" }?.value == .string(c.value))
        guard case let .string(source)? = pue.first(where: { $0.key == "source" })?.value else { Issue.record("no source"); return }
        #expect(source.hasPrefix(c.source), "\(source)")
        // The words `report` cites in its assumptions table.
        let statement = try #require(r.w.scenarios[0].pueStatement(file: "w.json", workloadEmissions: r.w.emissions))
        #expect(statement.value == c.value && statement.source == source)
    }

    /// Below the facility boundary the PUE is outside the figure, and the line says so.
    @Test func belowTheFacilityThePUEIsSaidToBeOutside() throws {
        let r = try rendered(#""pue": 1.3"#, boundary: "it")
        #expect(r.text.contains("\n  PUE (outside the it boundary: the facility-overhead line only): 1.3; source: workload file w.json"), "\(r.text)")
    }

    /// A mix applies each part's own PUE: it states none, and its JSON `pue` is null.
    @Test func aMixStatesNoPUEOfItsOwn() throws {
        let mix = #"{"name": "m", "kind": "mix", "queriesPerDay": 1e6, "mix": [{"scenario": "s", "share": 1}]}"#
        let w = try readWorkload(kernelWorkload(extra: #""pue": 1.3"#, more: mix))
        let results = try FleetRunner(dataDirectory: nil).run(w, samples: 200)
        let text = FleetRendering.text(w, results, file: "w.json")
        #expect(text.components(separatedBy: "PUE: 1.3; source: workload file w.json").count == 2, "\(text)")
        guard case let .object(top) = FleetRendering.json(w, results, file: "w.json"), case let .array(list)? = top.first(where: { $0.key == "scenarios" })?.value
        else { Issue.record("no scenarios"); return }
        #expect(list.count == 2 && list[1]["pue"] == .null)
    }
}
