import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// `capacity`'s candidates and what it leaves out (2026-12-06 probes: `--caps none,500` was
/// refused, a mix scenario was skipped with nothing said, and a workload with no kernel scenario
/// was refused without naming the file).
@Suite struct CapacityCandidateTests {
    /// An uncapped candidate runs with no cap, even where the workload's deployment sets one, and
    /// its row names the GPU's TDP.
    @Test func anUncappedCandidateRunsAtTDPAndSaysSo() throws {
        let w = try readWorkload(kernelWorkload(deployment: #"{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm", "powerCapWatts": 300}"#))
        let c = try Capacity(workload: w, runner: FleetRunner(dataDirectory: nil), budgetMegawatts: 1, gpus: [nil],
                             capCandidates: [.asWritten, .uncapped, .watts(500)])
        #expect(c.failures.isEmpty && c.rows.count == 3)
        let tdp = try Estimator().gpus.gpu("h100-sxm").tdp.watts
        let free = try #require(c.rows.first { $0.setting == "TDP (\(formatNumber(tdp)) W)" }, "\(c.rows.map(\.setting))")
        let own = try #require(c.rows.first { $0.powerCapWatts == 300 })
        #expect(free.powerCapWatts == nil && free.whPerQuery != own.whPerQuery)
        #expect(c.text().contains("TDP (\(formatNumber(tdp)) W)"))
    }

    /// A scenario capacity does not size (a mix) is named with why, in the text and the JSON.
    @Test func aSkippedScenarioIsNamed() throws {
        let w = try readWorkload(kernelWorkload(more: #"{"name": "blend", "kind": "mix", "queriesPerDay": 1e7, "mix": [{"scenario": "s", "share": 1}]}"#))
        let c = try Capacity(workload: w, runner: FleetRunner(dataDirectory: nil), budgetMegawatts: 1, gpus: [nil], caps: [nil])
        #expect(c.rows.map(\.scenario) == ["s"])
        #expect(c.skipped.map(\.scenario) == ["blend"] && c.skipped[0].reason.contains("a mix (of 's')"))
        #expect(c.text().contains("note: scenario 'blend' is not sized: it is a mix (of 's'); it has no fleet of its own to size, "
                                  + "and its kernel parts ('s') are sized as scenarios of their own"), "\(c.text())")
        #expect(JSONWriter().write(c.json()).contains("\"skipped\""))
        let plain = try Capacity(workload: try readWorkload(kernelWorkload()), runner: FleetRunner(dataDirectory: nil), budgetMegawatts: 1, gpus: [nil], caps: [nil])
        #expect(plain.skipped.isEmpty && !plain.text().contains("not sized"))
    }
}
