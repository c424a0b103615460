import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// What `capacity` holds a budget against, what it says of latency, and what its price assumes
/// of the router (a 2026-12-07 probe sizing a 5 MW site: the budget was held against each
/// replica's mean busy draw with no word of `power`'s worst case, 1,142 4-H100 replicas filling
/// 5.00 MW and drawing 5.94 MW at their worst; no ITL or TTFT; a cap outside the GPU's range
/// exited 1 naming no flag; the packing router unsaid).
@Suite struct CapacitySizingTests {
    static let runner = FleetRunner(dataDirectory: nil)

    /// A one-class fleet of Llama-3.1-8B on single H100s at batch 8, well below TDP when busy.
    static func workload() throws -> Workload { try readWorkload(CapacityAndDiagnosisTests.oneClassFleet) }

    /// `power`'s figures for the fleet's replica: one H100 serving 8 sequences of 1,000 + 250 tokens.
    static func plan() throws -> PowerPlan {
        let e = Estimator()
        let d = try e.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm", gpus: 1, tensorParallel: 1))
        return try PowerPlan(estimator: e, deployment: d, inputs: .init(batch: 8, inputTokens: 1000, outputTokens: 250))
    }

    /// Sized on the busy draw, the fleet at its worst case draws more than the budget; sized on
    /// the worst case it fits, with fewer queries and GPUs; each basis gives the other's figures
    /// beside its row, and the GPUs there are those `fleet` sizes at that traffic.
    @Test func eachBasisFitsItsDrawAndGivesTheOther() throws {
        let w = try Self.workload()
        let busy = try #require(try Capacity(workload: w, runner: Self.runner, budgetMegawatts: 1, gpus: [nil], caps: [nil]).rows.first)
        let worst = try #require(try Capacity(workload: w, runner: Self.runner, budgetMegawatts: 1, gpus: [nil], caps: [nil], sizing: .worstCase).rows.first)
        #expect(busy.busyFacilityMegawatts <= 1 + 1e-9 && busy.worstCaseFacilityMegawatts > 1.05, "\(busy.busyFacilityMegawatts) \(busy.worstCaseFacilityMegawatts)")
        #expect(worst.worstCaseFacilityMegawatts <= 1 + 1e-9 && worst.queriesPerDay < busy.queriesPerDay && worst.gpus < busy.gpus)
        let other = try #require(busy.otherSizing), back = try #require(worst.otherSizing)
        #expect(other.queriesPerDay == worst.queriesPerDay && other.gpus == worst.gpus, "\(other) vs \(worst.queriesPerDay), \(worst.gpus)")
        #expect(back.queriesPerDay == busy.queriesPerDay && back.gpus == busy.gpus, "\(back) vs \(busy.queriesPerDay), \(busy.gpus)")
    }

