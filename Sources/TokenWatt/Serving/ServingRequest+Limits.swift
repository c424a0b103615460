import KernelPower

extension ServingRequest {
    /// The most prompt or answer tokens one query may give on the command line (`--input`,
    /// `--output`, `--reference-input`, `--reference-output`) and in a sweep spec: 2^24 =
    /// 16,777,216, above the longest context in the bundled model catalog (Llama 4 Scout's
    /// `maxPositions`, 10,485,760 in models.json; a test checks every entry). The cap had been
    /// 10,000,000, below that context, so Scout's full window was refused as a bad number; a
    /// request longer than its model's window or its KV cache is still refused by those checks.
    public static let maxTokensPerQuery = 1 << 24

    /// `1...maxTokensPerQuery`: the range of a query's prompt or answer length.
    public static let tokensPerQueryRange: ClosedRange<Int> = 1...maxTokensPerQuery
}
