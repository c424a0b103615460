import KernelPower

/// The GPUs and servers of one GPU type on one server model, over the deployments that use them:
/// a fleet of several types had printed its GPUs and nodes in all alone ("716 GPUs in 90 nodes").
public struct HardwareType: Sendable, Equatable {
    public var gpu: String
    public var node: String
    public var gpus: Int
    public var nodes: Int
}

/// GPUs provisioned for one class; the servers they sit in are its deployment's (`ServerUse`).
public struct HardwareUse: Sendable, Equatable {
    public var className: String
    /// The deployment whose replicas serve the class (the classes of one share its servers).
    public var deployment: String = ""
    public var gpu: String
    public var node: String
    public var gpus: Int
    /// GPUs of one replica: the smallest step the class's fleet can shrink or grow by.
    public var gpusPerReplica: Int
    /// Replicas the busiest hour needs with headroom, before rounding up to whole ones.
    public var replicasNeeded = 0.0
    /// Wall power of one replica while busy (W): what each replica adds to the peak.
    public var replicaWallWatts = 0.0
    /// Wall power of one replica at its worst case (W): every GPU at its power cap, else TDP, and
    /// the host busy, as `power` reports it; never below `replicaWallWatts`. What `capacity
    /// --sizing worst-case` holds a budget against.
    public var replicaWorstCaseWallWatts = 0.0

    /// The whole replicas a class with traffic runs for `needed` (at least one): the rule
    /// `fleet` sizes by and `capacity` fills a budget by.
    public static func wholeReplicas(needed: Double) -> Int { max(1, Int(needed.rounded(.up))) }
}

/// The servers of one deployment: the GPUs of every class it serves, packed into whole nodes.
/// Rounded up per class, three 4-GPU classes on one deployment had taken three 8-GPU servers
/// where two hold them (embodied carbon +43 %), while the ledger charged host power per GPU.
public struct ServerUse: Sendable {
    public var deployment: String
    /// The server model, with its host power and the catalog's sources for them.
    public var node: NodeSpec
    public var gpus: Int
    /// The classes the deployment serves and each one's GPUs, in the scenario's order.
    public var classes: [(name: String, gpus: Int)]
    /// The step budget the deployment's engines run at (its `tokenBudget`, or the engine's default
    /// for the GPU), which the fleet's text, JSON and report had never stated; nil where unknown.
    public var tokenBudget: Int?

    /// ⌈GPUs ÷ GPUs per server⌉.
    public var nodes: Int { node.gpuCount > 0 ? (gpus + node.gpuCount - 1) / node.gpuCount : 0 }

    /// Each deployment's servers from its classes' hardware, in the order deployments first serve a class.
    /// `budgets`: each deployment's step budget, by name.
    static func group(_ hardware: [HardwareUse], nodes: [String: NodeSpec], budgets: [String: Int] = [:]) -> [ServerUse] {
        var out: [ServerUse] = []
        for h in hardware {
            if let i = out.firstIndex(where: { $0.deployment == h.deployment && $0.node.id == h.node }) {
                out[i].gpus += h.gpus
                out[i].classes.append((h.className, h.gpus))
            } else if let spec = nodes[h.deployment] {
                out.append(ServerUse(deployment: h.deployment, node: spec, gpus: h.gpus, classes: [(h.className, h.gpus)],
                                     tokenBudget: budgets[h.deployment]))
            }
        }
        return out
    }
}
