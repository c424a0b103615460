import Foundation
import KernelPower

/// Reads and validates a workload file: strict keys, ranges, references between deployments and
/// classes, shares that sum to 1, and distributions with sane parameters.
public enum WorkloadReader {
    /// Reads the workload at `path`; its model and GPU ids are checked against `models` and `gpus`
    /// (the bundled catalogs, or those a user's catalog files extend).
    public static func read(path: String, dataDirectory: String?, models: ModelCatalog = .bundled,
                            gpus: GPUCatalog = .bundled) throws -> Workload {
        try read(try InputFile.data(path, expected: "a workload JSON file"), file: path, dataDirectory: dataDirectory, models: models, gpus: gpus)
    }

    public static func read(_ data: Data, file: String, dataDirectory: String?, models: ModelCatalog = .bundled,
                            gpus: GPUCatalog = .bundled) throws -> Workload {
        var top = try JSONObjectReader(try JSONFileKind.workload.parse(data, file: file), file: file, path: "")
        _ = try top.schemaVersion(highest: Workload.highestSchemaVersion)
        let description = try top.string("description")
        let samples = try top.optionalInt("samples", 1...10_000_000, expected: "a sample count from 1 to 10000000") ?? 10_000
        let seed = try top.optionalInt("seed", 0...Int(Int32.max), expected: "a non-negative whole number") ?? 42
        let items = try top.array("scenarios")
        var ctx = Context(file: file, dataDirectory: dataDirectory, models: models, gpus: gpus)
        let emissions = try top.optionalObject("emissions").map { try ctx.emissions($0, path: "emissions") } ?? EmissionsSettings()
        ctx.workloadEmissions = emissions
        try top.finish()
        guard !items.isEmpty else { throw InputError.invalidValue(file: file, field: "scenarios", value: "[]", expected: "at least one scenario") }
        let scenarios = try items.enumerated().map { i, v in try ctx.scenario(v, path: "scenarios[\(i)]") }
        try ctx.requireUnique(scenarios.map(\.name), path: { "scenarios[\($0)].name" }, kind: "scenario")
        try checkReferences(scenarios, file: file, emissions: emissions)
        return Workload(description: description, samples: samples, seed: UInt64(seed), scenarios: scenarios, emissions: emissions)
    }

    static func checkReferences(_ scenarios: [Scenario], file: String, emissions: EmissionsSettings = EmissionsSettings()) throws {
        for (i, s) in scenarios.enumerated() {
            if let other = s.sameDrawsAs, !scenarios[..<i].contains(where: { $0.name == other }) {
                throw InputError.unknownID(kind: "earlier scenario", id: other,
                                           suggestions: Suggestions.closest(to: other, among: scenarios[..<i].map(\.name)),
                                           context: "\(file): scenarios[\(i)].sameDrawsAs")
            }
            guard case let .mix(m) = s.kind else { continue }
            for (j, c) in m.components.enumerated() {
                guard c.scenario != s.name else {
                    throw InputError.invalidValue(file: file, field: "scenarios[\(i)].mix[\(j)].scenario", value: c.scenario,
                                                  expected: "another scenario (a mix cannot contain itself)")
                }
                guard let target = scenarios.firstIndex(where: { $0.name == c.scenario }) else {
                    throw InputError.unknownID(kind: "scenario", id: c.scenario,
                                               suggestions: Suggestions.closest(to: c.scenario, among: scenarios.map(\.name).filter { $0 != s.name }),
                                               context: "\(file): scenarios[\(i)].mix[\(j)]")
                }
                guard target < i else {
                    throw InputError.invalidValue(file: file, field: "scenarios[\(i)].mix[\(j)].scenario", value: c.scenario,
                                                  expected: "a scenario listed before this mix")
                }
                if case .mix = scenarios[target].kind {
                    throw InputError.invalidValue(file: file, field: "scenarios[\(i)].mix[\(j)].scenario", value: c.scenario,
                                                  expected: "a kernel or throughput-table scenario (mixes do not nest)")
                }
                if let why = mixBoundaryMismatch(s, part: scenarios[target]) {
                    throw InputError.invalidValue(file: file, field: "scenarios[\(i)].boundary", value: s.boundary.rawValue, expected: why)
                }
            }
            let parts = m.components.compactMap { c in scenarios.first { $0.name == c.scenario } }
            if let own = s.emissions, let x = mixEmissionsMismatch(own, parts: parts, workload: emissions) {
                throw InputError.invalidValue(file: file, field: "scenarios[\(i)].emissions.\(x.key)", value: own.value(of: x.key),
                                              expected: "\(x.value), as its part \(x.part) has it: a mix's carbon, water and cost are its parts', "
                                                  + "each on its own emissions settings (set \(x.key) on the parts, or leave it off the mix)")
            }
        }
    }

