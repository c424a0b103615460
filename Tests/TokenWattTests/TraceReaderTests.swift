import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// Writes `text` to a temporary file and returns its path (removed by the caller).
func temporaryFile(_ name: String, _ text: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("tw-\(getpid())-\(name)")
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url
}

func readAll(_ path: String, _ format: TraceFormat? = nil) throws -> [TraceRequest] {
    var r = try TraceReader(path: path, format: format)
    var out: [TraceRequest] = []
    while let x = try r.next() { out.append(x) }
    return out
}

@Suite struct TraceReaderTests {
    @Test func readsAzureLogsWithWallClockTimes() throws {
        let f = try temporaryFile("azure.csv", "TIMESTAMP,ContextTokens,GeneratedTokens\r\n2023-11-16 18:15:46.6805900,374,44\r\n2023-11-16 18:15:50.9951690,396,109\r\n")
        defer { try? FileManager.default.removeItem(at: f) }
        let rows = try readAll(f.path)
        #expect(rows.count == 2)
        #expect(approx(rows[0].timestamp, 1_700_158_546.68059, rel: 1e-15))  // 2023-11-16T18:15:46.68059Z
        #expect(rows[1].inputTokens == 396 && rows[1].outputTokens == 109)
    }

    @Test func readsMooncakeJSONLinesAndConvertedCSV() throws {
        let j = try temporaryFile("mc.jsonl", "{\"timestamp\": 0, \"input_length\": 6955, \"output_length\": 52, \"hash_ids\": [1, 2]}\n{\"timestamp\": 1500, \"input_length\": 100, \"output_length\": 7, \"hash_ids\": []}\n")
        let c = try temporaryFile("mc.csv", "timestamp_ms,input_length,output_length,prefix_blocks_512tok\n0,6758,500,14\n2500,7322,490,15\n")
        defer { try? FileManager.default.removeItem(at: j); try? FileManager.default.removeItem(at: c) }
        #expect(try readAll(j.path) == [TraceRequest(timestamp: 0, inputTokens: 6955, outputTokens: 52), TraceRequest(timestamp: 1.5, inputTokens: 100, outputTokens: 7)])
        #expect(try readAll(c.path).map(\.timestamp) == [0, 2.5])
    }

    @Test func mapsAnyCSVByColumnFlagsAndStreamsPastOneChunk() throws {
        let rows = (0..<60_000).map { "\($0 * 2),x,\($0 % 900 + 1),\($0 % 50)" }.joined(separator: "\n")
        let f = try temporaryFile("any.csv", "t,comment,prompt,answer\n" + rows + "\n")
        defer { try? FileManager.default.removeItem(at: f) }
        let read = try readAll(f.path, .csv(timestamp: "t", input: "prompt", output: "answer", milliseconds: true))
        #expect(read.count == 60_000)
        #expect(read[59_999] == TraceRequest(timestamp: 119.998, inputTokens: 59_999 % 900 + 1, outputTokens: 59_999 % 50))
    }

    /// A quoted field with commas in it was split at them: 100/50 tokens were read as 5000/70.
    @Test func quotedFieldsAreOneField() throws {
        let f = try temporaryFile("quoted.csv", "timestamp,prompt,input_length,output_length\n1,\"a, 5000, 70, \"\"b\"\"\",100,50\n2,plain,100,50\n")
        defer { try? FileManager.default.removeItem(at: f) }
        #expect(try readAll(f.path) == [TraceRequest(timestamp: 1, inputTokens: 100, outputTokens: 50), TraceRequest(timestamp: 2, inputTokens: 100, outputTokens: 50)])
    }

    /// `--log-format mooncake` takes Mooncake's CSV form as detection does: it refused it as
    /// "expected JSON lines for the mooncake format".
    @Test func theMooncakeFormatReadsItsCSVForm() throws {
        let c = try temporaryFile("mc-asked.csv", "timestamp_ms,input_length,output_length\n0,6758,500\n2500,7322,490\n")
        defer { try? FileManager.default.removeItem(at: c) }
        let asked = try readAll(c.path, .mooncake)
        #expect(asked == (try readAll(c.path)) && asked.map(\.timestamp) == [0, 2.5] && asked[1].inputTokens == 7322)
    }

