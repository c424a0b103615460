import Foundation
import KernelPower

/// What a site's power budget can serve: for each candidate GPU and power cap, the most traffic
/// (the workload's mix, scaled) whose fleet, each class on whole replicas sized for its busiest
/// hour with headroom as `fleet` sizes it, fits the budget at the facility; then the fleet at that
/// traffic, run as `fleet` runs it, gives the GPUs and Wh per query.
public struct Capacity: Sendable {
    public struct Row: Sendable {
        public var scenario: String
        public var gpu: String
        /// The cap the fleet ran at: the `--caps` candidate, else the one every deployment of the
        /// scenario sets; nil: the GPU's TDP, or deployments that set different caps (`setting`).
        public var powerCapWatts: Double?
        /// The SM clock every deployment locks; nil: boost, or deployments that differ.
        public var smClockMHz: Double?
        /// The cap and clock in words, each deployment's where they differ ("300 W", "TDP, 1350 MHz").
        public var setting: String
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
    /// The scenarios not sized, with why: capacity sizes a kernel scenario's fleet, and a mix or
    /// a throughput-table scenario has none of its own. They were skipped with nothing said
    /// (`capacity Workloads/frontier-kernel.json` listed the kernel parts of its mix alone).
    public let skipped: [(scenario: String, reason: String)]

    /// A power-cap candidate (`--caps`).
    public enum Cap: Hashable, Sendable {
        /// Each deployment's own cap as the workload writes it (TDP where it sets none).
        case asWritten
        /// No cap on any deployment: the GPU's TDP (`--caps none`).
        case uncapped
        /// Every deployment capped at these watts.
        case watts(Double)

        /// The watts of a `.watts` candidate; nil for the others.
        var cappedWatts: Double? { if case let .watts(w) = self { return w } else { return nil } }
    }

    /// As `init(workload:runner:budgetMegawatts:gpus:capCandidates:samples:file:)`, a nil cap
    /// being the workload's own.
    public init(workload w: Workload, runner: FleetRunner, budgetMegawatts: Double, gpus: [String?], caps: [Double?], samples: Int? = nil,
                file: String? = nil) throws {
        try self.init(workload: w, runner: runner, budgetMegawatts: budgetMegawatts, gpus: gpus,
                      capCandidates: caps.map { $0.map(Cap.watts) ?? .asWritten }, samples: samples, file: file)
    }

