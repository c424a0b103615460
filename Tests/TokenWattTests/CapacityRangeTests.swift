import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// The estimator's error and the sampling error on `capacity` and `power` (a 2026-12-07
/// statistician's probe: `capacity Workloads/chat-service.json --budget-mw 20` printed 928 million
/// queries a day on 16,944 GPUs at 20.0 MW, a fleet that at the H100 band's ends draws 17.0 and
/// 27.2 MW; `power` printed a year's kWh alone where `estimate` gives −14 %/+36 %; capacity refused
/// `--seed` and stated no sampling error for its queries a day or GPUs).
@Suite struct CapacityRangeTests {
    static let runner = FleetRunner(dataDirectory: nil)

    /// One class of drawn lengths on single H100s: enough spread for a sampling error, and 800
    /// draws, so each of the 8 batches holds 100.
    static let drawnFleet = #"{"schemaVersion": 1, "description": "t", "samples": 800, "seed": 1, "scenarios": [{"name": "s", "kind": "kernel", "#
        + #""queriesPerDay": 1e6, "pue": 1.3, "headroom": 0.2, "deployments": [{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "#
        + #""gpu": "h100-sxm", "maxBatch": 64}], "classes": [{"name": "c", "share": 1, "deployment": "d", "#
        + #""input": {"lognormal": {"p5": 200, "p95": 4000}}, "output": {"lognormal": {"p5": 50, "p95": 1500}}}]}]}"#

    /// The fleet a row describes, run by `fleet` at the row's traffic with every query's GPU
    /// energy, its drawn scale included, × `ratio`.
    static func fleet(_ w: Workload, queriesPerDay: Double, ratio: Double, seed: UInt64? = nil) throws -> FleetResult {
        var filled = w
        filled.scenarios[0].queriesPerDay = queriesPerDay
        guard case var .kernel(k) = filled.scenarios[0].kind else { throw FleetError(description: "not a kernel scenario") }
        k.gpuEnergyScale = k.gpuEnergyScale.scaled(by: ratio)
        filled.scenarios[0].kind = .kernel(k)
        return try #require(try runner.run(filled, seed: seed).first)
    }

