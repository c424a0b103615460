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
    /// The column the unit time was read from (`measured_time_ms`, `measured_forward_energy_j`,
    /// `measured_joules_per_output_token`, `passes`, ...): a unit-slip refusal names it.
    public var timeColumn: String? = nil
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
        try checkMeasuredColumns(table)
        // A bad cell names the file too: the error leaves the table it was found in.
        return try RunManifest.naming(table) { try table.rows.map { row in
            let req = try PredictRowReader.read(row, table: table)
            let cells = PredictRowReader.Cells(row: row, table: table)
            let watts = try boardPower(cells)
            let time = try unitTime(req, watts: watts, cells: cells)
            return MeasuredRun(request: req, label: runLabel(table, row), gpuPowerWatts: watts,
                               unitTimeSeconds: time?.seconds, timeColumn: time?.column)
        } }
    }

    /// The mean board power per GPU, with the unit a value out of range looks like it is in: a
    /// value below 1 W is kilowatts (multiply by 1,000), one above 5 kW milliwatts (NVML's
    /// `nvmlDeviceGetPowerUsage` reports those: divide by 1,000).
    static func boardPower(_ cells: PredictRowReader.Cells) throws -> Double {
        let column = "measured_gpu_power_w"
        guard let raw = cells.raw(column) else {
            throw CellError(line: cells.row.line, column: column, message: "missing; expected watts per GPU")
        }
        guard let watts = Double(decimal: raw), !(1...5000).contains(watts) else { return try cells.double(column, 1...5000)! }
        let hint = watts > 0 && watts < 1 ? "; this looks like kilowatts: multiply by 1,000"
            : watts > 5000 ? "; this looks like milliwatts (NVML's nvmlDeviceGetPowerUsage reports them): divide by 1,000" : ""
        throw CellError(line: cells.row.line, column: column, message: "value '\(raw)'; expected a number from 1 to 5000 watts per GPU\(hint)")
    }

    /// A run's name in messages and residuals: its file's name and line, and the `id` (or `run_id`)
    /// cell where the file has one, which is how a user finds the run in their own notes. The
    /// name without its folders, as `generatedBy` has it: the residuals and warnings go into the
    /// calibration file, whose bytes then depended on how the path was typed (`./runs.csv:2`).
    static func runLabel(_ table: CSVTable, _ row: CSVTable.Row) -> String {
        let id = ["id", "run_id"].lazy.compactMap { table.column($0) }.first.map { row.fields[$0].trimmingCharacters(in: .whitespaces) }
        return "\((table.file as NSString).lastPathComponent):\(row.line)" + (id.map { $0.isEmpty ? "" : " (\($0))" } ?? "")
    }

    /// The columns a serve run's time comes from as tokens per second on all its GPUs (its unit
    /// time is batch ÷ that rate): `UserCalibration.userRun` rereads it at the batch the run held.
    /// A time measured per step (`passes`, `measured_time_ms`) is already the step held.
    public static let perTokenColumns: Set<String> = ["measured_joules_per_output_token", "output_tokens_generated",
                                                      "output_throughput_tokens_per_sec"]

    /// The measurement columns `plainCSV` reads beside the `predict` ones.
    public static let measuredColumns = ["measured_gpu_power_w", "measured_forward_energy_j", "measured_time_ms",
                                         "measured_joules_per_output_token"]

    /// What each measured column holds, for the message that refuses an unknown one.
    static let measuredMeanings = [
        "measured_gpu_power_w": "mean board power per GPU, W", "measured_time_ms": "time per pass, ms",
        "measured_forward_energy_j": "energy per pass on all the run's GPUs, J",
        "measured_joules_per_output_token": "serve rows: energy per output token on all GPUs, J",
    ]

    /// Refuses a `measured_*` column this reader does not know: it went unread, and a file whose
    /// energy was in `measured_energy_j` was fitted on power alone with exit 0.
    public static func checkMeasuredColumns(_ table: CSVTable) throws {
        for column in table.header where column.hasPrefix("measured_") && !measuredColumns.contains(column) {
            let near = PredictRowReader.nearMiss(column, among: measuredColumns)
                ?? measuredColumns.min { Suggestions.editDistance(column, $0) < Suggestions.editDistance(column, $1) }
            let known = measuredColumns.map { "\($0) (\(measuredMeanings[$0] ?? ""))" }.joined(separator: ", ")
            throw InputError.syntax(file: table.file, line: 1, message: "unknown measured column '\(column)'"
                + (near.map { "; closest known: '\($0)'" } ?? "") + "; the measured columns are \(known); "
                + "rename it, or prefix it with x_ to carry it through unread")
        }
    }

    /// Time of the unit of work from the measured columns a row has, and the column it came from.
    static func unitTime(_ r: PredictRequest, watts: Double, cells: PredictRowReader.Cells) throws -> (seconds: Double, column: String)? {
        let gpus = Double(r.deployment.gpus ?? r.deployment.tensorParallel ?? 1)
        if r.phase == .serve {
            let column = "measured_joules_per_output_token"
            guard let j = try cells.double(column, 1e-9...1e6) else { return nil }
            // tokens/s = P·gpus / (J/token); a step emits one token per sequence. The batch here is
            // the one asked for: `UserCalibration.userRun` rereads it at the batch the run held.
            return (Double(r.batch) * j / (watts * gpus), column)
        }
        let ms = try cells.double("measured_time_ms", 1e-6...1e9)
        let energy = try cells.double("measured_forward_energy_j", 1e-9...1e12)
        if let ms, let energy { try checkEnergy(energy, watts: watts, gpus: gpus, seconds: ms / 1000, line: cells.row.line) }
        if let ms { return (ms / 1000, "measured_time_ms") }
        if let energy { return (energy / (watts * gpus), "measured_forward_energy_j") }
        return nil
    }

    /// How far a pass's energy may be from mean power × time × GPUs when a row gives all three.
    /// Read from one window by one meter they agree exactly; NVML's power reading is a moving
    /// average (1 s on A100 and H100) while its energy counter is not, which on a pass-long window
    /// and the edges of a short one differs by a few percent. 20 % allows that, and still catches
    /// the slips that matter: energy per GPU on 2 or more GPUs (a factor of the GPU count), a
    /// windows' energy over several passes, or mJ and kJ.
    static let mostEnergyMismatch = 1.2

    /// Refuses a row whose `measured_forward_energy_j` is not its power × time × GPUs: the fit
    /// reads the time from `measured_time_ms`, so the energy would otherwise go unread.
    static func checkEnergy(_ joules: Double, watts: Double, gpus: Double, seconds: Double, line: Int) throws {
        let expected = watts * seconds * gpus
        let ratio = joules / expected
        guard ratio > mostEnergyMismatch || ratio < 1 / mostEnergyMismatch else { return }
        let perGPU = gpus > 1 && abs(ratio * gpus - 1) < 0.2 ? "; it is about the energy of one GPU: give all \(Int(gpus)) GPUs' energy" : ""
        throw CellError(line: line, column: "measured_forward_energy_j",
                        message: "value \(formatNumber(joules, significant: 4)) J is \(formatNumber(ratio, significant: 3))× measured_gpu_power_w "
                            + "× measured_time_ms × GPUs (\(formatNumber(watts, significant: 4)) W × \(formatNumber(seconds * 1000, significant: 4)) ms "
                            + "× \(Int(gpus)) = \(formatNumber(expected, significant: 4)) J); expected the energy of one pass on all the run's GPUs, "
                            + "within \(formatPercent(mostEnergyMismatch - 1, decimals: 0))\(perGPU)")
    }

    /// The ML.ENERGY export schema (`llm_runs.csv`): serve rows at the measured mean batch.
    public static func mlEnergy(_ table: CSVTable, dataDirectory: String? = nil) throws -> [MeasuredRun] {
        let runs = try MLEnergyData.parse(table)
        return runs.map { run in
            let r = run.deploymentRequest()
            let req = PredictRequest(deployment: r, phase: .serve, batch: run.batch, inputTokens: run.inputTokens,
                                     outputTokens: run.outputTokens, lmHead: true)
            let step = Double(run.batch) / run.outputTokensPerSecond
            return MeasuredRun(request: req, label: run.label, gpuPowerWatts: run.powerPerGPU, unitTimeSeconds: step,
                               timeColumn: "output_throughput_tokens_per_sec")
        }
    }

    /// Whether a CSV header is the ML.ENERGY export schema.
    public static func isMLEnergy(_ table: CSVTable) -> Bool {
        ["energy_per_token_joules", "avg_batch_size", "avg_power_watts"].allSatisfy { table.column($0) != nil }
    }
}
