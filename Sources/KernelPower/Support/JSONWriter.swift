/// Writes `JSONValue`s deterministically: keys sorted, numbers through `formatDataNumber`
/// (integers exact, other numbers to `significant` digits), two-space indentation, a trailing
/// newline. Same value, same bytes.
public struct JSONWriter {
    /// Significant digits for numbers that are not integers (an integer below 2^53 is written
    /// whole). Reports use 6; files that must round-trip exactly (calibration coefficients) use 17.
    public var significant: Int
    public var sortKeys: Bool

    public init(significant: Int = 6, sortKeys: Bool = true) {
        self.significant = significant
        self.sortKeys = sortKeys
    }

    public func write(_ value: JSONValue) -> String {
        var out = ""
        emit(value, indent: 0, into: &out)
        out.append("\n")
        return out
    }

    private func emit(_ value: JSONValue, indent: Int, into out: inout String) {
        switch value {
        case .null: out.append("null")
        case let .bool(b): out.append(b ? "true" : "false")
        case let .number(x): out.append(formatDataNumber(x, significant: significant))
        case let .string(s): out.append(Self.quote(s))
        case let .array(items):
            if items.isEmpty { out.append("[]"); return }
            let scalarOnly = items.allSatisfy { if case .array = $0 { return false }; if case .object = $0 { return false }; return true }
            if scalarOnly && items.count <= 16 {
                out.append("[")
                for (i, item) in items.enumerated() {
                    if i > 0 { out.append(", ") }
                    emit(item, indent: indent, into: &out)
                }
                out.append("]")
                return
            }
            out.append("[\n")
            for (i, item) in items.enumerated() {
                out.append(String(repeating: "  ", count: indent + 1))
                emit(item, indent: indent + 1, into: &out)
                out.append(i + 1 < items.count ? ",\n" : "\n")
            }
            out.append(String(repeating: "  ", count: indent) + "]")
        case let .object(pairs):
            if pairs.isEmpty { out.append("{}"); return }
            let ordered = sortKeys ? pairs.sorted { $0.key < $1.key } : pairs
            out.append("{\n")
            for (i, pair) in ordered.enumerated() {
                out.append(String(repeating: "  ", count: indent + 1))
                out.append(Self.quote(pair.key))
                out.append(": ")
                emit(pair.value, indent: indent + 1, into: &out)
                out.append(i + 1 < ordered.count ? ",\n" : "\n")
            }
            out.append(String(repeating: "  ", count: indent) + "}")
        }
    }

    public static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out.append("\\\"")
            case "\\": out.append("\\\\")
            case "\n": out.append("\\n")
            case "\r": out.append("\\r")
            case "\t": out.append("\\t")
            case let c where c.value < 0x20:
                out.append("\\u" + String(repeating: "0", count: 4 - String(c.value, radix: 16).count) + String(c.value, radix: 16))
            default: out.unicodeScalars.append(u)
            }
        }
        out.append("\"")
        return out
    }
}
