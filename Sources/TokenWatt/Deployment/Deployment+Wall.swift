import KernelPower

extension Deployment {
    /// The most a GPU of this deployment may draw: its cap where one is set, else its TDP.
    public var powerLimitWatts: Double { powerCap?.watts ?? gpu.tdp.watts }

    /// The deployment's worst case at the wall: every GPU at its power limit and every host busy,
    /// through the node's PSU. `power` prints it beside the busy draw and `capacity
    /// --sizing worst-case` sizes sites on it; one formula serves both, because a site sized on one
    /// figure and checked against another would disagree (a 4-H100 replica of a 70B model:
    /// 3,368 W busy, 4,000 W worst case).
    public var worstCaseWallWatts: Double {
        let hostPerGPU = node.hostActivePower.watts / Double(node.gpuCount)
        return (powerLimitWatts + hostPerGPU) * Double(gpuCount) / node.psuEfficiency
    }
}
