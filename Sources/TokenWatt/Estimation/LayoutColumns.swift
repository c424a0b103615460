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
}
