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
        /// The fleet's mean inter-token latency and time to first token (ms), as `fleet` reports
        /// them; nil ITL: every answer is one token. Capacity had shown no latency, so a row that
        /// filled the budget at a cap could not be read against an SLO.
        public var itlMs: Double? = nil
        public var ttftMs: Double? = nil
        /// The row's fleet at the facility with every replica at its mean busy draw, and at its
        /// worst case (every GPU at its cap or TDP, the host busy), MW.
        public var busyFacilityMegawatts = 0.0
        public var worstCaseFacilityMegawatts = 0.0
        /// The row's servers, whole ones, at their rated maximum at the wall (`NodeSpec.maxWallPower`),
        /// × the PUE, MW: what boot, fans at full speed and transients can reach, above the worst case.
        public var nameplateFacilityMegawatts = 0.0
        /// What the other sizing basis (`Sizing.other`) fills the same budget with: queries a day
        /// (rounded down, as the row's) and GPUs; nil where the budget powers no fleet on it.
        public var otherSizing: (queriesPerDay: Double, gpus: Int)? = nil
        /// The latency targets the row misses, in words ("ITL 52.1 ms > 40 ms"); empty when it
        /// meets them or none were given.
        public var missedTargets: [String] = []
        /// The row's fleet at the ends of its GPU's measured error band (`BandRange`); nil where
        /// its GPUs have no band, or more than one.
        public var band: BandRange? = nil
        /// Half the 95 % interval of queries a day and of GPUs from the draws alone, each as a
        /// share (`Capacity.queriesSamplingHalfWidth`, `gpusSamplingHalfWidth`); nil where none is given.
        public var queriesSamplingHalfWidth: Double? = nil
        public var gpusSamplingHalfWidth: Double? = nil
    }

    /// A row's fleet with every query's GPU energy at the two ends of its GPU's measured error
    /// band (`ErrorBand`), in place of the scale the scenario draws per query, as `fleet`'s GWh a
    /// day range holds it: the band is a systematic error that moves every replica at once. A
    /// 2026-12-07 statistician's probe found `capacity Workloads/chat-service.json --budget-mw 20`
    /// printing 928 million queries a day on 16,944 GPUs at 20.0 MW with no range, where the same
    /// fleet at the H100 band's ends (× 0.798 and × 1.51) draws 17.0 and 27.2 MW.
    public struct BandRange: Sendable {
        public var band: ErrorBand
        /// The row's fleet (its replicas and traffic) at its mean busy draw with the GPU energy at
        /// the band's low and high end, MW at the facility; each replica at most its worst case,
        /// the draw of every GPU at its limit, which no GPU exceeds (`highAtWorstCase`).
        public var busyFacilityMegawattsLow: Double
        public var busyFacilityMegawattsHigh: Double
        /// Whether a replica's busy draw at the band's high end passed its worst case, so the high
        /// end holds there: its GPUs run at their limit and serve fewer queries than the row's.
        public var highAtWorstCase: Bool
        /// The queries a day the budget fills on the row's sizing basis with the GPU energy at the
        /// band's high end (rounded down, as the row's), each replica whose draw would pass its
        /// power limit running at it and serving fewer (`Capacity.throttled`); nil where it powers no fleet.
        public var queriesPerDayAtHigh: Double?
    }

    /// What a budget is held against (`--sizing`). A 2026-12-07 probe sizing a 5 MW site found
    /// the budget held against each replica's mean busy draw with no word of the worst case
    /// `power` reports beside it: 1,142 4-H100 replicas at 3,368 W × PUE 1.3 fill 5.00 MW, and
    /// at their worst case (4,000 W) draw 5.94 MW; B200 5.00 → 6.58 MW.
    public enum Sizing: String, Sendable, CaseIterable {
        /// Every replica at its mean busy wall power (`power`'s "while serving"), the default: a
        /// site of many replicas seldom has them all at their worst case at once (see `basisNote`).
        case busy
        /// Every replica at its worst case: every GPU at its power cap, else TDP, the host busy
        /// (`power`'s "worst case"), the most the power model lets a replica draw. Not the most
        /// its servers can draw: it had been called the draw "which no draw of the fleet
        /// exceeds", where the 229 DGX H100 of the bundled chat service are rated 2.34 MW at the
        /// wall against its 1.83 MW worst case (2026-12-07 facility probe).
        case worstCase = "worst-case"
        /// Every server of the fleet, whole ones, at its rated maximum at the wall (the node
        /// catalog's maxPowerWatts, a DC sum ÷ its PSU efficiency): the nameplate a feed is sized
        /// on, which no draw of the servers exceeds.
        case nameplate

        /// The basis shown beside this one.
        public var other: Sizing { self == .busy ? .worstCase : .busy }

        /// One replica's wall power on this basis (W); the nameplate is whole servers', not a
        /// replica's (`Capacity.nameplateWallWatts`), and takes the worst case here.
        func wallWatts(_ h: HardwareUse) -> Double { self == .busy ? h.replicaWallWatts : max(h.replicaWallWatts, h.replicaWorstCaseWallWatts) }

        /// The draw in words, for headers and notes.
        public var words: String {
            switch self {
            case .busy: "mean busy draw"
            case .worstCase: "worst-case draw"
            case .nameplate: "servers' rated maximum (nameplate)"
            }
        }
    }

    /// Latency targets (`--itl-ms`, `--ttft-ms`), judged on each row's fleet's mean ITL and TTFT
    /// and on each of its classes' with traffic (`missed(_:)`).
    public struct Targets: Sendable, Equatable {
        public var itlMs: Double?
        public var ttftMs: Double?
        public init(itlMs: Double? = nil, ttftMs: Double? = nil) { self.itlMs = itlMs; self.ttftMs = ttftMs }
        public var isEmpty: Bool { itlMs == nil && ttftMs == nil }

        /// What a fleet of mean ITL `itl` and TTFT `ttft` misses, in words. A fleet with no ITL
        /// (every answer one token) has none to miss.
        func missed(itl: Double?, ttft: Double?) -> [String] {
            var out: [String] = []
            if let target = itlMs, let v = itl, v > target { out.append("ITL \(formatNumber(v, significant: 3)) ms > \(formatNumber(target)) ms") }
            if let target = ttftMs, let v = ttft, v > target { out.append("TTFT \(formatNumber(v, significant: 3)) ms > \(formatNumber(target)) ms") }
            return out
        }

        /// What fleet `f` misses: its mean (`missed(itl:ttft:)`), then each class with draws whose
        /// own mean misses ("class large-agent ITL 63.9 ms > 55 ms"), where more than one class has
        /// them (one class's figures are the mean). A row meets the targets only where every class
        /// with traffic does: judged on the mean alone, an agentic router on H100s "met" ITL 55 ms
        /// at a mean of 54.4 while its large-agent class ran 63.9 ms (a 2026-12-07 probe).
        func missed(_ f: FleetResult) -> [String] {
            let drawn = f.classes.filter { $0.share > 0 && $0.draws > 0 }
            let classes = drawn.count > 1 ? drawn.flatMap { c in missed(itl: c.interTokenLatencyMs, ttft: c.timeToFirstTokenMs).map { "class \(c.name) \($0)" } } : []
            return missed(itl: f.meanITLMs, ttft: f.meanTTFTMs) + classes
        }
    }

    public let budgetMegawatts: Double
    /// What the budget is held against; each row gives the other basis beside it.
    public let sizing: Sizing
    public let targets: Targets
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
                seed: UInt64? = nil, file: String? = nil, sizing: Sizing = .busy, targets: Targets = Targets()) throws {
        try self.init(workload: w, runner: runner, budgetMegawatts: budgetMegawatts, gpus: gpus,
                      capCandidates: caps.map { $0.map(Cap.watts) ?? .asWritten }, samples: samples, seed: seed, file: file, sizing: sizing,
                      targets: targets)
    }

    /// Sizes each kernel scenario of `w` for each candidate GPU (nil: the workload's own) and cap.
    /// A `.watts` cap at or above a GPU's TDP beside `.uncapped` is the uncapped run, and runs once;
    /// a cap outside a candidate GPU's range is that candidate's failure, naming `--caps`.
    /// - Parameters:
    ///   - seed: the workload's seed in place of its own (`--seed`), as `fleet` takes it.
    ///   - file: the workload's path, named in the error when it has no kernel scenario.
    ///   - sizing: what the budget is held against; the other basis is given beside each row.
    ///   - targets: latency targets; a row that misses them is marked (`Row.missedTargets`), not dropped.
    /// - Throws: `FleetError` when `w` has no kernel scenario.
    public init(workload w: Workload, runner: FleetRunner, budgetMegawatts: Double, gpus: [String?], capCandidates caps: [Cap],
                samples: Int? = nil, seed: UInt64? = nil, file: String? = nil, sizing: Sizing = .busy, targets: Targets = Targets()) throws {
        self.budgetMegawatts = budgetMegawatts
        self.sizing = sizing
        self.targets = targets
        var rows: [Row] = [], failures: [(String, String)] = [], notes: [String] = [], caveats = CaveatList()
        let skips = w.scenarios.compactMap { s in Self.skipReason(s, in: w).map { (scenario: s.name, kind: $0.kind, why: $0.why) } }
        skipped = skips.map { ($0.scenario, "\($0.kind); \($0.why)") }
        guard skips.count < w.scenarios.count else {
            throw FleetError(description: "\(file ?? "the workload"): capacity sizes kernel scenarios (deployments and query classes), and none of its "
                             + "\(w.scenarios.count) scenario\(w.scenarios.count == 1 ? " is" : "s are") one: "
                             + skips.map { "'\($0.scenario)' is \($0.kind)" }.joined(separator: ", "))
        }
        // The seeds `fleet` gives each scenario (a scenario that shares another's draws was
        // drawn afresh here, and the Google workload's four boundaries disagreed by 1 %). `--seed`
        // replaces the workload's as in `fleet`: capacity had refused it, so its sampling error
        // could not be checked by re-running (chat service GPUs 1760–1872 over seeds 1–48).
        let seeds = FleetRunner.scenarioSeeds(w, seed: seed ?? w.seed)
        // Every kernel scenario × GPU × cap, scenario first, as the rows had been run.
        let candidates = w.scenarios.enumerated().flatMap { i, scenario -> [(seed: UInt64, scenario: Scenario, kernel: KernelScenario, gpu: String?, cap: Cap)] in
            guard case let .kernel(written) = scenario.kind else { return [] }
            return gpus.flatMap { gpu in caps.map { (seeds[i], scenario, written, gpu, $0) } }
        }
        for (seed, scenario, written, gpu, cap) in candidates {
            let (k, change) = Self.capped(written, gpu: gpu, cap: cap)
            let specs = Self.served(k).map { try? runner.estimator.gpus.gpu(gpu ?? $0.request.gpu) }
            let hardware = Self.hardware(k, gpu: gpu, cap: cap, estimator: runner.estimator)
            let gpuName = hardware.gpu
            // A cap at TDP beside `none` is the uncapped run: `--caps none,700` on an H100 printed
            // "TDP (700 W)" and "700 W" rows of the same figures.
            if caps.contains(.uncapped), let note = Self.capAtTDPNote(cap, gpuName: gpuName, tdpWatts: specs.map { $0?.tdp.watts }) {
                if !notes.contains(note) { notes.append(note) }
                continue
            }
            let label = Self.label(scenario.name, gpuName: gpuName, cap: cap)
            // A cap outside the GPU's range had failed inside the fleet as "scenario llama70b,
            // deployment d: power cap 100 W is outside the range…", naming no flag.
            if let w = cap.cappedWatts, let reason = Self.capRangeRefusal(w, gpus: specs) {
                failures.append((label, reason))
                continue
            }
            // A cap above some GPU's highest limit runs it uncapped where another GPU takes it (`CapAtTDP`), as a lever does.
            if let w = cap.cappedWatts, let clause = CapAtTDP.clause(w, gpus: specs) { notes.append("\(label): \(clause)") }
            do {
                let sized = try Self.sizeCandidate(scenario, k, change: change, runner: runner, budgetMegawatts: budgetMegawatts,
                                                   samples: samples ?? w.samples, seed: seed, sizing: sizing)
                let f = sized.fleet, perDay = f.queriesPerDay
                var row = Row(scenario: scenario.name, gpu: gpuName, powerCapWatts: hardware.powerCapWatts, smClockMHz: hardware.smClockMHz,
                              setting: hardware.setting, queriesPerDay: perDay, averageQPS: perDay / 86_400,
                              peakQPS: perDay / 86_400 * sized.peakShare, gpus: f.hardware.reduce(0) { $0 + $1.gpus },
                              whPerQuery: f.whPerQuery.mean, boundary: f.boundary)
                row.itlMs = f.meanITLMs
                row.ttftMs = f.meanTTFTMs
                row.busyFacilityMegawatts = Self.facilityWatts(f, scale: 1, sizing: .busy) / 1e6
                row.worstCaseFacilityMegawatts = Self.facilityWatts(f, scale: 1, sizing: .worstCase) / 1e6
                row.nameplateFacilityMegawatts = Self.facilityWatts(f, scale: 1, sizing: .nameplate) / 1e6
                row.otherSizing = sized.other
                row.band = sized.band
                row.queriesSamplingHalfWidth = Self.queriesSamplingHalfWidth(f)
                row.gpusSamplingHalfWidth = sized.gpusHalfWidth
                row.missedTargets = targets.missed(f)
                rows.append(row)
                notes += Self.fitNotes(f).map { "\(label): \($0)" }
                let pueNote = Self.peakPUENote(scenario)
                if !notes.contains(pueNote) { notes.append(pueNote) }
                for c in sized.caveats { caveats.add(c, for: label) }
            } catch let failure as CandidateFailure {
                failures.append((label, failure.reason))
            } catch {
                failures.append((label, "\(error)"))
            }
        }
        self.rows = rows.sorted { $0.scenario != $1.scenario ? $0.scenario < $1.scenario : $0.queriesPerDay > $1.queriesPerDay }
        self.failures = failures
        self.notes = notes + caveats.notes + [Self.targetsNote(targets, rows: self.rows)].compactMap { $0 }
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

    /// What qualifies a candidate's figures, as `estimate` and `fleet` say it of the same
    /// deployments (a 2026-12-07 probe ranked MI355X and MI300X above H100 with `"notes": []`):
    /// the measured error of its GPU's estimates (a B200's median × 1.25: it draws more than its
    /// row says), each deployment's caveats (`QueryEstimate.deploymentCaveats`: AMD's measured
    /// throughput 1.2–3.8× below the estimate, 4-bit weights dequantized), 8-bit experts without
    /// block scales, and a cap's decode saving beyond the largest measured (an upper bound).
    static func caveats(_ f: FleetResult, fleet: KernelFleet, change: LeverChange, estimator: Estimator) -> [String] {
        // As the fleet ran them (`KernelFleet.edited`): a cap above a GPU's limit runs it uncapped
        // there, and a copy of the edit that set it had lost that deployment's caveats.
        let deployments = fleet.kernel.deployments.compactMap { try? estimator.deployment(fleet.edited($0, by: change).request) }
        return ([fleet.estimatorErrorNote(f.estimatorError)].compactMap { $0 }
            + deployments.flatMap { QueryEstimate.deploymentCaveats($0) }
            + deployments.compactMap { EightBitExpertsCaveat.note(estimator, $0) }
            + [f.decodeClockCaveat].compactMap { $0 }).uniqued()
    }

    /// What `fleet` notes of a sized fleet that bears on its capacity: too few draws, a class with
    /// none (its replicas in no GPU or MW figure), calls too long for the KV cache, and the router
    /// that packs load onto full batches, which the price assumes.
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
        // The router the price assumes, and what spreading the load would cost: `fleet` says it
        // of each class (`KernelFleet.packingClause`).
        notes += f.notes.filter { $0.hasPrefix(KernelFleet.packingNotePrefix) }
        return notes
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
}
