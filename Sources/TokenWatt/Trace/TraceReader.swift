import Foundation
import KernelPower

/// One logged request: arrival time (seconds, any origin) and its token counts.
public struct TraceRequest: Sendable, Equatable {
    public var timestamp: Double
    public var inputTokens: Int
    public var outputTokens: Int
}

/// How a log is laid out.
public enum TraceFormat: Sendable, Equatable {
    /// Azure LLM inference traces: `TIMESTAMP,ContextTokens,GeneratedTokens`, wall-clock times.
    case azure
    /// Mooncake JSONL: one object per line with `timestamp` (ms), `input_length`, `output_length`.
    case mooncake
    /// Any CSV: the named columns; times in seconds or milliseconds, or date-times.
    case csv(timestamp: String?, input: String, output: String, milliseconds: Bool)
}

/// Streams requests out of a log in fixed-size chunks: memory does not grow with the file.
/// Lines are parsed as bytes (no string per line) so that a core reads millions of rows a second.
public struct TraceReader {
    /// nil when the log was given in memory.
    let handle: FileHandle?
    let name: String
    var buffer: [UInt8] = []
    var position = 0
    var eof = false
    public private(set) var line = 0
    var format: TraceFormat
    var columns: (time: Int?, input: Int, output: Int, count: Int) = (nil, 0, 1, 2)
    var dateTimes = false

