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
    /// A `.watts` cap at or above a GPU's TDP beside `.uncapped` is the uncapped run, and runs once.
    /// - Parameter file: the workload's path, named in the error when it has no kernel scenario.
    /// - Throws: `FleetError` when `w` has no kernel scenario.
    public init(workload w: Workload, runner: FleetRunner, budgetMegawatts: Double, gpus: [String?], capCandidates caps: [Cap],
                samples: Int? = nil, file: String? = nil) throws {
        self.budgetMegawatts = budgetMegawatts
        var rows: [Row] = [], failures: [(String, String)] = [], notes: [String] = [], caveats = CaveatList()
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
        // Every kernel scenario × GPU × cap, scenario first, as the rows had been run.
        let candidates = w.scenarios.enumerated().flatMap { i, scenario -> [(seed: UInt64, scenario: Scenario, kernel: KernelScenario, gpu: String?, cap: Cap)] in
            guard case let .kernel(written) = scenario.kind else { return [] }
            return gpus.flatMap { gpu in caps.map { (seeds[i], scenario, written, gpu, $0) } }
        }
        for (seed, scenario, written, gpu, cap) in candidates {
            let (k, change) = Self.capped(written, gpu: gpu, cap: cap)
            let tdp = { (request: DeploymentRequest) in (try? runner.estimator.gpus.gpu(gpu ?? request.gpu).tdp.watts) }
            let gpuName = Self.gpuName(gpu, k, runner.estimator)
            // A cap at TDP beside `none` is the uncapped run: `--caps none,700` on an H100 printed
            // "TDP (700 W)" and "700 W" rows of the same figures.
            if caps.contains(.uncapped), let note = Self.capAtTDPNote(cap, gpuName: gpuName, tdpWatts: k.deployments.map { tdp($0.request) }) {
                if !notes.contains(note) { notes.append(note) }
                continue
            }
            let label = Self.label(scenario.name, gpuName: gpuName, cap: cap)
            do {
                let sized = try Self.sizeCandidate(scenario, k, change: change, runner: runner, budgetMegawatts: budgetMegawatts,
                                                   samples: samples ?? w.samples, seed: seed)
                let run = Self.settings(k.deployments.map(\.request), cap: cap.cappedWatts, tdpWatts: tdp)
                let f = sized.fleet, perDay = f.queriesPerDay
                rows.append(Row(scenario: scenario.name, gpu: gpuName, powerCapWatts: run.powerCapWatts, smClockMHz: run.smClockMHz,
                                setting: run.label, queriesPerDay: perDay, averageQPS: perDay / 86_400,
                                peakQPS: perDay / 86_400 * sized.peakShare, gpus: f.hardware.reduce(0) { $0 + $1.gpus },
                                whPerQuery: f.whPerQuery.mean, boundary: f.boundary))
                notes += Self.fitNotes(f).map { "\(label): \($0)" }
                for c in sized.caveats { caveats.add(c, for: label) }
            } catch let failure as CandidateFailure {
                failures.append((label, failure.reason))
            } catch {
                failures.append((label, "\(error)"))
            }
        }
        self.rows = rows.sorted { $0.scenario != $1.scenario ? $0.scenario < $1.scenario : $0.queriesPerDay > $1.queriesPerDay }
        self.failures = failures
        self.notes = notes + caveats.notes
    }

    /// Why a candidate gave no row, in words (`sizeCandidate`'s refusals; other errors are their own).
    struct CandidateFailure: Error, CustomStringConvertible {
        let reason: String
        var description: String { reason }
    }

    /// The caveats of every candidate, each said once with the candidates it applies to: the AMD
    /// caveat of three MI300X caps is one note, not three.
    struct CaveatList {
        private var entries: [(text: String, labels: [String])] = []

        mutating func add(_ text: String, for label: String) {
            if let i = entries.firstIndex(where: { $0.text == text }) {
                if !entries[i].labels.contains(label) { entries[i].labels.append(label) }
            } else {
                entries.append((text, [label]))
            }
        }

        var notes: [String] { entries.map { "\($0.labels.joined(separator: ", ")): \($0.text)" } }
    }

    /// The scenario's kernel with the candidate's cap on every deployment, and the lever that
    /// moves it to the candidate GPU (and cap). A lever cannot remove a cap, so an uncapped
    /// candidate's deployments are written without theirs.
    static func capped(_ written: KernelScenario, gpu: String?, cap: Cap) -> (kernel: KernelScenario, change: LeverChange) {
        var change = LeverChange(), k = written
        change.gpu = gpu
        switch cap {
        case .asWritten: break
        case let .watts(watts): change.powerCapWatts = watts
        case .uncapped: for j in k.deployments.indices { k.deployments[j].request.powerCapWatts = nil }
        }
        return (k, change)
    }

    /// The candidate GPU, or the deployments' own, by the catalog's id, not the workload's alias,
    /// as estimate and fleet name it.
    static func gpuName(_ gpu: String?, _ k: KernelScenario, _ estimator: Estimator) -> String {
        gpu ?? Set(k.deployments.map { (try? estimator.gpus.gpu($0.request.gpu).id) ?? $0.request.gpu }).sorted().joined(separator: "+")
    }

    /// A candidate in words: "chat on h100-sxm capped at 300 W".
    static func label(_ scenario: String, gpuName: String, cap: Cap) -> String {
        let setting = switch cap {
        case .asWritten: ""
        case .uncapped: " uncapped"
        case let .watts(watts): " capped at \(formatNumber(watts)) W"
        }
        return "\(scenario) on \(gpuName)\(setting)"
    }

    /// The note for a `.watts` cap at or above the TDP of every deployment's GPU (`tdpWatts`),
    /// which the uncapped candidate runs (nil for any other cap), as `sweep` leaves out a cap at
    /// TDP beside none.
    static func capAtTDPNote(_ cap: Cap, gpuName: String, tdpWatts: [Double?]) -> String? {
        guard let watts = cap.cappedWatts, !tdpWatts.isEmpty, tdpWatts.allSatisfy({ $0.map { watts >= $0 } ?? false }) else { return nil }
        let tdps = tdpWatts.compactMap { $0 }.uniqued().map { "\(formatNumber($0)) W" }.joined(separator: ", ")
        return "\(gpuName) capped at \(formatNumber(watts)) W is not run: the cap is at or above its TDP (\(tdps)), so it is the uncapped run, "
            + "the row labelled TDP"
    }

    /// Sizes one candidate: the most traffic whose fleet, on whole replicas for the busiest hour
    /// with headroom, fits the budget at the facility, and the fleet at that traffic.
    /// - Throws: `CandidateFailure` when the fleet draws nothing or the budget powers no fleet of
    ///   it; the fleet's own errors otherwise.
    static func sizeCandidate(_ scenario: Scenario, _ k: KernelScenario, change: LeverChange, runner: FleetRunner, budgetMegawatts: Double,
                              samples: Int, seed: UInt64) throws -> (fleet: FleetResult, peakShare: Double, caveats: [String]) {
        let r = try KernelFleet(scenario: scenario, kernel: k, estimator: runner.estimator).run(samples: samples, seed: seed, change: change)
        guard r.facilityMegawatts > 0 else { throw CandidateFailure(reason: "the fleet draws no power") }
        guard let scale = fillingScale(r, budgetWatts: budgetMegawatts * 1e6) else {
            throw CandidateFailure(reason: "\(formatNumber(budgetMegawatts)) MW does not power one replica of each query class; "
                                   + "the smallest fleet for this traffic mix needs \(formatNumber(roundedUp(facilityWatts(r, scale: 0) / 1e6), significant: 3)) MW at the facility")
        }
        // A capacity is whole queries, rounded down: 983,930,832 a day printed as 983931000
        // needed one more replica when fed back into `fleet` (20.0004 MW on a 20 MW budget).
        var filled = scenario
        filled.queriesPerDay = (scenario.queriesPerDay * scale).rounded(.down)
        guard filled.queriesPerDay >= 1 else { throw CandidateFailure(reason: "\(formatNumber(budgetMegawatts)) MW serves less than one query a day") }
        let fleet = KernelFleet(scenario: filled, kernel: k, estimator: runner.estimator)
        let f = try fleet.run(samples: samples, seed: seed, change: change)
        return (f, (k.diurnal.max() ?? 1.0 / 24) * 24, caveats(f, fleet: fleet, change: change, estimator: runner.estimator))
    }

    /// What qualifies a candidate's figures, as `estimate` and `fleet` say it of the same
    /// deployments (a 2026-12-07 probe ranked MI355X and MI300X above H100 with `"notes": []`):
    /// the measured error of its GPU's estimates (a B200's median × 1.25: it draws more than its
    /// row says), each deployment's caveats (`QueryEstimate.deploymentCaveats`: AMD's measured
    /// throughput 1.2–3.8× below the estimate, 4-bit weights dequantized), 8-bit experts without
    /// block scales, and a cap's decode saving beyond the largest measured (an upper bound).
    static func caveats(_ f: FleetResult, fleet: KernelFleet, change: LeverChange, estimator: Estimator) -> [String] {
        let deployments = fleet.kernel.deployments.compactMap { named -> Deployment? in
            var r = named.request
            if let g = change.gpu { r.gpu = g }
            if let w = change.powerCapWatts { r.powerCapWatts = w }
            return try? estimator.deployment(r)
        }
        return ([fleet.estimatorErrorNote(f.estimatorError)].compactMap { $0 }
            + deployments.flatMap { QueryEstimate.deploymentCaveats($0) }
            + deployments.compactMap { EightBitExpertsCaveat.note(estimator, $0) }
            + [f.decodeClockCaveat].compactMap { $0 }).uniqued()
    }

    /// What `fleet` notes of a sized fleet that bears on its capacity: too few draws, a class with
    /// none (its replicas in no GPU or MW figure), calls too long for the KV cache.
    static func fitNotes(_ f: FleetResult) -> [String] {
        var notes = [FleetRunner.samplingNote(f)].compactMap { $0 }
        // Replicas of a class with no draws are in no GPU or MW figure, so its budget looks roomier than it is.
        for name in f.undrawnClasses {
            notes.append("class \(name) got none of the draws, so its replicas are in no GPU or MW figure and the capacity "
                         + "is overstated; raise --samples")
        }
        // A candidate GPU with less memory than the workload's own can leave a class's calls too
        // long for its KV cache; `fleet` notes it, capacity had not.
        for c in f.classes where c.kvOverflowShare > 0 {
            notes.append("\(ClassResult.shareWords(c.kvOverflowShare)) of class \(c.name)'s queries have a call that does not fit in the KV cache "
                         + "even alone, which an engine would refuse or preempt; costed as drawn, as `fleet` does")
        }
        return notes
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

    /// What the budget is held against: the fleet's provisioned peak, as `fleet` sizes it. The
    /// fleet's busiest hour draws less (its headroom replicas idle), so a budget read against a
    /// metered peak would look roomier than the sizing.
    public static let sizingWords = "sized on the provisioned peak: each class on whole replicas for its busiest hour plus headroom, "
        + "every replica at its busy wall power, × the PUE (the busiest hour draws less, its headroom idle)"

    public func text() -> String {
        var s = "TokenWatt capacity — \(formatNumber(budgetMegawatts)) MW at the facility, \(Self.sizingWords)\n\n"
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
        .obj([("budgetMegawatts", .num(budgetMegawatts)), ("sizedOn", .str(Self.sizingWords)),
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
