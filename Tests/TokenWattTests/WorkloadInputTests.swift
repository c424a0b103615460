import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// A temporary folder holding `files` (name: text), removed when `body` returns.
func withFiles<T>(_ files: [String: String], _ body: (String) throws -> T) throws -> T {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tw-input-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    for (name, text) in files { try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8) }
    return try body(dir.path)
}

/// A class of the default kernel workload with its own name, share and distributions.
func classJSON(_ name: String, share: Double = 1, input: String = "1000", output: String = "200") -> String {
    #"{"name": "\#(name)", "share": \#(share), "deployment": "d", "input": \#(input), "output": \#(output)}"#
}

/// Bad input found by a probe of workload files: each is refused naming the field (and the file
/// and line of a table) and what was expected, where it had given a wrong number or a misleading word.
@Suite struct WorkloadInputTests {
    // MARK: - Throughput tables

    static let tableHeader = "Model,Quantization,Tokens per Second (TPS),Input Length,Output Length\n"

    func tableScenario(_ file: String, models: [String] = ["A"], trims: [(Double, Double)] = []) -> ThroughputScenario {
        ThroughputScenario(file: file, quantization: "FP8", inputTokens: 500, models: models.map { (name: $0, nodePowerKW: 10.0) }, output: .fixed(300), roundOutput: true,
                           powerUtilization: .fixed(0.5), samplesPerModel: 100, blendTop: models.count, blendTrims: trims,
                           fleetOverhead: 1, field: "scenarios[0].throughputTable")
    }

    func fitError(_ rows: String) throws -> String {
        try withFiles(["tt.csv": Self.tableHeader + rows]) { dir in
            do { _ = try ThroughputTableModel.fits(tableScenario("tt.csv"), dataDirectory: dir); return "" } catch { return "\(error)" }
        }
    }

    /// 0 gave null results, -5 negative ones, and 0 among good rows ln 0 in the fit: all exit 0.
    @Test(arguments: ["0", "-5", "nan", "1e400", "fast"])
    func aThroughputThatIsNotPositiveIsRefused(tps: String) throws {
        let message = try fitError("A,FP8,100,128,128\nA,FP8,\(tps),1024,128\nA,FP8,100,128,1024\n")
        #expect(message.contains("tt.csv") && message.contains("line 3 Tokens per Second (TPS)") && message.contains("a positive number"), "\(message)")
    }

    /// A model whose rows all read "Variable" lengths was told "did you mean 'A'" about 'A'.
    @Test func aModelWithoutMeasuredLengthsIsNotOfferedItself() throws {
        let message = try fitError("A,FP8,100,Variable,128\nB,FP8,100,128,128\n")
        #expect(message.contains("models[0].name") && message.contains("none at numeric input and output lengths"), "\(message)")
        #expect(!message.contains("did you mean"), "\(message)")
    }