    /// The row's fleet at the band's ends is what `fleet` gives at the row's traffic with the GPU
    /// energy fixed there: below the row's busy MW at the low end, above it at the high end (at
    /// most the worst case), and the budget fills fewer queries at the high end.
    @Test func theBandEndsAreTheRowsFleetAtTheBandsEnds() throws {
        let w = try readWorkload(CapacityAndDiagnosisTests.oneClassFleet)
        let row = try #require(try Capacity(workload: w, runner: Self.runner, budgetMegawatts: 1, gpus: [nil], caps: [nil]).rows.first)
        let range = try #require(row.band)
        let band = try #require(Estimator().errorBand(for: "h100-sxm"))
        #expect(range.band == band)
        let low = try Self.fleet(w, queriesPerDay: row.queriesPerDay, ratio: band.ratioLow)
        let high = try Self.fleet(w, queriesPerDay: row.queriesPerDay, ratio: band.ratioHigh)
        #expect(low.gpus == row.gpus && high.gpus == row.gpus, "the band moves energy, not occupancy: \(low.gpus) \(high.gpus) \(row.gpus)")
        #expect(approx(range.busyFacilityMegawattsLow, low.facilityMegawatts, rel: 1e-9), "\(range.busyFacilityMegawattsLow) vs \(low.facilityMegawatts)")
        #expect(range.busyFacilityMegawattsLow < row.busyFacilityMegawatts && row.busyFacilityMegawatts < range.busyFacilityMegawattsHigh)
        #expect(range.busyFacilityMegawattsHigh <= row.worstCaseFacilityMegawatts * (1 + 1e-9))
        // Held at the worst case only where `fleet`'s own busy draw at the high end passes it.
        #expect(range.highAtWorstCase == (high.facilityMegawatts > row.worstCaseFacilityMegawatts * (1 + 1e-9)))
        if !range.highAtWorstCase { #expect(approx(range.busyFacilityMegawattsHigh, high.facilityMegawatts, rel: 1e-9)) }
        let atHigh = try #require(range.queriesPerDayAtHigh)
        #expect(atHigh < row.queriesPerDay, "\(atHigh) vs \(row.queriesPerDay)")
        // What fills the budget at the high end is what `fleet` fits there, each replica that
        // `fleet` would run past its power limit at the limit, serving that much fewer queries
        // (`Capacity.throttled`; `fleet` itself does not cap a draw the band pushes past it).
        let filled = try Self.fleet(w, queriesPerDay: atHigh, ratio: band.ratioHigh)
        let limit = try Estimator().deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm")).powerLimitWallWatts
        let atLimit = Capacity.facilityWatts(Capacity.throttled(filled, limits: ["d": limit]), scale: 1) / 1e6
        #expect(atLimit <= 1 + 1e-9, "\(atLimit) MW")
    }

    /// A calibration other than the bundled one has no band, and no range.
    @Test func noBandNoRange() throws {
        var c = CoefficientFile.bundled
        c.capHoldFraction = 0.9
        let e = Estimator(calibration: c)
        let w = try readWorkload(CapacityAndDiagnosisTests.oneClassFleet)
        let row = try #require(try Capacity(workload: w, runner: FleetRunner(estimator: e, dataDirectory: nil), budgetMegawatts: 1,
                                            gpus: [nil], caps: [nil]).rows.first)
        #expect(row.band == nil)
    }

    /// `seed` re-draws the rows as `fleet`'s does: the workload's own by default, another moves
    /// the figures, and the fleet at the row's traffic on that seed has the row's GPUs.
    @Test func aSeedRedrawsTheRows() throws {
        let w = try readWorkload(Self.drawnFleet)
        func row(_ seed: UInt64?) throws -> Capacity.Row {
            try #require(try Capacity(workload: w, runner: Self.runner, budgetMegawatts: 1, gpus: [nil], caps: [nil], seed: seed).rows.first)
        }
        let own = try row(nil), same = try row(w.seed), other = try row(7)
        #expect(own.queriesPerDay == same.queriesPerDay && own.gpus == same.gpus)
        #expect(other.queriesPerDay != own.queriesPerDay)
        let f = try Self.fleet(w, queriesPerDay: other.queriesPerDay, ratio: 1, seed: 7)
        #expect(f.gpus == other.gpus, "\(f.gpus) vs \(other.gpus)")
    }

    /// The sampling half-widths are stated and hold what re-drawing moves: over 12 seeds the
    /// spread of queries a day and GPUs is within the stated 95 % half-width, read as 1.96 standard
    /// deviations, to a factor of 2.5 (12 seeds pin a standard deviation to about ±40 %); the GPUs
    /// move less than the queries a day. Too few draws for a batch gives no GPUs figure.
    @Test func theSamplingErrorIsWhatReDrawingMoves() throws {
        let w = try readWorkload(Self.drawnFleet)
        let rows = try (1...12).map { s in
            try #require(try Capacity(workload: w, runner: Self.runner, budgetMegawatts: 1, gpus: [nil], caps: [nil], seed: UInt64(s)).rows.first)
        }
        func relativeSD(_ xs: [Double]) -> Double {
            let m = xs.reduce(0, +) / Double(xs.count)
            return (xs.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(xs.count - 1)).squareRoot() / m
        }
        let queries = rows.compactMap(\.queriesSamplingHalfWidth), gpus = rows.compactMap(\.gpusSamplingHalfWidth)
        #expect(queries.count == rows.count && gpus.count == rows.count)
        let statedQueries = queries.reduce(0, +) / Double(queries.count) / 1.96, statedGPUs = gpus.reduce(0, +) / Double(gpus.count) / 1.96
        let movedQueries = relativeSD(rows.map(\.queriesPerDay)), movedGPUs = relativeSD(rows.map { Double($0.gpus) })
        #expect(movedQueries < 2.5 * statedQueries && movedQueries > statedQueries / 2.5, "queries: moved \(movedQueries), stated \(statedQueries)")
        #expect(movedGPUs < 2.5 * statedGPUs, "GPUs: moved \(movedGPUs), stated \(statedGPUs)")
        #expect(statedGPUs < statedQueries)
        let few = try #require(try Capacity(workload: w, runner: Self.runner, budgetMegawatts: 1, gpus: [nil], caps: [nil], samples: 200).rows.first)
        #expect(few.gpusSamplingHalfWidth == nil && few.queriesSamplingHalfWidth != nil)
    }

    /// `power` at the band's ends, as `estimate` builds its range: the GPUs' power × the band's
    /// ends (each GPU at most its limit), host and idle power, duty cycle and PUE as given.
    @Test(arguments: [(1, "meta-llama/Llama-3.1-8B-Instruct", 1), (64, "meta-llama/Llama-3.1-70B-Instruct", 4)])
    func powerAtTheBandsEnds(batch: Int, model: String, gpus: Int) throws {
        let e = Estimator()
        let d = try e.deployment(DeploymentRequest(model: model, gpu: "h100-sxm", gpus: gpus, tensorParallel: gpus))
        let plan = try PowerPlan(estimator: e, deployment: d, inputs: .init(batch: batch, inputTokens: 1000, outputTokens: 200, dutyCycle: 0.5))
        let r = try #require(plan.range), band = try #require(e.errorBand(for: "h100-sxm"))
        let q = try QueryEstimate(estimator: e, deployment: d, request: ServingRequest(batch: batch, inputTokens: 1000, outputTokens: 200),
                                  settings: try LedgerSettings())
        // The same band as estimate's range.
        #expect(try #require(q.range).band == band && r.band == band)
        let host = (plan.totalWatts - plan.gpuWatts / d.node.psuEfficiency)
        #expect(approx(r.totalWattsLow, host + plan.gpuWatts * band.ratioLow / d.node.psuEfficiency, rel: 1e-9))
        let unheld = host + plan.gpuWatts * band.ratioHigh / d.node.psuEfficiency
        #expect(approx(r.totalWattsHigh, min(unheld, plan.peakWatts), rel: 1e-9), "\(r.totalWattsHigh) vs \(unheld), peak \(plan.peakWatts)")
        #expect(r.totalWattsLow < plan.totalWatts && plan.totalWatts < r.totalWattsHigh && r.totalWattsHigh <= plan.peakWatts * (1 + 1e-9))
        #expect(r.annualKilowattHoursLow < plan.annualKilowattHours && plan.annualKilowattHours < r.annualKilowattHoursHigh)
        // Half the year serving, half idle: the kWh move by half the wall watts' move.
        #expect(approx(r.annualKilowattHoursHigh - plan.annualKilowattHours, (r.totalWattsHigh - plan.totalWatts) * 0.5 * 8.76 * plan.inputs.pue, rel: 1e-9))
        #expect(plan.text().contains("  range              ") && plan.assumptions.contains { $0.hasPrefix("range: ") })
    }

    /// A calibration other than the bundled one has no band, and no range.
    @Test func noBandNoPowerRange() throws {
        var c = CoefficientFile.bundled
        c.capHoldFraction = 0.9
        let e = Estimator(calibration: c)
        let d = try e.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm", gpus: 1))
        let plan = try PowerPlan(estimator: e, deployment: d, inputs: .init(batch: 8, inputTokens: 1000, outputTokens: 200))
        #expect(plan.range == nil && plan.assumptions.contains { $0.hasPrefix("no range: ") })
    }

    /// The band multiplies the scenario's own GPU-energy scale: replacing it with the band's end
    /// put a × 1.6 scenario's band below its own busy MW.
    @Test func theBandMultipliesTheScenariosOwnScale() throws {
        let text = CapacityAndDiagnosisTests.oneClassFleet.replacingOccurrences(of: #""headroom": 0,"#,
                                                                               with: #""headroom": 0, "uncertain": {"gpuEnergyScale": {"fixed": 1.6}},"#)
        let w = try readWorkload(text)
        let row = try #require(try Capacity(workload: w, runner: Self.runner, budgetMegawatts: 1, gpus: [nil], caps: [nil]).rows.first)
        let range = try #require(row.band)
        #expect(range.busyFacilityMegawattsLow < row.busyFacilityMegawatts, "\(range) \(row.busyFacilityMegawatts)")
        // The high end is held at the replicas' worst case, which a × 1.6 draw may already pass.
        #expect(range.busyFacilityMegawattsHigh >= row.busyFacilityMegawatts || range.highAtWorstCase, "\(range) \(row.busyFacilityMegawatts)")
    }
}
