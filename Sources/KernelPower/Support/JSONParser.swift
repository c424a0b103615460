import Foundation

/// A strict JSON parser (RFC 8259): no comments, no trailing commas, no NaN, no duplicate keys.
///
/// Written here rather than using `JSONSerialization` because that one accepts duplicate keys
/// silently and reports positions poorly; every error here names the file and line.
public struct JSONParser {
    private let bytes: [UInt8]
    private var index = 0
    private var line = 1
    private let file: String
    /// Nesting limit, so that a hostile file cannot overflow the stack.
    private let maxDepth = 256

    public static func parse(_ data: Data, file: String) throws -> JSONValue {
        var parser = JSONParser(bytes: [UInt8](data), file: file)
        return try parser.parseDocument()
    }

    public static func parse(_ text: String, file: String) throws -> JSONValue {
        try parse(Data(text.utf8), file: file)
    }

    private init(bytes: [UInt8], file: String) {
        var b = bytes
        // A UTF-8 byte-order mark is tolerated (editors on Windows write one).
        if b.count >= 3, b[0] == 0xEF, b[1] == 0xBB, b[2] == 0xBF { b.removeFirst(3) }
        self.bytes = b
        self.file = file
    }

    private func fail(_ message: String) -> InputError {
        .syntax(file: file, line: line, message: message)
    }

    private mutating func parseDocument() throws -> JSONValue {
        skipWhitespace()
        if index >= bytes.count { throw fail("the file is empty; expected a JSON value") }
        let value = try parseValue(depth: 0)
        skipWhitespace()
        if index < bytes.count { throw fail("unexpected text after the JSON value: \(found())") }
        return value
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0D: index += 1
            case 0x0A: index += 1; line += 1
            default: return
            }
        }
    }

    private mutating func parseValue(depth: Int) throws -> JSONValue {
        guard depth < maxDepth else { throw fail("nesting deeper than \(maxDepth) levels") }
        skipWhitespace()
        guard index < bytes.count else { throw fail("unexpected end of file; the JSON is truncated") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default:
            throw fail("expected a JSON value, found \(found())")
        }
    }

    /// What sits at the current byte, for the "expected ..." messages: a comment, an invisible
    /// control byte (a NUL read only as "expected ',' or '}'") or the character itself.
    private func found() -> String {
        guard index < bytes.count else { return "the end of the file" }
        switch bytes[index] {
        case 0x00: return "a NUL byte (0x00; a binary or UTF-16 file?)"
        case 0x01..<0x20, 0x7F: return "a control byte (\(printable(bytes[index])))"
        case UInt8(ascii: "/"): return "'/' (JSON has no comments)"
        case let b: return "the character '\(printable(b))'"
        }
    }

    /// Refuses a `}` or `]` right after a comma, which JSON does not allow and which otherwise
    /// read as a missing key or value.
    private func refuseTrailingComma(before close: UInt8) throws {
        guard index < bytes.count, bytes[index] == close else { return }
        throw fail("a trailing comma before '\(printable(close))'; JSON allows none (remove the comma)")
    }

    private func printable(_ b: UInt8) -> String {
        (0x20..<0x7F).contains(b) ? String(UnicodeScalar(b)) : String(format: "\\x%02X", b)
    }

    private mutating func expectLiteral(_ word: String) throws {
        let w = Array(word.utf8)
        guard index + w.count <= bytes.count, Array(bytes[index..<index + w.count]) == w else {
            throw fail("invalid literal; expected '\(word)' (NaN and Infinity are not JSON)")
        }
        index += w.count
    }

    private mutating func parseObject(depth: Int) throws -> JSONValue {
        index += 1
        var pairs: [(key: String, value: JSONValue)] = []
        var seen = Set<String>()
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(pairs) }
        var afterComma = false
        while true {
            skipWhitespace()
            guard index < bytes.count else { throw fail("unexpected end of file inside an object; the JSON is truncated") }
            if afterComma { try refuseTrailingComma(before: UInt8(ascii: "}")) }
            guard bytes[index] == UInt8(ascii: "\"") else { throw fail("expected a quoted key, found \(found())") }
            let keyLine = line
            let key = try parseString()
            if !seen.insert(key).inserted {
                throw InputError.syntax(file: file, line: keyLine, message: "duplicate key \"\(key)\"")
            }
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                throw fail("expected ':' after key \"\(key)\"")
            }
            index += 1
            let value = try parseValue(depth: depth + 1)
            pairs.append((key: key, value: value))
            skipWhitespace()
            guard index < bytes.count else { throw fail("unexpected end of file inside an object; the JSON is truncated") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; afterComma = true; continue }
            if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(pairs) }
            throw fail("expected ',' or '}' in an object, found \(found())")
        }
    }

    private mutating func parseArray(depth: Int) throws -> JSONValue {
        index += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
        while true {
            if !items.isEmpty { skipWhitespace(); try refuseTrailingComma(before: UInt8(ascii: "]")) }
            items.append(try parseValue(depth: depth + 1))
            skipWhitespace()
            guard index < bytes.count else { throw fail("unexpected end of file inside an array; the JSON is truncated") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
            throw fail("expected ',' or ']' in an array, found \(found())")
        }
    }

    private mutating func parseString() throws -> String {
        index += 1
        var out = [UInt8]()
        while index < bytes.count {
            let b = bytes[index]
            switch b {
            case UInt8(ascii: "\""):
                index += 1
                guard let s = String(bytes: out, encoding: .utf8) else { throw fail("string is not valid UTF-8") }
                return s
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { break }
                let e = bytes[index]
                index += 1
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try parseHex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                              bytes[index + 1] == UInt8(ascii: "u") else { throw fail("unpaired surrogate in \\u escape") }
                        index += 2
                        let low = try parseHex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw fail("invalid surrogate pair") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let u = UnicodeScalar(scalar) else { throw fail("invalid \\u escape") }
                    out.append(contentsOf: Array(String(Character(u)).utf8))
                default: throw fail("invalid escape '\\\(printable(e))'")
                }
            case 0x00..<0x20:
                throw fail("control character inside a string (an unterminated string?)")
            default:
                out.append(b)
                index += 1
            }
        }
        throw fail("unterminated string")
    }

    private mutating func parseHex4() throws -> UInt32 {
        guard index + 4 <= bytes.count else { throw fail("truncated \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[index]
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - 48)
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - 87)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - 55)
            default: throw fail("invalid hex digit in \\u escape")
            }
            v = v * 16 + d
            index += 1
        }
        return v
    }

    private mutating func parseNumber() throws -> Double {
        let start = index
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        func digits() -> Int {
            let s = index
            while index < bytes.count, (48...57).contains(bytes[index]) { index += 1 }
            return index - s
        }
        let intDigits = digits()
        guard intDigits > 0 else { throw fail("invalid number") }
        if intDigits > 1, bytes[start + (bytes[start] == UInt8(ascii: "-") ? 1 : 0)] == UInt8(ascii: "0") {
            throw fail("numbers may not have leading zeros")
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { throw fail("invalid number: digits expected after '.'") }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { throw fail("invalid number: digits expected in the exponent") }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        guard let v = Double(text), v.isFinite else { throw fail("number \(text) is out of range") }
        return v
    }
}
