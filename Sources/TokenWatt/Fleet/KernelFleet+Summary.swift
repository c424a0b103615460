import Foundation
import KernelPower

extension KernelFleet {
    /// The measured error band of each GPU the scenario serves on; none under a calibration other
    /// than the bundled one, which the bands measure.
    func estimatorError(_ surfaces: [ServingSurface]) -> [GPUErrorBand] {
        let gpus = surfaces.map(\.deployment.gpu.id).uniqued()
        return gpus.compactMap { gpu in estimator.errorBand(for: gpu).map { GPUErrorBand(gpu: gpu, band: $0) } }
    }

    /// The bands in words beside the GPU-energy uncertainty the scenario draws, so a reader sees
    /// whether the spread includes that error.
    func estimatorErrorNote(_ error: [GPUErrorBand]) -> String? {
        guard !error.isEmpty else { return nil }
        let bands = error.map { e -> String in
            let gpu = e.gpu, b = e.band
            let runs = b.gpu == gpu ? "\(b.runs) runs" : "\(b.runs) runs of \(b.whose)"
            let caveat = (try? estimator.gpus.gpu(gpu)).map { ErrorBands.bundled.caveat(for: $0, catalog: estimator.gpus) } ?? ""
            return "\(gpu) \(QueryRange.ratio(b.ratioLow))–\(QueryRange.ratio(b.ratioHigh)) (\(b.quantiles) of \(runs), median "
                + "\(QueryRange.ratio(b.ratioMedian)); " + (b.leftOut == "none" ? "not checked out of sample"
                    : "it keeps \(formatPercent(b.outOfSampleCoverage, decimals: 0)) of a left-out \(b.leftOut)'s runs")
                + (caveat.isEmpty ? ")" : "; " + caveat + ")")
        }
        let drawn = kernel.gpuEnergyScale.isRandom
            ? "this scenario draws GPU energy × \(kernel.gpuEnergyScale.summary)"
            : "this scenario holds GPU energy as estimated (no uncertain.gpuEnergyScale), so its spread leaves this error out"
        return "estimator error measured by tokenwatt validate, measured ÷ estimated GPU energy per output token: "
            + bands.joined(separator: ", ") + "; " + drawn
    }

    /// Says so when idle provisioned capacity is most of a query's energy: a fleet of whole
    /// replicas for little traffic (0.5 queries a day gave 72,600 Wh per query with nothing said).
    /// The share is of the IT energy, which PUE does not move: of the facility total, a fleet
    /// idle 99.99 % of its IT energy was 33 % at PUE 3 and said nothing.
    static func mostlyIdleNote(_ ledger: [LedgerItem], gpus: Int, queriesPerDay: Double) -> String? {
        let it = ledger.filter { $0.boundary <= .it }.reduce(0) { $0 + $1.energy.joules }
        guard it > 0, let idle = ledger.first(where: { $0.item == "provisioned-idle" })?.energy.joules, idle > 0.5 * it else { return nil }
        return "idle provisioned capacity is \(formatPercent(idle / it)) of the mean query's IT energy: \(gpus) GPU\(gpus == 1 ? "" : "s") of whole replicas "
            + "for \(formatNumber(queriesPerDay, significant: 3)) queries a day sit mostly idle, and each query carries their idle draw"
    }

    /// What a day of no queries prices: no fleet is sized, so its query carries no idle replicas.
    /// The chat service at 0 queries a day printed 0 GPUs beside 0.146 Wh per query, lower than
    /// the 0.171 of 100 million a day, with no word of why.
    static let noTrafficNote = "no queries a day: no fleet is sized (0 GPUs, no idle capacity), so the Wh per query is that of a query "
        + "on busy replicas alone, without the share of idle provisioned capacity that a served day's queries carry"

