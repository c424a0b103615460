import KernelPower

/// The keys each object of the workload schema has, refused up front when one is not among
/// them. `JSONObjectReader.finish()` names the nearest known key of an unknown one, but only once
/// every field has been read: a misspelt required key never got there, so `"gpuz": "h100-sxm"`
/// in a deployment was answered "missing field '….gpu'", naming neither the key written nor the
/// one meant. Checked first, every object says "unknown key 'gpuz' (did you mean 'gpu'?)".
/// A list names every key of the object whatever its kind (a kernel, throughput-table or mix
/// scenario; a strategy's kind); `finish()` still refuses a key that the object's kind does not read.
/// A key a reader comes to take must be added to its list here, or files that give it are refused.
extension WorkloadReader {
    static let workloadKeys = ["schemaVersion", "description", "samples", "seed", "scenarios", "emissions"]
    static let scenarioKeys = ["name", "kind", "description", "boundary", "queriesPerDay", "sameDrawsAs", "emissions", "pue", "peakPUE",
                               "deployments", "classes", "diurnal", "uncertain", "levers", "headroom", "throughputTable", "mix"]
    static let deploymentKeys = ["name", "model", "gpu", "gpus", "tp", "pp", "ep", "precision", "kvPrecision", "ssmStatePrecision",
                                 "framework", "powerCapWatts", "smClockMHz", "sampling", "maxBatch", "tokenBudget"]
    static let classKeys = ["name", "share", "deployment", "input", "output", "strategy", "prefixCacheHit"]
    static let strategyKeys = ["kind", "factor", "n", "beams", "rounds", "calls", "toolTokens"]
    static let strategyKinds = ["single", "long-reasoning", "best-of-n", "self-consistency", "beam-search", "sequential-revision", "agent-loop"]
    /// The keys of each strategy kind besides `kind` (`WorkloadReader.Context.strategy` reads
    /// them): a key of another kind is refused with this kind's list (`knowingStrategyKind`).
    static let strategyKindKeys: [String: [String]] = ["single": [], "long-reasoning": ["factor"], "best-of-n": ["n", "factor"],
                                   "self-consistency": ["n", "factor"], "beam-search": ["beams"], "sequential-revision": ["rounds"],
                                   "agent-loop": ["calls", "toolTokens"]]
    static let leverKeys = ["name", "divisor", "precision", "kvPrecision", "gpu", "gpus", "tp", "ep", "model", "maxBatch", "prefixCacheHit",
                            "powerCapWatts", "smClockMHz", "disaggregated", "framework", "sampling", "speculative"]
    static let speculativeKeys = ["draftTokens", "acceptance", "draftCostRatio"]
    static let uncertainKeys = ["gpuEnergyScale", "hostPowerScale"]
    static let mixComponentKeys = ["scenario", "share", "divisor"]
    /// The keys a mix scenario takes (`pue` and `peakPUE` are refused there with their own
    /// reasons). Checked against every kind's keys, a mix's `classes` or `headroom` had been
    /// "unknown" beside a list of allowed keys that named `pue` and `peakPUE`, then refused.
    static let mixScenarioKeys = ["name", "kind", "description", "boundary", "queriesPerDay", "sameDrawsAs", "emissions", "mix"]
    /// The scenario keys that belong to one other kind, with that kind: named where a mix is given one.
    static let otherKindKeys = ["deployments": "kernel", "classes": "kernel", "diurnal": "kernel", "uncertain": "kernel",
                                "levers": "kernel", "headroom": "kernel", "throughputTable": "throughput-table"]
    static let throughputTableKeys = ["file", "quantization", "inputTokens", "models", "output", "roundOutput", "powerUtilization",
                                      "samplesPerModel", "blendTop", "blendTrims", "fleetOverhead"]
    static let throughputModelKeys = ["name", "nodePowerKW"]
    static let emissionsKeys = ["region", "hourlyIntensity", "contractualShare", "contractualGramsPerKWh", "contractualInstrument",
                                "residualMixGramsPerKWh", "provider", "wueLitresPerKWh", "waterLitresPerKWh", "embodied", "gpuLifetimeYears",
                                "nodeLifetimeYears", "reportingPeriodDays", "pricePerKWh", "currency"]
    static let hourlyIntensityKeys = ["values", "file", "column"]
    /// What each `emissions` key holds, for the error that refuses an explicit null.
    static let emissionsStringKeys: Set = ["region", "provider", "contractualInstrument", "currency"]
    /// A distribution's parameters, by its kind.
    static let distributionKeys = ["exponential": ["median"], "lognormal": ["p5", "p95"], "uniform": ["low", "high"],
                                   "histogram": ["edges", "weights"], "trace": ["file", "column"]]
}

