import KernelPower

/// The first requests of a log in time order, which `TraceReplay` builds its batch ladder and
/// starting rate from: their mean shape sets how many sequences the KV cache holds at each rung.
///
/// They are the first `size` rows `TraceOrder` releases, not the first rows of the file: the
/// file's first rows of a log merged from two servers are the first half of one server's rows,
/// which spanned the whole hour at half its rate, and a merged log cost 8.4 % more than the
/// sorted one it holds (one stray row at the top, +5 %).
///
/// A request no replica could hold even alone (a corrupt row of a billion tokens) is left out
/// of the ladder's sample and priced as logged, as it is when it comes later in the log: one
/// such row among the first 10,000 made the sample's mean request too long to fit, and the
/// whole trace failed with an error naming that mean (`no sequence of 333333999+170 tokens
/// fits`), not the row.
public struct TraceSample: Sendable {
    /// Every request of the sample, in time order: all are priced.
    public var requests: [TraceRequest] { entries.map(\.request) }
    /// The requests the ladder is built from.
    public var ladder: [TraceRequest] = []
    /// The log lines of the requests left out of `ladder`, in order.
    public var leftOutLines: [Int] = []
    /// The sample's requests with their places in the log, and the order they came out of,
    /// which still holds the rows read ahead of them: the replay goes on from both.
    public var entries: [TraceOrder.Entry] = []
    public var order = TraceOrder()

    public init() {}

    /// Requests read for the sample.
    public static let size = 10_000

    /// Reads `reader` until `size` requests have come out of time order (`TraceOrder`), leaving
    /// out of the ladder each one that does not fit in a replica's KV cache even alone at its
    /// full length (`OneSequenceRoom`, the test `estimate` refuses a request by, and the one
    /// `TraceReplay` counts in `overKVCache`).
    public static func read(_ reader: inout TraceReader, deployment: Deployment, tokenBudget: Int, size: Int = size) throws -> TraceSample {
        var s = TraceSample()
        let room = OneSequenceRoom(deployment: deployment, tokenBudget: tokenBudget)
        var tooLong: [Int: Int] = [:]  // place in the log -> line, of the rows that do not fit
        var added = 0
        func take(_ e: TraceOrder.Entry) {
            s.entries.append(e)
            if let line = tooLong[e.index] { s.leftOutLines.append(line) } else { s.ladder.append(e.request) }
        }
        while s.entries.count < size, let r = try reader.next() {
            if !room.fits(inputTokens: r.inputTokens, outputTokens: r.outputTokens) { tooLong[added] = reader.line }
            added += 1
            if let e = s.order.add(r) { take(e) }
        }
        while s.entries.count < size, let e = s.order.next() { take(e) }
        s.leftOutLines.sort()
        return s
    }

    /// The left-out lines in words, the first few named: "lines 3, 17 and 40".
    public var leftOutWords: String {
        let shown = leftOutLines.prefix(5).map(String.init)
        let more = leftOutLines.count - shown.count
        let list = more > 0 ? shown.joined(separator: ", ") + " and \(more) more"
            : shown.count > 1 ? shown.dropLast().joined(separator: ", ") + " and " + shown[shown.count - 1] : shown.joined()
        return (leftOutLines.count == 1 ? "line " : "lines ") + list
    }
}
