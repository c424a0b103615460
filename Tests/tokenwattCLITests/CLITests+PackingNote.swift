import Foundation
import Testing

/// The fleet note on a router packing each class's load quotes what spreading it would cost and
/// the `estimate` command that prices one replica so: run as printed, the command gives both
/// figures. It had said "as `estimate --load 3.734` prices one replica", which with the
/// scenario's model and lengths gave other figures (estimate's default PUE, another batch).
extension CLITests {
    /// A workload below the facility boundary on a capped two-GPU deployment: the command carries
    /// the boundary, the cap and the layout.
    static let cappedAtIT = """
        {"schemaVersion": 1, "description": "x", "samples": 200, "scenarios": [{"name": "s", "kind": "kernel", "boundary": "it",
          "deployments": [{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm", "gpus": 2, "tp": 2, "powerCapWatts": 500}],
          "classes": [{"name": "c", "share": 1, "deployment": "d", "input": {"fixed": 300}, "output": {"fixed": 80}}]}]}
        """

    /// Each clause's spread and packed Wh, boundary and command, from a fleet run's output.
    static func packingClauses(_ fleetOutput: String) throws -> [(spread: String, packed: String, boundary: String, args: [String])] {
        let note = try #require(fleetOutput.split(separator: "\n").first { $0.contains("router packs its load") }, "\(fleetOutput)")
        let pattern = try NSRegularExpression(pattern: #"\(([0-9.e-]+) against ([0-9.e-]+) Wh at the (\w+) boundary; one replica at that load: `tokenwatt estimate ([^`]+)`"#)
        let text = String(note)
        return pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { m in
            let group = { (i: Int) in String(text[Range(m.range(at: i), in: text)!]) }
            return (group(1), group(2), group(3), ["estimate"] + group(4).split(separator: " ").map(String.init))
        }
    }

    @Test(arguments: ["chat-service", "capped at it"])
    func thePackingNoteCommandGivesItsFigures(workload: String) throws {
        // One folder per case: the two cases run at once, and one's cleanup had removed the other's file.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tw-packing-\(getpid())-\(workload.replacingOccurrences(of: " ", with: "-"))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("w.json")
        try Self.cappedAtIT.write(to: file, atomically: true, encoding: .utf8)
        let fleet = try Self.run(workload == "chat-service" ? ["fleet", "Workloads/chat-service.json", "--samples", "500"] : ["fleet", file.path])
        #expect(fleet.status == 0, "\(fleet.stderr)")
        let clauses = try Self.packingClauses(fleet.stdout)
        // The chat service's long-context class caches 40 % of its prompts, which `estimate` cannot
        // price: its clause says so and quotes no figures (it had quoted 2.172 against 1.743 Wh).
        #expect(clauses.count == (workload == "chat-service" ? 2 : 1), "\(fleet.stdout)")
        if workload == "chat-service" {
            #expect(fleet.stdout.contains("class long-context at") && fleet.stdout.contains("`tokenwatt estimate` has no prefix cache"), "\(fleet.stdout)")
        }
        for c in clauses {
            if workload != "chat-service" { #expect(c.args.contains("--power-cap-w") && c.args.contains("--boundary") && c.args.contains("--tp"), "\(c.args)") }
            let e = try Self.run(c.args)
            #expect(e.status == 0, "\(c.args): \(e.stderr)")
            let alone = try #require(e.stdout.split(separator: "\n").first { $0.contains("served by this deployment alone") }, "\(e.stdout)")
            #expect(alone.contains("a query would cost \(c.spread) Wh at the \(c.boundary) boundary")
                    && alone.contains("this ledger's \(c.packed) Wh"), "\(c.args): \(alone)")
        }
    }
}