extension JSONObjectReader {
    /// This object, once no key of it is outside `schema`: an unknown key is refused before any
    /// field is read, with the nearest key of `schema` (`InputError.keyHint`).
    func knowing(_ schema: [String]) throws -> JSONObjectReader {
        let unknown = keys.filter { !schema.contains($0) }
        guard unknown.isEmpty else { throw InputError.unknownKeys(file: file, field: path, keys: unknown, allowed: schema.sorted()) }
        return self
    }
}

extension WorkloadReader {
    /// A strategy object, once no key of it is outside its kind's (`strategyKindKeys`). Checked
    /// against every kind's keys, an agent loop with a bad key had listed "beams, calls, factor,
    /// kind, n, rounds, toolTokens", then refused the `factor` it suggested; and a long-reasoning
    /// strategy given `calls` had been told only that `factor` was missing. A kind that is
    /// missing or not a strategy's is left to the `kind` field's own error, after the keys of
    /// every kind are checked (so that a misspelt `kind` is named).
    static func knowingStrategyKind(_ r: JSONObjectReader) throws -> JSONObjectReader {
        var probe = r
        guard case let .string(kind)? = probe.raw("kind"), let keys = strategyKindKeys[kind] else { return try r.knowing(strategyKeys) }
        return try r.knowing(["kind"] + keys)
    }
}

extension WorkloadReader {
    /// A scenario object, once no key of it is outside its kind's: a mix is checked against
    /// `mixScenarioKeys`, and a key of another kind is named with the kind it belongs to. Other
    /// kinds (and a missing or misspelt `kind`, left to the `kind` field's own error) are checked
    /// against every scenario key, `finish()` refusing what the kind does not read.
    static func knowingScenarioKind(_ r: JSONObjectReader) throws -> JSONObjectReader {
        var probe = r
        guard case .string("mix")? = probe.raw("kind") else { return try r.knowing(scenarioKeys) }
        let taken = mixScenarioKeys + ["pue", "peakPUE"]
        for key in r.keys where !taken.contains(key) {
            guard let owner = otherKindKeys[key] else { continue }
            throw InputError.invalidValue(file: r.file, field: r.fieldPath(key), value: "on a mix scenario",
                                          expected: "no \(key) on a mix: '\(key)' belongs to \(owner) scenarios (a mix's parts carry their own); "
                                              + "a mix takes \(mixScenarioKeys.joined(separator: ", "))")
        }
        let unknown = r.keys.filter { !taken.contains($0) }
        guard unknown.isEmpty else { throw InputError.unknownKeys(file: r.file, field: r.path, keys: unknown, allowed: mixScenarioKeys.sorted()) }
        return r
    }

    /// An `emissions` object, once no key of it is outside `emissionsKeys` and none is an explicit
    /// null. `JSONObjectReader` reads a null as absent, so `"provider": null` or `"region": null`
    /// on a scenario had silently kept the workload's value, which a user writing null to clear
    /// it does not expect; README's emissions table gives no meaning to null, so it is refused.
    /// - Parameter scenario: whether the object is a scenario's (whose omitted keys inherit the
    ///   workload's) or the workload's own (whose omitted keys take the defaults).
    static func knowingEmissions(_ r: JSONObjectReader, scenario: Bool) throws -> JSONObjectReader {
        let checked = try r.knowing(emissionsKeys)
        for key in r.keys {
            var probe = r
            guard probe.raw(key) == nil else { continue }  // present, and read as absent: a null
            let kind = emissionsStringKeys.contains(key) ? "a string" : key == "embodied" ? "true or false"
                : key == "hourlyIntensity" ? "an object" : "a number"
            throw InputError.invalidValue(file: r.file, field: r.fieldPath(key), value: "null",
                                          expected: "\(kind); omit the key to " + (scenario ? "inherit the workload's" : "take the default"))
        }
        return checked
    }
}
