import KernelPower

/// Scores a table of configurations: one output row per input row, input columns echoed, then
/// result columns named with their units. A row that cannot be scored gets an `error` cell and the
/// other rows are still scored.
public struct PredictTable: Sendable {
    public let header: [String]
    public let rows: [[JSONValue]]
    public let failedRows: Int
    /// Lines of forward and decode-step rows that give output_tokens above 0, which only serve rows read:
    /// a pass is one step, so the count was dropped without a word.
    public var unreadOutputTokenLines: [Int] = []

    /// Result columns of forward and decode-step rows.
    public static let passColumns = [
        "gpu_power_w", "forward_time_ms", "forward_energy_j", "sm_clock_effective_mhz", "power_limited", "launch_bound",
        "duty_tensor", "duty_fp32", "duty_smem", "duty_l2", "duty_hbm", "duty_sm", "duty_link",
        "compute_bound_share", "memory_bound_share", "communication_share", "overhead_share", "idle_share",
        "kernels",
    ]

    /// The columns `score` adds to each row. `per_sequence_share` (2026-12-07) goes after the
    /// others, so that a reader by position keeps every column it had.
    public static let resultColumns = passColumns + ServeColumns.names + ["note", "error", "per_sequence_share"]

    /// Refuses a misspelt input column (`PredictRowReader.checkColumns`); result columns and
    /// their `input_` echoes (a re-scored output) are not misspellings.
    public static func checkColumns(_ table: CSVTable) throws {
        try PredictRowReader.checkColumns(table, echoed: resultColumns + resultColumns.map { "input_\($0)" })
    }

    public static func score(_ table: CSVTable, estimator: Estimator) -> PredictTable {
        // Result columns keep their contract names; an input column that has one of those names
        // (a re-scored output file, say) is echoed as `input_<name>`.
        let echoed = table.header.map { resultColumns.contains($0) ? "input_\($0)" : $0 }
        var out: [[JSONValue]] = []
        var failed = 0, unread: [Int] = []
        for row in table.rows {
            // A ragged row echoes the header's columns, so every output row has the same count.
            var values = table.header.indices.map { JSONValue.string($0 < row.fields.count ? row.fields[$0] : "") }
            var result: [String: JSONValue] = [:]
            do {
                if let ragged = table.raggedMessage(row) { throw RaggedRow(description: ragged) }
                let request = try PredictRowReader.read(row, table: table)
                // 0 is what a blank cell reads as, a pass's own count (Workloads/forward-passes.csv
                // gives 0 on each of its 10 rows, and each was flagged): only a count above 0 is unread.
                if request.phase != .serve, request.outputTokens > 0 { unread.append(row.line) }
                result = try score(request, estimator: estimator)
            } catch {
                failed += 1
                result = ["error": .string(Self.message(error, line: row.line) { row.value(table.column($0)) })]
            }
            values += resultColumns.map { result[$0] ?? .null }
            out.append(values)
        }
        return PredictTable(header: echoed + resultColumns, rows: out, failedRows: failed, unreadOutputTokenLines: unread)
    }

    /// A row whose field count is not the header's; `message` puts its line in front.
    struct RaggedRow: Error, CustomStringConvertible { let description: String }

    /// The row's error cell: line, and column where `column(of:cell:)` finds one; `cell` gives
    /// the row's value of a column, nil when blank or absent.
    static func message(_ error: Error, line: Int, cell: (String) -> String? = { _ in nil }) -> String {
        if let e = error as? CellError { return e.description }
        if let c = column(of: error, cell: cell) { return "line \(line), column \(c): \(error)" }
        return "line \(line): \(error)"
    }

    /// The column a deployment's refusal is about, where one cell of the row holds the value
    /// refused: a column left blank held nothing, and a refusal of two cells together (a model
    /// too large for the GPUs, tp × pp beyond the GPUs, pp beside ep) names none.
    static func column(of error: Error, cell: (String) -> String?) -> String? {
        let column: String?
        switch error {
        case let InputError.unknownID(kind, _, _, _): column = kind == "GPU" ? "gpu" : kind == "model" ? "model" : nil
        case DeploymentError.powerCapOutOfRange: column = "power_cap_w"
        case DeploymentError.clockOutOfRange: column = "sm_clock_mhz"
        case DeploymentError.unsupportedPrecision, DeploymentError.expertsOnlyPrecision: column = "precision"
        case let DeploymentError.invalidParallelism(reason), let DeploymentError.invalidShape(reason):
            return parallelismColumn(of: reason, cell: cell) ?? settingColumn(of: reason, cell: cell)
        default: column = nil
        }
        return column.flatMap { cell($0) == nil ? nil : $0 }
    }

