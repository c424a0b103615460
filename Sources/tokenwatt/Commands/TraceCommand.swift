import Foundation
import KernelPower
import TokenWatt

/// `tokenwatt trace FILE`: every request of a log priced at the load it arrived into.
enum TraceCommand {
    static let usage = """
    tokenwatt trace FILE|- --model ID --gpu ID [--gpus N --tp N --ep N --pp N --precision P --kv-precision P --power-cap-w W
                    --sm-clock-mhz F --framework \(continuousFrameworks) --sampling S]
                    [--log-format azure|mooncake|csv] [--time-column C --input-column C --output-column C [--time-unit s|ms]]
                    [--max-batch N] [--token-budget N] [--replicas N] [--window-s S] [--boundary B] [--pue X]
                    [--per-request FILE|-] [--hourly FILE|-] [--format text|json] [--calibration FILE] [--model-catalog FILE] [--gpu-catalog FILE]
      Streams the log (its requests in constant memory). Azure (TIMESTAMP,ContextTokens,GeneratedTokens) and
      Mooncake (JSON lines or timestamp_ms,input_length,output_length) logs are recognised by their header.
      Any other CSV needs all three columns (--log-format csv, or --input-column and --output-column), each
      a different column; times are seconds (ms with --time-unit ms) or date-times YYYY-MM-DD HH:MM:SS[.f]
      (or with T), UTC, or ending in Z or an offset ±HH:MM. The column flags and --time-unit are refused
      with a detected, Azure or Mooncake log, whose columns and units are fixed. Fields may be quoted
      (RFC 4180), one request a line (LF, CRLF or CR). --log-format mooncake reads either Mooncake form.
      --per-request - (or --hourly -) writes those rows to standard output in place of the summary (no
      --format then: give a FILE to have both). A FILE goes in an existing folder (a missing one is refused,
      not made) and replaces only a file an earlier --per-request or --hourly wrote (by its CSV header).
      The first \(TraceSample.size) requests in time order set the batch ladder's KV-cache batches; one too long
      for a replica to hold alone is left out of them (with a note naming its line) and priced as logged.
      Each rung's capacity then follows the mean occupancy of the requests of the last --window-s, and
      the ladder follows their mean shape (a new one past 1.1× in resident tokens or 1.5× in prompt per output).
      --framework takes the continuous-batching engines only: hf batches statically and is refused.
      The hourly profile holds a row for each hour the log spans, up to \(TraceSummary.maxHours) (past them the totals
      hold the rest, and say so); the text summary writes a run of idle hours as one row. A gap between two
      requests over a year, or over a day and 100× the rest of the log, is warned of on standard error.
    """

    /// The engines `--framework` takes where requests are priced on continuous-batching steps
    /// (trace, export-sql): the help had listed `--framework F`, and hf was refused only once run.
    static let continuousFrameworks = Framework.allCases.filter(\.isFused).map(\.rawValue).joined(separator: "|")

    static func run(_ argv: [String]) throws -> ExitCode {
        let args = try Arguments(argv, valued: EstimateCommand.deploymentFlags.union(EstimateCommand.catalogFlags).union([
            "log-format", "time-column", "input-column", "output-column", "time-unit", "max-batch", "replicas", "window-s",
            "per-request", "hourly", "boundary", "pue", "format", "token-budget"]), boolean: [])
        let file = try args.requirePositional(1, usage: usage)[0]
        let format = try args.format([.text, .json], default: .text)
        let estimator = try CommonOptions.estimator(args)
        let deployment = try EstimateCommand.deployment(estimator, args)
        let options = try replayOptions(args, deployment: deployment)
        let perRequestPath = args.string("per-request"), hourlyPath = args.string("hourly")
        try refuseOutputs(args, perRequest: perRequestPath, hourly: hourlyPath, log: file)
        let name = file == "-" ? "(stdin)" : file
        let (replay, summary, blocks) = try price(file, name: name, format: try logFormat(args), estimator: estimator, deployment: deployment,
                                          options: options, perRequest: perRequestPath, hourly: hourlyPath)
        if perRequestPath != nil, let note = summary.perRequestNote { Output.note("note: \(note)") }
        if let note = replay.unservedNote(summary) { Output.note("note: \(note)") }
        if let note = replay.shapeNote { Output.note("note: \(note)") }
        if let note = blocks.note { Output.note("note: \(note)") }
        for note in SettingCaveats.notes(deployment) { Output.note("note: \(note)") }  // as estimate says of the same deployment
        // A gap that holds most of the energy is said on standard error whatever the output (a
        // mistyped year charged 357,220,000 Wh of idle with only "out of order" to show for it).
        if let gap = summary.gapNote { Output.note("warning: implausible gap: \(gap)") }
        if hourlyPath == "-" { Output.write(summary.hourlyCSV()) }
        if perRequestPath == "-" || hourlyPath == "-" {
            // The rows take the summary's place, not its findings on the data (they had been dropped).
            for f in summary.findings(deployment: deployment, options: options) where f.label != "implausible gap" {
                Output.note("note: \(f.label): \(f.text)")
            }
            return .success
        }
        let range = replay.totalRange(summary)
        Output.write(format == .json ? JSONWriter(sortKeys: false).write(summary.json(options: options, range: range,
                                                                                           inputs: TraceSummary.inputs(file: name, deployment: deployment, options: options),
                                                                                           caveats: PublishedServing.servingCaveats(for: deployment)))
                                     : summary.text(deployment: deployment, options: options, file: file, range: range))
        return .success
    }

