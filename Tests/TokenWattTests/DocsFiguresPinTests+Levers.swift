import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// README's lever table and the validation figures its prose quotes, held to `Reports/validation.md`.
extension DocsFiguresPinTests {
    /// A Levers row of the report: pairs, MAPE and the pairs counted for direction and those that go the right way.
    struct LeverFigure { let pairs: Int; let mape: Double; let directed: Int; let right: Int }

    /// The row of (lever, campaign) in the report's energy table (`latency` false) or the latency one.
    static func lever(_ lever: String, _ campaign: String, latency: Bool = false) throws -> LeverFigure {
        let rows = try reportRows("Levers").filter { $0.count == (latency ? 6 : 8) && $0[0] == lever && $0[1] == campaign }
        let row = try #require(rows.first, "Levers has no \(latency ? "latency " : "")row \(lever) \(campaign)")
        // "89 % of 9": a share rounded to a whole percent of at most a few thousand pairs.
        let direction = row[row.count - 1].split(separator: " ")
        let share = Double(direction.first ?? "") ?? -1, of = Int(direction.last ?? "") ?? -1
        return LeverFigure(pairs: Int(row[2]) ?? -1, mape: Double(percent(row[3])) ?? -1, directed: of,
                           right: Int((share / 100 * Double(of)).rounded()))
    }

    /// README's lever table: each row's campaigns, in its order; a campaign of two report rows is pooled.
    static let leverRows: [(readme: String, campaigns: [[(String, String)]])] = [
        ("batch | ML.ENERGY v3 (H100)", [[("batch", "mlenergy-v3")], [("batch", "argonne")], [("batch", "published-serving")]]),
        ("GPU | Argonne", [[("gpu", "argonne")], [("gpu", "mlenergy-v1")]]),
        ("GPU count", [[("gpus", "mlenergy-v3")], [("gpus", "published-serving")], [("gpus", "tokenpowerbench")]]),
        ("precision | ML.ENERGY v3", [[("precision", "mlenergy-v3")], [("precision", "energaizer-dvfs"), ("precision", "energaizer-fixed")]]),
        ("framework | Argonne", [[("framework", "argonne")]]),
        ("locked clock | EnergAIzer", [[("clock", "energaizer-dvfs")]]),
        ("model | ML.ENERGY v3 / v1", [[("model", "mlenergy-v3")], [("model", "mlenergy-v1")]]),
    ]

    /// Each cell of the lever table states the report's pairs, MAPE and share the right way; a
    /// pooled campaign (EnergAIzer's two sweeps) the pairs-weighted MAPE of its rows, which their
    /// one-decimal rounding leaves uncertain by 0.05 point.
    @Test func leverTableQuotesTheReport() throws {
        for (row, campaigns) in Self.leverRows {
            let cells = try Self.readmeCells(row)
            let pairs = Self.numbers(cells[2]), mapes = Self.numbers(cells[3]), shares = Self.numbers(cells[4])
            try #require(pairs.count == campaigns.count && mapes.count == campaigns.count && shares.count == campaigns.count, "README lever '\(row)': \(cells)")
            for (i, parts) in campaigns.enumerated() {
                let f = try parts.map { try Self.lever($0.0, $0.1) }
                let n = f.map(\.pairs).reduce(0, +), directed = f.map(\.directed).reduce(0, +)
                let mape = f.map { $0.mape * Double($0.pairs) }.reduce(0, +) / Double(n)
                let share = Double(f.map(\.right).reduce(0, +)) / Double(directed) * 100
                #expect(pairs[i] == String(n), "README lever '\(row)' campaign \(i + 1): \(pairs[i]) pairs; the report \(n)")
                let slack = parts.count > 1 ? 0.05 : 0
                #expect(abs((Double(mapes[i]) ?? -1) - mape) <= 0.05 + slack + 1e-9, "README lever '\(row)' campaign \(i + 1): \(mapes[i]) %; the report \(mape) %")
                #expect(ReadmeFiguresTests.quotes(shares[i], formatFixed(share, decimals: 1)), "README lever '\(row)' campaign \(i + 1): \(shares[i]) % the right way; the report \(share) %")
            }
        }
    }

