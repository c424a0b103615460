import KernelPower

/// How often a Mooncake log's prompt blocks repeat: its `hash_ids` name each request's prompt in
/// 512-token blocks (Mooncake FAST'25 traces, kvcache-ai/Mooncake; ../shared/data/request-length-
/// traces/README.md: "512-token prefix-cache block hashes"), and a block seen on an earlier
/// request is one a prefix cache could serve. The replay prices every prompt in full; a log
/// whose requests shared 23 of their 24 blocks had been priced so without a word. Counted while
/// the log streams, in bounded memory: at most `capacity` distinct ids are remembered, and once
/// that many are held a new id is not, so a later repeat of it is missed and the share is a
/// lower bound (`saturated` says so).
public struct PrefixBlocks: Sendable {
    /// Distinct block ids remembered at most: a set of 2^21 eight-byte slots at Swift's 3/4
    /// load (16 MB), the blocks of 0.5 billion distinct prompt tokens.
    public static let capacity = 1 << 20

    /// The ids this count remembers at most (`capacity` unless a test asks for fewer).
    let limit: Int
    private var seen: Set<Int> = []
    /// Block ids read, over every request that has them.
    public private(set) var blocks = 0
    /// Of `blocks`, those seen before, on an earlier request or earlier in the same one.
    public private(set) var repeats = 0
    /// Whether a new id went unremembered because `capacity` ids were held.
    public private(set) var saturated = false

    public init(limit: Int = PrefixBlocks.capacity) { self.limit = limit }

    /// Counts one block id; an id that is not a whole number (no Mooncake log has one) is counted
    /// as a block never seen again.
    mutating func add(_ id: Double) {
        blocks += 1
        guard id == id.rounded(), abs(id) < 9e15 else { return }
        let key = Int(id)
        if seen.contains(key) {
            repeats += 1
        } else if seen.count < limit {
            seen.insert(key)
        } else {
            saturated = true
        }
    }

    /// Share of the blocks read that were seen before.
    public var repeatShare: Double { blocks > 0 ? Double(repeats) / Double(blocks) : 0 }

    /// What the trace says of the log's block ids: read, not priced, with the share repeated.
    /// Nil when the log has none.
    public var note: String? {
        guard blocks > 0 else { return nil }
        return "the log's hash_ids (Mooncake's 512-token prompt blocks) were read: \(formatPercent(repeatShare, decimals: 1))"
            + "\(saturated ? " or more" : "") of the \(blocks) blocks repeat one seen earlier, which a prefix cache could serve; "
            + "prefix caching is not priced, every prompt is prefilled in full, so read the prefill energy as an upper bound"
            + (saturated ? " (counted with the first \(limit) distinct ids remembered, so repeats of later ones are missed)" : "")
    }
}
