import Foundation
import KernelPower
import TokenWatt

/// `tokenwatt report FILE | --all`: the publishable reports of workloads (Markdown, HTML with
/// inline charts, CSV, JSON). Every report is built before any file is written.
enum ReportCommand {
    static let usage = """
    tokenwatt report FILE.json [-o DIR] | --all [-o DIR] [--workloads DIR] [--skip-validation]
                     [--samples N] [--seed S] [--data-dir DIR] [--calibration FILE] [--model-catalog FILE] [--gpu-catalog FILE]
      --all regenerates everything in Reports/: every workload's report and the validation report
      (so no workload may be named validation.json unless --skip-validation).
      A report made with --calibration, --model-catalog or --gpu-catalog, or with a --seed or --samples
      other than the workload's own, is an experiment: it is written only to a DIR given with -o other
      than Reports/, so it never overwrites the committed Reports/; its regenerate line quotes those
      options (a catalog given by its environment variable as the option).
      The regenerate line quotes --data-dir DIR as given (--data-dir $TOKENWATT_DATA when the variable named
      it) when that is another folder than the shared/data the bare command finds from the current folder.
      A report names its workload relative to the current folder when the file is under it, otherwise
      as given: run it from the repository root to reproduce the committed bytes.
      A report never replaces its inputs (workloads, catalogs, calibration) or a file it did not write.
      -o names a folder; a new one named like a file (out.md, out.json) is refused as a likely slip.
      Runs writing one DIR at once each replace the whole set, one after the other (a lock on DIR);
      on a file system without flock(2) they may leave a mixed set.
      \(CommonOptions.dataDirectoryHelp)
    """

    /// Options that swap in another model than the bundled one.
    static let experimentOptions = ["calibration", "model-catalog", "gpu-catalog"]
    /// The catalog options and the environment variables that stand for them.
    static let catalogVariables = [("model-catalog", "TOKENWATT_MODEL_CATALOG"), ("gpu-catalog", "TOKENWATT_GPU_CATALOG")]

    static func run(_ argv: [String]) throws -> ExitCode {
        let args = try Arguments(argv, valued: ["o", "output", "workloads", "samples", "seed", "data-dir", "calibration", "model-catalog", "gpu-catalog"],
                                 boolean: ["all", "skip-validation"])
        let all = args.flag("all")
        let explicitDir = try args.outputPath()
        try refuseFileNameAsFolder(explicitDir)
        try refuseExperimentInReports(experimentSource(args), explicitDir: explicitDir)
        let files: [String]
        if all {
            guard args.positional.isEmpty else { throw UsageError(description: "--all takes no FILE; usage: \(usage)") }
            files = try workloadFiles(in: args.string("workloads") ?? "Workloads")
            if !args.flag("skip-validation") { try refuseWorkloadNamedValidation(files) }
        } else {
            files = [shownPath(try args.requirePositional(1, usage: usage)[0])]
        }
        let dir = explicitDir ?? "Reports"
        let data = try DataDirectory.resolveIfNamed(explicit: args.string("data-dir"))
        let runner = FleetRunner(estimator: try CommonOptions.estimator(args), dataDirectory: data)
        let reports = try build(files, args: args, explicitDir: explicitDir, data: data, runner: runner)
        // The validation report too, so that one command regenerates all of Reports/.
        let validation = try all && !args.flag("skip-validation")
            ? ValidateCommand.build(data: try DataDirectory.resolve(explicit: args.string("data-dir")), estimator: runner.estimator,
                                    skipped: ValidateCommand.skippedRefits(args, writesReport: true))
            : nil
        // Every report's files at once: all of them or none.
        let written = reports.flatMap { r in r.files().map { ext, text in (path: "\(dir)/\(r.name).\(ext)", text: text, of: "the report of \(r.source)") } }
        let validationFiles = validation.map { ValidateCommand.files($0.0, suite: $0.1, dir: dir, header: ValidateCommand.provenance(args)) } ?? []
        let outputs = written.map { ($0.of, $0.path) } + validationFiles.map { ("the validation report", $0.path) }
        try refuseReplacingInputs(outputs, workloads: files, args: args)
        try Output.refuseInsideData(outputs: outputs.map { ("\($0.0)'s file", $0.1) }, dataDirectory: data)
        try Output.writeFiles(written.map { ($0.path, $0.text) } + validationFiles)
        for f in written { Output.write("wrote \(f.path)\n") }
        if validation != nil { Output.write("wrote \(dir)/validation.md, validation.json and its plots\n") }
        return .success
    }

