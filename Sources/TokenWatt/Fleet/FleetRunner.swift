import Foundation
import KernelPower

/// Runs every scenario of a workload.
public struct FleetRunner: Sendable {
    public let estimator: Estimator
    public let dataDirectory: String?

    public init(estimator: Estimator = Estimator(), dataDirectory: String?) {
        self.estimator = estimator
        self.dataDirectory = dataDirectory
    }

    /// Says so when the mean Wh per query, and with it GWh a day, is uncertain by more than 2 %
    /// from the draws alone (`FleetResult.meanSamplingHalfWidth`, the 95 % interval of the sample
    /// mean): a heavy-tailed class drawn 100 times put `capacity` 48 % from its answer at 20,000
    /// draws, without a word.
    ///
    /// A class with traffic drawn fewer than `minimumClassDraws` times has no sampling error to
    /// speak of (none at one draw, a guess from a handful), so the figure is then called
    /// unreliable: at 1 draw the chat service read 0.0115 GWh a day, about a third of the 0.0325
    /// of 20,000 draws, with no note.
    static func samplingNote(_ r: FleetResult) -> String? {
        let few = r.classes.filter { $0.share > 0 && $0.draws < minimumClassDraws }
        if !few.isEmpty {
            let names = few.map { "\($0.name) \($0.draws)" }.joined(separator: ", ")
            return "the mean Wh per query (and GWh a day) is unreliable: its \(formatCount(r.samples.count, "draw")) \(r.samples.count == 1 ? "gives" : "give") "
                + "\(few.count == 1 ? "class" : "classes") \(names), fewer than the \(minimumClassDraws) a class needs for its sampling error "
                + "to be estimated; raise samples"
        }
        guard let half = r.meanSamplingHalfWidth, half > 0.02 else { return nil }
        return "the mean Wh per query (and GWh a day) is uncertain by ±\(formatPercent(half, decimals: 1)) from its \(r.samples.count) draws alone "
            + "(95 % interval of the sample mean; a heavy tail can put it further off); raise samples for a tighter figure"
    }

    /// The draws a class needs before its sample variance can stand for its spread: at 30 a normal
    /// sample's variance is within ±26 % (√(2 ÷ 29)) at one standard deviation, and the usual
    /// floor for a mean's normal interval; below it the ±x % note would be a guess.
    static let minimumClassDraws = 30

    /// Each scenario's seed: its own, or that of the earlier scenario whose draws it shares
    /// (`sameDrawsAs`), so that scenarios differing only in what they report draw the same queries.
    static func scenarioSeeds(_ w: Workload, seed s: UInt64) -> [UInt64] {
        var seeds: [String: UInt64] = [:]
        return w.scenarios.enumerated().map { i, scenario in
            let own = scenario.sameDrawsAs.flatMap { seeds[$0] } ?? (s &+ UInt64(i) &* 1_000_003)
            seeds[scenario.name] = own
            return own
        }
    }

    public func run(_ w: Workload, samples: Int? = nil, seed: UInt64? = nil) throws -> [FleetResult] {
        let n = samples ?? w.samples, s = seed ?? w.seed
        var results: [String: FleetResult] = [:]
        var tables: [String: (blend: [Double], untrimmed: [Double])] = [:]
        var out: [FleetResult] = []
        let seeds = Self.scenarioSeeds(w, seed: s)
        for (scenario, scenarioSeed) in zip(w.scenarios, seeds) {
            var r: FleetResult
            switch scenario.kind {
            case let .kernel(k):
                r = try runKernel(scenario, k, samples: n, seed: scenarioSeed)
                r.notes += dequantizationNotes(k) + Self.ownReplicasNotes(r)
            case let .throughputTable(t):
                let (result, table) = try runTable(scenario, t, seed: scenarioSeed)
                tables[scenario.name] = table
                r = result
            case let .mix(m):
                r = try runMix(scenario, m, results: results, tables: tables, scenarios: w.scenarios, seed: scenarioSeed)
            }
            if scenario.queriesPerDayIsDefault { r.notes.append(Self.defaultTrafficNote(scenario.queriesPerDay)) }
            results[scenario.name] = r
            out.append(r)
        }
        return out
    }