    /// The replay's settings from the command's flags (each with its default).
    private static func replayOptions(_ args: Arguments, deployment: Deployment) throws -> TraceReplay.Options {
        var options = TraceReplay.Options()
        options.maxBatch = try args.int("max-batch", 1...1_000_000) ?? 256
        // The engine's default on the GPU, as `estimate` and a fleet deployment without
        // `tokenBudget` take it, so a trace prices what they priced.
        options.tokenBudget = try args.int("token-budget", 1...10_000_000) ?? ServingRequest.defaultTokenBudget(for: deployment)
        options.replicas = try args.int("replicas", 1...1_000_000) ?? 1
        options.windowSeconds = try args.double("window-s", TraceReplay.Options.windowSecondsRange) ?? 300
        options.boundary = try args.choice("boundary", Boundary.self) ?? .facility
        options.pue = try args.pue() ?? LedgerSettings.defaultPUE
        // `--boundary gpu --pue 1.3` dropped the 1.3 without a word: only the facility boundary multiplies by it.
        if args.string("pue") != nil, options.boundary != .facility {
            Output.note("note: --pue is not used at the \(options.boundary.rawValue) boundary (only facility multiplies by the PUE); it is ignored")
        }
        return options
    }

    /// Refuses, before the log is read, outputs that cannot all be written: two on standard
    /// output, a summary format with the rows on standard output, one on an input's path, or a
    /// file this command did not write (`checkOutputFiles`).
    private static func refuseOutputs(_ args: Arguments, perRequest: String?, hourly: String?, log file: String) throws {
        // The rows take standard output: a summary asked for there went nowhere, silently.
        for (flag, path) in [("per-request", perRequest), ("hourly", hourly)] where path == "-" {
            if let f = args.string("format") {
                throw UsageError(description: "--\(flag) - writes the rows to standard output in place of the summary, so --format \(f) "
                                 + "would write nothing; give --\(flag) FILE to have the rows and the summary")
            }
        }
        if perRequest == "-" && hourly == "-" {
            throw UsageError(description: "--per-request - and --hourly - both write to standard output; give one of them a FILE")
        }
        try Output.refuseOverlaps(outputs: [("--per-request", perRequest), ("--hourly", hourly)].compactMap { f, p in p.map { (f, $0) } },
                                  inputs: [("the request log", file)] + CommonOptions.inputFiles(args))
        try checkOutputFiles(perRequest: perRequest, hourly: hourly)
    }

