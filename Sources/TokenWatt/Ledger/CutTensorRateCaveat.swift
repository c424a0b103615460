import KernelPower

/// A precision whose tensor rate the part cut below its 16-bit rate.
///
/// Blackwell Ultra (B300, GB300) cut INT8 from Blackwell's 4.5 and 5 POPS dense to 153.5 and
/// 165 TOPS, below their 2,250 and 2,500 TFLOPS BF16 (NVIDIA's Blackwell Ultra datasheet, the
/// catalog's `sources["tensorPeakTFLOPS.int8"]`). INT8 matrix math there runs at that rate, and
/// each INT8 operation is charged a BF16 operation's energy (`KernelTimer.tensorWeight`), since
/// nothing measured prices an operation of a cut rate. A 2026-12-07 probe found INT8 priced
/// 14.7 times BF16's energy per operation there with nothing said.
enum CutTensorRateCaveat {
    /// The note for `d`, or nil where its matrix math runs at least at the part's 16-bit rate.
    static func note(_ d: Deployment) -> String? {
        guard case let .tensor(format) = d.mathUnit, let peak = d.gpu.tensorPeaks[format]?.teraflopsPerSecond,
              let sixteen = d.gpu.sixteenBitTensorPeak?.teraflopsPerSecond, peak < sixteen else { return nil }
        let name = format.rawValue.uppercased()
        let source = d.gpu.sources["tensorPeakTFLOPS.\(format.rawValue)"].map { " (catalog: \(firstClause($0)))" } ?? ""
        let times = formatNumber(sixteen / peak, significant: 3)
        return "\(d.gpu.id) runs \(name) matrix math at \(formatNumber(peak)) TFLOPS dense\(source), \(times) times slower than its "
            + "\(formatNumber(sixteen)) TFLOPS 16-bit rate: the part cut its \(name) rate, so a compute-bound \(name) GEMM runs up to \(times) "
            + "times longer than a BF16 one here, each \(name) operation charged a BF16 operation's energy (no measurement prices an "
            + "operation of a cut rate)"
    }

    /// A catalog source's first clause: up to its first "; " or ". " outside parentheses.
    static func firstClause(_ text: String) -> String {
        var depth = 0
        var previous: (index: String.Index, character: Character)? = nil
        for i in text.indices {
            let c = text[i]
            if c == "(" { depth += 1 } else if c == ")" { depth = max(0, depth - 1) }
            if depth == 0, c == " ", let p = previous, p.character == ";" || p.character == "." { return String(text[..<p.index]) }
            previous = (i, c)
        }
        return text
    }
}