    /// Why a mix cannot report at its boundary with this part, or nil: Wh at different boundaries
    /// do not add up. The fix it names is one the file can make: a throughput table reports at
    /// the facility only, so the mix moves, not the table (the message had asked for a `boundary`
    /// on a table, which was then ignored).
    static func mixBoundaryMismatch(_ mix: Scenario, part: Scenario) -> String? {
        guard part.boundary != mix.boundary else { return nil }
        if case .throughputTable = part.kind {
            return "facility, as its part \(part.name) (a throughput table reports at the facility only): set the mix's \"boundary\" to facility"
        }
        return "\(part.boundary.rawValue), as its part \(part.name) (a mix and its parts report at one boundary): set \"boundary\" on the mix or on its parts"
    }

    /// A key of a mix's own `emissions` object that one of its parts does not share, the part and
    /// its value: the mix's carbon, water and cost are its parts' (each on its own settings), so a
    /// region or price set on the mix alone would stand for figures it does not make. Set where
    /// every part has it, it stands.
    static func mixEmissionsMismatch(_ mix: EmissionsSettings, parts: [Scenario], workload: EmissionsSettings) -> (key: String, part: String, value: String)? {
        for key in EmissionsSettings.partKeys where mix.ownKeys.contains(key) {
            for p in parts {
                let theirs = (p.emissions ?? workload).value(of: key)
                if theirs != mix.value(of: key) { return (key, p.name, theirs) }
            }
        }
        return nil
    }

    /// Per-file state: the data directory (needed only by trace distributions) and loaded traces.
    struct Context {
        let file: String
        let dataDirectory: String?
        let models: ModelCatalog
        let gpus: GPUCatalog
        /// Trace files by path; their cells are checked against each field that reads them.
        var traceTables: [String: CSVTable] = [:]
        /// The workload's `emissions`, which a scenario's own object is merged over.
        var workloadEmissions = EmissionsSettings()
    }
}

extension WorkloadReader.Context {
    /// A name that is not blank: a blank name is a blank first cell in every table ("lever : …"),
    /// and nothing can refer to it.
    func nonBlankName(_ o: inout JSONObjectReader, kind: String) throws -> String {
        try o.nonBlankString("name", expected: "a \(kind) name that is not blank")
    }

    /// Refuses a name given twice, naming the field of the second and where the first is
    /// (`scenarios[0].deployments[1].name`): things are found by name, so a second is unreachable.
    func requireUnique(_ names: [String], path: (Int) -> String, kind: String) throws {
        for (i, n) in names.enumerated() {
            if let j = names.prefix(i).firstIndex(of: n) {
                throw InputError.invalidValue(file: file, field: path(i), value: "'\(n)'",
                                              expected: "a \(kind) name not already used (\(path(j)) has it)")
            }
        }
    }

