import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// What a trace says of a log whose data is off: a gap no log holds, a profile cut short, a
/// window the flag refuses, a token limit misstated, and rounding printed as idle.
@Suite struct TraceDataQualityTests {
    let estimator = Estimator()

    func deployment() throws -> Deployment {
        try estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm"))
    }

    func replay(_ requests: [TraceRequest], windowSeconds: Double = 300) throws -> TraceSummary {
        var o = TraceReplay.Options()
        o.windowSeconds = windowSeconds
        var r = try TraceReplay(estimator: estimator, deployment: try deployment(), options: o, sample: Array(requests.prefix(TraceSample.size)))
        var s = TraceSummary()
        var rows = requests.makeIterator()
        try r.price(all: { rows.next() }, into: &s)
        return s
    }

    /// 200 requests a second apart (2023-11-16) with one row's year mistyped (2123): priced last,
    /// 100 years after the rest.
    func typoLog() -> [TraceRequest] {
        let start = 1_700_092_800.0  // 2023-11-16 00:00:00 UTC
        var rows = (0..<200).map { TraceRequest(timestamp: start + Double($0), inputTokens: 400 + $0 % 7 * 50, outputTokens: 60) }
        rows[100].timestamp = 4_855_766_401  // 2123-11-16 00:00:01 UTC
        return rows
    }

    /// One mistyped year charged 100 years of idle (357,220,000 Wh for a log of a few hundred)
    /// with only "out of order" said; the gap is now named, with the idle it holds, and the
    /// energy is kept (nothing dropped).
    @Test func aTraceNamesAnImplausibleGapAndTheIdleAcrossIt() throws {
        let s = try replay(typoLog())
        let gap = try #require(s.implausibleGap)
        #expect(gap.fromIndex == 199 && gap.toIndex == 100, "\(gap)")
        #expect(gap.seconds > 99 * 365 * 86_400)
        #expect(gap.idleWh > 0.99 * s.totalWh, "\(gap.idleWh) of \(s.totalWh)")
        let note = try #require(s.gapNote)
        #expect(note.contains("between the request at index 199 (2023-11-16 00:03:19 UTC) and the request at index 100 (2123-11-16 00:00:01 UTC)"), "\(note)")
        #expect(note.contains("100 years pass") && note.contains("% of it)"), "\(note)")
        let text = s.text(deployment: try deployment(), options: TraceReplay.Options(), file: "typo.csv")
        #expect(text.contains("  implausible gap   100 years pass"), "\(text.prefix(3000))")
        // The clean log: no gap named.
        var clean = typoLog()
        clean[100].timestamp = 1_700_092_800 + 100
        #expect(try replay(clean).implausibleGap == nil)
    }

    /// The rule against the log's own cadence: a day or less never; over a day and 100× the
    /// rest; a year whatever the rest. An hour on two Mondays a week apart is 83× and passes.
    @Test func aTraceGapIsImplausibleAgainstTheLogsOwnCadence() throws {
        func summary(_ times: [Double]) -> TraceSummary {
            var s = TraceSummary()
            s.firstTime = times.first
            s.lastTime = times.last ?? 0
            s.earliestTime = times.first ?? 0
            var longest = 0.0
            for (a, b) in zip(times, times.dropFirst()) where b - a > longest {
                longest = b - a
                s.longestGap = TraceSummary.Gap(from: a, to: b, fromIndex: nil, toIndex: nil, idleWh: 0)
            }
            return s
        }
        let hour = 3600.0, day = 86_400.0
        #expect(summary([0, hour, hour + 7 * day - 2 * hour, 7 * day]).implausibleGap == nil)  // two Mondays
        #expect(summary([0, hour, hour + 10 * day]).implausibleGap != nil)  // a mistyped day
        #expect(summary([0, 0.9 * day]).implausibleGap == nil)  // under a day: a quiet night
        #expect(summary([0, 200 * day, 600 * day]).implausibleGap != nil)  // over a year
    }

    /// The text table printed 876,593 rows of idle hours for one mistyped year; a run of idle
    /// hours is now one row, and the CSV keeps every hour.
    @Test func aTraceTextProfileCollapsesARunOfIdleHours() throws {
        let s = try replay(typoLog())
        let rows = s.hourlyTextRows()
        #expect(s.hours.count > 876_000 && rows.count < 5, "\(rows.count) rows")
        let run = try #require(rows.first { $0[0].contains("–") })
        #expect(run[0].hasPrefix("1–") && run[2].hasSuffix(" each"), "\(run)")
        // Every hour that holds a request keeps its row.
        #expect(rows.filter { $0[1] != "0" }.map { Int($0[1]) ?? 0 }.reduce(0, +) == 200)
    }

