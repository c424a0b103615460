/// Typed, strict access to one JSON object: every accessor names the field path in its error, and
/// `finish()` rejects keys that no accessor asked for (Swift's synthesized decoding would ignore
/// a misspelt key silently and use a default instead).
public struct JSONObjectReader {
    public let file: String
    /// Dotted path of this object inside the file, e.g. `gpus[3]`.
    public let path: String
    private let pairs: [(key: String, value: JSONValue)]
    private var used = Set<String>()

    public init(_ value: JSONValue, file: String, path: String) throws {
        guard case let .object(p) = value else {
            throw InputError.invalidValue(file: file, field: path.isEmpty ? "(top level)" : path,
                                          value: value.shortDescription, expected: "an object")
        }
        self.file = file
        self.path = path
        self.pairs = p
    }

    public var keys: [String] { pairs.map(\.key) }

    /// The keys an accessor has asked for so far, present or not: after an entry is read, the
    /// fields its schema has (a `sources` key is checked against them).
    public var askedKeys: Set<String> { used }

    public func fieldPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    public mutating func raw(_ key: String) -> JSONValue? {
        used.insert(key)
        guard let v = pairs.first(where: { $0.key == key })?.value else { return nil }
        if case .null = v { return nil }
        return v
    }

    public mutating func has(_ key: String) -> Bool {
        pairs.contains { $0.key == key }
    }

    public mutating func optionalDouble(_ key: String, _ range: ClosedRange<Double>? = nil, expected: String = "a number") throws -> Double? {
        guard let v = raw(key) else { return nil }
        guard case let .number(x) = v else {
            throw InputError.invalidValue(file: file, field: fieldPath(key), value: v.shortDescription, expected: expected)
        }
        if let r = range, !r.contains(x) {
            throw InputError.invalidValue(file: file, field: fieldPath(key), value: Self.written(x),
                                          expected: Self.within(expected, formatNumber(r.lowerBound), formatNumber(r.upperBound)))
        }
        return x
    }

    /// A refused number as it was written, to the digits that tell it from its neighbours: six
    /// significant digits printed `"gpus": 4.0000000001` as "has value 4; expected a GPU count
    /// from 1 to 4096", an error that refused what it named as allowed. The shortest form that
    /// reads back as the same number: `4.0000000001`, `0.1`, `1e20`.
    static func written(_ x: Double) -> String {
        for digits in [6] + Array(7...17) {
            let s = formatNumber(x, significant: digits)
            if Double(s) == x { return s }
        }
        return "\(x)"
    }

    /// `expected` with the range it was checked against, unless it already states one ("days"
    /// alone did not say that 0.5 is below the least of 1).
    static func within(_ expected: String, _ low: String, _ high: String) -> String {
        expected.contains(where: \.isNumber) ? expected : "\(expected) from \(low) to \(high)"
    }

    public mutating func double(_ key: String, _ range: ClosedRange<Double>? = nil, expected: String = "a number") throws -> Double {
        guard let x = try optionalDouble(key, range, expected: expected) else {
            throw InputError.missingField(file: file, field: fieldPath(key), expected: expected)
        }
        return x
    }

    public mutating func optionalInt(_ key: String, _ range: ClosedRange<Int>? = nil, expected: String = "a whole number") throws -> Int? {
        guard let x = try optionalDouble(key, nil, expected: expected) else { return nil }
        guard x.rounded() == x, abs(x) < 1e15 else {
            // 1e20 is a whole number too: say the range, not only the kind.
            throw InputError.invalidValue(file: file, field: fieldPath(key), value: Self.written(x),
                                          expected: range.map { Self.within(expected, String($0.lowerBound), String($0.upperBound)) } ?? expected)
        }
        let i = Int(x)
        if let r = range, !r.contains(i) {
            throw InputError.invalidValue(file: file, field: fieldPath(key), value: String(i),
                                          expected: Self.within(expected, String(r.lowerBound), String(r.upperBound)))
        }
        return i
    }

    public mutating func int(_ key: String, _ range: ClosedRange<Int>? = nil, expected: String = "a whole number") throws -> Int {
        guard let x = try optionalInt(key, range, expected: expected) else {
            throw InputError.missingField(file: file, field: fieldPath(key), expected: expected)
        }
        return x
    }

