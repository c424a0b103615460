import KernelPower

/// One request priced by the closed form, as `estimate --method surface` writes its text, numbers
/// to six significant digits as the other commands write them (the lines had been raw doubles);
/// its CSV, Markdown and JSON are `SurfaceEstimate`'s, in the kernel method's shapes.
extension TokenFormula {
    /// Sequences in flight across the deployment's attention ranks.
    public var effectiveBatch: Int { localBatch * deployment.attentionRanks }

    /// One line per boundary: `boundary<TAB>wh`, then the range's two ends where the GPU has a
    /// measured error band.
    public func text(input: Int, output: Int) -> String {
        let wh = wattHours(input: input, output: output), range = self.range(input: input, output: output)
        return Boundary.allCases.map { b in
            "\(b.rawValue)\t\(formatNumber(wh[b] ?? 0))" + (range.map { "\t\(formatNumber($0.low[b] ?? 0))\t\(formatNumber($0.high[b] ?? 0))" } ?? "")
        }.joined(separator: "\n") + "\n"
    }
}