    /// The column of a refusal that opens with the tp, ep or pp refused ("tp 3 does not divide
    /// the 32 attention heads", "ep 8 exceeds gpus 4") when the row's cell holds that number. A
    /// blank tp with no pp stood for the row's gpus, which then holds it; "tp 2 × pp 4" is two cells.
    /// A refusal that opens with the GPU count whose default tp failed ("gpus 3 sets tp 3 (tp
    /// defaults to the GPU count), and …") is the gpus cell's.
    static func parallelismColumn(of reason: String, cell: (String) -> String?) -> String? {
        let words = reason.split(separator: " ", maxSplits: 3).map(String.init)
        guard words.count == 4, ["tp", "ep", "pp", "gpus"].contains(words[0]), let refused = Int(words[1]), words[2] != "×" else { return nil }
        func holds(_ c: String) -> Bool { cell(c).flatMap { Int($0) } == refused }
        if holds(words[0]) { return words[0] }
        let tpIsGPUs = words[0] == "tp" && cell("tp") == nil && (cell("pp").flatMap { Int($0) } ?? 1) == 1
        return tpIsGPUs && holds("gpus") ? "gpus" : nil
    }

    /// Opening words of the refusals of one other setting, and the column that holds it
    /// (`Deployment.softwareProblem`, `ModelArchitecture.setSSMStatePrecision`,
    /// `Estimator.deployment`, `PhasePlanner`). The refusals carry their text only, so the words
    /// are matched; `everyRefusalOfOneCellNamesItsColumn` holds a row for each.
    static let settingRefusals: [(opening: String, column: String)] = [
        ("no serving engine modelled here caches keys and values", "kv_precision"), ("an FP32 KV cache ", "kv_precision"),
        ("an NVFP4 KV cache ", "kv_precision"), ("an SSM state precision applies ", "ssm_state_precision"),
        ("SSM state precision ", "ssm_state_precision"), ("attention ", "attention"), ("FlashAttention-2 (--attention flash) ", "attention"),
        ("TensorRT-LLM runs on NVIDIA GPUs only", "framework"), ("the hf framework ", "framework"),
    ]

    static func settingColumn(of reason: String, cell: (String) -> String?) -> String? {
        settingRefusals.first { reason.hasPrefix($0.opening) && cell($0.column) != nil }?.column
    }

    static func score(_ r: PredictRequest, estimator: Estimator) throws -> [String: JSONValue] {
        // No context here: `message` puts the line in front of every error of the row once.
        let d = try estimator.deployment(r.deployment)
        // `batch` is the deployment's, as in serve rows and `kernels`: each data-parallel replica
        // (attention rank) runs its share. Read per replica, a 2-replica row of batch 64 was
        // priced as 128 sequences while its energy column counts every GPU.
        let ranks = d.attentionRanks, perRank = ServingEstimator.perRank(r.batch, ranks: ranks)
        let split = ServingEstimator.replicaSplitNote(r.batch, perRank: perRank, ranks: ranks)
        // A pass's caveats are the deployment's own (dequantized weights, a clock below those
        // measured); the published serving runs' are about serving throughput.
        let caveats = QueryEstimate.deploymentCaveats(d, serving: false)
        switch r.phase {
        case .forward:
            return passValues(try estimator.forwardPass(d, phase: .prefill(batch: perRank, tokens: r.inputTokens), lmHead: r.lmHead), d,
                              notes: [d.contextNote(tokens: r.inputTokens), d.activationNote(sequences: perRank, tokens: r.inputTokens), split] + caveats)
        case .decodeStep:
            return passValues(try estimator.forwardPass(d, phase: .decode(batch: perRank, context: r.inputTokens), lmHead: r.lmHead), d,
                              notes: [d.contextNote(tokens: r.inputTokens), kvNote(d, batch: r.batch, context: r.inputTokens), split] + caveats)
        case .serve:
            return try ServeColumns.values(estimator: estimator, deployment: d, request: r)
        }
    }

    /// A note when a decode step's KV cache (batch × context, in vLLM's 16-token pages, beside the
    /// weights and the activations of the engine's step budget) does not fit: the step is costed
    /// as asked, not shrunk. The reserve is the engine's, as `estimate` sizes it (vLLM profiles
    /// its activations at `max_num_batched_tokens` whatever a step carries): sized at the batch,
    /// the note had left 59.6 GB for the KV cache where `estimate` said 58.5 (Llama-3.1-8B, H100).
    static func kvNote(_ d: Deployment, batch: Int, context: Int, tokenBudget: Int? = nil,
                       memoryUtilization: Double? = nil) -> String? {
        let request = ServingRequest(batch: batch, inputTokens: context, outputTokens: 1,
                                     tokenBudget: tokenBudget ?? ServingRequest.defaultTokenBudget(for: d),
                                     memoryUtilization: memoryUtilization ?? d.memoryUtilization, batching: .staticBatch)
        do {
            let budget = try KVCacheBudget(deployment: d, request: request, prefill: false)
            guard batch > budget.maxBatch else { return nil }
            return "the KV cache of \(batch) sequences at \(context) tokens does not fit: it holds \(budget.maxBatch) on "
                + "\(d.gpuCount) × \(d.gpu.id); costed as asked"
        } catch {
            return "\(error); costed as asked"
        }
    }

