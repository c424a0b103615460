import Foundation
import KernelPower
import TokenWatt

/// `tokenwatt validate`: the estimator against the measurements in ../shared/data, as a report.
enum ValidateCommand {
    static let usage = """
    tokenwatt validate [--format text|json|markdown] [--data-dir DIR] [--calibration FILE] [--by-model]
                       [-o DIR] [--no-report] [--quick] [--rows DATASET|levers|targets] [--bands-out FILE] [--refits-out FILE]
      Writes DIR/validation.md, DIR/validation.json and one SVG per data set (DIR defaults to Reports)
      and prints the summary. --quick skips the generalization refits; --no-report writes no files and so
      skips the refits too, unless --refits-out asks for them (the markdown and json it prints say so);
      a partial run (--quick, --rows, --calibration or a catalog's environment variable) writes files
      only to a DIR given with -o other than Reports, so an experiment never overwrites the committed Reports;
      --format: text, json or markdown for the summary; with --rows DATASET text, csv or json; with
      --rows levers or --rows targets text only (another format is refused before the suite runs);
      --rows prints every TokenWatt row of one data set (e.g. mlperf-power, or energaizer-prefill for
      both its parts) instead of the summary (--format csv or json: measured, predicted, relative error),
      --rows levers every pair of runs behind the lever table (measured and predicted change),
      --rows targets every MAPE limit the issues set against its row, met or not;
      --by-model: the text table gives TokenWatt's rows per model family too (e.g. llama-2, llama-3 beside
      each data set's `all` row) and leaves out the baseline estimators' rows; JSON (byFamily) and
      markdown carry the families either way;
      --bands-out FILE and --refits-out FILE write into an existing folder (a missing one is refused, not made)
      and replace only a file of their own kind; -o DIR replaces only the report files in it;
      --bands-out writes the measured ÷ estimated energy bands that estimate's range reads
      (the bundled file: Sources/TokenWatt/Resources/error-bands.json); not with --calibration FILE;
      --refits-out runs the refits that leave each model family out of the serving fit (minutes) and
      writes their forecasts, which the bands count against their ranges
      (the bundled file: Sources/TokenWatt/Resources/serving-refits.json); not with --quick or --calibration FILE.
      \(CommonOptions.dataDirectoryHelp)
    """

    static func run(_ argv: [String]) throws -> ExitCode {
        let setup = try Setup(argv)
        let args = setup.args
        // The generalization refits only feed the report: a run that writes none skips them.
        let skipped = skippedRefits(args, writesReport: setup.reportDir != nil)
        var (report, suite, refits) = try build(data: setup.data, estimator: setup.estimator, skipped: skipped)
        try refuseAfterSuite(args, suite: suite, refits: refits)
        report.calibrationNote = CommonOptions.userCalibrationNote(args, estimator: setup.estimator).map {
            "\($0); the figures below score that file, and the targets, levers and bands below are recomputed with it"
        }
        try writeOutputs(setup, report: report, suite: suite, refits: refits)
        if let dataset = args.string("rows") { return try printRows(of: dataset, report: report, format: setup.format) }
        printSummary(report, args: args, format: setup.format)
        noteSuite(suite, report: report, refits: refits, estimator: setup.estimator)
        return .success
    }

    /// What `run` settles before the suite runs (minutes): every refusal of the arguments and
    /// outputs that needs no result comes here, so a slip costs no run.
    private struct Setup {
        let args: Arguments, format: OutputFormat, data: String, estimator: Estimator
        /// Where the report goes: nil with --no-report, or for a partial run without -o DIR.
        let reportDir: String?
        /// Whether the run is partial (`partialSource`).
        let partial: Bool