    /// Sizes each kernel scenario of `w` for each candidate GPU (nil: the workload's own) and cap.
    /// - Parameter file: the workload's path, named in the error when it has no kernel scenario.
    /// - Throws: `FleetError` when `w` has no kernel scenario.
    public init(workload w: Workload, runner: FleetRunner, budgetMegawatts: Double, gpus: [String?], capCandidates caps: [Cap],
                samples: Int? = nil, file: String? = nil) throws {
        self.budgetMegawatts = budgetMegawatts
        var rows: [Row] = [], failures: [(String, String)] = [], notes: [String] = []
        let skips = w.scenarios.compactMap { s in Self.skipReason(s, in: w).map { (scenario: s.name, kind: $0.kind, why: $0.why) } }
        skipped = skips.map { ($0.scenario, "\($0.kind); \($0.why)") }
        guard skips.count < w.scenarios.count else {
            throw FleetError(description: "\(file ?? "the workload"): capacity sizes kernel scenarios (deployments and query classes), and none of its "
                             + "\(w.scenarios.count) scenario\(w.scenarios.count == 1 ? " is" : "s are") one: "
                             + skips.map { "'\($0.scenario)' is \($0.kind)" }.joined(separator: ", "))
        }
        // The seeds `fleet` gives each scenario (a scenario that shares another's draws was
        // drawn afresh here, and the Google workload's four boundaries disagreed by 1 %).
        let seeds = FleetRunner.scenarioSeeds(w, seed: w.seed)
        for (i, scenario) in w.scenarios.enumerated() {
            guard case let .kernel(written) = scenario.kind else { continue }
            let peakShare = (written.diurnal.max() ?? 1.0 / 24) * 24
            for gpu in gpus {
                for cap in caps {
                    var change = LeverChange(), k = written
                    change.gpu = gpu
                    switch cap {
                    case .asWritten: break
                    case let .watts(watts): change.powerCapWatts = watts
                    // A lever cannot remove a cap, so the deployments are written without theirs.
                    case .uncapped: for j in k.deployments.indices { k.deployments[j].request.powerCapWatts = nil }
                    }
                    let fleet = KernelFleet(scenario: scenario, kernel: k, estimator: runner.estimator)
                    // The catalog's id, not the workload's alias, as estimate and fleet name it.
                    let gpuName = gpu ?? Set(k.deployments.map { (try? runner.estimator.gpus.gpu($0.request.gpu).id) ?? $0.request.gpu })
                        .sorted().joined(separator: "+")
                    let label = "\(scenario.name) on \(gpuName)" + {
                        switch cap {
                        case .asWritten: return ""
                        case .uncapped: return " uncapped"
                        case let .watts(watts): return " capped at \(formatNumber(watts)) W"
                        }
                    }()
                    do {
                        let r = try fleet.run(samples: samples ?? w.samples, seed: seeds[i], change: change)
                        guard r.facilityMegawatts > 0 else { failures.append((label, "the fleet draws no power")); continue }
                        let budget = budgetMegawatts * 1e6
                        guard let scale = Self.fillingScale(r, budgetWatts: budget) else {
                            failures.append((label, "\(formatNumber(budgetMegawatts)) MW does not power one replica of each query class; "
                                             + "the smallest fleet for this traffic mix needs \(formatNumber(Self.roundedUp(Self.facilityWatts(r, scale: 0) / 1e6), significant: 3)) MW at the facility"))
                            continue
                        }
                        // A capacity is whole queries, rounded down: 983,930,832 a day printed as
                        // 983931000 needed one more replica when fed back into `fleet` (20.0004 MW
                        // on a 20 MW budget).
                        var filled = scenario
                        filled.queriesPerDay = (scenario.queriesPerDay * scale).rounded(.down)
                        guard filled.queriesPerDay >= 1 else {
                            failures.append((label, "\(formatNumber(budgetMegawatts)) MW serves less than one query a day"))
                            continue
                        }
                        let f = try KernelFleet(scenario: filled, kernel: k, estimator: runner.estimator)
                            .run(samples: samples ?? w.samples, seed: seeds[i], change: change)
                        let perDay = filled.queriesPerDay
                        if let note = FleetRunner.samplingNote(f) { notes.append("\(label): \(note)") }
                        // Replicas of a class with no draws are in no GPU or MW figure, so its budget looks roomier than it is.
                        for name in f.undrawnClasses {
                            notes.append("\(label): class \(name) got none of the draws, so its replicas are in no GPU or MW figure and the capacity "
                                         + "is overstated; raise --samples")
                        }
                        // A candidate GPU with less memory than the workload's own can leave a
                        // class's calls too long for its KV cache; `fleet` notes it, capacity had not.
                        for c in f.classes where c.kvOverflowShare > 0 {
                            notes.append("\(label): \(ClassResult.shareWords(c.kvOverflowShare)) of class \(c.name)'s queries have a call that does not fit in the KV cache "
                                         + "even alone, which an engine would refuse or preempt; costed as drawn, as `fleet` does")
                        }
                        let tdp = { (request: DeploymentRequest) in (try? runner.estimator.gpus.gpu(gpu ?? request.gpu).tdp.watts) }
                        let run = Self.settings(k.deployments.map(\.request), cap: cap.cappedWatts, tdpWatts: tdp)
                        rows.append(Row(scenario: scenario.name, gpu: gpuName, powerCapWatts: run.powerCapWatts, smClockMHz: run.smClockMHz,
                                        setting: run.label, queriesPerDay: perDay, averageQPS: perDay / 86_400,
                                        peakQPS: perDay / 86_400 * peakShare, gpus: f.hardware.reduce(0) { $0 + $1.gpus },
                                        whPerQuery: f.whPerQuery.mean, boundary: f.boundary))
                    } catch {
                        failures.append((label, "\(error)"))
                    }
                }
            }
        }
        self.rows = rows.sorted { $0.scenario != $1.scenario ? $0.scenario < $1.scenario : $0.queriesPerDay > $1.queriesPerDay }
        self.failures = failures
        self.notes = notes
    }

    /// The cap and clock the fleet runs at: `cap` (a `--caps` candidate) over each deployment's
    /// own cap, and each deployment's clock. The row had labelled a workload's own 300 W cap "TDP"
    /// (its figures were the capped run's) and named no locked clock. No cap reads "TDP (700 W)"
    /// with the GPU's TDP from `tdpWatts`, as `estimate`'s settings line names it.
    static func settings(_ requests: [DeploymentRequest], cap: Double?, tdpWatts: (DeploymentRequest) -> Double? = { _ in nil })
        -> (powerCapWatts: Double?, smClockMHz: Double?, label: String) {
        let caps = requests.map { cap ?? $0.powerCapWatts }, clocks = requests.map(\.smClockMHz)
        func same(_ xs: [Double?]) -> Double? { Set(xs).count == 1 ? xs.first ?? nil : nil }
        let labels = zip(zip(caps, clocks), requests).map { setting, r in
            let (c, f) = setting
            return (c.map { "\(formatNumber($0)) W" } ?? "TDP" + (tdpWatts(r).map { " (\(formatNumber($0)) W)" } ?? ""))
                + (f.map { ", \(formatNumber($0)) MHz" } ?? "")
        }
        return (same(caps), same(clocks), labels.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }.joined(separator: "+"))
    }

