import Foundation

/// A parsed CSV file: a header and rows, each row remembering its line number in the file.
///
/// RFC 4180: comma-separated, fields may be quoted with `"` (doubled inside), CRLF or LF line
/// ends, a UTF-8 byte-order mark is skipped. Blank lines are ignored. A file that looks
/// semicolon- or tab-separated is rejected with that diagnosis instead of being read as one column.
public struct CSVTable: Sendable {
    public struct Row: Sendable {
        public let line: Int
        public let fields: [String]
    }

    public let file: String
    public let header: [String]
    public let rows: [Row]

    public init(file: String, header: [String], rows: [Row]) {
        self.file = file
        self.header = header
        self.rows = rows
    }

    /// Reads a CSV file from disk (or stdin for `-`). With `keepingRaggedRows`, a row whose field
    /// count differs from the header's is kept for the caller to report (`raggedMessage`) rather
    /// than refusing the file: `predict` scores the other rows.
    public static func read(path: String, keepingRaggedRows: Bool = false) throws -> CSVTable {
        let data: Data
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            data = try InputFile.data(path, expected: "a CSV file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw InputError.unreadable(file: path == "-" ? "<stdin>" : path, reason: "is not UTF-8 text")
        }
        return try parse(text, file: path == "-" ? "<stdin>" : path, keepingRaggedRows: keepingRaggedRows)
    }

    public static func parse(_ text: String, file: String, keepingRaggedRows: Bool = false) throws -> CSVTable {
        var records = try splitRecords(text, file: file)
        guard let first = records.first else {
            throw InputError.syntax(file: file, line: 1, message: "the file is empty; expected a header line")
        }
        records.removeFirst()
        let header = first.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        if header.count == 1 {
            let h = header[0]
            for (sep, name) in [(";", "semicolons"), ("\t", "tabs"), ("|", "pipes")] where h.contains(sep) {
                throw InputError.syntax(file: file, line: first.line,
                                        message: "the header looks separated by \(name); expected comma-separated values")
            }
        }
        var seen = Set<String>()
        for h in header {
            if h.isEmpty { throw InputError.syntax(file: file, line: first.line, message: "the header has an empty column name") }
            if !seen.insert(h).inserted {
                throw InputError.syntax(file: file, line: first.line, message: "duplicate column '\(h)' in the header")
            }
        }
        let table = CSVTable(file: file, header: header, rows: records)
        if !keepingRaggedRows, let r = records.first(where: { table.raggedMessage($0) != nil }) {
            throw InputError.syntax(file: file, line: r.line, message: table.raggedMessage(r)!)
        }
        return table
    }

    /// Why `row` does not fit the header (a trailing comma, a missing field), or nil when it does.
    public func raggedMessage(_ row: Row) -> String? {
        row.fields.count == header.count ? nil : "\(row.fields.count) fields, but the header has \(header.count) columns"
    }

    /// The fields of one line of a streamed CSV file (line `line`), by the same rules as `parse`:
    /// a reader that cannot hold the file (a request log) still splits quoted fields as RFC 4180
    /// says. A quoted field that runs past the end of the line is an error, not the next line.
    public static func fields(ofLine text: String, file: String, line: Int) throws -> [String] {
        let records: [Row]
        do { records = try splitRecords(text, file: file, firstLine: line) } catch let InputError.syntax(f, l, message)
            where message == "unterminated quoted field" {
            throw InputError.syntax(file: f, line: l, message: "unterminated quoted field (a quoted field cannot span lines here: one request a line)")
        }
        guard records.count == 1 else {
            throw InputError.syntax(file: file, line: line, message: "a quoted field spans lines; expected one record a line")
        }
        return records[0].fields
    }

    /// Splits text into records, honouring quotes (a quoted field may contain commas and newlines).
    private static func splitRecords(_ text: String, file: String, firstLine: Int = 1) throws -> [Row] {
        var rows: [Row] = []
        var fields: [String] = []
        var field = ""
        var inQuotes = false
        var line = firstLine
        var recordLine = firstLine
        var fieldWasQuoted = false
        var scalars = Array(text.unicodeScalars)
        if scalars.first == "\u{FEFF}" { scalars.removeFirst() }
        var i = 0
        func endRecord() {
            fields.append(field)
            if !(fields.count == 1 && fields[0].trimmingCharacters(in: .whitespaces).isEmpty && !fieldWasQuoted) {
                rows.append(Row(line: recordLine, fields: fields))
            }
            fields = []
            field = ""
            fieldWasQuoted = false
        }
        while i < scalars.count {
            let c = scalars[i]
            if inQuotes {
                if c == "\"" {
                    if i + 1 < scalars.count, scalars[i + 1] == "\"" { field.unicodeScalars.append("\""); i += 2; continue }
                    inQuotes = false
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
                i += 1
                continue
            }
            if fieldWasQuoted && c != "," && c != "\r" && c != "\n" && !(c == " " || c == "\t") {
                throw InputError.syntax(file: file, line: line, message: "text after the closing quote of a quoted field")
            }
            switch c {
            case "\"":
                if field.trimmingCharacters(in: .whitespaces).isEmpty { field = ""; inQuotes = true; fieldWasQuoted = true }
                else { throw InputError.syntax(file: file, line: line, message: "a quote inside an unquoted field") }
            case ",":
                fields.append(field); field = ""; fieldWasQuoted = false
            case "\r":
                if i + 1 < scalars.count, scalars[i + 1] == "\n" { i += 1 }
                endRecord(); line += 1; recordLine = line
            case "\n":
                endRecord(); line += 1; recordLine = line
            default:
                field.unicodeScalars.append(c)
            }
            i += 1
        }
        if inQuotes { throw InputError.syntax(file: file, line: recordLine, message: "unterminated quoted field") }
        if !field.isEmpty || !fields.isEmpty || fieldWasQuoted { endRecord() }
        return rows
    }

    /// The index of a column, or nil.
    public func column(_ name: String) -> Int? { header.firstIndex(of: name) }
}

extension CSVTable.Row {
    /// The value of `column` in this row, trimmed; nil when the column is absent or the cell empty.
    public func value(_ column: Int?) -> String? {
        guard let c = column, c < fields.count else { return nil }
        let v = fields[c].trimmingCharacters(in: .whitespaces)
        return v.isEmpty ? nil : v
    }
}

/// Writes CSV fields, quoting where needed.
public enum CSVWriter {
    public static func line(_ fields: [String]) -> String {
        fields.map(escape).joined(separator: ",")
    }

    public static func escape(_ s: String) -> String {
        if s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r") {
            return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return s
    }
}
