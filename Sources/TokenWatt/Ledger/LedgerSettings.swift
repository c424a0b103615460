import KernelPower

/// How busy the deployment is: the rest of the time its capacity sits idle but provisioned.
public enum Utilization: Sendable, Equatable {
    /// Fraction of time the deployment serves at steady state (0 < f ≤ 1).
    case busyFraction(Double)
    /// Offered load in queries per second (must not exceed capacity).
    case load(queriesPerSecond: Double)
    /// Idle capacity adds this fraction of the active (GPU + host) energy. The default, 0.12,
    /// is Google's 2025 fleet split of a median Gemini prompt: idle provisioned machines 10 % over
    /// active accelerators 58 % + host CPU and DRAM 25 % (Elsworth et al., arXiv 2508.15734; its
    /// rounded 0.02 Wh on 0.20 Wh would give 0.10).
    case idleShareOfActive(Double)

    public static let `default` = Utilization.idleShareOfActive(0.12)
}

/// The boundary inputs of a query ledger, each with its default and source.
public struct LedgerSettings: Sendable, Equatable {
    /// Power usage effectiveness of the facility.
    public var pue: Double
    public var utilization: Utilization

    /// Default PUE: the industry average annual PUE operators report for their largest data
    /// centre, read from the facility catalog with its source (1.54, Uptime Institute Global Data
    /// Center Survey 2025), so the ledger and the reports cannot quote two defaults. Hyperscale
    /// sites run 1.1–1.2 (Google fleet 1.09 in its 2025 accounting); set `--pue` for your site.
    public static let defaultPUE = FacilityCatalog.bundled.defaultPUE.value
    /// How the receipt names the default's source (the catalog entry holds the full citation).
    public static let defaultPUESource = "industry average, Uptime Institute Global Data Center Survey 2025"

    /// The PUEs every reader takes (flags, workloads, sweeps, the facility catalog): 1 is no
    /// facility overhead and below it is impossible; 5 is a sanity bound far above any surveyed
    /// average (the catalog's 1.54), so that a mistyped 15 is refused rather than priced.
    public static let pueRange: ClosedRange<Double> = 1...5

    public init(pue: Double = LedgerSettings.defaultPUE, utilization: Utilization = .default) throws {
        guard pue.isFinite, Self.pueRange.contains(pue) else {
            throw DeploymentError.invalidShape("PUE \(formatNumber(pue)) is impossible; expected a value from "
                + "\(formatNumber(Self.pueRange.lowerBound)) to \(formatNumber(Self.pueRange.upperBound)) (1 = no facility overhead)")
        }
        switch utilization {
        case let .busyFraction(f) where !(f > 0 && f <= 1):
            throw DeploymentError.invalidShape("busy fraction \(formatNumber(f)) must be above 0 and at most 1")
        case let .load(q) where !(q > 0 && q.isFinite):
            throw DeploymentError.invalidShape("load \(formatNumber(q)) queries/s must be positive")
        case let .idleShareOfActive(s) where !(s >= 0 && s.isFinite):
            throw DeploymentError.invalidShape("idle share \(formatNumber(s)) must be non-negative")
        default: break
        }
        self.pue = pue
        self.utilization = utilization
    }
}
