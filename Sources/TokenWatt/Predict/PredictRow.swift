import KernelPower

/// What a `predict` row asks for.
public enum PredictPhase: String, Sendable, CaseIterable {
    /// One prefill pass of `batch` sequences of `input_tokens`.
    case forward
    /// One decode step of `batch` sequences at context `input_tokens`.
    case decodeStep = "decode-step"
    /// Steady-state serving (continuous batching) of requests of input/output tokens.
    case serve
}

/// A parsed `predict` input row.
public struct PredictRequest: Sendable {
    public var deployment: DeploymentRequest
    public var phase: PredictPhase
    public var batch: Int
    public var inputTokens: Int
    public var outputTokens: Int
    public var lmHead: Bool
}

/// A CSV cell error: which line and column, what was found, what was expected.
public struct CellError: Error, CustomStringConvertible, Sendable {
    public let line: Int
    public let column: String
    public let message: String
    /// The file, when the error leaves the table it was found in.
    public var file: String?
    public init(line: Int, column: String, message: String, file: String? = nil) {
        self.line = line; self.column = column; self.message = message; self.file = file
    }
    public var description: String { "\(file.map { "\($0): " } ?? "")line \(line), column \(column): \(message.escapingControlCharacters)" }
}

/// Reads `predict` rows. Columns are the contract of `tokenwatt predict` (issue 2): `model`, `gpu`,
/// `gpus`, `tp`, `ep`, `precision`, `phase`, `batch`, `input_tokens`, `output_tokens`, and the
/// optional `sm_clock_mhz`, `power_cap_w`, `framework`, `attention`, `lm_head`, `host_launch_us`,
/// `kv_precision`, `ssm_state_precision`, `sampling`.
public enum PredictRowReader {
    public static let knownColumns = ["model", "gpu", "gpus", "tp", "ep", "precision", "kv_precision", "phase", "batch",
                                      "input_tokens", "output_tokens", "sm_clock_mhz", "power_cap_w", "framework",
                                      "attention", "lm_head", "host_launch_us", "sampling", "ssm_state_precision", "pp"]

    /// Refuses a header column that is a near miss of a known column the header lacks
    /// (`phse`, `power_cap`, `precison`, `batchsize`): it was ignored, and the row priced at the
    /// default, with exit 0. Other columns (an `id`, a re-scored file's results) are carried
    /// through unread; an `x_` prefix carries one that looks like a typo.
    /// - Parameters:
    ///   - extra: columns the caller reads besides the predict contract (calibrate's measured ones).
    ///   - echoed: columns the caller writes itself (predict's results), never suggested.
    public static func checkColumns(_ table: CSVTable, extra: [String] = [], echoed: [String] = []) throws {
        let known = knownColumns + extra
        for column in table.header where !known.contains(column) && !echoed.contains(column) && !column.hasPrefix("x_") {
            let missing = known.filter { !table.header.contains($0) }
            if let meant = synonym(column), missing.contains(meant) {
                throw InputError.syntax(file: table.file, line: 1, message: "unknown column '\(column)'; predict reads that setting from column "
                    + "'\(meant)' (rename it to \(meant), or prefix it with x_ to carry it through unread)")
            }
            guard let near = nearMiss(column, among: missing) else { continue }
            // 'Model' for 'model' is no typo to the eye: say why it is unknown.
            let caseOnly = column.lowercased() == near.lowercased() ? " Column names are case-sensitive." : ""
            throw InputError.syntax(file: table.file, line: 1, message: "unknown column '\(column)'; did you mean '\(near)'?\(caseOnly) "
                + "(known columns: \(known.joined(separator: ", ")); rename it, or prefix it with x_ to carry it through unread)")
        }
    }

