import Foundation
import Testing

/// The README's result tables quote the committed reports, which another test keeps fresh; this
/// one holds the quotes to them, so a refit that moves a report cannot leave the README behind
/// (an audit on 2026-12-05 found 35 stale figures, among them these tables' GPU counts).
@Suite struct ReadmeFiguresTests {
    /// A README table row (found by the start of its first cell), the report and scenario it
    /// quotes, and which README columns hold which report columns (0-based cells of each row).
    struct Quote: CustomStringConvertible {
        let row: String
        let report: String
        let scenario: String
        let columns: [(readme: Int, report: Int)]
        var description: String { row }
    }

    /// Report summary columns: 2 median Wh, 3 mean Wh, 6 GPUs, 7 facility MW.
    static let medianMean = [(readme: 1, report: 2), (readme: 2, report: 3)]
    static let quotes: [Quote] = [
        Quote(row: "long reasoning, 15 × output", report: "ttc-long-reasoning", scenario: "long-reasoning-15x", columns: medianMean),
        Quote(row: "best-of-8", report: "ttc-best-of-n", scenario: "best-of-8", columns: medianMean),
        Quote(row: "self-consistency, 16 paths |", report: "ttc-self-consistency", scenario: "self-consistency-16", columns: medianMean),
        Quote(row: "self-consistency, 16 paths × 4", report: "ttc-self-consistency", scenario: "self-consistency-16-long", columns: medianMean),
        Quote(row: "sequential revision, 4 rounds", report: "ttc-sequential-revision", scenario: "revision-4", columns: medianMean),
        Quote(row: "the same with 90 % prefix-cache", report: "ttc-sequential-revision", scenario: "revision-4-prefix-cache", columns: medianMean),
        Quote(row: "agent loop, 10 calls", report: "ttc-agent-loop", scenario: "agent-10-calls", columns: medianMean),
        Quote(row: "the same with 95 % prefix-cache", report: "ttc-agent-loop", scenario: "agent-10-calls-prefix-cache", columns: medianMean),
    ] + [
        ("Qwen3.5-397B-A17B", "qwen3.5-397b"), ("Qwen3-235B-A22B-Thinking", "qwen3-235b-thinking-fp8"),
        ("DeepSeek-V3.2, FP8, attention data-parallel", "deepseek-v3.2-dp-attention"), ("Kimi-K2-Thinking", "kimi-k2-thinking"),
        ("DeepSeek-V3.1, FP8, tp 8", "deepseek-v3.1"), ("DeepSeek-V3.2, FP8, tp 8", "deepseek-v3.2"),
    ].map { Quote(row: $0.0, report: "ttc-frontier-models", scenario: $0.1, columns: medianMean + [(readme: 3, report: 6)]) } + [
        ("B200 |", "b200"), ("B300 |", "b300"), ("MI355X |", "mi355x"), ("GB300 (NVL72 rack)", "gb300"), ("MI325X |", "mi325x"),
        ("MI300X |", "mi300x"), ("H200 |", "h200"), ("H100 SXM |", "h100-sxm"), ("H800 SXM", "h800-sxm"), ("RTX PRO 6000 Server", "rtx-pro-6000-server"),
    ].map { Quote(row: $0.0, report: "gpu-generations", scenario: $0.1, columns: [(2, 2), (3, 3), (5, 6), (6, 7)]) }

    static func cells(_ line: Substring) -> [String] {
        line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast().map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// The README's figure holds the report's when the report's, rounded to the README's shown
    /// decimals, is the same number ("11,872" and "0.064" quote 11872 and 0.0640).
    static func quotes(_ readme: String, _ report: String) -> Bool {
        let shown = readme.replacingOccurrences(of: ",", with: "")
        guard let a = Double(shown), let b = Double(report) else { return false }
        let decimals = shown.split(separator: ".").dropFirst().first?.count ?? 0
        return abs(a - b) <= 0.5 * pow(10, -Double(decimals)) + 1e-12
    }

    /// The README's figure is the number the report prints, in as many digits: a rounding of it
    /// let "4.2" stand for 4.25 and "0.16" for 0.164 (2026-12-07 probe). Trailing zeros and
    /// thousands separators are free ("0.0450" and "11,896" state 0.045 and 11896).
    static func states(_ readme: String, _ report: String) -> Bool {
        // Decimal, not Double: two decimal strings are the same number exactly or not at all.
        guard let a = Decimal(string: readme.replacingOccurrences(of: ",", with: "")), let b = Decimal(string: report) else { return false }
        return a == b
    }

    @Test(arguments: quotes)
    func theReadmeQuotesTheCommittedReport(_ q: Quote) throws {
        let readme = try String(contentsOf: packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let report = try String(contentsOf: packageRoot.appendingPathComponent("Reports/\(q.report).md"), encoding: .utf8)
        let line = try #require(readme.split(separator: "\n").first { $0.hasPrefix("| " + q.row) }, "README has no row '\(q.row)'")
        let summary = try #require(report.split(separator: "\n").first { $0.hasPrefix("| \(q.scenario) | ") },
                                   "Reports/\(q.report).md has no summary row '\(q.scenario)'")
        let mine = Self.cells(line), theirs = Self.cells(summary)
        for c in q.columns {
            #expect(Self.states(mine[c.readme], theirs[c.report]),
                    "README '\(q.row)' column \(c.readme) says \(mine[c.readme]); Reports/\(q.report).md says \(theirs[c.report])")
        }
    }

    /// The test-time-compute table's "× single" column quotes each report's strategy table (a
    /// scenario's row there has eight cells: its sixth is the mean Wh, its seventh the ratio, its
    /// eighth the ratio's sampling range).
    @Test(arguments: quotes.prefix(8))
    func theTestTimeComputeRatiosQuoteTheReports(_ q: Quote) throws {
        let readme = try String(contentsOf: packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let report = try String(contentsOf: packageRoot.appendingPathComponent("Reports/\(q.report).md"), encoding: .utf8)
        let line = try #require(readme.split(separator: "\n").first { $0.hasPrefix("| " + q.row) })
        let strategy = try #require(report.split(separator: "\n").map(Self.cells).first { $0.count == 8 && $0[0] == q.scenario },
                                    "Reports/\(q.report).md has no strategy row '\(q.scenario)'")
        #expect(Self.quotes(Self.cells(line)[3], strategy[6]), "README '\(q.row)' says × \(Self.cells(line)[3]); the report says \(strategy[6])")
    }

    @Test func roundingToTheShownDecimalsIsAQuote() {
        #expect(Self.quotes("0.064", "0.0640") && Self.quotes("11,872", "11872") && Self.quotes("0.45", "0.449"))
        #expect(!Self.quotes("0.065", "0.0640") && !Self.quotes("11,896", "11872") && !Self.quotes("0.47", "0.45"))
    }

    @Test func aTableFigureIsTheReportsNumber() {
        #expect(Self.states("0.0450", "0.045") && Self.states("11,896", "11896") && Self.states("4.25", "4.25"))
        #expect(!Self.states("4.2", "4.25") && !Self.states("0.16", "0.164") && !Self.states("0.100", "0.0998"))
    }
}