    /// Streams the log through the replay, writing each priced request to `perRequest` as it
    /// goes, then the hourly rows: both files or neither (`-` is standard output).
    private static func price(_ file: String, name: String, format: TraceFormat?, estimator: Estimator, deployment: Deployment,
                              options: TraceReplay.Options, perRequest perRequestPath: String?, hourly hourlyPath: String?)
        throws -> (replay: TraceReplay, summary: TraceSummary, blocks: PrefixBlocks) {
        var reader = try TraceReader(path: file, format: format)
        let (started, sample) = try TraceReplay.start(&reader, name: name, estimator: estimator, deployment: deployment, options: options,
                                                      note: { Output.note("note: \($0)") })
        var replay = started
        // `-` is standard output, as for --per-request (it wrote a file named "-").
        let hourlyFile = hourlyPath == "-" ? nil : hourlyPath
        if let h = hourlyFile { try Output.checkDestination(h) }  // before the log is read, not after
        let perRequest = try perRequestPath.map(StreamingOutput.init)
        var summary = TraceSummary()
        do {
            try perRequest?.write(TraceReplay.Priced.csvHeader)
            try replay.price(sample, rest: { try reader.next() }, into: &summary) { p, index in try perRequest?.write(p.csvRow(index: index)) }
        } catch {
            perRequest?.abandon()
            throw error
        }
        // Both outputs or neither: the per-request file is renamed only once the hourly one is staged.
        try Output.writeFiles(hourlyFile.map { [($0, summary.hourlyCSV())] } ?? [], streams: perRequest.map { [$0] } ?? [])
        return (replay, summary, reader.prefixBlocks)
    }

    /// Refuses, before the log is read, an output whose folder does not exist or that names a file
    /// this command did not write (recognised by its header): `--per-request x.csv` replaced a
    /// file the user kept there without a word, as `sweep -o` refuses to.
    static func checkOutputFiles(perRequest: String?, hourly: String?) throws {
        let perRequestHeader = TraceReplay.Priced.csvHeader.trimmingCharacters(in: .newlines).components(separatedBy: ",")
        if let path = perRequest {
            try Output.checkOutputFile(path, flag: "--per-request", kind: "a per-request CSV", isOurs: {
                Output.hasCSVHeader($0, perRequestHeader, columns: perRequestHeader.count)
            })
        }
        if let path = hourly {
            try Output.checkOutputFile(path, flag: "--hourly", kind: "an hourly CSV", isOurs: {
                Output.hasCSVHeader($0, TraceSummary.hourlyHeader, columns: TraceSummary.hourlyHeader.count)
            })
        }
    }

    /// The flags that lay out a CSV by name; an Azure or Mooncake log, or one whose format is
    /// detected from its header, has its own columns and units, and ignored them: a Mooncake CSV
    /// whose `timestamp` column held milliseconds read `--time-unit ms` as nothing and cost 284×.
    static let columnFlags = ["time-column", "input-column", "output-column", "time-unit"]

    static func logFormat(_ args: Arguments) throws -> TraceFormat? {
        let input = args.string("input-column"), output = args.string("output-column"), time = args.string("time-column")
        let unit = args.string("time-unit")
        if let unit, unit != "s" && unit != "ms" { throw UsageError(description: "--time-unit \(unit): expected s or ms") }
        let given = columnFlags.filter { args.string($0) != nil }
        switch args.string("log-format") {
        case nil:
            guard input != nil || output != nil else {
                guard let flag = given.first else { return nil }
                throw UsageError(description: "--\(flag) is read only with the columns it applies to: give --time-column, --input-column and "
                                 + "--output-column (a log whose format is detected from its header has fixed columns and units, and would ignore it)")
            }
            fallthrough
        case "csv":
            guard let i = input, let o = output else { throw UsageError(description: "--log-format csv needs --input-column and --output-column") }
            guard let t = time else {
                throw UsageError(description: "--log-format csv needs --time-column C: each request is priced at the load it arrived into, so the log needs arrival times")
            }
            if let shared = TraceFormat.sharedColumn(time: t, input: i, output: o) {
                throw UsageError(description: "--\(shared.first)-column and --\(shared.second)-column both name column \(shared.column); each role needs its own column")
            }
            return .csv(timestamp: t, input: i, output: o, milliseconds: unit == "ms")
        case let fixed? where fixed == "azure" || fixed == "mooncake":
            if let flag = given.first {
                throw UsageError(description: "--\(flag) is not read with --log-format \(fixed), whose columns and time unit are fixed; "
                                 + "name all three columns with --log-format csv to read them your way")
            }
            return fixed == "azure" ? .azure : .mooncake
        case let other?: throw UsageError(description: "--log-format \(other): expected azure, mooncake or csv")
        }
    }
}
