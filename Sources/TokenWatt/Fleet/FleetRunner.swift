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
    /// outside its range from NVIDIA A100/H100 pairs) and the caveats its estimates carry (AMD's).
    static func otherGPUNotes(lever name: String, base: FleetResult, changed r: FleetResult) -> [String] {
        var notes: [String] = []
        if base.estimatorError.count == 1, r.estimatorError.count == 1, r.estimatorError[0].gpu != base.estimatorError[0].gpu,
           case let (b, l) = (base.estimatorError[0].band, r.estimatorError[0].band),
           base.whPerQuery.mean > 0, abs(l.ratioMedian / b.ratioMedian - 1) > 0.005 {
            func corrected(_ x: FleetResult, _ m: Double) -> Double { x.whPerQuery.mean + x.gpuProportionalWhPerQuery * (m - 1) }
            let saving = 1 - corrected(r, l.ratioMedian) / corrected(base, b.ratioMedian)
            // A GPU without runs of its own takes the pool's band (GPUs forecast from specs).
            func median(_ e: GPUErrorBand) -> String { "\(e.gpu) \(QueryRange.ratio(e.band.ratioMedian))" + (e.band.gpu == e.gpu ? "" : " (pooled)") }
            let gpus = "\(median(r.estimatorError[0])), \(median(base.estimatorError[0]))"
            notes.append("lever \(name): with each GPU's energy at its measured median (measured ÷ estimated: \(gpus); tokenwatt validate) "
                         + "it \(saving >= 0 ? "saves" : "costs") \(formatPercent(abs(saving), decimals: 0))")
        }
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

    /// The stream a divisor lever draws from: 1000 + the FNV-1a 64 hash of its name (offset
    /// basis 0xcbf29ce484222325, prime 0x100000001b3), stable across runs and platforms, as
    /// Swift's own `hashValue` is not, and independent of where the lever is listed.
    static func divisorStream(_ name: String) -> UInt64 {
        1000 &+ name.utf8.reduce(0xcbf2_9ce4_8422_2325 as UInt64) { ($0 ^ UInt64($1)) &* 0x0000_0100_0000_01b3 }
    }

    /// A divisor lever's factor at the P5 and P95 of its draws, and its saving with every query
    /// divided by each (1 − 1 ÷ factor); nil for a fixed divisor, whose saving has no spread. A
    /// router or a model's efficiency divides the whole fleet's queries at once, where a factor
    /// drawn per query averages out of the day (to 1 − E[1 ÷ X]), as a drawn PUE does
    /// (`KernelFleet.sitePUERange`): the chat service's model routing, 1.5–10×, saved 69 % with no
    /// range, where at its ends it saves 33–90 % (a 2026-12-07 statistician's probe).
    static func divisorRange(_ d: Distribution, factors: [Double], weights: [Double]) -> (ends: Bounds?, saving: Bounds?) {
        guard d.isRandom, !factors.isEmpty else { return (nil, nil) }
        let q = QueryStatistics.weightedQuantiles(factors, weights: weights, [0.05, 0.95])
        return (Bounds(low: q[0], high: q[1]), Bounds(low: 1 - 1 / q[0], high: 1 - 1 / q[1]))
    }

    /// A traffic mix: GWh per day as the share-weighted sum of its components' (each divided by
    /// its lever drawn per sample), and a per-query distribution drawn from the components.
    func runMix(_ scenario: Scenario, _ m: MixScenario, results: [String: FleetResult],
                tables: [String: (blend: [Double], untrimmed: [Double])], scenarios: [Scenario] = [], seed: UInt64) throws -> FleetResult {
        var gwh = 0.0, mean = 0.0
        var mixed: [Double] = []
        var parts: [MixShare] = []
        let rng = SeededRandom(seed: seed)
        // Components draw in the order of their scenarios' names, each from the stream of its
        // rank there, not of its place in the file: listed in reverse, the bundled Oviedo mix's
        // median had moved 0.3516 → 0.3512 Wh and its P95 3.930 → 3.936 (a 2026-12-07 probe).
        let order = m.components.indices.sorted { m.components[$0].scenario < m.components[$1].scenario }
        var placed: [Int: MixContribution] = [:]
        // Each part's day at its divisor's P5 and P95 (`divisorDay`), and its site factors (`siteRange`).
        var divisorDays: [Bounds] = [], drawnDivisor = false
        var sites: [MixSiteFactors] = []
        for (j, i) in order.enumerated() {
            let c = m.components[i]
            guard let r = results[c.scenario] else { throw FleetError(description: "mix \(scenario.name): scenario \(c.scenario) must come earlier") }
            // Wh at different boundaries do not add up to Wh at any one of them.
            // A workload file is checked as it is read (`mixBoundaryMismatch`); this guards scenarios built in code.
            guard r.boundary == scenario.boundary else {
                let fix = tables[c.scenario] != nil ? "a throughput table reports at the facility only: set the mix's \"boundary\" to facility"
                    : "mix scenarios of one boundary (set \"boundary\" on the mix or its components)"
                throw FleetError(description: "mix \(scenario.name): scenario \(c.scenario) reports at the \(r.boundary.rawValue) boundary, "
                                 + "the mix at \(scenario.boundary.rawValue); \(fix)")
            }
            var lever = rng.stream(UInt64(j))
            let blend = tables[c.scenario]?.blend ?? r.samples
            let untrimmed = tables[c.scenario]?.untrimmed ?? r.samples
            // A kernel part's draws weigh as its own figures weigh them (a rare class's draw is
            // not a tenth of its queries because it is a tenth of ten draws); a table's alike.
            let weights = tables[c.scenario] == nil ? r.sampleWeights : []
            let factors = c.divisor.map { d in untrimmed.map { _ in d.sample(&lever) } }
            let divided = factors.map { f in zip(untrimmed, f).map { $0 / $1 } } ?? untrimmed
            let untrimmedMean = QueryStatistics.weightedMean(untrimmed, weights: weights)
            // A part of no traffic has no day to divide: no fleet overhead either.
            let overhead = r.whPerQuery.mean > 0 && untrimmedMean * r.queriesPerDay > 0 ? r.gwhPerDay / (untrimmedMean * r.queriesPerDay / 1e9) : 1
            let dividedMean = QueryStatistics.weightedMean(divided, weights: weights)
            gwh += c.share * dividedMean * overhead * scenario.queriesPerDay / 1e9
            // The components' own means, blended as the day's energy blends them (a resampled
            // draw's mean missed it by 3 % on the bundled frontier mix, 6 % on a 50/50 mix).
            let blendMean = QueryStatistics.weightedMean(blend, weights: weights)
            let queryWh = c.share * dividedMean * (untrimmedMean > 0 ? blendMean / untrimmedMean : 1)
            mean += queryWh
            parts.append(MixShare(part: r, queryWh: queryWh, dayWh: c.share * dividedMean * overhead))
            let ends = c.divisor.flatMap { d in factors.flatMap { Self.divisorRange(d, factors: $0, weights: weights).ends } }
            drawnDivisor = drawnDivisor || ends != nil
            // Every query of the part divided by one factor: its undivided day ÷ that factor.
            divisorDays.append(ends.map { Bounds(low: c.share * untrimmedMean * overhead / $0.high, high: c.share * untrimmedMean * overhead / $0.low) }
                               ?? Bounds(low: c.share * dividedMean * overhead, high: c.share * dividedMean * overhead))
            sites.append(MixSiteFactors(part: r, dayWh: c.share * dividedMean * overhead, scenario: scenarios.first { $0.name == c.scenario }))
            let band = r.gwhPerDayRange.flatMap { b in r.gwhPerDay > 0 ? Bounds(low: b.low / r.gwhPerDay, high: b.high / r.gwhPerDay) : nil }
            var pick = rng.stream(100 + UInt64(j))
            let count = Int((c.share * Double(max(blend.count, 1))).rounded())
            var total = 0.0
            let cumulative = weights.map { total += $0; return total }
            mixed += (0..<count).map { _ in
                let x = blend[Self.index(pick.uniform(), cumulative: cumulative, count: blend.count)]
                return c.divisor.map { x / $0.sample(&pick) } ?? x
            }
            placed[i] = MixContribution(scenario: c.scenario, share: c.share, queryWattHours: queryWh,
                                        dayWattHours: c.share * dividedMean * overhead, samples: count, bandRatios: band)
        }
        let contributions = m.components.indices.compactMap { placed[$0] }
        var stats = QueryStatistics(mixed)
        stats.mean = mean
        var result = FleetResult(name: scenario.name, description: scenario.description, boundary: scenario.boundary,
                           whPerQuery: stats, gwhPerDay: gwh, queriesPerDay: scenario.queriesPerDay, gpus: nil, nodes: nil,
                           megawatts: 0, facilityMegawatts: gwh * 1e3 / 24, idleGWhPerDay: 0, medianLedger: [], meanLedger: [], varianceShares: [],
                           hourlyMegawatts: [], classes: [], levers: [],
                           notes: ["mix of " + m.components.map { "\(formatPercent($0.share, decimals: 0)) \($0.scenario)\($0.divisor != nil ? " (with levers)" : "")" }.joined(separator: ", ")],
                           samples: mixed)
        if let note = Self.trafficNote(scenario, m, results: results) { result.notes.append(note) }
        (result.overheadShare, result.sitePUE) = Self.site(parts)
        result.mixContributions = contributions
        result.gwhPerDayRange = Self.dayRange(contributions, queriesPerDay: scenario.queriesPerDay)
        if let note = Self.bandNote(contributions) { result.notes.append(note) }
        if drawnDivisor {
            let q = scenario.queriesPerDay / 1e9
            result.gwhPerDayDivisorRange = Bounds(low: divisorDays.reduce(0) { $0 + $1.low } * q, high: divisorDays.reduce(0) { $0 + $1.high } * q)
        }
        let pue = Self.siteRange(sites, \.gwhPerDaySitePUE, what: "PUE", queriesPerDay: scenario.queriesPerDay) { s in
            s.part.boundary == .facility && s.scenario?.pue.isRandom != false
        }
        let host = Self.siteRange(sites, \.gwhPerDayHostPower, what: "host power scale", queriesPerDay: scenario.queriesPerDay) { s in
            guard s.part.boundary >= .node, let sc = s.scenario else { return false }
            if case let .kernel(k) = sc.kind { return k.hostPowerScale.isRandom }
            return false
        }
        (result.gwhPerDaySitePUE, result.gwhPerDayHostPower) = (pue.range, host.range)
        result.notes += [pue.note, host.note].compactMap { $0 }
        result.hourlyEnergyShares = Self.hourlyEnergyShares(parts)
        let flat = parts.filter { $0.part.hourlyEnergyShares.isEmpty }.map(\.part.name).uniqued()
        if !result.hourlyEnergyShares.isEmpty, !flat.isEmpty {
            result.notes.append("no diurnal fleet power in \(flat.joined(separator: ", ")): \(flat.count == 1 ? "its" : "their") energy is spread evenly over the mix's day")
        }
        return result
    }

    /// Says so where a mix gives a part other traffic than the part's own scenario serves (its
    /// queries a day × share against the part's `queriesPerDay`, beyond a relative 1e-6): the mix
    /// prices its queries at each part's Wh per query, whose idle share and embodied carbon come
    /// from a fleet sized for the part's own traffic, so a mix of 100 million over parts of 30 + 20
    /// million had counted twice the hardware that exists (182 t of embodied carbon a year for 91),
    /// and a part of no traffic 60 % of the mix, with nothing said. The README's mix is its own
    /// traffic, not its parts' sum, so this is a note, not an error.
    static func trafficNote(_ mix: Scenario, _ m: MixScenario, results: [String: FleetResult]) -> String? {
        let q = mix.queriesPerDay
        var differ: [String] = [], own = 0.0, fleet = false, idle = false
        for c in m.components {
            guard let r = results[c.scenario] else { continue }
            own += r.queriesPerDay
            let given = q * c.share
            guard abs(given - r.queriesPerDay) > 1e-6 * max(given, r.queriesPerDay) else { continue }
            fleet = fleet || r.gpus != nil
            idle = idle || r.queriesPerDay == 0
            let serves = r.queriesPerDay > 0
                ? "\(FleetRendering.queries(r.queriesPerDay)): × \(formatNumber(given / r.queriesPerDay, significant: 3))" : "none"
            differ.append("\(c.scenario) \(FleetRendering.queries(given)) (its own scenario serves \(serves))")
        }
        guard !differ.isEmpty else { return nil }
        let rescaled = fleet
            ? "; each part's Wh per query is that of a fleet sized for its own traffic, so its fleet size, idle share and embodied carbon "
                + "are re-scaled to the mix's traffic, not re-sized for it"
                + (idle ? " (a part that serves none has no fleet, so none of these to scale: its queries in the mix carry none)" : "")
            : ""
        return "mix traffic differs from its parts': its \(FleetRendering.queries(q)) queries a day × share give "
            + differ.joined(separator: ", ") + "; the parts serve \(FleetRendering.queries(own)) a day in all, and the mix's day counts its own "
            + "traffic, not theirs added up" + rescaled
    }

    /// The sample a uniform `u` in [0, 1) picks of `count`: evenly, or by weight where the
    /// samples' `cumulative` weights are given (the first whose running total passes u × all).
    static func index(_ u: Double, cumulative: [Double], count: Int) -> Int {
        guard let all = cumulative.last, cumulative.count == count, all > 0 else { return min(count - 1, Int(u * Double(count))) }
        let target = u * all
        var low = 0, high = count - 1
        while low < high {
            let mid = (low + high) / 2
            if cumulative[mid] > target { high = mid } else { low = mid + 1 }
        }
        return low
    }

    /// A mix's day with every part's GPU energy at one end of its measured error band: each
    /// part's share of the day × its own day's band ÷ its day (a divisor divides the GPU energy
    /// and the rest alike, so the ratio stands). Nil unless every part has a band; a mix had none,
    /// though its parts had theirs (frontier-kernel's headline `mixed`).
    static func dayRange(_ parts: [MixContribution], queriesPerDay q: Double) -> Bounds? {
        guard !parts.isEmpty else { return nil }
        var low = 0.0, high = 0.0
        for p in parts {
            guard let b = p.bandRatios else { return nil }
            low += p.dayWattHours * b.low
            high += p.dayWattHours * b.high
        }
        return Bounds(low: low * q / 1e9, high: high * q / 1e9)
    }

    /// A mix part's day and its own site-factor ranges, for the mix's (`siteRange`).
    struct MixSiteFactors {
        var part: FleetResult
        /// What the part adds to the mix's day, Wh per query of the mix.
        var dayWh: Double
        /// The part's scenario (nil for a mix built in code without it).
        var scenario: Scenario?
    }

    /// A mix's day with one site factor (the PUE, the hosts' power scale) held at its P5 and then
    /// its P95: each part's share of the day × its own day at that end ÷ its day, as for the error
    /// band (`dayRange`); a part that does not draw the factor (`draws`) enters at its day. The
    /// factor's ends are the parts', weighted by the energy each adds to the day, and a note names
    /// each part's where they differ by more than 1 %. Nil where no part has a range or a part
    /// draws the factor but has none (a throughput table's PUE), which a note then names. A mix
    /// had neither range though its parts had both: frontier-kernel's `mixed` (2026-12-07 probe).
    static func siteRange(_ parts: [MixSiteFactors], _ range: KeyPath<FleetResult, SiteFactorRange?>, what: String,
                          queriesPerDay q: Double, draws: (MixSiteFactors) -> Bool) -> (range: SiteFactorRange?, note: String?) {
        let with = parts.compactMap { p in p.part[keyPath: range].map { (name: p.part.name, factor: $0.factor) } }
        guard !with.isEmpty else { return (nil, nil) }
        let without = parts.filter { $0.part[keyPath: range] == nil && draws($0) }.map(\.part.name)
        guard without.isEmpty else {
            return (nil, "no range with the site's \(what) held for this mix's day: \(without.count == 1 ? "part" : "parts") "
                + "\(without.joined(separator: ", ")) \(without.count == 1 ? "draws" : "draw") it with no range of \(without.count == 1 ? "its" : "their") own")
        }
        var low = 0.0, high = 0.0, weight = 0.0, factorLow = 0.0, factorHigh = 0.0
        for p in parts {
            guard let r = p.part[keyPath: range], p.part.gwhPerDay > 0 else {
                low += p.dayWh
                high += p.dayWh
                continue
            }
            low += p.dayWh * r.gwhPerDay.low / p.part.gwhPerDay
            high += p.dayWh * r.gwhPerDay.high / p.part.gwhPerDay
            weight += p.dayWh
            factorLow += p.dayWh * r.factor.low
            factorHigh += p.dayWh * r.factor.high
        }
        let factor = weight > 0 ? Bounds(low: factorLow / weight, high: factorHigh / weight) : with[0].factor
        let differ = with.contains { abs($0.factor.low - factor.low) > 0.01 * factor.low || abs($0.factor.high - factor.high) > 0.01 * factor.high }
        let note = differ ? "the mix's day with the site's \(what) held reads each part at its own P5 and P95 ("
            + with.map { "\($0.name) \(formatNumber($0.factor.low, significant: 3))–\(formatNumber($0.factor.high, significant: 3))" }
                .joined(separator: ", ") + "); the ends it names are their blend by energy" : nil
        return (SiteFactorRange(factor: factor, gwhPerDay: Bounds(low: low * q / 1e9, high: high * q / 1e9)), note)
    }

    /// Why a mix has no band where some of its parts have one.
    static func bandNote(_ parts: [MixContribution]) -> String? {
        let without = parts.filter { $0.bandRatios == nil }.map(\.scenario)
        guard !without.isEmpty, without.count < parts.count else { return nil }
        return "no range across the estimator's measured error for this mix's day: \(without.count == 1 ? "part" : "parts") \(without.joined(separator: ", ")) "
            + "\(without.count == 1 ? "has" : "have") no error band (a throughput table, or a calibration other than the bundled one)"
    }

    /// What one part adds to a mix's mean query and to its day (per query of the mix, with a
    /// throughput table's fleet overhead), Wh; each is its share × its mean, divided by its lever.
    struct MixShare {
        var part: FleetResult
        var queryWh: Double
        var dayWh: Double
    }

    /// A mix's day by hour: its parts' hourly shares weighted by the energy each adds to the day
    /// (a part without a profile spread evenly), so its load-weighted intensity is its parts'
    /// blended. Empty where no part has a profile. It had none at all, and took the flat annual
    /// factor: 3.9 % above its parts' blend in Spain, whose grid is cleanest at midday.
    static func hourlyEnergyShares(_ parts: [MixShare]) -> [Double] {
        guard parts.contains(where: { $0.part.hourlyEnergyShares.count == 24 }) else { return [] }
        let total = parts.reduce(0) { $0 + $1.dayWh }
        guard total > 0 else { return [Double](repeating: 1.0 / 24, count: 24) }
        return (0..<24).map { h in
            parts.reduce(0) { sum, p in
                let shares = p.part.hourlyEnergyShares
                return sum + p.dayWh * (shares.count == 24 ? shares[h] : 1.0 / 24)
            } / total
        }
    }

    /// A mix's overhead share and site PUE: its parts', weighted by the energy each adds to its
    /// mean query (IT energy for the PUE), so that its IT energy and on-site water are its parts'
    /// blended by share. Averaged by query share, a heavy part at PUE 1 took half of a light
    /// PUE-3 part's overhead and the mix's on-site water came out 16 % low.
    static func site(_ parts: [MixShare]) -> (overheadShare: Double, pue: Double) {
        let wh = parts.reduce(0) { $0 + $1.queryWh }
        let it = parts.reduce(0) { $0 + $1.queryWh * (1 - $1.part.overheadShare) }
        let facility = parts.reduce(0) { $0 + $1.queryWh * (1 - $1.part.overheadShare) * $1.part.sitePUE }
        return (wh > 0 ? 1 - it / wh : 0, it > 0 ? facility / it : 1)
    }
}
