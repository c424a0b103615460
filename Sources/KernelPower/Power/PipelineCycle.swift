/// Pipeline parallelism at steady state: every stage runs every microbatch once per cycle, and a
/// microbatch's next pass can start only when it has left the last stage. The cycle is the longer
/// of the busiest stage's work and the slowest microbatch's trip through all stages; a stage
/// idles for the rest of it.
extension PassEstimator {
    /// One cycle per GPU, averaged over the stages, from `runs[stage][microbatch]`.
    public func pipelineCycle(_ runs: [[PassEstimate]]) -> PassEstimate {
        let stages = runs.count
        let busy = runs.map { $0.reduce(0) { $0 + $1.time.seconds } }
        let trips = (0..<(runs.first?.count ?? 0)).map { i in runs.reduce(0) { $0 + $1[i].time.seconds } }
        let cycle = max(busy.max() ?? 0, trips.max() ?? 0)
        let requested = runs.first?.first?.requestedClock ?? gpu.boostClock
        let idle = gpu.idle(at: requested)
        var energy = 0.0, gap = 0.0, kernelBusy = 0.0, clockTime = 0.0
        var activity = Activity()
        var shares: [Bound: Double] = [:]
        for (s, stage) in runs.enumerated() {
            let wait = cycle - busy[s], waiting = (idle * Time.seconds(wait)).joules
            energy += stage.reduce(0) { $0 + $1.energy.joules } + waiting
            gap += stage.reduce(0) { $0 + $1.gapEnergy.joules } + waiting
            kernelBusy += stage.reduce(0) { $0 + $1.busyTime.seconds }
            clockTime += stage.reduce(0) { $0 + $1.clock.si * $1.time.seconds } + requested.si * wait
            for run in stage {
                activity += run.activity
                for (bound, share) in run.timeShare { shares[bound, default: 0] += share * run.time.seconds }
            }
        }
        let gpuTime = Double(stages) * cycle
        let meanClock = gpuTime > 0 ? Frequency(si: clockTime / gpuTime) : requested
        let perGPU = activity * (1 / Double(max(1, stages)))
        return PassEstimate(
            time: .seconds(cycle), energy: .joules(energy / Double(stages)), clock: meanClock, requestedClock: requested,
            powerLimited: runs.joined().contains { $0.powerLimited }, gapEnergy: .joules(gap / Double(stages)),
            busyTime: .seconds(kernelBusy / Double(stages)),
            hostTime: .seconds(runs.map { $0.reduce(0) { $0 + $1.hostTime.seconds } }.max() ?? 0),
            activity: perGPU, dutyCycles: dutyCycles(perGPU, time: cycle, clock: meanClock),
            timeShare: gpuTime > 0 ? shares.mapValues { $0 / gpuTime } : [:],
            idleShare: gpuTime > 0 ? max(0, 1 - kernelBusy / gpuTime) : 0,
            kernelCount: runs.joined().reduce(0) { $0 + $1.kernelCount } / max(1, stages))
    }
}
