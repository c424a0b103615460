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
            return "\(file): field '\(field)' has value \(value); expected \(expected)"
        case let .unknownKeys(file, field, keys, allowed):
            let place = field.isEmpty ? "" : " in '\(field)'"
            return "\(file): unknown key\(keys.count == 1 ? "" : "s") \(keys.map { "'\($0)'" }.joined(separator: ", "))\(place); allowed keys: \(allowed.joined(separator: ", "))"
        case let .unknownID(kind, id, suggestions, context):
            // An empty id is closest to nothing: suggestions for it were arbitrary catalog entries.
            let hint = suggestions.isEmpty || id.trimmingCharacters(in: .whitespaces).isEmpty ? ""
                : "; did you mean \(suggestions.map { "'\($0)'" }.joined(separator: ", "))?"
            let ctx = context.isEmpty ? "" : "\(context): "
            let listing = [
                "GPU": " (list them with `tokenwatt gpus`; add one with --gpu-catalog FILE)",
                "model": " (list them with `tokenwatt models`; add one from its Hugging Face config.json with `tokenwatt models --from-hf` "
                    + "and --model-catalog FILE)",
            ][kind] ?? ""
            if id.trimmingCharacters(in: .whitespaces).isEmpty { return "\(ctx)no \(kind) given (the id is empty)\(listing)" }
            return "\(ctx)unknown \(kind) '\(id)'\(hint)\(listing)"
        case let .duplicateID(file, kind, id):
            return "\(file): duplicate \(kind) id or alias '\(id)'"
        case let .unsupportedSchemaVersion(file, found, highest):
            return "\(file): schemaVersion \(found) is not supported; this build reads versions up to \(highest)"
        case let .unreadable(file, reason):
            return "\(file): \(reason)"
        }
    }
}
