import Foundation
import KernelPower
import Testing
@testable import TokenWatt

@Suite struct TraceReplayTests {
    let estimator = Estimator()

    func replay(_ requests: [TraceRequest], boundary: Boundary = .it, replicas: Int = 1, windowSeconds: Double = 60) throws -> TraceSummary {
        let d = try estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm"))
        var o = TraceReplay.Options()
        o.boundary = boundary
        o.replicas = replicas
        o.windowSeconds = windowSeconds
        var r = try TraceReplay(estimator: estimator, deployment: d, options: o, sample: requests)
        var s = TraceSummary()
        var rows = requests.makeIterator()
        try r.price(all: { rows.next() }, into: &s)  // as `tokenwatt trace` reads a log
        return s
    }

    func requests(every seconds: Double, count: Int) -> [TraceRequest] {
        (0..<count).map { TraceRequest(timestamp: Double($0) * seconds, inputTokens: 800 + ($0 % 7) * 100, outputTokens: 150 + ($0 % 5) * 40) }
    }

    /// An overloaded log says its hours' power is the work that arrived, which can pass what the
    /// replicas draw flat out (1,647 W an hour against 1,184 W possible was printed unexplained).
    @Test func overloadedHoursSayTheirPowerIsTheArrivingWork() throws {
        let burst = requests(every: 0.001, count: 3000)
        let s = try replay(burst)
        #expect(s.overloaded > 0)
        let d = try estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm"))
        let text = s.text(deployment: d, options: TraceReplay.Options(), file: "burst.csv")
        #expect(text.contains("a queue would carry that work into later hours"), "\(text)")
    }

    /// A log out of time order is priced as the sorted log is, and its rows out of order are
    /// counted. Priced in file order, each row earlier than the one before it set the clock back,
    /// so the next gap was too long, the rate too low and the batch too small: ±0.5 s of jitter
    /// on the Azure conversation hour cost +46 %, adjacent rows swapped on a steady log +45 %.
    @Test func aLogOutOfTimeOrderIsPricedAsTheSortedLogAndCounted() throws {
        let sorted = requests(every: 1, count: 600)
        var swapped = sorted
        for i in stride(from: 0, to: 600, by: 2) { swapped.swapAt(i, i + 1) }
        var rng = SeededRandom(seed: 5)
        var shuffled = sorted
        for i in stride(from: shuffled.count - 1, to: 0, by: -1) { shuffled.swapAt(i, Int(rng.uniform() * Double(i + 1))) }
        let a = try replay(sorted), b = try replay(swapped), c = try replay(shuffled)
        #expect(a.outOfOrder == 0 && b.outOfOrder == 300 && c.outOfOrder > 500)
        #expect(approx(b.totalWh, a.totalWh, rel: 1e-12) && approx(c.totalWh, a.totalWh, rel: 1e-12), "\(b.totalWh), \(c.totalWh) vs \(a.totalWh)")
        #expect(a.durationSeconds == 599 && c.durationSeconds == 599)
        let d = try estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm"))
        #expect(b.text(deployment: d, options: TraceReplay.Options(), file: "log").contains("out of order      300 requests"))
        // Further out of place than the order's depth: released next, to be priced at the latest
        // time so far (row 20, logged at 1 s, in a log read 4 rows ahead).
        var late = TraceOrder(depth: 4)
        let rows = sorted.prefix(20).map { $0 } + [TraceRequest(timestamp: 1, inputTokens: 100, outputTokens: 10)]
        let released = rows.compactMap { late.add($0) } + Array(sequence(state: late) { $0.next() })
        #expect(released.map(\.index) == Array(0..<16) + [20] + Array(16..<20) && late.outOfOrder == 1)
        // Times before the epoch are times too: the span of −100 s and −50 s is 50 s, not 100.
        let early = try replay([TraceRequest(timestamp: -100, inputTokens: 100, outputTokens: 10),
                                TraceRequest(timestamp: -50, inputTokens: 100, outputTokens: 10)])
        #expect(early.durationSeconds == 50)
    }

