import KernelPower

/// Shares in words at whole percents, with more digits where whole percents would misstate them.
public enum ShareWords {
    /// A share at a whole percent, except where that reads as none or all of it: below 0.5 %
    /// (above none) as `ClassResult.shareWords` gives it ("0.1 %", "0.04 %"), and between 99.5
    /// and 100 % at one decimal ("99.6 %"). A 0.1 % class had printed "(single, 0 %)" and a
    /// 0.004 duty cycle "at a 0 % duty cycle".
    public static func whole(_ x: Double) -> String {
        if x > 0 && x < 0.005 { return ClassResult.shareWords(x) }
        if x < 1 && x >= 0.995 { return formatPercent(min(x, 0.999), decimals: 1) }
        return formatPercent(x, decimals: 0)
    }

    /// Shares of one whole (a mix's parts), each at a whole percent (`whole`) where those add up
    /// to the total at whole percents, else each at one decimal: five parts of 1/7, 1/7, 1/7,
    /// 1/7 and 3/7 had read "14 %, 14 %, 14 %, 14 %, 43 %", 99 %. One more decimal keeps equal
    /// parts equal, where largest-remainder rounding would print one of them as 15 %.
    public static func parts(_ xs: [Double]) -> [String] {
        let wholes = xs.map { ($0 * 100).rounded() }
        let total = (xs.reduce(0, +) * 100).rounded()
        let fits = wholes.reduce(0, +) == total && zip(xs, wholes).allSatisfy { $0 <= 0 || $1 > 0 }
        return xs.map { fits ? whole($0) : formatPercent($0, decimals: 1) }
    }
}