    /// Opens `path` (`-` for standard input) and reads its header; `format` nil detects it.
    public init(path: String, format: TraceFormat?) throws {
        if path == "-" {
            handle = .standardInput
        } else {
            // FileHandle opens a folder and then traps on the first read: refuse it by name.
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
                throw InputError.unreadable(file: path, reason: "is a directory; expected a request log file")
            }
            guard let h = FileHandle(forReadingAtPath: path) else { throw InputFile.unreadable(path) }
            handle = h
        }
        name = path == "-" ? "(stdin)" : path
        self.format = format ?? .azure
        try start(requested: format)
    }

    /// A log already in memory (tests and the fuzzer).
    public init(bytes: [UInt8], name: String, format: TraceFormat?) throws {
        handle = nil
        self.name = name
        buffer = bytes
        eof = true
        Self.dropByteOrderMark(&buffer)
        self.format = format ?? .azure
        try start(requested: format)
    }

    /// Reads the header line (CSV) or peeks at the first line (JSONL) and fixes the columns.
    mutating func start(requested: TraceFormat?) throws {
        guard let (start, end) = try nextLineRange() else {
            throw InputError.invalidValue(file: name, field: "line 1", value: "empty", expected: "a request log")
        }
        let text = String(decoding: buffer[start..<end], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("{") {
            guard requested == nil || requested == .mooncake else {
                throw InputError.invalidValue(file: name, field: "line 1", value: "a JSON object", expected: "a CSV header for this format")
            }
            format = .mooncake
            position = start  // the first line is data: read it again
            line = 0
            return
        }
        let header = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let fmt = try requested ?? detectFormat(header)
        try bindColumns(of: fmt, in: header)
        format = fmt
    }

    /// The CSV layout a header names: Azure's columns, or `input_length`/`output_length` with an
    /// optional `timestamp` (seconds) or `timestamp_ms`.
    func detectFormat(_ header: [String]) throws -> TraceFormat {
        if header.contains("ContextTokens") { return .azure }
        if header.contains("input_length") && header.contains("output_length") {
            let ms = header.contains("timestamp_ms")
            return .csv(timestamp: ms ? "timestamp_ms" : (header.contains("timestamp") ? "timestamp" : nil),
                        input: "input_length", output: "output_length", milliseconds: ms)
        }
        throw InputError.invalidValue(file: name, field: "header", value: header.joined(separator: ","),
                                      expected: "an Azure (TIMESTAMP,ContextTokens,GeneratedTokens) or Mooncake log, or --input-column/--output-column")
    }

    /// Finds the columns `fmt` reads; a missing one is named with the closest header names.
    mutating func bindColumns(of fmt: TraceFormat, in header: [String]) throws {
        func index(_ col: String) throws -> Int {
            guard let i = header.firstIndex(of: col) else {
                throw InputError.unknownID(kind: "column", id: col, suggestions: Suggestions.closest(to: col, among: header), context: "\(name): header")
            }
            return i
        }
        switch fmt {
        case .azure:
            columns = (try index("TIMESTAMP"), try index("ContextTokens"), try index("GeneratedTokens"), header.count)
            dateTimes = true
        case .mooncake:
            throw InputError.invalidValue(file: name, field: "line 1", value: "a CSV header", expected: "JSON lines for the mooncake format")
        case let .csv(t, i, o, _):
            columns = (try t.map(index), try index(i), try index(o), header.count)
        }
    }

    /// Bounds of the next line in `buffer`, refilling it from the file as needed.
    mutating func nextLineRange() throws -> (Int, Int)? {
        while true {
            if let nl = buffer[position...].firstIndex(of: 10) {
                let start = position
                position = nl + 1
                line += 1
                var end = nl
                if end > start && buffer[end - 1] == 13 { end -= 1 }
                return (start, end)
            }
            if eof {
                guard position < buffer.count else { return nil }
                let start = position
                position = buffer.count
                line += 1
                return (start, buffer.count)
            }
            buffer.removeFirst(position)
            position = 0
            guard let handle else { eof = true; continue }
            // readData(ofLength:) traps on a read error; read(upToCount:) throws it.
            let chunk: Data
            do { chunk = try handle.read(upToCount: 1 << 20) ?? Data() } catch {
                throw InputError.unreadable(file: name, reason: "could not be read: \(error.localizedDescription)")
            }
            if chunk.isEmpty { eof = true } else { buffer.append(contentsOf: chunk) }
            if line == 0 { Self.dropByteOrderMark(&buffer) }
        }
    }

    /// The next request, skipping blank lines; a malformed line is an error naming it.
    public mutating func next() throws -> TraceRequest? {
        while let (start, end) = try nextLineRange() {
            if end == start { continue }
            let r = try buffer.withUnsafeBufferPointer { b in try parse(UnsafeBufferPointer(rebasing: b[start..<end])) }
            return r
        }
        return nil
    }

    func parse(_ b: UnsafeBufferPointer<UInt8>) throws -> TraceRequest {
        if case .mooncake = format { return try parseJSONLine(b) }
        var fields: (time: Double, input: Int, output: Int) = (0, -1, -1)
        var col = 0, fieldStart = 0
        for i in 0...b.count {
            if i < b.count && b[i] != 44 { continue }  // ','
            let f = UnsafeBufferPointer(rebasing: b[fieldStart..<i])
            if col == columns.input { fields.input = TraceNumbers.integer(f) ?? -1 }
            else if col == columns.output { fields.output = TraceNumbers.integer(f) ?? -1 }
            else if col == columns.time {
                guard let t = dateTimes ? TraceNumbers.dateTime(f) : TraceNumbers.decimal(f) else { throw bad("timestamp", f, expected: "a finite number or a date-time") }
                if case let .csv(_, _, _, ms) = format, ms { fields.time = t / 1000 } else { fields.time = t }
            }
            col += 1
            fieldStart = i + 1
        }
        guard abs(fields.time) < Self.latestSeconds else { throw bad("timestamp", b, expected: Self.timeRange) }
        guard fields.input >= 0, fields.input < Self.mostTokens else { throw bad("input tokens", b) }
        guard fields.output >= 0, fields.output < Self.mostTokens else { throw bad("output tokens", b) }
        return TraceRequest(timestamp: fields.time, inputTokens: fields.input, outputTokens: fields.output)
    }

    /// `{"timestamp": 27482, "input_length": 6955, "output_length": 52, ...}`: the three keys by name.
    func parseJSONLine(_ b: UnsafeBufferPointer<UInt8>) throws -> TraceRequest {
        func value(_ key: String) -> Double? {
            let k = Array("\"\(key)\"".utf8)
            guard b.count > k.count else { return nil }
            var i = 0
            while i + k.count <= b.count {
                if b[i] == k[0] && zip(k.indices, k).allSatisfy({ b[i + $0] == $1 }) {
                    var j = i + k.count
                    while j < b.count && (b[j] == 32 || b[j] == 58) { j += 1 }  // spaces and ':'
                    var e = j
                    while e < b.count && ((b[e] >= 48 && b[e] <= 57) || b[e] == 46 || b[e] == 45 || b[e] == 101 || b[e] == 69 || b[e] == 43) { e += 1 }
                    return TraceNumbers.decimal(UnsafeBufferPointer(rebasing: b[j..<e]))
                }
                i += 1
            }
            return nil
        }
        guard let t = value("timestamp") else { throw bad("timestamp", b, expected: "a finite number of milliseconds") }
        func count(_ x: Double?) -> Bool { x.map { $0 >= 0 && $0 < Double(Self.mostTokens) && $0 == $0.rounded() } ?? false }
        guard let i = value("input_length"), count(i) else { throw bad("input_length", b) }
        guard let o = value("output_length"), count(o) else { throw bad("output_length", b) }
        guard abs(t / 1000) < Self.latestSeconds else { throw bad("timestamp", b, expected: Self.timeRange) }
        return TraceRequest(timestamp: t / 1000, inputTokens: Int(i), outputTokens: Int(o))
    }

    /// A UTF-8 byte-order mark at the very start of a log is not part of its header.
    static func dropByteOrderMark(_ b: inout [UInt8]) {
        if b.count >= 3, b[0] == 0xEF, b[1] == 0xBB, b[2] == 0xBF { b.removeFirst(3) }
    }

    /// Token counts of a request stay below this: larger values are not requests, and would not fit an Int.
    static let mostTokens = 1_000_000_000

    /// Timestamps beyond ±1e13 s (300,000 years) are corrupt; they would turn durations infinite.
    static let latestSeconds = 1e13
    static let timeRange = "a time within ±1e13 s of the epoch"

    func bad(_ what: String, _ b: UnsafeBufferPointer<UInt8>,
             expected: String = "a whole number of tokens from 0 to 1e9") -> InputError {
        let text = String(decoding: b.prefix(120), as: UTF8.self)
        return InputError.invalidValue(file: name, field: "line \(line) \(what)", value: text, expected: expected)
    }
}