    /// Which draw the provisioned peak is, and what the same replicas draw at their worst case
    /// (every GPU at its cap or TDP, the host busy), as `power` gives both: a 2026-12-07 probe
    /// read "provisioned peak 0.81 MW" as the feed to build, where the worst case is 19 % more
    /// on H100 at TDP (3,368 W against 4,000 W per 4-GPU replica). Nil with no fleet.
    /// `lockedClock`: where a locked clock holds a GPU's worst case below its limit, at what (`KernelFleet.lockedClockWorstCase`).
    /// `nameplateWall`: the servers at their rated maximum at the wall (`nameplateWallWatts`), said
    /// beside the worst case, which the power model bounds and boot and transients do not (the
    /// bundled chat service's 229 DGX H100: 2.34 MW rated against 1.83 MW worst case); 0: unsaid.
    static func worstCaseNote(busyWall: Double, worstCaseWall: Double, pue: Double, lockedClock: String? = nil, nameplateWall: Double = 0) -> String? {
        guard busyWall > 0, worstCaseWall > 0 else { return nil }
        let nameplate = nameplateWall > 0
            ? "; the servers' rated maximum (nameplate: boot, fans at full speed and transients reach past the model's worst case) is "
                + "\(formatNumber(nameplateWall / 1e6, significant: 3)) MW at the wall, \(formatNumber(nameplateWall * pue / 1e6, significant: 3)) MW at the "
                + "facility, which `capacity --sizing nameplate` holds a budget against"
            : ""
        return "the provisioned peak is every replica at its mean busy draw (`power`'s \"while serving\"); at their worst case, every GPU at "
            + "its power cap or TDP\(lockedClock.map { ", a GPU at a locked clock at \($0)," } ?? "") and the host busy (`power`'s \"worst case\"), the same replicas draw \(formatNumber(worstCaseWall / 1e6, significant: 3)) MW "
            + "at the wall, \(formatNumber(worstCaseWall * pue / 1e6, significant: 3)) MW at the facility (+\(formatPercent(worstCaseWall / busyWall - 1))); "
            + "`capacity --sizing worst-case` holds a budget against that" + nameplate
    }