    mutating func scenario(_ v: JSONValue, path: String) throws -> Scenario {
        var o = try JSONObjectReader(v, file: file, path: path)
        let name = try nonBlankName(&o, kind: "scenario")
        let kind = try o.string("kind", allowed: ["kernel", "throughput-table", "mix"])
        let description = try o.optionalString("description") ?? ""
        let boundary = Boundary(rawValue: try o.optionalString("boundary", allowed: Boundary.allCases.map(\.rawValue)) ?? "facility")!
        if kind == "throughput-table", boundary != .facility {
            // Its Wh are node power × PUE: nothing below the facility to report (a `gpu` was
            // accepted, then printed as facility with nothing said).
            throw InputError.invalidValue(file: file, field: "\(path).boundary", value: boundary.rawValue,
                                          expected: "facility: a throughput table reports at the facility only (node power × PUE, no GPU, node or IT share)")
        }
        let perDay = try queriesPerDay(&o, path: path, mix: kind == "mix")
        let perDayIsDefault = o.raw("queriesPerDay") == nil
        let sameDrawsAs = try o.optionalString("sameDrawsAs")
        let accounting = try o.optionalObject("emissions").map { try emissions($0, path: "\(path).emissions", base: workloadEmissions) }
        let givenPUE = try o.raw("pue").map { try distribution($0, path: "\(path).pue", range: LedgerSettings.pueRange) }
        if kind == "mix", let given = givenPUE {
            // A mix is priced from its components' draws, each at its own scenario's PUE.
            throw InputError.invalidValue(file: file, field: "\(path).pue", value: given.summary,
                                          expected: "no pue on a mix scenario: each component scenario's own pue applies; set it there")
        }
        let k: Scenario.Kind
        switch kind {
        case "kernel": k = .kernel(try kernel(&o, path: path))
        case "throughput-table": k = .throughputTable(try throughputTable(&o, path: path))
        default: k = .mix(try mix(&o, path: path))
        }
        try o.finish()
        // A named operator's published fleet PUE is the default, as its WUE is: a scenario on
        // `amazon` had Amazon's WUE beside the industry's 1.54, 35 % more facility energy than
        // Amazon's own 1.14 gives.
        let provider = kind == "mix" ? nil : (accounting ?? workloadEmissions).provider.flatMap(FacilityCatalog.bundled.provider(named:))
        let providerPUE = givenPUE == nil ? provider?.pue : nil
        var s = Scenario(name: name, description: description, kind: k, boundary: boundary, queriesPerDay: perDay,
                         pue: givenPUE ?? .fixed(providerPUE?.value ?? LedgerSettings.defaultPUE), pueIsDefault: givenPUE == nil,
                         sameDrawsAs: sameDrawsAs, emissions: accounting)
        s.pueProvider = providerPUE == nil ? nil : provider?.id
        s.queriesPerDayIsDefault = perDayIsDefault
        return s
    }

    /// A scenario's traffic, 1e9 queries a day unless given; a mix must give its own, its
    /// components' not being added up (a mix of 1e6-query scenarios had been priced at 1e9).
    func queriesPerDay(_ o: inout JSONObjectReader, path: String, mix: Bool) throws -> Double {
        let expected = "queries per day (0 to 1e15)"
        if let given = try o.optionalDouble("queriesPerDay", 0...1e15, expected: expected) { return given }
        guard !mix else {
            throw InputError.missingField(file: file, field: "\(path).queriesPerDay",
                                          expected: "\(expected); a mix states its own traffic, its components' is not added up")
        }
        return 1e9
    }

