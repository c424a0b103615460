import Testing
@testable import KernelPower

@Suite struct DecimalNumberTests {
    @Test(arguments: [("300", 300.0), ("-1.5", -1.5), (".5", 0.5), ("70e9", 70e9), ("1E-3", 0.001), ("+2", 2.0), ("007", 7.0)])
    func readsDecimalNumbers(text: String, value: Double) {
        #expect(Double(decimal: text) == value)
    }

    /// `Double(String)` reads these (`0x12C` as 300: `--power-cap-w 0x12C` ran at 300 W while
    /// `--batch 0x10` was refused); a flag or a table cell means none of them.
    @Test(arguments: ["0x12C", "0x1p3", "0X10", "inf", "-infinity", "nan", "NaN", "", " 5", "5 ", "1e400", "1,5", "e5"])
    func refusesEverythingElse(text: String) {
        #expect(Double(decimal: text) == nil, "\(text)")
    }
}
