import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// `bench` reports each figure's median with its least and greatest over the repeats, keeps its
/// ten JSON keys, shows the 1 ms per-estimate target, and fails where a sweep fails.
@Suite struct BenchmarkSpreadTests {
    /// A time per call in µs keeps the order of its readings; a rate reverses it (the slowest
    /// run is the least rate).
    @Test func aSpreadIsScaledAndInvertedInOrder() {
        let t = Benchmarks.spread("", [0.3, 0.1, 0.2])
        #expect(t == Benchmarks.Measure("", median: 0.2, low: 0.1, high: 0.3))
        let us = t.scaled("k", by: 1e6 / 100)
        #expect(abs(us.median - 2000) < 1e-9 && abs(us.low! - 1000) < 1e-9 && abs(us.high! - 3000) < 1e-9)
        let rate = t.scaled("r", by: 600, inverse: true)
        #expect(abs(rate.median - 3000) < 1e-9 && abs(rate.low! - 2000) < 1e-9 && abs(rate.high! - 6000) < 1e-9)
    }

    static let measures = [Benchmarks.Measure("forwardPassMicroseconds", median: 2, low: 1, high: 3),
                           Benchmarks.Measure("queryEstimateMicroseconds", median: 864, low: 656, high: 900),
                           Benchmarks.Measure("peakMemoryBytes", median: 7e7)]

    @Test func jsonKeepsTheMedianKeysAndAppendsTheSpreadAndTarget() {
        let keys = Benchmarks.jsonPairs(Self.measures).map(\.key)
        #expect(keys == ["forwardPassMicroseconds", "queryEstimateMicroseconds", "peakMemoryBytes",
                         "forwardPassMicrosecondsMin", "forwardPassMicrosecondsMax", "queryEstimateMicrosecondsMin",
                         "queryEstimateMicrosecondsMax", "queryEstimateTargetMicroseconds"])
    }

    @Test func theTextShowsTheRangeAndTheOneMillisecondTarget() {
        let rows = Benchmarks.tableRows(Self.measures)
        #expect(rows[0] == ["forwardPassMicroseconds", "2", "1–3", ""])
        #expect(rows[1] == ["queryEstimateMicroseconds", "864", "656–900", "≤ 1000 µs (1 ms): met"])
        #expect(rows[2][2] == "" && rows[2][3] == "", "a single reading has no range: \(rows[2])")
        let slow = Benchmarks.tableRows([Benchmarks.Measure("queryEstimateMicroseconds", median: 1200, low: 1100, high: 1300)])
        #expect(slow[0][3] == "≤ 1000 µs (1 ms): MISSED")
    }

    struct Failed: Error {}

    /// `try?` had turned a failed sweep into 0 points a second.
    @Test func aFailedSweepIsAnError() {
        #expect(throws: Failed.self) { try Benchmarks.pointsPerSecond(repeats: 3) { throw Failed() } }
    }
}