    mutating func kernel(_ o: inout JSONObjectReader, path: String) throws -> KernelScenario {
        let deployments = try o.array("deployments").enumerated().map { i, v in try deployment(v, path: "\(path).deployments[\(i)]") }
        guard !deployments.isEmpty else { throw InputError.invalidValue(file: file, field: "\(path).deployments", value: "[]", expected: "at least one deployment") }
        let names = deployments.map(\.name)
        try requireUnique(names, path: { "\(path).deployments[\($0)].name" }, kind: "deployment")
        let classes = try o.array("classes").enumerated().map { i, v in try queryClass(v, path: "\(path).classes[\(i)]", deployments: names) }
        try requireUnique(classes.map(\.name), path: { "\(path).classes[\($0)].name" }, kind: "class")
        guard !classes.isEmpty else {
            throw InputError.invalidValue(file: file, field: "\(path).classes", value: "[]", expected: "at least one query class")
        }
        let total = classes.reduce(0) { $0 + $1.share }
        guard abs(total - 1) < 1e-6 else {
            throw InputError.invalidValue(file: file, field: "\(path).classes[].share", value: formatNumber(total), expected: "shares that sum to 1")
        }
        var diurnal = [Double](repeating: 1, count: 24)
        if let raw = try o.optionalArray("diurnal") {
            guard raw.count == 24 else {
                throw InputError.invalidValue(file: file, field: "\(path).diurnal", value: "\(raw.count) values", expected: "24 hourly values")
            }
            diurnal = try raw.enumerated().map { i, v in
                guard case let .number(x) = v, x >= 0, x.isFinite else {
                    throw InputError.invalidValue(file: file, field: "\(path).diurnal[\(i)]", value: v.shortDescription, expected: "a non-negative number")
                }
                return x
            }
            guard diurnal.reduce(0, +) > 0 else {
                throw InputError.invalidValue(file: file, field: "\(path).diurnal", value: "all zero", expected: "some load in some hour")
            }
        }
        // Rescaled first: 24 weights of 1e308 summed to inf and every hour had become 0.
        diurnal = Distribution.rescaled(diurnal)
        let sum = diurnal.reduce(0, +)
        var unc = try o.optionalObject("uncertain")
        let gpuScale = try unc?.raw("gpuEnergyScale").map { try distribution($0, path: "\(path).uncertain.gpuEnergyScale", range: 0.01...100) } ?? .fixed(1)
        let hostScale = try unc?.raw("hostPowerScale").map { try distribution($0, path: "\(path).uncertain.hostPowerScale", range: 0...100) } ?? .fixed(1)
        try unc?.finish()
        let levers = try (try o.optionalArray("levers") ?? []).enumerated().map { i, v in try lever(v, path: "\(path).levers[\(i)]") }
        // Reports and charts find a lever by its name.
        if let twice = Dictionary(grouping: levers.map(\.name), by: { $0 }).first(where: { $0.value.count > 1 })?.key {
            throw InputError.invalidValue(file: file, field: "\(path).levers[].name", value: twice, expected: "a name no other lever of the scenario has")
        }
        return KernelScenario(deployments: deployments, classes: classes, diurnal: diurnal.map { $0 / sum },
                              headroom: try o.optionalDouble("headroom", 0...10, expected: "a fraction from 0 to 10") ?? 0.2,
                              gpuEnergyScale: gpuScale, hostPowerScale: hostScale, levers: levers)
    }

    func deployment(_ v: JSONValue, path: String) throws -> NamedDeployment {
        var o = try JSONObjectReader(v, file: file, path: path)
        var r = DeploymentRequest(model: try o.string("model"), gpu: try o.string("gpu"))
        // Ids are checked here so that the error names the file and field, not a later run.
        _ = try models.model(r.model, context: "\(file): \(path).model")
        _ = try gpus.gpu(r.gpu, context: "\(file): \(path).gpu")
        r.gpus = try o.optionalInt("gpus", 1...4096, expected: "a GPU count")
        r.tensorParallel = try o.optionalInt("tp", 1...4096, expected: "a tensor-parallel degree")
        r.pipelineParallel = try o.optionalInt("pp", 1...4096, expected: "a pipeline-parallel degree")
        r.expertParallel = try o.optionalInt("ep", 1...4096, expected: "an expert-parallel degree")
        r.precision = try o.optionalChoice("precision", Precision.self)
        r.kvPrecision = try o.optionalChoice("kvPrecision", Precision.self)
        r.ssmStatePrecision = try o.optionalChoice("ssmStatePrecision", Precision.self)
        r.framework = try o.optionalChoice("framework", Framework.self) ?? .vllm
        r.powerCapWatts = try o.optionalDouble("powerCapWatts", 1...100_000, expected: "watts")
        r.smClockMHz = try o.optionalDouble("smClockMHz", 1...10_000, expected: "MHz")
        r.sampling = try o.optionalChoice("sampling", Sampling.self)
        let d = NamedDeployment(name: try nonBlankName(&o, kind: "deployment"), request: r,
                                maxBatch: try o.optionalInt("maxBatch", 1...1_000_000, expected: "a sequence count") ?? 256,
                                tokenBudget: try o.optionalInt("tokenBudget", 1...10_000_000, expected: "tokens per step") ?? 8192)
        try o.finish()
        return d
    }

