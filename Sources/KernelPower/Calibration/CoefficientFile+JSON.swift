import Foundation

/// JSON form of the calibration file. Numbers are written with 17 significant digits so that a
/// file round-trips exactly and a re-run of the calibration reproduces it byte for byte.
extension CoefficientFile {
    public func json() -> String {
        JSONWriter(significant: 17).write(jsonValue())
    }

    func jsonValue() -> JSONValue {
        .obj([
            ("schemaVersion", .num(1)),
            ("generatedBy", .str(generatedBy)),
            ("provenance", .str(provenance)),
            ("capHoldFraction", .num(capHoldFraction)),
            ("gpus", .obj(fitted.map { ($0.gpuID, Self.fittedValue($0)) })),
        ])
    }

    static func fittedValue(_ f: FittedGPU) -> JSONValue {
        var pairs = fittedPairs(f)
        if let cv = f.crossValidation {
            pairs.append(("crossValidation", .obj([("powerMAPE", .num(cv.powerMAPE)), ("groups", .num(Double(cv.groups)))])))
        }
        if !f.idlePoints.isEmpty {
            pairs.append(("idlePower", .array(f.idlePoints.map { .array([.num($0.clockMHz), .num($0.watts)]) })))
        }
        return .obj(pairs)
    }

    static func fittedPairs(_ f: FittedGPU) -> [(String, JSONValue)] {
        [
            ("provenance", .str(f.set.provenance)),
            ("power", .obj(zip(PowerFeature.allCases, f.set.power.vector).map { ("\($0.0.rawValue)Joules", .num($0.1)) })),
            ("timeModel", timeModelValue(f.set.timeModel)),
            ("hosts", .obj(f.set.hosts.sorted { $0.key < $1.key }.map { key, h in
                (key, .obj([("launchMicroseconds", .num(h.launchTime.microseconds)),
                            ("passOverheadMicroseconds", .num(h.passOverhead.microseconds)),
                            ("perSequenceOverheadMicroseconds", .num(h.perSequenceOverhead.microseconds))]))
            })),
            ("fit", .obj([("rows", .num(Double(f.summary.rows))), ("powerMAPE", .num(f.summary.powerMAPE)),
                          ("energyMAPE", .num(f.summary.energyMAPE)), ("timeMAPE", .num(f.summary.timeMAPE))])),
            ("residuals", .array(f.residuals.map { r in
                .obj([("row", .str(r.label)), ("measuredW", .num(r.measuredPowerWatts)), ("predictedW", .num(r.predictedPowerWatts)),
                      ("measuredS", .num(r.measuredTimeSeconds)), ("predictedS", .num(r.predictedTimeSeconds))])
            })),
        ]
    }

    static func timeModelValue(_ t: TimeModel) -> JSONValue {
        .obj([("tensorEfficiency", .num(t.tensorEfficiency)), ("cudaCoreEfficiency", .num(t.cudaCoreEfficiency)),
              ("attentionEfficiency", .num(t.attentionEfficiency)), ("memoryEfficiency", .num(t.memoryEfficiency)),
              ("linkEfficiency", .num(t.linkEfficiency)), ("kernelOverheadMicroseconds", .num(t.kernelOverhead.microseconds)),
              ("collectiveLatencyMicroseconds", .num(t.collectiveLatency.microseconds)),
              ("l2BytesPerCycle", .num(t.l2BytesPerCycle)),
              ("sharedMemoryBytesPerCyclePerSM", .num(t.sharedMemoryBytesPerCyclePerSM)),
              ("specialFunctionsPerCyclePerSM", .num(t.specialFunctionsPerCyclePerSM)),
              ("streamBytesPerCyclePerSM", .num(t.streamBytesPerCyclePerSM)),
              ("groupedGEMMEfficiency", .num(t.groupedGEMMEfficiency)),
              ("groupedMemoryEfficiency", .num(t.groupedMemoryEfficiency)),
              ("blockFP8GroupedMemoryEfficiency", .num(t.blockFP8GroupedMemoryEfficiency)),
              ("decodeAttentionEfficiency", .num(t.decodeAttentionEfficiency)),
              ("decodeSequenceBytes", .num(t.decodeSequenceBytes)),
              ("decodeQueryHeadBytes", .num(t.decodeQueryHeadBytes))])
    }

