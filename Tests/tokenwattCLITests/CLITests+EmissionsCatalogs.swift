import Foundation
import Testing

/// `tokenwatt regions` and `tokenwatt facilities` list every emissions constant with its source;
/// the input paths probed on 2026-12-06 (a mistyped file name, a reference past the context).
extension CLITests {
    @Test func regionsAndFacilitiesAreCommandsInTheHelp() throws {
        let help = try Self.run(["--help"])
        #expect(help.stdout.contains("\n  regions ") && help.stdout.contains("\n  facilities "), "\(help.stdout)")
    }

    @Test(arguments: ["regions", "facilities"]) func emissionsCatalogsListEveryRowInEachFormat(command: String) throws {
        let csv = try Self.run([command, "--format", "csv"])
        #expect(csv.status == 0, "\(csv.stderr)")
        let lines = csv.stdout.split(separator: "\n")
        #expect(lines.first == "kind,id,name,figure,value,unit,basis,year,source,note")
        let json = try Self.run([command, "--format", "json"])
        #expect(json.status == 0 && json.stdout.contains("\"constants\"") && json.stdout.contains("\"source\""))
        // One JSON object per CSV row (each has one "figure" key).
        #expect(json.stdout.components(separatedBy: "\"figure\"").count - 1 == lines.count - 1)
        let text = try Self.run([command])
        #expect(text.status == 0 && text.stdout.hasPrefix("kind") && text.stdout.contains("source"))
    }

    @Test func regionsShowAFactorWithItsBasisAndSource() throws {
        let r = try Self.run(["regions", "--match", "de", "--format", "csv"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("grid,de,Germany,location,") && r.stdout.contains("grid,de,Germany,residual mix,"), "\(r.stdout)")
        let f = try Self.run(["facilities", "--match", "dgx-h100", "--format", "csv"])
        #expect(f.stdout.contains(",host power busy,2000,W,") && f.stdout.contains("embodied, excluding GPUs"), "\(f.stdout)")
        let none = try Self.run(["regions", "--match", "germny"])
        #expect(none.status == 64 && none.stderr.contains("closest: de"), "\(none.stderr)")
    }

    /// `fleet Workloads/chat-servce.json` said "no such file" beside chat-service.json.
    @Test func aMissingFileNamesTheNearestInItsFolder() throws {
        let r = try Self.run(["fleet", "Workloads/chat-servce.json"])
        #expect(r.status != 0 && r.stderr.contains("no such file; did you mean 'Workloads/chat-service.json'"), "\(r.stderr)")
        let folder = try Self.run(["fleet", "Workload/chat-service.json"])
        #expect(folder.stderr.contains("its folder Workload does not exist either"), "\(folder.stderr)")
    }

    /// A reference of 200,000 + 1,000 tokens exceeds Llama-3.1-70B's 131,072-token window.
    @Test func exportSQLNotesAReferencePastTheContextWindow() throws {
        let args = ["export-sql", "--model", "meta-llama/Llama-3.1-70B-Instruct", "--gpu", "h100-sxm", "--gpus", "8", "--batch", "8",
                    "--dialect", "duckdb", "--reference-output", "1000"]
        let long = try Self.run(args + ["--reference-input", "200000"])
        #expect(long.status == 0 && long.stderr.contains("note: reference request: 201000 tokens per sequence exceed the 131072-token context window"),
                "\(long.stderr)")
        let short = try Self.run(args + ["--reference-input", "2000"])
        #expect(short.status == 0 && !short.stderr.contains("context window"), "\(short.stderr)")
    }

    /// power said nothing of the 2 engines × 128 that 8 GPUs at tp 4 run a batch of 256 as.
    @Test func powerNamesTheEnginesOfItsBatch() throws {
        let r = try Self.run(["power", "--model", "meta-llama/Llama-3.1-8B-Instruct", "--gpu", "h100-sxm", "--gpus", "8", "--tp", "4",
                              "--batch", "256", "--input", "1000", "--output", "250"])
        #expect(r.status == 0 && r.stdout.contains("2 data-parallel engines (replicas) of 4 GPUs each"), "\(r.stdout)\(r.stderr)")
    }
}