    /// A replica's worst case is the one `power` reports (every GPU at TDP, the host busy), its
    /// busy draw below it; `fleet`'s peak says it is the mean busy draw, and a note gives the
    /// worst case of the same replicas.
    @Test func theWorstCaseIsPowersAndFleetSaysWhichPeakItGives() throws {
        let w = try Self.workload(), plan = try Self.plan()
        let f = try #require(try Self.runner.run(w).first)
        let h = try #require(f.hardware.first)
        #expect(approx(h.replicaWorstCaseWallWatts, plan.peakWatts, rel: 1e-9), "\(h.replicaWorstCaseWallWatts) vs \(plan.peakWatts)")
        #expect(h.replicaWallWatts < h.replicaWorstCaseWallWatts)
        let worstMW = Double(h.gpus) * plan.peakWatts * 1.3 / 1e6
        #expect(f.notes.contains { $0.contains("at their worst case") && $0.contains("\(formatNumber(worstMW, significant: 3)) MW at the facility") },
                "\(f.notes)")
        #expect(FleetRendering.text(w, [f]).contains("provisioned peak \(formatNumber(f.megawatts, significant: 3)) MW at the wall, "
                                                     + "\(formatNumber(f.facilityMegawatts, significant: 3)) MW at the facility (every replica at its mean busy draw"))
    }

    /// The text and JSON say which draw the budget is held against and give both MW figures.
    @Test func theLabelsSayWhichDrawTheMegawattsAre() throws {
        let w = try Self.workload()
        let busy = try Capacity(workload: w, runner: Self.runner, budgetMegawatts: 1, gpus: [nil], caps: [nil])
        let worst = try Capacity(workload: w, runner: Self.runner, budgetMegawatts: 1, gpus: [nil], caps: [nil], sizing: .worstCase)
        #expect(busy.text().contains("sized on the provisioned peak at the mean busy draw (--sizing busy)") && busy.text().contains("worst-case MW")
                && busy.text().contains("worst-case: queries/day"))
        #expect(worst.text().contains("sized on the provisioned peak at the worst-case draw (--sizing worst-case)") && worst.text().contains("busy: GPUs"))
        let json = JSONWriter().write(busy.json())
        #expect(json.contains("\"sizing\":\"busy\"") || json.contains("\"sizing\": \"busy\""), "\(json)")
        #expect(json.contains("worstCaseFacilityMegawatts") && json.contains("otherSizing"))
    }

    /// Rows carry the fleet's mean ITL and TTFT; a target marks the rows that miss it.
    @Test func rowsCarryLatencyAndTargetsMarkThoseThatMiss() throws {
        let w = try Self.workload()
        let row = try #require(try Capacity(workload: w, runner: Self.runner, budgetMegawatts: 1, gpus: [nil], caps: [nil]).rows.first)
        var filled = w
        filled.scenarios[0].queriesPerDay = row.queriesPerDay
        let f = try #require(try Self.runner.run(filled).first)
        let itl = try #require(row.itlMs), ttft = try #require(row.ttftMs)
        let fleetITL = try #require(f.meanITLMs), fleetTTFT = try #require(f.meanTTFTMs)
        #expect(approx(itl, fleetITL, rel: 1e-9) && approx(ttft, fleetTTFT, rel: 1e-9))
        let tight = try Capacity(workload: w, runner: Self.runner, budgetMegawatts: 1, gpus: [nil], caps: [nil], targets: .init(itlMs: itl / 2))
        #expect(tight.rows[0].missedTargets.count == 1 && tight.rows[0].missedTargets[0].hasPrefix("ITL "), "\(tight.rows[0].missedTargets)")
        #expect(tight.text().contains("misses ITL") && tight.notes.contains { $0.contains("no row meets them") })
        let loose = try Capacity(workload: w, runner: Self.runner, budgetMegawatts: 1, gpus: [nil], caps: [nil],
                                 targets: .init(itlMs: itl * 2, ttftMs: ttft * 2))
        #expect(loose.rows[0].missedTargets.isEmpty && loose.text().contains("meets") && loose.notes.contains { $0.contains("1 of 1 rows meet them") })
        #expect(JSONWriter().write(loose.json()).contains("meetsTargets"))
    }

    /// A `--caps` watts that no candidate GPU allows is a usage error naming the flag and the
    /// range; one at or above TDP beside `none` is the uncapped run; one some GPUs allow runs there,
    /// and the others' failure names `--caps`.
    @Test func aCapOutsideEveryRangeIsRefusedNamingTheFlag() throws {
        let w = try readWorkload(kernelWorkload()), catalog = Estimator().gpus
        let refusal = try #require(Capacity.capsUsageError(w, gpus: [nil], caps: [.watts(100)], catalog: catalog))
        #expect(refusal.hasPrefix("--caps 100: outside the range h100-sxm allows (200 to 700 W)"), "\(refusal)")
        #expect(Capacity.capsUsageError(w, gpus: [nil], caps: [.uncapped, .watts(900)], catalog: catalog) == nil)
        #expect(Capacity.capsUsageError(w, gpus: ["h100-sxm", "a100-sxm-80gb"], caps: [.watts(150)], catalog: catalog) == nil)
        let c = try Capacity(workload: w, runner: Self.runner, budgetMegawatts: 1, gpus: ["h100-sxm", "a100-sxm-80gb"], capCandidates: [.watts(150)])
        #expect(c.rows.map(\.gpu) == ["a100-sxm-80gb"] && c.failures.count == 1, "\(c.failures)")
        #expect(c.failures.first?.reason == "--caps 150: outside the range h100-sxm allows (200 to 700 W)", "\(c.failures)")
    }

    /// The fleet is priced as if a router packs its load onto full batches; the note gives what
    /// the same load spread over every replica costs, as the `estimate --load` it quotes prices one replica.
    @Test func thePackingRouterIsSaidWithTheSpreadPrice() throws {
        let w = try readWorkload(kernelWorkload(extra: #""pue": 1.3"#))
        let c = try Capacity(workload: w, runner: Self.runner, budgetMegawatts: 1, gpus: [nil], caps: [nil])
        let row = try #require(c.rows.first)
        let note = try #require(c.notes.first { $0.contains(KernelFleet.packingNotePrefix) }, "\(c.notes)")
        var filled = w
        filled.scenarios[0].queriesPerDay = row.queriesPerDay
        let f = try #require(try Self.runner.run(filled).first)
        #expect(f.notes.contains { $0.hasPrefix(KernelFleet.packingNotePrefix) })
        // One GPU per replica; the load as the note's command prints it (4 significant digits).
        let q = try #require(Double(formatNumber(row.queriesPerDay / 86_400 / Double(row.gpus), significant: 4)))
        let e = Estimator()
        let d = try e.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm", gpus: 1, tensorParallel: 1))
        let batch = try #require(f.classes.first?.effectiveBatch)
        let est = try QueryEstimate(estimator: e, deployment: d, request: ServingRequest(batch: batch, inputTokens: 1000, outputTokens: 200),
                                    settings: LedgerSettings(pue: 1.3, utilization: .load(queriesPerSecond: q)), boundary: row.boundary)
        let alt = try #require(est.atLoad, "the mean load fills the batch: \(q) queries/s")
        let spread = try #require(alt.whPerQuery[row.boundary])
        #expect(note.contains("\(formatNumber(spread, significant: 4)) against \(formatNumber(est.ledger.total(at: row.boundary).wattHours, significant: 4)) Wh")
                && note.contains(alt.inFlight), "\(note)")
    }
}
