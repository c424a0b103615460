import Foundation
import KernelPower

/// What a site's power budget can serve: for each candidate GPU and power cap, the workload's
/// fleet (sized for its busiest hour with headroom) scaled until its facility power fills the
/// budget. Fleet size and power grow linearly with traffic, so one run per candidate suffices.
public struct Capacity: Sendable {
    public struct Row: Sendable {
        public var scenario: String
        public var gpu: String
        /// nil: the GPU's TDP.
        public var powerCapWatts: Double?
        public var queriesPerDay: Double
        public var averageQPS: Double
        public var peakQPS: Double
        public var gpus: Int
        public var whPerQuery: Double
        public var boundary: Boundary
    }

    public let budgetMegawatts: Double
    public let rows: [Row]
    /// Candidates that could not be run (the model does not fit, a cap outside the GPU's range).
    public let failures: [(candidate: String, reason: String)]
    /// What qualifies a row (the sampling error of a fleet drawn from few samples).
    public let notes: [String]

    public init(workload w: Workload, runner: FleetRunner, budgetMegawatts: Double, gpus: [String?], caps: [Double?], samples: Int? = nil) throws {
        self.budgetMegawatts = budgetMegawatts
        var rows: [Row] = [], failures: [(String, String)] = [], notes: [String] = []
        // The seeds `fleet` gives each scenario (a scenario that shares another's draws was
        // drawn afresh here, and the Google workload's four boundaries disagreed by 1 %).
        let seeds = FleetRunner.scenarioSeeds(w, seed: w.seed)
        for (i, scenario) in w.scenarios.enumerated() {
            guard case let .kernel(k) = scenario.kind else { continue }
            let fleet = KernelFleet(scenario: scenario, kernel: k, estimator: runner.estimator)
            let peakShare = (k.diurnal.max() ?? 1.0 / 24) * 24
            for gpu in gpus {
                for cap in caps {
                    var change = LeverChange()
                    change.gpu = gpu
                    change.powerCapWatts = cap
                    let gpuName = gpu ?? Set(k.deployments.map(\.request.gpu)).sorted().joined(separator: "+")
                    let label = "\(scenario.name) on \(gpuName)" + (cap.map { " capped at \(formatNumber($0)) W" } ?? "")
                    do {
                        let r = try fleet.run(samples: samples ?? w.samples, seed: seeds[i], change: change)
                        guard r.facilityMegawatts > 0 else { failures.append((label, "the fleet draws no power")); continue }
                        let scale = budgetMegawatts / r.facilityMegawatts
                        if let floor = Self.smallestScale(r), scale < floor {
                            failures.append((label, "\(formatNumber(budgetMegawatts)) MW does not power one replica of each query class; "
                                             + "the smallest fleet for this traffic mix needs \(formatNumber(Self.roundedUp(r.facilityMegawatts * floor), significant: 3)) MW at the facility"))
                            continue
                        }
                        // The traffic the whole replicas the budget powers can carry: the class
                        // whose replicas round down furthest sets it.
                        let perDay = scenario.queriesPerDay * Self.wholeReplicaScale(r, scale: scale)
                        if let note = FleetRunner.samplingNote(r.samples) { notes.append("\(label): \(note)") }
                        rows.append(Row(scenario: scenario.name, gpu: gpuName, powerCapWatts: cap, queriesPerDay: perDay, averageQPS: perDay / 86_400,
                                        peakQPS: perDay / 86_400 * peakShare, gpus: Self.wholeReplicaGPUs(r, scale: scale),
                                        whPerQuery: r.whPerQuery.mean, boundary: r.boundary))
                    } catch {
                        failures.append((label, "\(error)"))
                    }
                }
            }
        }
        guard !rows.isEmpty || !failures.isEmpty else {
            throw FleetError(description: "capacity needs a workload with at least one kernel scenario")
        }
        self.rows = rows.sorted { $0.scenario != $1.scenario ? $0.scenario < $1.scenario : $0.queriesPerDay > $1.queriesPerDay }
        self.failures = failures
        self.notes = notes
    }

