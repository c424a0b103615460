import Foundation

/// The GPUs and nodes TokenWatt knows, loaded and validated from the bundled JSON catalogs.
public struct GPUCatalog: Sendable {
    public let gpus: [GPUSpec]
    public let nodes: [NodeSpec]
    private let gpuIndex: [String: Int]
    private let nodeIndex: [String: Int]

    /// The GPUs whose id, name, an alias or the architecture contains `text`, case-insensitively
    /// (all of them for an empty text).
    public func matching(_ text: String) -> [GPUSpec] {
        let needle = text.lowercased()
        guard !needle.isEmpty else { return gpus }
        return gpus.filter { g in ([g.id, g.name, g.architecture] + g.aliases).contains { $0.lowercased().contains(needle) } }
    }

    public static let highestSchemaVersion = 1

    /// The bundled catalog, loaded once. A broken bundled catalog is a build defect that the
    /// catalog tests catch, so this traps with the loader's message rather than limping on.
    public static let bundled: GPUCatalog = {
        do { return try loadBundled() } catch { fatalError("bundled GPU catalog is invalid: \(error)") }
    }()

    public static func loadBundled() throws -> GPUCatalog {
        guard let g = Bundle.module.url(forResource: "gpus", withExtension: "json"),
              let n = Bundle.module.url(forResource: "nodes", withExtension: "json") else {
            throw InputError.unreadable(file: "gpus.json", reason: "bundled resource missing")
        }
        return try load(gpus: try Data(contentsOf: g), gpusFile: "gpus.json",
                        nodes: try Data(contentsOf: n), nodesFile: "nodes.json")
    }

    public static func load(gpus gpuData: Data, gpusFile: String, nodes nodeData: Data, nodesFile: String) throws -> GPUCatalog {
        let gpus = try GPUSpecReader.readAll(try JSONParser.parse(gpuData, file: gpusFile), file: gpusFile)
        let nodes = try NodeSpecReader.readAll(try JSONParser.parse(nodeData, file: nodesFile), file: nodesFile)
        return try GPUCatalog(gpus: gpus, nodes: nodes, gpusFile: gpusFile, nodesFile: nodesFile)
    }

    public init(gpus: [GPUSpec], nodes: [NodeSpec], gpusFile: String = "gpus.json", nodesFile: String = "nodes.json") throws {
        var gi: [String: Int] = [:]
        for (i, g) in gpus.enumerated() {
            for key in [g.id] + g.aliases {
                let k = key.lowercased()
                if gi[k] != nil { throw InputError.duplicateID(file: gpusFile, kind: "GPU", id: key) }
                gi[k] = i
            }
        }
        var ni: [String: Int] = [:]
        for (i, n) in nodes.enumerated() {
            if ni[n.id.lowercased()] != nil { throw InputError.duplicateID(file: nodesFile, kind: "node", id: n.id) }
            ni[n.id.lowercased()] = i
            guard gi[n.gpuID.lowercased()] != nil else {
                throw InputError.unknownID(kind: "GPU", id: n.gpuID, suggestions: [], context: "\(nodesFile): node \(n.id)")
            }
        }
        for g in gpus where ni[g.defaultNodeID.lowercased()] == nil {
            throw InputError.unknownID(kind: "node", id: g.defaultNodeID,
                                       suggestions: Suggestions.closest(to: g.defaultNodeID, among: nodes.map(\.id)),
                                       context: "\(gpusFile): GPU \(g.id).defaultNode")
        }
        self.gpus = gpus
        self.nodes = nodes
        self.gpuIndex = gi
        self.nodeIndex = ni
    }

    /// Looks up a GPU by id or alias, case-insensitively; unknown ids get the closest known ones.
    public func gpu(_ id: String, context: String = "") throws -> GPUSpec {
        if let i = gpuIndex[id.lowercased()] { return gpus[i] }
        throw InputError.unknownID(kind: "GPU", id: id,
                                   suggestions: Suggestions.closest(to: id, among: gpus.flatMap { [$0.id] + $0.aliases }),
                                   context: context)
    }

    public func node(_ id: String, context: String = "") throws -> NodeSpec {
        if let i = nodeIndex[id.lowercased()] { return nodes[i] }
        throw InputError.unknownID(kind: "node", id: id, suggestions: Suggestions.closest(to: id, among: nodes.map(\.id)),
                                   context: context)
    }

    /// The default node of a GPU.
    public func defaultNode(of gpu: GPUSpec) -> NodeSpec {
        nodes[nodeIndex[gpu.defaultNodeID.lowercased()]!]
    }
}
