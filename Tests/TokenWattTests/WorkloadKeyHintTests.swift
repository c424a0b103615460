import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// A misspelt key in any object of a workload file is named, with the object's path and the
/// nearest key it has: a required one (`"gpuz"` for `gpu`) had been answered "missing field
/// '….gpu'", with no word of the key written.
@Suite struct WorkloadKeyHintTests {
    static let deployment = #"{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm"}"#
    static let query = #"{"name": "c", "share": 1, "deployment": "d", "input": 100, "output": 50}"#
    static let kernel = #"{"name": "s", "kind": "kernel", "deployments": [\#(deployment)], "classes": [\#(query)]}"#
    static let base = #"{"schemaVersion": 1, "description": "x", "samples": 50, "scenarios": [\#(kernel)]}"#
    static let table = #"{"name": "t", "kind": "throughput-table", "throughputTable": {"file": "t.csv", "inputTokens": 500, "#
        + #""models": [{"name": "A", "nodePowerKW": 10}], "output": 300, "powerUtilization": 0.5}}"#

    /// A case: what to replace in `base` (or a scenario to append), the key written, the object's
    /// path and the key meant.
    struct Case: CustomStringConvertible, Sendable {
        let from: String, to: String, key: String, path: String, meant: String
        var description: String { "\(key) in \(path)" }
    }

    static func replacing(_ from: String, _ to: String, key: String, path: String, meant: String) -> Case {
        Case(from: from, to: to, key: key, path: path, meant: meant)
    }

    /// A scenario added after the kernel one.
    static func scenario(_ json: String, key: String, path: String, meant: String) -> Case {
        Case(from: kernel, to: kernel + ", " + json, key: key, path: path, meant: meant)
    }

    static let cases: [Case] = [
        replacing(#""scenarios""#, #""scenarioz""#, key: "scenarioz", path: "", meant: "scenarios"),
        replacing(#""kind": "kernel""#, #""kindd": "kernel""#, key: "kindd", path: "scenarios[0]", meant: "kind"),
        replacing(#""gpu": "h100-sxm""#, #""gpuz": "h100-sxm""#, key: "gpuz", path: "scenarios[0].deployments[0]", meant: "gpu"),
        replacing(#""model": "meta"#, #""modle": "meta"#, key: "modle", path: "scenarios[0].deployments[0]", meant: "model"),
        replacing(#""deployment": "d""#, #""deploymnet": "d""#, key: "deploymnet", path: "scenarios[0].classes[0]", meant: "deployment"),
        replacing(#""output": 50}"#, #""output": 50, "strategy": {"kind": "long-reasoning", "facter": 4}}"#,
                  key: "facter", path: "scenarios[0].classes[0].strategy", meant: "factor"),
        replacing(#""input": 100"#, #""input": {"lognormal": {"p5": 50, "p955": 200}}"#, key: "p955", path: "scenarios[0].classes[0].input.lognormal", meant: "p95"),
        replacing(#""input": 100"#, #""input": {"uniform": {"low": 50, "hihg": 200}}"#, key: "hihg", path: "scenarios[0].classes[0].input.uniform", meant: "high"),
        replacing(#""classes""#, #""levers": [{"name": "l", "precison": "fp8"}], "classes""#, key: "precison", path: "scenarios[0].levers[0]", meant: "precision"),
        replacing(#""classes""#, #""levers": [{"name": "l", "speculative": {"draftTokens": 3, "acceptence": 0.7}}], "classes""#,
                  key: "acceptence", path: "scenarios[0].levers[0].speculative", meant: "acceptance"),
        replacing(#""classes""#, #""uncertain": {"gpuEnergyScal": 1.1}, "classes""#, key: "gpuEnergyScal", path: "scenarios[0].uncertain", meant: "gpuEnergyScale"),
        replacing(#""samples": 50"#, #""samples": 50, "emissions": {"regoin": "us"}"#, key: "regoin", path: "emissions", meant: "region"),
        replacing(#""kind": "kernel""#, #""kind": "kernel", "emissions": {"pricePerkWh": 0.1}"#, key: "pricePerkWh", path: "scenarios[0].emissions", meant: "pricePerKWh"),
        replacing(#""samples": 50"#, #""samples": 50, "emissions": {"hourlyIntensity": {"valeus": [1]}}"#,
                  key: "valeus", path: "emissions.hourlyIntensity", meant: "values"),
        scenario(#"{"name": "m", "kind": "mix", "queriesPerDay": 1, "mix": [{"scenaro": "s", "share": 1}]}"#, key: "scenaro", path: "scenarios[1].mix[0]", meant: "scenario"),
        scenario(table.replacingOccurrences(of: #""file""#, with: #""fiel""#), key: "fiel", path: "scenarios[1].throughputTable", meant: "file"),
        scenario(table.replacingOccurrences(of: "nodePowerKW", with: "nodePowerKw"), key: "nodePowerKw", path: "scenarios[1].throughputTable.models[0]",
                 meant: "nodePowerKW"),
    ]

    @Test(arguments: cases)
    func aMisspeltKeyIsNamedWithTheNearestOne(_ c: Case) throws {
        let text = Self.base.replacingOccurrences(of: c.from, with: c.to)
        try #require(text != Self.base, "the case changed nothing")
        let message: String
        do {
            _ = try WorkloadReader.read(Data(text.utf8), file: "w.json", dataDirectory: nil)
            Issue.record("read without an error: \(text)")
            return
        } catch {
            message = "\(error)"
        }
        let place = c.path.isEmpty ? "" : " in '\(c.path)'"
        #expect(message.hasPrefix("w.json: unknown key '\(c.key)'\(place) (did you mean '\(c.meant)'?); allowed keys: "), "\(message)")
    }

    /// The base file reads: every refusal above is the misspelt key's.
    @Test func theBaseWorkloadReads() throws {
        _ = try WorkloadReader.read(Data(Self.base.utf8), file: "w.json", dataDirectory: nil)
    }

    /// Every bundled workload still reads: no key a reader takes is missing from its object's list.
    @Test func everyBundledWorkloadReads() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let folder = root.appendingPathComponent("Workloads")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }
        #expect(files.count >= 10)
        for f in files {
            #expect(throws: Never.self, "\(f)") {
                _ = try WorkloadReader.read(path: folder.appendingPathComponent(f).path, dataDirectory: DataDirectory.resolveIfNamed(explicit: nil))
            }
        }
    }
}
