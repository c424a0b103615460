import KernelPower

/// A deployment's layout and levers as CSV columns: `estimate`'s CSV writes them after its `note`
/// column (`QueryEstimate.csvHeader`), so that rows of different layouts can be told apart, and
/// `estimate --method surface` after the closed form's own columns, which it had left out.
public enum LayoutColumns {
    /// The names.
    public static let header = ["tp", "ep", "pp", "precision", "kv_precision", "framework", "requested_batch", "power_cap_w", "sm_clock_mhz"]

    /// One cell per `header` name: the power cap in force (TDP unless one is set) and the locked
    /// clock, empty at boost.
    public static func cells(_ d: Deployment, requestedBatch: Int) -> [String] {
        [d.tensorParallel, d.expertParallel, d.pipelineParallel].map { String($0) }
            + [d.precision.rawValue, d.kvPrecision.rawValue, d.framework.rawValue, String(requestedBatch),
               formatNumber((d.powerCap ?? d.gpu.tdp).watts), d.lockedClock.map { formatNumber($0.megahertz) } ?? ""]
    }

    /// The same layout and levers as JSON members, with the same values (the cap in force, the
    /// locked clock or null at boost), under camelCase names that carry their unit: `estimate`'s
    /// JSON `settings` (its JSON had left out what its CSV said the estimate was made with).
    public static func json(_ d: Deployment, requestedBatch: Int) -> [(String, JSONValue)] {
        [("gpus", .num(Double(d.gpuCount))), ("tensorParallel", .num(Double(d.tensorParallel))),
         ("expertParallel", .num(Double(d.expertParallel))), ("pipelineParallel", .num(Double(d.pipelineParallel))),
         ("precision", .str(d.precision.rawValue)), ("kvPrecision", .str(d.kvPrecision.rawValue)),
         ("framework", .str(d.framework.rawValue)), ("requestedBatch", .num(Double(requestedBatch))),
         ("powerCapWatts", .num((d.powerCap ?? d.gpu.tdp).watts)), ("smClockMHz", .optionalNumber(d.lockedClock?.megahertz))]
    }
}