    static func read(_ data: Data, file: String) throws -> CoefficientFile {
        var top = try JSONObjectReader(try JSONFileKind.calibration.parse(data, file: file), file: file, path: "")
        _ = try top.schemaVersion(highest: highestSchemaVersion)
        let generatedBy = try top.optionalString("generatedBy") ?? builtinCommand
        let provenance = try top.optionalString("provenance") ?? ""
        let hold = try top.double("capHoldFraction", 0.5...1, expected: "a fraction between 0.5 and 1")
        var gpus = try top.object("gpus")
        var fitted: [FittedGPU] = []
        for id in gpus.keys {
            fitted.append(try readFitted(try gpus.object(id), gpuID: id))
        }
        try gpus.finish()
        try top.finish()
        // With no GPU at all every estimate priced the GPUs at idle power (−75 %) with exit 0.
        guard !fitted.isEmpty else {
            throw InputError.invalidValue(file: file, field: "gpus", value: "{}", expected: "the coefficients of at least one GPU")
        }
        return CoefficientFile(capHoldFraction: hold, fitted: fitted, provenance: provenance, generatedBy: generatedBy)
    }

    static func readFitted(_ r: JSONObjectReader, gpuID: String) throws -> FittedGPU {
        var o = r
        let provenance = try o.optionalString("provenance") ?? ""
        var p = try o.object("power")
        let power = PowerCoefficients(vector: try PowerFeature.allCases.map {
            try p.double("\($0.rawValue)Joules", 0...1e-3, expected: "joules per operation (0 to 1e-3)")
        })
        try p.finish()
        let tm = try readTimeModel(try o.object("timeModel"))
        var hosts: [String: HostModel] = [:]
        if var h = try o.optionalObject("hosts") {
            for key in h.keys {
                var hr = try h.object(key)
                hosts[key] = HostModel(launchTime: .microseconds(try hr.double("launchMicroseconds", 0...1e6, expected: "microseconds")),
                                       passOverhead: .microseconds(try hr.double("passOverheadMicroseconds", 0...1e9, expected: "microseconds")),
                                       perSequenceOverhead: .microseconds(try hr.optionalDouble("perSequenceOverheadMicroseconds", 0...1e6, expected: "microseconds") ?? 0))
                try hr.finish()
            }
            try h.finish()
        }
        var fit = try o.optionalObject("fit")
        let summary = FitSummary(rows: try fit?.optionalInt("rows") ?? 0, powerMAPE: try fit?.optionalDouble("powerMAPE") ?? 0,
                                 energyMAPE: try fit?.optionalDouble("energyMAPE") ?? 0, timeMAPE: try fit?.optionalDouble("timeMAPE") ?? 0)
        try fit?.finish()
        var residuals: [FitResidual] = []
        for (i, v) in (try o.optionalArray("residuals") ?? []).enumerated() {
            var rr = try JSONObjectReader(v, file: o.file, path: "\(o.path).residuals[\(i)]")
            residuals.append(FitResidual(label: try rr.string("row"), measuredPowerWatts: try rr.double("measuredW"),
                                         predictedPowerWatts: try rr.double("predictedW"), measuredTimeSeconds: try rr.double("measuredS"),
                                         predictedTimeSeconds: try rr.double("predictedS")))
            try rr.finish()
        }
        var cv: (powerMAPE: Double, groups: Int)?
        if var c = try o.optionalObject("crossValidation") {
            cv = (try c.double("powerMAPE", 0...100, expected: "a fraction"), try c.int("groups", 1...1_000_000))
            try c.finish()
        }
        var idle: [FittedGPU.IdlePoint] = []
        for (i, v) in (try o.optionalArray("idlePower") ?? []).enumerated() {
            guard case let .array(pair) = v, pair.count == 2, case let .number(mhz) = pair[0], case let .number(w) = pair[1],
                  mhz > 0, w > 0 else {
                throw InputError.invalidValue(file: o.file, field: "\(o.path).idlePower[\(i)]", value: v.shortDescription, expected: "[MHz, watts]")
            }
            idle.append(FittedGPU.IdlePoint(clockMHz: mhz, watts: w))
        }
        try o.finish()
        return FittedGPU(gpuID: gpuID, set: CoefficientSet(power: power, timeModel: tm, hosts: hosts, provenance: provenance),
                         summary: summary, residuals: residuals, crossValidation: cv, idlePoints: idle)
    }

