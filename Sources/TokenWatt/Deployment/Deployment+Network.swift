import KernelPower

/// Groups of GPUs across nodes: which network their collectives cross, what a deployment says of it,
/// and which layouts the node catalog cannot place.
extension Deployment {
    /// Nodes a group of `participants` GPUs spans (groups fill whole nodes, as vLLM places them).
    /// A one-GPU default node (a workstation, a single GH200) describes one GPU's host, not how
    /// several are built: their groups link over the GPU's own interconnect, as they always did.
    public func nodesSpanned(by participants: Int) -> Int {
        guard node.gpuCount > 1 else { return 1 }
        return participants > node.gpuCount ? (participants + node.gpuCount - 1) / node.gpuCount : 1
    }

    /// A collective over `participants` GPUs: within a node over the GPU's interconnect; a group
    /// larger than a node (or, given, spread over `nodes` nodes) also crosses the node's scale-out network.
    func collective(_ kind: CollectiveShape.Kind, bytes: Double, participants: Int, nodes: Int? = nil) -> CollectiveShape {
        CollectiveShape(kind: kind, bytes: bytes, participants: participants, nodes: nodes ?? nodesSpanned(by: participants),
                        scaleOutBytesPerSecond: node.scaleOutBandwidthPerGPU?.bytesPerSecond ?? 0)
    }

    /// A note when a tensor- or expert-parallel group, or a pipeline's stages, cross nodes.
    public var scaleOutNote: String? {
        let crossing = [("tp", tensorParallel), ("ep", expertParallel)].filter { nodesSpanned(by: $0.1) > 1 }
        guard let bw = node.scaleOutBandwidthPerGPU else { return nil }
        guard let first = crossing.first else {
            let nodes = nodesSpanned(by: tensorParallel * pipelineParallel)
            guard pipelineParallel > 1, nodes > 1 else { return nil }
            return "pp \(pipelineParallel) stages span \(nodes) \(node.id) nodes: a stage hands its activations to the next over the scale-out network at "
                + "\(formatNumber(bw.gigabytesPerSecond, significant: 3)) GB/s per GPU"
        }
        let groups = crossing.map { "\($0.0) \($0.1)" }.joined(separator: " and ")
        return "\(groups) span\(crossing.count == 1 ? "s" : "") \(nodesSpanned(by: first.1)) \(node.id) nodes: collectives cross the scale-out network at "
            + "\(formatNumber(bw.gigabytesPerSecond, significant: 3)) GB/s per GPU (all-reduces hierarchically: \(Self.linkName(gpu.interconnect)) within the node, the GPU's NIC between nodes)"
    }

    /// The intra-node link in the words its vendor uses, from the GPU catalog's interconnect kind:
    /// the note had said "NVLink within the node" of an MI325X, whose GPUs are joined by Infinity
    /// Fabric (a 2026-12-07 AMD probe).
    static func linkName(_ ic: Interconnect) -> String {
        let kind = ic.kind.lowercased()
        if kind.hasPrefix("nvlink") { return "NVLink" }
        if kind.hasPrefix("pcie") { return "PCIe" + (kind.dropFirst(4).isEmpty ? "" : " Gen" + kind.dropFirst(4)) }
        if kind == "infinity-fabric" { return "Infinity Fabric" }
        return ic.kind
    }

    /// Whether an expert-parallel layout sends tokens between GPUs (an all-to-all each MoE layer):
    /// only where several data-parallel ranks share one group's experts; a group that is one
    /// replica's tensor-parallel GPUs already holds its tokens on every GPU (`FusedLayerPlanner`).
    public var exchangesExpertTokens: Bool {
        let ep = expertParallel
        guard ep > 1 else { return false }
        let slice = max(1, tensorParallel / ep)
        let groups = max(1, tensorParallel * dataParallel / (ep * slice))
        return dataParallel > groups
    }

