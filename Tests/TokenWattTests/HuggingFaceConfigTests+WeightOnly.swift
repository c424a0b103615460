import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// Activation quantization read from compressed-tensors groups, and MXFP4 on a dense model.
extension HuggingFaceConfigTests {
    static func withQuantization(_ q: String) throws -> ModelArchitecture {
        let qwen = try #require(Self.configs["Qwen/Qwen3-8B"])
        return try Self.convert(qwen.replacingOccurrences(of: "\"vocab_size\": 151936}", with: "\"vocab_size\": 151936, \"quantization_config\": \(q)}"), id: "t/q")
    }

    static func group(bits: Int, type: String, activations: String) -> String {
        #"{"quant_method": "compressed-tensors", "config_groups": {"group_0": {"targets": ["Linear"], "input_activations": \#(activations), "weights": {"num_bits": \#(bits), "type": "\#(type)", "strategy": "channel"}}}}"#
    }

    /// W8A16 INT8 (input_activations null) had become int8, priced as W8A8 on INT8 tensor cores:
    /// refused, naming the field; W8A8 INT8 is still read.
    @Test func weightOnlyInt8IsRefused() throws {
        do {
            _ = try Self.withQuantization(Self.group(bits: 8, type: "int", activations: "null"))
            Issue.record("W8A16 INT8 was read as int8")
        } catch {
            #expect("\(error)".contains("input_activations") && "\(error)".contains("W8A16"), "\(error)")
        }
        let w8a8 = #"{"num_bits": 8, "type": "int", "strategy": "token", "dynamic": true}"#
        #expect(try Self.withQuantization(Self.group(bits: 8, type: "int", activations: w8a8)).defaultPrecision == .int8)
    }

    /// FP8 weights alone are read as fp8 with a note saying how that prices them.
    @Test func weightOnlyFP8IsNoted() throws {
        let m = try Self.withQuantization(Self.group(bits: 8, type: "float", activations: "null"))
        #expect(m.defaultPrecision == .fp8)
        #expect((m.sources["converter"] ?? "").contains("input_activations null"), "\(m.sources)")
        let w8a8 = #"{"num_bits": 8, "type": "float", "strategy": "token", "dynamic": true}"#
        #expect(!(try Self.withQuantization(Self.group(bits: 8, type: "float", activations: w8a8)).sources["converter"] ?? "").contains("input_activations null"))
    }

    /// `quant_method: mxfp4` on a dense model wrote an entry every command refused; refused at import.
    @Test func denseMXFP4IsRefusedAtImport() throws {
        do {
            _ = try Self.withQuantization(#"{"quant_method": "mxfp4"}"#)
            Issue.record("a dense MXFP4 checkpoint was converted")
        } catch {
            #expect("\(error)".contains("quant_method") && "\(error)".contains("mixture-of-experts"), "\(error)")
        }
    }
}
