/// A parsed JSON value that remembers the line it started on, so that errors can name it.
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    /// Keys in file order; duplicates are rejected by the parser.
    case object([(key: String, value: JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.number(x), .number(y)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    /// A short name of the value's type, for error messages.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    /// The value as an error message shows it: a number itself, anything else by its type.
    public var shortDescription: String {
        if case let .number(x) = self { return formatNumber(x) }
        return typeName
    }

    /// Looks up a key in an object (nil for other values or a missing key).
    public subscript(key: String) -> JSONValue? {
        if case let .object(pairs) = self { return pairs.first { $0.key == key }?.value }
        return nil
    }
}

/// Builders for writing JSON from Swift values.
extension JSONValue {
    public static func obj(_ pairs: [(String, JSONValue)]) -> JSONValue {
        .object(pairs.map { (key: $0.0, value: $0.1) })
    }
    public static func num(_ x: Double) -> JSONValue { .number(x) }
    public static func str(_ s: String) -> JSONValue { .string(s) }
    public static func optionalNumber(_ x: Double?) -> JSONValue { x.map { .number($0) } ?? .null }
}
