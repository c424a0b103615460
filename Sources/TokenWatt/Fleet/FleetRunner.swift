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
                r.notes += dequantizationNotes(k) + Self.ownReplicasNotes(r) + [unusedDeploymentNote(scenario, k)].compactMap { $0 }
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
        Self.addDrawnApartNotes(w, seeds: seeds, to: &out)
        return out
    }

    /// Notes each scenario that is an earlier one's fleet under other emissions settings
    /// (`Workload.emissionsTwins`) but draws its own queries, with how far their mean Wh differ:
    /// by sampling alone, the fleet being the same. Not where they share a seed (`sameDrawsAs`,
    /// directly or through another scenario), nor where the emissions settings moved the PUE (a
    /// provider's published PUE as the default), which changes the energy itself.
    static func addDrawnApartNotes(_ w: Workload, seeds: [UInt64], to out: inout [FleetResult]) {
        for (j, b) in w.scenarios.enumerated() {
            guard let aName = w.emissionsTwins[b.name], let i = w.scenarios.firstIndex(where: { $0.name == aName }),
                  seeds[i] != seeds[j], w.scenarios[i].pue == b.pue, out[i].whPerQuery.mean > 0 else { continue }
            let gap = abs(out[j].whPerQuery.mean / out[i].whPerQuery.mean - 1)
            out[j].notes.append("scenarios \(aName) and \(b.name) differ only in their emissions settings but are drawn apart: their energy "
                                + "differs by sampling alone (\(formatPercent(gap)) in mean Wh); add \"sameDrawsAs\": \"\(aName)\" to \(b.name) "
                                + "to compare them on the same draws")
        }
    }

    /// A scenario without `queriesPerDay` runs at the default: its day, fleet and idle share are
    /// those of that traffic, which had been visible only in the figures.
    static func defaultTrafficNote(_ q: Double) -> String {
        "the file sets no queriesPerDay: the default of \(FleetRendering.queries(q)) queries a day applies, and the day's totals, "
            + "the fleet and its idle share are for that traffic"
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

    /// What a precision lever's range leaves out. The measured precision pairs are all BF16 → FP8
    /// (ML.ENERGY v3's 11 serving pairs in the bundled error bands): the lever line had given an
    /// nvfp4, int4 or, silently, int8 lever's range "across the measured error of precision
    /// changes" as though such a change had been measured. Those pairs are one mixture-of-experts
    /// model with block-FP8 weights (Qwen3-235B-A22B on 8 × H100), which a dense model's lever
    /// borrowed unsaid; and their latencies went another way than predicted (methodology §7: FP8
    /// ran 22–26 % slower per token at 8 sequences, 10–14 % faster at 32–128, predicted within 2 %),
    /// while fleet printed a lever's ITL change without a word. `target` is the precision the
    /// lever runs at (a model lever to its own quantized checkpoint too), `dense` whether any of
    /// the scenario's models is dense. Nil for other levers.
    static func unmeasuredPrecisionNote(target: Precision?, dense: Bool, measured: LeverValidation.Row?) -> String? {
        guard let m = measured, m.lever == "precision", let p = target else { return nil }
        var parts: [String] = []
        let kind: String? = p == .int4 ? "INT4" : p == .int8 ? "INT8" : [.mxfp4, .nvfp4].contains(p) ? "FP4" : nil
        if let kind { parts.append("its range is read across the measured error of precision changes (BF16→FP8 pairs; no \(kind) pair measured)") }
        if dense, m.campaign == "mlenergy-v3" {
            parts.append("the \(m.pairs) measured pairs are all one mixture-of-experts model (Qwen3-235B-A22B, block-FP8 weights, 8 × H100): "
                         + "no dense model's precision change is measured")
        }
        parts.append("its latency change is the model's alone: measured BF16→FP8 inter-token latency went against the prediction "
                     + "at small batches (22–26 % slower at 8 sequences, 10–14 % faster at 32–128, predicted within 2 %; methodology §7)")
        return parts.joined(separator: "; ")
    }

    /// The precision a model lever moves to where the new model is the scenario's own model in
    /// another checkpoint (the same architecture at another default precision: Llama-3.1-70B →
    /// nvidia/Llama-3.1-70B-Instruct-FP8), nil otherwise. Such a lever is a precision change: it
    /// prices as `{"precision": "fp8"}` does and had read the model-lever band instead.
    func checkpointPrecision(_ change: LeverChange, deployments: [NamedDeployment]) -> Precision? {
        guard let id = change.model, let new = try? estimator.models.model(id) else { return nil }
        let olds = deployments.compactMap { try? estimator.models.model($0.request.model) }
        guard !olds.isEmpty, olds.allSatisfy({ Self.sameArchitecture($0, new) && $0.defaultPrecision != new.defaultPrecision }) else { return nil }
        return new.defaultPrecision
    }

    /// The same layers, widths, heads, vocabulary and experts: one model in two checkpoints.
    static func sameArchitecture(_ a: ModelArchitecture, _ b: ModelArchitecture) -> Bool {
        a.layers == b.layers && a.hiddenSize == b.hiddenSize && a.heads == b.heads && a.kvHeads == b.kvHeads
            && a.ffnSize == b.ffnSize && a.vocabSize == b.vocabSize && a.moe == b.moe && a.attention.kind == b.attention.kind
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
    static func otherGPUNotes(lever name: String, base: FleetResult, changed r: FleetResult, gpus: GPUCatalog,
                              range: (saving: Bounds, pairs: LeverValidation.Row)? = nil) -> [String] {
        var notes = [measuredMedianNote(lever: name, base: base, changed: r, gpus: gpus, range: range)].compactMap { $0 }
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