/// Fast, allocation-free number parsing of ASCII fields.
enum TraceNumbers {
    static func integer(_ f: UnsafeBufferPointer<UInt8>) -> Int? {
        var i = 0, n = 0, digits = 0
        while i < f.count && f[i] == 32 { i += 1 }
        while i < f.count, f[i] >= 48, f[i] <= 57 { n = n &* 10 &+ Int(f[i] - 48); i += 1; digits += 1 }
        if i < f.count && f[i] == 46 {  // "12.0" is a whole number too
            i += 1
            while i < f.count && f[i] == 48 { i += 1 }
        }
        while i < f.count && f[i] == 32 { i += 1 }
        return digits > 0 && digits <= 15 && i == f.count ? n : nil
    }

    static func decimal(_ f: UnsafeBufferPointer<UInt8>) -> Double? {
        if let n = integer(f) { return Double(n) }
        guard let x = Double(String(decoding: f, as: UTF8.self).trimmingCharacters(in: .whitespaces)), x.isFinite else { return nil }
        return x
    }

    /// `YYYY-MM-DD HH:MM:SS[.fffffff]` (or with `T`) as seconds since 1970-01-01 UTC.
    static func dateTime(_ f: UnsafeBufferPointer<UInt8>) -> Double? {
        guard f.count >= 19 else { return decimal(f) }
        func num(_ a: Int, _ n: Int) -> Int? {
            var v = 0
            for i in a..<(a + n) { guard f[i] >= 48 && f[i] <= 57 else { return nil }; v = v * 10 + Int(f[i] - 48) }
            return v
        }
        guard f[4] == 45, f[7] == 45, f[13] == 58, f[16] == 58, let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2),
              let h = num(11, 2), let mi = num(14, 2), let s = num(17, 2), (1...12).contains(mo), (1...31).contains(d) else { return nil }
        var frac = 0.0, scale = 0.1
        if f.count > 20 && f[19] == 46 {
            for i in 20..<f.count { guard f[i] >= 48 && f[i] <= 57 else { return nil }; frac += Double(f[i] - 48) * scale; scale /= 10 }
        }
        return Double(daysFromCivil(y, mo, d)) * 86_400 + Double(h * 3600 + mi * 60 + s) + frac
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
