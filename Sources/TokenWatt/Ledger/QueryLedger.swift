import KernelPower

/// One line of a query's energy ledger.
public struct LedgerItem: Sendable, Equatable {
    /// `prefill-gpu`, `decode-gpu`, `gpu-idle`, `host`, `provisioned-idle`, `facility-overhead`.
    public let item: String
    /// The innermost boundary that includes this line.
    public let boundary: Boundary
    public let energy: Energy
    /// How the line was computed, for the receipt.
    public let basis: String
}

/// The energy of one query at every boundary, as lines that add up to each boundary's total.
public struct QueryLedger: Sendable {
    public let items: [LedgerItem]
    /// Fraction of time the deployment is busy (given, or implied by the load or idle share).
    public let busyFraction: Double
    public let pue: Double
    /// Wall power of the deployment while serving: its GPUs plus their share of the nodes' host
    /// power, PSU losses included, for all `gpuCount` GPUs; not one node's draw (one H100 of a
    /// DGX gives 899 W, 16 GPUs two nodes' worth). JSON `nodePowerWatts`, CSV `node_power_w`.
    public let nodePower: Power

    /// Total at `boundary`: every line whose boundary is that one or inside it.
    public func total(at boundary: Boundary) -> Energy {
        items.filter { $0.boundary <= boundary }.reduce(Energy.zero) { $0 + $1.energy }
    }

    public var totals: [Boundary: Energy] {
        Dictionary(uniqueKeysWithValues: Boundary.allCases.map { ($0, total(at: $0)) })
    }
}

extension QueryLedger {
    /// Builds the ledger of one query of `serving` on `deployment` (the amounts: `Amounts`).
    public static func build(serving s: ServingEstimate, deployment d: Deployment, outputTokens: Int,
                             settings: LedgerSettings) throws -> QueryLedger {
        let a = try Amounts(serving: s, deployment: d, outputTokens: outputTokens, settings: settings)
        let items = [
            LedgerItem(item: "prefill-gpu", boundary: .gpu, energy: a.prefill,
                       basis: "kernels of the query's prompt chunks and the batch place they hold, \(formatCount(d.gpuCount, "GPU"))"),
            LedgerItem(item: "decode-gpu", boundary: .gpu, energy: a.decode, basis: decodeBasis(s, outputTokens: outputTokens, engines: d.attentionRanks)),
            LedgerItem(item: "gpu-idle", boundary: .gpu, energy: a.gaps,
                       basis: "idle power in host gaps between kernels and steps"),
            LedgerItem(item: "host", boundary: .node, energy: a.host,
                       basis: "\(formatNumber(a.hostPerGPU.watts, significant: 4)) W host per GPU (\(d.node.id)) + PSU loss at \(formatPercent(a.psuEfficiency, decimals: 0)) efficiency"),
            LedgerItem(item: "provisioned-idle", boundary: .it, energy: a.provisionedIdle,
                       basis: "busy \(formatPercent(a.busy)) of the time; idle \(formatNumber(a.idleWall.watts / Double(d.gpuCount), significant: 4)) W per GPU at the wall"),
            LedgerItem(item: "facility-overhead", boundary: .facility, energy: a.facilityOverhead,
                       basis: "PUE \(formatNumber(settings.pue))"),
        ]
        let gpus = Double(d.gpuCount)
        let nodePower = (s.gpuPower * gpus + a.hostPerGPU * gpus) / a.psuEfficiency
        return QueryLedger(items: items, busyFraction: a.busy, pue: settings.pue, nodePower: nodePower)
    }

    /// The decode line's words. A continuous-batching place holds its sequence for O token steps
    /// (the last prompt chunk's step emits the first token); a static batch runs O − 1 decode
    /// passes after the prefill, whose logits give the first token (`staticDecodeSteps`), so
    /// "O tokens × decode step" overstated its passes by one and named one where none runs.
    /// Over several data-parallel engines a step is shared by its own engine's sequences only.
    static func decodeBasis(_ s: ServingEstimate, outputTokens o: Int, engines: Int = 1) -> String {
        let share = engines > 1
            ? "decode step ÷ \(formatCount(s.effectiveBatch / engines, "sequence")) per engine (\(s.effectiveBatch) in flight over \(engines) engines)"
            : "decode step ÷ \(formatCount(s.effectiveBatch, "sequence")) in flight"
        // `promptChunking` is nil exactly for a static batch.
        guard s.promptChunking == nil else {
            // One output token: its place's one step is the one that runs the prompt's last chunk.
            return o > 1 ? "\(formatCount(o, "token")) × \(share)"
                : "1 token × \(share): the step that runs the prompt's last chunk gives the only token (no decode step follows)"
        }
        guard o > 1 else { return "no decode pass: the prefill gives the only output token" }
        return "\(formatCount(o - 1, "pass", plural: "passes")) (\(o) tokens − 1: the prefill gives the first) × \(share)"
    }