    /// Names other tools give the settings predict reads (vLLM's engine arguments, benchmark
    /// logs): such a column was carried through unread and its row priced at the default, with
    /// exit 0, and edit distance cannot see that `tensor_parallel_size` means `tp`.
    static let synonyms: [String: String] = [
        "tensor_parallel_size": "tp", "tensor_parallel": "tp", "tensor_parallelism": "tp", "tp_size": "tp", "tp_degree": "tp",
        "pipeline_parallel_size": "pp", "pipeline_parallel": "pp", "pipeline_parallelism": "pp", "pp_size": "pp",
        "expert_parallel_size": "ep", "expert_parallel": "ep", "expert_parallelism": "ep", "ep_size": "ep",
        "gpu_count": "gpus", "gpu_num": "gpus", "num_gpus": "gpus", "n_gpus": "gpus", "ngpus": "gpus", "world_size": "gpus",
        "dtype": "precision", "quantization": "precision", "quant": "precision", "weight_dtype": "precision", "weights_precision": "precision",
        "kv_cache_dtype": "kv_precision", "kv_dtype": "kv_precision", "kv_cache_precision": "kv_precision",
        "mamba_ssm_cache_dtype": "ssm_state_precision", "ssm_cache_dtype": "ssm_state_precision",
        "power_limit_w": "power_cap_w", "power_limit": "power_cap_w", "power_limit_watts": "power_cap_w", "power_cap_watts": "power_cap_w",
        "sm_clock": "sm_clock_mhz", "clock_mhz": "sm_clock_mhz", "gpu_clock_mhz": "sm_clock_mhz", "graphics_clock_mhz": "sm_clock_mhz",
        "input_len": "input_tokens", "input_length": "input_tokens", "prompt_len": "input_tokens", "prompt_tokens": "input_tokens",
        "output_len": "output_tokens", "output_length": "output_tokens", "max_tokens": "output_tokens", "completion_tokens": "output_tokens",
        "batch_size": "batch", "bs": "batch",
        "model_name": "model", "model_id": "model", "gpu_type": "gpu", "gpu_name": "gpu", "gpu_model": "gpu",
        "attention_backend": "attention",
    ]

    /// The column `column` names under another tool's name (case, `-` for `_` and a leading
    /// `--` aside, as a flag copied from a command line has them), or nil.
    static func synonym(_ column: String) -> String? {
        var key = column.lowercased().replacingOccurrences(of: "-", with: "_")
        while key.hasPrefix("_") { key.removeFirst() }
        return synonyms[key]
    }

    /// The known column `column` is most likely a misspelling of: one or two edits for a name
    /// of 8 characters or more, one below that, or a name it contains or is contained in
    /// (`batchsize`, `measured_time`). Looser than that, `id` would be taken for `tp`.
    static func nearMiss(_ column: String, among known: [String]) -> String? {
        let c = column.lowercased()
        let scored = known.map { k -> (String, Int) in
            let lk = k.lowercased()
            let contains = min(lk.count, c.count) >= 3 && (lk.contains(c) || c.contains(lk))
            return (k, contains ? 0 : Suggestions.editDistance(c, lk))
        }
        let limit = c.count >= 8 ? 2 : 1
        return scored.filter { $0.1 <= limit }.min { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }?.0
    }