    /// Trims that keep no sample had reported 0 Wh per query beside a nonzero day.
    @Test func trimsThatLeaveNoSamplesAreRefused() throws {
        let samples = [(1...100).map(Double.init)]
        #expect(throws: Never.self) { try ThroughputTableModel.blend(samples, of: tableScenario("tt.csv", trims: [(0.05, 0.95), (0.1, 0.9)])) }
        #expect { try ThroughputTableModel.blend(samples, of: tableScenario("tt.csv", trims: [(0.5, 0.5000001)])) } throws: {
            "\($0)".contains("scenarios[0].throughputTable.blendTrims") && "\($0)".contains("model 'A'")
        }
    }

    @Test func aTableAtAnAbsolutePathIsReadAsGiven() throws {
        try withFiles(["tt.csv": Self.tableHeader + "A,FP8,100,128,128\n"]) { dir in
            let fits = try ThroughputTableModel.fits(tableScenario(dir + "/tt.csv"), dataDirectory: "/nonexistent")
            #expect(fits.map(\.cap) == [100])
        }
    }

    // MARK: - Traces

    /// A column of zeros read first as an output was then taken as an input (whose range starts
    /// at 1) without a check, and its 0-token prompts priced as 1 token.
    @Test func aTraceIsCheckedForEveryFieldThatReadsIt() throws {
        let trace = #"{"trace": {"file": "z.csv", "column": "a"}}"#
        let text = kernelWorkload(classes: classJSON("c1", share: 0.5, output: trace) + ", " + classJSON("c2", share: 0.5, input: trace))
        let message = try withFiles(["z.csv": "a\n0\n5\n"]) { workloadError(text, dataDirectory: $0) }
        #expect(message.contains("line 2 a") && message.contains("classes[1].input") && message.contains("from 1 to"), "\(message)")
    }

    /// A PUE of 1.2 from a trace was refused as "not a whole token count".
    @Test func aTraceOfANonTokenFieldTakesItsOwnValues() throws {
        let text = kernelWorkload(extra: #""pue": {"trace": {"file": "p.csv", "column": "pue"}}"#)
        let pue = try withFiles(["p.csv": "pue\n1.2\n1.3\n1.1\n"]) { try readWorkload(text, dataDirectory: $0).scenarios[0].pue }
        #expect(pue == .empirical([1.2, 1.3, 1.1]))
        let message = try withFiles(["p.csv": "pue\n1.2\n44\n"]) { workloadError(text, dataDirectory: $0) }
        #expect(message.contains("line 3 pue") && message.contains("a value from 1 to 5") && !message.contains("token"), "\(message)")
    }

    /// An absolute path had been glued onto the data directory (`/data//tmp/t.csv`).
    @Test func aTraceAtAnAbsolutePathIsReadAsGiven() throws {
        try withFiles(["t.csv": "n\n100\n300\n"]) { dir in
            let text = kernelWorkload(classes: classJSON("c", input: #"{"trace": {"file": "\#(dir)/t.csv", "column": "n"}}"#))
            let w = try readWorkload(text, dataDirectory: nil)
            guard case let .kernel(k) = w.scenarios[0].kind else { Issue.record("not a kernel scenario"); return }
            #expect(k.classes[0].input == .empirical([100, 300]))
        }
    }

    // MARK: - Sums and weights

    /// 24 hourly weights of 1e308 summed to inf and made every hour 0.
    @Test func hugeDiurnalWeightsAreAFlatDay() throws {
        let w = try readWorkload(kernelWorkload(extra: #""diurnal": ["# + Array(repeating: "1e308", count: 24).joined(separator: ", ") + "]"))
        guard case let .kernel(k) = w.scenarios[0].kind else { Issue.record("not a kernel scenario"); return }
        #expect(k.diurnal.allSatisfy { approx($0, 1.0 / 24) }, "\(k.diurnal)")
    }

    /// Weights of 1e308 put every draw in the last bin (and made the mean NaN); subnormal ones
    /// gave the first of two equal bins 25 %.
    @Test(arguments: ["1e308", "5e-324"])
    func extremeHistogramWeightsDrawAsEqualOnes(weight: String) throws {
        let input = #"{"histogram": {"edges": [1, 100, 200], "weights": [\#(weight), \#(weight)]}}"#
        let w = try readWorkload(kernelWorkload(classes: classJSON("c", input: input)))
        guard case let .kernel(k) = w.scenarios[0].kind else { Issue.record("not a kernel scenario"); return }
        let d = k.classes[0].input
        #expect(approx(d.mean, Distribution.histogram(edges: [1, 100, 200], weights: [1, 1]).mean), "\(d)")
        var rng = SeededRandom(seed: 1)
        let low = (0..<10_000).filter { _ in d.sample(&rng) < 100 }.count
        #expect(abs(Double(low) / 10_000 - 0.5) < 0.03, "\(low)")
    }

    /// Rescaling is by a power of two, so ordinary weights keep their exact ratios (and draws).
    @Test func rescalingIsExact() throws {
        let w = [0.3, 0.5, 0.0, 0.125], r = Distribution.rescaled(w)
        let top = try #require(r.max())
        #expect(top >= 1 && top < 2)
        #expect(zip(w, r).allSatisfy { $0.1 == $0.0 * 2 })
    }

    // MARK: - Names

    /// Duplicates said "duplicate deployment id or alias 'd'": no field, and these have no aliases.
    @Test(arguments: [
        (kernelWorkload(deployment: #"{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm"}, {"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h200"}"#),
         "scenarios[0].deployments[1].name", "scenarios[0].deployments[0].name"),
        (kernelWorkload(classes: classJSON("c", share: 0.5) + ", " + classJSON("c", share: 0.5)), "scenarios[0].classes[1].name", "scenarios[0].classes[0].name"),
        (kernelWorkload(more: #"{"name": "s", "kind": "kernel", "deployments": [{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm"}], "classes": [\#(classJSON("c"))]}"#),
         "scenarios[1].name", "scenarios[0].name"),
        (kernelWorkload(more: #"{"name": "m", "kind": "mix", "queriesPerDay": 1e7, "mix": [{"scenario": "s", "share": 0.5}, {"scenario": "s", "share": 0.5}]}"#),
         "scenarios[1].mix[1].scenario", "scenarios[1].mix[0].scenario"),
    ])
    func aRepeatedNameSaysWhereBothAre(text: String, field: String, first: String) {
        let message = workloadError(text)
        #expect(message.contains("field '\(field)'") && message.contains("\(first) has it") && !message.contains("alias"), "\(message)")
    }

    /// Blank class and lever names printed as "lever : …"; blank scenario names were refused.
    @Test(arguments: [
        (kernelWorkload(classes: classJSON(" ")), "scenarios[0].classes[0].name", "class"),
        (kernelWorkload(extra: #""levers": [{"name": "", "precision": "fp8"}]"#), "scenarios[0].levers[0].name", "lever"),
        (kernelWorkload(deployment: #"{"name": "", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm"}"#), "scenarios[0].deployments[0].name", "deployment"),
    ])
    func aBlankNameIsRefused(text: String, field: String, kind: String) {
        let message = workloadError(text)
        #expect(message.contains(field) && message.contains("a \(kind) name that is not blank"), "\(message)")
    }

    // MARK: - Token counts

    /// Fractional token counts were rounded (500.5 drawn as 501) while a trace refused 512.5.
    @Test(arguments: [
        (kernelWorkload(classes: classJSON("c", input: "500.5")), "classes[0].input"),
        (kernelWorkload(classes: classJSON("c", output: #"{"fixed": 1.5}"#)), "classes[0].output.fixed"),
        (kernelWorkload(classes: classJSON("c", input: #"{"uniform": {"low": 1.5, "high": 10}}"#)), "input.uniform.low"),
        (kernelWorkload(classes: classJSON("c", input: #"{"uniform": {"low": 1, "high": 10.5}}"#)), "input.uniform.high"),
        (kernelWorkload(classes: classJSON("c", input: #"{"histogram": {"edges": [1, 2.5, 10], "weights": [1, 1]}}"#)), "input.histogram.edges[1]"),
        (#"{"schemaVersion": 1, "description": "x", "scenarios": [{"name": "t", "kind": "throughput-table", "throughputTable": {"file": "f.csv", "inputTokens": 1.5, "models": [{"name": "A", "nodePowerKW": 10}], "output": 300, "powerUtilization": 0.5}}]}"#,
         "throughputTable.inputTokens"),
        (#"{"schemaVersion": 1, "description": "x", "scenarios": [{"name": "t", "kind": "throughput-table", "throughputTable": {"file": "f.csv", "inputTokens": 500, "models": [{"name": "A", "nodePowerKW": 10}], "output": 300.5, "powerUtilization": 0.5}}]}"#,
         "throughputTable.output"),
    ])
    func aFractionalTokenCountIsRefused(text: String, field: String) {
        let message = workloadError(text)
        #expect(message.contains(field) && message.contains("a whole token count"), "\(message)")
    }

    /// A spread's parameters and non-token fields stay fractional.
    @Test func fractionalParametersAndNonTokenValuesStand() throws {
        let text = kernelWorkload(classes: classJSON("c", input: #"{"exponential": {"median": 300.5}}"#, output: #"{"lognormal": {"p5": 10.5, "p95": 99.5}}"#),
                                  extra: #""pue": 1.25"#)
        #expect(try readWorkload(text).scenarios[0].pue == .fixed(1.25))
    }

    // MARK: - Mixes

    /// A mix's traffic had silently defaulted to 1e9 whatever its components carried (a mix of
    /// 1e6-query scenarios reported 0.0359 GWh a day).
    @Test func aMixStatesItsTraffic() throws {
        let message = workloadError(kernelWorkload(more: #"{"name": "m", "kind": "mix", "mix": [{"scenario": "s", "share": 1}]}"#))
        #expect(message.contains("missing field 'scenarios[1].queriesPerDay'") && message.contains("a mix states its own traffic"), "\(message)")
        let w = try readWorkload(kernelWorkload(more: #"{"name": "m", "kind": "mix", "queriesPerDay": 1e6, "mix": [{"scenario": "s", "share": 1}]}"#))
        #expect(w.scenarios[1].queriesPerDay == 1e6)
    }

    // MARK: - Boundaries

    /// A throughput-table scenario of `boundary` (nil: none given), and a mix of it at `mix`.
    func tableWorkload(_ boundary: String?, mix: String? = nil) -> String {
        let table = #""kind": "throughput-table", "throughputTable": {"file": "t.csv", "inputTokens": 500, "models": [{"name": "A", "nodePowerKW": 10}], "output": {"fixed": 300}, "powerUtilization": {"fixed": 0.5}}"#
        let own = boundary.map { #", "boundary": "\#($0)""# } ?? ""
        let mixScenario = mix.map { #", {"name": "m", "kind": "mix", "queriesPerDay": 1e9, "boundary": "\#($0)", "mix": [{"scenario": "a", "share": 0.5}, {"scenario": "b", "share": 0.5}]}"# } ?? ""
        return #"{"schemaVersion": 1, "description": "t", "scenarios": [{"name": "a", \#(table)\#(own)}, {"name": "b", \#(table)}\#(mixScenario)]}"#
    }

    /// A throughput table's Wh are node power × PUE, with nothing below the facility: a `gpu`
    /// boundary was accepted, then printed as `facility` with nothing said.
    @Test(arguments: ["gpu", "node", "it"])
    func aThroughputTableReportsAtTheFacilityOnly(boundary: String) throws {
        let message = workloadError(tableWorkload(boundary))
        #expect(message.contains("w.json") && message.contains("'scenarios[0].boundary' has value \(boundary)") && message.contains("facility only"), "\(message)")
        #expect(try readWorkload(tableWorkload("facility")).scenarios[0].boundary == .facility)
    }

    /// A mix at another boundary than its throughput tables is told to move the mix: the run had
    /// told it to set "boundary" on its components, which a table then ignored.
    @Test func aMixOfTablesIsToldToMoveTheMix() throws {
        let message = workloadError(tableWorkload(nil, mix: "it"))
        #expect(message.contains("w.json") && message.contains("'scenarios[2].boundary' has value it") && message.contains("as its part a"), "\(message)")
        #expect(message.contains("set the mix's \"boundary\" to facility") && !message.contains("components"), "\(message)")
        #expect(try readWorkload(tableWorkload(nil, mix: "facility")).scenarios.count == 3)
    }
}
