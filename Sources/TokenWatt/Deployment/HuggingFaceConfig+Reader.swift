import KernelPower

/// How the converter reads a config.json's values, and the defaults it notes.
extension HuggingFaceConfig {
    /// Lenient reads of a config (configs carry many keys the catalog does not need); a default
    /// taken for a missing key is noted.
    struct Reader {
        /// A family's transformers defaults for keys a config may leave out.
        struct Defaults { let configClass: String; let values: [String: Int] }

        let config: JSONValue
        let file: String
        var notes: [String]
        /// The object `config` is in the file (`text_config`), or "" for the top level.
        var parent = ""
        var defaults: Defaults? = nil
        /// Assumptions that change the figures, said on stderr as well as in the notes.
        var warnings: [String] = []

        /// `key`'s path in the file, as errors and notes name it.
        func field(_ key: String) -> String { parent.isEmpty ? key : "\(parent).\(key)" }

        mutating func string(_ key: String, default d: String) throws -> String {
            guard let v = config[key] else { notes.append("\(field(key)) missing: \(d) assumed"); return d }
            guard let s = stringValue(v) else { throw InputError.invalidValue(file: file, field: field(key), value: v.shortDescription, expected: "a string") }
            return s
        }

        mutating func int(_ key: String, default d: Int? = nil) throws -> Int { try whole(key, default: d, least: 1) }

        /// A count that may be 0 (shared experts, leading dense layers).
        mutating func count(_ key: String, default d: Int) throws -> Int { try whole(key, default: d, least: 0) }

        mutating func whole(_ key: String, default d: Int?, least: Double) throws -> Int {
            let expected = least > 0 ? "a positive whole number" : "a whole number, 0 or more"
            guard let v = config[key], v != .null else {
                if let defaults, let family = defaults.values[key] {
                    notes.append("\(field(key)) missing: \(family) assumed (transformers' \(defaults.configClass) default)")
                    return family
                }
                guard let d else { throw InputError.invalidValue(file: file, field: field(key), value: "missing", expected: expected) }
                notes.append("\(field(key)) missing: \(d) assumed")
                return d
            }
            guard let x = numberValue(v), x >= least, x == x.rounded(), x < 1e12 else {
                throw InputError.invalidValue(file: file, field: field(key), value: v.shortDescription, expected: expected)
            }
            return Int(x)
        }

        mutating func bool(_ key: String, default d: Bool) throws -> Bool {
            guard let v = config[key], v != .null else { notes.append("\(field(key)) missing: \(d) assumed"); return d }
            guard case let .bool(b) = v else { throw InputError.invalidValue(file: file, field: field(key), value: v.shortDescription, expected: "true or false") }
            return b
        }
    }

    static func stringValue(_ v: JSONValue) -> String? { if case let .string(s) = v { return s } else { return nil } }
    static func numberValue(_ v: JSONValue) -> Double? { if case let .number(x) = v { return x } else { return nil } }
}