    /// Sentences that count the BF16 → FP8 serving pairs the right way, in energy and in latency.
    @Test func precisionPairsInProseQuoteTheReport() throws {
        let readme = try ProseFiguresTests.text("README.md")
        let energy = try ProseFiguresTests.groups(#"ML\.ENERGY v3's ([0-9]+) BF16 → FP8 serving pairs: savings over-predicted by [0-9]+ % on average, the right way in ([0-9]+) of ([0-9]+);"#, in: readme)
        let e = try Self.lever("precision", "mlenergy-v3")
        #expect(energy == [String(e.pairs), String(e.right), String(e.directed)], "README \(energy); the report \(e)")
        let latency = try ProseFiguresTests.groups(#"BF16 → FP8 on Qwen3-235B-A22B \(8 H100s\) the right way in only ([0-9]+) of ([0-9]+),"#, in: readme)
        let l = try Self.lever("precision", "mlenergy-v3", latency: true)
        #expect(latency == [String(l.right), String(l.directed)], "README \(latency); the report's latency table \(l)")
    }

    /// The H100 forecast from the Ampere fits alone, as the Generalization table gives it.
    @Test func ampereForecastOfTheH100QuotesTheReport() throws {
        let quoted = try ProseFiguresTests.groups(#"The H100 forecast from the A100 and A10 fits alone is ([0-9.]+) % off in J/token"#, in: try ProseFiguresTests.text("README.md"))[0]
        let row = try #require(try Self.reportRows("Generalization").first { $0.count > 4 && $0[0] == "h100-sxm forecast from a100-pcie-40gb and a10" && $0[2] == "j_per_token" })
        #expect(ReadmeFiguresTests.states(quoted, Self.percent(row[4])), "README \(quoted) %; the report \(row[4])")
    }

    /// Google's fleet at a batch of 64: the node count its host arithmetic divides by.
    @Test func googleNodeCountQuotesTheReport() throws {
        let quoted = try ProseFiguresTests.groups(#"13\.5 MW at the wall over ([0-9,]+) nodes"#, in: try ProseFiguresTests.text("README.md"))[0]
        let report = try String(contentsOf: packageRoot.appendingPathComponent("Reports/google-boundary.md"), encoding: .utf8)
        let fleet = try #require(report.components(separatedBy: "## Scenario `accelerators-fleet`").dropFirst().first)
        let nodes = try ProseFiguresTests.groups(#"Fleet: [0-9]+ GPUs in ([0-9]+) nodes"#, in: fleet)[0]
        #expect(ReadmeFiguresTests.states(quoted, nodes), "README says \(quoted) nodes; the report \(nodes)")
    }

    /// ML.ENERGY v3's J/token MAPE of dense, mixture-of-experts and Mamba-2 hybrid models, in
    /// that order, each model's kind from the catalog (README's table and methodology §7 quote it).
    static func v3ByModelKind() throws -> [Figure] {
        let records = try MLEnergyValidation.run(dataDirectory: try #require(sharedData), estimator: estimator).records
            .filter { $0.metric == "j_per_token" && $0.estimator == "tokenwatt" }
        func kind(_ r: ValidationRecord) throws -> Int {
            let id = try #require(r.setting?["model"], "\(r.label) has no model")
            let m = try estimator.models.model(id)
            return m.hybrid != nil ? 2 : m.moe != nil ? 1 : 0
        }
        let kinds = try records.map(kind)
        return (0..<3).map { k in mape(zip(records, kinds).filter { $0.1 == k }.map(\.0)) }
    }

    /// The headline table's ML.ENERGY v3 J/token by kind of model (dense, mixture-of-experts, Mamba-2
    /// hybrid), which the report does not split out: from the v3 rows, each model's kind from the catalog.
    @Test(.enabled(if: sharedData != nil)) func v3ByModelKindQuotesTheRows() throws {
        let figures = try Self.v3ByModelKind()
        let cells = try Self.readmeCells("ML.ENERGY v3, dense / mixture-of-experts / Mamba-2 hybrid")
        #expect(Self.numbers(cells[2]) == figures.map { String($0.n) }, "README \(cells[2]); the rows \(figures)")
        let shown = Self.numbers(cells[3])
        for (i, f) in figures.enumerated() {
            #expect(i < shown.count && ReadmeFiguresTests.quotes(shown[i], f.percent), "README \(cells[3]); the rows \(figures)")
        }
    }
}
