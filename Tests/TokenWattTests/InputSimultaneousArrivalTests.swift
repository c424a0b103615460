import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// Requests logged at one instant are one arrival: each sees the same load and shares the idle
/// released before it. Priced one by one, two 100 + 10-token requests at one second on one H100
/// (Llama-3.1-8B) cost 13.80 and 9.20 Wh: the second saw the arrival rate 1/window higher.
@Suite struct InputSimultaneousArrivalTests {
    let estimator = Estimator()

    func priced(_ requests: [TraceRequest], boundary: Boundary = .facility, windowSeconds: Double = 300,
                sample: Int = TraceSample.size) throws -> (rows: [Double], summary: TraceSummary) {
        let d = try estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm"))
        var o = TraceReplay.Options()
        o.boundary = boundary
        o.windowSeconds = windowSeconds
        let log = "t,in,out\n" + requests.map { "\(formatDataNumber($0.timestamp, significant: 15)),\($0.inputTokens),\($0.outputTokens)\n" }.joined()
        var reader = try TraceReader(bytes: Array(log.utf8), name: "t.csv", format: .csv(timestamp: "t", input: "in", output: "out", milliseconds: false))
        let taken = try TraceSample.read(&reader, deployment: d, tokenBudget: o.tokenBudget, size: sample)
        var replay = try TraceReplay(estimator: estimator, deployment: d, options: o, sample: taken.ladder)
        var s = TraceSummary()
        var rows = [Double](repeating: .nan, count: requests.count)
        try replay.price(taken, rest: { try reader.next() }, into: &s) { p, i in rows[i] = p.wh }
        return (rows, s)
    }

    @Test func twoIdenticalRequestsAtOneSecondCostTheSame() throws {
        let r = TraceRequest(timestamp: 0, inputTokens: 100, outputTokens: 10)
        let (rows, s) = try priced([r, r])
        #expect(rows.count == 2 && approx(rows[0], rows[1], rel: 1e-12), "\(rows)")
        // The percentiles of two equal rows are that row, and the largest is no larger.
        #expect(approx(s.perRequest.statistics.p95, rows[0], rel: 1e-12) && approx(s.perRequest.max, rows[0], rel: 1e-12))
    }

    /// A burst after a quiet stretch: every one of its identical requests costs the same, the
    /// first no longer taking all the idle the gap released.
    @Test(arguments: [Boundary.facility, .it, .gpu])
    func aBurstAfterAGapCostsTheSameForEachOfItsRequests(_ boundary: Boundary) throws {
        var log = (0..<40).map { TraceRequest(timestamp: Double($0) * 2, inputTokens: 500 + ($0 % 3) * 100, outputTokens: 80) }
        let burst = TraceRequest(timestamp: 200, inputTokens: 300, outputTokens: 40)
        log += Array(repeating: burst, count: 6)
        log += (0..<20).map { TraceRequest(timestamp: 210 + Double($0) * 3, inputTokens: 400, outputTokens: 60) }
        // Read in one sample and read through the order after a sample of 10.
        for sample in [TraceSample.size, 10] {
            let (rows, _) = try priced(log, boundary: boundary, windowSeconds: 60, sample: sample)
            let group = rows[40..<46]
            #expect(group.allSatisfy { approx($0, group.first!, rel: 1e-12) }, "\(boundary), sample \(sample): \(Array(group))")
        }
    }

    /// A log with no two requests at one instant is priced as before: request by request.
    @Test func aLogOfDistinctTimesIsPricedRequestByRequest() throws {
        let log = (0..<300).map { TraceRequest(timestamp: Double($0) * 1.5 + ($0 % 4 == 0 ? 20 : 0), inputTokens: 300 + ($0 % 7) * 90, outputTokens: 30 + ($0 % 5) * 25) }
            .sorted { $0.timestamp < $1.timestamp }
        let (rows, _) = try priced(log)
        let d = try estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm"))
        var one = try TraceReplay(estimator: estimator, deployment: d, options: TraceReplay.Options(), sample: log)
        let alone = log.map { one.price($0).wh }
        #expect(zip(rows, alone).allSatisfy { approx($0, $1, rel: 1e-12) })
    }

    /// The order counts the rows it holds at one instant, in its run and in its heap.
    @Test func theOrderCountsTheRowsHeldAtAnInstant() {
        var order = TraceOrder(depth: 100)
        for t in [1.0, 2, 2, 3, 2, 2, 5] { _ = order.add(TraceRequest(timestamp: t, inputTokens: 1, outputTokens: 1)) }
        #expect(order.next()?.request.timestamp == 1)
        #expect(order.held(at: 2).count == 4 && order.held(at: 3).isEmpty)
    }

    /// The percentiles interpolate between the rows around their rank: two rows of 9.2 and
    /// 13.8 Wh printed P5–P95 9.2–9.2, a P95 below the larger of two.
    @Test func percentilesOfAFewRowsInterpolate() {
        var h = LogHistogram()
        h.add(9.2)
        h.add(13.8)
        #expect(approx(h.quantile(0.05), 9.2 + 0.05 * 4.6, rel: 1e-12) && approx(h.quantile(0.95), 9.2 + 0.95 * 4.6, rel: 1e-12))
        #expect(approx(h.quantile(0.5), 11.5, rel: 1e-12) && h.quantile(0) == 9.2 && h.quantile(1) == 13.8)
    }

    /// On many rows each percentile is the sorted rows' (type 7) to within a bin (0.23 %).
    @Test func percentilesOfManyRowsAreTheSortedRows() {
        var rng = SeededRandom(seed: 11)
        let xs = (0..<5001).map { _ in exp(rng.uniform() * 6 - 2) }
        var h = LogHistogram()
        for x in xs { h.add(x) }
        let sorted = xs.sorted()
        for p in [0.05, 0.25, 0.5, 0.75, 0.95] {
            let rank = p * Double(sorted.count - 1), k = Int(rank)
            let exact = sorted[k] + (rank - Double(k)) * (sorted[min(k + 1, sorted.count - 1)] - sorted[k])
            #expect(approx(h.quantile(p), exact, rel: 0.0024), "P\(p * 100): \(h.quantile(p)) vs \(exact)")
        }
    }
}
