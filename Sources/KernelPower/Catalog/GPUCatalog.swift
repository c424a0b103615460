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

    /// This catalog with the GPUs and nodes of a user's catalog file: `{"schemaVersion": 1,
    /// "gpus": [...], "nodes": [...]}` with the entries of `gpus.json` and `nodes.json` (either
    /// array may be left out). A new GPU's `defaultNode` may be a bundled node or one of the file's;
    /// an id or alias this catalog already holds is refused, naming the file, so a bundled GPU keeps
    /// its sourced numbers in every result.
    public func adding(_ data: Data, file: String) throws -> GPUCatalog {
        var top = try JSONObjectReader(try JSONFileKind.gpuCatalog.parse(data, file: file), file: file, path: "")
        _ = try top.schemaVersion(highest: Self.highestSchemaVersion)
        let gpuItems = try top.optionalArray("gpus") ?? [], nodeItems = try top.optionalArray("nodes") ?? []
        try top.finish()
        guard !gpuItems.isEmpty || !nodeItems.isEmpty else {
            throw InputError.invalidValue(file: file, field: "gpus", value: "missing", expected: "a gpus or a nodes array with at least one entry")
        }
        let added = try gpuItems.enumerated().map { i, v in try GPUSpecReader.read(v, file: file, path: "gpus[\(i)]") }
        let addedNodes = try nodeItems.enumerated().map { i, v in try NodeSpecReader.read(v, file: file, path: "nodes[\(i)]") }
        for g in added {
            if let taken = ([g.id] + g.aliases).first(where: { gpuIndex[$0.lowercased()] != nil }) {
                throw InputError.invalidValue(file: file, field: "GPU \(g.id)", value: taken,
                                              expected: "an id and aliases the catalog does not hold yet ('\(taken)' is \(gpus[gpuIndex[taken.lowercased()]!].id))")
            }
        }
        if let n = addedNodes.first(where: { nodeIndex[$0.id.lowercased()] != nil }) {
            throw InputError.invalidValue(file: file, field: "node \(n.id)", value: n.id, expected: "a node id the catalog does not hold yet")
        }
        return try GPUCatalog(gpus: gpus + added, nodes: nodes + addedNodes, gpusFile: file, nodesFile: file)
    }

    /// `adding(_:file:)` on the file at `path`.
    public func adding(path: String) throws -> GPUCatalog {
        try adding(try InputFile.data(path, expected: "a GPU catalog JSON file"), file: path)
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
            guard let g = gi[n.gpuID.lowercased()] else {
                throw InputError.unknownID(kind: "GPU", id: n.gpuID, suggestions: Suggestions.closest(to: n.gpuID, among: gpus.flatMap { [$0.id] + $0.aliases }),
                                           context: "\(nodesFile): node \(n.id).gpu")
            }
            try Self.checkPower(of: n, gpu: gpus[g], file: nodesFile)
        }
        for g in gpus where ni[g.defaultNodeID.lowercased()] == nil {
            throw InputError.unknownID(kind: "node", id: g.defaultNodeID,
                                       suggestions: Suggestions.closest(to: g.defaultNodeID, among: nodes.map(\.id)),
                                       context: "\(gpusFile): GPU \(g.id).defaultNode")
        }
        for g in gpus { try Self.checkServerNode(of: g, nodes: nodes, index: ni, file: gpusFile) }
        self.gpus = gpus
        self.nodes = nodes
        self.gpuIndex = gi
        self.nodeIndex = ni
    }

    /// Refuses a node whose rated power cannot feed its GPUs at their TDP (1 W was taken for eight
    /// 700 W parts), like with like: the GPUs' TDP is DC board power, so a wall rating is taken
    /// after its PSU loss (`NodeSpec.maxDCPower`).
    static func checkPower(of n: NodeSpec, gpu: GPUSpec, file: String) throws {
        let total = gpu.tdp.watts * Double(n.gpuCount)
        guard n.maxDCPower.watts >= total else {
            let dc = n.maxPowerBasis == .wall
                ? " at the DC side of its PSUs (\(formatNumber(n.maxPower.watts)) W at the wall × PSU efficiency \(formatNumber(n.psuEfficiency)) = "
                    + "\(formatNumber(n.maxDCPower.watts, significant: 4)) W)" : ""
            throw InputError.invalidValue(file: file, field: "node \(n.id).maxPowerWatts", value: formatNumber(n.maxPower.watts),
                                          expected: "at least its GPUs' total TDP\(dc) (\(n.gpuCount) × \(formatNumber(gpu.tdp.watts)) W = \(formatNumber(total)) W)")
        }
    }

    /// Refuses a `serverNode` that is no node of the catalog, holds another GPU, or holds no more
    /// of the GPU than its default node (it would never be chosen).
    static func checkServerNode(of g: GPUSpec, nodes: [NodeSpec], index: [String: Int], file: String) throws {
        guard let id = g.serverNodeID else { return }
        guard let i = index[id.lowercased()] else {
            throw InputError.unknownID(kind: "node", id: id, suggestions: Suggestions.closest(to: id, among: nodes.map(\.id)),
                                       context: "\(file): GPU \(g.id).serverNode")
        }
        let server = nodes[i], home = nodes[index[g.defaultNodeID.lowercased()]!]
        guard server.gpuID.lowercased() == g.id.lowercased() || g.aliases.contains(where: { $0.lowercased() == server.gpuID.lowercased() }) else {
            throw InputError.invalidValue(file: file, field: "GPU \(g.id).serverNode", value: id, expected: "a node of \(g.id) (\(id) holds \(server.gpuID))")
        }
        guard server.gpuCount > home.gpuCount else {
            throw InputError.invalidValue(file: file, field: "GPU \(g.id).serverNode", value: id,
                                          expected: "a node of more GPUs than the default node \(home.id) (\(home.gpuCount)); \(id) holds \(server.gpuCount)")
        }
    }

    /// Whether `id` is a GPU id or alias of this catalog (case-insensitive).
    public func contains(_ id: String) -> Bool { gpuIndex[id.lowercased()] != nil }

    /// A note where `name` is an alias that other GPUs' names extend: `a100` and `a100-80gb` read
    /// as the A100 SXM4 80GB (400 W, NVLink, a DGX host) while `a100-pcie-40gb` and
    /// `a100-pcie-80gb` are the same family's PCIe cards, `h100` as the SXM part beside `h100-pcie`
    /// and `h100-nvl`. The alias keeps its meaning (data sets and workloads name GPUs by it); the
    /// note says which form factor it chose and how to name the others. Nil for an id, an unknown
    /// name, or an alias no other GPU's id or alias extends (by "-" or a space).
    public func aliasNote(_ name: String) -> String? {
        let key = name.lowercased()
        guard let i = gpuIndex[key], gpus[i].id.lowercased() != key else { return nil }
        let chosen = gpus[i]
        let others = gpus.filter { o in
            o.id != chosen.id && ([o.id] + o.aliases).contains { let n = $0.lowercased(); return n.hasPrefix(key + "-") || n.hasPrefix(key + " ") }
        }
        guard !others.isEmpty else { return nil }
        return "'\(name)' reads as \(chosen.id) (\(chosen.name), \(chosen.formFactor) form factor); it could also mean "
            + others.map { "\($0.id) (\($0.formFactor))" }.joined(separator: ", ") + ": give that id to price it"
    }

    /// Looks up a GPU by id or alias, case-insensitively; unknown ids get the closest known ones.
    public func gpu(_ id: String, context: String = "") throws -> GPUSpec {
        if let i = gpuIndex[id.lowercased()] { return gpus[i] }
        throw InputError.unknownID(kind: "GPU", id: id,
                                   suggestions: Suggestions.closest(to: id, amongEntries: gpus.map { [$0.id] + $0.aliases }),
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

    /// The node a deployment of `gpuCount` of `gpu` runs in: the default node where it holds them
    /// (the A10's single-GPU workstation for one A10, so the EnergAIzer validation keeps its host),
    /// else the GPU's `serverNode` where the catalog gives one (2 × A10 at tp 2 share one PCIe
    /// server rather than two workstations with tp over separate hosts), else the default node.
    public func node(of gpu: GPUSpec, gpuCount: Int) -> NodeSpec {
        let home = defaultNode(of: gpu)
        guard gpuCount > home.gpuCount, let id = gpu.serverNodeID, let i = nodeIndex[id.lowercased()] else { return home }
        return nodes[i]
    }
}
