import Foundation
import Testing

/// `trace`'s findings on the log's data reach standard error when the rows take standard output,
/// and an implausible gap is warned of there whatever the output.
extension CLITests {
    static func traceLog(_ rows: [(time: String, input: Int, output: Int)]) -> String {
        "TIMESTAMP,ContextTokens,GeneratedTokens\n" + rows.map { "\($0.time),\($0.input),\($0.output)" }.joined(separator: "\n") + "\n"
    }

    /// 120 requests a second apart, logged twice over (two servers' logs concatenated): the
    /// second copy is out of order. `--per-request -` and `--hourly -` had given a clean
    /// standard error, every finding dropped with the summary.
    @Test func rowsOnStdoutKeepTheTraceFindingsOnStderr() throws {
        let once = (0..<120).map { (time: "2023-11-16 18:\(10 + $0 / 60):\(String(format: "%02d", $0 % 60)).5", input: 300 + $0, output: 40) }
        let log = Self.traceLog(once + once)
        let base = ["trace", "-", "--model", "meta-llama/Llama-3.1-8B-Instruct", "--gpu", "h100-sxm"]
        for output in [["--per-request", "-"], ["--hourly", "-"]] {
            let r = try Self.run(base + output, stdin: log)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stderr.contains("note: out of order: 119 requests are logged earlier than a request before them"), "\(output): \(r.stderr)")
            #expect(!r.stdout.contains("out of order"))
        }
        // Beside a summary the findings stay in it, not on standard error twice.
        let summary = try Self.run(base, stdin: log)
        #expect(summary.stdout.contains("  out of order      119 requests") && !summary.stderr.contains("out of order"), "\(summary.stderr)")
    }

    /// One row's year mistyped (2123 for 2023) put 100 years of idle in the energy, and the summary
    /// said only "out of order"; here a month (December for November, 30 days of idle, a profile
    /// short enough for the JSON). The gap is warned of on standard error, in the text and the JSON.
    @Test func aTraceWarnsOfAnImplausibleGapOnStderr() throws {
        var rows = (0..<30).map { (time: "2023-11-16 18:10:\(String(format: "%02d", $0)).5", input: 300 + $0, output: 40) }
        rows[10].time = "2023-12-16 18:10:10.5"
        let base = ["trace", "-", "--model", "meta-llama/Llama-3.1-8B-Instruct", "--gpu", "h100-sxm"]
        let text = try Self.run(base, stdin: Self.traceLog(rows))
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stderr.contains("warning: implausible gap: 30 days pass between the request at index 29 (2023-11-16 18:10:29 UTC)"), "\(text.stderr)")
        #expect(text.stdout.contains("  implausible gap   30 days pass") && text.stdout.split(separator: "\n").count < 40, "\(text.stdout.prefix(3000))")
        let json = try Self.run(base + ["--format", "json"], stdin: Self.traceLog(rows))
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let gap = try #require(obj["implausibleGap"] as? [String: Any])
        #expect(gap["toIndex"] as? Double == 10 && gap["fromIndex"] as? Double == 29, "\(gap)")
        let rowsOut = try Self.run(base + ["--per-request", "-"], stdin: Self.traceLog(rows))
        #expect(rowsOut.stderr.components(separatedBy: "implausible gap").count == 2, "once: \(rowsOut.stderr)")
    }

    /// `--window-s` takes what the short-window note advises: its range is the replay's.
    @Test func traceWindowFlagTakesTheRangeTheTraceNoteAdvisesWithin() throws {
        let log = Self.traceLog((0..<5).map { (time: "2023-11-\(10 + $0 * 3) 00:00:00", input: 500, output: 100) })
        let base = ["trace", "-", "--model", "meta-llama/Llama-3.1-8B-Instruct", "--gpu", "h100-sxm"]
        let r = try Self.run(base, stdin: log)
        #expect(r.stdout.contains("--window-s takes at most 10000000 s"), "\(r.stdout)")
        #expect(try Self.run(base + ["--window-s", "10000000"], stdin: log).status == 0)
    }
}
