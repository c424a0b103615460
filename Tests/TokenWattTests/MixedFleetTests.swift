import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// Fleets of several GPUs and classes as a 2026-12-07 fleet operator's probe found them: a
/// capacity row whose settings were paired with the wrong GPUs, a GPU lever without its measured
/// bias, three rules for a cap above one GPU's TDP, no dequantization caveat in `fleet`, and
/// classes on one deployment sized apart with nothing said.
@Suite struct MixedFleetTests {
    static let runner = FleetRunner(dataDirectory: nil)

    /// A router: an 8B model on an H200 capped at 600 W (first in the file) and on an A100 at TDP.
    static func router(levers: String = "", bigShare: Double = 0.3) -> String {
        kernelWorkload(
            classes: #"{"name": "easy", "share": \#(1 - bigShare), "deployment": "small", "input": {"fixed": 1000}, "output": {"fixed": 200}}, "#
                + #"{"name": "hard", "share": \#(bigShare), "deployment": "big", "input": {"fixed": 2000}, "output": {"fixed": 500}}"#,
            extra: levers.isEmpty ? "" : #""levers": [\#(levers)]"#,
            deployment: #"{"name": "big", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h200", "precision": "fp8", "powerCapWatts": 600}, "#
                + #"{"name": "small", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "a100-sxm-80gb"}"#)
    }

    /// Each GPU sits beside its own setting: the GPUs are sorted, and the settings had kept the
    /// file's order ("a100-sxm-80gb+h200  600 W+TDP (400 W)").
    @Test func aCapacityRowPairsEachGPUWithItsSetting() throws {
        let c = try Capacity(workload: try readWorkload(Self.router()), runner: Self.runner, budgetMegawatts: 1, gpus: [nil], caps: [nil])
        let row = try #require(c.rows.first)
        #expect(row.gpu == "a100-sxm-80gb+h200" && row.setting == "TDP (400 W)+600 W", "\(row.gpu) \(row.setting)")
        #expect(row.powerCapWatts == nil)
    }

    /// A deployment no class sends traffic to is in no row: a share-0 class on a B200 had put
    /// "b200+h100-sxm  TDP (700 W)+TDP (1000 W)" on a row of H100s.
    @Test func aDeploymentWithoutTrafficIsLeftOutOfTheRow() throws {
        let text = kernelWorkload(
            classes: #"{"name": "a", "share": 1, "deployment": "d", "input": {"fixed": 1000}, "output": {"fixed": 200}}, "#
                + #"{"name": "z", "share": 0, "deployment": "e", "input": {"fixed": 1000}, "output": {"fixed": 200}}"#,
            deployment: #"{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm"}, "#
                + #"{"name": "e", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "b200"}"#)
        let c = try Capacity(workload: try readWorkload(text), runner: Self.runner, budgetMegawatts: 1, gpus: [nil], caps: [nil])
        let row = try #require(c.rows.first)
        #expect(row.gpu == "h100-sxm" && row.setting == "TDP (700 W)", "\(row.gpu) \(row.setting)")
    }

    /// A lever onto another GPU in a scenario on two GPUs gets the measured-median note, each
    /// deployment's GPU at its own median before and after (it had been given on one GPU only).
    @Test func aGPULeverOnAMixedScenarioSaysTheMeasuredMedianSaving() throws {
        let f = try #require(try Self.runner.run(try readWorkload(Self.router(levers: #"{"name": "to b200", "gpu": "b200"}"#))).first)
        let note = try #require(f.notes.first { $0.hasPrefix("lever to b200: with each GPU's energy at its measured median") }, "\(f.notes)")
        #expect(note.contains("b200 ") && note.contains("a100-sxm-80gb ") && note.contains("h200 "), "\(note)")
        // The parts add up to the GPU-proportional Wh per query they split.
        let parts = f.gpuProportionalWhPerQueryByGPU
        #expect(Set(parts.keys) == ["a100-sxm-80gb", "h200"])
        #expect(approx(parts.values.reduce(0, +), f.gpuProportionalWhPerQuery, rel: 1e-9))
    }

    /// A cap at or above one GPU's TDP is that GPU's uncapped run, said in a note, and binds on
    /// the others: capacity runs the candidate (it had been a usage error on an A100 + H200 router,
    /// though the H200 takes 500 W), and a cap lever applies to each deployment it can (it had been "not run").
    @Test func aCapAboveOneGPUsTDPRunsItUncappedAndTheOthersCapped() throws {
        let w = try readWorkload(Self.router()), catalog = Estimator().gpus
        #expect(Capacity.capsUsageError(w, gpus: [nil], caps: [.watts(500), .uncapped], catalog: catalog) == nil)
        // Outside the range of every candidate it is still the usage error; beside `none`, the uncapped run.
        #expect(Capacity.capsUsageError(w, gpus: ["a100-sxm-80gb"], caps: [.watts(500)], catalog: catalog)?
            .hasPrefix("--caps 500: outside the range a100-sxm-80gb allows (100 to 400 W)") == true)
        #expect(Capacity.capsUsageError(w, gpus: ["a100-sxm-80gb"], caps: [.watts(500), .uncapped], catalog: catalog) == nil)
        #expect(Capacity.capsUsageError(w, gpus: [nil], caps: [.watts(50)], catalog: catalog)?.hasPrefix("--caps 50: outside the range") == true)
        let c = try Capacity(workload: w, runner: Self.runner, budgetMegawatts: 1, gpus: [nil], capCandidates: [.watts(500), .uncapped])
        #expect(c.failures.isEmpty, "\(c.failures)")
        let capped = try #require(c.rows.first { $0.setting == "TDP (400 W)+500 W" }, "\(c.rows.map(\.setting))")
        #expect(capped.gpu == "a100-sxm-80gb+h200")
        #expect(c.notes.contains { $0.contains("the cap of 500 W is above the highest limit of a100-sxm-80gb (400 W, its TDP), so that GPU runs uncapped") }, "\(c.notes)")
        let f = try #require(try Self.runner.run(try readWorkload(Self.router(levers: #"{"name": "cap 500", "powerCapWatts": 500}"#))).first)
        #expect(!f.notes.contains { $0.hasPrefix("lever cap 500 not run") }, "\(f.notes)")
        #expect(f.levers.contains { $0.name == "cap 500" })
        // A cap no deployment takes is still not run.
        let none = try #require(try Self.runner.run(try readWorkload(Self.router(levers: #"{"name": "cap 5000", "powerCapWatts": 5000}"#))).first)
        #expect(none.notes.contains { $0.hasPrefix("lever cap 5000 not run") }, "\(none.notes)")
        #expect(f.notes.contains { $0.hasPrefix("lever cap 500: the cap of 500 W is above the highest limit of a100-sxm-80gb (400 W, its TDP)") && $0.hasSuffix("deployment small; the others run at 500 W") }, "\(f.notes)")
    }

    /// `fleet` carries the caveat `estimate` and `capacity` print for 4-bit weights computed at 16 bits.
    @Test func fleetSaysInt4WeightsAreDequantized() throws {
        let text = kernelWorkload(deployment: #"{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "a100-sxm-80gb", "precision": "int4"}"#)
        let f = try #require(try Self.runner.run(try readWorkload(text)).first)
        #expect(f.notes.filter { $0.hasPrefix("int4 weights dequantized to bf16") }.count == 1, "\(f.notes)")
        let plain = try #require(try Self.runner.run(try readWorkload(kernelWorkload())).first)
        #expect(!plain.notes.contains { $0.contains("dequantized") })
    }

    /// Several classes on one deployment are each sized on whole replicas of their own: a note
    /// says how many GPUs that adds over one pool for them all, and none for a single class.
    @Test func classesSplitOnOneDeploymentSayWhatTheirOwnReplicasAdd() throws {
        let classes = (0..<10).map { #"{"name": "c\#($0)", "share": 0.1, "deployment": "d", "input": {"fixed": 1000}, "output": {"fixed": 200}}"# }
        let split = try #require(try Self.runner.run(try readWorkload(kernelWorkload(classes: classes.joined(separator: ", "))
            .replacingOccurrences(of: "1e7", with: "1e5"))).first)
        let note = try #require(split.notes.first { $0.hasPrefix("deployment d serves 10 classes") }, "\(split.notes)")
        #expect(note.contains("each on whole replicas of its own: 10 GPUs where one pool of replicas for all of them would need 1 (+9 GPUs"), "\(note)")
        let one = try #require(try Self.runner.run(try readWorkload(kernelWorkload())).first)
        #expect(!one.notes.contains { $0.contains("whole replicas of its own") })
    }

