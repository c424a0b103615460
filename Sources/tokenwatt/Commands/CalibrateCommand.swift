import Foundation
import KernelPower
import TokenWatt

/// `tokenwatt calibrate`: fit coefficients on measurements.
enum CalibrateCommand {
    static let usage = """
    tokenwatt calibrate RUNS.csv [-o FILE]
    tokenwatt calibrate --manifest RUNS.csv --power-log LOG [--log-format nvidia-smi|dcgm] [--interval-ms N] [-o FILE]
    tokenwatt calibrate --manifest RUNS.csv --zeus WINDOWS.json [-o FILE]
    tokenwatt calibrate --builtin [-o FILE] [--data-dir DIR]
      RUNS.csv: the columns of `tokenwatt predict` plus measured_gpu_power_w (W per GPU) and measured_time_ms
      (per pass), measured_forward_energy_j (per pass, all GPUs; checked against power × time × GPUs when both
      are given) or measured_joules_per_output_token (serve rows, all GPUs); a run without a time fits power
      only; another measured_* column is refused. Or the ML.ENERGY export schema. A manifest adds
      start and end (timestamps in the log's clock) or a Zeus window name per run, optionally gpu_indices,
      passes or output_tokens_generated. --log-format says which log --power-log is (detected from its header
      when left out); --interval-ms N is the sampling interval of a dcgm log (`dcgmi dmon -d N`): dmon prints no
      timestamps, so sample k of each GPU is read at k × N ms from the log's start, the clock the manifest's
      start and end are in; default 1000. Writes a calibration file (default calibration.json) that every
      command reads with --calibration FILE. --builtin refits the bundled coefficients on ../shared/data,
      replacing Sources/KernelPower/Resources/coefficients.json when run from the package root without -o.
      -o FILE writes into an existing folder (a missing one is refused, not made) and replaces only a
      calibration file (an earlier calibrate's, the bundled coefficients.json among them), never another file.
      --model-catalog FILE and --gpu-catalog FILE add the models and GPUs a user's runs name.
      \(CommonOptions.dataDirectoryHelp)
    """

    static let resourcePath = "Sources/KernelPower/Resources/coefficients.json"

    static func run(_ argv: [String]) throws -> ExitCode {
        let args = try Arguments(argv, valued: ["o", "output", "data-dir", "manifest", "power-log", "log-format", "interval-ms",
                                                "zeus", "calibration", "model-catalog", "gpu-catalog"], boolean: ["builtin"])
        if args.flag("builtin") {
            _ = try args.requirePositional(0, usage: usage)
            return try builtin(args)
        }
        let out = try args.outputPath() ?? "calibration.json"
        let inputs = [("the runs", args.positional.first), ("--manifest", args.string("manifest")), ("--power-log", args.string("power-log")),
                      ("--zeus", args.string("zeus"))].compactMap { what, path in path.map { (what, $0) } }
        try Output.refuseOverlaps(outputs: [("-o", out)], inputs: inputs + CommonOptions.inputFiles(args))
        try checkOutputFile(out)
        let runs = try measuredRuns(args)
        let result: UserCalibration.Result
        do {
            result = try UserCalibration.run(runs, estimator: try CommonOptions.estimator(args))
        } catch let refusal as UserCalibration.Refusal {
            Output.error("cannot calibrate: \(refusal.description)")
            return .failure
        }
        var file = result.file
        file.generatedBy = generatedBy(args)
        file.provenance += try "; " + inputDigests(inputs)
        for (label, reason) in result.skipped { Output.note("warning: skipped \(UserCalibration.named(label, reason))") }
        for warning in result.warnings { Output.note("warning: \(warning)") }
        try Output.writeFile(file.json(), to: out)
        // The error before the fit is what the uncalibrated tool gets on this hardware.
        let rows = result.fitted.map { f -> [String] in
            let before = result.before[f.gpuID]
            let time = { (s: FitSummary?) in s.map { $0.timeMAPE > 0 ? formatPercent($0.timeMAPE) : "not measured" } ?? "-" }
            return [f.gpuID, String(f.summary.rows), before.map { formatPercent($0.powerMAPE) } ?? "-", formatPercent(f.summary.powerMAPE),
                    f.crossValidation.map { "\(formatPercent($0.powerMAPE)) (\($0.groups) groups)" } ?? "-",
                    time(before), time(f.summary), String(f.idlePoints.count)]
        }
        Output.write(Output.table(["gpu", "runs", "power MAPE before", "power MAPE", "cross-validated", "time MAPE before", "time MAPE",
                                   "idle points"], rows))
        for (gpu, count) in result.leftOut.sorted(by: { $0.key < $1.key }) {
            let total = result.fitted.first { $0.gpuID == gpu }?.summary.rows ?? count
            Output.write("\(gpu): \(UserCalibration.leftOutNote(count, of: total))\n")
        }
        Output.write("wrote \(out); use it with --calibration \(out)\n")
        return .success
    }

