import Foundation
import KernelPower

/// A run manifest: one row per measured run with `start` and `end` timestamps (in the power
/// log's clock) or a Zeus `window` name, the configuration columns of `tokenwatt predict`, and
/// optionally `gpu_indices` ("0;1"), `passes` (forward passes in the window) or
/// `output_tokens_generated` (serve runs).
public enum RunManifest {
    /// Warm-up and tail trimmed from every window before averaging: the first 10 % and the last
    /// 5 % of the window (clock ramp-up, engine start, the drain of the last requests).
    public static let warmupFraction = 0.10
    public static let tailFraction = 0.05
    /// Fewest samples per GPU left after trimming for a run to count.
    public static let minimumSamples = 5

    /// Joins a power log to the manifest's runs.
    public static func join(manifest: CSVTable, samples: [PowerSample]) throws -> [MeasuredRun] {
        try MeasurementReader.checkMeasuredColumns(manifest)
        return try naming(manifest) { try joinSamples(manifest: manifest, samples: samples) }
    }

    public static func join(manifest: CSVTable, zeus: [ZeusWindow]) throws -> [MeasuredRun] {
        try MeasurementReader.checkMeasuredColumns(manifest)
        return try naming(manifest) { try joinZeus(manifest: manifest, zeus: zeus) }
    }

    /// Errors about a manifest row name the manifest.
    static func naming<T>(_ manifest: CSVTable, _ body: () throws -> T) throws -> T {
        do { return try body() } catch var e as CellError {
            e.file = e.file ?? manifest.file
            throw e
        }
    }

    static func joinSamples(manifest: CSVTable, samples: [PowerSample]) throws -> [MeasuredRun] {
        guard let startCol = manifest.column("start"), let endCol = manifest.column("end") else {
            throw InputError.missingField(file: manifest.file, field: "start, end", expected: "the run's start and end timestamps")
        }
        let byGPU = Dictionary(grouping: samples, by: \.gpu)
        var windows: [(gpus: [Int], start: Double, end: Double)] = []
        var runs: [MeasuredRun] = try manifest.rows.map { row in
            let req = try PredictRowReader.read(row, table: manifest)
            guard let start = PowerLog.timestamp(row.fields[startCol]), let end = PowerLog.timestamp(row.fields[endCol]), end > start else {
                throw CellError(line: row.line, column: "start", message: "start and end must be timestamps with end after start")
            }
            let gpus = try indices(row, manifest, default: req.deployment.gpus ?? req.deployment.tensorParallel ?? 1)
            var means: [Double] = []
            var idle: [(Double, Double)] = []
            for g in gpus {
                let window = (byGPU[g] ?? []).filter { $0.time >= start && $0.time <= end }.sorted { $0.time < $1.time }
                let steady = trim(window, start: start, end: end)
                guard steady.count >= minimumSamples else {
                    throw CellError(line: row.line, column: "start",
                                    message: "GPU \(g) has \(steady.count) power samples in the steady part of the window (need \(minimumSamples)); log more often or run longer")
                }
                means.append(steady.map(\.watts).reduce(0, +) / Double(steady.count))
                idle += window.filter { $0.utilization == 0 }.compactMap { s in s.smClockMHz.map { ($0, s.watts) } }
            }
            let watts = means.reduce(0, +) / Double(means.count)
            let cells = PredictRowReader.Cells(row: row, table: manifest)
            let time = try unitTime(req, cells: cells, seconds: end - start, watts: watts, gpus: gpus.count)
            var run = MeasuredRun(request: req, label: MeasurementReader.runLabel(manifest, row), gpuPowerWatts: watts,
                                  unitTimeSeconds: time?.seconds, timeColumn: time?.column)
            run.idleSamples = idle
            windows.append((gpus, start, end))
            return run
        }
        addIdleBetweenRuns(&runs, windows: windows, byGPU: byGPU)
        return runs
    }

    /// The idle readings a continuous log holds between the runs (0 % utilization, outside every
    /// window) go to the first run on that GPU, so they join its GPU's idle table: only the
    /// idle readings inside windows counted, so a log of busy runs with idle gaps between them
    /// gave no idle table at all.
    static func addIdleBetweenRuns(_ runs: inout [MeasuredRun], windows: [(gpus: [Int], start: Double, end: Double)],
                                   byGPU: [Int: [PowerSample]]) {
        var claimed = Set<Int>()
        for (i, w) in windows.enumerated() {
            for g in w.gpus where !claimed.contains(g) {
                claimed.insert(g)
                let outside = (byGPU[g] ?? []).filter { s in s.utilization == 0 && !windows.contains { $0.gpus.contains(g) && s.time >= $0.start && s.time <= $0.end } }
                runs[i].idleSamples += outside.compactMap { s in s.smClockMHz.map { ($0, s.watts) } }
            }
        }
    }