    public mutating func optionalString(_ key: String, allowed: [String]? = nil) throws -> String? {
        guard let v = raw(key) else { return nil }
        guard case let .string(s) = v else {
            throw InputError.invalidValue(file: file, field: fieldPath(key), value: v.shortDescription,
                                          expected: allowed.map { "one of \($0.joined(separator: ", "))" } ?? "a string")
        }
        if let a = allowed, !a.contains(s) {
            throw InputError.invalidValue(file: file, field: fieldPath(key), value: "\"\(s)\"",
                                          expected: "one of \(a.joined(separator: ", "))")
        }
        return s
    }

    /// An optional string that must name one case of `T` (its raw value), as that case.
    public mutating func optionalChoice<T: RawRepresentable & CaseIterable>(_ key: String, _: T.Type) throws -> T?
        where T.RawValue == String {
        try optionalString(key, allowed: T.allCases.map(\.rawValue)).flatMap(T.init)
    }

    public mutating func string(_ key: String, allowed: [String]? = nil) throws -> String {
        guard let s = try optionalString(key, allowed: allowed) else {
            throw InputError.missingField(file: file, field: fieldPath(key),
                                          expected: allowed.map { "one of \($0.joined(separator: ", "))" } ?? "a string")
        }
        return s
    }

    public mutating func optionalBool(_ key: String) throws -> Bool? {
        guard let v = raw(key) else { return nil }
        guard case let .bool(b) = v else {
            throw InputError.invalidValue(file: file, field: fieldPath(key), value: v.shortDescription, expected: "true or false")
        }
        return b
    }

    public mutating func bool(_ key: String) throws -> Bool {
        guard let b = try optionalBool(key) else {
            throw InputError.missingField(file: file, field: fieldPath(key), expected: "true or false")
        }
        return b
    }

    public mutating func stringArray(_ key: String) throws -> [String] {
        guard let v = raw(key) else { return [] }
        guard case let .array(items) = v else {
            throw InputError.invalidValue(file: file, field: fieldPath(key), value: v.shortDescription, expected: "an array of strings")
        }
        return try items.enumerated().map { i, item in
            guard case let .string(s) = item else {
                throw InputError.invalidValue(file: file, field: "\(fieldPath(key))[\(i)]", value: item.shortDescription, expected: "a string")
            }
            return s
        }
    }

    public mutating func optionalObject(_ key: String) throws -> JSONObjectReader? {
        guard let v = raw(key) else { return nil }
        return try JSONObjectReader(v, file: file, path: fieldPath(key))
    }

    public mutating func object(_ key: String) throws -> JSONObjectReader {
        guard let o = try optionalObject(key) else {
            throw InputError.missingField(file: file, field: fieldPath(key), expected: "an object")
        }
        return o
    }

    public mutating func array(_ key: String) throws -> [JSONValue] {
        guard let v = raw(key) else {
            throw InputError.missingField(file: file, field: fieldPath(key), expected: "an array")
        }
        guard case let .array(items) = v else {
            throw InputError.invalidValue(file: file, field: fieldPath(key), value: v.shortDescription, expected: "an array")
        }
        return items
    }

    public mutating func optionalArray(_ key: String) throws -> [JSONValue]? {
        guard raw(key) != nil else { return nil }
        return try array(key)
    }

    /// A map of string keys to strings (e.g. `sources`).
    public mutating func stringMap(_ key: String) throws -> [String: String] {
        guard let v = raw(key) else { return [:] }
        guard case let .object(p) = v else {
            throw InputError.invalidValue(file: file, field: fieldPath(key), value: v.shortDescription, expected: "an object of strings")
        }
        var out: [String: String] = [:]
        for (k, item) in p {
            guard case let .string(s) = item else {
                throw InputError.invalidValue(file: file, field: "\(fieldPath(key)).\(k)", value: item.shortDescription, expected: "a string")
            }
            out[k] = s
        }
        return out
    }

    /// Rejects any key that no accessor asked for.
    public func finish() throws {
        let unknown = pairs.map(\.key).filter { !used.contains($0) }
        if !unknown.isEmpty {
            throw InputError.unknownKeys(file: file, field: path, keys: unknown, allowed: used.sorted())
        }
    }

    /// Reads `schemaVersion` and refuses versions newer than this build understands.
    public mutating func schemaVersion(highest: Int) throws -> Int {
        let v = try int("schemaVersion", 1...Int.max, expected: "a positive whole number")
        if v > highest { throw InputError.unsupportedSchemaVersion(file: file, found: v, highest: highest) }
        return v
    }
}
