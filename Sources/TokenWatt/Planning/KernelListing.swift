import KernelPower

/// The kernels of one pass of a deployment as `estimate` prices it (`tokenwatt kernels`): each
/// kernel's time, bound, power and duty cycles, and the idle gaps, adding up to the pass.
public struct KernelListing: Sendable {
    /// Which of the passes a serving estimate is built from.
    public enum Pass: String, CaseIterable, Sendable {
        /// The decode step at the mean context of the in-flight sequences.
        case decode
        /// The pass that carries a prompt's first tokens: under continuous batching the step that
        /// takes its first chunk beside the decodes; under static batching the batch's prefill.
        case prefill
    }

    public let deployment: Deployment
    public let pass: Pass
    public let phase: Phase
    /// The pipeline stage listed (0-based) and the microbatches a pass is split into (1 without pp).
    public let stage: Int
    public let microbatches: Int
    public let breakdown: PassBreakdown
    public let notes: [String]

    /// Lists `pass` of `serving` on `deployment`. The batch is the one the serving estimate runs
    /// (the KV cache or the step's token budget may hold it below the requested one); `context`
    /// overrides the decode context; `stage` (0-based) picks a pipeline stage. `estimate` is the
    /// serving estimate of `r` on `d` where the caller has it already.
    public init(estimator: Estimator, deployment d: Deployment, serving r: ServingRequest, pass: Pass,
                context: Int? = nil, stage: Int = 0, estimate: ServingEstimate? = nil) throws {
        guard (0..<d.pipelineParallel).contains(stage) else {
            throw DeploymentError.invalidShape("stage \(stage + 1) does not exist: the pipeline has \(d.pipelineParallel) stage(s)")
        }
        let serving = try estimate ?? estimator.serve(d, r)
        var phase = Self.phase(pass, deployment: d, serving: r, estimate: serving, context: context)
        var notes = serving.notes
        if let note = try QueryEstimate.clockCaveat(estimator, d, r, serving) { notes.append(note) }  // estimate's: a decode saving beyond the measured 32 %
        // estimate's caveats of the deployment: a decoder priced alone, another checkpoint precision,
        // dequantized weights, the published runs' measured gaps, a clock or cap beyond those measured.
        notes += QueryEstimate.deploymentCaveats(d)
        if context != nil, pass == .prefill { notes.append("--context applies to the decode step; the prefill step decodes at the mean context") }
        if let c = context, pass == .decode, case let .decode(b, _) = phase {
            // The notes predict gives the same decode step: a context past the window, or a KV
            // cache that cannot exist (32 × 1e8 tokens was priced with nothing said).
            notes += [d.contextNote(tokens: c), PredictTable.kvNote(d, batch: b, context: c, tokenBudget: r.tokenBudget,
                                                                 memoryUtilization: r.memoryUtilization)].compactMap { $0 }
        }
        let planner = PhasePlanner(deployment: d)
        var microbatchCount = 1
        if d.pipelineParallel > 1 {
            let parts = Estimator.microbatches(of: phase, count: d.pipelineParallel)
            phase = parts[0]
            microbatchCount = parts.count
            notes.append("stage \(stage + 1) of \(d.pipelineParallel): one microbatch of the \(parts.count) a pipeline cycle runs")
        }
        microbatches = microbatchCount
        let runner = Estimator.stageEstimator(estimator.passEstimator(for: d), stage: stage)
        breakdown = runner.breakdown(try planner.program(for: phase, stage: d.pipelineParallel > 1 ? stage : nil),
                                     clock: d.lockedClock, powerCap: d.powerCap)
        if let note = Self.aboveBoardNote(breakdown, d) { notes.append(note) }
        self.deployment = d
        self.pass = pass
        self.phase = phase
        self.stage = stage
        self.notes = notes
    }

    /// The phase `pass` prices for `r` on `d` whose serving estimate is `serving`, whole (a
    /// pipeline splits it into microbatches after): one attention rank's share of the batch that
    /// runs, and `context` (nil: the mean) for the decode step.
    public static func phase(_ pass: Pass, deployment d: Deployment, serving r: ServingRequest, estimate serving: ServingEstimate,
                             context: Int? = nil) -> Phase {
        let local = max(1, serving.effectiveBatch / d.attentionRanks)
        switch (pass, r.isStatic(on: d.framework)) {
        case (.decode, _):
            // The mean context of the in-flight sequences, I + (O + 1)/2; a static batch's steps
            // are integrated around the same midpoint.
            return .decode(batch: local, context: context ?? ContinuousPlan(request: r, local: local).context)
        case (.prefill, true):
            return .prefill(batch: local, tokens: r.inputTokens)
        case (.prefill, false):
            return ContinuousPlan(request: r, local: local).chunks[0].high
        }
    }