    /// A scenario without `queriesPerDay` runs at the default: its day, fleet and idle share are
    /// those of that traffic, which had been visible only in the figures.
    static func defaultTrafficNote(_ q: Double) -> String {
        "the file sets no queriesPerDay: the default of \(FleetRendering.queries(q)) queries a day applies, and the day's totals, "
            + "the fleet and its idle share are for that traffic"
    }

    func runKernel(_ scenario: Scenario, _ k: KernelScenario, samples n: Int, seed: UInt64) throws -> FleetResult {
        let fleet = KernelFleet(scenario: scenario, kernel: k, estimator: estimator)
        var base = try fleet.run(samples: n, seed: seed)
        if let note = Self.samplingNote(base) { base.notes.append(note) }
        // The scenario's own clock or cap, as `estimate` would say of it.
        if let note = base.decodeClockCaveat { base.notes.append(note) }
        base.notes += try fleet.settingNotes(band: !base.estimatorError.isEmpty, unbound: base.unboundCapDeployments)
        var tunedLevers: [String] = []
        for lever in k.levers {
            switch lever.kind {
            case let .mechanistic(change):
                // A lever the deployment cannot take (the model does not fit the other GPU, a
                // precision it lacks) is named and left out; the baseline and the other levers stand.
                let r: FleetResult, said: LeverNotes, orientation: LeverPairOrientation?
                do {
                    let priced = try fleet.priced(samples: n, seed: seed, change: change)
                    r = priced.result
                    said = try fleet.leverNotes(change, classes: priced.classes, surfaces: priced.surfaces)
                    orientation = try fleet.pairOrientation(change, classes: priced.classes, surfaces: priced.surfaces)
                } catch {
                    base.notes.append("lever \(lever.name) not run: \(error)")
                    continue
                }
                base.notes += said.notes.map { "lever \(lever.name): \($0)" }
                // A lever that cuts a class's batch (more bytes per weight, fewer GPUs) costs
                // through it; say so, as the baseline's own notes do.
                for (c, b) in zip(r.classes, base.classes) where change.maxBatch == nil && c.effectiveBatch * 2 <= b.effectiveBatch {
                    base.notes.append("lever \(lever.name): class \(c.name) runs \(c.effectiveBatch) sequences where the baseline runs "
                                      + "\(b.effectiveBatch) (what the KV cache or step budget holds)")
                }
                // A day of no queries has no GWh to compare: the saving is then per query.
                let saving = Self.saving(base.gwhPerDay > 0 ? 1 - r.gwhPerDay / base.gwhPerDay
                    : base.whPerQuery.mean > 0 ? 1 - r.whPerQuery.mean / base.whPerQuery.mean : 0)
                // A lever the scenario already runs (bf16 on a bf16 deployment) saves nothing, and
                // no measured error makes that a range (it printed "-17.1 %…+4.4 %" about a no-op).
                let noOp = saving == 0 && Self.alike(r.whPerQuery.mean, base.whPerQuery.mean)
                if noOp {
                    // Speculative decoding with no decode step to speed (one-token answers) is no
                    // setting the scenario already runs.
                    base.notes.append(change.speculative != nil && base.meanITLMs == nil
                        ? "lever \(lever.name) changes nothing here: no query has a decode step for it to speed (every answer is one token)"
                        : Self.noChangeNote(lever.name, precision: change.precision != nil || change.kvPrecision != nil))
                }
                base.notes += Self.otherGPUNotes(lever: lever.name, base: base, changed: r)
                if said.tuned && !noOp { tunedLevers.append(lever.name) }
                var result = LeverResult(name: lever.name, meanWhPerQuery: r.whPerQuery.mean, gwhPerDay: r.gwhPerDay,
                                         saving: saving, measured: noOp ? nil : change.measuredLever.flatMap(estimator.leverAccuracy))
                if let note = Self.unmeasuredPrecisionNote(change, measured: result.measured) { base.notes.append("lever \(lever.name): \(note)") }
                // A cap or clock lever's decode saving beyond the measured is an upper bound (`DecodeClockCaveat`).
                if change.powerCapWatts != nil || change.smClockMHz != nil { result.caveat = r.decodeClockCaveat }
                (result.meanITLMs, result.meanTTFTMs, result.gpus) = (r.meanITLMs, r.meanTTFTMs, r.gpus)
                if let m = result.measured, base.whPerQuery.mean > 0 {
                    // The lever's GPU energy, measured against the base, is its prediction ÷ (1 + error),
                    // the error read the way the lever runs against its kind's pairs (`LeverPairOrientation`).
                    let part = r.gpuProportionalWhPerQuery, fixed = r.whPerQuery.mean - part
                    // A change that moves its kind's setting nowhere (none found) reads the pairs as they run.
                    let savings = (orientation ?? .along).errors(p5: m.errorP5, p95: m.errorP95).map { 1 - (fixed + part / (1 + $0)) / base.whPerQuery.mean }
                    result.savingRange = Bounds(low: savings.min() ?? saving, high: savings.max() ?? saving)
                }
                base.levers.append(result)
            case let .divisor(d):
                // The divisor's draws come from a stream keyed on the lever's name, not its place in
                // the file: with the chat service's levers listed in reverse, model routing's saving
                // had moved 68.86 → 69.32 % (a 2026-12-07 probe).
                var rng = SeededRandom(seed: seed).stream(Self.divisorStream(lever.name))
                let factors = base.samples.map { _ in d.sample(&rng) }
                // Weighed as the baseline's mean weighs its draws (`sampleWeights`), so a lever that
                // divides by 1 saves exactly nothing.
                let mean = QueryStatistics.weightedMean(zip(base.samples, factors).map { $0 / $1 }, weights: base.sampleWeights)
                let saving = Self.saving(1 - mean / base.whPerQuery.mean)
                if saving == 0 { base.notes.append("lever \(lever.name) changes nothing here: its divisor leaves each query's energy as it is") }
                var result = LeverResult(name: lever.name, meanWhPerQuery: mean, gwhPerDay: mean * scenario.queriesPerDay / 1e9, saving: saving)
                (result.divisorEnds, result.savingRange) = Self.divisorRange(d, factors: factors, weights: base.sampleWeights)
                result.savingRange = result.savingRange.map { $0.including(saving) }
                base.levers.append(result)
            }
        }
        if let note = Self.tunedLeversNote(tunedLevers, band: !base.estimatorError.isEmpty) { base.notes.append(note) }
        base.levers.sort { $0.saving != $1.saving ? $0.saving > $1.saving : $0.name < $1.name }
        return base
    }