    /// Every workload's report. All workloads are read first, so that a --seed or --samples that
    /// makes an experiment is refused before anything is run.
    static func build(_ files: [String], args: Arguments, explicitDir: String?, data: String?, runner: FleetRunner) throws -> [WorkloadReport] {
        let samples = try args.int("samples", 1...10_000_000)
        let seed = try args.int("seed", 0...Int(Int32.max)).map { UInt64($0) }
        let workloads = try files.map { try WorkloadReader.read(path: $0, dataDirectory: data, models: runner.estimator.models, gpus: runner.estimator.gpus) }
        let model = modelOptions(args)
        let overrides = workloads.map { overriddenOptions($0, samples: samples, seed: seed) + model }
        try refuseExperimentInReports(overrides.first { !$0.isEmpty }?.first, explicitDir: explicitDir)
        let dataOptions = dataDirectoryOptions(args)
        return try zip(files, zip(workloads, overrides)).map { file, w in
            var report = try FleetError.naming(file) {
                try WorkloadReport.build(w.0, name: reportName(file), source: file, runner: runner, samples: samples, seed: seed)
            }
            // The line quotes the command that gives these bytes; an experiment is written only with -o.
            report.regenerateOptions = (w.1.isEmpty ? [] : w.1 + ["-o", "DIR"]) + dataOptions
            return report
        }
    }

    /// The extensions a report's files take; a new -o folder named with one is taken for a file.
    static let reportExtensions = ["md", "html", "csv", "json", "svg"]

    /// -o names a folder. `-o out.md` made a folder called out.md holding five files, which a
    /// 2026-12-07 check found with nothing said; a name that does not exist yet and ends in a
    /// report's extension is refused instead (an existing folder of that name is still used).
    static func refuseFileNameAsFolder(_ dir: String?) throws {
        guard let dir else { return }
        // What exists is left to the writer, which says a file is not a folder (exit 1).
        guard !FileManager.default.fileExists(atPath: dir) else { return }
        let ext = (dir as NSString).pathExtension.lowercased()
        guard reportExtensions.contains(ext) else { return }
        throw UsageError(description: "-o \(dir): -o takes a folder, and the report's several files (NAME.md, .html, .csv, .json) are written into it; "
                         + "\((dir as NSString).lastPathComponent) looks like a file name. Give a folder, e.g. -o \(((dir as NSString).deletingPathExtension))")
    }

    /// Reports/ holds the bundled model's reports at each workload's own seed and samples only
    /// (as for validate's partial runs): a run with another calibration or catalog, given by
    /// option or by environment variable, or another --seed or --samples, writes only to a
    /// folder named with -o, and not to Reports/ by that name either (`-o Reports` replaced the
    /// committed reports with an experiment's, which the usage says never happens). `source`
    /// names what makes the run an experiment, nil for none.
    static func refuseExperimentInReports(_ source: String?, explicitDir: String?) throws {
        guard let source else { return }
        guard let dir = explicitDir else {
            throw UsageError(description: "\(source) makes an experiment's reports; name their folder with -o DIR "
                                 + "(Reports/ holds the bundled model's reports at each workload's own seed and samples only)")
        }
        try refuseCommittedReports(dir, source: source)
    }

    /// Refuses `-o Reports`, however spelled, for an experiment that `source` names.
    static func refuseCommittedReports(_ dir: String, source: String) throws {
        guard Output.identity(dir) == Output.identity("Reports") else { return }
        throw UsageError(description: "\(source) makes an experiment's reports, and -o \(dir) is the committed Reports/, "
                             + "which holds the bundled model's reports only; choose another folder")
    }

    /// The --seed and --samples that differ from the workload's own, as options: they change
    /// the report's numbers, so its regenerate line quotes them (it quoted the bare command,
    /// which gives the workload's seed and samples).
    static func overriddenOptions(_ w: Workload, samples: Int?, seed: UInt64?) -> [String] {
        let seedOption = seed.flatMap { $0 == w.seed ? nil : ["--seed", "\($0)"] } ?? []
        return seedOption + (samples.flatMap { $0 == w.samples ? nil : ["--samples", "\($0)"] } ?? [])
    }

    /// The calibration and catalogs that swap in another model, as options with their paths (a
    /// catalog named by its environment variable too): the regenerate line of a report made with
    /// them quoted the bare command, which gives the bundled model's numbers, not the report's.
    static func modelOptions(_ args: Arguments) -> [String] {
        let calibration = args.string("calibration").map { ["--calibration", $0] } ?? []
        return calibration + catalogVariables.flatMap { option, variable in
            CommonOptions.catalogPath(args, option: option, variable: variable).map { ["--\(option)", $0] } ?? []
        }
    }

