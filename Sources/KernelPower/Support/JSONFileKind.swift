import Foundation

/// The kinds of JSON input file, each known by a top-level key only it has, so that a file given
/// to the wrong option is named for what it is rather than for the first field it lacks (a
/// workload given as --calibration said "missing field 'capHoldFraction'").
public enum JSONFileKind: String, CaseIterable, Sendable {
    case workload = "scenarios"
    case calibration = "capHoldFraction"
    case sweep = "grid"
    case modelCatalog = "models"
    case gpuCatalog = "gpus"

    /// How a message names the kind.
    public var name: String {
        switch self {
        case .workload: return "a workload file"
        case .calibration: return "a calibration file (what `tokenwatt calibrate` writes)"
        case .sweep: return "a sweep spec"
        case .modelCatalog: return "a model catalog"
        case .gpuCatalog: return "a GPU catalog"
        }
    }

    /// The top-level keys that mark the kind: a GPU catalog may hold only `nodes`.
    var markers: [String] {
        switch self {
        case .gpuCatalog: return [rawValue, "nodes"]
        default: return [rawValue]
        }
    }

    /// The JSON value of `data`, refused when it is another kind of file.
    public func parse(_ data: Data, file: String) throws -> JSONValue {
        let root = try JSONParser.parse(data, file: file)
        try check(root, file: file)
        return root
    }

    /// Refuses `root` when it lacks this kind's key and has another kind's.
    public func check(_ root: JSONValue, file: String) throws {
        guard case let .object(pairs) = root else { return }
        let keys = Set(pairs.map(\.key))
        guard !markers.contains(where: keys.contains),
              let other = Self.allCases.first(where: { $0.markers.contains(where: keys.contains) }),
              let marker = other.markers.first(where: keys.contains) else { return }
        throw InputError.unreadable(file: file, reason: "this is \(other.name) (it has '\(marker)'), not \(name)")
    }
}
