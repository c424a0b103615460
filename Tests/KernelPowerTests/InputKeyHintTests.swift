import Foundation
import Testing
@testable import KernelPower

/// What a strict object reader says about a misspelt key and a refused number.
@Suite struct InputKeyHintTests {
    func refusal(_ json: String, read: (inout JSONObjectReader) throws -> Void) throws -> String {
        var o = try JSONObjectReader(try JSONParser.parse(json, file: "t.json"), file: "t.json", path: "emissions")
        do {
            try read(&o)
            try o.finish()
        } catch {
            return "\(error)"
        }
        Issue.record("\(json) was read without an error")
        return ""
    }

    /// An unknown key is answered with the allowed key nearest it, as an unknown id is: the
    /// message had listed fifteen allowed keys and not the one missed by a letter's case.
    @Test(arguments: [
        (#"{"pricePerkWh": 0.2}"#, ["pricePerKWh", "region", "pue"], "unknown key 'pricePerkWh' in 'emissions' (did you mean 'pricePerKWh'?); allowed keys: "),
        (#"{"gpuz": "h100"}"#, ["gpu", "gpus", "model"], "unknown key 'gpuz' in 'emissions' (did you mean 'gpu'?); allowed keys: "),
        (#"{"gpuz": 1, "modle": 2}"#, ["gpu", "model"], "unknown keys 'gpuz', 'modle' in 'emissions' (did you mean 'gpu' for 'gpuz', 'model' for 'modle'?); allowed keys: "),
    ])
    func anUnknownKeyGetsTheNearestAllowedOne(_ c: (String, [String], String)) throws {
        let message = try refusal(c.0) { o in for key in c.1 { _ = o.raw(key) } }
        #expect(message.contains(c.2), "\(message)")
        #expect(message.contains("; allowed keys: "), "\(message)")
    }

    /// A key near none of the allowed ones gets no guess.
    @Test func aKeyNearNoneGetsNoGuess() throws {
        let message = try refusal(#"{"zzzzzzzz": 1}"#) { o in _ = o.raw("gpu"); _ = o.raw("model") }
        #expect(!message.contains("did you mean"), "\(message)")
    }

    /// A refused number is printed to the digits that tell it from the bound it missed: six
    /// significant digits printed 4.0000000001 as "has value 4; expected a GPU count from 1 to 4096".
    @Test(arguments: [
        (#"{"gpus": 4.0000000001}"#, "has value 4.0000000001;"),
        (#"{"gpus": 4096.0000001}"#, "has value 4096.0000001;"),
        (#"{"gpus": 1e20}"#, "has value 1e20;"),
        (#"{"gpus": 5000}"#, "has value 5000;"),
    ])
    func aRefusedWholeNumberIsPrintedAsWritten(_ c: (String, String)) throws {
        let message = try refusal(c.0) { o in _ = try o.int("gpus", 1...4096, expected: "a GPU count") }
        #expect(message.contains(c.1), "\(message)")
    }

    @Test(arguments: [
        (#"{"utilization": 1.0000001}"#, "has value 1.0000001;"),
        (#"{"utilization": -0.000000001}"#, "has value -1e-9;"),
        (#"{"utilization": 1.5}"#, "has value 1.5;"),
    ])
    func aRefusedNumberIsPrintedAsWritten(_ c: (String, String)) throws {
        let message = try refusal(c.0) { o in _ = try o.double("utilization", 0...1, expected: "a fraction") }
        #expect(message.contains(c.1), "\(message)")
    }
}
