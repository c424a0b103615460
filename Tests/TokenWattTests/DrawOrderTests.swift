import Testing
@testable import TokenWatt

/// A workload's figures do not depend on the order its classes or its mix's parts are listed in:
/// a journal's reader who reorders a file gets the same bytes back (2026-12-07 reproducibility
/// probe: the chat service's classes reversed had moved its mean 0.326 → 0.319 Wh and its fleet
/// 1828 → 1792 GPUs).
@Suite struct DrawOrderTests {
    static let classes = [
        #"{"name": "short", "share": 0.7, "deployment": "d", "input": {"exponential": {"median": 400}}, "output": {"exponential": {"median": 80}}}"#,
        #"{"name": "long", "share": 0.3, "deployment": "d", "input": {"exponential": {"median": 3000}}, "output": {"exponential": {"median": 900}}}"#,
    ]

    @Test func classesListedInAnotherOrderGiveTheSameFigures() throws {
        // Three classes, so that sums over them (a + b + c is not c + b + a in floating point) are covered too.
        let three = [Self.classes[0].replacingOccurrences(of: "0.7", with: "0.45"),
                     #"{"name": "mid", "share": 0.25, "deployment": "d", "input": {"exponential": {"median": 1200}}, "output": {"exponential": {"median": 333}}}"#,
                     Self.classes[1]]
        let given = try runWorkload(kernelWorkload(classes: three.joined(separator: ", ")), samples: 400)[0]
        let reversed = try runWorkload(kernelWorkload(classes: three.reversed().joined(separator: ", ")), samples: 400)[0]
        #expect(given.whPerQuery.mean == reversed.whPerQuery.mean && given.whPerQuery.p95 == reversed.whPerQuery.p95)
        #expect(given.gpus == reversed.gpus && given.gwhPerDay == reversed.gwhPerDay)
        #expect(given.varianceShares.map(\.share) == reversed.varianceShares.map(\.share))
        #expect(given.megawatts == reversed.megawatts && given.idleGWhPerDay == reversed.idleGWhPerDay)
        #expect(given.hourlyMegawatts == reversed.hourlyMegawatts)
        #expect(given.classes.map(\.name) == ["short", "mid", "long"] && reversed.classes.map(\.name) == ["long", "mid", "short"])
    }

    @Test func mixPartsListedInAnotherOrderGiveTheSameFigures() throws {
        func mix(_ parts: [String]) throws -> FleetResult {
            let one = { (c: String) in c.replacingOccurrences(of: #""share": 0.7"#, with: #""share": 1"#).replacingOccurrences(of: #""share": 0.3"#, with: #""share": 1"#) }
            let b = #"{"name": "b", "kind": "kernel", "queriesPerDay": 1e7, "deployments": [{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm"}], "classes": [\#(one(Self.classes[1]))]}"#
            let m = #"{"name": "m", "kind": "mix", "queriesPerDay": 1e7, "mix": [\#(parts.joined(separator: ", "))]}"#
            return try runWorkload(kernelWorkload(classes: one(Self.classes[0]), scenarioName: "a", more: b + ", " + m), samples: 300)[2]
        }
        let parts = [#"{"scenario": "a", "share": 0.6}"#, #"{"scenario": "b", "share": 0.4}"#]
        let (given, reversed) = (try mix(parts), try mix(parts.reversed()))
        #expect(given.whPerQuery == reversed.whPerQuery && given.gwhPerDay == reversed.gwhPerDay)
        #expect(given.mixContributions.map(\.scenario) == ["a", "b"] && reversed.mixContributions.map(\.scenario) == ["b", "a"])
    }
}
