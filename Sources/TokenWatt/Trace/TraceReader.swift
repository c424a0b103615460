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
    /// Asked for a log with a CSV header, the reader takes Mooncake's CSV columns (`mooncakeCSV`).
    case mooncake
    /// Any CSV: the named columns; times in seconds or milliseconds, or date-times.
    case csv(timestamp: String?, input: String, output: String, milliseconds: Bool)

    /// The two roles that name one column, and that column; nil when each role has its own. One
    /// column in two roles left the other role's cells unread: -1 output tokens on every row, or
    /// every request at time 0, priced without a word.
    public static func sharedColumn(time t: String, input i: String, output o: String) -> (first: String, second: String, column: String)? {
        [("time", "input", t, i), ("time", "output", t, o), ("input", "output", i, o)].first { $0.2 == $0.3 }.map { ($0.0, $0.1, $0.2) }
    }
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
    /// The byte that ends a line: LF (a CR before it is dropped), or CR in a log whose lines end
    /// in CR alone (classic Mac OS, some spreadsheet exports), which read as one header line
    /// followed by nothing ("holds no requests").
    var lineEnd: UInt8 = 10
    public private(set) var line = 0
    var format: TraceFormat
    var columns: (time: Int?, input: Int, output: Int, count: Int) = (nil, 0, 1, 2)
    /// The header's names of those columns, for a message about one of their cells.
    var columnNames = (time: "", input: "", output: "")
    /// A Mooncake log's prompt block ids, counted as the lines are read (`PrefixBlocks`).
    public private(set) var prefixBlocks = PrefixBlocks()

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
        try detectLineEnd()
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
        // The project's CSV rules: quoted names, and no duplicate or empty ones (the first of two
        // ContextTokens columns was read silently).
        let header = try CSVTable.parse(text, file: name).header
        var fmt = try requested ?? detectFormat(header)
        // Mooncake's CSV form, which detection reads, is Mooncake too (`--log-format mooncake`
        // refused it as "expected JSON lines").
        if fmt == .mooncake { fmt = Self.mooncakeCSV(header) }
        try bindColumns(of: fmt, in: header)
        format = fmt
    }

    /// The CSV layout a header names: Azure's columns, or `input_length`/`output_length` with an
    /// optional `timestamp` (seconds) or `timestamp_ms`.
    func detectFormat(_ header: [String]) throws -> TraceFormat {
        if header.contains("ContextTokens") { return .azure }
        if header.contains("input_length") && header.contains("output_length") { return Self.mooncakeCSV(header) }
        throw InputError.invalidValue(file: name, field: "header", value: header.joined(separator: ","),
                                      expected: "an Azure (TIMESTAMP,ContextTokens,GeneratedTokens) or Mooncake log, or --input-column/--output-column")
    }

    /// Mooncake's CSV columns: `input_length`, `output_length` and `timestamp_ms`, or `timestamp`
    /// in seconds (a missing one is named when the columns are bound).
    static func mooncakeCSV(_ header: [String]) -> TraceFormat {
        let ms = header.contains("timestamp_ms")
        return .csv(timestamp: ms ? "timestamp_ms" : (header.contains("timestamp") ? "timestamp" : nil),
                    input: "input_length", output: "output_length", milliseconds: ms)
    }

    /// The header's columns as a message lists them, the first 20 and a count of the rest: "unknown
    /// column 'completion'" had named none of them, so a log whose column is `output_tokens` gave
    /// no clue which name to pass.
    static func columnList(_ header: [String]) -> String {
        let shown = header.prefix(20).map { "'\($0.escapingControlCharacters)'" }.joined(separator: ", ")
        return "its \(header.count) column\(header.count == 1 ? "" : "s"): \(shown)" + (header.count > 20 ? ", … \(header.count - 20) more" : "")
    }

    /// Finds the columns `fmt` reads; a missing one is named with the closest header names.
    mutating func bindColumns(of fmt: TraceFormat, in header: [String]) throws {
        func index(_ col: String) throws -> Int {
            guard let i = header.firstIndex(of: col) else {
                throw InputError.unknownID(kind: "column", id: col, suggestions: Suggestions.closest(to: col, among: header),
                                           context: "\(name): header (\(Self.columnList(header)))")
            }
            return i
        }
        switch fmt {
        case .azure:
            columns = (try index("TIMESTAMP"), try index("ContextTokens"), try index("GeneratedTokens"), header.count)
            columnNames = ("TIMESTAMP", "ContextTokens", "GeneratedTokens")
        case .mooncake:
            throw InputError.invalidValue(file: name, field: "line 1", value: "a CSV header", expected: "JSON lines for the mooncake format")
        case let .csv(t, i, o, _):
            // Without arrival times every request arrived at once: the per-request Wh then
            // charged idle the replicas never had (they summed to 1.5 × the total), silently.
            guard let t else {
                throw InputError.invalidValue(file: name, field: "header", value: header.joined(separator: ","),
                                              expected: "a time column (--time-column C, or timestamp / timestamp_ms): "
                                                  + "each request is priced at the load it arrived into, so the log needs arrival times")
            }
            if let shared = TraceFormat.sharedColumn(time: t, input: i, output: o) {
                throw InputError.invalidValue(file: name, field: "columns", value: shared.column,
                                              expected: "a different column for the \(shared.first) and the \(shared.second) (one column names one role)")
            }
            columns = (try index(t), try index(i), try index(o), header.count)
            columnNames = (t, i, o)
        }
    }

    /// Sets `lineEnd` to CR when the log's first line break is a CR not followed by an LF.
    mutating func detectLineEnd() throws {
        while true {
            if let i = buffer.firstIndex(where: { $0 == 10 || $0 == 13 }), buffer[i] == 10 || i + 1 < buffer.count || eof {
                if buffer[i] == 13 && (i + 1 == buffer.count || buffer[i + 1] != 10) { lineEnd = 13 }
                return
            }
            guard !eof else { return }
            try refill()
        }
    }

    /// Bounds of the next line in `buffer`, refilling it from the file as needed.
    mutating func nextLineRange() throws -> (Int, Int)? {
        while true {
            if let nl = buffer[position...].firstIndex(of: lineEnd) {
                let start = position
                position = nl + 1
                line += 1
                var end = nl
                if lineEnd == 10 && end > start && buffer[end - 1] == 13 { end -= 1 }
                return (start, end)
            }
            if eof {
                guard position < buffer.count else { return nil }
                let start = position
                position = buffer.count
                line += 1
                return (start, buffer.count)
            }
            try refill()
        }
    }

    /// Drops the lines already read and appends the file's next chunk (1 MB).
    mutating func refill() throws {
        buffer.removeFirst(position)
        position = 0
        guard let handle else { eof = true; return }
        // readData(ofLength:) traps on a read error; read(upToCount:) throws it.
        let chunk: Data
        do { chunk = try handle.read(upToCount: 1 << 20) ?? Data() } catch {
            throw InputError.unreadable(file: name, reason: "could not be read: \(error.localizedDescription)")
        }
        if chunk.isEmpty { eof = true } else { buffer.append(contentsOf: chunk) }
        if line == 0 { Self.dropByteOrderMark(&buffer) }
    }

    /// The next request, skipping blank lines; a malformed line is an error naming it.
    public mutating func next() throws -> TraceRequest? {
        while let (start, end) = try nextLineRange() {
            if end == start { continue }
            // Moved out while the line is parsed, so that the count is not copied (it may hold a
            // million ids) and `parse` can read the reader meanwhile.
            var blocks = prefixBlocks
            prefixBlocks = PrefixBlocks()
            defer { prefixBlocks = blocks }
            let r = try buffer.withUnsafeBufferPointer { b in try parse(UnsafeBufferPointer(rebasing: b[start..<end]), blocks: &blocks) }
            return r
        }
        return nil
    }

    func parse(_ b: UnsafeBufferPointer<UInt8>, blocks: inout PrefixBlocks) throws -> TraceRequest {
        if case .mooncake = format { return try parseJSONLine(b, blocks: &blocks) }
        // A quote means RFC 4180 fields (a prompt with commas in it): the project's CSV parser
        // splits them. Other lines are split on commas here, bytes only, which is the same.
        if b.contains(34) { return try parseQuoted(b) }
        var fields = Fields()
        var col = 0, fieldStart = 0
        for i in 0...b.count {
            if i < b.count && b[i] != 44 { continue }  // ','
            try read(UnsafeBufferPointer(rebasing: b[fieldStart..<i]), column: col, into: &fields, line: b)
            col += 1
            fieldStart = i + 1
        }
        return try request(fields, count: col)
    }

    /// The columns a request is read from, as they are found on a line, and the text of a
    /// token cell that is not a count (kept only then, so a good line allocates nothing).
    struct Fields {
        var time = 0.0, input = -1, output = -1
        var badInput: String?, badOutput: String?
    }

    func parseQuoted(_ b: UnsafeBufferPointer<UInt8>) throws -> TraceRequest {
        let cells = try CSVTable.fields(ofLine: String(decoding: b, as: UTF8.self), file: name, line: line)
        var fields = Fields()
        for (col, cell) in cells.enumerated() {
            var bytes = Array(cell.utf8)
            try bytes.withUnsafeMutableBufferPointer { try read(UnsafeBufferPointer($0), column: col, into: &fields, line: b) }
        }
        return try request(fields, count: cells.count)
    }

    /// Reads field `f` if column `column` is one a request needs.
    func read(_ f: UnsafeBufferPointer<UInt8>, column: Int, into fields: inout Fields, line b: UnsafeBufferPointer<UInt8>) throws {
        if column == columns.input {
            fields.input = tokens(f, bad: &fields.badInput)
        } else if column == columns.output {
            fields.output = tokens(f, bad: &fields.badOutput)
        } else if column == columns.time {
            var ms = false
            if case let .csv(_, _, _, m) = format { ms = m }
            let parsed: Double?
            do { parsed = try TraceNumbers.time(f, milliseconds: ms) } catch {
                throw bad("timestamp", f, column: columnNames.time, expected: "a real date and time: month 1–12, a day the month has, hour 0–23, minutes and seconds 0–59")
            }
            guard let t = parsed else {
                throw bad("timestamp", f, column: columnNames.time, expected: "a number of seconds\(ms ? " (milliseconds with --time-unit ms)" : "") or a date-time "
                          + TraceNumbers.dateTimeForms)
            }
            guard abs(t) < Self.latestSeconds else { throw bad("timestamp", f, column: columnNames.time, expected: Self.timeRange) }
            // Epoch milliseconds read as seconds land tens of thousands of years ahead, and spread
            // an hour's log over 40 days of idle (×285 energy): refuse them, naming the flag.
            if case .csv(_, _, _, false) = format, abs(t) >= Self.latestPlausibleSeconds {
                throw bad("timestamp", f, column: columnNames.time, expected: "seconds (a time after the year 5000 is not one: for milliseconds pass --time-unit ms)")
            }
            fields.time = t
        }
    }

    /// A token cell's count, or -1 with the cell's text in `bad` for the message.
    func tokens(_ f: UnsafeBufferPointer<UInt8>, bad: inout String?) -> Int {
        if let n = TraceNumbers.integer(f), n < Self.mostTokens { return n }
        bad = String(decoding: f.prefix(120), as: UTF8.self)
        return -1
    }

    /// The request a line's fields make, once the line is known to have the header's columns.
    func request(_ fields: Fields, count: Int) throws -> TraceRequest {
        guard count == columns.count else {
            throw InputError.syntax(file: name, line: line, message: "\(count) fields, but the header has \(columns.count) columns")
        }
        // The cell, not the line: "has value 2023-11-16 18:15:46.68,10.5,4" left the reader to
        // find which of three numbers was refused.
        if let cell = fields.badInput { throw bad("input tokens", text: cell, column: columnNames.input) }
        if let cell = fields.badOutput { throw bad("output tokens", text: cell, column: columnNames.output) }
        return TraceRequest(timestamp: fields.time, inputTokens: fields.input, outputTokens: fields.output)
    }

    /// `{"timestamp": 27482, "input_length": 6955, "output_length": 52, ...}`: the three keys of
    /// the line's top-level object, read by the project's JSON parser. Scanning for the key text
    /// took a nested `"input_length"` for the request's, the first of two duplicates, and a
    /// line with no closing brace.
    func parseJSONLine(_ b: UnsafeBufferPointer<UInt8>, blocks: inout PrefixBlocks) throws -> TraceRequest {
        let t: Double, i: Double, o: Double
        var ids: [Double] = []
        var idRange: Range<Int>?
        if let fast = MooncakeLine.scan(b) {
            t = fast.0
            i = fast.1
            o = fast.2
            idRange = fast.3
        } else {
            // A line that does not open an object (a CSV header pasted in) is named as such: the
            // parser's "invalid literal; expected 'true'" read as a typo in a boolean.
            guard b.first(where: { $0 != 32 && $0 != 9 }) == 123 else {
                throw InputError.invalidValue(file: name, field: "line \(line)", value: String(decoding: b.prefix(120), as: UTF8.self), expected: Self.jsonLine)
            }
            let object: [String: JSONValue]
            do {
                guard case let .object(pairs) = try JSONParser.parse(String(decoding: b, as: UTF8.self), file: name) else {
                    throw InputError.invalidValue(file: name, field: "line \(line)", value: String(decoding: b.prefix(120), as: UTF8.self),
                                                  expected: Self.jsonLine)
                }
                object = Dictionary(pairs.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
            } catch let InputError.syntax(_, _, message) {
                // A CSV line in a JSONL log read as "invalid literal; expected 'true'".
                throw InputError.syntax(file: name, line: line, message: "\(message); expected \(Self.jsonLine)")
            }
            t = try number("timestamp", in: object, expected: "a finite number of milliseconds")
            i = try number("input_length", in: object)
            o = try number("output_length", in: object)
            if case let .array(values)? = object["hash_ids"] {
                ids = values.compactMap { if case let .number(x) = $0 { x } else { nil } }
            }
        }
        func count(_ x: Double) -> Bool { x >= 0 && x < Double(Self.mostTokens) && x == x.rounded() }
        guard count(i) else { throw bad("input_length", text: formatDataNumber(i)) }
        guard count(o) else { throw bad("output_length", text: formatDataNumber(o)) }
        guard abs(t / 1000) < Self.latestSeconds else { throw bad("timestamp", text: formatDataNumber(t), expected: Self.timeRange) }
        // Counted once the line is known good, so a refused line adds none.
        if let idRange { MooncakeLine.blockIDs(b, idRange, into: &blocks) }
        for id in ids { blocks.add(id) }
        return TraceRequest(timestamp: t / 1000, inputTokens: Int(i), outputTokens: Int(o))
    }

    static let jsonLine = "one JSON object a line, such as {\"timestamp\": 27482, \"input_length\": 6955, \"output_length\": 52}"

    /// A UTF-8 byte-order mark at the very start of a log is not part of its header.
    static func dropByteOrderMark(_ b: inout [UInt8]) {
        if b.count >= 3, b[0] == 0xEF, b[1] == 0xBB, b[2] == 0xBF { b.removeFirst(3) }
    }

    /// Token counts of a request stay below this: larger values are not requests, and would not fit an Int.
    static let mostTokens = 1_000_000_000

    /// Timestamps beyond ±1e13 s (300,000 years) are corrupt; they would turn durations infinite.
    static let latestSeconds = 1e13
    static let timeRange = "a time within ±1e13 s of the epoch"
    /// 1e11 s after the epoch is the year 5138; epoch milliseconds of any date since 1973 are larger.
    static let latestPlausibleSeconds = 1e11

    /// A JSON line's number under `key`: a missing key is named as missing, with the line's key
    /// it is likely misspelt as (`input_lenght` read as a bad value), and any other value quoted.
    func number(_ key: String, in object: [String: JSONValue], expected: String = tokenCount) throws -> Double {
        guard let value = object[key] else {
            let near = Suggestions.closest(to: key, among: object.keys.sorted(), limit: 1).filter { Suggestions.editDistance($0, key) <= 3 }
            throw InputError.missingField(file: name, field: "line \(line) \(key)",
                                          expected: expected + (near.first.map { "; the line has a key '\($0)': is it \(key) misspelt?" } ?? ""))
        }
        guard case let .number(x) = value else {
            throw bad(key, text: String(JSONWriter().write(value).trimmingCharacters(in: .whitespacesAndNewlines).prefix(120)), expected: expected)
        }
        return x
    }

    /// `mostTokens` is exclusive, so the message names the largest count taken: "from 0 to 1e9"
    /// refused 1,000,000,000 (2026-12-08 probe).
    static let tokenCount = "a whole number of tokens from 0 to \(mostTokens - 1)"

    /// A bad cell (or JSON line) of the current line, quoted.
    func bad(_ what: String, _ b: UnsafeBufferPointer<UInt8>, column: String = "", expected: String = tokenCount) -> InputError {
        bad(what, text: String(decoding: b.prefix(120), as: UTF8.self), column: column, expected: expected)
    }

    /// `what` with the cell's column when the header named it (`line 2 input tokens (column ContextTokens)`).
    func bad(_ what: String, text: String, column: String = "", expected: String = tokenCount) -> InputError {
        let field = "line \(line) \(what)" + (column.isEmpty ? "" : " (column \(column))")
        return InputError.invalidValue(file: name, field: field, value: text, expected: expected)
    }
}
