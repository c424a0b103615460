import Foundation
import KernelPower

/// A fleet's deployments in words and JSON: the servers each fills and the step budget its
/// engines run at.
extension FleetRendering {
    /// Each deployment's servers, the GPUs its classes hold in them and the step budget its
    /// engines run at: "deployment d: 12 × h100-sxm in 2 × dgx-h100, step budget 8192 tokens, for
    /// chat 4, short 4, rag-long 4" (classes of one deployment share its servers, so a class has
    /// GPUs but no servers of its own).
    static func serverWords(_ r: FleetResult) -> String {
        r.servers.map { s in
            let gpu = r.hardware.first { $0.deployment == s.deployment }?.gpu ?? s.node.gpuID
            let classes = s.classes.count == 1 ? s.classes[0].name : s.classes.map { "\($0.name) \($0.gpus)" }.joined(separator: ", ")
            let budget = s.tokenBudget.map { ", step budget \($0) tokens" } ?? ""
            return "deployment \(s.deployment): \(s.gpus) × \(gpu) in \(s.nodes) × \(s.node.id)\(budget), for \(classes)"
        }.joined(separator: "; ")
    }

    /// Each deployment of a sized fleet, for the JSON: its name, GPU, server model, GPUs, servers
    /// and the step budget its engines run at (`tokenBudget`, null where unknown), then the model
    /// and weights' format it runs (as its classes were priced) and each class's GPUs in it, which
    /// the text gives ("for large-reasoning 844, large-agent 972") and the JSON had not.
    static func deploymentsJSON(_ r: FleetResult) -> JSONValue {
        guard r.gpus != nil else { return .null }
        return .array(r.servers.map { s in
            let served = r.classes.first { $0.deployment == s.deployment }
            let gpu = r.hardware.first { $0.deployment == s.deployment }?.gpu ?? s.node.gpuID
            let model: JSONValue = served?.model.map(JSONValue.str) ?? .null
            let precision: JSONValue = served?.precision.map { JSONValue.str($0.rawValue) } ?? .null
            let classes: [JSONValue] = s.classes.map { JSONValue.obj([("name", .str($0.name)), ("gpus", .num(Double($0.gpus)))]) }
            let pairs: [(String, JSONValue)] = [("name", .str(s.deployment)), ("gpu", .str(gpu)),
                                                ("node", .str(s.node.id)), ("gpus", .num(Double(s.gpus))), ("nodes", .num(Double(s.nodes))),
                                                ("tokenBudget", .optionalNumber(s.tokenBudget.map(Double.init))),
                                                ("model", model), ("precision", precision), ("classes", .array(classes))]
            return JSONValue.obj(pairs)
        })
    }
}
