import Foundation
import KernelPower

/// Reads and validates a workload file: strict keys, ranges, references between deployments and
/// classes, shares that sum to 1, and distributions with sane parameters. This file reads the
/// workload and its scenarios (mixes among them); a kernel scenario's deployments, classes and
/// levers are read in WorkloadReader+Kernel.swift, a throughput table in WorkloadReader+Tables.swift.
public enum WorkloadReader {
    /// Reads the workload at `path`; its model and GPU ids are checked against `models` and `gpus`
    /// (the bundled catalogs, or those a user's catalog files extend).
    public static func read(path: String, dataDirectory: String?, models: ModelCatalog = .bundled,
                            gpus: GPUCatalog = .bundled) throws -> Workload {
        try read(try InputFile.data(path, expected: "a workload JSON file"), file: path, dataDirectory: dataDirectory, models: models, gpus: gpus)
    }

    public static func read(_ data: Data, file: String, dataDirectory: String?, models: ModelCatalog = .bundled,
                            gpus: GPUCatalog = .bundled) throws -> Workload {
        var top = try JSONObjectReader(try JSONFileKind.workload.parse(data, file: file), file: file, path: "").knowing(workloadKeys)
        _ = try top.schemaVersion(highest: Workload.highestSchemaVersion)
        let description = try top.string("description")
        let samples = try top.optionalInt("samples", 1...10_000_000, expected: "a sample count from 1 to 10000000") ?? 10_000
        let seed = try top.optionalInt("seed", 0...Int(Int32.max), expected: "a non-negative whole number") ?? 42
        let items = try top.array("scenarios")
        var ctx = Context(file: file, dataDirectory: dataDirectory, models: models, gpus: gpus)
        let emissions = try top.optionalObject("emissions").map { try ctx.emissions(try knowingEmissions($0, scenario: false), path: "emissions") } ?? EmissionsSettings()
        ctx.workloadEmissions = emissions
        try top.finish()
        guard !items.isEmpty else { throw InputError.invalidValue(file: file, field: "scenarios", value: "[]", expected: "at least one scenario") }
        let scenarios = try items.enumerated().map { i, v in try ctx.scenario(v, path: "scenarios[\(i)]") }
        try ctx.requireUnique(scenarios.map(\.name), path: { "scenarios[\($0)].name" }, kind: "scenario")
        try checkReferences(scenarios, file: file, emissions: emissions)
        try EmissionsSettings.checkPriceCurrency(workload: emissions, scenarios: scenarios, file: file)
        try EmissionsSettings.checkContractualFactor(workload: emissions, scenarios: scenarios, file: file)
        var w = Workload(description: description, samples: samples, seed: UInt64(seed), scenarios: scenarios, emissions: emissions,
                         fingerprint: ToolVersion.fnv1a64(data), inputs: ctx.inputs.files)
        w.emissionsTwins = emissionsTwins(items, scenarios)
        return w
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
        /// The data files read, fingerprinted (a reference, so that a reader that does not
        /// mutate the context, the emissions settings', can record its CSV too).
        let inputs = InputLog()
    }

    /// The data files a workload read, each once, in the order first read.
    final class InputLog {
        private(set) var files: [WorkloadInput] = []
        func record(role: String, name: String, full: String, base: WorkloadInput.Base) {
            guard !files.contains(where: { $0.path == name && $0.base == (name.hasPrefix("/") ? .absolute : base) }),
                  let f = WorkloadInput.read(role: role, name: name, full: full, base: base) else { return }
            files.append(f)
        }
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
        var o = try WorkloadReader.knowingScenarioKind(JSONObjectReader(v, file: file, path: path))
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
        var accounting = try o.optionalObject("emissions").map {
            try emissions(try WorkloadReader.knowingEmissions($0, scenario: true), path: "\(path).emissions", base: workloadEmissions)
        }
        let givenPUE = try o.raw("pue").map { try distribution($0, path: "\(path).pue", range: LedgerSettings.pueRange) }
        // A cloud region's operator stands in for an unnamed provider only where the scenario sets no pue either.
        if givenPUE != nil, (accounting ?? workloadEmissions).providerFromRegion { accounting = (accounting ?? workloadEmissions).withoutRegionOperator() }
        if kind == "mix", let given = givenPUE {
            // A mix is priced from its components' draws, each at its own scenario's PUE.
            throw InputError.invalidValue(file: file, field: "\(path).pue", value: given.summary,
                                          expected: "no pue on a mix scenario: each component scenario's own pue applies; set it there")
        }
        let peakPUE = try self.peakPUE(&o, path: path, kind: kind, pue: givenPUE)
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
        // Against the PUE the scenario runs at, given or not: an operator's 1.14 or the industry's
        // 1.54 had let a peakPUE of 1.05 through, lowering the peak MW below the year's mean.
        if let peak = peakPUE, peak < s.pue.mean {
            let source = givenPUE != nil ? "pue" : providerPUE != nil ? "operator's published PUE" : "default PUE"
            throw InputError.invalidValue(file: file, field: "\(path).peakPUE", value: formatNumber(peak),
                                          expected: "at least the scenario's \(source), \(formatNumber(s.pue.mean, significant: 3)) on average: the hot hours' PUE is the year's highest")
        }
        s.peakPUE = peakPUE
        s.queriesPerDayIsDefault = perDayIsDefault
        return s
    }

    /// A kernel scenario's `peakPUE` (nil where not given): a number from 1 to the PUE range's
    /// top (the scenario's own PUE, given or not, is checked against it once resolved). A mix or
    /// throughput table has no provisioned fleet whose MW it would take, so it is refused there.
    func peakPUE(_ o: inout JSONObjectReader, path: String, kind: String, pue: Distribution?) throws -> Double? {
        let range = LedgerSettings.pueRange
        guard let peak = try o.optionalDouble("peakPUE", range, expected: "the PUE of the hot hours, from \(formatNumber(range.lowerBound)) to "
                                                  + "\(formatNumber(range.upperBound))") else { return nil }
        guard kind == "kernel" else {
            throw InputError.invalidValue(file: file, field: "\(path).peakPUE", value: formatNumber(peak),
                                          expected: "no peakPUE on a \(kind) scenario: it takes a kernel fleet's peak facility MW, which a \(kind) has none of")
        }
        return peak
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

    mutating func mix(_ o: inout JSONObjectReader, path: String) throws -> MixScenario {
        let comps = try o.array("mix").enumerated().map { i, v -> (String, Double, Distribution?) in
            var c = try JSONObjectReader(v, file: file, path: "\(path).mix[\(i)]").knowing(WorkloadReader.mixComponentKeys)
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