    /// Once a scenario, for its levers that lock a clock or cap below TDP: the error band behind
    /// the scenario's range ran at neither (`DecodeClockCaveat.rangeAtDefaultSettings`, as
    /// `estimate` and `sweep` say of such a deployment). Fleet had printed no such word beside a
    /// cap lever of lev8b (cap 300 saves what no band run measured). Nil without such a lever or a band.
    static func tunedLeversNote(_ names: [String], band: Bool) -> String? {
        guard !names.isEmpty, band else { return nil }
        return "lever\(names.count == 1 ? "" : "s") \(names.joined(separator: ", ")) (a locked clock or a cap below TDP): the scenario's range is "
            + "the estimator's measured error band, and " + DecodeClockCaveat.rangeAtDefaultSettings
    }

    /// A 4-bit precision lever's range is read from the measured precision pairs, which are all
    /// BF16 → FP8 (ML.ENERGY v3's 11 serving pairs in the bundled error bands): the lever line had
    /// given an nvfp4 or int4 lever's range "across the measured error of precision changes" as
    /// though a change to 4 bits had been measured. Nil for other levers.
    static func unmeasuredPrecisionNote(_ change: LeverChange, measured: LeverValidation.Row?) -> String? {
        guard let m = measured, m.lever == "precision", let p = change.precision, [.mxfp4, .nvfp4, .int4].contains(p) else { return nil }
        let kind = p == .int4 ? "INT4" : "FP4"
        return "its range is read across the measured error of precision changes (BF16→FP8 pairs; no \(kind) pair measured)"
    }

