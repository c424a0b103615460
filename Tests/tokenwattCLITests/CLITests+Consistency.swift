import Foundation
import Testing
import TokenWatt

/// Flags and columns one command took or wrote and a sibling did not.
extension CLITests {
    /// A scratch folder, removed when `body` returns.
    static func inScratch<T>(_ name: String, _ body: (URL) throws -> T) throws -> T {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tw-\(name)-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        return try body(dir)
    }

    /// A CSV line's cells; a quoted cell (a note) may hold commas.
    static func csvFields(_ line: Substring) -> [String] {
        var fields: [String] = [], cell = "", quoted = false
        for c in line {
            if c == "\"" { quoted.toggle() } else if c == ",", !quoted { fields.append(cell); cell = "" } else { cell.append(c) }
        }
        return fields + [cell]
    }

    /// `models --from-hf` ignored `--model-catalog FILE`: a conversion under an id the user's
    /// catalog already holds made a second file that no command could load beside the first,
    /// and a missing FILE went unnoticed.
    @Test func fromHFChecksTheEntryAgainstTheUserCatalog() throws {
        try Self.inScratch("from-hf-catalog") { dir in
            let config = dir.appendingPathComponent("config.json")
            try Self.mistralConfig.write(to: config, atomically: true, encoding: .utf8)
            let first = try Self.run(["models", "--from-hf", config.path])
            #expect(first.status == 0, "\(first.stderr)")
            let catalog = dir.appendingPathComponent("models.json")
            try first.stdout.write(to: catalog, atomically: true, encoding: .utf8)

            let again = try Self.run(["models", "--from-hf", config.path, "--model-catalog", catalog.path])
            #expect(again.status == 1 && again.stdout.isEmpty, "\(again.stdout)")
            #expect(again.stderr.contains(catalog.path) && again.stderr.contains("acme/mistral-7b-support") && again.stderr.contains("--id"), "\(again.stderr)")
            let renamed = try Self.run(["models", "--from-hf", config.path, "--id", "acme/mistral-7b-support-2", "--model-catalog", catalog.path])
            #expect(renamed.status == 0 && renamed.stdout.contains("\"id\": \"acme/mistral-7b-support-2\""), "\(renamed.stderr)")
            let missing = try Self.run(["models", "--from-hf", config.path, "--model-catalog", dir.appendingPathComponent("nope.json").path])
            #expect(missing.status == 1 && missing.stderr.contains("nope.json"), "\(missing.stderr)")
        }
    }

    /// `--ep 3` alone (no --tp, no --gpus) runs 3 GPUs at tp 3; the refusal had opened with
    /// "tp 3 does not divide ...", a tp the user never gave.
    @Test func expertParallelAloneIsNamedInItsRefusal() throws {
        let r = try Self.run(["estimate", "--model", "Qwen/Qwen3-30B-A3B", "--gpu", "h100-sxm", "--ep", "3", "--batch", "8", "--input", "100", "--output", "10"])
        #expect(r.status == 64 && r.stderr.hasPrefix("error: ep 3 sets 3 GPUs"), "\(r.stderr)")
        #expect(r.stderr.contains("tp defaults to") && r.stderr.contains("choose an ep that does"), "\(r.stderr)")
    }

    /// `power` takes `--ep` as the other deployment commands do (it had been an unknown option).
    @Test func powerTakesExpertParallelism() throws {
        let shape = ["--model", "Qwen/Qwen3-30B-A3B", "--gpu", "h100-sxm", "--input", "100", "--output", "100", "--format", "json"]
        let r = try Self.run(["power", "--ep", "2"] + shape)
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(obj["gpus"] as? Double == 2 && (obj["assumptions"] as? [String] ?? []).contains { $0.contains("ep 2") }, "\(r.stdout)")
        let help = try Self.run(["power", "--help"])
        #expect(help.stdout.contains("--ep N"), "\(help.stdout)")
    }

    /// `estimate --method surface --format csv` carries the layout columns the kernel CSV has
    /// after its own, with the same values.
    @Test func surfaceCSVCarriesTheLayout() throws {
        let shape = ["estimate", "--model", "Qwen/Qwen3-30B-A3B", "--gpu", "h100-sxm", "--gpus", "4", "--tp", "2", "--ep", "2", "--batch", "32",
                     "--input", "1000", "--output", "500", "--power-cap-w", "600", "--sm-clock-mhz", "1500", "--format", "csv"]
        func table(_ args: [String]) throws -> [String: String] {
            let r = try Self.run(args)
            #expect(r.status == 0, "\(r.stderr)")
            let lines = r.stdout.split(separator: "\n").map(Self.csvFields)
            try #require(lines.count == 2 && lines[0].count == lines[1].count, "\(r.stdout)")
            return Dictionary(uniqueKeysWithValues: zip(lines[0], lines[1]))
        }
        let surface = try table(shape + ["--method", "surface"]), kernel = try table(shape)
        let layout = ["tp", "ep", "pp", "precision", "kv_precision", "framework", "requested_batch", "power_cap_w", "sm_clock_mhz"]
        #expect(layout.allSatisfy { surface[$0] != nil && surface[$0] == kernel[$0] }, "\(surface)")
        #expect(surface["tp"] == "2" && surface["ep"] == "2" && surface["power_cap_w"] == "600" && surface["sm_clock_mhz"] == "1500")
    }

    /// `predict` leaves a one-token serve row's ITL empty, as `estimate` does; `tune` says on
    /// stderr, beside its CSV, that an ITL target cannot bind one.
    @Test func oneTokenAnswersHaveNoITLInPredictAndTune() throws {
        let csv = "model,gpu,phase,batch,input_tokens,output_tokens\nmeta-llama/Llama-3.1-8B-Instruct,h100-sxm,serve,8,500,1\n"
        let p = try Self.run(["predict", "-"], stdin: csv)
        let rows = p.stdout.split(separator: "\n").map(Self.csvFields)
        let itl = try #require(rows.first?.firstIndex(of: "itl_ms"))
        #expect(p.status == 0 && rows[1][itl].isEmpty, "\(p.stdout)")
        let t = try Self.run(["tune", "--model", "meta-llama/Llama-3.1-8B-Instruct", "--gpu", "h100-sxm", "--batch", "8", "--input", "500", "--output", "1",
                              "--itl-ms", "5", "--steps", "2", "--format", "csv"])
        #expect(t.status == 0 && t.stderr.contains("note: the ITL target of 5 ms cannot bind"), "\(t.stderr)")
    }
}

extension CLITests {
    /// `estimate --method surface --format markdown` ended with no word of the build that printed
    /// it, where the kernel path's markdown names it (a 2026-12-07 review); its JSON has `tool`.
    @Test func surfaceEstimateNamesTheBuild() throws {
        let request = ["estimate", "--model", "meta-llama/Llama-3.1-8B-Instruct", "--gpu", "h100-sxm", "--batch", "8",
                       "--input", "500", "--output", "200", "--method", "surface"]
        let md = try Self.run(request + ["--format", "markdown"])
        #expect(md.status == 0 && md.stdout.hasSuffix("\n\(ToolVersion.line)\n"), "\(md.stdout.suffix(200))")
    }
}
