import Foundation
import Testing
@testable import TokenWatt
import KernelPower

/// Each facility-MW figure of a fleet says the PUE it is at. With `peakPUE` 1.5 on the chat
/// service, the text's "busiest hour draws 2.16 MW" (its busiest hour at the peak's PUE) stood
/// beside an hourly series peaking at 1.79 MW (at the draws' mean PUE, 1.2436), and nothing a
/// reader of the result could take said which PUE either was at.
@Suite struct FleetPeakPUEFieldsTests {
    @Test func theBusiestHourAndTheHourlySeriesNameTheirPUE() throws {
        let mean = try FacilityPowerTests.fleet(), hot = try FacilityPowerTests.fleet(" \"peakPUE\": 1.5,")
        for (r, peak) in [(mean, 1.3), (hot, 1.5)] {
            let hourlyPUE = try #require(r.hourlyPUE), busiestPUE = try #require(r.busiestHourPUE)
            let busiest = try #require(r.busiestHourFacilityMegawatts), seriesPeak = try #require(r.hourlyMegawatts.max())
            #expect(approx(hourlyPUE, 1.3) && approx(busiestPUE, peak), "hourly at \(hourlyPUE), busiest hour at \(busiestPUE)")
            // The busiest hour is the series' peak carried from the one PUE to the other.
            #expect(approx(busiest, seriesPeak * busiestPUE / hourlyPUE), "\(busiest) vs \(seriesPeak) × \(busiestPUE) / \(hourlyPUE)")
        }
    }
}