        init(_ argv: [String]) throws {
            args = try Arguments(argv, valued: ["format", "data-dir", "calibration", "o", "output", "rows", "bands-out", "refits-out"],
                                 boolean: ["by-model", "no-report", "quick"])
            _ = try args.requirePositional(0, usage: usage)
            // Rows are a table: text, CSV or JSON (they printed the text table whatever --format said).
            format = args.string("rows") == nil ? try args.format([.text, .json, .markdown], default: .text)
                : try args.format([.text, .csv, .json], default: .text)
            // Refused before the suite runs and before any note: `--rows levers --format json` had
            // printed the partial run's note, run the suite and then exited 64 (2026-12-07 probe).
            if let dataset = args.string("rows") { try refuseRowsFormat(dataset, format: format) }
            let explicitDir = try args.outputPath()
            try ReportCommand.refuseFileNameAsFolder(explicitDir)
            partial = try refusePartialInReports(args, explicitDir: explicitDir)
            data = try DataDirectory.resolve(explicit: args.string("data-dir"))
            try refuseBundledOutputConflicts(args)
            estimator = try CommonOptions.estimator(args)
            // Reports/ holds the bundled model's full run only: a partial run writes where -o says, or nowhere.
            reportDir = args.flag("no-report") ? nil : partial ? explicitDir : explicitDir ?? "Reports"
            // Refused before the suite runs (minutes): the run reads every file under the data folder.
            try Output.refuseInsideData(outputs: [("--bands-out", args.string("bands-out")), ("--refits-out", args.string("refits-out")),
                                                  ("-o", reportDir.map { $0 + "/validation.md" })]
                .compactMap { what, path in path.map { (what, $0) } }, dataDirectory: data)
            try checkOutputFiles(args, reportDir: reportDir)
        }
    }

    /// --bands-out and --refits-out write the bundled coefficients' files, so they are refused
    /// beside what would make them something else.
    private static func refuseBundledOutputConflicts(_ args: Arguments) throws {
        // The bands file is what estimate reads as the bundled coefficients' error; bands measured
        // on a user file would be presented as those.
        if args.string("calibration") != nil, args.string("bands-out") != nil || args.string("refits-out") != nil {
            throw UsageError(description: "--bands-out and --refits-out write the error bands and refits of the bundled coefficients "
                             + "(the files estimate reads); with --calibration FILE they would measure your file instead: leave out one of the two")
        }
        if args.string("refits-out") != nil, args.flag("quick") {
            throw UsageError(description: "--refits-out writes the serving refits, which --quick skips: leave out one of the two")
        }
    }

    /// The refusals that need the suite's result, made before any file is written or note printed.
    private static func refuseAfterSuite(_ args: Arguments, suite: ValidationSuite, refits: ServingRefitForecasts?) throws {
        // An unknown data set is refused before any file is written or note printed.
        if let dataset = args.string("rows") { _ = try rowSets(dataset, suite: suite) }
        // Refused rather than writing nothing: the refits are the bundled calibration's alone.
        if args.string("refits-out") != nil, refits == nil {
            throw UsageError(description: "--refits-out writes the refits of the bundled coefficients; this run did not refit "
                             + "them, so it has none to write")
        }
        // A file the bundled reader would refuse is not written (the tool would not start with it).
        if let path = args.string("refits-out") { try refits?.checkOneForecastPerLabel(file: path) }
    }

    /// Writes the report, the bands and the refits the options ask for, and says on stderr what
    /// was written (or, for a partial run, why nothing was).
    private static func writeOutputs(_ setup: Setup, report: ValidationReport, suite: ValidationSuite,
                                     refits: ServingRefitForecasts?) throws {
        let args = setup.args
        // The report and the bands are one set, written all or none: a bad --bands-out left a
        // new report beside the old bands. Each file goes with the option that names it, for the
        // refusal of two outputs on one path.
        var named = (setup.reportDir.map { Self.files(report, suite: suite, dir: $0, header: provenance(args)) } ?? [])
            .map { (option: "the report", file: $0) }
        if let path = args.string("bands-out"), let bands = report.bands { named.append(("--bands-out", (path, bands.json()))) }
        if let path = args.string("refits-out"), let refits { named.append(("--refits-out", (path, refits.json()))) }
        try Output.refuseOverlaps(outputs: named.map { ($0.option, $0.file.path) }, inputs: CommonOptions.inputFiles(args))
        // The plots are named once the suite has run: checked as the report's files were.
        for (option, file) in named where option == "the report" { try checkReportFile(file.path) }
        try Output.writeFiles(named.map(\.file))
        // On stderr: standard output is the summary alone, which --format json makes one JSON document.
        if let dir = setup.reportDir { Output.note("wrote \(dir)/validation.md, validation.json and its plots") }
        // Said, so that a run that kept no report is not mistaken for one that refreshed Reports/.
        if setup.partial, setup.reportDir == nil, !args.flag("no-report"), let source = partialSource(args) {
            Output.note("note: a partial run (\(source)) writes no report files unless -o DIR names a folder; Reports/ keeps the full run")
        }
    }

