/// Errors in what a user or a catalog gave us. Each case carries enough context to say where
/// (file, line or field), what was found and what was expected.
public enum InputError: Error, Equatable, CustomStringConvertible, Sendable {
    case syntax(file: String, line: Int, message: String)
    case missingField(file: String, field: String, expected: String)
    case invalidValue(file: String, field: String, value: String, expected: String)
    case unknownKeys(file: String, field: String, keys: [String], allowed: [String])
    case unknownID(kind: String, id: String, suggestions: [String], context: String)
    case duplicateID(file: String, kind: String, id: String)
    case unsupportedSchemaVersion(file: String, found: Int, highest: Int)
    case unreadable(file: String, reason: String)

    public var description: String {
        switch self {
        case let .syntax(file, line, message):
            return "\(file):\(line): \(message)"
        case let .missingField(file, field, expected):
            return "\(file): missing field '\(field)' (expected \(expected))"
        case let .invalidValue(file, field, value, expected):
            return "\(file): field '\(field)' has value \(value.escapingControlCharacters); expected \(expected)"
        case let .unknownKeys(file, field, keys, allowed):
            let place = field.isEmpty ? "" : " in '\(field)'"
            return "\(file): unknown key\(keys.count == 1 ? "" : "s") \(keys.map { "'\($0)'" }.joined(separator: ", "))\(place)"
                + Self.keyHint(keys, allowed) + "; allowed keys: \(allowed.joined(separator: ", "))"
        case let .unknownID(kind, id, suggestions, context):
            // An empty id is closest to nothing: suggestions for it were arbitrary catalog entries.
            let hint = suggestions.isEmpty || id.trimmingCharacters(in: .whitespaces).isEmpty ? ""
                : "; did you mean \(suggestions.map { "'\($0)'" }.joined(separator: ", "))?"
            let ctx = context.isEmpty ? "" : "\(context): "
            let listing = [
                "GPU": " (list them with `tokenwatt gpus`; add one with --gpu-catalog FILE)",
                "model": " (list them with `tokenwatt models`; add one from its Hugging Face config.json with `tokenwatt models --from-hf` "
                    + "and --model-catalog FILE)",
                "grid or cloud region": " (list them with `tokenwatt regions`)",
            ][kind] ?? ""
            if id.trimmingCharacters(in: .whitespaces).isEmpty { return "\(ctx)no \(kind) given (the id is empty)\(listing)" }
            return "\(ctx)unknown \(kind) '\(id.escapingControlCharacters)'\(hint)\(listing)"
        case let .duplicateID(file, kind, id):
            return "\(file): duplicate \(kind) id or alias '\(id)'"
        case let .unsupportedSchemaVersion(file, found, highest):
            return "\(file): schemaVersion \(found) is not supported; this build reads versions up to \(highest)"
        case let .unreadable(file, reason):
            return "\(file): \(reason)"
        }
    }
}

extension InputError {
    /// " (did you mean 'pricePerKWh'?)" for the allowed key nearest each unknown one (as an
    /// unknown id gets, `Suggestions.closest`): `"pricePerkWh"` was answered with fifteen
    /// allowed keys and no word of the one it missed by a letter's case, `gpuz` with no `gpu`.
    static func keyHint(_ keys: [String], _ allowed: [String]) -> String {
        let near = keys.compactMap { key in Suggestions.closest(to: key, among: allowed, limit: 1).first.map { (key, $0) } }
        guard !near.isEmpty else { return "" }
        if keys.count == 1 { return " (did you mean '\(near[0].1)'?)" }
        return " (did you mean " + near.map { "'\($0.1)' for '\($0.0)'" }.joined(separator: ", ") + "?)"
    }
}

extension String {
    /// The text with control characters written as escapes (`\r`, `\t`, `\n`, `\0`, `\x1B`), for
    /// echoing a value in a message: a stray carriage return of a `\r\r\n` line end printed as
    /// nothing, and "has value …,44" did not show why 44 was refused.
    public var escapingControlCharacters: String {
        guard unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return self }
        var out = ""
        for u in unicodeScalars {
            switch u {
            case "\r": out += "\\r"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\0": out += "\\0"
            case _ where u.value < 0x20 || u.value == 0x7F: out += "\\x" + String(u.value, radix: 16, uppercase: true).leftPadded(to: 2)
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }

    private func leftPadded(to n: Int) -> String { String(repeating: "0", count: max(0, n - count)) + self }
}
