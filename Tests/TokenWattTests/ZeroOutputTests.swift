import Foundation
import Testing
@testable import TokenWatt

/// An output distribution whose every draw rounds to 0 tokens is refused as `{"fixed": 0}` is: a
/// positive mean had let an exponential of median 1e-9 (mean 1.4e-9 tokens) through, and its
/// queries were priced as prompts alone; a throughput table's were priced at 0 Wh.
@Suite struct ZeroOutputTests {
    static func table(output: String, round: Bool = true) -> String {
        #"{"schemaVersion": 1, "description": "x", "scenarios": [{"name": "m", "kind": "throughput-table", "throughputTable": "#
            + #"{"file": "oviedo-throughput/model_throughput_DB.csv", "inputTokens": 500, "models": [{"name": "Llama 3.1 70B", "nodePowerKW": 10}], "#
            + #""output": \#(output), "roundOutput": \#(round), "powerUtilization": {"fixed": 0.5}}}]}"#
    }

    @Test(arguments: [#"{"exponential": {"median": 1e-9}}"#, #"{"exponential": {"median": 0.001}}"#,
                      #"{"lognormal": {"p5": 0.3, "p95": 0.3}}"#, #"{"lognormal": {"p5": 1e-9, "p95": 1e-8}}"#])
    func aClassWhoseDrawsAllRoundToZeroIsRefused(output: String) {
        let message = workloadError(kernelWorkload(classes: classJSON("c", output: output)))
        #expect(message.contains("w.json") && message.contains("scenarios[0].classes[0].output") && message.contains("some output tokens"), "\(message)")
    }

    /// A class with some whole-token draws is still read, however few.
    @Test(arguments: [#"{"exponential": {"median": 0.1}}"#, #"{"lognormal": {"p5": 0.3, "p95": 3}}"#, #"{"uniform": {"low": 0, "high": 1}}"#])
    func aClassWithSomeTokensIsRead(output: String) throws {
        _ = try readWorkload(kernelWorkload(classes: classJSON("c", output: output)))
    }

    @Test(arguments: [(#"{"fixed": 0}"#, true), (#"{"exponential": {"median": 1e-9}}"#, true), (#"{"uniform": {"low": 0, "high": 1}}"#, false)])
    func aTableWhoseDrawsHaveNoTokenIsRefused(output: String, round: Bool) {
        let message = workloadError(Self.table(output: output, round: round))
        #expect(message.contains("w.json") && message.contains("scenarios[0].throughputTable.output") && message.contains("some output tokens"), "\(message)")
    }

    @Test func aTableWithSomeTokensIsRead() throws {
        _ = try readWorkload(Self.table(output: #"{"uniform": {"low": 0, "high": 1}}"#))
        _ = try readWorkload(Self.table(output: #"{"exponential": {"median": 300}}"#))
    }
}