    /// The command that wrote a user's file, with its input files by name (no folders, so the
    /// file is the same wherever it was made).
    static func generatedBy(_ args: Arguments) -> String {
        let name = { (path: String) in path == "-" ? "-" : (path as NSString).lastPathComponent }
        var words = ["tokenwatt", "calibrate"]
        if let runs = args.positional.first { words.append(name(runs)) }
        for flag in ["manifest", "power-log", "log-format", "interval-ms", "zeus", "calibration", "model-catalog", "gpu-catalog"] {
            guard let value = args.string(flag) else { continue }
            words += ["--\(flag)", ["log-format", "interval-ms"].contains(flag) ? value : name(value)]
        }
        return words.joined(separator: " ")
    }

    /// Each input file's name and SHA-256: two different runs files of one name gave the same
    /// provenance. Standard input (`-`) has no file to hash, and is named as such.
    static func inputDigests(_ inputs: [(String, String)]) throws -> String {
        "inputs: " + (try inputs.map { _, path in
            path == "-" ? "standard input" : "\((path as NSString).lastPathComponent) SHA-256 \(SHA256Digest.hex(try InputFile.data(path, expected: "an input file")))"
        }).joined(separator: ", ")
    }

    static func measuredRuns(_ args: Arguments) throws -> [MeasuredRun] {
        if let manifestPath = args.string("manifest") {
            _ = try args.requirePositional(0, usage: usage)
            let manifest = try CSVTable.read(path: manifestPath)
            if let zeus = args.string("zeus") {
                return try RunManifest.join(manifest: manifest, zeus: try ZeusWindow.read(try InputFile.data(zeus, expected: "a Zeus windows JSON file"), file: zeus))
            }
            guard let log = args.string("power-log") else {
                throw UsageError(description: "--manifest needs --power-log LOG or --zeus WINDOWS.json")
            }
            guard let data = FileManager.default.contents(atPath: log), let text = String(data: data, encoding: .utf8) else {
                throw InputError.unreadable(file: log, reason: "no such file or not UTF-8 text")
            }
            let format = try args.string("log-format").map { given in
                guard let f = PowerLog.Format(rawValue: given) else {
                    throw UsageError(description: "--log-format \(given): expected \(PowerLog.Format.allCases.map(\.rawValue).joined(separator: " or "))")
                }
                return f
            } ?? PowerLog.detectFormat(text)
            let samples: [PowerSample]
            switch format {
            case .nvidiaSMI: samples = try PowerLog.nvidiaSMI(text, file: log)
            case .dcgm: samples = try PowerLog.dcgmDmon(text, file: log, intervalSeconds: Double(try args.int("interval-ms", 1...3_600_000) ?? 1000) / 1000)
            }
            return try RunManifest.join(manifest: manifest, samples: samples)
        }
        // Without a manifest these were ignored, and the runs fitted without the log named.
        for flag in ["zeus", "power-log", "log-format", "interval-ms"] where args.string(flag) != nil {
            throw UsageError(description: "--\(flag) needs --manifest RUNS.csv (the runs whose windows the log is cut into)")
        }
        let file = try args.requirePositional(1, usage: usage)[0]
        let table = try CSVTable.read(path: file)
        return MeasurementReader.isMLEnergy(table) ? try MeasurementReader.mlEnergy(table) : try MeasurementReader.plainCSV(table)
    }

    /// The bundled coefficients' path, which `--builtin` replaces only from the package root: run
    /// anywhere else it created Sources/KernelPower/Resources/ under the current folder.
    static func bundledResource() throws -> String {
        let fm = FileManager.default
        var folder: ObjCBool = false
        let resources = (resourcePath as NSString).deletingLastPathComponent
        guard fm.fileExists(atPath: "Package.swift"), fm.fileExists(atPath: resources, isDirectory: &folder), folder.boolValue else {
            throw UsageError(description: "--builtin without -o replaces \(resourcePath) and is run from the package root "
                             + "(the folder with Package.swift and \(resources)); run it there, or give -o FILE")
        }
        return resourcePath
    }

    /// Refuses, before any fit, an `-o` whose folder does not exist or that names a file that is not
    /// a calibration file (`calibrate -o runs2.csv` replaced it without a word). A calibration file,
    /// the bundled coefficients.json that `--builtin` rewrites among them, is recognised by its
    /// schema's top-level keys (`CoefficientFile.json`).
    static func checkOutputFile(_ path: String) throws {
        try Output.checkOutputFile(path, flag: "-o", kind: "a calibration file", isOurs: {
            Output.isJSONObject($0, withKeys: ["schemaVersion", "generatedBy", "provenance", "gpus"])
        })
    }

    static func builtin(_ args: Arguments) throws -> ExitCode {
        let out = try args.outputPath() ?? bundledResource()
        let data = try DataDirectory.resolve(explicit: args.string("data-dir"))
        try Output.refuseInsideData(outputs: [("-o", out)], dataDirectory: data)
        try checkOutputFile(out)
        let file = try BuiltinCalibration.run(dataDirectory: data)
        try Output.writeFile(file.json(), to: out)
        var rows: [[String]] = []
        for f in file.fitted {
            rows.append([f.gpuID, String(f.summary.rows), formatPercent(f.summary.powerMAPE), formatPercent(f.summary.energyMAPE),
                         formatPercent(f.summary.timeMAPE)])
        }
        Output.write(Output.table(["gpu", "rows", "power MAPE", "energy MAPE", "time MAPE"], rows))
        Output.write("cap hold fraction: \(formatNumber(file.capHoldFraction, significant: 4))\nwrote \(out)\n")
        return .success
    }
}
