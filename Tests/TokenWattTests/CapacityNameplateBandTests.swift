import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// At the band's high end a replica whose busy draw would pass its power limit runs at the limit
/// and serves fewer queries, on every sizing. Under `--sizing nameplate` the servers' rating does
/// not move with energy, and the replicas had been held: the chat service at 10 MW filled
/// 345,520,580 queries a day at the band's high end, the row's own, beside "(worst case)" and a
/// note saying those replicas serve fewer than the row's, and above the 335,518,669 busy and
/// worst-case sizings fill there.
@Suite struct CapacityNameplateBandTests {
    static let runner = FleetRunner(dataDirectory: nil)

    /// Llama-3.1-70B on 4 H100 at batch 256: its busy draw × the H100 band's high end passes the
    /// replicas' power limit.
    static let busyFleet = #"{"schemaVersion": 1, "description": "t", "samples": 200, "seed": 1, "scenarios": [{"name": "s", "kind": "kernel", "#
        + #""queriesPerDay": 1e6, "pue": 1.3, "headroom": 0.3, "deployments": [{"name": "d", "model": "meta-llama/Llama-3.1-70B-Instruct", "#
        + #""gpu": "h100-sxm", "gpus": 4, "tp": 4, "maxBatch": 256}], "classes": [{"name": "c", "share": 1, "deployment": "d", "#
        + #""input": {"fixed": 1000}, "output": {"fixed": 300}}]}]}"#

    @Test func nameplateFillsFewerQueriesAtTheBandsHighEndWhereReplicasRunAtTheirLimit() throws {
        let w = try readWorkload(Self.busyFleet)
        func row(_ sizing: Capacity.Sizing) throws -> Capacity.Row {
            try #require(try Capacity(workload: w, runner: Self.runner, budgetMegawatts: 10, gpus: [nil], caps: [nil], sizing: sizing).rows.first)
        }
        let nameplate = try row(.nameplate), worst = try row(.worstCase), busy = try row(.busy)
        let band = try #require(nameplate.band)
        try #require(band.highAtWorstCase, "the case needs replicas at their limit at the band's high end")
        let atHigh = try #require(band.queriesPerDayAtHigh)
        #expect(atHigh < nameplate.queriesPerDay, "nameplate at band high \(atHigh), row \(nameplate.queriesPerDay)")
        let worstHigh = try #require(worst.band?.queriesPerDayAtHigh), busyHigh = try #require(busy.band?.queriesPerDayAtHigh)
        #expect(atHigh <= worstHigh && worstHigh <= busyHigh * (1 + 1e-3), "nameplate \(atHigh), worst case \(worstHigh), busy \(busyHigh)")
        let note = try #require(Capacity.bandNote([nameplate], sizing: .nameplate, budgetMegawatts: 10))
        #expect(note.contains("serve fewer queries than the row's") && note.contains("needs more replicas, each at that limit"), "\(note)")
    }
}
