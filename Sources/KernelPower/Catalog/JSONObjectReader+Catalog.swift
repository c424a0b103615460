/// Checks that every catalog entry (GPU, node, model) shares: ids, aliases and sources that say
/// something, values from a fixed list, and `sources` keys that name a field.
extension JSONObjectReader {
    /// A string that must be one of `allowed`, spelt as the schema spells it; refused with the
    /// list and the closest value ("Hopper" was read as an unknown architecture and quietly took
    /// Ampere's power coefficients).
    public mutating func choice(_ key: String, allowed: [String]) throws -> String {
        let s = try string(key, allowed: nil)
        guard !allowed.contains(s) else { return s }
        let near = Suggestions.closest(to: s, among: allowed, limit: 1).first.map { " (did you mean '\($0)'?)" } ?? ""
        throw InputError.invalidValue(file: file, field: fieldPath(key), value: "\"\(s)\"",
                                      expected: "one of \(allowed.joined(separator: ", "))\(near)")
    }

    /// A string with more than white space in it: an empty id was matched by `--model ''`, and an
    /// empty source cites nothing.
    public mutating func nonBlankString(_ key: String, expected: String) throws -> String {
        let s = try string(key)
        guard s.contains(where: { !$0.isWhitespace }) else {
            throw InputError.invalidValue(file: file, field: fieldPath(key), value: "\"\(s)\"", expected: expected)
        }
        return s
    }

    /// `aliases`, none of them blank.
    public mutating func aliases() throws -> [String] {
        let a = try stringArray("aliases")
        if let i = a.firstIndex(where: { !$0.contains(where: { !$0.isWhitespace }) }) {
            throw InputError.invalidValue(file: file, field: "\(fieldPath("aliases"))[\(i)]", value: "\"\(a[i])\"", expected: "a non-empty alias")
        }
        return a
    }

    /// The entry's `source`, which every entry must have (a field without a `sources` key falls
    /// back to it).
    public mutating func source() throws -> String {
        try nonBlankString("source", expected: "a non-empty source (URL, paper and table, or data file)")
    }

    /// `finish()`, then refuses a `sources` key whose first dotted part is neither a field of this
    /// entry's schema nor one of `extra` (notes the schema documents, such as the converter's
    /// `converter`): a source filed under a misspelt field leaves the real field unsourced.
    /// Call it after every field has been asked for.
    public func finish(sources: [String: String], extra: [String] = []) throws {
        try finish()
        let fields = askedKeys.subtracting(["source", "sources"]).union(extra)
        for key in sources.keys.sorted() where !fields.contains(String(key.prefix { $0 != "." })) {
            let near = Suggestions.closest(to: key, among: fields.sorted())
            let hint = near.isEmpty ? "" : "; did you mean \(near.map { "'\($0)'" }.joined(separator: ", "))?"
            throw InputError.invalidValue(file: file, field: "\(fieldPath("sources")).\(key)", value: "\"\(key)\"",
                                          expected: "a key naming a field of the entry (or a dotted path into one)"
                                              + (extra.isEmpty ? "" : " or one of \(extra.joined(separator: ", "))") + hint)
        }
    }
}
