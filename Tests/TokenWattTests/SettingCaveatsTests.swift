import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// What a locked clock or a power cap needs said reaches every command that prices one
/// (`SettingCaveats`): a 2026-12-07 DVFS probe found the assumed-floor note of a cap on a B200
/// only in `estimate`, the clock-range and error-band notes of a scenario at 600 MHz missing from
/// `fleet` and `power`, `tune`'s JSON without the decode upper-bound caveat its text prints, and
/// `estimate` saying of a 650 W cap no step reaches what `sweep` says does not hold.
@Suite struct SettingCaveatsTests {
    static let estimator = Estimator()
    static let llama8B = "meta-llama/Llama-3.1-8B-Instruct"

    func plan(_ gpu: String, cap: Double? = nil, clock: Double? = nil) throws -> PowerPlan {
        let d = try Self.estimator.deployment(DeploymentRequest(model: Self.llama8B, gpu: gpu, smClockMHz: clock, powerCapWatts: cap))
        return try PowerPlan(estimator: Self.estimator, deployment: d, inputs: .init(batch: 32, inputTokens: 1000, outputTokens: 500))
    }

    func fleet(_ deployment: String, levers: String = "") throws -> (Workload, FleetResult) {
        let w = try readWorkload(kernelWorkload(classes: chatClass(output: #"{"fixed": 500}"#), extra: levers, deployment: deployment))
        return (w, try FleetRunner(dataDirectory: nil).run(w, samples: 200)[0])
    }

    static func deployment(_ gpu: String, _ setting: String) -> String {
        #"{"name": "d", "model": "\#(llama8B)", "gpu": "\#(gpu)", "gpus": 1, "maxBatch": 32, \#(setting)}"#
    }

    // MARK: - power

    /// `power` carries the notes `estimate` gives the same deployment, in its text and JSON.
    @Test func powerSaysTheFloorAndTheClockRange() throws {
        let capped = try plan("b200", cap: 400)
        let floor = try #require(capped.assumptions.first { $0.contains("accepted against an assumed floor") })
        #expect(floor.contains("b200's lowest cap of 200 W is not published"), "\(floor)")
        #expect(capped.text().contains(floor) && JSONWriter().write(capped.specJSON()).contains("assumed floor"))
        let locked = try plan("h100-sxm", clock: 600)
        #expect(locked.assumptions.contains { $0.hasPrefix("600 MHz is below the clocks measured") }, "\(locked.assumptions)")
        #expect(locked.assumptions.contains(DecodeClockCaveat.rangeAtDefaultSettings))
        #expect(!(try plan("h100-sxm", cap: 400)).assumptions.contains { $0.contains("assumed floor") }, "the H100's floor is published")
    }

    // MARK: - fleet and report

    /// A scenario that runs capped on an assumed floor, or at a clock below those measured, says
    /// so once, with the error band's settings; a cap lever on such a floor says so too.
    @Test func aFleetScenarioAndItsLeversSayTheirSettings() throws {
        let (w, capped) = try fleet(Self.deployment("b200", #""powerCapWatts": 400"#))
        #expect(capped.notes.contains { $0.hasPrefix("the 400 W power cap is accepted against an assumed floor") }, "\(capped.notes)")
        #expect(capped.notes.contains { $0.hasPrefix("the scenario runs at a locked clock or a cap below TDP") && $0.hasSuffix(DecodeClockCaveat.rangeAtDefaultSettings) })
        let md = try WorkloadReport.build(w, name: "t", source: "w.json", runner: FleetRunner(dataDirectory: nil), accountant: TestCatalogs.accountant)
            .files()[0].text
        #expect(md.contains("accepted against an assumed floor"), "the report lists the scenario's notes")

        let (_, locked) = try fleet(Self.deployment("h100-sxm", #""smClockMHz": 600"#))
        #expect(locked.notes.contains { $0.hasPrefix("600 MHz is below the clocks measured") }, "\(locked.notes)")
        #expect(locked.notes.contains { $0.hasSuffix(DecodeClockCaveat.rangeAtDefaultSettings) })

        let (_, levers) = try fleet(Self.deployment("b200", #""precision": "bf16""#), levers: #""levers": [{"name": "cap 400", "powerCapWatts": 400}]"#)
        #expect(levers.notes.contains { $0.hasPrefix("lever cap 400: the 400 W power cap is accepted against an assumed floor") }, "\(levers.notes)")
        #expect(!levers.notes.contains { $0.hasPrefix("the 400 W power cap") }, "the baseline runs uncapped")
    }

    /// A scenario at its GPU's default settings says none of it.
    @Test func aDefaultScenarioSaysNothingOfSettings() throws {
        let (_, r) = try fleet(Self.deployment("b200", #""precision": "bf16""#))
        #expect(!r.notes.contains { $0.contains("assumed floor") || $0.contains("locked clock or a cap below TDP") }, "\(r.notes)")
    }

    // MARK: - estimate against sweep

    /// A cap no step reaches gives the uncapped figures: `estimate` says so in `sweep`'s words,
    /// not that the band's runs ran at another setting.
    @Test func estimateSaysAnUnboundCapDoesNotBind() throws {
        let d = try Self.estimator.deployment(DeploymentRequest(model: "Qwen/Qwen3-30B-A3B", gpu: "h200", powerCapWatts: 650))
        let e = try QueryEstimate(estimator: Self.estimator, deployment: d, request: ServingRequest(batch: 128, inputTokens: 1000, outputTokens: 500),
                                  settings: try LedgerSettings())
        #expect(!e.serving.powerLimited)
        let note = try #require(e.assumptions.first { $0.contains("cap does not bind") })
        #expect(note.hasPrefix("the 650 W cap does not bind") && note.hasSuffix("the range holds as at TDP"))
        #expect(e.caveats.contains(note) && !e.assumptions.contains(DecodeClockCaveat.rangeAtDefaultSettings))
        #expect(SettingCaveats.rangeNote(d, e.serving, band: true) == note)
    }

    /// Without a range (a user calibration, a GPU without a band) the unbound cap's note says
    /// nothing of one: it had read "the range holds as at TDP" beside "no range".
    @Test func anUnboundCapSaysNoRangeWhereThereIsNone() throws {
        let d = try Self.estimator.deployment(DeploymentRequest(model: "Qwen/Qwen3-30B-A3B", gpu: "h200", powerCapWatts: 650))
        let s = try Self.estimator.serve(d, ServingRequest(batch: 128, inputTokens: 1000, outputTokens: 500))
        let note = try #require(SettingCaveats.rangeNote(d, s, band: false))
        #expect(note.hasPrefix("the 650 W cap does not bind") && !note.contains("range"), "\(note)")
    }

    /// A fleet scenario capped where no step reaches the cap says so as `estimate` does, not that
    /// its band's runs ran at other settings (a review found `fleet` and `estimate` saying opposite things).
    @Test func aFleetSaysAnUnboundCapDoesNotBind() throws {
        let (_, r) = try fleet(#"{"name": "d", "model": "Qwen/Qwen3-30B-A3B", "gpu": "h200", "gpus": 1, "maxBatch": 128, "powerCapWatts": 650}"#)
        #expect(r.unboundCapDeployments == ["d"])
        #expect(r.notes.contains { $0.hasPrefix("the 650 W cap does not bind: no step reaches it, so the figures are the uncapped ones and the range holds as at TDP") }, "\(r.notes)")
        #expect(!r.notes.contains { $0.contains("locked clock or a cap below TDP") }, "\(r.notes)")
        let (_, bound) = try fleet(Self.deployment("b200", #""powerCapWatts": 400"#))
        #expect(bound.unboundCapDeployments.isEmpty, "a 400 W cap binds on a B200")
    }

    /// Every command that prices a deployment lists the cut tensor rate with the clock and cap notes.
    @Test func theSettingNotesCarryACutTensorRate() throws {
        let d = try Self.estimator.deployment(DeploymentRequest(model: Self.llama8B, gpu: "b300", precision: .int8))
        #expect(SettingCaveats.notes(d).contains { $0.hasPrefix("b300 runs INT8 matrix math at") }, "\(SettingCaveats.notes(d))")
        let plan = try PowerPlan(estimator: Self.estimator, deployment: d, inputs: .init(batch: 32, inputTokens: 1000, outputTokens: 500))
        #expect(plan.assumptions.contains { $0.hasPrefix("b300 runs INT8 matrix math at") }, "power says it too")
    }

    /// The error band's high end in `capacity` is held at the physical ceiling (GPUs at their
    /// limit), not at a locked clock's model bound, which is the power model's own figure.
    @Test func thePowerLimitCeilingIsNotTheModelBound() throws {
        let d = try Self.estimator.deployment(DeploymentRequest(model: Self.llama8B, gpu: "h100-sxm", smClockMHz: 600))
        #expect(d.worstCaseWallWatts(Self.estimator) < d.powerLimitWallWatts)
        let host = d.node.hostActivePower.watts / Double(d.node.gpuCount)
        #expect(abs(d.powerLimitWallWatts - (700 + host) / d.node.psuEfficiency) < 1e-9)
    }

    // MARK: - tune

    /// The decode pick's upper-bound caveat, printed in the text, is in the JSON too; a pick at a
    /// clock below those measured says it is an extrapolation, in the text and the JSON.
    @Test func tunePicksCarryTheirCaveatsInTextAndJSON() throws {
        let t = try Tuning(estimator: Self.estimator, base: DeploymentRequest(model: Self.llama8B, gpu: "h100-sxm"),
                           serving: ServingRequest(batch: 8, inputTokens: 1000, outputTokens: 500), targets: Tuning.Targets())
        let decode = try #require(t.bestDecode)
        #expect(decode.knob == .clock && decode.value == 600, "\(Tuning.label(decode))")
        guard case let .array(notes)? = t.json()["pickNotes"] else { Issue.record("pickNotes is not an array"); return }
        let words = notes.compactMap { if case let .string(s) = $0 { s } else { nil } }
        let bound = try #require(words.first { $0.hasSuffix("read it as an upper bound") }, "\(words)")
        let range = try #require(words.first { $0.hasPrefix("600 MHz is below the clocks measured") }, "\(words)")
        #expect(t.text().contains("note: \(bound)") && t.text().contains("note: \(range)"))
        #expect(t.points.first { $0.knob == .clock && $0.value == 1980 }?.clockRangeNote == nil)
    }
}