    /// Joins Zeus-style energy windows (`{"windows": [{"name", "time", "gpu_energy": {"0": J}}]}`)
    /// to manifest rows by their `window` column, averaging the GPUs of the row's `gpu_indices`
    /// (without the column, GPUs 0 to gpus − 1), as the power-log join does.
    static func joinZeus(manifest: CSVTable, zeus: [ZeusWindow]) throws -> [MeasuredRun] {
        guard let col = manifest.column("window") else {
            throw InputError.missingField(file: manifest.file, field: "window", expected: "the Zeus window name of each run")
        }
        let windows = Dictionary(zeus.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        return try manifest.rows.map { row in
            let req = try PredictRowReader.read(row, table: manifest)
            guard let w = windows[row.fields[col]] else {
                throw CellError(line: row.line, column: "window", message: "no Zeus window named '\(row.fields[col])'")
            }
            // Zeus measures every visible GPU by default, idle ones too: average only the run's.
            let gpus = try indices(row, manifest, default: req.deployment.gpus ?? req.deployment.tensorParallel ?? 1)
            let joules = try gpus.map { g in
                guard let j = w.energyJoules[g] else {
                    throw CellError(line: row.line, column: "gpu_indices", message: "Zeus window '\(w.name)' has no energy for GPU \(g); "
                                    + "it has GPUs \(w.energyJoules.keys.sorted().map(String.init).joined(separator: ";"))")
                }
                return j
            }
            let watts = joules.reduce(0, +) / Double(gpus.count) / w.seconds
            let cells = PredictRowReader.Cells(row: row, table: manifest)
            let time = try unitTime(req, cells: cells, seconds: w.seconds, watts: watts, gpus: gpus.count)
            return MeasuredRun(request: req, label: MeasurementReader.runLabel(manifest, row), gpuPowerWatts: watts,
                               unitTimeSeconds: time?.seconds, timeColumn: time?.column)
        }
    }

    /// The unit time from what the manifest says happened in the window.
    static func unitTime(_ r: PredictRequest, cells: PredictRowReader.Cells, seconds: Double, watts: Double, gpus: Int) throws -> (seconds: Double, column: String)? {
        if let passes = try cells.int("passes", 1...Int(1e12)) { return (seconds / Double(passes), "passes") }
        if let tokens = try cells.double("output_tokens_generated", 1...1e15) { return (seconds * Double(r.batch) / tokens, "output_tokens_generated") }
        return try MeasurementReader.unitTime(r, watts: watts, cells: cells)
    }

    static func indices(_ row: CSVTable.Row, _ t: CSVTable, default count: Int) throws -> [Int] {
        guard let raw = row.value(t.column("gpu_indices")) else { return Array(0..<count) }
        return try raw.split(separator: ";").map { s in
            guard let i = Int(s.trimmingCharacters(in: .whitespaces)) else {
                throw CellError(line: row.line, column: "gpu_indices", message: "'\(raw)'; expected GPU indices separated by ';'")
            }
            return i
        }
    }

    /// Drops the warm-up and the tail of a window.
    static func trim(_ samples: [PowerSample], start: Double, end: Double) -> [PowerSample] {
        let from = start + (end - start) * warmupFraction, to = end - (end - start) * tailFraction
        return samples.filter { $0.time >= from && $0.time <= to }
    }
}

/// One Zeus measurement window: time and energy per GPU.
public struct ZeusWindow: Sendable {
    public var name: String
    public var seconds: Double
    public var energyJoules: [Int: Double]

    public static func read(_ data: Data, file: String) throws -> [ZeusWindow] {
        let root = try JSONParser.parse(data, file: file)
        let items: [JSONValue]
        if case let .array(a) = root { items = a } else {
            var top = try JSONObjectReader(root, file: file, path: "")
            items = try top.array("windows")
            try top.finish()
        }
        return try items.enumerated().map { i, v in
            var o = try JSONObjectReader(v, file: file, path: "windows[\(i)]")
            let name = try o.string("name")
            let time = try o.double("time", 1e-6...1e9, expected: "seconds")
            var e = try o.object("gpu_energy")
            var energy: [Int: Double] = [:]
            for key in e.keys {
                guard let g = Int(key) else {
                    throw InputError.invalidValue(file: file, field: "windows[\(i)].gpu_energy", value: key, expected: "GPU indices as keys")
                }
                energy[g] = try e.double(key, 0...1e15, expected: "joules")
            }
            try e.finish()
            try o.finish()
            guard !energy.isEmpty else {
                throw InputError.invalidValue(file: file, field: "windows[\(i)].gpu_energy", value: "{}", expected: "energy of at least one GPU")
            }
            return ZeusWindow(name: name, seconds: time, energyJoules: energy)
        }
    }
}