    /// Kernels whose own draw is above the board's limit: the limiter holds the pass's mean,
    /// averaged over far longer than a kernel, so such a kernel runs at the pass's clock in the
    /// model, but its watts are not a draw the board sustains (B300 FP8 GEMMs listed at ~1.9 kW
    /// on a 1,100 W part), and its share of the energy leans its way.
    static func aboveBoardNote(_ b: PassBreakdown, _ d: Deployment) -> String? {
        let limit = (d.powerCap ?? d.gpu.tdp).watts
        let over = b.kernels.filter { $0.power.watts > limit * 1.001 }
        guard let top = over.max(by: { $0.power.watts < $1.power.watts }) else { return nil }
        return "\(kernelsDraw(over.count)) more than the \(formatNumber(limit)) W limit on \(over.count == 1 ? "its" : "their") own "
            + "(\(top.kernel) \(formatNumber(top.power.watts, significant: 4)) W): the limiter holds the pass's mean power, not each kernel's, "
            + "so these watts are the model's energy per operation over the kernel's time, not a draw the board sustains"
    }

    /// "1 kernel draws", "6 kernels draw": the note had read "1 kernel draw more … on their own".
    static func kernelsDraw(_ n: Int) -> String { "\(formatCount(n, "kernel")) \(n == 1 ? "draws" : "draw")" }
}

// MARK: - Rendering

extension KernelListing {
    public static let csvHeader = ["block", "kernel", "launches", "us_each", "ms_total", "time_share", "bound", "clock_mhz",
                                   "watts", "joules_total", "energy_share", "duty_tensor", "duty_fp32", "duty_smem", "duty_l2",
                                   "duty_hbm", "duty_sm", "duty_link", "shape", "fitted_us", "precision", "kv_precision"]

    /// One row per kernel, then one `idle` row for the gaps, to the text table's digits; the rows
    /// add up to the pass.
    public var rows: [[String]] { rows(significant: nil) }

    /// The rows with every number to `significant` digits (nil: the text table's 3 or 4). The
    /// CSV and JSON take 6, as `estimate` and `sweep` write (at 3 the shares do not add up to 1).
    public func rows(significant digits: Int?) -> [[String]] {
        func n(_ x: Double, _ display: Int) -> String { formatNumber(x, significant: digits ?? display) }
        let p = breakdown.pass
        let kernels = breakdown.kernels.map { k -> [String] in
            [k.block, k.kernel, String(k.launches), n(k.time.seconds * 1e6, 4),
             n(k.totalTime.seconds * 1e3, 4), n(k.totalTime / p.time, 3),
             k.bound.rawValue + (k.throttled ? " (capped)" : ""), n(k.clock.megahertz, 4),
             n(k.power.watts, 4), n(k.totalEnergy.joules, 4),
             n(k.totalEnergy / p.energy, 3)]
                + k.dutyCycles.values.map { n($0, 3) } + [k.shape, n(k.fittedTime.seconds * 1e6, 4)]
        }
        let gap = breakdown.gapTime
        let idle = ["idle", "gaps", "", "", n(gap.seconds * 1e3, 4), n(gap / p.time, 3),
                    "host", n(p.clock.megahertz, 4),
                    n(gap.seconds > 0 ? p.gapEnergy.joules / gap.seconds : 0, 4),
                    n(p.gapEnergy.joules, 4), n(p.gapEnergy / p.energy, 3)]
            + Array(repeating: "0", count: DutyCycles.columns.count) + ["host work and launch gaps", "0"]
        return kernels + [idle]
    }

    public func csv() -> String {
        let formats = [deployment.precision.rawValue, deployment.kvPrecision.rawValue]
        return ([CSVWriter.line(Self.csvHeader)] + rows(significant: 6).map { CSVWriter.line($0 + formats) }).joined(separator: "\n") + "\n"
    }

