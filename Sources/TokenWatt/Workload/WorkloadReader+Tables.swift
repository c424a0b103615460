import KernelPower

/// A throughput-table scenario: measured node power and throughput per model, blended.
extension WorkloadReader.Context {
    mutating func throughputTable(_ o: inout JSONObjectReader, path: String) throws -> ThroughputScenario {
        var t = try o.object("throughputTable").knowing(WorkloadReader.throughputTableKeys)
        let models = try t.array("models").enumerated().map { i, v -> (String, Double) in
            var m = try JSONObjectReader(v, file: file, path: "\(path).throughputTable.models[\(i)]").knowing(WorkloadReader.throughputModelKeys)
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
}
