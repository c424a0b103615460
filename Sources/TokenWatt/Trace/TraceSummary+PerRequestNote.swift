import KernelPower

/// The note `tokenwatt trace --per-request` adds when its rows do not add up to the total.
extension TraceSummary {
    /// Why the per-request rows do not add up to the total, when they do not by more than
    /// rounding (0.1 %): the idle still owed (or charged ahead) when the log ended is the log's,
    /// not a request's. A burst at one timestamp summed to 169.6 Wh against a total of 110.6 Wh.
    public var perRequestNote: String? {
        guard abs(owedIdleWh) > 0.001 * abs(totalWh) else { return nil }
        let rows = perRequest.sum
        let why = owedIdleWh > 0 ? "the replicas' idle time not yet charged to a request when the log ended"
                                 : "idle charged to the requests beyond the replicas' idle time up to the last arrival"
        return "the per-request wh add up to \(formatNumber(rows, significant: 4)) Wh; the log's total is \(formatNumber(totalWh, significant: 4)) Wh, "
            + "with \(formatNumber(owedIdleWh, significant: 3)) Wh of \(why) (owedIdleWh)"
    }
}