    public static func read(_ row: CSVTable.Row, table: CSVTable) throws -> PredictRequest {
        let cells = Cells(row: row, table: table)
        let phase = try cells.choice("phase", PredictPhase.self) ?? .forward
        var d = DeploymentRequest(model: try cells.required("model"), gpu: try cells.required("gpu"))
        d.gpus = try cells.int("gpus", 1...4096)
        d.tensorParallel = try cells.int("tp", 1...4096)
        d.expertParallel = try cells.int("ep", 1...4096)
        d.pipelineParallel = try cells.int("pp", 1...4096)
        d.precision = try cells.precision("precision")
        d.kvPrecision = try cells.precision("kv_precision", offered: Precision.kvCacheFormats)
        d.ssmStatePrecision = try cells.choice("ssm_state_precision", Precision.self)
        d.framework = try cells.choice("framework", Framework.self) ?? .vllm
        d.attention = try cells.choice("attention", AttentionImplementation.self)
        d.smClockMHz = try cells.double("sm_clock_mhz", 1...10_000)
        d.powerCapWatts = try cells.double("power_cap_w", 1...100_000)
        d.hostLaunchMicroseconds = try cells.double("host_launch_us", 0...1_000_000)
        d.sampling = try cells.choice("sampling", Sampling.self)
        let batch = try cells.int("batch", 1...1_000_000) ?? 1
        let input = try cells.int("input_tokens", 1...10_000_000)
        let output = try cells.int("output_tokens", 0...10_000_000)
        guard let inputTokens = input else {
            throw CellError(line: row.line, column: "input_tokens", message: "missing; expected a whole number of tokens ≥ 1")
        }
        if phase == .serve && (output ?? 0) < 1 {
            throw CellError(line: row.line, column: "output_tokens", message: "serve rows need output_tokens ≥ 1")
        }
        let lmHead = try cells.bool("lm_head") ?? true
        // Every serving step samples a token, so it runs the LM head: false was priced as true.
        if phase == .serve && !lmHead {
            throw CellError(line: row.line, column: "lm_head", message: "false on a serve row; every serving step ends with the LM head "
                            + "(each step samples a token), so lm_head applies to forward and decode-step rows only")
        }
        return PredictRequest(deployment: d, phase: phase, batch: batch, inputTokens: inputTokens,
                              outputTokens: output ?? 0, lmHead: lmHead)
    }

    /// Typed access to one row's cells.
    struct Cells {
        let row: CSVTable.Row
        let table: CSVTable

        func raw(_ c: String) -> String? { row.value(table.column(c)) }

        func required(_ c: String) throws -> String {
            guard let v = raw(c) else { throw CellError(line: row.line, column: c, message: "missing; this column is required") }
            return v
        }

        func int(_ c: String, _ range: ClosedRange<Int>) throws -> Int? {
            guard let v = raw(c) else { return nil }
            guard let i = Int(v), range.contains(i) else {
                throw CellError(line: row.line, column: c, message: "value '\(v)'; expected a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            return i
        }

        /// `unit` follows the range in the message, so a value in the wrong unit says which is meant.
        func double(_ c: String, _ range: ClosedRange<Double>, unit: String? = nil) throws -> Double? {
            guard let v = raw(c) else { return nil }
            guard let x = Double(decimal: v), range.contains(x) else {
                throw CellError(line: row.line, column: c,
                                message: "value '\(v)'; expected a number from \(formatNumber(range.lowerBound)) to \(formatNumber(range.upperBound))"
                                    + (unit.map { " \($0)" } ?? ""))
            }
            return x
        }

        func bool(_ c: String) throws -> Bool? {
            guard let v = raw(c)?.lowercased() else { return nil }
            switch v {
            case "true", "1", "yes": return true
            case "false", "0", "no": return false
            default: throw CellError(line: row.line, column: c, message: "value '\(v)'; expected true or false")
            }
        }

        func choice<T: RawRepresentable & CaseIterable>(_ c: String, _: T.Type) throws -> T? where T.RawValue == String {
            guard let v = raw(c) else { return nil }
            guard let t = T(rawValue: v.lowercased()) else {
                let options = T.allCases.map(\.rawValue)
                let near = Suggestions.closest(to: v, among: options, limit: 1)
                throw CellError(line: row.line, column: c,
                                message: "value '\(v)'; expected one of \(options.joined(separator: ", "))" + (near.isEmpty ? "" : " (did you mean '\(near[0])'?)"))
            }
            return t
        }

        /// A precision among `offered` (an unknown name lists only those, and "fp4" suggests both
        /// 4-bit float formats); a known one outside them is left for the deployment to refuse with its reason.
        func precision(_ c: String, offered: [Precision] = Precision.allCases) throws -> Precision? {
            guard let v = raw(c) else { return nil }
            guard let p = Precision(rawValue: v.lowercased()) else {
                let near = Precision.suggestions(for: v, among: offered).map { "'\($0)'" }
                throw CellError(line: row.line, column: c,
                                message: "value '\(v)'; expected one of \(offered.map(\.rawValue).joined(separator: ", "))"
                                    + (near.isEmpty ? "" : " (did you mean \(near.joined(separator: " or "))?)"))
            }
            return p
        }
    }
}