    /// `x` rounded up to three significant figures: a budget quoted as enough must be enough
    /// (0.03293 MW was quoted as 0.0329, which was then refused).
    static func roundedUp(_ x: Double) -> Double {
        guard x > 0 else { return x }
        let unit = pow(10, (log10(x)).rounded(.down) - 2)
        return (x / unit).rounded(.up) * unit
    }

    /// The least a fleet can be scaled by and still run every class on at least one whole
    /// replica: below it the linear scaling would serve queries on a fraction of a replica.
    static func smallestScale(_ r: FleetResult) -> Double? {
        r.hardware.filter { $0.gpus > 0 }.map { Double($0.gpusPerReplica) / Double($0.gpus) }.max()
    }

    /// The share of the workload's traffic the scaled fleet carries once each class is rounded
    /// down to whole replicas: the least of the classes' whole replicas over the replicas their
    /// share of the unscaled traffic needs. Queries scaled with the budget while the GPUs were
    /// whole, so at 0.0283 MW 24 GPUs were credited with the traffic of 27.9.
    static func wholeReplicaScale(_ r: FleetResult, scale: Double) -> Double {
        r.hardware.filter { $0.gpus > 0 && $0.gpusPerReplica > 0 }.map { h in
            Double(wholeReplicas(h, scale: scale)) / Double(h.gpus / h.gpusPerReplica)
        }.min() ?? scale
    }

    /// GPUs of the scaled fleet, each class rounded down to whole replicas.
    static func wholeReplicaGPUs(_ r: FleetResult, scale: Double) -> Int {
        r.hardware.reduce(0) { $0 + wholeReplicas($1, scale: scale) * $1.gpusPerReplica }
    }

    /// A class's replicas in the scaled fleet, rounded down to whole ones.
    static func wholeReplicas(_ h: HardwareUse, scale: Double) -> Int {
        h.gpusPerReplica > 0 ? Int((Double(h.gpus) * scale / Double(h.gpusPerReplica)).rounded(.down)) : 0
    }

    public func text() -> String {
        var s = "TokenWatt capacity — \(formatNumber(budgetMegawatts)) MW at the facility\n\n"
        s += FleetRendering.table(["scenario", "GPU", "cap", "queries/day", "mean QPS", "peak QPS", "GPUs", "Wh/query (mean)"], rows.map { r in
            [r.scenario, r.gpu, r.powerCapWatts.map { "\(formatNumber($0)) W" } ?? "TDP", FleetRendering.queries(r.queriesPerDay),
             formatNumber(r.averageQPS, significant: 4), formatNumber(r.peakQPS, significant: 4), String(r.gpus),
             "\(formatNumber(r.whPerQuery, significant: 3)) (\(r.boundary.rawValue))"]
        })
        for f in failures { s += "not run: \(f.candidate): \(f.reason)\n" }
        for n in notes { s += "note: \(n)\n" }
        return s
    }

    public func json() -> JSONValue {
        .obj([("budgetMegawatts", .num(budgetMegawatts)),
              ("rows", .array(rows.map { r in
                  .obj([("scenario", .str(r.scenario)), ("gpu", .str(r.gpu)), ("powerCapWatts", .optionalNumber(r.powerCapWatts)),
                        ("queriesPerDay", .num(r.queriesPerDay)), ("averageQPS", .num(r.averageQPS)), ("peakQPS", .num(r.peakQPS)),
                        ("gpus", .num(Double(r.gpus))), ("whPerQuery", .num(r.whPerQuery)), ("boundary", .str(r.boundary.rawValue))])
              })),
              ("failures", .array(failures.map { .obj([("candidate", .str($0.candidate)), ("reason", .str($0.reason))]) })),
              ("notes", .array(notes.map(JSONValue.str)))])
    }
}