    mutating func queryClass(_ v: JSONValue, path: String, deployments: [String]) throws -> QueryClass {
        var o = try JSONObjectReader(v, file: file, path: path)
        let dep = try o.string("deployment")
        guard deployments.contains(dep) else {
            throw InputError.unknownID(kind: "deployment", id: dep, suggestions: Suggestions.closest(to: dep, among: deployments),
                                       context: "\(file): \(path).deployment")
        }
        let c = QueryClass(
            name: try nonBlankName(&o, kind: "class"), share: try o.double("share", 0...1, expected: "a traffic share from 0 to 1"), deployment: dep,
            input: try distribution(try required(&o, "input", path), path: "\(path).input", range: 1...10_000_000, tokens: true),
            output: try distribution(try required(&o, "output", path), path: "\(path).output", range: 0...10_000_000, tokens: true),
            strategy: try o.optionalObject("strategy").map { try strategy($0) } ?? .single,
            prefixCacheHit: try o.optionalDouble("prefixCacheHit", 0...1, expected: "a fraction from 0 to 1") ?? 0)
        try o.finish()
        // A draw of 0 output tokens is a prompt that ends at once; a class of nothing but those
        // has no decode to price (it had been sized at "batch 7, a step's budget keeps 7
        // sequences decoding"), so it is refused as an input of 0 is. Draws are rounded to
        // whole tokens (`KernelFleet.tokens`): one of 0.5 or more is a token.
        try requireSomeOutput(c.output, field: "\(path).output", least: 0.5,
                              why: "a class whose every query generates none has no decode to price; draws are rounded to whole tokens")
        return c
    }

    /// Refuses an output distribution none of whose draws reaches `least` (a whole token once
    /// rounded): its queries generate nothing, and a positive mean (an exponential of median
    /// 1e-9) had let them be priced as prompts alone, or at 0 Wh by a throughput table.
    func requireSomeOutput(_ d: Distribution, field: String, least: Double, why: String) throws {
        guard d.mean > 0, d.reaches(least) else {
            throw InputError.invalidValue(file: file, field: field, value: d.summary, expected: "a distribution with some output tokens (\(why))")
        }
    }

    func required(_ o: inout JSONObjectReader, _ key: String, _ path: String) throws -> JSONValue {
        guard let v = o.raw(key) else { throw InputError.missingField(file: file, field: "\(path).\(key)", expected: "a distribution") }
        return v
    }

    func strategy(_ r: JSONObjectReader) throws -> Strategy {
        var o = r
        let kind = try o.string("kind", allowed: ["single", "long-reasoning", "best-of-n", "self-consistency", "beam-search",
                                                  "sequential-revision", "agent-loop"])
        let s: Strategy
        switch kind {
        case "long-reasoning": s = .longReasoning(factor: try o.double("factor", 1...1000, expected: "an output multiplier from 1 to 1000"))
        case "best-of-n", "self-consistency":
            s = .parallelSamples(n: try o.int("n", 1...1024, expected: "samples from 1 to 1024"), kind: kind,
                                 factor: try o.optionalDouble("factor", 1...1000, expected: "an output multiplier from 1 to 1000") ?? 1)
        // Beam search keeps `beams` hypotheses decoding side by side from one prefill and returns one
        // (MLPerf's GPT-J: 4 beams), which costs what `beams` samples sharing the prompt do.
        case "beam-search": s = .parallelSamples(n: try o.int("beams", 1...64, expected: "beams from 1 to 64"), kind: kind, factor: 1)
        case "sequential-revision": s = .sequentialRevision(rounds: try o.int("rounds", 1...1000, expected: "rounds from 1 to 1000"))
        case "agent-loop":
            s = .agentLoop(calls: try o.int("calls", 1...10_000, expected: "calls from 1 to 10000"),
                           toolTokens: try o.int("toolTokens", 0...10_000_000, expected: "tool-output tokens per call"))
        default: s = .single
        }
        try o.finish()
        return s
    }

