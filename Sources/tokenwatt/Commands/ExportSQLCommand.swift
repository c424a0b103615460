import Foundation
import KernelPower
import TokenWatt

/// `tokenwatt export-sql`: the per-request Wh of a deployment as one SQL statement.
enum ExportSQLCommand {
    static let usage = """
    tokenwatt export-sql --model ID --gpu ID [--gpus N --tp N --ep N --pp N --precision P --kv-precision P
                         --framework \(TraceCommand.continuousFrameworks) --sampling S]
                         --batch N --dialect duckdb|spark|bigquery|postgres|sqlite [--token-budget N]
                         [--reference-input N --reference-output N] [--busy-fraction F | --load QPS] [--pue X] [--boundary B]
                         [--table T] [--input-column C] [--output-column C] [--power-cap-w W] [--sm-clock-mhz F] [--calibration FILE] [--model-catalog FILE] [--gpu-catalog FILE]
      The reference request (default 1000 + 250 tokens; --input/--output are accepted for it too) sets how
      many sequences the KV cache holds. Each row then gets what `tokenwatt estimate --method surface` gives
      for its tokens with the same flags and reference. Names are quoted for the dialect (a table path's parts, such
      as BigQuery's my-project.logs.requests, one by one; a column is one name, without '.'), so give them as
      stored, case included. --framework takes the continuous-batching engines only: hf batches statically
      and is refused.
      Added columns: wh_gpu, occupancy_s, wh, wh_low and wh_high (where the GPU has an error band),
      over_context (1 where input + output exceed the model's context window) and over_kv_cache (1 where
      one sequence of input + output tokens does not fit in one engine's KV cache even alone, which
      estimate refuses and trace counts as "over KV cache"); rows of both are priced as logged.
    """

    static func run(_ argv: [String]) throws -> ExitCode {
        let args = try Arguments(argv, valued: EstimateCommand.deploymentFlags.union(EstimateCommand.catalogFlags).union(EstimateCommand.ledgerFlags)
                                    .union(["batch", "input", "output", "token-budget", "reference-input", "reference-output",
                                            "dialect", "table", "input-column", "output-column"]), boolean: [])
        _ = try args.requirePositional(0, usage: usage)
        guard let d = try args.choice("dialect", SQLDialect.self) else { throw UsageError(description: "--dialect is required; usage: \(usage)") }
        // Two names for one reference: given both, which one sets the batch would be a guess.
        for (alias, flag) in [("input", "reference-input"), ("output", "reference-output")] where args.string(alias) != nil && args.string(flag) != nil {
            throw UsageError(description: "--\(alias) and --\(flag) both set the reference request's \(alias) tokens; give one")
        }
        let estimator = try CommonOptions.estimator(args)
        let deployment = try EstimateCommand.deployment(estimator, args)
        let formula = try TokenFormula(
            estimator: estimator, deployment: deployment, batch: try EstimateCommand.required(args.int("batch", 1...1_000_000), "batch"),
            input: try args.int("reference-input", ServingRequest.tokensPerQueryRange) ?? args.int("input", ServingRequest.tokensPerQueryRange) ?? 1000,
            output: try args.int("reference-output", ServingRequest.tokensPerQueryRange) ?? args.int("output", ServingRequest.tokensPerQueryRange) ?? 250,
            tokenBudget: try args.int("token-budget", 1...10_000_000) ?? ServingRequest.defaultTokenBudget(for: deployment), settings: try EstimateCommand.ledgerSettings(args),
            boundary: try args.choice("boundary", Boundary.self) ?? .facility)
        let export = try flagged {
            try SQLExport(formula: formula, dialect: d, table: args.string("table") ?? "requests",
                          inputColumn: args.string("input-column") ?? "input_tokens", outputColumn: args.string("output-column") ?? "output_tokens")
        }
        for note in formula.notes { Output.note("note: " + note) }
        Output.write(export.sql())
        return .success
    }

    /// The flag that gave each name `SQLExport` checks, by the field its error names.
    static let nameFlags = ["table": "--table", "input column": "--input-column", "output column": "--output-column"]

    /// Runs `body`, turning `SQLExport`'s refusal of a name the command line gave into the usage
    /// error (exit 64) that names the flag: `--table 'a;drop table x'` exited 1 where
    /// `--dialect mysql` exited 64, though both are a flag's value and nothing else.
    static func flagged<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let InputError.invalidValue(file, field, value, expected) where file == "export-sql" {
            guard let flag = nameFlags[field] else { throw InputError.invalidValue(file: file, field: field, value: value, expected: expected) }
            throw UsageError(description: "\(flag) '\(value.escapingControlCharacters)': expected \(expected)")
        }
    }
}
