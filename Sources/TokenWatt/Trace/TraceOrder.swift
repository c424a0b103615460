/// Puts a request log back in time order as it streams: rows are held `depth` deep and released
/// earliest first, so a log whose rows are out of place by fewer than `depth` rows (timestamps
/// with jitter, logs merged from several servers, one stray row) is priced as the sorted log is.
/// The arrival rate needs the order: priced in file order, ±0.5 s of jitter on the Azure
/// conversation hour cost +46 %, and one leading row a day late put every other row at batch 1.
/// A sorted log passes through a first-in-first-out run; only rows out of order use a heap.
/// A row further out of place is released after later ones and priced at the latest time so far
/// (`TraceReplay.Priced.outOfOrder`).
public struct TraceOrder: Sendable {
    /// A request and its position in the log (0-based), which the per-request rows keep.
    public struct Entry: Sendable {
        public var request: TraceRequest
        public var index: Int
    }

    public let depth: Int
    /// Rows logged earlier than a row before them in the file.
    public private(set) var outOfOrder = 0
    /// Rows in time order as they came (a sorted log lives here: one comparison a row, in and
    /// out), from `head` on; rows that came out of order wait in `heap`.
    private var run: [Entry] = []
    private var head = 0
    private var heap: [Entry] = []
    private var added = 0
    private var latestLogged = -Double.infinity

    public static let defaultDepth = 16_384

    public init(depth: Int = defaultDepth) {
        self.depth = max(1, depth)
    }

    private var held: Int { run.count - head + heap.count }

    /// Takes the next row of the log; returns the earliest row held once more than `depth` are.
    public mutating func add(_ r: TraceRequest) -> Entry? {
        if r.timestamp < latestLogged { outOfOrder += 1 }
        latestLogged = max(latestLogged, r.timestamp)
        let e = Entry(request: r, index: added)
        added += 1
        if head == run.count || !Self.before(e, run[run.count - 1]) { run.append(e) } else { push(e) }
        return held > depth ? pop() : nil
    }

    /// The rows held that are logged at `time`, in the order they will be released, when no row
    /// held is earlier (the rows at the instant just released, which the replay prices as one
    /// arrival; a group larger than the depth is found as far as it is held).
    public func held(at time: Double) -> [TraceRequest] {
        var found: [Entry] = []
        var i = head
        while i < run.count, run[i].request.timestamp == time { found.append(run[i]); i += 1 }
        // The heap's rows at `time` sit at its top: below a later row there is none.
        var stack = heap.isEmpty ? [] : [0]
        while let j = stack.popLast() {
            guard heap[j].request.timestamp <= time else { continue }
            if heap[j].request.timestamp == time { found.append(heap[j]) }
            for c in [2 * j + 1, 2 * j + 2] where c < heap.count { stack.append(c) }
        }
        return found.sorted { $0.index < $1.index }.map(\.request)
    }

    /// The rows still held, earliest first, once the log has been read.
    public mutating func next() -> Entry? { held == 0 ? nil : pop() }

    /// Earlier time first; equal times in log order, so the replay is deterministic.
    private static func before(_ a: Entry, _ b: Entry) -> Bool {
        a.request.timestamp < b.request.timestamp || (a.request.timestamp == b.request.timestamp && a.index < b.index)
    }

    /// The earlier of the run's first row and the heap's.
    private mutating func pop() -> Entry {
        if head < run.count && (heap.isEmpty || Self.before(run[head], heap[0])) {
            let e = run[head]
            head += 1
            if head == run.count { run.removeAll(keepingCapacity: true); head = 0 }
            else if head >= 4096 && head * 2 >= run.count { run.removeFirst(head); head = 0 }
            return e
        }
        return popHeap()
    }

    private mutating func push(_ e: Entry) {
        heap.append(e)
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard Self.before(heap[i], heap[parent]) else { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    private mutating func popHeap() -> Entry {
        let top = heap[0]
        let last = heap.removeLast()
        guard !heap.isEmpty else { return top }
        heap[0] = last
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < heap.count && Self.before(heap[l], heap[m]) { m = l }
            if r < heap.count && Self.before(heap[r], heap[m]) { m = r }
            if m == i { return top }
            heap.swapAt(i, m)
            i = m
        }
    }
}

extension TraceReplay {
    /// Prices every request `next` yields in time order (`TraceOrder`) into `summary`, hands each
    /// priced request and its position in the log to `each`, and closes the summary.
    public mutating func price(all next: () throws -> TraceRequest?, into summary: inout TraceSummary,
                               each: (Priced, Int) throws -> Void = { _, _ in }) throws {
        try price(TraceSample(), rest: next, into: &summary, each: each)
    }

    /// Prices the sample's requests, then the rest of the log (`next`) through the sample's
    /// order: the one path `tokenwatt trace`, the benchmark and the tests price a log by.
    public mutating func price(_ sample: TraceSample, rest next: () throws -> TraceRequest?, into summary: inout TraceSummary,
                               each: (Priced, Int) throws -> Void = { _, _ in }) throws {
        var order = sample.order
        // Looked for only at a group's first request: a burst of k rows at one instant costs k, not k².
        func handle(_ e: TraceOrder.Entry, ahead: () -> [TraceRequest]) throws {
            let p = price(e.request, together: simultaneous > 0 && e.request.timestamp == simultaneousTime ? [] : ahead())
            summary.add(p, index: e.index)
            try each(p, e.index)
        }
        let entries = sample.entries
        for (i, e) in entries.enumerated() {
            try handle(e) {
                let t = e.request.timestamp
                let inSample = entries[(i + 1)...].prefix { $0.request.timestamp == t }.map(\.request)
                return i + 1 + inSample.count == entries.count ? inSample + order.held(at: t) : inSample
            }
        }
        while let r = try next() { if let e = order.add(r) { try handle(e) { order.held(at: e.request.timestamp) } } }
        while let e = order.next() { try handle(e) { order.held(at: e.request.timestamp) } }
        summary.outOfOrder = order.outOfOrder
        close(&summary)
    }
}
