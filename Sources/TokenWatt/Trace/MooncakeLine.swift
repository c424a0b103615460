/// A Mooncake JSON line read without the general JSON parser, for the lines that are plainly
/// well formed: one flat object whose values are numbers, plain strings or arrays of numbers
/// (Mooncake's `hash_ids`). Through the parser, a String and a dictionary a line made Mooncake
/// logs 4× slower to read than Azure's. Anything else (an escape, a nested object, an
/// exponent, a duplicate or missing key, a syntax error) returns nil, and the line goes to the
/// parser, whose values and messages are then the reader's: this path never decides an error.
enum MooncakeLine {
    /// The line's `timestamp`, `input_length` and `output_length`, as the JSON parser reads them,
    /// and where its `hash_ids` array lies in the line (nil without one; `blockIDs` reads it).
    static func scan(_ b: UnsafeBufferPointer<UInt8>) -> (Double, Double, Double, Range<Int>?)? {
        var s = Scanner(b: b)
        var t: Double?, input: Double?, output: Double?, hashIDs: Range<Int>?
        s.space()
        guard s.take(123) else { return nil }  // {
        s.space()
        if s.take(125) { return nil }  // {} has none of the keys: the parser's message
        while true {
            s.space()
            guard let key = s.key() else { return nil }
            s.space()
            guard s.take(58) else { return nil }  // :
            s.space()
            switch key {
            case .timestamp, .input, .output:
                guard let x = s.number() else { return nil }
                switch key {
                case .timestamp: if t != nil { return nil }; t = x
                case .input: if input != nil { return nil }; input = x
                default: if output != nil { return nil }; output = x
                }
            case .hashIDs:
                let start = s.i
                guard hashIDs == nil, s.i < b.count, b[s.i] == 91, s.skipValue() else { return nil }  // [
                hashIDs = start..<s.i
            case .other:
                guard s.skipValue() else { return nil }
            }
            s.space()
            if s.take(44) { continue }  // ,
            guard s.take(125) else { return nil }  // }
            s.space()
            guard s.i == b.count, let t, let input, let output else { return nil }
            return (t, input, output, hashIDs)
        }
    }

    /// Adds the block ids of the `hash_ids` array at `range` of a line `scan` read to `blocks`
    /// (the scan has checked that it holds numbers only).
    static func blockIDs(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, into blocks: inout PrefixBlocks) {
        var s = Scanner(b: UnsafeBufferPointer(rebasing: b[range]))
        _ = s.take(91)  // [
        while true {
            s.space()
            guard let x = s.number() else { return }
            blocks.add(x)
            s.space()
            guard s.take(44) else { return }  // ,
        }
    }

    enum Key { case timestamp, input, output, hashIDs, other }

    struct Scanner {
        let b: UnsafeBufferPointer<UInt8>
        var i = 0
        /// Where the keys of other names lie in the line (a second one of a name goes to the
        /// parser, which refuses it): the first apart, so that a line with one key of another
        /// name is read without a heap allocation.
        var firstOther: Range<Int>?
        var moreOthers: [Range<Int>] = []

        mutating func space() { while i < b.count, b[i] == 32 || b[i] == 9 || b[i] == 13 { i += 1 } }

        mutating func take(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }

        /// A quoted key of plain ASCII (no escape, no control byte).
        mutating func key() -> Key? {
            guard let (start, end) = plainString() else { return nil }
            let k = UnsafeBufferPointer(rebasing: b[start..<end])
            if k.elementsEqual("timestamp".utf8) { return .timestamp }
            if k.elementsEqual("input_length".utf8) { return .input }
            if k.elementsEqual("output_length".utf8) { return .output }
            if k.elementsEqual("hash_ids".utf8) { return .hashIDs }
            return isRepeat(start..<end) ? nil : .other
        }

        /// Whether the key at `range` names one seen before; records it if not.
        mutating func isRepeat(_ range: Range<Int>) -> Bool {
            let b = self.b
            func same(_ other: Range<Int>) -> Bool { UnsafeBufferPointer(rebasing: b[other]).elementsEqual(UnsafeBufferPointer(rebasing: b[range])) }
            guard let first = firstOther else { firstOther = range; return false }
            if same(first) || moreOthers.contains(where: same) { return true }
            moreOthers.append(range)
            return false
        }

        mutating func plainString() -> (Int, Int)? {
            guard take(34) else { return nil }
            let start = i
            while i < b.count, b[i] != 34 {
                guard b[i] >= 32, b[i] != 92, b[i] < 128 else { return nil }
                i += 1
            }
            guard i < b.count else { return nil }
            i += 1
            return (start, i - 1)
        }

        /// A JSON number with at most 15 digits and no exponent, as the parser's `Double(String)`
        /// reads it (an integer of under 2^53, or one exact division by a power of ten).
        mutating func number() -> Double? {
            let start = i
            _ = take(45)
            let intStart = i
            var n = 0, digits = 0, fraction = 0
            while i < b.count, b[i] >= 48, b[i] <= 57 { n = n &* 10 &+ Int(b[i] - 48); digits += 1; i += 1 }
            let intDigits = i - intStart
            guard intDigits > 0, !(intDigits > 1 && b[intStart] == 48) else { return nil }
            if take(46) {
                while i < b.count, b[i] >= 48, b[i] <= 57 { n = n &* 10 &+ Int(b[i] - 48); digits += 1; fraction += 1; i += 1 }
                guard fraction > 0 else { return nil }
            }
            guard digits <= 15, i == b.count || (b[i] != 101 && b[i] != 69) else { return nil }
            let x = Double(n) / TraceNumbers.powersOfTen[fraction]
            return b[start] == 45 ? -x : x
        }

        /// Another key's value: a number, a plain string or an array of numbers.
        mutating func skipValue() -> Bool {
            guard i < b.count else { return false }
            if b[i] == 34 { return plainString() != nil }
            guard take(91) else { return number() != nil }  // [
            space()
            if take(93) { return true }
            while true {
                space()
                guard number() != nil else { return false }
                space()
                if take(44) { continue }
                return take(93)
            }
        }
    }
}
