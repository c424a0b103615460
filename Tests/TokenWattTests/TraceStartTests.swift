import KernelPower
import Testing
@testable import TokenWatt

/// The start of a trace replay, its per-request note and the power-log format guess, moved from
/// the CLI into the library (`TraceReplay.start`, `TraceSummary.perRequestNote`,
/// `PowerLog.detectFormat`), where they had been printed or decided inside the commands.
@Suite struct TraceStartTests {
    let deployment = try! Estimator().deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm"))

    func start(_ text: String) throws -> (TraceSample, [String]) {
        var reader = try TraceReader(bytes: Array(text.utf8), name: "log.csv", format: nil)
        var notes: [String] = []
        let (_, sample) = try TraceReplay.start(&reader, name: "log.csv", estimator: Estimator(), deployment: deployment,
                                                options: TraceReplay.Options(), note: { notes.append($0) })
        return (sample, notes)
    }

    @Test func aRequestTooLongForAReplicaIsNotedNotPrinted() throws {
        let header = "TIMESTAMP,ContextTokens,GeneratedTokens\n"
        let rows = "2023-11-16 18:15:46.68,5000000,10\n2023-11-16 18:17:03.98,4808,10\n2023-11-16 18:17:04.98,1000,100\n"
        let (sample, notes) = try start(header + rows)
        #expect(sample.requests.count == 3 && sample.leftOutLines == [2])
        #expect(notes == ["log.csv: line 2: no sequence that long fits the KV cache of one replica, even alone; "
                          + "left out of the requests that set the batch ladder, and priced as logged"])
        let (_, none) = try start(header + "2023-11-16 18:17:03.98,4808,10\n")
        #expect(none.isEmpty)
        let empty = #expect(throws: FleetError.self) { try start(header) }
        #expect(empty?.description == "log.csv: the request log holds no requests (a header and no request lines)")
    }

    @Test func thePerRequestNoteStandsOnlyPastRounding() {
        var s = TraceSummary()
        s.perRequest.add(100)
        s.owedIdleWh = 0.05  // 0.05 % of the total: rounding
        #expect(s.perRequestNote == nil)
        s.owedIdleWh = 10
        #expect(s.perRequestNote == "the per-request wh add up to 100 Wh; the log's total is 110 Wh, with 10 Wh of the replicas' "
                + "idle time not yet charged to a request when the log ended (owedIdleWh)")
        s.owedIdleWh = -10
        #expect(s.perRequestNote?.contains("idle charged to the requests beyond the replicas' idle time") == true)
    }

    @Test func aPowerLogsFormatIsDcgmByItsEntityHeader() {
        #expect(PowerLog.detectFormat("#Entity   POWER  SMCLK\nID        W      MHZ\nGPU 0     301.2  1980\n") == .dcgm)
        #expect(PowerLog.detectFormat("timestamp, index, power.draw [W]\n2024/01/01 00:00:01.000, 0, 300.5 W\n") == .nvidiaSMI)
        #expect(PowerLog.Format.allCases.map(\.rawValue) == ["nvidia-smi", "dcgm"])
    }
}
