import Foundation

/// Formats a number deterministically and locale-free, rounded to `significant` digits, without
/// trailing zeros and without grouping separators: `0.1 + 0.2` prints as `0.3`, a million as
/// `1000000`, a tiny value as `1.5e-9`. Non-finite values print as `null` so that a bug can never
/// write `nan` into a report (callers validate earlier; this is the last line of defence).
public func formatNumber(_ x: Double, significant: Int = 6) -> String {
    guard x.isFinite else { return "null" }
    if x == 0 { return "0" }
    let digits = max(1, min(17, significant))
    // %e rounding is correctly rounded by the C library and independent of locale.
    let e = String(format: "%.\(digits - 1)e", x)
    guard let eIndex = e.firstIndex(of: "e"), let exponent = Int(e[e.index(after: eIndex)...]) else { return e }
    var mantissa = String(e[..<eIndex])
    let negative = mantissa.hasPrefix("-")
    if negative { mantissa.removeFirst() }
    let mantissaDigits = mantissa.replacingOccurrences(of: ".", with: "")
    var result: String
    if exponent >= -5 && exponent < 16 {
        if exponent >= 0 {
            let intCount = exponent + 1
            if mantissaDigits.count <= intCount {
                result = mantissaDigits + String(repeating: "0", count: intCount - mantissaDigits.count)
            } else {
                let cut = mantissaDigits.index(mantissaDigits.startIndex, offsetBy: intCount)
                result = String(mantissaDigits[..<cut]) + "." + String(mantissaDigits[cut...])
            }
        } else {
            result = "0." + String(repeating: "0", count: -exponent - 1) + mantissaDigits
        }
        if result.contains(".") {
            while result.hasSuffix("0") { result.removeLast() }
            if result.hasSuffix(".") { result.removeLast() }
        }
    } else {
        var m = mantissa
        if m.contains(".") {
            while m.hasSuffix("0") { m.removeLast() }
            if m.hasSuffix(".") { m.removeLast() }
        }
        result = "\(m)e\(exponent)"
    }
    if result == "0" { return "0" }
    return negative ? "-" + result : result
}

/// Formats a number for output a program reads (JSON, CSV): an integer-valued number of
/// magnitude below 2^53 (where every integer is a `Double`) exactly, `1234567` and `6291456`;
/// any other number as `formatNumber(x, significant:)` does. Counts, byte sizes and queries a
/// day are integers, and rounding them to six digits made them wrong: a trace's `requests`
/// read 1234570 for 1,234,567, an L2 cache 6291460 bytes for 6291456.
public func formatDataNumber(_ x: Double, significant: Int = 6) -> String {
    guard x.isFinite, x == x.rounded(), abs(x) < 9_007_199_254_740_992 else { return formatNumber(x, significant: significant) }
    return x == 0 ? "0" : String(Int64(x))
}

/// Formats with a fixed number of decimals (for tables), locale-free; `-0.0` prints as `0.0`.
public func formatFixed(_ x: Double, decimals: Int) -> String {
    guard x.isFinite else { return "null" }
    var s = String(format: "%.\(decimals)f", x)
    if s.hasPrefix("-"), s.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) { s.removeFirst() }
    return s
}

/// Formats a fraction as a percentage with `decimals` decimals, e.g. `0.0826` -> `8.3 %`.
public func formatPercent(_ fraction: Double, decimals: Int = 1) -> String {
    formatFixed(fraction * 100, decimals: decimals) + " %"
}

/// A whole count with its noun, singular for one: "1 sequence", "256 sequences" (the notes had
/// said "the KV cache holds 1 sequences").
public func formatCount(_ n: Int, _ singular: String, plural: String? = nil) -> String {
    "\(n) \(n == 1 ? singular : plural ?? singular + "s")"
}