    static func passValues(_ e: PassEstimate, _ d: Deployment, notes: [String?] = []) -> [String: JSONValue] {
        let duty = e.dutyCycles
        var v: [String: JSONValue] = [
            "gpu_power_w": .num(e.averagePower.watts),
            "forward_time_ms": .num(e.time.milliseconds),
            "forward_energy_j": .num(e.energy.joules * Double(d.gpuCount)),
            "sm_clock_effective_mhz": .num(e.clock.megahertz),
            "power_limited": .bool(e.powerLimited),
            "launch_bound": .bool(e.isLaunchBound),
            "kernels": .num(Double(e.kernelCount)),
            "idle_share": .num(e.idleShare),
        ]
        for (name, x) in zip(["duty_tensor", "duty_fp32", "duty_smem", "duty_l2", "duty_hbm", "duty_sm", "duty_link"], duty.values) {
            v[name] = .num(x)
        }
        // per_sequence_share: decode attention's fitted per-sequence time where it outlasts the KV
        // stream, no HBM traffic; it had been in memory_bound_share (0.92 with HBM 30 % busy).
        for (bound, column) in [(Bound.compute, "compute_bound_share"), (.communication, "communication_share"), (.overhead, "overhead_share"),
                                (.perSequence, "per_sequence_share")] {
            v[column] = .num(e.timeShare[bound] ?? 0)
        }
        // The column's contract predates the L2 bound: bandwidth-bound time, HBM or L2.
        v["memory_bound_share"] = .num((e.timeShare[.memory] ?? 0) + (e.timeShare[.l2] ?? 0))
        let said = notes.compactMap { $0 }
        if !said.isEmpty { v["note"] = .str(said.joined(separator: "; ")) }
        return v
    }
}

/// Result columns of serve rows: steady-state serving at the row's batch (issue 3's contract).
public enum ServeColumns {
    public static let names = ["joules_per_output_token", "output_tokens_per_s", "itl_ms", "ttft_ms", "effective_batch",
                               "node_power_w", "wh_per_query_gpu", "wh_per_query_node", "prefill_share",
                               "wh_per_query_gpu_low", "wh_per_query_gpu_high"]

    static func values(estimator: Estimator, deployment d: Deployment, request r: PredictRequest) throws -> [String: JSONValue] {
        let serving = ServingRequest(batch: r.batch, inputTokens: r.inputTokens, outputTokens: r.outputTokens,
                                     tokenBudget: ServingRequest.defaultTokenBudget(for: d))
        let q = try QueryEstimate(estimator: estimator, deployment: d, request: serving, settings: try LedgerSettings())
        let s = q.serving
        var v: [String: JSONValue] = [
            "gpu_power_w": .num(s.gpuPower.watts),
            "joules_per_output_token": .num(s.energyPerOutputToken.joules),
            "output_tokens_per_s": .num(s.outputTokensPerSecond),
            // Null (an empty CSV cell) for a one-token answer, as `estimate` writes it: its token
            // comes from the step that ends the prompt, and no interval follows.
            "itl_ms": .optionalNumber(q.interTokenMilliseconds(s.interTokenLatency)),
            "ttft_ms": .num(s.timeToFirstToken.milliseconds),
            "effective_batch": .num(Double(s.effectiveBatch)),
            "node_power_w": .num(q.ledger.nodePower.watts),
            "wh_per_query_gpu": .num(q.ledger.total(at: .gpu).wattHours),
            "wh_per_query_node": .num(q.ledger.total(at: .node).wattHours),
            "prefill_share": .num(s.prefillShare),
            "power_limited": .bool(s.powerLimited),
        ]
        // The estimator's measured error on this GPU (`QueryRange`); absent under another calibration.
        if let range = q.range {
            v["wh_per_query_gpu_low"] = .num(range.low[.gpu] ?? 0)
            v["wh_per_query_gpu_high"] = .num(range.high[.gpu] ?? 0)
        }
        // What `estimate` says qualifies these figures (a locked clock's decode saving as an upper
        // bound, the range's runs at default settings): an sm_clock_mhz 1500 row had an empty note.
        let notes = s.notes + q.caveats
        if !notes.isEmpty { v["note"] = .str(notes.joined(separator: "; ")) }
        return v
    }
}