    public func json() -> JSONValue {
        let p = breakdown.pass
        let numeric: Set<String> = Set(Self.csvHeader).subtracting(["block", "kernel", "bound", "shape", "precision", "kv_precision"])
        // The rows' keys stop at the kernel's own columns: the formats are the run's, in `setup`.
        let kernels: [JSONValue] = rows(significant: 6).map { row in
            .obj(zip(Self.csvHeader, row).map { key, cell in
                (key, numeric.contains(key) ? (Double(cell).map(JSONValue.num) ?? .null) : .str(cell))
            })
        }
        let d = deployment
        let setup: [(String, JSONValue)] = [
            ("model", .str(d.model.id)), ("gpu", .str(d.gpu.id)), ("gpus", .num(Double(d.gpuCount))),
            ("precision", .str(d.precision.rawValue)), ("kvPrecision", .str(d.kvPrecision.rawValue)),
            ("framework", .str(d.framework.rawValue)), ("pass", .str(pass.rawValue)), ("phase", .str(phaseWords)),
        ]
        let totals: [(String, JSONValue)] = [
            ("passMs", .num(p.time.seconds * 1e3)), ("passJoules", .num(p.energy.joules)), ("gpuWatts", .num(p.averagePower.watts)),
            ("clockMHz", .num(p.clock.megahertz)), ("powerLimited", .bool(p.powerLimited)),
        ]
        return .obj(setup + totals + [("kernels", .array(kernels)), ("notes", .array(notes.map(JSONValue.str)))])
    }

    /// The pass in words: "decode step of 64 sequences at 4,608 tokens of context".
    public var phaseWords: String { Self.words(phase) }

    /// A phase in words, as `phaseWords` gives it.
    public static func words(_ phase: Phase) -> String {
        switch phase {
        case let .decode(b, c): return "decode step of \(b) sequence\(b == 1 ? "" : "s") at \(c) tokens of context"
        case let .prefill(b, t, _): return "prefill of \(b) prompt\(b == 1 ? "" : "s") of \(t) tokens"
        case let .mixed(b, c, t, past, g):
            return "step of \(b) decodes at \(c) tokens of context carrying \(g) prompt chunk(s) of \(t) tokens (after \(past))"
        }
    }

    public func text() -> String {
        let d = deployment, p = breakdown.pass
        var s = "TokenWatt kernels — \(d.model.id) on \(d.gpuCount) × \(d.gpu.id), \(d.precisionWords), \(d.framework.rawValue): \(phaseWords)\n\n"
        s += "pass \(formatNumber(p.time.seconds * 1e3, significant: 4)) ms at \(formatNumber(p.clock.megahertz, significant: 4)) MHz"
            + (p.powerLimited ? " (held by the power cap)" : "")
            + ", \(formatNumber(p.averagePower.watts, significant: 4)) W and \(formatNumber(p.energy.joules, significant: 4)) J per GPU; "
            + "kernels busy \(formatNumber(p.busyTime.seconds * 1e3, significant: 4)) ms, idle \(formatNumber(breakdown.gapTime.seconds * 1e3, significant: 4)) ms "
            + "(launch gaps and the host's per-step work, at idle power)\n\n"
        let header = ["block", "kernel", "runs", "µs each", "ms", "time", "bound", "W", "J", "energy"]
            + DutyCycles.columns.map { "\($0) %" } + ["shape"]
        let body = rows.map { r -> [String] in
            let pct = { (cell: String) in Double(cell).map { formatPercent($0, decimals: 0) } ?? cell }
            let duty = 11..<(11 + DutyCycles.columns.count)
            return [r[0], r[1], r[2], r[3], r[4], pct(r[5]), r[6], r[8], r[9], pct(r[10])]
                + r[duty].map { Double($0).map { formatFixed($0 * 100, decimals: 0) } ?? $0 } + [r[duty.upperBound]]
        }
        s += FleetRendering.table(header, body)
        s += "\nduty: each unit's busy fraction of its peak rate over the kernel (tensor at the 16-bit rate, sm = SMs switched on);\n"
            + "smem is counted for energy (operands land once and are read about twice), not as a time limit, so it can pass 100 %\n"
        s += fittedNote
        s += notes.map { "note: \($0)\n" }.joined()
        return s
    }

    /// What of the decode attention kernel's time is the fitted per-sequence decode time, so that
    /// the row can be held against a profiler's trace of the kernel alone. The text table has no
    /// `fitted_us` column (the CSV and JSON do), so the note names where it is: it had pointed the
    /// reader of the text to "column fitted_us", which the table does not show.
    var fittedNote: String {
        guard let k = breakdown.kernels.first(where: { $0.fittedTime.seconds > 0 }) else { return "" }
        let us = { (t: Time) in formatNumber(t.seconds * 1e6, significant: 3) }
        return "\(k.kernel): \(us(k.fittedTime)) of its \(us(k.time)) µs per launch is the per-sequence decode time the fit carries "
            + "(work the measured steps need and no kernel names, methodology §3), not its KV stream (fitted_us in the CSV and JSON)\n"
    }
}
