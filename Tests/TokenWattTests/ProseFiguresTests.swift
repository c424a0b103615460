import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// Figures the README's and methodology's sentences quote from the committed reports, the
/// workload files or a run, held to them. A 2026-12-07 probe found sentences behind their tables:
/// the SGLang lever's 28.4 % beside the report's 28.0 %, Google's node boundary 0.164 beside
/// 0.163, V3.1's median 2.27 beside its row's 2.28, a mean ledger set against Google's median
/// split, and a workload description that said two scenarios drew their own queries.
@Suite struct ProseFiguresTests {
    /// A document with every run of white space as one space, so a sentence broken over lines matches.
    static func text(_ path: String) throws -> String {
        let raw = try String(contentsOf: packageRoot.appendingPathComponent(path), encoding: .utf8)
        return raw.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// The capture groups of the first match of `pattern` in `text`.
    static func groups(_ pattern: String, in text: String) throws -> [String] {
        let regex = try NSRegularExpression(pattern: pattern)
        let match = try #require(regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)), "no sentence matches \(pattern)")
        return (1..<match.numberOfRanges).compactMap { Range(match.range(at: $0), in: text).map { String(text[$0]) } }
    }

    /// The cells of the first row of a report whose first cell is `first` (after `after`, when given).
    static func row(_ report: String, _ first: String, after: String? = nil) throws -> [String] {
        var lines = try String(contentsOf: packageRoot.appendingPathComponent("Reports/\(report).md"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        if let after { lines = Array(lines.drop { $0 != after }) }
        let line = try #require(lines.first { $0.hasPrefix("| \(first) | ") }, "Reports/\(report).md has no row '\(first)'")
        return ReadmeFiguresTests.cells(Substring(line))
    }

    @Test func googleBoundaryWalkQuotesTheReport() throws {
        let readme = try Self.text("README.md")
        let steps = [("accelerators at a batch of 256, ", "accelerators-efficient"), ("latency-bound batch of 64, ", "accelerators-fleet"),
                     ("host CPU, DRAM and PSU loss, ", "node"), ("idle provisioned capacity, ", "it"), ("PUE 1.09, ", "facility")]
        for (words, scenario) in steps {
            let quoted = try Self.groups(NSRegularExpression.escapedPattern(for: words) + #"([0-9.]+) \["#, in: readme)[0]
            let median = try Self.row("google-boundary", scenario)[2]
            #expect(ReadmeFiguresTests.quotes(quoted, median), "README's '\(words)' says \(quoted); Reports/google-boundary.md has \(median)")
        }
    }

    /// Google splits its median prompt, so the README sets the median query's ledger beside it;
    /// the shares are the facility scenario's ledger lines over their sum, in whole percent.
    @Test func googleBoundaryLedgerSharesQuoteTheReport() throws {
        let readme = try Self.text("README.md")
        let median = try Self.groups(#"The median query's ledger at the facility, as Google splits its median prompt: accelerators ([0-9]+) %, host ([0-9]+) %, idle capacity ([0-9]+) %, overhead ([0-9]+) % \[58"#, in: readme)
        let mean = try Self.groups(#"\(the mean query's: ([0-9]+) / ([0-9]+) / ([0-9]+) / ([0-9]+) %\)"#, in: readme)
        func shares(_ column: Int) throws -> [String] {
            let items = ["prefill-gpu", "decode-gpu", "gpu-idle", "host", "provisioned-idle", "facility-overhead"]
            let wh = try items.map { try #require(Double(try Self.row("google-boundary", $0, after: "## Scenario `facility`")[column])) }
            let total = wh.reduce(0, +)
            return [wh[0] + wh[1] + wh[2], wh[3], wh[4], wh[5]].map { String(Int(($0 / total * 100).rounded())) }
        }
        #expect(median == (try shares(2)), "README's median ledger \(median)")
        #expect(mean == (try shares(3)), "README's mean ledger \(mean)")
    }

    @Test func sglangLeverSavingQuotesTheReport() throws {
        let quoted = try Self.groups(#"for DeepSeek-V3\.1 at tp 8 that lever saves ([0-9.]+) % of the energy per query"#, in: try Self.text("README.md"))[0]
        let saving = try Self.row("ttc-frontier-models", "SGLang instead of vLLM (its block-FP8 experts stream like 16-bit ones)", after: "## Scenario `deepseek-v3.1`")[3]
        #expect(ReadmeFiguresTests.states(quoted, saving.replacingOccurrences(of: " %", with: "")), "README says \(quoted) %; the report \(saving)")
    }

    @Test func frontierMediansInProseQuoteTheReport() throws {
        let quoted = try Self.groups(#"dense MLA at tp 8 \(median ([0-9.]+) against ([0-9.]+) Wh\)"#, in: try Self.text("README.md"))
        #expect(ReadmeFiguresTests.states(quoted[0], try Self.row("ttc-frontier-models", "deepseek-v3.2")[2]))
        #expect(ReadmeFiguresTests.states(quoted[1], try Self.row("ttc-frontier-models", "deepseek-v3.1")[2]))
    }

    @Test func b200FigureInProseQuotesTheReport() throws {
        let quoted = try Self.groups(#"\(([0-9.]+) on ([0-9]+) now, the table's"#, in: try Self.text("README.md"))
        let b200 = try Self.row("gpu-generations", "b200")
        #expect(ReadmeFiguresTests.states(quoted[0], b200[3]) && ReadmeFiguresTests.states(quoted[1], b200[6]), "README \(quoted); report \(b200)")
    }

    /// google-boundary's description says which scenarios draw the same queries, as its
    /// `sameDrawsAs` keys do (it had said "all scenarios after the first two", though the second
    /// reuses the first's draws too).
    @Test func googleBoundaryDescriptionSaysWhichScenariosShareDraws() throws {
        let data = try Data(contentsOf: packageRoot.appendingPathComponent("Workloads/google-boundary.json"))
        let file = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let scenarios = try #require(file["scenarios"] as? [[String: Any]])
        let first = try #require(scenarios.first?["name"] as? String)
        #expect(scenarios.dropFirst().allSatisfy { $0["sameDrawsAs"] as? String == first })
        let description = try #require(file["description"] as? String)
        #expect(description.contains("All five scenarios draw the same queries") && scenarios.count == 5, "\(description)")
    }

    /// methodology §6's worked example of a load: the packed case's busy share and Wh.
    @Test func methodologyLoadExampleQuotesTheEstimate() throws {
        let quoted = try Self.groups(#"at the facility against ([0-9.]+) Wh for the packed case \(busy ([0-9.]+) %\)"#, in: try Self.text("docs/methodology.md"))
        let e = Estimator()
        let d = try e.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-70B-Instruct", gpu: "h100-sxm", gpus: 4, tensorParallel: 4))
        let q = try QueryEstimate(estimator: e, deployment: d, request: ServingRequest(batch: 64, inputTokens: 1000, outputTokens: 1000),
                                  settings: try LedgerSettings(utilization: .load(queriesPerSecond: 1)), boundary: .facility)
        #expect(ReadmeFiguresTests.quotes(quoted[0], formatNumber(q.ledger.total(at: .facility).wattHours, significant: 4)), "\(quoted)")
        #expect(ReadmeFiguresTests.quotes(quoted[1], formatNumber(q.ledger.busyFraction * 100, significant: 4)), "\(quoted)")
    }
}