    /// Fleet sizing (`sizeClasses`), per-query idle share, statistics, the median query's ledger
    /// and the variance decomposition. Each class is served by its own replicas of its deployment
    /// (`size`).
    func summarize(_ draws: [Sample], classes: [QueryClass], surfaces: [ServingSurface], change: LeverChange? = nil) throws -> FleetResult {
        let perDay = scenario.queriesPerDay
        var fleet = sizeClasses(draws, classes: classes, surfaces: surfaces, change: change)
        let idle = fleet.idlePerOccupancySecond
        let error = estimatorError(surfaces)
        fleet.notes += estimatorErrorNote(error).map { [$0] } ?? []
        fleet.notes += (surfaces.flatMap { PublishedServing.servingCaveats(for: $0.deployment) }
                        + surfaces.compactMap { EightBitExpertsCaveat.note(estimator, $0.deployment) }).uniqued()
        let values = draws.map { value($0, idle: idle[$0.cls]) }, weights = draws.map(\.weight)
        // The quantiles weigh each class by its share as the mean does (drawn as drawn, a 1 %
        // class given 1 of 10 draws had set the P95).
        let stats = QueryStatistics(values, weights: weights)
        let meanPUE = draws.reduce(0) { $0 + $1.weight * $1.pue }
        // The peak's PUE: the hot hours' where the scenario gives it, else the draws' mean (energy stays at the mean).
        let peakPUE = scenario.peakPUE ?? meanPUE
        let mean = draws.isEmpty ? [] : meanLedger(draws, idle: idle)
        if let note = Self.mostlyIdleNote(mean, gpus: fleet.gpus, queriesPerDay: perDay) { fleet.notes.append(note) }
        if perDay == 0, !draws.isEmpty { fleet.notes.append(Self.noTrafficNote) }
        // Replicas of a deployment's classes share its servers: nodes by deployment, not by class.
        let servers = ServerUse.group(fleet.hardware, nodes: Dictionary(zip(classes.map(\.deployment), surfaces.map(\.deployment.node)),
                                                                        uniquingKeysWith: { first, _ in first }),
                                      budgets: Dictionary(zip(classes.map(\.deployment), surfaces.map(\.tokenBudget)), uniquingKeysWith: { first, _ in first }))
        let nodes = servers.reduce(0) { $0 + $1.nodes }
        if let note = Self.worstCaseNote(busyWall: fleet.peakWall, worstCaseWall: fleet.worstCaseWall, pue: peakPUE, lockedClock: lockedClockWorstCase(surfaces),
                                         nameplateWall: Self.nameplateWallWatts(servers)) { fleet.notes.append(note) }
        if fleet.gpus > 0 { fleet.notes.append(Self.peakPUENote(scenario.peakPUE, meanPUE: meanPUE)) }
        fleet.notes += Self.rackScaleNotes(servers)
        var result = FleetResult(
            name: scenario.name, description: scenario.description, boundary: scenario.boundary, whPerQuery: stats,
            gwhPerDay: stats.mean * perDay / 1e9, queriesPerDay: perDay, gpus: fleet.gpus, nodes: nodes,
            megawatts: fleet.peakWall / 1e6, facilityMegawatts: fleet.peakWall * peakPUE / 1e6, idleGWhPerDay: fleet.idleJoulesPerDay / 3.6e12,
            medianLedger: medianLedger(draws, values: values, median: stats.median, idle: idle),
            meanLedger: mean,
            varianceShares: varianceShares(draws, values: values, classes: classes),
            hourlyMegawatts: fleet.hourlyWall.map { $0 * meanPUE / 1e6 },
            classes: classes.enumerated().map { c, cls in
                Self.classResult(cls, draws: draws, indices: draws.indices.filter { draws[$0].cls == c }, values: values, surface: surfaces[c])
            },
            levers: [], notes: fleet.notes, samples: values)
        result.hardware = fleet.hardware
        result.servers = servers
        result.busiestHourFacilityMegawatts = fleet.hourlyWall.max().map { $0 * peakPUE / 1e6 }
        // Each figure with the PUE it is at: the series (energy) at the mean, the busiest hour at the peak's.
        result.busiestHourPUE = result.busiestHourFacilityMegawatts == nil ? nil : peakPUE
        result.hourlyPUE = result.hourlyMegawatts.isEmpty ? nil : meanPUE
        result.idleFacilityGWhPerDay = fleet.idleJoulesPerDay * meanPUE / 3.6e12
        result.sampleWeights = weights
        result.estimatorError = error
        result.undrawnClasses = fleet.undrawn
        addRanges(to: &result, draws: draws, values: values, surfaces: surfaces, idle: idle)
        addShares(to: &result, mean: mean, meanPUE: meanPUE)
        return result
    }

    /// Class `cls`'s figures from its draws (`indices` into `draws`) and their Wh per query
    /// (`values`, one per draw): a class with none has statistics of nothing and shares of 0.
    static func classResult(_ cls: QueryClass, draws: [Sample], indices mine: [Int], values: [Double], surface s: ServingSurface) -> ClassResult {
        let count = Double(max(1, mine.count)), wattHours = mine.map { values[$0] }
        var r = ClassResult(name: cls.name, strategy: cls.strategy.name, share: cls.share,
                            whPerQuery: QueryStatistics(wattHours),
                            effectiveBatch: s.localBatch * s.deployment.attentionRanks,
                            meanOutputTokens: mine.reduce(0) { $0 + draws[$1].cost.outputTokens } / count)
        r.queryStrategy = cls.strategy
        r.prefixCacheHit = cls.prefixCacheHit
        r.engineBatch = s.localBatch
        r.engineBatchLimit = s.batchLimit
        r.engines = s.deployment.attentionRanks
        (r.precision, r.kvPrecision) = (s.deployment.precision, s.deployment.kvPrecision)
        (r.deployment, r.model) = (cls.deployment, s.deployment.model.id)
        r.overContextShare = Double(mine.filter { draws[$0].overContext }.count) / count
        r.kvOverflowShare = Double(mine.filter { draws[$0].overflows(s) }.count) / count
        r.samplesInTurnsShare = Double(mine.filter { draws[$0].samplesTakeTurns(s) }.count) / count
        r.meanCalls = mine.reduce(0) { $0 + draws[$1].calls } / count
        r.meanPrefilledTokens = mine.reduce(0) { $0 + draws[$1].prefilled } / count
        r.meanCachedTokens = mine.reduce(0) { $0 + draws[$1].cached } / count
        r.draws = mine.count
        r.meanSamplingHalfWidth = relativeHalfWidth(of: wattHours)
        return r
    }

