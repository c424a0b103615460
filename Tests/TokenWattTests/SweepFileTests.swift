import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// The sweep file as documented (the README's table, the bundled example) and what its rows say
/// (2026-12-06 probes: the layout was documented nowhere, a null precision wrote an empty cell,
/// the JSON counted failed points without naming them, a cap no step reaches carried the cap's caveat).
@Suite struct SweepFileTests {
    static let example = packageRoot.appendingPathComponent("Workloads/sweeps/llama-8b-h100-h200.json")

    func spec(_ grid: String, input: Int = 1000, output: Int = 300) throws -> SweepSpec {
        try SweepSpec.read(Data(#"{"schemaVersion": 1, "input": \#(input), "output": \#(output), "grid": {\#(grid)}}"#.utf8), file: "s.json")
    }

    /// The bundled example parses, names only catalog entries, and every point of it runs.
    @Test func theBundledExampleParsesAndRuns() throws {
        let estimator = Estimator()
        let (s, notes) = try SweepSpec.read(path: Self.example.path).resolvingIDs(models: estimator.models, gpus: estimator.gpus, file: "example")
        #expect(notes.isEmpty && s.pointCount <= 64 && s.itlTargetMs != nil && s.ttftTargetMs != nil)
        let points = try Sweep.run(s, estimator: estimator, workers: 2)
        let errors = points.compactMap(\.error)
        #expect(!points.isEmpty && errors.isEmpty, "\(errors)")
        #expect(points.contains { $0.pareto })
    }

    /// The keys the reader accepts at each level, from its own unknown-key error.
    func accepted(_ text: String) -> Set<String> {
        do {
            _ = try SweepSpec.read(Data(text.utf8), file: "s.json")
        } catch let InputError.unknownKeys(_, _, _, allowed) {
            return Set(allowed)
        } catch {
            Issue.record("expected an unknown-key error: \(error)")
        }
        return []
    }

    /// `SweepSpec`'s key lists are the reader's, and the README's table of sweep-file keys names
    /// each of them once (at the level it goes on) and no other.
    @Test func theDocumentedKeysAreTheReadersKeys() throws {
        let grid = #""model": ["meta-llama/Llama-3.1-8B-Instruct"], "gpu": ["h100-sxm"]"#
        #expect(accepted(#"{"schemaVersion": 1, "input": 1, "output": 1, "grid": {\#(grid)}, "zzz": 1}"#) == Set(SweepSpec.topLevelKeys))
        #expect(accepted(#"{"schemaVersion": 1, "input": 1, "output": 1, "grid": {\#(grid), "zzz": [1]}}"#) == Set(SweepSpec.gridKeys))
        #expect(accepted(#"{"schemaVersion": 1, "input": 1, "output": 1, "grid": {\#(grid)}, "targets": {"zzz": 1}}"#) == Set(SweepSpec.targetKeys))
        let readme = try String(contentsOf: packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try #require(readme.components(separatedBy: "### Sweep files").dropFirst().first?.components(separatedBy: "\n## ").first)
        let documented = section.components(separatedBy: "\n").compactMap { line -> String? in
            guard line.hasPrefix("| `"), let end = line.dropFirst(3).firstIndex(of: "`") else { return nil }
            return String(line.dropFirst(3)[..<end])
        }
        let expected = SweepSpec.topLevelKeys + SweepSpec.gridKeys.map { "grid.\($0)" } + SweepSpec.targetKeys.map { "targets.\($0)" }
        #expect(documented.sorted() == expected.sorted(), "README table: \(documented)")
        // The example in the section parses as it stands.
        let example = try #require(section.components(separatedBy: "```json\n").dropFirst().first?.components(separatedBy: "```").first)
        _ = try SweepSpec.read(Data(example.utf8), file: "README.md")
    }

    /// A setting on the wrong level says where it goes (a user who put `input` inside `grid` was
    /// told only of a missing field).
    @Test func aSettingOnTheWrongLevelSaysWhereItGoes() {
        let cases = [
            (#"{"schemaVersion": 1, "output": 1, "grid": {"model": ["m"], "gpu": ["g"], "input": 1000}}"#, ["grid.input", "top level"]),
            (#"{"input": 1000, "output": 1, "model": ["m"], "grid": {"gpu": ["g"]}}"#, ["model", "inside \"grid\""]),
        ]
        for (text, mentions) in cases {
            do {
                _ = try SweepSpec.read(Data(text.utf8), file: "s.json")
                Issue.record("expected an error for \(text)")
            } catch {
                #expect(mentions.allSatisfy { "\(error)".contains($0) } && "\(error)".contains("s.json"), "\(error)")
            }
        }
    }

    /// A null precision is written as the precision the point runs in, as `estimate` prints it.
    @Test func aNullPrecisionIsWrittenResolved() throws {
        let s = try spec(#""model": ["meta-llama/Llama-3.1-8B-Instruct"], "gpu": ["h100-sxm"], "precision": [null, "fp8"], "maxBatch": [8]"#)
        let points = try Sweep.run(s, estimator: Estimator(), workers: 1)
        let own = try Estimator().deployment(s.point(0).request).precision
        #expect(points.map(\.precision) == [own, .fp8] && s.point(0).request.precision == nil)
        let rows = Sweep.csv(points).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let column = try #require(Sweep.csvHeader.firstIndex(of: "precision"))
        #expect(rows.dropFirst().map { String($0[column]) } == [own.rawValue, "fp8"])
        // The JSON's frontier and failed points take their settings from one place.
        #expect(Sweep.settings(points[0]).contains { $0.0 == "precision" && $0.1 == .string(own.rawValue) })
    }

    /// The JSON names each point that could not be estimated, with its settings and error.
    @Test func theJSONNamesEachFailedPoint() throws {
        let s = try spec(#""model": ["meta-llama/Llama-3.1-70B-Instruct"], "gpu": ["l4", "h100-sxm"], "gpus": [1, 4], "maxBatch": [8]"#)
        let points = try Sweep.run(s, estimator: Estimator(), workers: 1)
        let failed = points.filter { p in p.error != nil }
        #expect(!failed.isEmpty && failed.count < points.count)
        guard case let .object(top) = Sweep.json(s, points), case let .array(listed)? = top.first(where: { $0.key == "failedPoints" })?.value else {
            Issue.record("no failedPoints")
            return
        }
        #expect(listed.count == failed.count)
        for (p, entry) in zip(failed, listed) {
            guard case let .object(fields) = entry else { Issue.record("not an object"); continue }
            let value = { (key: String) in fields.first { $0.key == key }?.value }
            #expect(value("index") == .number(Double(p.index)) && value("gpu") == .string(p.request.gpu)
                    && value("gpus") == .number(Double(p.request.gpus ?? 1)) && value("error") == .string(p.error ?? ""))
        }
    }

    /// A cap no step reaches gives the uncapped figures, and its note says the cap does not bind
    /// instead of the capped caveat; a cap that binds keeps the caveat.
    @Test func aCapThatDoesNotBindSaysSo() throws {
        let s = try spec(#""model": ["meta-llama/Llama-3.1-8B-Instruct"], "gpu": ["h100-sxm"], "gpus": [8], "maxBatch": [1], "powerCapWatts": [null, 690, 250]"#, output: 100)
        let points = try Sweep.run(s, estimator: Estimator(), workers: 1)
        let errors = points.compactMap(\.error)
        try #require(points.count == 3 && errors.isEmpty, "\(errors)")
        let (free, loose, tight) = (points[0], points[1], points[2])
        #expect(approx(loose.whPerQuery, free.whPerQuery) && approx(loose.ttftMs, free.ttftMs) && approx(loose.gpuWatts, free.gpuWatts))
        #expect(loose.notes.contains { $0.contains("690 W cap does not bind") }, "\(loose.notes)")
        #expect(!loose.notes.contains(DecodeClockCaveat.rangeAtDefaultSettings))
        #expect(tight.notes.contains(DecodeClockCaveat.rangeAtDefaultSettings) && !tight.notes.contains { $0.contains("does not bind") }, "\(tight.notes)")
    }
}