    /// Wh per query at every boundary, as `build(…).totals` gives them, without the lines' words
    /// (the range rebuilds the ledger twice per estimate).
    static func totals(serving s: ServingEstimate, deployment d: Deployment, outputTokens: Int,
                       settings: LedgerSettings) throws -> [Boundary: Double] {
        try Amounts(serving: s, deployment: d, outputTokens: outputTokens, settings: settings).totals
    }

    /// The ledger's amounts:
    /// - host: the node's non-GPU power under load, per GPU used, over the query's share of the
    ///   deployment's time (output tokens ÷ output tokens per second), plus PSU losses on GPU and
    ///   host power (wall = DC ÷ PSU efficiency);
    /// - provisioned idle: idle wall power of the deployment (`Deployment.idleWallPower`: GPUs
    ///   idle with their model loaded, hosts at idle) over the idle time that accompanies each busy second,
    ///   (1 − f)/f, per query;
    /// - facility overhead: (PUE − 1) × the IT total.
    struct Amounts {
        let prefill, decode, gaps, host, provisionedIdle, facilityOverhead: Energy
        let busy: Double
        let hostPerGPU, idleWall: Power
        let psuEfficiency: Double

        /// Wh per query at every boundary.
        var totals: [Boundary: Double] {
            let gpu = prefill + decode + gaps, node = gpu + host, it = node + provisionedIdle
            return [.gpu: gpu.wattHours, .node: node.wattHours, .it: it.wattHours, .facility: (it + facilityOverhead).wattHours]
        }

        init(serving s: ServingEstimate, deployment d: Deployment, outputTokens: Int, settings: LedgerSettings) throws {
            let gpus = Double(d.gpuCount)
            psuEfficiency = d.node.psuEfficiency
            let queryTime = Time.seconds(Double(outputTokens) / s.outputTokensPerSecond)
            hostPerGPU = d.node.hostActivePower / Double(d.node.gpuCount)
            let gpuEnergy = s.queryEnergy
            let hostDC = hostPerGPU * gpus * queryTime
            let psuLoss = (gpuEnergy + hostDC) * (1 / psuEfficiency - 1)
            let active = gpuEnergy + hostDC + psuLoss
            idleWall = d.idleWallPower
            busy = try QueryLedger.busyFraction(settings.utilization, serving: s, outputTokens: outputTokens, deployment: d,
                                                activeEnergy: active, idleWall: idleWall, queryTime: queryTime)
            prefill = s.prefill.energy - s.prefill.gapEnergy
            decode = s.decode.energy - s.decode.gapEnergy
            gaps = s.gapEnergy
            host = hostDC + psuLoss
            provisionedIdle = idleWall * queryTime * ((1 - busy) / busy)
            facilityOverhead = (active + provisionedIdle) * (settings.pue - 1)
        }
    }

    static func busyFraction(_ u: Utilization, serving s: ServingEstimate, outputTokens: Int, deployment d: Deployment,
                             activeEnergy: Energy, idleWall: Power, queryTime: Time) throws -> Double {
        switch u {
        case let .busyFraction(f): return f
        case let .load(q):
            let capacity = s.queriesPerSecond(outputTokens: outputTokens)
            guard q <= capacity else {
                throw DeploymentError.invalidShape(
                    "load \(formatNumber(q)) queries/s is above what the deployment serves (\(formatNumber(capacity, significant: 4)) queries/s at batch \(s.effectiveBatch)); add GPUs or replicas")
            }
            return q / capacity
        case let .idleShareOfActive(share):
            // idle energy = share × active energy, and idle energy = idleWall × t × (1 − f)/f.
            let idlePerBusy = idleWall * queryTime
            guard share > 0, idlePerBusy.joules > 0 else { return 1 }
            return 1 / (1 + share * activeEnergy.joules / idlePerBusy.joules)
        }
    }
}
