import Foundation
import KernelPower

extension TraceNumbers {
    /// `formatDataNumber(x)` (integers whole, six significant digits otherwise), fast enough for
    /// the per-request CSV, which writes one row per logged request: `formatNumber` goes through
    /// `String(format:)`, some 50× slower, which is why the rows had been written as raw doubles
    /// (`0.5420733089894147`, batch `1.0`) beside the six digits of every other CSV and JSON.
    ///
    /// The value is scaled to six integer digits by an exact power of ten, rounded, and divided
    /// back, one correctly rounded operation whose shortest repr is those six digits. A product
    /// within 1e-6 of a rounding tie, where the scaling's own rounding could decide it, and any
    /// magnitude that `formatNumber` writes in exponent form go through `formatDataNumber` itself.
    static func csv(_ x: Double) -> String {
        guard x.isFinite, !(x == x.rounded() && abs(x) < 9_007_199_254_740_992) else { return formatDataNumber(x) }
        let a = abs(x)
        var exponent = Int(log10(a).rounded(.down))
        guard (-4...14).contains(exponent) else { return formatDataNumber(x) }
        if exponent >= 0 && a < powersOfTen[exponent] { exponent -= 1 }  // log10 rounded up to a power of ten
        var digits = 5 - exponent
        guard (0...22).contains(digits) else { return formatDataNumber(x) }
        var scaled = a * powersOfTen[digits]
        if scaled.rounded() >= 1_000_000 {  // 999999.5 and up round to seven digits: one fewer decimal
            guard digits > 0 else { return formatDataNumber(x) }
            digits -= 1
            scaled = a * powersOfTen[digits]
        }
        guard scaled >= 99_999.5, abs(scaled - scaled.rounded(.down) - 0.5) > 1e-6 else { return formatDataNumber(x) }
        let r = scaled.rounded() / powersOfTen[digits]
        let body = r == r.rounded() ? String(Int64(r)) : r.description
        return x < 0 ? "-" + body : body
    }

    /// A logged time as the per-request CSV writes it: whole seconds whole (`5`, not `5.0`), any
    /// other time in full (the shortest decimal that reads back as it), not to six digits: epoch
    /// seconds have ten before the point, and six would give many requests one time.
    static func csvTime(_ t: Double) -> String {
        t == t.rounded() && abs(t) < 9_007_199_254_740_992 ? String(Int64(t)) : t.description
    }
}