    static func readTimeModel(_ r: JSONObjectReader) throws -> TimeModel {
        var t = r
        // Files written before 2026-12-05 kept the per-sequence decode time in µs of the fitted GPU.
        for legacy in ["decodeSequenceMicroseconds", "decodeQueryHeadMicroseconds"] where t.has(legacy) {
            throw InputError.invalidValue(file: t.file, field: t.fieldPath(legacy), value: "\(t.raw(legacy)?.shortDescription ?? "null") µs",
                                          expected: "decodeSequenceBytes and decodeQueryHeadBytes (the per-sequence decode time is now "
                                              + "stored as bytes read at the paged bandwidth): re-run `tokenwatt calibrate` on the same rows")
        }
        let frac = 0.01...1.0
        let m = TimeModel(
            tensorEfficiency: try t.double("tensorEfficiency", frac, expected: "a fraction"),
            cudaCoreEfficiency: try t.double("cudaCoreEfficiency", frac, expected: "a fraction"),
            attentionEfficiency: try t.double("attentionEfficiency", frac, expected: "a fraction"),
            memoryEfficiency: try t.double("memoryEfficiency", frac, expected: "a fraction"),
            linkEfficiency: try t.double("linkEfficiency", frac, expected: "a fraction"),
            kernelOverhead: .microseconds(try t.double("kernelOverheadMicroseconds", 0...1e4, expected: "microseconds")),
            collectiveLatency: .microseconds(try t.double("collectiveLatencyMicroseconds", 0...1e5, expected: "microseconds")),
            l2BytesPerCycle: try t.double("l2BytesPerCycle", 1...1e6, expected: "bytes per cycle"),
            sharedMemoryBytesPerCyclePerSM: try t.double("sharedMemoryBytesPerCyclePerSM", 1...1e5, expected: "bytes per cycle"),
            specialFunctionsPerCyclePerSM: try t.double("specialFunctionsPerCyclePerSM", 1...1e5, expected: "results per cycle"),
            streamBytesPerCyclePerSM: try t.optionalDouble("streamBytesPerCyclePerSM", 1...1e5, expected: "bytes per cycle") ?? 32,
            groupedGEMMEfficiency: try t.optionalDouble("groupedGEMMEfficiency", frac, expected: "a fraction") ?? 1,
            groupedMemoryEfficiency: try t.optionalDouble("groupedMemoryEfficiency", frac, expected: "a fraction") ?? 1,
            blockFP8GroupedMemoryEfficiency: try t.optionalDouble("blockFP8GroupedMemoryEfficiency", frac, expected: "a fraction") ?? 1,
            decodeAttentionEfficiency: try t.optionalDouble("decodeAttentionEfficiency", frac, expected: "a fraction") ?? 1,
            decodeSequenceBytes: try t.optionalDouble("decodeSequenceBytes", 0...1e10, expected: "bytes") ?? 0,
            decodeQueryHeadBytes: try t.optionalDouble("decodeQueryHeadBytes", 0...1e10, expected: "bytes") ?? 0)
        try t.finish()
        return m
    }
}

