import Foundation

/// Fast, allocation-free number parsing of ASCII fields.
enum TraceNumbers {
    static func integer(_ f: UnsafeBufferPointer<UInt8>) -> Int? {
        var i = 0, n = 0, digits = 0
        while i < f.count && f[i] == 32 { i += 1 }
        while i < f.count, f[i] >= 48, f[i] <= 57 { n = n &* 10 &+ Int(f[i] - 48); i += 1; digits += 1 }
        if i < f.count && f[i] == 46 {  // "12.0" is a whole number too
            i += 1
            while i < f.count && f[i] == 48 { i += 1 }
        }
        while i < f.count && f[i] == 32 { i += 1 }
        return digits > 0 && digits <= 15 && i == f.count ? n : nil
    }

    static func decimal(_ f: UnsafeBufferPointer<UInt8>) -> Double? {
        if let n = integer(f) { return Double(n) }
        if let x = shortDecimal(f) { return x }
        // Digits, a sign, a point and an exponent: Swift's Double(String) also reads "0x10" (16)
        // and "nan", which no log means as a time.
        guard f.allSatisfy({ ($0 >= 48 && $0 <= 57) || [32, 43, 45, 46, 69, 101].contains($0) }),
              let x = Double(String(decoding: f, as: UTF8.self).trimmingCharacters(in: .whitespaces)), x.isFinite else { return nil }
        return x
    }

    /// Exact powers of ten (every one up to 1e22 is a Double).
    static let powersOfTen: [Double] = (0...22).map { Double("1e\($0)")! }

    /// `[-]digits.digits` with at most 15 digits in all, without a String: the digits as an
    /// integer (exact below 2^53) divided by an exact power of ten is one correctly rounded
    /// operation, so the result is the Double that `Double(String)` gives, bit for bit (Clinger's
    /// fast path). Each fractional-second time went through a new String and `Double(String)`,
    /// which made such logs 2–2.5× slower to read than date-times. nil for any other form.
    static func shortDecimal(_ f: UnsafeBufferPointer<UInt8>) -> Double? {
        var i = 0, n = 0, digits = 0, fraction = -1
        while i < f.count && f[i] == 32 { i += 1 }
        let negative = i < f.count && f[i] == 45
        if negative { i += 1 }
        var before = 0
        while i < f.count {
            let c = f[i]
            if c >= 48 && c <= 57 {
                n = n &* 10 &+ Int(c - 48); digits += 1
                if fraction >= 0 { fraction += 1 } else { before += 1 }
            } else if c == 46 && fraction < 0 {
                fraction = 0
            } else { break }
            i += 1
        }
        while i < f.count && f[i] == 32 { i += 1 }
        guard i == f.count, digits <= 15, before > 0, fraction > 0 else { return nil }
        let x = Double(n) / powersOfTen[fraction]
        return negative ? -x : x
    }

    /// A time field: a date-time (`YYYY-MM-DD HH:MM:SS[.f]`, in any log format), else a number
    /// of seconds, or of milliseconds. nil when it is neither; a date-time that names no real
    /// moment (hour 99, 31 February) is an error saying so.
    static func time(_ f: UnsafeBufferPointer<UInt8>, milliseconds: Bool) throws -> Double? {
        guard f.count >= 10, f[4] == 45 else { return decimal(f).map { milliseconds ? $0 / 1000 : $0 } }
        return try dateTime(f)
    }

    /// The date-times `dateTime` reads, in words for a message.
    static let dateTimeForms = "YYYY-MM-DD HH:MM:SS[.f] (or T between date and time), UTC or ending in Z or an offset ±HH:MM"

    /// `YYYY-MM-DD HH:MM:SS[.fffffff]` (or with `T`), then `Z` or an offset `±HH:MM` (or `±HHMM`,
    /// `±HH`), as seconds since 1970-01-01 UTC; with neither, UTC. Impossible fields are refused:
    /// hour 99 stretched a log to 82 h and charged 27.6 kWh of idle. `…47.500Z` (JavaScript's
    /// `toISOString`) was refused where `…47Z` was read.
    static func dateTime(_ f: UnsafeBufferPointer<UInt8>) throws -> Double? {
        guard f.count >= 19 else { return nil }
        func num(_ a: Int, _ n: Int) -> Int? {
            var v = 0
            for i in a..<(a + n) { guard f[i] >= 48 && f[i] <= 57 else { return nil }; v = v * 10 + Int(f[i] - 48) }
            return v
        }
        guard f[4] == 45, f[7] == 45, f[10] == 32 || f[10] == 84, f[13] == 58, f[16] == 58, let y = num(0, 4), let mo = num(5, 2),
              let d = num(8, 2), let h = num(11, 2), let mi = num(14, 2), let s = num(17, 2) else { return nil }
        guard (1...12).contains(mo), (1...daysIn(month: mo, year: y)).contains(d), h < 24, mi < 60, s < 60 else {
            throw ImpossibleDateTime()
        }
        var frac = 0.0, scale = 0.1, i = 19
        if i < f.count && f[i] == 46 {
            i += 1
            guard i < f.count, f[i] >= 48 && f[i] <= 57 else { return nil }
            while i < f.count, f[i] >= 48 && f[i] <= 57 { frac += Double(f[i] - 48) * scale; scale /= 10; i += 1 }
        }
        guard let offset = try zone(f, from: i) else { return nil }
        return seconds(y, mo, d, h, mi, s, frac) - Double(offset)
    }

    /// The zone after a date-time's seconds, as seconds east of UTC: none or `Z` is 0, `±HH:MM`
    /// (or `±HHMM`, `±HH`) its offset; nil for anything else.
    static func zone(_ f: UnsafeBufferPointer<UInt8>, from i: Int) throws -> Int? {
        if i == f.count { return 0 }
        if i + 1 == f.count && f[i] == 90 { return 0 }  // Z
        guard f[i] == 43 || f[i] == 45 else { return nil }
        func digit(_ k: Int) -> Int? { k < f.count && f[k] >= 48 && f[k] <= 57 ? Int(f[k] - 48) : nil }
        guard let h1 = digit(i + 1), let h2 = digit(i + 2) else { return nil }
        var m = 0, k = i + 3
        if k < f.count {
            if f[k] == 58 { k += 1 }
            guard let m1 = digit(k), let m2 = digit(k + 1), k + 2 == f.count else { return nil }
            m = m1 * 10 + m2
        }
        let h = h1 * 10 + h2
        guard h <= 23 && m <= 59 else { throw ImpossibleDateTime() }
        return (f[i] == 45 ? -1 : 1) * (h * 3600 + m * 60)
    }

    static func seconds(_ y: Int, _ mo: Int, _ d: Int, _ h: Int, _ mi: Int, _ s: Int, _ frac: Double) -> Double {
        Double(daysFromCivil(y, mo, d)) * 86_400 + Double(h * 3600 + mi * 60 + s) + frac
    }

    /// Thrown by `dateTime` for a well-formed date-time that names no real moment.
    struct ImpossibleDateTime: Error {}

    static func daysIn(month: Int, year: Int) -> Int {
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