    /// A saving within 1e-9 of none is none: the same energy summed in another order (a divisor of
    /// 1 divides each sample, then averages) differs in the last bits, and a lever of 1e-13 had
    /// been ranked first among those saving nothing, with no note.
    static func saving(_ x: Double) -> Double { abs(x) < 1e-9 ? 0 : x }

    /// Two means within 1e-9 of each other, relative: the same energy up to rounding.
    static func alike(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-9 * max(abs(a), abs(b)) }

    /// The note for a lever that leaves the energy as it was. Only a precision lever can be priced
    /// alike by the model (fp16 and bf16 run at one rate; fp8 and int8 where the GPU gives both one
    /// rate: a probe's int8 lever on an fp8 MoE had been told only of fp16); the aside had ended every such note,
    /// a GPU's or a batch limit's too.
    static func noChangeNote(_ name: String, precision: Bool) -> String {
        "lever \(name) changes nothing here: the scenario already runs that way"
            + (precision ? ", or the model prices both alike (fp16 and bf16 run at one rate, as do fp8 and int8 where the GPU "
                + "gives both one rate and the weights one byte)" : "")
    }

    /// What a lever onto another GPU inherits that its measured range leaves out: the other GPU's
    /// own measured bias (measured ÷ estimated GPU energy at its band's median: 1.25 for the B200
    /// against the H100's 1.03, so an H100 → B200 lever printed 39 % where the medians give 31 %,
    /// outside its range from NVIDIA A100/H100 pairs; `measuredMedianNote`, each deployment's GPU
    /// in a scenario on several) and the caveats its estimates carry (AMD's).
    static func otherGPUNotes(lever name: String, base: FleetResult, changed r: FleetResult) -> [String] {
        var notes = [measuredMedianNote(lever: name, base: base, changed: r)].compactMap { $0 }
        notes += r.notes.filter { PublishedServing.isServingCaveat($0) && !base.notes.contains($0) }.map { "lever \(name): \($0)" }
        return notes
    }

    func runTable(_ scenario: Scenario, _ t: ThroughputScenario, seed: UInt64) throws -> (FleetResult, (blend: [Double], untrimmed: [Double])) {
        guard DataDirectory.file(t.file, in: dataDirectory) != nil else {
            throw FleetError(description: "scenario \(scenario.name) reads \(t.file) from the shared data directory; pass --data-dir DIR or set TOKENWATT_DATA")
        }
        let fits = try ThroughputTableModel.fits(t, dataDirectory: dataDirectory)
        let perModel = ThroughputTableModel.samples(t, pue: scenario.pue, fits: fits, seed: seed)
        let (blend, untrimmed, chosen) = try ThroughputTableModel.blend(perModel, of: t)
        let mean = untrimmed.reduce(0, +) / Double(max(1, untrimmed.count))
        let stats = QueryStatistics(blend), gwhPerDay = mean * t.fleetOverhead * scenario.queriesPerDay / 1e9
        var result = FleetResult(
            name: scenario.name, description: scenario.description, boundary: .facility, whPerQuery: stats,
            gwhPerDay: gwhPerDay, queriesPerDay: scenario.queriesPerDay, gpus: nil, nodes: nil,
            megawatts: 0, facilityMegawatts: mean * t.fleetOverhead * scenario.queriesPerDay / 24 / 1e6, idleGWhPerDay: 0, medianLedger: [], meanLedger: [],
            varianceShares: [], hourlyMegawatts: [], classes: [], levers: [],
            notes: [ThroughputTableModel.dayNote(t, models: chosen.map { t.models[$0].name }, blendMean: stats.mean, untrimmedMean: mean,
                                                 queriesPerDay: scenario.queriesPerDay, gwhPerDay: gwhPerDay), ThroughputTableModel.errorCaveat],
            samples: blend)
        if let note = ThroughputTableModel.extrapolationNote(t, fits: fits) { result.notes.append(note) }
        result.overheadShare = 1 - 1 / scenario.pue.mean
        result.sitePUE = scenario.pue.mean
        return (result, (blend, untrimmed))
    }
}
