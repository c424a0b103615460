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

    /// This catalog with the models of a user's catalog file (the schema of `models.json`; its
    /// variants may name a model of this catalog in `variantOf`). An id or alias this catalog
    /// already holds is an error naming the file, not a silent override: a bundled model keeps
    /// its sourced numbers in every result.
    public func adding(_ data: Data, file: String) throws -> ModelCatalog {
        // Any catalog model, by id or alias, may be a variant's base (an FP8 release's fine-tune too).
        let known = Dictionary(models.flatMap { m in ([m.id] + m.aliases).map { ($0.lowercased(), m) } }, uniquingKeysWith: { a, _ in a })
        let added = try ModelArchitectureReader.readAll(try JSONFileKind.modelCatalog.parse(data, file: file), file: file, known: known)
        for m in added {
            if let taken = ([m.id] + m.aliases).first(where: { index[$0.lowercased()] != nil }) {
                throw InputError.invalidValue(file: file, field: "model \(m.id)", value: taken,
                                              expected: "an id and aliases the catalog does not hold yet ('\(taken)' is \(models[index[taken.lowercased()]!].id)); "
                                                  + "a fine-tune of a catalog model can name it in variantOf")
            }
        }
        return try ModelCatalog(models: models + added, file: file)
    }

    /// `adding(_:file:)` on the file at `path`.
    public func adding(path: String) throws -> ModelCatalog {
        try adding(try InputFile.data(path, expected: "a model catalog JSON file"), file: path)
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

    /// The models whose id, an alias, the family or one of its architecture terms
    /// (`ModelArchitecture.architectureTerms`: the words of the listing's attention column, and
    /// `moe` for a model with experts) contains `text`, case-insensitively (all of them for an empty text).
    /// `--match mla` had found no model though the listing's attention column shows `mla`.
    public func matching(_ text: String) -> [ModelArchitecture] {
        let needle = text.lowercased()
        guard !needle.isEmpty else { return models }
        return models.filter { m in ([m.id, m.family] + m.aliases + m.architectureTerms).contains { $0.lowercased().contains(needle) } }
    }

    /// Whether `id` is a model id or alias of this catalog (case-insensitive).
    public func contains(_ id: String) -> Bool { index[id.lowercased()] != nil }

    /// Looks up a model by Hugging Face id or alias, case-insensitively.
    public func model(_ id: String, context: String = "") throws -> ModelArchitecture {
        if let i = index[id.lowercased()] { return models[i] }
        throw InputError.unknownID(kind: "model", id: id,
                                   suggestions: Suggestions.closest(to: id, amongEntries: models.map { [$0.id] + $0.aliases }),
                                   context: context)
    }
}