    mutating func lever(_ v: JSONValue, path: String) throws -> Lever {
        var o = try JSONObjectReader(v, file: file, path: path)
        let name = try nonBlankName(&o, kind: "lever")
        if let d = o.raw("divisor") {
            let lever = Lever(name: name, kind: .divisor(try distribution(d, path: "\(path).divisor", range: 0.01...1000)))
            try o.finish()
            return lever
        }
        var c = LeverChange()
        c.precision = try o.optionalChoice("precision", Precision.self)
        c.kvPrecision = try o.optionalChoice("kvPrecision", Precision.self)
        c.gpu = try o.optionalString("gpu")
        c.gpus = try o.optionalInt("gpus", 1...4096, expected: "a GPU count")
        c.tensorParallel = try o.optionalInt("tp", 1...4096, expected: "a tensor-parallel degree")
        c.expertParallel = try o.optionalInt("ep", 1...4096, expected: "an expert-parallel degree")
        c.model = try o.optionalString("model")
        if let g = c.gpu { _ = try gpus.gpu(g, context: "\(file): \(path).gpu") }
        if let m = c.model { _ = try models.model(m, context: "\(file): \(path).model") }
        c.maxBatch = try o.optionalInt("maxBatch", 1...1_000_000, expected: "a sequence count")
        c.prefixCacheHit = try o.optionalDouble("prefixCacheHit", 0...1, expected: "a fraction")
        c.powerCapWatts = try o.optionalDouble("powerCapWatts", 1...100_000, expected: "watts")
        c.smClockMHz = try o.optionalDouble("smClockMHz", 1...10_000, expected: "MHz")
        c.disaggregated = try o.optionalBool("disaggregated")
        c.framework = try o.optionalChoice("framework", Framework.self)
        c.sampling = try o.optionalChoice("sampling", Sampling.self)
        if var s = try o.optionalObject("speculative") {
            c.speculative = (try s.int("draftTokens", 1...64, expected: "draft tokens per step"),
                             try s.double("acceptance", 0...0.999, expected: "an acceptance rate below 1"),
                             try s.optionalDouble("draftCostRatio", 0...1, expected: "a fraction") ?? 0.05)
            try s.finish()
        }
        try o.finish()
        // A lever that sets nothing is the baseline again, reported as "saves 0 %".
        guard !c.isEmpty else {
            throw InputError.invalidValue(file: file, field: path, value: name,
                                          expected: "a lever that sets one of divisor, precision, kvPrecision, gpu, gpus, tp, ep, model, maxBatch, "
                                              + "prefixCacheHit, powerCapWatts, smClockMHz, disaggregated, framework, sampling, speculative")
        }
        return Lever(name: name, kind: .mechanistic(c))
    }

