import Foundation
import KernelPower
import TokenWatt

/// `tokenwatt bench`: the tool's own speed on this machine.
enum BenchCommand {
    static let usage = """
    tokenwatt bench [--format text|json]
      Each figure is the median of its repeats, with the least and greatest beside it (text: the
      range column; JSON: KEYMin and KEYMax after the ten median keys), and the per-query estimate
      its 1 ms target (JSON: queryEstimateTargetMicroseconds). Writes an 18 MB log to $TMPDIR for
      the trace figure and removes it, also when the run is stopped by SIGINT, SIGTERM or SIGHUP.
    """

    static func run(_ argv: [String]) throws -> ExitCode {
        let args = try Arguments(argv, valued: ["format"], boolean: [])
        _ = try args.requirePositional(0, usage: usage)
        let format = try args.format([.text, .json], default: .text)
        let results = try measure()
        switch format {
        case .json:
            Output.write(JSONWriter().write(.obj(Benchmarks.jsonPairs(results).map { ($0.key, .num($0.value)) })))
        default:
            Output.write(Output.table(["measure", "median", "min–max", "target"], Benchmarks.tableRows(results)))
        }
        return .success
    }

    /// Runs the benchmarks with the trace log's temporary file registered for removal on a
    /// signal (`TemporaryFiles`): a `defer` does not run when the process is killed, and a bench
    /// stopped during its trace phase had left its 18 MB `tokenwatt-bench-trace-PID.csv` behind.
    static func measure() throws -> [Benchmarks.Measure] {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tokenwatt-bench-trace-\(getpid()).csv")
        TemporaryFiles.remember(url.path)
        defer {
            try? FileManager.default.removeItem(at: url)
            TemporaryFiles.forget(url.path)
        }
        return try Benchmarks.run(traceFile: url)
    }
}
