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
}
