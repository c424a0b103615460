import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// What a facility engineer sizes a feed on (a 2026-12-07 probe): `power` gave an estimated worst
/// case with no word of the node's rated maximum and sized "PSU capacity" on it; `capacity
/// --sizing worst-case` called its draw one no draw exceeds, below the servers' nameplate; facility
/// MW were at the annual-mean PUE with nothing said; `estimate` labelled a deployment's wall power
/// as one node's.
@Suite struct FacilityPowerTests {
    static func plan(gpus: Int, cap: Double? = nil) throws -> PowerPlan {
        let e = Estimator()
        var r = DeploymentRequest(model: "meta-llama/Llama-3.1-70B-Instruct", gpu: "h100-sxm", gpus: gpus, tensorParallel: gpus)
        r.powerCapWatts = cap
        return try PowerPlan(estimator: e, deployment: try e.deployment(r), inputs: .init(batch: 64, inputTokens: 1000, outputTokens: 200))
    }

    /// A DGX H100 is rated 10,200 W at the wall: the circuit is sized on that, not on the 8,000 W
    /// worst case (10,000 W), nor on a cap's lower worst case (6,842 W at 400 W), which bounds
    /// neither boot nor transients.
    @Test func powerSizesTheCircuitOnTheRatedMaximumWhereItIsLarger() throws {
        let p = try Self.plan(gpus: 8)
        #expect(approx(p.ratedMaximumWatts, 10_200) && approx(p.peakWatts, 8000, rel: 1e-6))
        #expect(approx(p.recommendedPSUWatts, 12_750))
        #expect(approx(p.peakCoolingBTUPerHour, p.peakWatts * 3.412) && approx(p.coolingBTUPerHour, p.totalWatts * 3.412))
        let capped = try Self.plan(gpus: 8, cap: 400)
        #expect(capped.peakWatts < 7000 && approx(capped.recommendedPSUWatts, 12_750))
        let text = p.text()
        #expect(text.contains("rated maximum      10200 W (dgx-h100: 10200 W rated system maximum, AC at the wall)"), "\(text)")
        #expect(text.contains("supply circuit     12750 W (1.25 × the rated maximum, above the worst case") && !text.contains("PSU capacity"), "\(text)")
        #expect(text.contains("BTU/h while serving") && text.contains("BTU/h at the worst case"))
        #expect(!p.assumptions.contains { $0.contains("recommended PSU capacity") })
        let json = JSONWriter().write(p.specJSON())
        #expect(json.contains("\"ratedMaximumWatts\"") && json.contains("\"supplySizingWatts\"") && json.contains("\"ratedMaximumBasis\""))
    }

    /// A deployment on part of a node is charged its share of the rating, and says so.
    @Test func partOfANodeIsChargedItsShareOfTheRating() throws {
        let p = try Self.plan(gpus: 4)
        #expect(approx(p.ratedMaximumWatts, 5100) && approx(p.ratedMaximumShare, 0.5))
        #expect(approx(p.recommendedPSUWatts, max(p.peakWatts, 5100) * 1.25))
        #expect(p.text().contains("4 of dgx-h100's 8 GPUs: 4/8 of its 10200 W rated system maximum"), "\(p.text())")
    }

    /// Beyond one node the rating is whole servers', as fleet and capacity --sizing nameplate count
    /// them: 12 H100s (tp 4, three replicas) sit in 2 DGX H100, 20,400 W, not 1.5 × 10,200.
    @Test func severalNodesAreChargedWholeServers() throws {
        let e = Estimator()
        let d = try e.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-70B-Instruct", gpu: "h100-sxm", gpus: 12, tensorParallel: 4))
        let p = try PowerPlan(estimator: e, deployment: d, inputs: .init(batch: 64, inputTokens: 1000, outputTokens: 200))
        #expect(approx(p.ratedMaximumShare, 2) && approx(p.ratedMaximumWatts, 20400), "\(p.ratedMaximumWatts)")
        #expect(p.text().contains("12 GPUs on 2 8-GPU dgx-h100 nodes: 2 × its 10200 W rated system maximum"), "\(p.text())")
    }

