import KernelPower

/// The first requests of a log, which `TraceReplay` builds its batch ladder from: their mean
/// shape sets how many sequences the KV cache holds at each rung.
///
/// A request no replica could hold even alone (a corrupt row of a billion tokens) is left out
/// of the ladder's sample and priced as logged, as it is when it comes later in the log: one
/// such row among the first 10,000 made the sample's mean request too long to fit, and the
/// whole trace failed with an error naming that mean (`no sequence of 333333999+170 tokens
/// fits`), not the row.
public struct TraceSample: Sendable {
    /// Every request read, in log order: all are priced.
    public var requests: [TraceRequest] = []
    /// The requests the ladder is built from.
    public var ladder: [TraceRequest] = []
    /// The log lines of the requests left out of `ladder`, in order.
    public var leftOutLines: [Int] = []

    /// Requests read for the sample.
    public static let size = 10_000

    /// Reads up to `size` requests of `reader`, leaving out of the ladder each one that does not
    /// fit in a replica's KV cache even alone at its full length (`OneSequenceRoom`, the test
    /// `estimate` refuses a request by, and the one `TraceReplay` counts in `overKVCache`).
    public static func read(_ reader: inout TraceReader, deployment: Deployment, tokenBudget: Int, size: Int = size) throws -> TraceSample {
        var s = TraceSample()
        let room = OneSequenceRoom(deployment: deployment, tokenBudget: tokenBudget)
        while s.requests.count < size, let r = try reader.next() {
            s.requests.append(r)
            if room.fits(inputTokens: r.inputTokens, outputTokens: r.outputTokens) { s.ladder.append(r) } else { s.leftOutLines.append(reader.line) }
        }
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
