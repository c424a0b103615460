import Foundation
import KernelPower
import TokenWatt

/// `tokenwatt predict FILE.csv`: one output row per input row.
enum PredictCommand {
    static let usage = """
    tokenwatt predict FILE.csv|- [--format csv|json] [--calibration FILE] [--model-catalog FILE] [--gpu-catalog FILE]
      Input columns: model, gpu, gpus, tp, ep, pp, precision, kv_precision, ssm_state_precision (hybrids' cached
      state), phase (forward|decode-step|serve), batch, input_tokens, output_tokens (serve rows; 0 or blank elsewhere), sm_clock_mhz,
      power_cap_w, framework (\(EstimateCommand.frameworks)), attention (eager|sdpa|flash), lm_head (forward and
      decode-step rows), host_launch_us, sampling (top-p|direct). Other columns are echoed; one that looks like a
      misspelt input column (phse, power_cap) is refused: prefix it with x_ to echo it. Column names are
      case-sensitive. Forward and decode-step rows get gpu_power_w, forward_time_ms, forward_energy_j (all
      GPUs), duties, bound shares and kernels (kernel launches in one GPU's pass); serve rows get the serving
      columns (joules_per_output_token, wh_per_query_gpu, ...). Rows that fail, a ragged row included, get an
      `error` cell (its line, and its column wherever one cell holds the value refused) and the others are
      scored. Exit status: 1 when any row fails (the table is still written whole), else 0; a file with a
      header and no rows writes the header alone and says so on stderr (exit 0).
    """

    static func run(_ argv: [String]) throws -> ExitCode {
        let args = try Arguments(argv, valued: ["format", "calibration", "model-catalog", "gpu-catalog"], boolean: [])
        let file = try args.requirePositional(1, usage: usage)[0]
        let format = try args.format([.csv, .json], default: .csv)
        let estimator = try CommonOptions.estimator(args)
        // A ragged row (a trailing comma) is that row's error, not the table's.
        let table = try CSVTable.read(path: file, keepingRaggedRows: true)
        try PredictTable.checkColumns(table)
        let result = PredictTable.score(table, estimator: estimator)
        switch format {
        case .json:
            let rows: [JSONValue] = result.rows.map { values in
                .obj(zip(result.header, values).map { ($0, $1) })
            }
            Output.write(JSONWriter(sortKeys: false).write(.obj([("rows", .array(rows))])))
        default:
            var out = CSVWriter.line(result.header) + "\n"
            for r in result.rows { out += CSVWriter.line(r.map(Output.csvCell)) + "\n" }
            Output.write(out)
        }
        // A header-only file printed its header and exit 0, as if every row had been scored.
        if let first = result.unreadOutputTokenLines.first {
            let n = result.unreadOutputTokenLines.count
            Output.note("note: \(table.file): \(n) forward or decode-step row\(n == 1 ? "" : "s") (first on line \(first)) give output_tokens above 0, "
                        + "which only serve rows read; a pass is priced from batch and input_tokens alone (0 or blank there says so)")
        }
        if table.rows.isEmpty { Output.note("note: \(table.file) has a header and no rows; nothing was scored") }
        if result.failedRows > 0 {
            Output.error("\(result.failedRows) of \(result.rows.count) rows could not be scored (see the error column)")
            return .failure
        }
        return .success
    }
}

/// Options several commands share.
enum CommonOptions {
    /// The estimator with the bundled calibration or a user's (`--calibration FILE`), and the
    /// bundled catalogs extended by a user's catalog files: models (`--model-catalog FILE`, or the
    /// file `TOKENWATT_MODEL_CATALOG` names; `tokenwatt models --from-hf` writes one) and GPUs with
    /// their nodes (`--gpu-catalog FILE` or `TOKENWATT_GPU_CATALOG`).
    static func estimator(_ args: Arguments) throws -> Estimator {
        let gpus = try gpus(args)
        let calibration = try args.string("calibration").map {
            try CalibrationFileCheck.checked(try CoefficientFile.read(path: $0), path: $0, catalog: gpus)
        } ?? .bundled
        return Estimator(gpus: gpus, models: try models(args), calibration: calibration)
    }

    /// The line saying a user calibration is in use, or nil under the bundled one. The error bands
    /// and lever ranges measure the bundled coefficients against the data sets, so they say nothing
    /// about another file's error and are not applied under it.
    /// `--data-dir DIR` in the usage texts of the commands that read the measurements: what the
    /// tool does without it (the help had said "else ../shared/data", where it searches upwards).
    static let dataDirectoryHelp = "--data-dir DIR  the shared measurement data (default: $\(DataDirectory.environmentVariable), else the first "
        + "shared/data holding energaizer-prefill found beside the current folder (../shared/data, as from the package root), in it, "
        + "or beside or in one of the \(DataDirectory.searchedLevels - 1) folders above it, nearest first)"

    static func userCalibrationNote(_ args: Arguments, estimator: Estimator) -> String? {
        // A copy of the bundled file is the bundled calibration: its bands apply.
        guard let path = args.string("calibration"), !estimator.calibrationIsBundled else { return nil }
        return "user calibration \(path) in use, not the bundled coefficients: the error bands and lever error ranges "
            + "are the bundled calibration's, so they are not applied"
    }

    static func models(_ args: Arguments) throws -> ModelCatalog {
        guard let path = catalogPath(args, option: "model-catalog", variable: "TOKENWATT_MODEL_CATALOG") else { return .bundled }
        return try naming(args, option: "model-catalog", variable: "TOKENWATT_MODEL_CATALOG") { try ModelCatalog.bundled.adding(path: path) }
    }

    static func gpus(_ args: Arguments) throws -> GPUCatalog {
        guard let path = catalogPath(args, option: "gpu-catalog", variable: "TOKENWATT_GPU_CATALOG") else { return .bundled }
        return try naming(args, option: "gpu-catalog", variable: "TOKENWATT_GPU_CATALOG") { try GPUCatalog.bundled.adding(path: path) }
    }

    /// A catalog file that cannot be read says it came from the environment variable, when it
    /// did: "/nonexistent: no such file" named no option the user had given.
    static func naming<T>(_ args: Arguments, option: String, variable: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let InputError.unreadable(file, reason) where args.string(option) == nil {
            throw InputError.unreadable(file: file, reason: "\(reason) (named by \(variable))")
        }
    }

    /// The files the catalog and calibration options name, as inputs no output may replace.
    static func inputFiles(_ args: Arguments) -> [(String, String)] {
        [("--calibration", args.string("calibration")),
         ("the model catalog", catalogPath(args, option: "model-catalog", variable: "TOKENWATT_MODEL_CATALOG")),
         ("the GPU catalog", catalogPath(args, option: "gpu-catalog", variable: "TOKENWATT_GPU_CATALOG"))]
            .compactMap { what, path in path.map { (what, $0) } }
    }

    /// The option's file, else the environment variable's (an empty variable counts as unset).
    static func catalogPath(_ args: Arguments, option: String, variable: String) -> String? {
        args.string(option) ?? ProcessInfo.processInfo.environment[variable].flatMap { $0.isEmpty ? nil : $0 }
    }
}