    /// The top-level keys of a JSON line, not a nested key that appears first in its text.
    @Test func mooncakeLinesReadTheirTopLevelKeys() throws {
        let j = try temporaryFile("nested.jsonl", "{\"meta\": {\"input_length\": 7}, \"timestamp\": 1000, \"input_length\": 100, \"output_length\": 50}\n")
        defer { try? FileManager.default.removeItem(at: j) }
        #expect(try readAll(j.path) == [TraceRequest(timestamp: 1, inputTokens: 100, outputTokens: 50)])
    }

    /// Any CSV takes date-times in its time column, as its documentation said it did.
    @Test func anyCSVReadsDateTimes() throws {
        let f = try temporaryFile("dt.csv", "when,in,out\n2023-11-16 18:15:46.5,10,5\n2023-11-16T18:15:48Z,10,5\n")
        defer { try? FileManager.default.removeItem(at: f) }
        let rows = try readAll(f.path, .csv(timestamp: "when", input: "in", output: "out", milliseconds: false))
        #expect(rows.count == 2 && approx(rows[1].timestamp - rows[0].timestamp, 1.5, rel: 1e-9))
    }

    /// Epoch milliseconds in a column read as seconds put an hour's log 40 days long and cost
    /// ×285: they are refused with the flag that reads them.
    @Test func millisecondsReadAsSecondsAreRefused() throws {
        let f = try temporaryFile("ms.csv", "ts,in,out\n1700158546680,374,44\n1700158547000,200,30\n")
        defer { try? FileManager.default.removeItem(at: f) }
        #expect { try readAll(f.path, .csv(timestamp: "ts", input: "in", output: "out", milliseconds: false)) } throws: {
            "\($0)".contains("line 2 timestamp") && "\($0)".contains("--time-unit ms")
        }
        #expect(try readAll(f.path, .csv(timestamp: "ts", input: "in", output: "out", milliseconds: true)).count == 2)
    }

    /// A time is a decimal number of seconds (or a date-time): "0x10" was read as 16 s.
    @Test func hexadecimalTimesAreRefused() throws {
        let f = try temporaryFile("hex.csv", "t,in,out\n0x10,10,5\n")
        defer { try? FileManager.default.removeItem(at: f) }
        #expect { try readAll(f.path, .csv(timestamp: "t", input: "in", output: "out", milliseconds: false)) } throws: { "\($0)".contains("line 2 timestamp") }
        let g = try temporaryFile("dec.csv", "t,in,out\n1.5e2,10,5\n-3.25,10,5\n")
        defer { try? FileManager.default.removeItem(at: g) }
        #expect(try readAll(g.path, .csv(timestamp: "t", input: "in", output: "out", milliseconds: false)).map(\.timestamp) == [150, -3.25])
    }

    @Test func aBadLineIsNamed() throws {
        let f = try temporaryFile("bad.csv", "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.6805900,374,44\n2023-11-16 18:15:47.0,lots,44\n")
        defer { try? FileManager.default.removeItem(at: f) }
        #expect { try readAll(f.path) } throws: { "\($0)".contains("line 3") && "\($0)".contains("lots") }
        let g = try temporaryFile("nohead.csv", "a,b,c\n1,2,3\n")
        defer { try? FileManager.default.removeItem(at: g) }
        #expect { try readAll(g.path) } throws: { "\($0)".contains("--input-column") }
    }

    /// Lines ending in CR alone (classic Mac OS, some spreadsheet exports) are lines: they read as
    /// a header and nothing else ("the request log holds no requests").
    @Test func linesEndingInCarriageReturnsAreLines() throws {
        let text = "TIMESTAMP,ContextTokens,GeneratedTokens\r2023-11-16 18:15:46.68,374,44\r2023-11-16 18:15:47.68,375,45\r"
        var r = try TraceReader(bytes: Array(text.utf8), name: "cr.csv", format: nil)
        var rows: [TraceRequest] = []
        while let x = try r.next() { rows.append(x) }
        #expect(rows.map(\.inputTokens) == [374, 375] && r.line == 3)
    }

    /// ISO 8601 times with a fraction and Z, or an offset: `…47.500Z` was refused where `…46Z` was read.
    @Test func isoTimesWithFractionsAndZonesAreRead() throws {
        let text = "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16T18:15:46Z,1,1\n2023-11-16T18:15:47.500Z,1,1\n2023-11-16T19:15:48.25+01:00,1,1\n"
            + "2023-11-16 17:45:49-0030,1,1\n2023-11-16T18:15:50,1,1\n"
        var r = try TraceReader(bytes: Array(text.utf8), name: "iso.csv", format: nil)
        var rows: [Double] = []
        while let x = try r.next() { rows.append(x.timestamp - 1_700_158_546) }
        #expect(rows == [0, 1.5, 2.25, 3, 4])
    }

    /// Decimal times are read without a String, to the same Double as `Double(String)`.
    @Test func decimalTimesAreReadBitForBit() throws {
        var rng = SeededRandom(seed: 3)
        var cases = ["0.1", "-0.5", "12.000001", "1700158546.680590", "999999999.999999", " 3.25 ", "0.000000000000001", "-0.0", "5.", ".5", "+1.5", "1e3"]
        for _ in 0..<20_000 { cases.append(String(format: "%.\(Int(rng.uniform() * 9))f", rng.uniform() * pow(10, rng.uniform() * 12))) }
        for c in cases {
            let got = Array(c.utf8).withUnsafeBufferPointer { TraceNumbers.decimal($0) }
            let want = Double(c.trimmingCharacters(in: .whitespaces))
            #expect(got?.bitPattern == want?.bitPattern, "\(c): \(String(describing: got)) vs \(String(describing: want))")
        }
    }

    /// Mooncake lines read by the fast path give the JSON parser's values, and every line the
    /// fast path does not take (escapes, exponents, nesting, duplicates) still goes to the parser.
    @Test func mooncakeLinesReadAsTheParserReadsThem() throws {
        let lines = ["{\"timestamp\": 27482, \"input_length\": 6955, \"output_length\": 52, \"hash_ids\": [46, 47, 48]}",
                     "{\"hash_ids\": [], \"output_length\": 7, \"timestamp\": 1500.125, \"input_length\": 100}",
                     "{\"timestamp\": 1.5e3, \"input_length\": 1, \"output_length\": 2, \"note\": \"a\\\"b\"}",
                     " {\"timestamp\":0,\"input_length\":0,\"output_length\":0,\"x\":{\"input_length\":9}} "]
        var r = try TraceReader(bytes: Array(lines.joined(separator: "\n").utf8), name: "m.jsonl", format: nil)
        var rows: [TraceRequest] = []
        while let x = try r.next() { rows.append(x) }
        #expect(rows == [TraceRequest(timestamp: 27.482, inputTokens: 6955, outputTokens: 52), TraceRequest(timestamp: 1.500125, inputTokens: 100, outputTokens: 7),
                         TraceRequest(timestamp: 1.5, inputTokens: 1, outputTokens: 2), TraceRequest(timestamp: 0, inputTokens: 0, outputTokens: 0)])
        for line in lines {
            let fast = Array(line.utf8).withUnsafeBufferPointer { MooncakeLine.scan($0) }
            guard let fast else { continue }
            guard case let .object(pairs) = try JSONParser.parse(line, file: "m") else { Issue.record("not an object"); continue }
            let o = Dictionary(pairs.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
            #expect(o["timestamp"] == .number(fast.0) && o["input_length"] == .number(fast.1) && o["output_length"] == .number(fast.2))
        }
        let dup = "{\"timestamp\": 1, \"input_length\": 1, \"output_length\": 2, \"timestamp\": 3}"
        #expect(Array(dup.utf8).withUnsafeBufferPointer { MooncakeLine.scan($0) } == nil)
        // Other keys: distinct ones are read, a repeated one (the first or a later) goes to the parser.
        let head = "{\"timestamp\": 1, \"input_length\": 1, \"output_length\": 2"
        for (tail, fast) in [(", \"a\": 1, \"b\": [2], \"c\": \"x\"}", true), (", \"a\": 1, \"a\": 2}", false),
                             (", \"a\": 1, \"b\": 2, \"c\": 3, \"b\": 4}", false), (", \"ab\": 1, \"a\": 2}", true)] {
            #expect((Array((head + tail).utf8).withUnsafeBufferPointer { MooncakeLine.scan($0) } != nil) == fast, "\(tail)")
        }
    }

    /// One column named for two roles left the other role unread: -1 output tokens on every row.
    @Test func oneColumnForTwoRolesIsRefused() throws {
        let text = "t,n\n1,5\n"
        #expect(throws: InputError.self) { try TraceReader(bytes: Array(text.utf8), name: "x.csv", format: .csv(timestamp: "t", input: "n", output: "n", milliseconds: false)) }
        #expect(throws: InputError.self) { try TraceReader(bytes: Array(text.utf8), name: "x.csv", format: .csv(timestamp: "n", input: "t", output: "n", milliseconds: false)) }
    }
}