    /// What `s` is and why it is not sized (nil: a kernel scenario, which is). The kind is its
    /// own field: the refusal had cut it out of the reason's prose at its first ":" or "(".
    static func skipReason(_ s: Scenario, in w: Workload) -> (kind: String, why: String)? {
        switch s.kind {
        case .kernel: return nil
        case let .mix(m):
            let kernels = m.components.filter { c in w.scenarios.contains { if case .kernel = $0.kind { $0.name == c.scenario } else { false } } }
            let parts = kernels.isEmpty ? "none of its parts is a kernel scenario"
                : "its kernel parts (\(kernels.map { "'\($0.scenario)'" }.joined(separator: ", "))) are sized as scenarios of their own"
            return ("a mix (of \(m.components.map { "'\($0.scenario)'" }.joined(separator: ", ")))", "it has no fleet of its own to size, and \(parts)")
        case .throughputTable:
            return ("a throughput-table scenario", "its energy comes from a table of node power and throughput, with no deployments or replicas to size")
        }
    }

    /// `x` rounded up to three significant figures: a budget quoted as enough must be enough
    /// (0.03293 MW was quoted as 0.0329, which was then refused).
    static func roundedUp(_ x: Double) -> Double {
        guard x > 0 else { return x }
        let unit = pow(10, (log10(x)).rounded(.down) - 2)
        return (x / unit).rounded(.up) * unit
    }

    /// Facility watts of `r`'s fleet at `scale` times its traffic: each class on the whole
    /// replicas its busiest hour needs (at least one), each drawing its busy wall power, × the
    /// fleet's PUE, as `fleet` sizes its peak.
    static func facilityWatts(_ r: FleetResult, scale: Double) -> Double {
        let pue = r.megawatts > 0 ? r.facilityMegawatts / r.megawatts : 1
        return pue * r.hardware.filter { $0.gpus > 0 }.reduce(0) { total, h in
            total + Double(HardwareUse.wholeReplicas(needed: h.replicasNeeded * scale)) * h.replicaWallWatts
        }
    }

    /// The largest multiple of the workload's traffic whose fleet fits `budgetWatts` (nil: not
    /// even one replica of each class does). Scaling the rounded-up fleet by budget ÷ power had
    /// scaled its rounding slack too: 1 MW served 253 M queries a day on a small workload where
    /// `fleet` fits 314 M in the same megawatt.
    static func fillingScale(_ r: FleetResult, budgetWatts: Double) -> Double? {
        guard facilityWatts(r, scale: 0) <= budgetWatts else { return nil }
        var lo = 0.0, hi = 1.0
        while facilityWatts(r, scale: hi) <= budgetWatts && hi < 1e15 { lo = hi; hi *= 2 }
        // The power is a step in the traffic: bisect to where the last replica that fits starts.
        for _ in 0..<200 where hi - lo > lo * 1e-12 {
            let mid = (lo + hi) / 2
            if facilityWatts(r, scale: mid) <= budgetWatts { lo = mid } else { hi = mid }
        }
        return lo
    }

    /// `x` rounded down to three significant figures: a capacity quoted must fit the budget
    /// (983,930,832 queries a day read "984 million", which does not).
    static func roundedDown(_ x: Double) -> Double {
        guard x >= 1000 else { return x.rounded(.down) }
        let unit = pow(10, (log10(x)).rounded(.down) - 2)
        return (x / unit).rounded(.down) * unit
    }

    public func text() -> String {
        var s = "TokenWatt capacity — \(formatNumber(budgetMegawatts)) MW at the facility\n\n"
        s += FleetRendering.table(["scenario", "GPU", "cap", "queries/day", "mean QPS", "peak QPS", "GPUs", "Wh/query (mean)"], rows.map { r in
            [r.scenario, r.gpu, r.setting, FleetRendering.queries(Self.roundedDown(r.queriesPerDay)),
             formatNumber(r.averageQPS, significant: 4), formatNumber(r.peakQPS, significant: 4), String(r.gpus),
             "\(formatNumber(r.whPerQuery, significant: 3)) (\(r.boundary.rawValue))"]
        })
        for n in notes { s += "note: \(n)\n" }
        for k in skipped { s += "note: scenario '\(k.scenario)' is not sized: it is \(k.reason)\n" }
        return s
    }

    public func json() -> JSONValue {
        .obj([("budgetMegawatts", .num(budgetMegawatts)),
              ("rows", .array(rows.map { r in
                  .obj([("scenario", .str(r.scenario)), ("gpu", .str(r.gpu)), ("powerCapWatts", .optionalNumber(r.powerCapWatts)),
                        ("smClockMHz", .optionalNumber(r.smClockMHz)), ("setting", .str(r.setting)),
                        ("queriesPerDay", .num(r.queriesPerDay)), ("averageQPS", .num(r.averageQPS)), ("peakQPS", .num(r.peakQPS)),
                        ("gpus", .num(Double(r.gpus))), ("whPerQuery", .num(r.whPerQuery)), ("boundary", .str(r.boundary.rawValue))])
              })),
              ("failures", .array(failures.map { .obj([("candidate", .str($0.candidate)), ("reason", .str($0.reason))]) })),
              ("notes", .array(notes.map(JSONValue.str))),
              ("skipped", .array(skipped.map { .obj([("scenario", .str($0.scenario)), ("reason", .str($0.reason))]) }))])
    }
}