    /// The day at the ends of each spread the draws leave out of the mean (the GPUs' measured
    /// error, the site's PUE, the hosts' power), the mean's sampling error, and the part of the
    /// mean that moves with GPU energy: each reprices `draws` with the classes' `idle` share.
    func addRanges(to result: inout FleetResult, draws: [Sample], values: [Double], surfaces: [ServingSurface], idle: [Double]) {
        let mean = result.whPerQuery.mean
        result.gwhPerDayRange = gwhPerDayRange(draws, surfaces: surfaces, idle: idle)
        if result.gwhPerDayRange != nil { result.gwhPerDayRangeSource = gwhPerDayRangeSource(surfaces) }
        result.gwhPerDaySitePUE = sitePUERange(draws, idle: idle)
        result.gwhPerDayHostPower = hostPowerRange(draws, surfaces: surfaces, idle: idle)
        result.meanSamplingHalfWidth = Self.samplingHalfWidth(values, draws: draws, mean: mean)
        if !draws.isEmpty {
            result.gpuProportionalWhPerQuery = mean - meanWattHours(draws, surfaces: surfaces, idle: idle) { _ in 0 }
            result.gpuProportionalWhPerQueryByGPU = gpuProportionalByGPU(draws, surfaces: surfaces, idle: idle, mean: mean)
        }
    }

    /// The facility's share of the mean query, the site's PUE, and each hour's share of the day's
    /// energy, from the mean ledger and the hourly power already in `result`.
    func addShares(to result: inout FleetResult, mean: [LedgerItem], meanPUE: Double) {
        let whPerQuery = result.whPerQuery.mean
        if scenario.boundary == .facility, whPerQuery > 0, let overhead = mean.last?.energy.wattHours {
            result.overheadShare = overhead / whPerQuery
        }
        result.sitePUE = Self.sitePUE(mean, drawn: meanPUE)
        result.hourlyEnergyShares = hourlyEnergyShares(hourlyMegawatts: result.hourlyMegawatts)
    }

    /// Facility ÷ IT energy of a mean ledger: the PUE weighted by each draw's IT energy, which is
    /// what converts the site's water per facility kWh to per IT kWh. `drawn` (the draws' mean
    /// PUE) where the ledger has no IT energy.
    static func sitePUE(_ ledger: [LedgerItem], drawn: Double) -> Double {
        let it = ledger.filter { $0.boundary <= .it }.reduce(0) { $0 + $1.energy.wattHours }
        let all = ledger.reduce(0) { $0 + $1.energy.wattHours }
        return it > 0 ? all / it : drawn
    }

    /// A sample's Wh per query at the scenario's boundary.
    func value(_ s: Sample, idle: Double) -> Double {
        switch scenario.boundary {
        case .gpu: return s.gpuWh
        case .node: return s.nodeWh
        case .it: return itWattHours(s, idle: idle)
        case .facility: return itWattHours(s, idle: idle) * s.pue
        }
    }

    /// A sample's Wh per query at the IT boundary: its node energy and its share of the idle
    /// replicas' (`idle` J per second of occupancy).
    func itWattHours(_ s: Sample, idle: Double) -> Double {
        s.nodeWh + idle * s.cost.occupancySeconds / 3600
    }

    /// The ledger's items, their boundaries and what each is based on, in ledger order.
    static let ledgerItems: [(item: String, boundary: Boundary, basis: String)] = [
        ("prefill-gpu", .gpu, "prompt chunks"), ("decode-gpu", .gpu, "decode steps ÷ sequences in flight"),
        ("gpu-idle", .gpu, "host gaps between kernels"), ("host", .node, "host power and PSU loss"),
        ("provisioned-idle", .it, "idle replicas kept for the peak hour and headroom"), ("facility-overhead", .facility, "PUE"),
    ]