    mutating func throughputTable(_ o: inout JSONObjectReader, path: String) throws -> ThroughputScenario {
        var t = try o.object("throughputTable")
        let models = try t.array("models").enumerated().map { i, v -> (String, Double) in
            var m = try JSONObjectReader(v, file: file, path: "\(path).throughputTable.models[\(i)]")
            let r = (try m.string("name"), try m.double("nodePowerKW", 0.01...1000, expected: "kilowatts"))
            try m.finish()
            return r
        }
        let trims = try (try t.optionalArray("blendTrims") ?? []).enumerated().map { i, v -> (Double, Double) in
            guard case let .array(p) = v, p.count == 2, case let .number(lo) = p[0], case let .number(hi) = p[1], 0 <= lo, lo < hi, hi <= 1 else {
                throw InputError.invalidValue(file: file, field: "\(path).throughputTable.blendTrims[\(i)]", value: v.shortDescription,
                                              expected: "[low, high] quantiles with 0 ≤ low < high ≤ 1")
            }
            return (lo, hi)
        }
        let s = ThroughputScenario(
            file: try t.string("file"), quantization: try t.optionalString("quantization") ?? "FP8",
            inputTokens: Double(try t.int("inputTokens", 1...10_000_000, expected: "a whole token count")), models: models,
            output: try distribution(try required(&t, "output", "\(path).throughputTable"), path: "\(path).throughputTable.output", range: 0...1e8, tokens: true),
            roundOutput: try t.optionalBool("roundOutput") ?? true,
            powerUtilization: try distribution(try required(&t, "powerUtilization", "\(path).throughputTable"),
                                               path: "\(path).throughputTable.powerUtilization", range: 0.001...2),
            samplesPerModel: try t.optionalInt("samplesPerModel", 100...10_000_000, expected: "samples") ?? 100_000,
            blendTop: try t.optionalInt("blendTop", 1...100, expected: "a model count") ?? 3, blendTrims: trims,
            fleetOverhead: try t.optionalDouble("fleetOverhead", 1...10, expected: "a multiplier ≥ 1") ?? 1,
            field: "\(path).throughputTable")
        let explicitTop = try t.optionalInt("blendTop", 1...100, expected: "a model count")
        try t.finish()
        // A draw below one token is priced at 0 Wh (`ThroughputTableModel.samples`); unrounded
        // draws must reach 1 to be one.
        try requireSomeOutput(s.output, field: "\(path).throughputTable.output", least: s.roundOutput ? 0.5 : 1,
                              why: "a scenario whose every query generates none has no decode to price; "
                                  + (s.roundOutput ? "draws are rounded to whole tokens" : "with roundOutput false a draw below 1 token generates none"))
        guard !models.isEmpty else { throw InputError.invalidValue(file: file, field: "\(path).throughputTable.models", value: "[]", expected: "models") }
        // A model listed twice was blended twice (median 0.309 -> 0.444 Wh), as deployments,
        // classes and levers are not allowed to be.
        for (i, m) in models.enumerated() {
            if let j = models.prefix(i).firstIndex(where: { $0.0 == m.0 }) {
                throw InputError.invalidValue(file: file, field: "\(path).throughputTable.models[\(i)].name", value: "'\(m.0)'",
                                              expected: "a model not already listed (it is models[\(j)])")
            }
        }
        if let top = explicitTop, top > models.count {
            throw InputError.invalidValue(file: file, field: "\(path).throughputTable.blendTop", value: String(top),
                                          expected: "at most \(models.count), the number of models listed")
        }
        return s
    }

    mutating func mix(_ o: inout JSONObjectReader, path: String) throws -> MixScenario {
        let comps = try o.array("mix").enumerated().map { i, v -> (String, Double, Distribution?) in
            var c = try JSONObjectReader(v, file: file, path: "\(path).mix[\(i)]")
            let r = (try c.string("scenario"), try c.double("share", 0...1, expected: "a share"),
                     try c.raw("divisor").map { try distribution($0, path: "\(path).mix[\(i)].divisor", range: 0.01...1000) })
            try c.finish()
            return r
        }
        guard !comps.isEmpty else {
            throw InputError.invalidValue(file: file, field: "\(path).mix", value: "[]", expected: "at least one component scenario")
        }
        guard abs(comps.reduce(0) { $0 + $1.1 } - 1) < 1e-6 else {
            throw InputError.invalidValue(file: file, field: "\(path).mix[].share", value: formatNumber(comps.reduce(0) { $0 + $1.1 }),
                                          expected: "shares that sum to 1")
        }
        // A scenario listed twice is most likely another one mistyped; one entry states its whole share.
        try requireUnique(comps.map(\.0), path: { "\(path).mix[\($0)].scenario" }, kind: "component scenario")
        return MixScenario(components: comps.map { (scenario: $0.0, share: $0.1, divisor: $0.2) })
    }
}