    /// A DC sum is taken at the wall through the PSU: a GH200 node's 1,250 W is 1,316 W there,
    /// above the 1,263 W worst case it had read below.
    @Test func aDCSumIsRatedAtTheWall() throws {
        let e = Estimator()
        let d = try e.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "gh200", gpus: 1))
        let p = try PowerPlan(estimator: e, deployment: d, inputs: .init(batch: 8, inputTokens: 1000, outputTokens: 200))
        #expect(approx(p.ratedMaximumWatts, 1250 / 0.95) && p.ratedMaximumWatts > p.peakWatts)
        #expect(p.text().contains("sum of its parts' DC maxima"))
    }

    static func fleet(_ extra: String = "") throws -> FleetResult {
        let text = CapacityAndDiagnosisTests.oneClassFleet.replacingOccurrences(of: "\"pue\": 1.3,", with: "\"pue\": 1.3,\(extra)")
        return try #require(try FleetRunner(dataDirectory: nil).run(readWorkload(text)).first)
    }

    /// `peakPUE` takes the peak, busiest-hour and worst-case facility MW; the day's energy stays
    /// at the mean PUE. Without it the figures are as before and a note says they are at the mean.
    @Test func peakPUETakesTheFacilityMegawattsAndNotTheEnergy() throws {
        let mean = try Self.fleet(), hot = try Self.fleet(" \"peakPUE\": 1.5,")
        #expect(approx(mean.facilityMegawatts, mean.megawatts * 1.3) && approx(hot.facilityMegawatts, hot.megawatts * 1.5))
        #expect(approx(hot.gwhPerDay, mean.gwhPerDay) && approx(hot.megawatts, mean.megawatts))
        let busiest = try #require(mean.busiestHourFacilityMegawatts), hotBusiest = try #require(hot.busiestHourFacilityMegawatts)
        #expect(approx(busiest, mean.hourlyMegawatts.max() ?? 0) && approx(hotBusiest, busiest * 1.5 / 1.3))
        #expect(mean.notes.contains { $0.contains("at the PUE's annual mean (1.3)") && $0.contains("set the scenario's peakPUE") }, "\(mean.notes)")
        #expect(hot.notes.contains { $0.contains("at the scenario's peakPUE 1.5") })
    }

    /// A peakPUE below the scenario's fixed PUE, or on a scenario with no fleet of its own, is refused naming the field.
    @Test(arguments: [" \"peakPUE\": 1.2,", " \"peakPUE\": 0.9,"])
    func aPeakPUEBelowThePUEIsRefused(_ extra: String) {
        #expect(throws: (any Error).self) { try Self.fleet(extra) }
        do { _ = try Self.fleet(extra) } catch { #expect("\(error)".contains("peakPUE"), "\(error)") }
    }

    /// A scenario that gives no pue runs at the default (1.54 here, no operator): a peakPUE below
    /// it is refused too (it had been checked against a given pue only, so 1.05 lowered the peak).
    @Test func aPeakPUEBelowTheDefaultPUEIsRefused() throws {
        let text = CapacityAndDiagnosisTests.oneClassFleet.replacingOccurrences(of: "\"pue\": 1.3,", with: "\"peakPUE\": 1.05,")
        #expect(!text.contains("\"pue\""))
        do {
            _ = try readWorkload(text)
            Issue.record("a peakPUE below the default PUE was accepted")
        } catch {
            #expect("\(error)".contains("peakPUE") && "\(error)".contains("default PUE, 1.54"), "\(error)")
        }
    }

    /// The worst-case note gives the servers' nameplate: whole DGX H100 at 10,200 W.
    @Test func fleetGivesTheServersNameplateBesideTheWorstCase() throws {
        let f = try Self.fleet(), nodes = try #require(f.nodes)
        let nameplate = Double(nodes) * 10_200 / 1e6
        #expect(f.notes.contains { $0.contains("rated maximum (nameplate") && $0.contains("\(formatNumber(nameplate, significant: 3)) MW at the wall") },
                "\(f.notes)")
    }

    /// `capacity --sizing nameplate` holds the budget against the servers' rating, above the
    /// worst case; the worst case no longer claims no draw exceeds it.
    @Test func capacitySizesOnTheNameplate() throws {
        let w = try readWorkload(CapacityAndDiagnosisTests.oneClassFleet), runner = FleetRunner(dataDirectory: nil)
        let busy = try #require(try Capacity(workload: w, runner: runner, budgetMegawatts: 1, gpus: [nil], caps: [nil]).rows.first)
        let plate = try Capacity(workload: w, runner: runner, budgetMegawatts: 1, gpus: [nil], caps: [nil], sizing: .nameplate)
        let row = try #require(plate.rows.first)
        #expect(busy.nameplateFacilityMegawatts > busy.worstCaseFacilityMegawatts, "\(busy.nameplateFacilityMegawatts)")
        #expect(row.nameplateFacilityMegawatts <= 1 + 1e-9 && row.queriesPerDay < busy.queriesPerDay)
        #expect(plate.text().contains("--sizing nameplate") && plate.text().contains("nameplate MW"))
        #expect(!Capacity.sizedOnWords(.worstCase).contains("which no draw of the fleet exceeds"))
        #expect(plate.notes.contains { $0.contains("annual mean") && $0.contains("peakPUE") }, "\(plate.notes)")
    }

    /// A rack-scale server filled in part says how much of its host power is left out.
    @Test func aPartlyFilledRackSaysSo() throws {
        let rack = try GPUCatalog.bundled.node("gb300-nvl72")
        let notes = KernelFleet.rackScaleNotes([ServerUse(deployment: "d", node: rack, gpus: 182, classes: [])])
        #expect(notes.count == 1 && notes[0].contains("182 GPUs fill 3 racks of 72") && notes[0].contains("182/72 = 2.53"), "\(notes)")
        #expect(KernelFleet.rackScaleNotes([ServerUse(deployment: "d", node: rack, gpus: 144, classes: [])]).isEmpty)
        let dgx = try GPUCatalog.bundled.node("dgx-h100")
        #expect(KernelFleet.rackScaleNotes([ServerUse(deployment: "d", node: dgx, gpus: 12, classes: [])]).isEmpty)
    }

    /// `estimate`'s wall power is the deployment's, labelled so (it read "node 899 W at the wall").
    @Test func estimateLabelsTheDeploymentsWallPower() throws {
        let e = Estimator()
        let d = try e.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm", gpus: 1))
        let q = try QueryEstimate(estimator: e, deployment: d, request: ServingRequest(batch: 8, inputTokens: 1000, outputTokens: 200),
                                  settings: try LedgerSettings())
        #expect(q.rateWords.contains("W at the wall for 1 GPU with the nodes' share") && !q.rateWords.contains("node "), "\(q.rateWords)")
    }

    /// The default PUE's source does not call a falling figure flat.
    @Test func theDefaultPUESourceIsNotSelfContradictory() {
        let source = FacilityCatalog.bundled.defaultPUE.source
        #expect(!source.contains("flat for") && source.contains("1.56 in the 2024 survey"))
    }
}
