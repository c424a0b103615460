import KernelPower

extension Diagnosis {
    /// The diagnosis for tools (`tokenwatt diagnose --format json`): the estimate, where each
    /// phase's time goes, the decode step's kernels, the KV finding and every nearby configuration
    /// with its explanation and how well changes of its kind were predicted where measured.
    public func json() -> JSONValue {
        let d = base.deployment, s = base.serving
        func shares(_ list: [(String, Double)]) -> JSONValue { .obj(list.map { ($0.0, .num($0.1)) }) }
        let step = decodeKernels.breakdown.pass
        let kernels: [JSONValue] = decodeKernels.breakdown.totalsByKernel.map { k in
            .obj([("kernel", .str(k.kernel)), ("ms", .num(k.time.seconds * 1000)), ("energyShare", .num(k.energy / step.energy)),
                  ("watts", .num(k.power.watts))])
        }
        let setup: [(String, JSONValue)] = [
            ("model", .str(d.model.id)), ("gpu", .str(d.gpu.id)), ("gpus", .num(Double(d.gpuCount))), ("precision", .str(d.precision.rawValue)),
            ("framework", .str(d.framework.rawValue)), ("batch", .num(Double(s.requestedBatch))), ("effectiveBatch", .num(Double(s.effectiveBatch))),
            ("inputTokens", .num(Double(base.request.inputTokens))), ("outputTokens", .num(Double(base.request.outputTokens))),
        ]
        let figures: [(String, JSONValue)] = [
            ("gpuWhPerQuery", .num(base.ledger.total(at: .gpu).wattHours)), ("prefillShare", .num(s.prefillShare)),
            // Null for a one-token answer, as in `estimate`'s JSON.
            ("itlMs", .optionalNumber(base.interTokenMilliseconds(s.interTokenLatency))), ("ttftMs", .num(s.timeToFirstToken.seconds * 1000)),
            ("wattsPerGPU", .num(s.gpuPower.watts)),
        ]
        let time: [(String, JSONValue)] = [
            ("prefillPass", .str(KernelListing.words(prefillPhase))), ("decodePass", .str(KernelListing.words(decodePhase))),
            ("prefillTimeShares", shares(prefillShares)), ("decodeTimeShares", shares(decodeShares)), ("energyShares", shares(energyShares)),
            ("decodeKernels", .array(kernels)),
            // Kernels above the cap or TDP on their own, in `kernels`' words; null where none are.
            ("decodeKernelsNote", aboveLimitNote.map(JSONValue.str) ?? .null), ("kvCache", .str(kvFinding)),
        ]
        // The levers it ran with, as `estimate`'s JSON carries them (cap, clock, KV precision...).
        // `estimate`'s assumptions and caveats, under its JSON's key.
        return .obj(setup + figures + time + [("settings", base.settingsJSON), ("alternatives", .array(alternatives.map(Self.json))),
                                              ("assumptions", .array(notes.map(JSONValue.str)))])
    }

    static func json(_ a: Alternative) -> JSONValue {
        let possible = a.stepMs > 0
        var pairs: [(String, JSONValue)] = [("change", .str(a.change)), ("possible", .bool(possible))]
        if possible {
            pairs += [("gpuWhPerQuery", .num(a.gpuWhPerQuery)), ("itlMs", .optionalNumber(a.itlMs)), ("effectiveBatch", .num(Double(a.effectiveBatch))),
                      ("wattsPerGPU", .num(a.wattsPerGPU))]
        }
        pairs.append(("explanation", .str(a.explanation)))
        if let m = a.measured {
            pairs.append(("measured", .obj([("pairs", .num(Double(m.pairs))), ("mape", .num(m.mape)), ("errorP5", .num(m.errorP5)),
                                            ("errorP95", .num(m.errorP95)), ("sameDirection", .optionalNumber(m.sameDirection)),
                                            ("measuredOn", FleetRendering.gpuWords(m).map(JSONValue.str) ?? .null)])))
        }
        return .obj(pairs)
    }
}
