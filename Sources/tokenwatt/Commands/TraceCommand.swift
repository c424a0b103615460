import Foundation
import KernelPower
import TokenWatt

/// `tokenwatt trace FILE`: every request of a log priced at the load it arrived into.
enum TraceCommand {
    static let usage = """
    tokenwatt trace FILE|- --model ID --gpu ID [--gpus N --tp N --ep N --pp N --precision P --kv-precision P --power-cap-w W
                    --sm-clock-mhz F --framework F --sampling S]
                    [--log-format azure|mooncake|csv] [--time-column C --input-column C --output-column C [--time-unit s|ms]]
                    [--max-batch N] [--token-budget N] [--replicas N] [--window-s S] [--boundary B] [--pue X]
                    [--per-request FILE|-] [--hourly FILE] [--format text|json] [--calibration FILE] [--model-catalog FILE] [--gpu-catalog FILE]
      Streams the log (any size, constant memory). Azure (TIMESTAMP,ContextTokens,GeneratedTokens) and
      Mooncake (JSON lines or timestamp_ms,input_length,output_length) logs are recognised by their header.
      Any other CSV needs all three columns; times are seconds (ms with --time-unit ms) or date-times
      YYYY-MM-DD HH:MM:SS[.f] (UTC). Fields may be quoted (RFC 4180), one request a line. --log-format
      mooncake reads either Mooncake form.
      --per-request - writes the rows to standard output in place of the summary (no --format then:
      give --per-request FILE to have both).
      The first \(TraceSample.size) requests set the batch ladder; one too long for a replica to hold alone
      is left out of them (with a note naming its line) and priced as logged.
    """

    static func run(_ argv: [String]) throws -> ExitCode {
        let args = try Arguments(argv, valued: EstimateCommand.deploymentFlags.union(EstimateCommand.catalogFlags).union([
            "log-format", "time-column", "input-column", "output-column", "time-unit", "max-batch", "replicas", "window-s",
            "per-request", "hourly", "boundary", "pue", "format", "token-budget"]), boolean: [])
        let file = try args.requirePositional(1, usage: usage)[0]
        let format = try args.format([.text, .json], default: .text)
        let estimator = try CommonOptions.estimator(args)
        let deployment = try estimator.deployment(try EstimateCommand.deploymentRequest(args))
        var options = TraceReplay.Options()
        options.maxBatch = try args.int("max-batch", 1...1_000_000) ?? 256
        // A fleet deployment's tokenBudget, so a trace can price what `fleet` priced.
        options.tokenBudget = try args.int("token-budget", 1...10_000_000) ?? 8192
        options.replicas = try args.int("replicas", 1...1_000_000) ?? 1
        options.windowSeconds = try args.double("window-s", 1...1e7) ?? 300
        options.boundary = try args.choice("boundary", Boundary.self) ?? .facility
        options.pue = try args.pue() ?? LedgerSettings.defaultPUE
        let perRequestPath = args.string("per-request"), hourlyPath = args.string("hourly")
        // The rows take standard output: a summary asked for there went nowhere, silently.
        if perRequestPath == "-", let f = args.string("format") {
            throw UsageError(description: "--per-request - writes the rows to standard output in place of the summary, so --format \(f) "
                             + "would write nothing; give --per-request FILE to have the rows and the summary")
        }
        try Output.refuseOverlaps(outputs: [("--per-request", perRequestPath), ("--hourly", hourlyPath)].compactMap { f, p in p.map { (f, $0) } },
                                  inputs: [("the request log", file)] + CommonOptions.inputFiles(args))
        var reader = try TraceReader(path: file, format: try logFormat(args))
        let name = file == "-" ? "(stdin)" : file
        let (started, sample) = try startReplay(&reader, name: name, estimator: estimator, deployment: deployment, options: options)
        var replay = started
        if let h = hourlyPath { try Output.checkDestination(h) }  // before the log is read, not after
        let perRequest = try perRequestPath.map(StreamingOutput.init)
        var summary = TraceSummary()
        do {
            try perRequest?.write(TraceReplay.Priced.csvHeader)
            var read = 0  // the sample first, then the rest of the log
            try replay.price(all: {
                guard read < sample.count else { return try reader.next() }
                read += 1
                return sample[read - 1]
            }, into: &summary) { p, index in try perRequest?.write(p.csvRow(index: index)) }
        } catch {
            perRequest?.abandon()
            throw error
        }
        // Both outputs or neither: the per-request file is renamed only once the hourly one is staged.
        try Output.writeFiles(hourlyPath.map { [($0, summary.hourlyCSV())] } ?? [], streams: perRequest.map { [$0] } ?? [])
        if perRequest != nil, let note = perRequestNote(summary) { Output.note(note) }
        if args.string("per-request") == "-" { return .success }
        let range = replay.totalRange(summary)
        Output.write(format == .json ? JSONWriter(sortKeys: false).write(summary.json(options: options, range: range))
                                     : summary.text(deployment: deployment, options: options, file: file, range: range))
        return .success
    }

