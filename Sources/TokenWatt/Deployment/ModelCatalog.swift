import Foundation
import KernelPower

/// The models TokenWatt knows, loaded and validated from the bundled `models.json`.
public struct ModelCatalog: Sendable {
    public let models: [ModelArchitecture]
    private let index: [String: Int]

    public static let highestSchemaVersion = 1

    /// The bundled catalog, loaded once; its validity is guarded by the catalog tests.
    public static let bundled: ModelCatalog = {
        do { return try loadBundled() } catch { fatalError("bundled model catalog is invalid: \(error)") }
    }()

    public static func loadBundled() throws -> ModelCatalog {
        guard let url = Bundle.module.url(forResource: "models", withExtension: "json") else {
            throw InputError.unreadable(file: "models.json", reason: "bundled resource missing")
        }
        return try load(try Data(contentsOf: url), file: "models.json")
    }

    public static func load(_ data: Data, file: String) throws -> ModelCatalog {
        try ModelCatalog(models: ModelArchitectureReader.readAll(try JSONParser.parse(data, file: file), file: file), file: file)
    }

    public init(models: [ModelArchitecture], file: String = "models.json") throws {
        var idx: [String: Int] = [:]
        for (i, m) in models.enumerated() {
            for key in [m.id] + m.aliases {
                let k = key.lowercased()
                if idx[k] != nil { throw InputError.duplicateID(file: file, kind: "model", id: key) }
                idx[k] = i
            }
        }
        self.models = models
        self.index = idx
    }

    /// The models whose id, an alias or the family contains `text`, case-insensitively (all of
    /// them for an empty text).
    public func matching(_ text: String) -> [ModelArchitecture] {
        let needle = text.lowercased()
        guard !needle.isEmpty else { return models }
        return models.filter { m in ([m.id, m.family] + m.aliases).contains { $0.lowercased().contains(needle) } }
    }

    /// Looks up a model by Hugging Face id or alias, case-insensitively.
    public func model(_ id: String, context: String = "") throws -> ModelArchitecture {
        if let i = index[id.lowercased()] { return models[i] }
        throw InputError.unknownID(kind: "model", id: id,
                                   suggestions: Suggestions.closest(to: id, among: models.flatMap { [$0.id] + $0.aliases }),
                                   context: context)
    }
}
