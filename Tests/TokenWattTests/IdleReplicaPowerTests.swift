import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// An idle replica keeps its model loaded and its CUDA context alive, so its GPUs draw the
/// catalog's idle power at their boost (or locked) clock, not a bare GPU's at the lowest clock.
@Suite struct IdleReplicaPowerTests {
    let estimator = Estimator()

    func deployment(_ gpu: String, clock: Double? = nil) throws -> Deployment {
        try estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: gpu, smClockMHz: clock))
    }

    /// The H100's idle table gives 120.1 W at 1980 MHz, within 2 W of the 121.7 W measured with a
    /// context (arXiv 2605.23918); the lowest clock's 72.8 W is a bare GPU's and had been charged.
    @Test func anIdleH100IsPricedWithItsContextAlive() throws {
        let d = try deployment("h100-sxm")
        #expect(d.idleClock == d.gpu.boostClock)
        let gpuWatts = d.gpu.idle(at: d.idleClock).watts
        #expect(abs(gpuWatts - 121.7) < 2, "\(gpuWatts)")
        let hostIdle = d.node.hostIdlePower.watts / Double(d.node.gpuCount)
        #expect(approx(d.idleWallPower.watts, (gpuWatts + hostIdle) / d.node.psuEfficiency, rel: 1e-12))
    }

    /// A locked clock holds the idle GPU there too: lower than boost, less idle power.
    @Test func aLockedClockHoldsTheIdleGPUThere() throws {
        let boost = try deployment("h100-sxm"), locked = try deployment("h100-sxm", clock: 900)
        #expect(locked.idleClock == .megahertz(900))
        #expect(locked.idleWallPower.watts < boost.idleWallPower.watts - 30)
    }

    /// The ledger, the fleet's surface and `power` read one idle figure.
    @Test func everyIdleFigureIsTheDeployments() throws {
        for gpu in ["h100-sxm", "a100-sxm-80gb", "b200", "mi300x"] {
            let d = try deployment(gpu)
            let surface = try ServingSurface(estimator: estimator, deployment: d, maxBatch: 8, tokenBudget: 8192,
                                             meanResidentTokens: 1000, meanOutput: 200)
            #expect(surface.idleWallPower == d.idleWallPower.watts, "\(gpu)")
            let plan = try PowerPlan(estimator: estimator, deployment: d, inputs: .init(batch: 8, inputTokens: 500, outputTokens: 200))
            #expect(plan.idleWatts == d.idleWallPower.watts, "\(gpu)")
            let q = try QueryEstimate(estimator: estimator, deployment: d, request: ServingRequest(batch: 8, inputTokens: 500, outputTokens: 200),
                                      settings: LedgerSettings(utilization: .busyFraction(0.5)))
            let idle = try #require(q.ledger.items.first { $0.item == "provisioned-idle" })
            #expect(idle.basis.contains(formatNumber(d.idleWallPower.watts / Double(d.gpuCount), significant: 4)), "\(gpu): \(idle.basis)")
        }
    }
}