    /// A quiet stretch's idle is in the hours it happened and is spread over the requests after
    /// it. A 3-day gap put 72 hours of idle into the hour that ended it (348 kW for one 4-GPU
    /// node, 0 W in the 71 hours before) and onto its first request (94 kWh).
    @Test func aQuietStretchIdlesInItsOwnHours() throws {
        let before = requests(every: 1, count: 600)
        let after = before.map { TraceRequest(timestamp: $0.timestamp + 3 * 86_400, inputTokens: $0.inputTokens, outputTokens: $0.outputTokens) }
        let s = try replay(before + after)
        let d = try estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm"))
        let idleWatts = try ServingSurface(estimator: estimator, deployment: d, maxBatch: 1, tokenBudget: 8192,
                                           meanResidentTokens: 1000, meanOutput: 230).idleWallPower
        #expect(s.hours.count == 73)
        for h in 1..<72 { #expect(approx(try #require(s.meanWatts(hour: h)), idleWatts, rel: 1e-9), "hour \(h)") }
        #expect(approx(s.hours.indices.reduce(0) { $0 + s.wattHours(hour: $1) }, s.totalWh, rel: 1e-9))
        let gapWh = idleWatts * 3 * 86_400 / 3600
        #expect(s.perRequest.max < 0.03 * gapWh, "\(s.perRequest.max) of \(gapWh)")  // a 60 s window: 1.7 % to the first
    }

    /// A log all at one instant is a burst, not a load of zero: its second request was charged
    /// 300 s of idle per replica (114 Wh against 1.3), which no later request could take back.
    @Test func aBurstAtOneInstantChargesNoIdleItNeverHad() throws {
        let burst = (0..<300).map { TraceRequest(timestamp: 0, inputTokens: 1000, outputTokens: 250 + $0 % 3) }
        let s = try replay(burst)
        #expect(s.perRequest.max < 3 * s.perRequest.statistics.median, "\(s.perRequest.max) vs \(s.perRequest.statistics.median)")
        #expect(abs(s.owedIdleWh) < 0.01 * s.totalWh)
    }

    /// Between two rungs of the batch ladder a request is priced at the batch that carries the
    /// load, in 1/batch: linear in log capacity the middle of a rung cost up to 11 % more than
    /// the batch the row reported (0.5 q/s between batches 8 and 16 on Llama-3.1-70B, 4 × H100).
    @Test func aSteadyLoadIsPricedAtTheBatchThatCarriesIt() throws {
        let d = try estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-70B-Instruct", gpu: "h100-sxm", gpus: 4))
        let log = (0..<1800).map { TraceRequest(timestamp: Double($0) * 2, inputTokens: 1000, outputTokens: 1000) }
        var r = try TraceReplay(estimator: estimator, deployment: d, options: TraceReplay.Options(), sample: log)
        let p = (0..<1800).map { r.price(log[$0]) }.last!
        let below = p.batch.rounded(.down), above = p.batch.rounded(.up)
        func gpuWh(_ b: Double) throws -> Double {
            try estimator.serve(d, ServingRequest(batch: Int(b), inputTokens: 1000, outputTokens: 1000)).queryEnergy.joules / 3600
        }
        let low = try gpuWh(above), high = try gpuWh(below)
        #expect(below >= 8 && above <= 16 && below < above, "\(p.batch)")
        #expect(p.gpuWh <= high * 1.01 && p.gpuWh >= low * 0.99, "\(p.gpuWh) at batch \(p.batch): \(high) at \(below), \(low) at \(above)")
    }

    /// A steady load draws the same mean power in every hour, the last partial one included: its
    /// Wh are over the half hour the log covers (they were divided by a whole hour, and the
    /// hourly profile showed the power halving at the end of the log).
    @Test func theLastPartialHourDrawsTheSteadyPower() throws {
        let s = try replay(requests(every: 10, count: 900))  // 2.5 h
        #expect(s.hours.count == 3)
        let w = try (0..<3).map { try #require(s.meanWatts(hour: $0)) }
        #expect(approx(w[2], w[1], rel: 0.05) && approx(w[0], w[1], rel: 0.05), "\(w)")
        #expect(approx(s.hours[2].wh, s.hours[1].wh / 2, rel: 0.05))
        #expect(s.hourlyCSV().split(separator: "\n")[3].split(separator: ",")[3] == Substring(formatDataNumber(w[2])))
    }

    /// The per-request CSV's fast formatter writes what `formatDataNumber` writes (six significant
    /// digits, integers whole): the rows had been raw doubles beside the six digits of the JSON.
    @Test func perRequestNumbersAreTheJSONsSixDigits() {
        var rng = SeededRandom(seed: 11)
        for i in 0..<200_000 {
            var x = pow(10, -7 + rng.uniform() * 24) * (i % 2 == 0 ? 1 : -1)
            if i % 7 == 0 { x = (x * 1000).rounded() / 1000 }
            if i % 11 == 0 { x = Double(i % 4096) / 8 }
            #expect(TraceNumbers.csv(x) == formatDataNumber(x), "\(x)")
        }
        for x in [0.5420733089894147, 1.0, 999_999.5, 9.999995, 0.1 + 0.2, 1e-5, 123_456.75, 0] {
            #expect(TraceNumbers.csv(x) == formatDataNumber(x), "\(x)")
        }
        #expect(TraceNumbers.csvTime(5.0) == "5" && TraceNumbers.csvTime(1_700_158_546.68059) == "1700158546.68059")
    }

    /// A rate window that holds few arrivals is named, with the window that would hold enough.
    @Test func aShortRateWindowIsNamed() throws {
        var o = TraceReplay.Options()
        o.windowSeconds = 60
        let sparse = try replay(requests(every: 5, count: 200)), dense = try replay(requests(every: 0.05, count: 4000))
        let note = try #require(sparse.windowNote(o))
        #expect(note.hasPrefix("the 60 s rate window holds 12 arrivals") && note.hasSuffix("(the total is the same; use --window-s 250 or more for a per-request spread that reflects the load)"), "\(note)")
        #expect(dense.windowNote(o) == nil)
        #expect(sparse.json(options: o)["windowNote"] == .string(note))
    }

    /// A bursty log: 20 requests 0.1 s apart every two minutes, on 50 replicas.
    func bursts(count: Int) -> [TraceRequest] {
        (0..<count).map { TraceRequest(timestamp: Double($0 / 20) * 120 + Double($0 % 20) * 0.1, inputTokens: 600, outputTokens: 200) }
    }

    /// The replicas' idle time is charged in full whatever the rate window. With a 5 s window
    /// each request saw the rate of its own burst, and the log was charged 1,634 Wh of idle where
    /// the replicas stood 10,330 Wh (at 600 s: 10,413 Wh; the Azure 2023 code hour on 1,000
    /// replicas totalled 30 % of its 1.28 MWh at a 1 s window). Now the total is the same at 5 s
    /// and 600 s, its idle is the replicas' idle time, and what the rows leave owed at the end is small.
    @Test func theIdleChargedIsTheReplicasIdleTimeWhateverTheWindow() throws {
        let rs = bursts(count: 600)  // 30 bursts, 58 min
        let short = try replay(rs, replicas: 50, windowSeconds: 5), long = try replay(rs, replicas: 50, windowSeconds: 600)
        #expect(approx(short.totalWh, long.totalWh, rel: 1e-9), "\(short.totalWh) vs \(long.totalWh)")
        let node = try replay(rs, boundary: .node, replicas: 50)
        let d = try estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm"))
        let surface = try ServingSurface(estimator: estimator, deployment: d, maxBatch: 1, tokenBudget: 8192, meanResidentTokens: 700, meanOutput: 200)
        let idleWh = surface.idleWallPower * 50 * short.durationSeconds / 3600  // all 50 replicas, less the busy share
        #expect(short.totalWh - node.totalWh < idleWh && short.totalWh - node.totalWh > 0.98 * idleWh,
                "\(short.totalWh - node.totalWh) of \(idleWh)")
        #expect(abs(short.owedIdleWh) < 0.05 * idleWh && abs(long.owedIdleWh) < 0.05 * idleWh, "\(short.owedIdleWh), \(long.owedIdleWh)")
        #expect(approx(short.hours.indices.reduce(0) { $0 + short.wattHours(hour: $1) }, short.totalWh, rel: 1e-12))
    }

    /// The replay weighs every rung by `occupancySeconds` and prices energy on two with `cost`:
    /// the two must give the same bits, or the rungs' capacities drift from the costs they weigh.
    @Test func occupancyAloneIsTheCostsOccupancy() throws {
        let d = try estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm"))
        for batch in [1, 64] {
            let surface = try ServingSurface(estimator: estimator, deployment: d, maxBatch: batch, tokenBudget: 8192,
                                             meanResidentTokens: 2000, meanOutput: 300)
            for (new, cached, output) in [(1, 0, 1), (100, 0, 50), (8191, 0, 200), (30_000, 0, 700), (2000, 4000, 10), (9000, 17_000, 3000)] {
                let calls = [ModelCall(newTokens: new, cachedTokens: cached, outputTokens: output, sequences: 1),
                             ModelCall(newTokens: new / 2 + 1, cachedTokens: 0, outputTokens: output, sequences: 3)]
                #expect(surface.occupancySeconds(calls) == surface.cost(calls).occupancySeconds, "batch \(batch), \(new)+\(cached)→\(output)")
            }
        }
    }

    /// Law, on seeded random logs (bursts and lulls, a few rows out of order, 1 to 200 replicas):
    /// every row is finite and not negative, the hours add up to the total, and on replicas that
    /// never batch (200 of them) the total does not depend on the window and its idle is the
    /// replicas' idle time.
    @Test func randomLogsConserveTheIdleTime() throws {
        var rng = SeededRandom(seed: 17)
        let d = try estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm"))
        let idleWatts = try ServingSurface(estimator: estimator, deployment: d, maxBatch: 1, tokenBudget: 8192,
                                           meanResidentTokens: 700, meanOutput: 200).idleWallPower
        for trial in 0..<12 {
            var t = 0.0
            var rs = (0..<300).map { _ in
                t += rng.uniform() < 0.9 ? -log(1 - rng.uniform()) * 0.05 : -log(1 - rng.uniform()) * 60
                return TraceRequest(timestamp: t, inputTokens: 50 + Int(rng.uniform() * 2000), outputTokens: 1 + Int(rng.uniform() * 500))
            }
            for _ in 0..<3 { rs.swapAt(Int(rng.uniform() * 300), Int(rng.uniform() * 300)) }
            let replicas = [1, 3, 20, 200][trial % 4]
            var totals: [Double] = []
            for window in [2.0, 300] {
                var o = TraceReplay.Options()
                o.boundary = .it; o.replicas = replicas; o.windowSeconds = window
                var r = try TraceReplay(estimator: estimator, deployment: d, options: o, sample: Array(rs.prefix(100)))
                var s = TraceSummary()
                for q in rs {
                    let p = r.price(q)
                    #expect(p.wh.isFinite && p.wh >= 0, "trial \(trial): \(p.wh)")
                    s.add(p)
                }
                r.close(&s)
                #expect(s.totalWh.isFinite && s.totalWh > 0)
                #expect(approx(s.hours.indices.reduce(0) { $0 + s.wattHours(hour: $1) }, s.totalWh, rel: 1e-9))
                totals.append(s.totalWh)
                if replicas == 200 {
                    let idle = idleWatts * 200 * s.durationSeconds / 3600
                    let node = s.totalWh - r.idleWattHours(replicaSeconds: r.idle.idleSeconds)
                    #expect(node > 0 && node < 0.05 * s.totalWh && approx(s.totalWh - node, idle, rel: 0.02), "trial \(trial)")
                }
            }
            // To 1e-8, not the last bits: the windows follow the requests' shape at their own
            // pace and may price on ladders built for shapes a few per cent apart, whose
            // batch-1 chunk mix differs (1.1e-9 of the total on trial 11).
            if replicas == 200 { #expect(approx(totals[0], totals[1], rel: 1e-8), "trial \(trial): \(totals)") }
        }
    }

    @Test func aQuietPeriodCostsMorePerQuery() throws {
        let busy = try replay(requests(every: 0.05, count: 4000)), quiet = try replay(requests(every: 5, count: 4000))
        #expect(quiet.perRequest.statistics.mean > 2 * busy.perRequest.statistics.mean)
        let busyGPU = try replay(requests(every: 0.05, count: 4000), boundary: .gpu), quietGPU = try replay(requests(every: 5, count: 4000), boundary: .gpu)
        #expect(quietGPU.perRequest.statistics.mean > busyGPU.perRequest.statistics.mean)  // smaller batches, even without idle
    }

    @Test func boundariesNestAndTotalsAddUp() throws {
        let rs = requests(every: 0.5, count: 3000)
        let sums = try Boundary.allCases.map { try replay(rs, boundary: $0).perRequest.sum }
        #expect(sums == sums.sorted() && Set(sums).count == 4)
        let s = try replay(rs, boundary: .gpu)
        #expect(approx(s.perRequest.sum, s.gpuWh, rel: 1e-9))
        #expect(s.hours.count == 1 && s.hours[0].requests == 3000)
        let two = try replay(requests(every: 3, count: 2400))
        #expect(two.hours.count == 2 && two.hours.reduce(0) { $0 + $1.requests } == 2400)
    }

    @Test func requestsLongerThanTheContextWindowAreCounted() throws {
        var rs = requests(every: 1, count: 200)
        rs[17].inputTokens = 130_000; rs[17].outputTokens = 2_000   // 132,000 > 131,072
        rs[18].inputTokens = 129_000; rs[18].outputTokens = 2_000   // 131,000 fits
        let s = try replay(rs)
        #expect(s.overContext == 1)
        let d = try estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm"))
        #expect(s.text(deployment: d, options: TraceReplay.Options(), file: "t.csv")
            .contains("1 requests are longer than the 131072-token context window of meta-llama/Llama-3.1-8B-Instruct"))
    }

    /// The log's total range moves only the GPU energy: one more Wh of GPU energy adds exactly
    /// `whPerGPUWh` at each boundary (the PSU loss, and the PUE at the facility).
    @Test func theTotalRangeScalesTheGPUEnergyThroughTheBoundaries() throws {
        let d = try estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm"))
        let rs = requests(every: 0.5, count: 500)
        for boundary in Boundary.allCases {
            var o = TraceReplay.Options()
            o.boundary = boundary
            let r = try TraceReplay(estimator: estimator, deployment: d, options: o, sample: rs)
            let more = r.wattHours(gpuJoules: 7200, occupancy: 1, idleSeconds: 1, surface: r.surfaces[0])
                - r.wattHours(gpuJoules: 3600, occupancy: 1, idleSeconds: 1, surface: r.surfaces[0])
            #expect(approx(more, r.whPerGPUWh, rel: 1e-12), "\(boundary)")
            let s = try replay(rs, boundary: boundary)
            let range = try #require(r.totalRange(s))
            #expect(range.band == ErrorBands.bundled.band(for: "h100-sxm"))
            #expect(range.low < s.totalWh && s.totalWh < range.high)
            #expect(approx(range.high - s.totalWh, (range.band.ratioHigh - 1) * s.gpuWh * r.whPerGPUWh, rel: 1e-9))
        }
    }

    /// Each per-request row carries its own range (its GPU energy at the band's two ends), and
    /// the rows' ends add up to the log's total range; another calibration leaves both cells empty.
    @Test func perRequestRangesAddUpToTheTotalRange() throws {
        let d = try estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm"))
        let rs = requests(every: 0.5, count: 400)
        var o = TraceReplay.Options()
        o.boundary = .facility
        var r = try TraceReplay(estimator: estimator, deployment: d, options: o, sample: rs)
        var s = TraceSummary()
        var low = 0.0, high = 0.0
        for q in rs {
            let p = r.price(q)
            s.add(p)
            let (l, h) = (try #require(p.whLow), try #require(p.whHigh))
            #expect(l < p.wh && p.wh < h)
            low += l
            high += h
        }
        r.close(&s)  // the idle still owed when the log ends is the one term outside the rows
        let total = try #require(r.totalRange(s))
        #expect(approx(low + s.owedIdleWh, total.low, rel: 1e-9) && approx(high + s.owedIdleWh, total.high, rel: 1e-9))
        #expect(TraceReplay.Priced.csvHeader.hasSuffix(",wh,wh_low,wh_high\n"))

        var c = CoefficientFile.bundled
        c.capHoldFraction = 0.9
        let other = Estimator(calibration: c)
        var unbanded = try TraceReplay(estimator: other, deployment: try other.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm")),
                                       options: o, sample: rs)
        let p = unbanded.price(rs[0])
        #expect(p.whLow == nil && p.whHigh == nil && p.csvRow(index: 0).hasSuffix(",,\n"))
        #expect(p.csvRow(index: 0).split(separator: ",", omittingEmptySubsequences: false).count
                == TraceReplay.Priced.csvHeader.split(separator: ",").count)
    }

    /// A request no replica could hold alone is left out of the sample that sets the batch
    /// ladder, by line, and still priced: one such row among the first 10,000 made the sample's
    /// mean request too long to fit, and the whole trace failed naming that mean, not the row.
    @Test func aRequestTooLongToHoldIsLeftOutOfTheLadderSample() throws {
        let f = try temporaryFile("huge.csv", "timestamp,input_length,output_length\n0,1000,250\n1,999999999,10\n2,1000,250\n3,800,200\n")
        defer { try? FileManager.default.removeItem(at: f) }
        let d = try estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm"))
        var reader = try TraceReader(path: f.path, format: nil)
        let sample = try TraceSample.read(&reader, deployment: d, tokenBudget: 8192)
        #expect(sample.requests.count == 4 && sample.ladder.count == 3 && sample.leftOutLines == [3] && sample.leftOutWords == "line 3")
        #expect(throws: DeploymentError.self) { try TraceReplay(estimator: estimator, deployment: d, options: .init(), sample: sample.requests) }
        var r = try TraceReplay(estimator: estimator, deployment: d, options: .init(), sample: sample.ladder)
        let priced = sample.requests.map { r.price($0) }
        #expect(priced[1].wh > 1000 * priced[0].wh && priced[1].overContext)
        var many = TraceSample()
        many.leftOutLines = [2, 5, 9, 12, 40, 41, 77]
        #expect(many.leftOutWords == "lines 2, 5, 9, 12, 40 and 2 more")
        many.leftOutLines = [2, 5]
        #expect(many.leftOutWords == "lines 2 and 5")
    }

    /// The ladder's sample and the count of requests no replica can hold test a request's full
    /// length, as `estimate` refuses it (`OneSequenceRoom`), not its mean context I + O/2: a
    /// request whose mean fits and whose last token does not had set the ladder in silence.
    @Test func aRequestWhoseLastTokenDoesNotFitIsCountedAndLeftOut() throws {
        // An L4 holds about 20,000 tokens beside the weights: inside the 131,072-token context.
        let d = try estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "l4"))
        let free = try KVCacheBudget(deployment: d, request: ServingRequest(batch: 1, inputTokens: 1000, outputTokens: 1000)).kvBytesPerGPU.bytes
        let capacityTokens = free / d.kvBytesPerTokenPerGPU.bytes
        let output = Int(2 * (0.8 * capacityTokens - 1000))  // mean context 0.8 of the cache, full length 1.6
        let f = try temporaryFile("long.csv", "timestamp,input_length,output_length\n0,1000,250\n1,1000,\(output)\n2,800,200\n")
        defer { try? FileManager.default.removeItem(at: f) }
        var reader = try TraceReader(path: f.path, format: nil)
        let sample = try TraceSample.read(&reader, deployment: d, tokenBudget: 8192)
        #expect(sample.ladder.count == 2 && sample.leftOutLines == [3])
        #expect(throws: DeploymentError.self) {
            try KVCacheBudget.requireRoom(ServingRequest(batch: 1, inputTokens: 1000, outputTokens: output), on: d)
        }
        var r = try TraceReplay(estimator: estimator, deployment: d, options: .init(), sample: sample.ladder)
        var summary = TraceSummary()
        for q in sample.requests { summary.add(r.price(q)) }
        #expect(summary.overKVCache == 1 && summary.overContext == 0)
        #expect(summary.text(deployment: d, options: .init(), file: "long.csv").contains("over KV cache     1 requests"))
    }

    /// A log whose mix changes is priced near the batch its requests need. The ladder's capacities
    /// were fixed by the first rows: 2,000 short requests and then 4,000 long ones, all at one a
    /// second, priced the long ones at the short ones' batch (batch 1, several times their cost
    /// alone) and counted none as overloaded, the replicas drawing more than they can.
    @Test func aLogWhoseMixChangesIsPricedAtTheBatchItsRequestsNeed() throws {
        let d = try estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-70B-Instruct", gpu: "h100-sxm", gpus: 4))
        let short = (0..<2000).map { TraceRequest(timestamp: Double($0), inputTokens: 200, outputTokens: 50) }
        let long = (0..<4000).map { TraceRequest(timestamp: 2000 + Double($0), inputTokens: 4000, outputTokens: 500) }
        func total(_ log: [TraceRequest], sample: Int) throws -> TraceSummary {
            var r = try TraceReplay(estimator: estimator, deployment: d, options: TraceReplay.Options(), sample: Array(log.prefix(sample)))
            var s = TraceSummary()
            var rows = log.makeIterator()
            try r.price(all: { rows.next() }, into: &s)
            return s
        }
        let mixed = try total(short + long, sample: 2000)
        let alone = try total(long, sample: 2000), first = try total(short, sample: 2000)
        // A request of the mixed log's long hour against one of the long log's first hour.
        let perMixed = mixed.hours[1].wh / Double(mixed.hours[1].requests), perAlone = alone.hours[0].wh / Double(alone.hours[0].requests)
        #expect(approx(perMixed, perAlone, rel: 0.02), "\(perMixed) vs \(perAlone)")
        #expect(approx(mixed.totalWh, alone.totalWh + first.totalWh, rel: 0.15), "\(mixed.totalWh) vs \(alone.totalWh) + \(first.totalWh)")
    }

    /// The rungs' KV-cache batches follow the requests' shape. Built once for the first rows, the
    /// ladder priced the long requests of a log that grew long at the batch the KV cache holds for
    /// its short ones: 8,000 + 1,000-token requests after 2,000 + 250-token ones on Llama-3.1-70B,
    /// 2 × H100 in fp8, at batch 37 and 1.239 Wh where alone they run at batch 27 and cost 1.352
    /// Wh (−8.3 %); with a ladder for each shape they cost 1.349 Wh at batch 27.2.
    @Test func aLogThatGrowsLongIsPricedAtTheKVBatchOfItsLongRequests() throws {
        let d = try estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-70B-Instruct", gpu: "h100-sxm", gpus: 2, precision: .fp8))
        let short = (0..<1500).map { TraceRequest(timestamp: Double($0) * 0.4, inputTokens: 2000, outputTokens: 250) }
        let long = (0..<2500).map { TraceRequest(timestamp: 600 + Double($0) * 1.2, inputTokens: 8000, outputTokens: 1000) }
        func lastThousand(_ log: [TraceRequest]) throws -> (wh: Double, batch: Double, ladders: Int) {
            var r = try TraceReplay(estimator: estimator, deployment: d, options: TraceReplay.Options(), sample: log)
            var s = TraceSummary()
            var rows = log.makeIterator()
            var wh = 0.0, batch = 0.0
            try r.price(all: { rows.next() }, into: &s) { p, i in
                if i >= log.count - 1000 { wh += p.wh; batch += p.batch }
            }
            return (wh / 1000, batch / 1000, r.ladderShapes.count)
        }
        let mixed = try lastThousand(short + long), alone = try lastThousand(long)
        #expect(alone.ladders == 1 && mixed.ladders > 1)
        #expect(approx(mixed.wh, alone.wh, rel: 0.03) && mixed.batch < 1.1 * alone.batch, "\(mixed) vs \(alone)")
    }

    /// A log whose requests vary but whose mean holds steady is priced on one ladder, whatever
    /// the spread (the rolling mean moves within the tolerances), and a row no replica holds
    /// alone does not move the shape: a billion-token row would otherwise have asked for a
    /// ladder no replica can hold.
    @Test func aSteadyLogIsPricedOnOneLadder() throws {
        let d = try estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm"))
        var rng = SeededRandom(seed: 5)
        var log = (0..<6000).map { i in
            TraceRequest(timestamp: Double(i) * 0.2, inputTokens: 100 + Int(rng.uniform() * 3000), outputTokens: 10 + Int(rng.uniform() * 600))
        }
        log[4000].inputTokens = 1_000_000_000
        var r = try TraceReplay(estimator: estimator, deployment: d, options: TraceReplay.Options(), sample: Array(log.prefix(1000)))
        var s = TraceSummary()
        var rows = log.makeIterator()
        try r.price(all: { rows.next() }, into: &s)
        #expect(r.ladderShapes.count == 1 && r.shapeNote == nil && s.overKVCache == 1)
    }

    /// A ladder is built only where it would change a price: with `--max-batch 1` every shape
    /// runs the same one-sequence rungs, and a short window over requests of a steady spread
    /// does not move the shape (averaged over at least 200 requests, looked at every 64). Over
    /// 50 requests and looked at every row, the Azure conversation hour at a 3 s window switched
    /// ladders thousands of times: 10.9 s against 0.17 s for the same total.
    @Test func aLadderIsBuiltOnlyWhereItChangesAPrice() throws {
        let d = try estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm"))
        var rng = SeededRandom(seed: 9)
        let noisy = (0..<6000).map { i in
            TraceRequest(timestamp: Double(i) * 0.05, inputTokens: 50 + Int(-log(1 - rng.uniform()) * 1500), outputTokens: 1 + Int(-log(1 - rng.uniform()) * 250))
        }
        let drifting = (0..<3000).map { i in TraceRequest(timestamp: Double(i), inputTokens: 200 + 10 * i, outputTokens: 50 + i) }
        func ladders(_ log: [TraceRequest], maxBatch: Int = 256, window: Double = 300) throws -> Int {
            var o = TraceReplay.Options()
            o.maxBatch = maxBatch; o.windowSeconds = window
            var r = try TraceReplay(estimator: estimator, deployment: d, options: o, sample: Array(log.prefix(500)))
            for q in log { _ = r.price(q) }
            return r.ladderShapes.count
        }
        #expect(try ladders(noisy, window: 3) <= 2)
        #expect(try ladders(drifting, maxBatch: 1) == 1)
        #expect(try ladders(drifting) > 1)
    }

    /// Moving to a ladder takes up the rungs' occupancy average from the requests the ring
    /// holds: taken up on the ladder in use, it is the average the replay kept row by row.
    @Test func aLadderTakesUpTheOccupancyAverageWhereItWas() throws {
        let d = try estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm"))
        let log = (0..<3000).map { i in TraceRequest(timestamp: Double(i) * 0.3, inputTokens: 200 + (i * 37) % 3000, outputTokens: 20 + (i * 13) % 500) }
        var r = try TraceReplay(estimator: estimator, deployment: d, options: TraceReplay.Options(), sample: Array(log.prefix(500)))
        for q in log { _ = r.price(q) }
        let kept = r.occupancySums
        r.use(r.ladder)
        #expect(kept.count == r.occupancySums.count)
        for (a, b) in zip(kept, r.occupancySums) { #expect(approx(a, b, rel: 1e-9), "\(a) vs \(b)") }
    }

    /// A log merged from two servers (each sorted, one after the other) costs what the sorted
    /// log costs: its first rows in file order spanned the whole log at half its rate and held
    /// one server's requests, and the merged Azure conversation hour cost 8.4 % more.
    @Test func aLogMergedFromTwoServersCostsWhatTheSortedLogCosts() throws {
        let d = try estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm"))
        let sorted = (0..<3000).map { TraceRequest(timestamp: Double($0) * 0.5 + Double($0 % 3) * 0.01, inputTokens: 300 + ($0 * 37) % 2000,
                                                   outputTokens: 20 + ($0 * 13) % 400) }
        let merged = stride(from: 0, to: 3000, by: 2).map { sorted[$0] } + stride(from: 1, to: 3000, by: 2).map { sorted[$0] }
        func csv(_ rows: [TraceRequest]) -> [UInt8] {
            Array(("timestamp,input_length,output_length\n" + rows.map { "\($0.timestamp),\($0.inputTokens),\($0.outputTokens)" }.joined(separator: "\n")).utf8)
        }
        func total(_ rows: [TraceRequest]) throws -> Double {
            var reader = try TraceReader(bytes: csv(rows), name: "log.csv", format: nil)
            let sample = try TraceSample.read(&reader, deployment: d, tokenBudget: 8192, size: 500)
            var r = try TraceReplay(estimator: estimator, deployment: d, options: TraceReplay.Options(), sample: sample.ladder)
            var s = TraceSummary()
            try r.price(sample, rest: { try reader.next() }, into: &s)
            return s.totalWh
        }
        let a = try total(sorted), b = try total(merged)
        #expect(a == b, "\(b) vs \(a)")
    }

    @Test func moreReplicasThanTheLoadNeedsCostMore() throws {
        let rs = requests(every: 0.02, count: 5000)
        let one = try replay(rs), eight = try replay(rs, replicas: 8)
        #expect(eight.perRequest.sum > one.perRequest.sum)
    }

    @Test func histogramQuantilesAreWithinABin() {
        var h = LogHistogram()
        var rng = SeededRandom(seed: 11)
        var xs: [Double] = []
        for _ in 0..<50_000 { let x = exp(rng.normal() * 2 - 3); xs.append(x); h.add(x) }
        let exact = QueryStatistics(xs)
        for (a, b) in [(h.quantile(0.5), exact.median), (h.quantile(0.05), exact.p5), (h.quantile(0.95), exact.p95)] {
            #expect(abs(a / b - 1) < 0.003, "\(a) vs \(b)")
        }
        #expect(approx(h.sum / Double(h.count), exact.mean, rel: 1e-9))
    }
}