    /// Reads the log's first requests and builds the replay's batch ladder from them (those a
    /// replica can hold); returns the replay and every request read, all of which are priced.
    static func startReplay(_ reader: inout TraceReader, name: String, estimator: Estimator, deployment: Deployment,
                            options: TraceReplay.Options) throws -> (TraceReplay, [TraceRequest]) {
        let taken = try TraceSample.read(&reader, deployment: deployment, tokenBudget: options.tokenBudget)
        let sample = taken.requests
        guard !sample.isEmpty else {
            throw FleetError(description: "\(name): the request log holds no requests (a header and no request lines)")
        }
        if !taken.leftOutLines.isEmpty && !taken.ladder.isEmpty {
            Output.note("note: \(name): \(taken.leftOutWords): no sequence that long fits the KV cache of one replica, even alone; "
                        + "left out of the requests that set the batch ladder, and priced as logged")
        }
        do {
            // With no request that fits, the full sample: the deployment's own error says why.
            let replay = try TraceReplay(estimator: estimator, deployment: deployment, options: options,
                                         sample: taken.ladder.isEmpty ? sample : taken.ladder)
            return (replay, sample)
        } catch let e as DeploymentError {
            let lines = taken.ladder.isEmpty && !taken.leftOutLines.isEmpty ? " (\(taken.leftOutWords))" : ""
            throw FleetError(description: "\(name): the first \(sample.count) requests\(lines), which set the batch ladder: \(e)")
        }
    }

    /// Why the per-request rows do not add up to the total, when they do not by more than
    /// rounding: the idle still owed (or charged ahead) when the log ended is the log's, not a
    /// request's. A burst at one timestamp summed to 169.6 Wh against a total of 110.6 Wh.
    static func perRequestNote(_ s: TraceSummary) -> String? {
        guard abs(s.owedIdleWh) > 0.001 * abs(s.totalWh) else { return nil }
        let rows = s.perRequest.sum
        let why = s.owedIdleWh > 0 ? "the replicas' idle time not yet charged to a request when the log ended"
                                   : "idle charged to the requests beyond the replicas' idle time up to the last arrival"
        return "note: the per-request wh add up to \(formatNumber(rows, significant: 4)) Wh; the log's total is \(formatNumber(s.totalWh, significant: 4)) Wh, "
            + "with \(formatNumber(s.owedIdleWh, significant: 3)) Wh of \(why) (owedIdleWh)"
    }

    static func logFormat(_ args: Arguments) throws -> TraceFormat? {
        let input = args.string("input-column"), output = args.string("output-column")
        switch args.string("log-format") {
        case nil:
            guard input != nil || output != nil else { return nil }
            fallthrough
        case "csv":
            guard let i = input, let o = output else { throw UsageError(description: "--log-format csv needs --input-column and --output-column") }
            guard args.string("time-column") != nil else {
                throw UsageError(description: "--log-format csv needs --time-column C: each request is priced at the load it arrived into, so the log needs arrival times")
            }
            let unit = args.string("time-unit") ?? "s"
            guard unit == "s" || unit == "ms" else { throw UsageError(description: "--time-unit \(unit): expected s or ms") }
            return .csv(timestamp: args.string("time-column"), input: i, output: o, milliseconds: unit == "ms")
        case "azure": return .azure
        case "mooncake": return .mooncake
        case let other?: throw UsageError(description: "--log-format \(other): expected azure, mooncake or csv")
        }
    }
}