    /// A load that never fills one replica's batch says which batch its latency is for.
    @Test func aLoadTooSmallToFillABatchSaysWhichBatchItsLatencyIsFor() throws {
        let tiny = try #require(try Self.runner.run(try readWorkload(kernelWorkload().replacingOccurrences(of: "1e7", with: "1000"))).first)
        let words = try #require(FleetRendering.scenarioLatencyWords(tiny))
        #expect(words.contains("these are at each class's batch when busy, as the fleet is priced; class chat is priced at"), "\(words)")
        #expect(words.contains("so its real batches are smaller and its ITL and TTFT lower than these"))
        let busy = try #require(try Self.runner.run(try readWorkload(kernelWorkload().replacingOccurrences(of: "1e7", with: "1e9"))).first)
        #expect(FleetRendering.scenarioLatencyWords(busy)?.contains("priced at") == false)
    }

    /// Rare shares, duty cycles and a mix's parts read as what they are: a 0.1 % class had printed
    /// "0 %", and five parts of sevenths "14 %, 14 %, 14 %, 14 %, 43 %" (99 %).
    @Test func smallSharesAndPartsReadAsWhatTheyAre() throws {
        #expect(ShareWords.whole(0.001) == "0.1 %" && ShareWords.whole(0.004) == "0.4 %" && ShareWords.whole(0.0002) == "0.02 %")
        #expect(ShareWords.whole(0.7) == "70 %" && ShareWords.whole(0) == "0 %" && ShareWords.whole(1) == "100 %" && ShareWords.whole(0.998) == "99.8 %")
        #expect(ShareWords.parts([1, 1, 1, 1, 3].map { $0 / 7.0 }) == ["14.3 %", "14.3 %", "14.3 %", "14.3 %", "42.9 %"])
        #expect(ShareWords.parts([0.7, 0.3]) == ["70 %", "30 %"])
        let f = try #require(try Self.runner.run(try readWorkload(Self.router(bigShare: 0.001))).first)
        let text = FleetRendering.text(try readWorkload(Self.router(bigShare: 0.001)), [f])
        #expect(text.contains("class hard (single, 0.1 %)"), "\(text)")
        #expect(FleetRendering.fleetWords(try #require(try Self.runner.run(try readWorkload(kernelWorkload().replacingOccurrences(of: "1e7", with: "1000"))).first))
                .hasSuffix("GPU in 1 node"))
    }
}