    /// The summary on stdout: the report as JSON or Markdown, or the text tables (summary rows,
    /// targets, levers) under the calibration's note.
    private static func printSummary(_ report: ValidationReport, args: Arguments, format: OutputFormat) {
        switch format {
        case .json: Output.write(JSONWriter().write(report.json()))
        case .markdown: Output.write(report.markdown(options: provenance(args).options, dataDirectory: provenance(args).dataDirectory))
        default:
            let byModel = args.flag("by-model")
            let rows = byModel ? report.results + report.byFamily : report.results
            if let note = report.calibrationNote { Output.write("note: \(note)\n\n") }
            Output.write(Output.table(header, rows.filter { $0.estimator == "tokenwatt" || !byModel }.map(cells)))
            Output.write("\nTARGETS (MAPE limits set by the issues): " + AccuracyTarget.summary(report.targets) + "\n")
            Output.write("\nLEVERS (runs that differ in one setting: predicted ÷ measured change − 1)\n" + Output.table(
                ["lever", "campaign", "pairs", "MAPE", "median", "bias", "P5–P95", "same direction"], report.levers.map(ValidationReport.leverCells)))
        }
    }

    /// The suite's own notes on stderr: rows not estimated, each data set's notes, and refits or
    /// bands that no longer match the bundled files estimate reads.
    private static func noteSuite(_ suite: ValidationSuite, report: ValidationReport, refits: ServingRefitForecasts?, estimator: Estimator) {
        let skippedSets = Dictionary(grouping: suite.skipped, by: \.dataset)
        for (name, rows) in skippedSets.sorted(by: { $0.key < $1.key }) {
            Output.note("note: \(name): \(rows.count) rows not estimated (e.g. \(rows[0].label): \(rows[0].reason))")
        }
        for n in suite.notes { Output.note("note: \(n.dataset): \(n.note)") }
        if let refits, !refits.matches(ServingRefitForecasts.bundled) {
            Output.note("note: this run's serving refits differ from the bundled ones (serving-refits.json), whose counts the bundled "
                        + "bands (error-bands.json, estimate's caveat) carry; `tokenwatt validate --no-report --refits-out "
                        + "Sources/TokenWatt/Resources/serving-refits.json --bands-out Sources/TokenWatt/Resources/error-bands.json` updates both")
        }
        if estimator.calibrationIsBundled,
           let changed = ErrorBands.bundled.staleness(against: report.bands?.runsByDataSet ?? ErrorBands.runs(suite.records)) {
            Output.note("note: the bundled error bands and lever figures (estimate's range, fleet's levers) were computed from other runs "
                        + "(\(changed)); `tokenwatt \(ErrorBands.generatedBy.dropFirst("tokenwatt ".count))` updates them")
        }
    }

    /// Refused before the suite runs (minutes): `--bands-out` and `--refits-out` write into an
    /// existing folder and replace only the file of their schema (the bundled error-bands.json and
    /// serving-refits.json among them, which the maintainers rewrite with them), and the report
    /// replaces only a report file, as `report -o` does; they had replaced any file and made
    /// missing folders (2026-12-07 probe). `-o DIR` still makes DIR, the folder it names.
    static func checkOutputFiles(_ args: Arguments, reportDir: String?) throws {
        if let path = args.string("bands-out") {
            try Output.checkOutputFile(path, flag: "--bands-out", kind: "an error-bands file", isOurs: {
                Output.isJSONObject($0, withKeys: ["schemaVersion", "generatedBy", "bands", "runsByDataSet"])
            })
        }
        if let path = args.string("refits-out") {
            try Output.checkOutputFile(path, flag: "--refits-out", kind: "a serving-refits file", isOurs: {
                Output.isJSONObject($0, withKeys: ["schemaVersion", "generatedBy", "forecasts"])
            })
        }
        for name in ["validation.md", "validation.json"] { if let dir = reportDir { try checkReportFile(dir + "/" + name) } }
    }