    /// One sample's energy per ledger item, Wh, in `ledgerItems` order.
    func ledgerWattHours(_ s: Sample, idle: Double) -> [Double] {
        let gapWh = s.cost.gapJoules * s.gpuScale / 3600
        let idleWh = idle * s.cost.occupancySeconds / 3600
        return [s.cost.prefillJoules * s.gpuScale / 3600, s.cost.decodeJoules * s.gpuScale / 3600 - gapWh, gapWh,
                s.nodeWh - s.gpuWh, idleWh, (s.nodeWh + idleWh) * (s.pue - 1)]
    }

    func ledger(_ wattHours: [Double], pue: Double?) -> [LedgerItem] {
        zip(Self.ledgerItems, wattHours).map { d, wh in
            LedgerItem(item: d.item, boundary: d.boundary, energy: .wattHours(wh),
                       basis: d.item == "facility-overhead" ? "PUE \(pue.map { formatNumber($0, significant: 3) } ?? "mean")" : d.basis)
        }
    }

    /// The median query's ledger: the mean ledger of the draws between the 45th and 55th
    /// percentiles of Wh per query, each at its weight as the percentiles weigh it, scaled so
    /// that the items within the scenario's boundary add up to the median (all items were, so at
    /// the gpu boundary of the Google workload the GPU items of a 0.106 Wh median came to 0.054
    /// Wh). The ledger of the one draw nearest the median swung with whichever draw that was: the
    /// bundled chat service's median prefill share went 30 → 12 % when a 2 % PUE tail was
    /// clamped, its total unchanged.
    func medianLedger(_ draws: [Sample], values: [Double], median: Double, idle: [Double]) -> [LedgerItem] {
        guard !draws.isEmpty else { return [] }
        let band = Self.medianBand(values, weights: draws.map(\.weight), median: median).map { draws[$0] }
        let sums = summedLedger(band, idle: idle, weight: \.weight)
        let total = zip(Self.ledgerItems, sums).filter { $0.0.boundary <= scenario.boundary }.reduce(0) { $0 + $1.1 }
        let scale = total > 0 ? median / total : 0
        let bandWeight = band.reduce(0) { $0 + $1.weight }
        let pue = bandWeight > 0 ? band.reduce(0) { $0 + $1.weight * $1.pue } / bandWeight : 1
        return ledger(sums.map { $0 * scale }, pue: pue)
    }

    /// The draws between the weighted P45 and P55 of `values`, or, where none lies between them
    /// (a few draws far apart), the draws nearest the median on either side: an empty band had
    /// given a ledger of zeros beside a nonzero median.
    static func medianBand(_ values: [Double], weights: [Double], median: Double) -> [Int] {
        let q = QueryStatistics.weightedQuantiles(values, weights: weights, [0.45, 0.55])
        let band = values.indices.filter { values[$0] >= q[0] && values[$0] <= q[1] }
        guard band.isEmpty else { return band }
        let below = values.filter { $0 <= median }.max(), above = values.filter { $0 >= median }.min()
        return values.indices.filter { values[$0] == below || values[$0] == above }
    }

    /// The ledger averaged over all samples, each at its weight: the decomposition behind GWh per day.
    func meanLedger(_ draws: [Sample], idle: [Double]) -> [LedgerItem] {
        ledger(summedLedger(draws, idle: idle, weight: \.weight), pue: nil)
    }

    /// Each ledger item's Wh summed over `draws` (each times `weight`, 1 unless given), in `ledgerItems` order.
    func summedLedger(_ draws: [Sample], idle: [Double], weight: (Sample) -> Double = { _ in 1 }) -> [Double] {
        var sums = [Double](repeating: 0, count: Self.ledgerItems.count)
        for d in draws {
            for (i, x) in ledgerWattHours(d, idle: idle[d.cls]).enumerated() { sums[i] += weight(d) * x }
        }
        return sums
    }
}
