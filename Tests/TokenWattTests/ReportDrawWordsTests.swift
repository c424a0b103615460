import Foundation
import Testing
@testable import TokenWatt

/// The report's regenerate line names the draws each kind of scenario made: a throughput table
/// draws its own `samplesPerModel` for every model, not the run's `samples` (the Oviedo report
/// said "100000 samples per scenario" where each table drew 100000 per model; 2026-12-07 probe).
@Suite struct ReportDrawWordsTests {
    static let table = #"{"name": "t", "kind": "throughput-table", "throughputTable": {"file": "oviedo-throughput/model_throughput_DB.csv", "#
        + #""inputTokens": 500, "models": [{"name": "Llama 3.1 70B", "nodePowerKW": 10}], "output": {"exponential": {"median": 300}}, "#
        + #""powerUtilization": {"fixed": 0.5}, "samplesPerModel": 5000}}"#

    static func words(_ text: String) throws -> String {
        WorkloadReport(name: "w", source: "w.json", workload: try readWorkload(text), scenarios: [], samples: 20000, seed: 42).drawWords
    }

    @Test func aTableOnlyWorkloadNamesTheDrawsPerModel() throws {
        let text = #"{"schemaVersion": 1, "description": "x", "samples": 20000, "scenarios": [\#(Self.table)]}"#
        #expect(try Self.words(text) == "5000 samples per model of each throughput table")
    }

    @Test func aKernelWorkloadNamesTheDrawsPerScenario() throws {
        #expect(try Self.words(kernelWorkload()) == "20000 samples per scenario")
    }

    @Test func bothKindsNameBoth() throws {
        let text = kernelWorkload(more: Self.table)
        #expect(try Self.words(text) == "20000 samples per kernel scenario, 5000 samples per model of each throughput table")
    }
}
