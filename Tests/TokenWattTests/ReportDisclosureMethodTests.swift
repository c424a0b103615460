import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// What a compliance engineer writing an EU AI Act Annex XI-style energy disclosure from
/// `tokenwatt report` needs (a 2026-12-08 probe): a Method section that says the figures are
/// modelled, not metered; the inputs that drive the figures in the assumptions; fingerprints of
/// the files read; inference only among the exclusions; a glossary and plain strategy words.
@Suite struct ReportDisclosureMethodTests {
    static func report(_ text: String = kernelWorkload(), dataDirectory: String? = nil) throws -> WorkloadReport {
        try WorkloadReport.build(try readWorkload(text, dataDirectory: dataDirectory), name: "p", source: "w.json",
                                 runner: FleetRunner(dataDirectory: dataDirectory), samples: 200)
    }

    static func markdown(_ r: WorkloadReport) throws -> String { try #require(r.files().first { $0.ext == "md" }).text }

    static func json(_ r: WorkloadReport) throws -> [(key: String, value: JSONValue)] {
        guard case let .object(top) = r.json() else { Issue.record("the report's JSON is no object"); return [] }
        return top
    }

    /// Defect 1: a Method section says the figures are modelled, with the run's own draws, seed
    /// and coefficients' provenance (the estimator's words, not the report's).
    @Test func theMethodSaysTheFiguresAreModelledNotMetered() throws {
        let r = try Self.report(), md = try Self.markdown(r)
        let method = try #require(md.components(separatedBy: "## Method\n\n").dropFirst().first?.components(separatedBy: "\n## ").first)
        #expect(method.contains("none is metered"), "\(method)")
        #expect(method.contains("kernel-level GPU model (after EnergAIzer"), "\(method)")
        #expect(method.contains("(200 samples per scenario, seed 7)"), "\(method)")
        let provenance = Estimator().calibration.coefficients(for: try GPUCatalog.bundled.gpu("h100-sxm")).provenance
        #expect(method.contains("Power coefficients: \(provenance) (h100-sxm)."), "\(method)")
        #expect(method.contains("`tokenwatt validate` (Reports/validation.md)"), "\(method)")
        let m = try #require(Self.json(r).first { $0.key == "method" }?.value)
        guard case let .object(fields) = m else { Issue.record("method is no object"); return }
        #expect(fields.first { $0.key == "metered" }?.value == .bool(false))
        #expect(fields.first { $0.key == "seed" }?.value == .number(7))
    }

    /// Defect 2: the assumptions name what drives the figures: each class's lengths, the queries
    /// a day as given, headroom and load, the serving settings and the coefficients.
    @Test func theAssumptionsNameWhatDrivesTheFigures() throws {
        let rows = try Self.report().assumptionRows()
        func row(_ what: String) -> [String]? { rows.first { $0[0] == what } }
        #expect(row("request lengths of class `chat`, scenario s")?[1] == "input tokens: 1000; output tokens: 200", "\(rows)")
        #expect(row("queries a day, scenario s")?[1] == "10000000", "\(rows)")
        #expect(row("headroom and daily load, scenario s")?[1].hasPrefix("capacity 20 % above the busiest hour's load; a flat day") == true, "\(rows)")
        let serving = try #require(row("serving settings, deployment d"), "\(rows)")
        for words in ["vLLM continuous batching", "step budget", "KV cache", "of memory", "sampling", "SM clock", "power cap 700 W"] {
            #expect(serving[1].contains(words), "\(serving)")
        }
        #expect(serving[2].contains("Defaults where it sets none: step budget 8192 tokens (the engine's default on h100-sxm)"), "\(serving)")
        #expect(serving[2].contains("vLLM 0.11.1"), "\(serving)")
        #expect(row("power coefficients, h100-sxm")?[1].hasPrefix("fitted on") == true, "\(rows)")
    }

    /// Defect 3: the header and JSON carry the FNV-1a 64 of the workload file and of each trace
    /// read, by its path under the data folder (not the machine's), so a changed trace shows.
    @Test func aChangedTraceChangesItsFingerprint() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tw-inputs-\(getpid())-\(UUID().uuidString)")
        let traces = dir.appendingPathComponent("request-length-traces")
        try FileManager.default.createDirectory(at: traces, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let trace = traces.appendingPathComponent("t.csv")
        let text = kernelWorkload(classes: #"{"name": "chat", "share": 1, "deployment": "d", "input": {"trace": {"file": "request-length-traces/t.csv", "column": "in"}}, "output": {"fixed": 100}}"#)
        func header(_ csv: String) throws -> (md: String, fnv: String) {
            try csv.write(to: trace, atomically: true, encoding: .utf8)
            let md = try Self.markdown(try Self.report(text, dataDirectory: dir.path))
            return (md, ToolVersion.fnv1a64(Data(csv.utf8)))
        }
        let a = try header("in\n500\n700\n"), b = try header("in\n500\n900\n")
        #expect(a.fnv != b.fnv)
        for x in [a, b] {
            #expect(x.md.contains("request-length trace `request-length-traces/t.csv` (data folder) fnv1a64:\(x.fnv)"), "\(x.md.prefix(1500))")
            #expect(x.md.contains("workload file `w.json` fnv1a64:\(ToolVersion.fnv1a64(Data(text.utf8)))"), "\(x.md.prefix(1500))")
            #expect(!x.md.contains(dir.path))
        }
        let inputs = try #require(try Self.json(try Self.report(text, dataDirectory: dir.path)).first { $0.key == "inputs" }?.value)
        #expect(inputs == .array([
            .object([("role", .string("workload file")), ("path", .string("w.json")), ("relativeTo", .null),
                     ("fnv1a64", .string(ToolVersion.fnv1a64(Data(text.utf8)))), ("readme", .null)]),
            .object([("role", .string("request-length trace")), ("path", .string("request-length-traces/t.csv")), ("relativeTo", .string("data folder")),
                     ("fnv1a64", .string(b.fnv)), ("readme", .null)]),
        ]))
        // The assumptions name the trace, its column and its fingerprint.
        let lengths = try #require(try Self.report(text, dataDirectory: dir.path).assumptionRows().first { $0[0].hasPrefix("request lengths of class") })
        #expect(lengths[1].hasPrefix("input tokens: trace `request-length-traces/t.csv`, column `in`: empirical (2 observations"), "\(lengths)")
        #expect(lengths[2].contains("fnv1a64:\(b.fnv)"), "\(lengths)")
    }

    /// The FNV-1a 64 of bytes alone is the published function's (test vectors of the FNV
    /// reference, http://www.isthe.com/chongo/tech/comp/fnv/: "" and "a").
    @Test func theFileFingerprintIsPlainFNV1a64() {
        #expect(ToolVersion.fnv1a64(Data()) == "cbf29ce484222325")
        #expect(ToolVersion.fnv1a64(Data("a".utf8)) == "af63dc4c8601ec8c")
    }

    /// Defect 4: the exclusions say the figures are inference only.
    @Test func theExclusionsSayInferenceOnly() throws {
        let r = try Self.report(), md = try Self.markdown(r)
        #expect(md.contains("The figures are inference only, the serving of the queries above: training, fine-tuning, evaluation"), "\(md.prefix(3000))")
        #expect(r.excludedWords.hasPrefix(WorkloadReport.inferenceOnlyWords))
    }

    /// Defect 5: a glossary defines the terms the report uses, and only those, as whole words.
    @Test func theGlossaryDefinesTheTermsUsedOnly() throws {
        let md = try Self.markdown(try Self.report())
        let glossary = try #require(md.components(separatedBy: "## Glossary\n\n").dropFirst().first)
        for term in ["| ITL |", "| TTFT |", "| IQR |", "| P5, P95 (Pn) |", "| KV cache |", "| step budget |", "| `gpu-idle` |", "| `provisioned-idle` |"] {
            #expect(glossary.contains(term), "\(glossary)")
        }
        // Whole words only ("SMs" is not SM, "output" not tp), ledger ids from a ledger table only.
        let rows = WorkloadReport.glossary(for: [.paragraph("mean ITL 12 ms over the SMs' output, host included"),
                                                 .table(["ledger item", "Wh"], [["gpu-idle", "1"]], numeric: [1])])
        guard case let .table(_, cells, _)? = rows.last else { Issue.record("no glossary table: \(rows)"); return }
        #expect(cells.map { $0[0] } == ["ITL", "`gpu-idle`"])
        #expect(WorkloadReport.glossary(for: [.paragraph("nothing to define")]).isEmpty)
    }

    /// Defect 5: a strategy in plain words, not the workload file's keys.
    @Test func strategiesReadInPlainWords() throws {
        let md = try Self.markdown(try Self.report(kernelWorkload(
            classes: #"{"name": "chat", "share": 1, "deployment": "d", "prefixCacheHit": 0.4, "input": {"fixed": 1000}, "output": {"fixed": 200}}"#)))
        #expect(md.contains("| chat | single answer, 40 % of the prompt from the prefix cache |"), "\(md)")
        #expect(!md.contains("prefixCacheHit"))
        #expect(WorkloadReport.plainStrategyWords(.parallelSamples(n: 16, kind: "self-consistency", factor: 4), prefixCacheHit: 0)
                == "self-consistency: 16 parallel samples, each 4 × the base output length")
        #expect(WorkloadReport.plainStrategyWords(.sequentialRevision(rounds: 4), prefixCacheHit: 0.9)
                == "sequential revision: 4 rounds, each re-reading the prompt and the earlier answers, 90 % of the re-read context from the prefix cache")
    }
}
