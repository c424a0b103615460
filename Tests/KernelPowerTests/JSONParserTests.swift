import Foundation
import Testing
@testable import KernelPower

@Suite struct JSONParserTests {
    @Test func parsesNestedValues() throws {
        let v = try JSONParser.parse(#"{"a": [1, 2.5e3, true, null, "x\u00e9\n"], "b": {"c": -0.5}}"#, file: "t.json")
        #expect(v["a"] == .array([.number(1), .number(2500), .bool(true), .null, .string("xé\n")]))
        #expect(v["b"]?["c"] == .number(-0.5))
    }

    @Test(arguments: [
        ("{\"a\": 1,}", 1, "a trailing comma before '}'"),
        ("{\"a\": 1, 2}", 1, "expected a quoted key, found the character '2'"),
        // A trailing comma and a comment both read "expected a quoted key"; a NUL "expected ',' or '}'".
        ("{\n \"a\": 1,\n}\n", 3, "a trailing comma before '}'"),
        ("[1, 2,\n]", 2, "a trailing comma before ']'"),
        ("{\n // note\n \"a\": 1}", 2, "JSON has no comments"),
        ("{\"a\": 1 /* note */}", 1, "JSON has no comments"),
        ("{\"a\": 1\u{0}}", 1, "NUL byte"),
        ("{\"a\": [1\u{7}]}", 1, "control byte (\\x07)"),
        ("{\"a\": 1, \"a\": 2}", 1, "duplicate key"),
        ("{\"a\": NaN}", 1, "expected a JSON value, found the character 'N'"),
        ("{\n\"a\": [1, 2\n", 3, "truncated"),
        ("", 1, "empty"),
        ("{\"a\": 01}", 1, "leading zeros"),
        ("{\"a\": 1e999}", 1, "out of range"),
        ("[1] [2]", 1, "unexpected text"),
        ("{\"a\": \"unterminated}", 1, "unterminated"),
    ])
    func rejectsInvalidJSON(_ text: String, _ line: Int, _ fragment: String) {
        do {
            _ = try JSONParser.parse(text, file: "bad.json")
            Issue.record("accepted invalid JSON: \(text)")
        } catch let e as InputError {
            guard case let .syntax(file, l, message) = e else { Issue.record("wrong error \(e)"); return }
            #expect(file == "bad.json")
            #expect(l == line)
            #expect(message.contains(fragment), "\(message)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func byteOrderMarkIsTolerated() throws {
        let data = Data([0xEF, 0xBB, 0xBF]) + Data("{\"a\": 1}".utf8)
        #expect(try JSONParser.parse(data, file: "bom.json")["a"] == .number(1))
    }

    @Test func readerRejectsUnknownKeys() throws {
        var r = try JSONObjectReader(try JSONParser.parse(#"{"tdpWatts": 700, "tdpWats": 1}"#, file: "g.json"), file: "g.json", path: "gpus[0]")
        _ = try r.double("tdpWatts")
        #expect(throws: InputError.self) { try r.finish() }
        do { try r.finish() } catch { #expect("\(error)".contains("tdpWats")) }
    }

    @Test func readerNamesFieldAndExpectation() throws {
        var r = try JSONObjectReader(try JSONParser.parse(#"{"smCount": "many"}"#, file: "g.json"), file: "g.json", path: "gpus[2]")
        do {
            _ = try r.int("smCount", 1...100)
            Issue.record("accepted a string")
        } catch {
            #expect("\(error)".contains("gpus[2].smCount"))
            #expect("\(error)".contains("a string"))
        }
    }

    @Test func writerIsDeterministicAndSorted() {
        let v = JSONValue.obj([("b", .num(0.1 + 0.2)), ("a", .array([.num(1), .str("q\"")]))])
        let text = JSONWriter().write(v)
        #expect(text == "{\n  \"a\": [1, \"q\\\"\"],\n  \"b\": 0.3\n}\n")
        #expect(JSONWriter().write(v) == text)
    }

    /// Every number went through six significant digits: a trace's 1,234,567 requests were
    /// written 1234570, a capacity of 983,930,832 queries a day 983931000 (over the budget).
    @Test func writerKeepsIntegersWhole() {
        let v = JSONValue.obj([("requests", .num(1_234_567)), ("queriesPerDay", .num(983_930_832)), ("wh", .num(1234.56789))])
        #expect(JSONWriter().write(v) == "{\n  \"queriesPerDay\": 983930832,\n  \"requests\": 1234567,\n  \"wh\": 1234.57\n}\n")
    }
}