    /// A note where the GPUs' topology paces a tensor- or expert-parallel group's collectives below
    /// the fabric's full rate (`Interconnect.unidirectionalBandwidth(participants:)`): a mesh group
    /// that reaches its peers over p − 1 of the GPU's links, a group larger than a bridged pair.
    public var topologyNote: String? {
        let ic = gpu.interconnect, full = ic.unidirectionalBandwidth
        // The expert-parallel group has collectives of its own only where tokens cross GPUs
        // (`exchangesExpertTokens`): at tp = ep it rides the tensor-parallel all-reduce, and a
        // note on it had named collectives no kernel runs.
        let groups = [("tp", tensorParallel)] + (exchangesExpertTokens ? [("ep", expertParallel)] : [])
        let notes = groups.compactMap { name, size -> String? in
            let perNode = size / nodesSpanned(by: size)
            let rate = ic.unidirectionalBandwidth(participants: perNode)
            guard size > 1, rate < full else { return nil }
            let perDirection = "\(formatNumber(rate.gigabytesPerSecond, significant: 3)) GB/s per direction"
            let whole = "\(formatNumber(full.gigabytesPerSecond, significant: 3)) GB/s"
            switch ic.topology {
            case let .mesh(links):
                let used = min(perNode - 1, links)
                return "\(gpu.id) \(name) \(size): the collectives reach \(formatCount(used, "peer")) over \(used) of the GPU's \(links) \(ic.kind) links "
                    + "(a full mesh, no switch), \(perDirection) of the \(whole) all \(links) carry"
            case .bridgedPairs:
                return "\(gpu.id) \(name) \(size): beyond its bridged pair the collectives cross the host bus (PCIe) at \(perDirection), "
                    + "not the \(ic.kind) bridge's \(whole)"
            case .switched:
                return nil
            }
        }
        let all = notes + [stageSendTopologyNote].compactMap { $0 }
        return all.isEmpty ? nil : all.joined(separator: "; ")
    }

    /// The pipeline's clause of `topologyNote`: a stage send that leaves its bridged pair
    /// (`stageSendLeavesPair`) within one node crosses the host bus.
    var stageSendTopologyNote: String? {
        let ic = gpu.interconnect
        guard case .bridgedPairs = ic.topology, stageSendLeavesPair, nodesSpanned(by: tensorParallel * pipelineParallel) == 1 else { return nil }
        let rate = ic.unidirectionalBandwidth(participants: 2, leavesPair: true)
        return "\(gpu.id) pp \(pipelineParallel): a stage hands its activations to the next across the host bus (PCIe) at "
            + "\(formatNumber(rate.gigabytesPerSecond, significant: 3)) GB/s per direction, not the \(ic.kind) bridge's "
            + "\(formatNumber(ic.unidirectionalBandwidth.gigabytesPerSecond, significant: 3)) GB/s"
    }

    /// Refuses a tensor- or expert-parallel group that spans nodes the catalog has no network
    /// for, or that fills its nodes unevenly.
    func checkGroupsFitNodes() throws {
        for (name, size) in [("tp", tensorParallel), ("ep", expertParallel)] where nodesSpanned(by: size) > 1 {
            // A tp group's refusal says it is one (`ParallelismRefusal`); an ep group's is plain.
            func refusal(_ reason: String) -> Error {
                name == "tp" ? ParallelismRefusal(.tensorParallel, reason) : DeploymentError.invalidParallelism(reason)
            }
            guard size % node.gpuCount == 0 else {
                throw refusal(
                    "\(name) \(size) spans \(node.id) nodes of \(node.gpuCount) GPUs unevenly; use a multiple of \(node.gpuCount)")
            }
            guard node.scaleOutBandwidthPerGPU != nil else {
                throw refusal(
                    "\(name) \(size) spans \(size / node.gpuCount) \(node.id) nodes, and the node catalog has no scale-out network bandwidth for \(node.id); keep \(name) within \(node.gpuCount) GPUs (more GPUs run as data-parallel replicas)")
            }
        }
        if pipelineParallel > 1, nodesSpanned(by: tensorParallel * pipelineParallel) > 1, node.scaleOutBandwidthPerGPU == nil {
            throw ParallelismRefusal(.tensorParallel,
                "tp \(tensorParallel) × pp \(pipelineParallel) spans \(node.id) nodes, and the node catalog has no scale-out network bandwidth for \(node.id)")
        }
    }
}