    /// Past a million hours the profile stopped with nothing said ("caveats: []", totalWh
    /// 17,545,800,000 over one hourly row); it now says where it stops and how much no hour holds.
    @Test func aTraceSaysWhenItsHourlyProfileIsCut() throws {
        let s = try replay([TraceRequest(timestamp: -6e10, inputTokens: 100, outputTokens: 10),
                            TraceRequest(timestamp: 9.5e10, inputTokens: 100, outputTokens: 10)])
        #expect(s.profileCut)
        let note = try #require(s.profileNote)
        #expect(note.hasPrefix("the hourly profile stops at hour 999999 of the log's"), "\(note)")
        let json = JSONWriter().write(s.json(options: TraceReplay.Options()))
        #expect(json.contains("\"hourlyNote\": \"the hourly profile stops"), "\(json.suffix(800))")
        #expect(s.findings(deployment: try deployment(), options: TraceReplay.Options()).contains { $0.label == "hourly profile" })
        #expect(try replay(typoLog()).profileNote == nil)
    }

    /// A sparse log was told `--window-s 12960000 or more`, which the flag (1 to 1e7) refuses;
    /// the advice stays within the range and says what the range cannot do.
    @Test func aTraceWindowNoteAdvisesWithinTheFlagsRange() throws {
        let sparse = (0..<20).map { TraceRequest(timestamp: Double($0) * 259_200, inputTokens: 500, outputTokens: 100) }
        let note = try #require(try replay(sparse).windowNote(TraceReplay.Options()))
        #expect(note.contains("--window-s takes at most 10000000 s") && !note.contains("12960000"), "\(note)")
        let numbers = note.split(whereSeparator: { !"0123456789.e".contains($0) }).compactMap { Double($0) }
        #expect(numbers.allSatisfy { $0 <= TraceReplay.Options.windowSecondsRange.upperBound }, "\(numbers)")
        // Within the range the advice is as it was.
        let dense = (0..<200).map { TraceRequest(timestamp: Double($0) * 5, inputTokens: 500, outputTokens: 100) }
        var minute = TraceReplay.Options()
        minute.windowSeconds = 60
        #expect(try replay(dense, windowSeconds: 60).windowNote(minute)?.contains("use --window-s 250 or more") == true)
    }

    /// "expected a whole number of tokens from 0 to 1e9" refused 1,000,000,000 itself.
    @Test func aTraceTokenCountMessageNamesTheLargestCountTaken() throws {
        let f = try temporaryFile("tokens-limit.csv", "time,in,out\n0,1000000000,5\n")
        defer { try? FileManager.default.removeItem(at: f) }
        let error = #expect(throws: InputError.self) { try readAll(f.path, .csv(timestamp: "time", input: "in", output: "out", milliseconds: false)) }
        let message = String(describing: try #require(error))
        #expect(message.contains("from 0 to 999999999") && !message.contains("to 1e9"), "\(message)")
        let taken = try temporaryFile("tokens-most.csv", "time,in,out\n0,999999999,5\n")
        defer { try? FileManager.default.removeItem(at: taken) }
        #expect(try readAll(taken.path, .csv(timestamp: "time", input: "in", output: "out", milliseconds: false)).first?.inputTokens == 999_999_999)
    }

    /// Rounding of the idle sums was printed as idle ("idle owed 1.2e-11 Wh", "charged 1.03e-15
    /// Wh of idle ahead"); below 1e-6 of the total it is now said nowhere.
    @Test func aTraceDoesNotPrintRoundingAsOwedIdle() throws {
        var s = try replay((0..<50).map { TraceRequest(timestamp: Double($0), inputTokens: 500, outputTokens: 100) })
        let d = try deployment()
        for owed in [1.2e-11, -1.03e-15] {
            s.owedIdleWh = owed
            #expect(!s.text(deployment: d, options: TraceReplay.Options(), file: "log").contains("idle owed"), "\(owed)")
        }
        s.owedIdleWh = 0.01 * s.totalWh
        #expect(s.text(deployment: d, options: TraceReplay.Options(), file: "log").contains("idle owed"))
    }
}
