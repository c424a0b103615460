import Foundation
import Testing
import TokenWatt

/// `tokenwatt validate` end to end: the JSON contract, the rows of one data set, the error bands.
extension CLITests {
    @Test(.enabled(if: hasSharedData))
    func validateJSONHasTheContractFields() throws {
        let r = try Self.run(["validate", "--format", "json", "--no-report", "--quick"])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let results = try #require(obj["results"] as? [[String: Any]])
        #expect(results.count > 20)
        for row in results {
            for key in ["dataset", "gpu", "metric", "estimator"] { #expect(row[key] is String, "missing \(key)") }
            for key in ["n", "mape", "medianAPE", "bias"] { #expect(row[key] is Double, "missing \(key)") }
        }
        let estimators = Set(results.compactMap { $0["estimator"] as? String })
        #expect(estimators.isSuperset(of: ["tokenwatt", "ecologits", "tdp-time", "splitwise-constant"]))
        // Every data set with measurements in ../shared/data is scored, with enough rows to mean something.
        let tokenwatt = results.filter { $0["estimator"] as? String == "tokenwatt" }
        for set in ["energaizer-prefill/fixed", "energaizer-prefill/dvfs", "mlenergy-v3", "mlenergy-v2", "mlenergy-v1", "argonne",
                    "argonne/trtllm",
                    "mlperf-power", "splitwise", "tokenpowerbench", "published-roofline", "published-attention", "published-ops",
                    "published-weight-only"] {
            let n = tokenwatt.filter { $0["dataset"] as? String == set }.reduce(0.0) { $0 + (($1["n"] as? Double) ?? 0) }
            #expect(n >= 12, "\(set): \(n) rows scored")
        }
    }

    /// `validate --rows` lists the scored rows of one data set; an unknown set names the known ones.
    @Test func validateRowsListsOneDataSet() throws {
        let r = try Self.run(["validate", "--no-report", "--quick", "--rows", "mlperf-power"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").dropFirst(2)
        #expect(lines.count >= 12)
        #expect(lines.allSatisfy { $0.contains("node_power_w") || $0.contains("node_j_per_token") || $0.contains("tokens_per_s") })
        let bad = try Self.run(["validate", "--no-report", "--quick", "--rows", "mlperf"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("mlperf-power") && bad.stderr.contains("splitwise") && bad.stderr.contains("levers"))
        // A split data set's name lists every part, each row with its part.
        guard Self.hasSharedData else { return }
        let parts = try Self.run(["validate", "--no-report", "--quick", "--rows", "energaizer-prefill"])
        #expect(parts.status == 0, "\(parts.stderr)")
        let rows = parts.stdout.split(separator: "\n").dropFirst(2)
        #expect(rows.contains { $0.hasPrefix("energaizer-prefill/fixed ") } && rows.contains { $0.hasPrefix("energaizer-prefill/dvfs ") })
        // The issues' targets, one row each, met or not.
        let targets = try Self.run(["validate", "--no-report", "--quick", "--rows", "targets"])
        #expect(targets.status == 0, "\(targets.stderr)")
        let targetRows = targets.stdout.split(separator: "\n").dropFirst(2)
        #expect(targetRows.contains { $0.hasPrefix("mlenergy-v3 ") && $0.contains("j_per_token") && $0.contains(" yes ") })
        #expect(targetRows.contains { $0.hasPrefix("splitwise ") && $0.contains(" no ") })
    }

    /// A partial run (here `--rows` with `--quick`) never overwrites the committed Reports: it writes
    /// the report only where `-o` says. An experiment with another calibration once did.
    @Test(.enabled(if: hasSharedData)) func partialValidateRunsLeaveReportsAlone() throws {
        let committed = Self.packageRoot.appendingPathComponent("Reports/validation.md").path
        let before = try? FileManager.default.attributesOfItem(atPath: committed)[.modificationDate] as? Date
        let r = try Self.run(["validate", "--quick", "--rows", "mlperf-power"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!r.stdout.contains("wrote ") && !r.stderr.contains("wrote "))
        let after = try? FileManager.default.attributesOfItem(atPath: committed)[.modificationDate] as? Date
        #expect(before == after)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tw-partial-\(getpid())")
        defer { try? FileManager.default.removeItem(at: dir) }
        let explicit = try Self.run(["validate", "--quick", "--format", "json", "-o", dir.path])
        #expect(explicit.status == 0, "\(explicit.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("validation.md").path))
        // What was written is said on stderr: standard output stays one JSON document.
        #expect(explicit.stderr.contains("wrote \(dir.path)/validation.md"))
        #expect((try? JSONSerialization.jsonObject(with: Data(explicit.stdout.utf8))) != nil, "\(explicit.stdout.prefix(200))")
        // A partial run of one data set's rows writes its report where -o says, too.
        try FileManager.default.removeItem(at: dir)
        let rows = try Self.run(["validate", "--quick", "--rows", "mlperf-power", "-o", dir.path])
        #expect(rows.status == 0 && FileManager.default.fileExists(atPath: dir.appendingPathComponent("validation.md").path), "\(rows.stderr)")
    }

    /// `validate --rows levers` lists the pairs behind the lever table, the wrong-way ones marked,
    /// and the text summary ends with that table; JSON has `levers`.
    @Test(.enabled(if: hasSharedData)) func validateListsLeverPairs() throws {
        let r = try Self.run(["validate", "--no-report", "--quick", "--rows", "levers"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").dropFirst(2)
        #expect(lines.count > 1000 && lines.contains { $0.hasPrefix("batch") && $0.contains("64 → 96") })
        #expect(lines.contains { $0.hasSuffix("wrong way") })
        let summary = try Self.run(["validate", "--no-report", "--quick"])
        #expect(summary.stdout.contains("LEVERS (runs that differ in one setting"))
        let json = try Self.run(["validate", "--no-report", "--quick", "--format", "json"])
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let levers = try #require(obj["levers"] as? [[String: Any]])
        #expect(levers.contains { $0["lever"] as? String == "gpu" && ($0["pairs"] as? Double ?? 0) > 100 })
    }

    /// `validate --bands-out` writes the bands `estimate` reads: the bundled file, from a fresh run.
    @Test(.enabled(if: hasSharedData)) func validateWritesTheBundledErrorBands() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("tw-bands-\(getpid()).json")
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try Self.run(["validate", "--no-report", "--quick", "--bands-out", out.path])
        #expect(r.status == 0, "\(r.stderr)")
        let written = try String(contentsOf: out, encoding: .utf8)
        let bundled = try String(contentsOf: Self.packageRoot.appendingPathComponent("Sources/TokenWatt/Resources/error-bands.json"), encoding: .utf8)
        // A data set with fewer runs than the bundled file counted is runs no longer priced: a failure.
        let fresh = try ErrorBands.read(Data(written.utf8), file: out.path)
        let (lost, gained) = Self.runCountChange(committed: ErrorBands.bundled.runsByDataSet, fresh: fresh.runsByDataSet)
        #expect(lost.isEmpty, "runs no longer scored: \(lost)")
        // Held-back runs dropped into ../shared/data (counts up only) make another file, and
        // validate says so; the difference shows as a known issue.
        if !gained.isEmpty {
            #expect(r.stderr.contains("were computed from other runs"), "\(gained)")
            withKnownIssue("../shared/data holds runs error-bands.json was not computed from: \(gained)", isIntermittent: true) {
                #expect(written == bundled)
            }
            return
        }
        #expect(written == bundled)
    }

    /// The "data set/GPU" keys whose run count went down and up from `committed` to `fresh`.
    static func runCountChange(committed: [String: Int], fresh: [String: Int]) -> (lost: [String], gained: [String]) {
        var lost: [String] = [], gained: [String] = []
        for key in Set(committed.keys).union(fresh.keys).sorted() {
            let (before, now) = (committed[key] ?? 0, fresh[key] ?? 0)
            if now < before { lost.append("\(key) \(before) → \(now)") }
            if now > before { gained.append("\(key) \(before) → \(now)") }
        }
        return (lost, gained)
    }

    /// `--rows` writes CSV and JSON for scripts (it printed the text table whatever --format said).
    @Test(.enabled(if: hasSharedData)) func validateRowsWriteCSVAndJSON() throws {
        let csv = try Self.run(["validate", "--rows", "tokenpowerbench", "--format", "csv", "--quick"])
        #expect(csv.status == 0 && csv.stdout.hasPrefix("dataset,gpu,row,metric,measured,predicted,relative_error\n"), "\(csv.stderr)")
        let json = try Self.run(["validate", "--rows", "tokenpowerbench", "--format", "json", "--quick"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(rows.count == csv.stdout.split(separator: "\n").count - 1 && rows.allSatisfy { $0["measured"] is Double })
        #expect(try Self.run(["validate", "--rows", "levers", "--format", "csv", "--quick"]).status == 64)
    }

    /// A run that skips the generalization refits (`--no-report` implies it) says so where the
    /// table would be: it printed an empty table and `"generalization": []` as if that were a result.
    @Test(.enabled(if: hasSharedData))
    func validateSaysWhenTheGeneralizationRefitsWereSkipped() throws {
        let json = try Self.run(["validate", "--no-report", "--format", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(obj["generalization"] == nil)
        #expect((obj["generalizationSkipped"] as? String)?.contains("--no-report") == true)
        let md = try Self.run(["validate", "--no-report", "--quick", "--format", "markdown"])
        let section = md.stdout.components(separatedBy: "## Generalization").last ?? ""
        #expect(section.contains("Not run here: the generalization refits are skipped by --quick"), "\(section.prefix(300))")
        #expect(!section.prefix(600).contains("| experiment"))
    }
}