    /// A report file replaces only a file `report` or `validate` wrote.
    static func checkReportFile(_ path: String) throws {
        try Output.refuseReplacingForeign(path, flag: "validate -o", kind: "a report file", isOurs: ReportCommand.isReportFile)
    }

    /// Whether the run is partial (a part of the suite, or another model than the bundled one);
    /// refuses one whose -o names the committed Reports/, as report refuses an experiment there
    /// (`validate --quick -o Reports` replaced the full report with one missing its refits).
    static func refusePartialInReports(_ args: Arguments, explicitDir: String?) throws -> Bool {
        guard let source = partialSource(args) else { return false }
        if let dir = explicitDir, !args.flag("no-report") { try ReportCommand.refuseCommittedReports(dir, source: source) }
        return true
    }

    /// What makes the run partial (the flag or catalog variable), or nil for a full run.
    static func partialSource(_ args: Arguments) -> String? {
        let flag = args.flag("quick") ? "--quick" : args.string("rows") != nil ? "--rows" : nil
        return flag ?? ReportCommand.experimentSource(args)
    }

    /// Why this run skips the generalization refits (minutes), or nil when it runs them: the
    /// report and the JSON say so where the table would be, instead of showing it empty.
    static func skippedRefits(_ args: Arguments, writesReport: Bool) -> String? {
        if args.flag("quick") { return "the generalization refits are skipped by --quick" }
        if args.string("calibration") != nil {
            return "the generalization refits refit the bundled calibration's data sets, so a run with --calibration FILE skips them"
        }
        if !writesReport, args.string("refits-out") == nil {
            return "the generalization refits only feed a written report, so a run that writes none (--no-report, or a partial run without -o DIR) skips them"
        }
        return nil
    }

    /// Runs every data set (and, unless skipped, the generalization refits). The bands count the
    /// serving refits' forecasts against their ranges: this run's when it refitted, else the bundled ones.
    static func build(data: String, estimator: Estimator, skipped: String?)
        throws -> (report: ValidationReport, suite: ValidationSuite, refits: ServingRefitForecasts?) {
        let suite = try ValidationSuite.run(dataDirectory: data, estimator: estimator)
        let refits = skipped != nil ? nil : try Generalization.all(dataDirectory: data)
        let fresh = refits.map { ServingRefitForecasts(gpu: BuiltinCalibration.servingFitGPU, records: $0.serving.forecasts) }
        let fitted = Set(estimator.calibration.fitted.map(\.gpuID))
        // The bundled calibration's own rows and refits; another calibration's are not known here, and none are counted.
        let bundled = estimator.calibrationIsBundled
        let inFit = bundled ? try ErrorBands.bundledFitRuns(dataDirectory: data, estimator: estimator) : []
        let forecasts = bundled ? (fresh ?? ServingRefitForecasts.bundled).byKey : [:]
        var report = ValidationReport(suite: suite, generalization: refits?.rows ?? [], fitted: fitted, inFit: inFit, forecasts: forecasts)
        report.generalizationSkipped = skipped
        return (report, suite, bundled ? fresh : nil)
    }

    /// DIR/validation.md, DIR/validation.json and one SVG per data set.
    static func files(_ report: ValidationReport, suite: ValidationSuite, dir: String,
                      header: (options: [String], dataDirectory: String?) = ([], nil)) -> [(path: String, text: String)] {
        var files = [(path: dir + "/validation.md", text: report.markdown(options: header.options, dataDirectory: header.dataDirectory)), (path: dir + "/validation.json", text: JSONWriter().write(report.json()))]
        for ds in Set(suite.records.map(\.dataset)).sorted() {
            if let svg = report.plot(ds) { files.append((dir + "/" + ValidationReport.plotName(ds), svg)) }
        }
        if let svg = report.leverPlot() { files.append((dir + "/" + ValidationReport.leverPlotName, svg)) }
        return files
    }

    static let header = ["dataset", "gpu", "model", "metric", "estimator", "n", "MAPE", "median APE", "bias", "max APE"]

    static func cells(_ r: ValidationSummaryRow) -> [String] {
        [r.dataset, r.gpu, r.group, r.metric, r.estimator, String(r.metrics.n), formatPercent(r.metrics.mape),
         formatPercent(r.metrics.medianAPE), formatPercent(r.metrics.bias), formatPercent(r.metrics.maxAPE)]
    }
}
