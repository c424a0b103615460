import Testing
@testable import KernelPower

@Suite struct QuantityTests {
    @Test func powerTimesTimeIsEnergy() {
        let e = Power.watts(700) * Time.seconds(3600)
        #expect(approx(e.wattHours, 700))
        #expect(approx(e.kilowattHours, 0.7))
    }

    @Test func bytesOverBandwidthIsTime() {
        let t = ByteCount.gigabytes(3.35) / Bandwidth.bytesPerSecond(3.35e12)
        #expect(approx(t.milliseconds, 1))
    }

    @Test func unitsRoundTrip() {
        #expect(approx(Frequency.megahertz(1410).hertz, 1.41e9))
        #expect(approx(Time.microseconds(25).seconds, 25e-6))
        #expect(approx(FLOPRate.teraflopsPerSecond(989.4).flopsPerSecond, 989.4e12))
        #expect(approx(Energy.wattHours(0.24).joules, 864))
    }
}

@Suite struct NumberFormattingTests {
    @Test(arguments: [
        (0.1 + 0.2, "0.3"), (1_000_000, "1000000"), (0, "0"), (-0.0, "0"), (1.5e-9, "1.5e-9"),
        (123.456789, "123.457"), (0.000123, "0.000123"), (-2.5, "-2.5"), (1e20, "1e20"),
    ])
    func formatsDeterministically(_ x: Double, _ expected: String) {
        #expect(formatNumber(x) == expected)
    }

    /// Integers a program reads (counts, bytes, queries a day) are written whole: six significant
    /// digits made 1,234,567 requests 1234570 and an H100's 6291456-byte L2 6291460.
    @Test(arguments: [
        (1_234_567, "1234567"), (6_291_456, "6291456"), (34_359_738_368, "34359738368"), (983_930_832, "983930832"),
        (-2_779_553_304, "-2779553304"), (9_007_199_254_740_991, "9007199254740991"), (0, "0"), (-0.0, "0"), (700, "700"),
        // Not integers, or beyond 2^53: six significant digits as before.
        (1_234_567.4, "1234570"), (0.1 + 0.2, "0.3"), (1e20, "1e20"), (9_007_199_254_740_992, "9007200000000000"),
    ])
    func dataNumbersKeepIntegersWhole(_ x: Double, _ expected: String) {
        #expect(formatDataNumber(x) == expected)
    }

    @Test func nonFiniteBecomesNull() {
        #expect(formatDataNumber(.nan) == "null")
        #expect(formatNumber(.nan) == "null")
        #expect(formatNumber(.infinity) == "null")
    }

    @Test func fixedAndPercent() {
        #expect(formatFixed(-0.0001, decimals: 2) == "0.00")
        #expect(formatPercent(0.0826) == "8.3 %")
    }
}
