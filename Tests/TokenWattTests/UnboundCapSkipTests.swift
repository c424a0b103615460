import Testing
@testable import TokenWatt

extension SettingCaveatsTests {
    /// `unboundCaps` checks only a cap below TDP with the clock free (`mayHaveUnboundCap`): the
    /// deployment that `aFleetSaysAnUnboundCapDoesNotBind` finds unbound at 650 W is passed over
    /// uncapped, capped at its TDP (700 W on the H200) and with a locked clock beside the cap, as
    /// it was before the check moved into the loop's condition. Were the check dropped, each of
    /// these would be listed unbound: no step reaches 650 W at the free clock, so none reaches
    /// 700 W or does at a lower clock (reasoned, not run against a broken check).
    @Test(arguments: [#""maxBatch": 128"#, #""maxBatch": 128, "powerCapWatts": 700"#,
                      #""maxBatch": 128, "powerCapWatts": 650, "smClockMHz": 1590"#])
    func unboundCapsPassOverDeploymentsWithoutACapBelowTDP(setting: String) throws {
        let (_, r) = try fleet(#"{"name": "d", "model": "Qwen/Qwen3-30B-A3B", "gpu": "h200", "gpus": 1, \#(setting)}"#)
        #expect(r.unboundCapDeployments.isEmpty, "\(setting): \(r.unboundCapDeployments)")
    }
}
