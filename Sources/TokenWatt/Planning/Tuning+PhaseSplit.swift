import KernelPower

extension Tuning {
    /// The joules of the query's energy beyond the GPUs, at each boundary, that follow the query's
    /// time rather than the GPUs' energy, from the ledger's lines (`QueryLedger.Amounts`):
    /// - node: the host's draw over the query's time, with its PSU loss (host DC ÷ PSU efficiency);
    ///   the PSU loss on the GPUs' own energy follows that energy;
    /// - it: + the idle capacity on it: under an idle share of active energy (the default) the
    ///   share of the node's time-bound part, since idle is a fixed share of all active energy;
    ///   under a busy fraction or a load all of it, since idle power then runs for a fixed
    ///   multiple of the query's time;
    /// - facility: the IT part × PUE (the facility line is (PUE − 1) × the IT total).
    static func timeBoundJoules(_ a: QueryLedger.Amounts, serving s: ServingEstimate, deployment d: Deployment, outputTokens: Int,
                                settings: LedgerSettings) -> [Boundary: Double] {
        let queryTime = Time.seconds(Double(outputTokens) / s.outputTokensPerSecond)
        let node = (a.hostPerGPU * Double(d.gpuCount) * queryTime).joules / a.psuEfficiency
        let active = s.queryEnergy.joules / a.psuEfficiency + node  // (GPU + host DC) ÷ PSU efficiency
        let idle: Double
        switch settings.utilization {
        case .idleShareOfActive: idle = active > 0 ? a.provisionedIdle.joules * node / active : 0
        case .busyFraction, .load: idle = a.provisionedIdle.joules
        }
        return [.gpu: 0, .node: node, .it: node + idle, .facility: (node + idle) * settings.pue]
    }
}
