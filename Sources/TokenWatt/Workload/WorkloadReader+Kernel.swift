import KernelPower

/// A kernel scenario's parts: its deployments, query classes and their strategies, and its levers.
extension WorkloadReader.Context {
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
        var unc = try o.optionalObject("uncertain")?.knowing(WorkloadReader.uncertainKeys)
        let gpuScale = try unc?.raw("gpuEnergyScale").map { try distribution($0, path: "\(path).uncertain.gpuEnergyScale", range: 0.01...100) } ?? .fixed(1)
        let hostScale = try unc?.raw("hostPowerScale").map { try distribution($0, path: "\(path).uncertain.hostPowerScale", range: 0...100) } ?? .fixed(1)
        try unc?.finish()
        let levers = try (try o.optionalArray("levers") ?? []).enumerated().map { i, v in try lever(v, path: "\(path).levers[\(i)]") }
        // Reports and charts find a lever by its name.
        // Named by index, as a class or deployment given twice is: "levers[].name" had said
        // neither which lever nor where the first is.
        try requireUnique(levers.map(\.name), path: { "\(path).levers[\($0)].name" }, kind: "lever")
        return KernelScenario(deployments: deployments, classes: classes, diurnal: diurnal.map { $0 / sum },
                              headroom: try o.optionalDouble("headroom", 0...10, expected: "a fraction from 0 to 10") ?? 0.2,
                              gpuEnergyScale: gpuScale, hostPowerScale: hostScale, levers: levers)
    }

    func deployment(_ v: JSONValue, path: String) throws -> NamedDeployment {
        var o = try JSONObjectReader(v, file: file, path: path).knowing(WorkloadReader.deploymentKeys)
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
                                tokenBudget: try o.optionalInt("tokenBudget", 1...10_000_000, expected: "tokens per step"))
        try o.finish()
        try checkParallelism(r, path: path)
        try checkTokenBudget(d, path: path)
        return d
    }

    /// Refuses a step budget below the batch limit, as vLLM does: `SchedulerConfig._verify_args`
    /// (vllm/config/scheduler.py) raises "max_num_batched_tokens (…) must be greater than or
    /// equal to max_num_seqs (…)", a step having to hold at least one token of each decoding
    /// sequence. `"tokenBudget": 8` beside the default 256 sequences had been priced as an engine
    /// vLLM would not start, its mean rising from 0.221 to 4.78 Wh with no word. (Without chunked
    /// prefill vLLM also wants the budget to hold the longest prompt; its V1 engine chunks
    /// prefills by default, and the estimator prices chunked steps, so that rule does not apply.)
    func checkTokenBudget(_ d: NamedDeployment, path: String) throws {
        guard let budget = d.tokenBudget, budget < d.maxBatch else { return }
        throw InputError.invalidValue(file: file, field: "\(path).tokenBudget", value: "\(budget)",
                                      expected: "at least the deployment's maxBatch, \(d.maxBatch) (256 unless given): "
                                          + "a step holds at least one token of each decoding sequence, and vLLM refuses "
                                          + "max_num_batched_tokens below max_num_seqs; raise tokenBudget or lower maxBatch")
    }

    /// Refuses a parallel layout the deployment cannot run, naming the file and the deployment's
    /// field, as a command line's is named by its flags: the refusal had come from the run, as
    /// "scenario chat-service, deployment h100-70b: tp 2 does not divide gpus 3", with no field.
    /// Only the layout is judged here (the calibration the run reads does not change it); every
    /// other refusal of the deployment, such as weights that do not fit, is the run's to make.
    func checkParallelism(_ r: DeploymentRequest, path: String) throws {
        do { _ = try Estimator(gpus: gpus, models: models).deployment(r) } catch let DeploymentError.invalidParallelism(reason) {
            let given = [("gpus", r.gpus), ("tp", r.tensorParallel), ("ep", r.expertParallel), ("pp", r.pipelineParallel)]
                .compactMap { key, value in value.map { "\(key) \($0)" } }
            throw InputError.invalidValue(file: file, field: path, value: given.isEmpty ? "(no gpus, tp, ep or pp)" : given.joined(separator: ", "),
                                          expected: "a parallel layout \(r.model) on \(r.gpu) can run: \(reason)")
        } catch {
            return
        }
    }

    mutating func queryClass(_ v: JSONValue, path: String, deployments: [String]) throws -> QueryClass {
        var o = try JSONObjectReader(v, file: file, path: path).knowing(WorkloadReader.classKeys)
        let dep = try o.string("deployment")
        guard deployments.contains(dep) else {
            throw InputError.unknownID(kind: "deployment", id: dep, suggestions: Suggestions.closest(to: dep, among: deployments),
                                       context: "\(file): \(path).deployment")
        }
        var c = QueryClass(
            name: try nonBlankName(&o, kind: "class"), share: try o.double("share", 0...1, expected: "a traffic share from 0 to 1"), deployment: dep,
            input: try distribution(try required(&o, "input", path), path: "\(path).input", range: 1...10_000_000, tokens: true),
            output: try distribution(try required(&o, "output", path), path: "\(path).output", range: 0...10_000_000, tokens: true),
            strategy: try o.optionalObject("strategy").map { try strategy($0) } ?? .single,
            prefixCacheHit: try o.optionalDouble("prefixCacheHit", 0...1, expected: "a fraction from 0 to 1") ?? 0)
        // The trace files the lengths are drawn from, which the distributions do not keep.
        (c.inputTrace, c.outputTrace) = (o.raw("input").flatMap(TraceColumn.named), o.raw("output").flatMap(TraceColumn.named))
        try o.finish()
        // A draw of 0 output tokens is a prompt that ends at once; a class of nothing but those
        // has no decode to price (it had been sized at "batch 7, a step's budget keeps 7
        // sequences decoding"), so it is refused as an input of 0 is. Draws are rounded to
        // whole tokens (`KernelFleet.tokens`): one of 0.5 or more is a token.
        try requireSomeOutput(c.output, field: "\(path).output", least: 0.5,
                              why: "a class whose every query generates none has no decode to price; draws are rounded to whole tokens")
        return c
    }

    func strategy(_ r: JSONObjectReader) throws -> Strategy {
        var o = try WorkloadReader.knowingStrategyKind(r)
        let kind = try o.string("kind", allowed: WorkloadReader.strategyKinds)
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
        var o = try JSONObjectReader(v, file: file, path: path).knowing(WorkloadReader.leverKeys)
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
        if var s = try o.optionalObject("speculative")?.knowing(WorkloadReader.speculativeKeys) {
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
}