    /// The data folder as the regenerate line quotes it: `--data-dir DIR` as given, or
    /// `--data-dir $TOKENWATT_DATA` when that variable named it, unless it is the folder the
    /// bare command finds anyway (`../shared/data` from the repository root, so the committed
    /// reports keep their bytes). `cd /tmp && tokenwatt report ws/Workloads/chat-service.json
    /// --data-dir ws/../shared/data` quoted the command without it, which fails from any folder
    /// that has no shared/data beside it.
    static func dataDirectoryOptions(_ args: Arguments) -> [String] {
        let variable = DataDirectory.environmentVariable
        let env = ProcessInfo.processInfo.environment[variable] ?? ""
        let (named, quoted): (String, String)
        if let explicit = args.string("data-dir") { (named, quoted) = (explicit, explicit) }
        else if !env.isEmpty { (named, quoted) = (env, "$" + variable) }
        else { return [] }
        let found = DataDirectory.searched()
        guard found.map({ Output.identity($0) != Output.identity(named) }) ?? true else { return [] }
        return ["--data-dir", quoted]
    }

    /// `--all` writes the validation report as DIR/validation.md and .json: a workload of that
    /// name had its report and the validation report share two paths, and the run failed after
    /// replacing half the set.
    static func refuseWorkloadNamedValidation(_ files: [String]) throws {
        guard let file = files.first(where: { reportName($0) == "validation" }) else { return }
        throw UsageError(description: "the report of the workload \(file) and the validation report that --all writes would both be "
                             + "validation.md and validation.json; rename the workload or add --skip-validation")
    }

    /// The option (or catalog environment variable) that swaps in another model, or nil.
    static func experimentSource(_ args: Arguments) -> String? {
        if let option = experimentOptions.first(where: { args.string($0) != nil }) { return "--\(option)" }
        return catalogVariables.first { CommonOptions.catalogPath(args, option: $0.0, variable: $0.1) != nil }?.1
    }

    /// Refuses a report file that would replace one of the run's inputs or a file no report
    /// wrote: `report W.json -o DIR` replaced the workload with its own report when DIR held it
    /// (`--all --workloads D -o D` every workload), and a data file of the same name (a trace or
    /// throughput CSV) the same way.
    /// Each output is (whose file it is, its path), so that two outputs of one path are named.
    static func refuseReplacingInputs(_ outputs: [(String, String)], workloads: [String], args: Arguments) throws {
        let inputs = workloads.map { ("the workload \($0)", $0) } + CommonOptions.inputFiles(args)
        try Output.refuseOverlaps(outputs: outputs.map { ("\($0.0)'s file", $0.1) }, inputs: inputs)
        for o in outputs {
            try Output.refuseReplacingForeign(o.1, flag: "report -o", kind: "a report file", isOurs: isReportFile)
        }
    }

    /// Whether `data` is a file `report` or `validate` writes: an SVG plot, a Markdown or HTML
    /// report (its title names TokenWatt), a report CSV (its first column is the scenario) or a
    /// report or validation JSON (by its top-level keys).
    static func isReportFile(_ data: Data) -> Bool {
        if Output.isSVG(data) { return true }
        let head = String(decoding: data.prefix(512), as: UTF8.self)
        if head.hasPrefix("scenario,") || head.contains("TokenWatt report") || head.contains("TokenWatt validation report") { return true }
        guard case let .object(pairs)? = try? JSONParser.parse(data, file: "") else { return false }
        let keys = Set(pairs.map(\.key))
        return keys.isSuperset(of: ["name", "source", "scenarios"]) || keys.isSuperset(of: ["results", "targets"])
    }

    /// The workload files of a directory, in name order.
    static func workloadFiles(in dir: String) throws -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else {
            throw InputError.unreadable(file: dir, reason: "is not a readable directory of workload files")
        }
        // Named as a single FILE is (`shownPath`), so that `Workloads`, `./Workloads`,
        // `Workloads/` and its absolute path give the same bytes (they gave four).
        let folder = dir.count > 1 && dir.hasSuffix("/") ? String(dir.dropLast()) : dir
        let files = names.filter { $0.hasSuffix(".json") }.sorted().map { shownPath("\(folder)/\($0)") }
        guard !files.isEmpty else { throw InputError.unreadable(file: dir, reason: "holds no .json workload files") }
        return files
    }

    static func reportName(_ file: String) -> String {
        let base = URL(fileURLWithPath: file).lastPathComponent
        return base.hasSuffix(".json") ? String(base.dropLast(5)) : base
    }

    /// A workload path as the report names it: relative to the working directory when the file is
    /// under it, so `Workloads/x.json`, `./Workloads/x.json` and its absolute path give the same
    /// bytes (the report quotes its path in its regenerate line and its sources).
    static func shownPath(_ path: String) -> String {
        guard path != "-" else { return path }
        let file = URL(fileURLWithPath: path).standardizedFileURL.path
        let here = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).standardizedFileURL.path
        let prefix = here.hasSuffix("/") ? here : here + "/"
        return file.hasPrefix(prefix) ? String(file.dropFirst(prefix.count)) : path
    }
}
