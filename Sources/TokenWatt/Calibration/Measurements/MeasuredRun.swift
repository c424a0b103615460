import Foundation
import KernelPower

/// One measured configuration: what ran (a `predict` row) and what was measured.
public struct MeasuredRun: Sendable {
    public var request: PredictRequest
    public var label: String
    /// Mean board power per GPU over the steady state.
    public var gpuPowerWatts: Double
    /// Wall time of one unit of work: a pass (forward, decode-step) or a mean engine step (serve).
    public var unitTimeSeconds: Double?
    /// Idle readings (utilization 0) seen in the run's log: (SM clock MHz, watts).
    public var idleSamples: [(Double, Double)] = []
}

/// Reads measurements in the formats `tokenwatt calibrate` accepts.
public enum MeasurementReader {
    /// A CSV whose configuration columns are those of `tokenwatt predict` plus
    /// `measured_gpu_power_w` and `measured_forward_energy_j` / `measured_time_ms` (forward and
    /// decode-step rows) or `measured_joules_per_output_token` (serve rows).
    public static func plainCSV(_ table: CSVTable) throws -> [MeasuredRun] {
        let power = table.column("measured_gpu_power_w")
        guard power != nil else {
            throw InputError.missingField(file: table.file, field: "measured_gpu_power_w", expected: "mean board power per GPU in W")
        }
        try PredictRowReader.checkColumns(table, extra: measuredColumns)
        // A bad cell names the file too: the error leaves the table it was found in.
        return try RunManifest.naming(table) { try table.rows.map { row in
            let req = try PredictRowReader.read(row, table: table)
            let cells = PredictRowReader.Cells(row: row, table: table)
            guard let watts = try cells.double("measured_gpu_power_w", 1...5000,
                                               unit: "(watts per GPU: NVML's nvmlDeviceGetPowerUsage reports milliwatts, which need dividing by 1,000)") else {
                throw CellError(line: row.line, column: "measured_gpu_power_w", message: "missing; expected watts per GPU")
            }
            return MeasuredRun(request: req, label: runLabel(table, row), gpuPowerWatts: watts,
                               unitTimeSeconds: try unitTime(req, watts: watts, cells: cells))
        } }
    }

    /// A run's name in messages and residuals: its file and line, and the `id` (or `run_id`) cell
    /// where the file has one, which is how a user finds the run in their own notes.
    static func runLabel(_ table: CSVTable, _ row: CSVTable.Row) -> String {
        let id = ["id", "run_id"].lazy.compactMap { table.column($0) }.first.map { row.fields[$0].trimmingCharacters(in: .whitespaces) }
        return "\(table.file):\(row.line)" + (id.map { $0.isEmpty ? "" : " (\($0))" } ?? "")
    }

    /// The measurement columns `plainCSV` reads beside the `predict` ones.
    public static let measuredColumns = ["measured_gpu_power_w", "measured_forward_energy_j", "measured_time_ms",
                                         "measured_joules_per_output_token"]

    /// Time of the unit of work from the measured columns a row has.
    static func unitTime(_ r: PredictRequest, watts: Double, cells: PredictRowReader.Cells) throws -> Double? {
        let gpus = Double(r.deployment.gpus ?? r.deployment.tensorParallel ?? 1)
        if r.phase == .serve {
            guard let j = try cells.double("measured_joules_per_output_token", 1e-9...1e6) else { return nil }
            // tokens/s = P·gpus / (J/token); a step emits one token per sequence.
            return Double(r.batch) * j / (watts * gpus)
        }
        if let ms = try cells.double("measured_time_ms", 1e-6...1e9) { return ms / 1000 }
        if let e = try cells.double("measured_forward_energy_j", 1e-9...1e12) { return e / (watts * gpus) }
        return nil
    }

    /// The ML.ENERGY export schema (`llm_runs.csv`): serve rows at the measured mean batch.
    public static func mlEnergy(_ table: CSVTable, dataDirectory: String? = nil) throws -> [MeasuredRun] {
        let runs = try MLEnergyData.parse(table)
        return runs.map { run in
            let r = run.deploymentRequest()
            let req = PredictRequest(deployment: r, phase: .serve, batch: run.batch, inputTokens: run.inputTokens,
                                     outputTokens: run.outputTokens, lmHead: true)
            let step = Double(run.batch) / run.outputTokensPerSecond
            return MeasuredRun(request: req, label: run.label, gpuPowerWatts: run.powerPerGPU, unitTimeSeconds: step)
        }
    }

    /// Whether a CSV header is the ML.ENERGY export schema.
    public static func isMLEnergy(_ table: CSVTable) -> Bool {
        ["energy_per_token_joules", "avg_batch_size", "avg_power_watts"].allSatisfy { table.column($0) != nil }
    }
}
