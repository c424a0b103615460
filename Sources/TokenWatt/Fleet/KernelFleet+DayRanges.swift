import KernelPower

/// A day's energy with one systematic quantity held for every query: the GPU energy at the ends
/// of its measured error band, the site's PUE and its hosts' power at the P5 and P95 of their
/// draws. Each moves every query at once, where a scale drawn per query averages out of the day.
extension KernelFleet {
    /// GWh per day with every query's GPU energy at the two ends of its GPU's measured error band:
    /// each draw's GPU energy, its drawn `gpuEnergyScale` included, × the band's ratio. The band
    /// is a systematic error, which moves every query at once, where a scale drawn per query
    /// averages out of the day but for its mean, which the day keeps; so the range brackets the
    /// day whenever the band brackets 1. Host power, idle replicas and PUE stay as drawn. Nil when
    /// a class's GPU has no band (another calibration).
    ///
    /// Until 2026-12-07 the band's ratio replaced the drawn scale: a scenario scaling its GPU
    /// energy × 3 read 0.0406 GWh a day beside a range of 0.0152–0.0234, and the chat service
    /// with a scale of P5 1.3, P95 2.5 read 0.0489 beside the bundled scale's 0.0286–0.0423.
    func gwhPerDayRange(_ draws: [Sample], surfaces: [ServingSurface], idle: [Double]) -> Bounds? {
        guard !draws.isEmpty else { return nil }
        var bands: [ErrorBand] = []
        for s in surfaces {
            guard let b = estimator.errorBand(for: s.deployment.gpu.id) else { return nil }
            bands.append(b)
        }
        func gwh(_ ratio: (ErrorBand) -> Double) -> Double {
            gwhPerDay(draws, surfaces: surfaces, idle: idle) { d in d.gpuWh * ratio(bands[d.cls]) }
        }
        return Bounds(low: gwh(\.ratioLow), high: gwh(\.ratioHigh))
    }

    /// Whose runs the day's range was measured on, where a GPU the scenario serves on takes
    /// another's band (`ErrorBands.rangeSource`): one GPU's words, or each GPU's; nil where each
    /// has a band of its own or none has a band (another calibration).
    func gwhPerDayRangeSource(_ surfaces: [ServingSurface]) -> String? {
        var gpus: [GPUSpec] = []
        for g in surfaces.map(\.deployment.gpu) where !gpus.contains(where: { $0.id == g.id }) { gpus.append(g) }
        let bands = ErrorBands.bundled
        guard let first = gpus.first, estimator.errorBand(for: first.id) != nil,
              gpus.contains(where: { bands.band(for: $0, catalog: estimator.gpus).gpu != $0.id }) else { return nil }
        let words = gpus.map { "\($0.id): " + bands.rangeSource(for: $0, catalog: estimator.gpus) }
        return gpus.count == 1 ? bands.rangeSource(for: first, catalog: estimator.gpus)
            : "each GPU's error band (" + words.joined(separator: "; ") + ")"
    }

    /// GWh per day with every query at one PUE, the P5 and then the P95 of the drawn PUEs. A site
    /// has one PUE: a spread drawn per query averages out of the day (a PUE of 1.05–2.0 gave the
    /// day the same relative range as a fixed 1.2, and the variance shares credited it with 1 %),
    /// where the whole day moves with it. Nil unless the scenario draws a PUE and counts the
    /// facility.
    func sitePUERange(_ draws: [Sample], idle: [Double]) -> SiteFactorRange? {
        guard scenario.boundary == .facility, scenario.pue.isRandom, !draws.isEmpty else { return nil }
        let q = Self.drawnEnds(draws, \.pue)
        // At the facility a query's Wh is its IT energy × its PUE, so one PUE scales the IT day.
        let itDay = meanWattHours(draws, idle: idle) { $0.pue = 1 } * scenario.queriesPerDay / 1e9
        return SiteFactorRange(factor: q, gwhPerDay: Bounds(low: itDay * q.low, high: itDay * q.high))
    }

    /// GWh per day with every query's host power at one scale, the P5 and then the P95 of the
    /// drawn `hostPowerScale`: one kind of server runs the site, so the scale's error moves every
    /// query at once, as the PUE's does (chat service: a 0.7–1.4 scale drawn per query had left
    /// the host its 0 % of the variance and no say in the day's range). Idle replicas keep their
    /// catalogued idle power, as drawn. Nil unless the scenario draws the scale and counts the host.
    func hostPowerRange(_ draws: [Sample], surfaces: [ServingSurface], idle: [Double]) -> SiteFactorRange? {
        guard scenario.boundary >= .node, kernel.hostPowerScale.isRandom, !draws.isEmpty else { return nil }
        let q = Self.drawnEnds(draws, \.hostScale)
        func day(_ scale: Double) -> Double {
            meanWattHours(draws, idle: idle) { d in
                // The node's energy with its host at `scale`, priced afresh: re-scaled from the drawn
                // scale, a draw of 0 (the reader takes 0–100) had made the day NaN.
                let s = surfaces[d.cls]
                d.nodeWh = (d.gpuWh + s.hostWattHours(occupancySeconds: d.cost.occupancySeconds, scale: scale)) / s.psuEfficiency
            } * scenario.queriesPerDay / 1e9
        }
        return SiteFactorRange(factor: q, gwhPerDay: Bounds(low: day(q.low), high: day(q.high)))
    }

    /// The P5 and P95 of one drawn factor, as the day's Wh per query reads its own (`QueryStatistics`, by weight).
    static func drawnEnds(_ draws: [Sample], _ factor: KeyPath<Sample, Double>) -> Bounds {
        let q = QueryStatistics.weightedQuantiles(draws.map { $0[keyPath: factor] }, weights: draws.map(\.weight), [0.05, 0.95])
        return Bounds(low: q[0], high: q[1])
    }

    /// GWh per day with each draw's GPU energy replaced by `gpuWh` (host, idle replicas and PUE as
    /// drawn; the PSU loss follows the GPU energy as `value` charges it).
    func gwhPerDay(_ draws: [Sample], surfaces: [ServingSurface], idle: [Double], gpuWh: (Sample) -> Double) -> Double {
        meanWattHours(draws, surfaces: surfaces, idle: idle, gpuWh: gpuWh) * scenario.queriesPerDay / 1e9
    }

    /// The mean Wh per query with each draw's GPU energy replaced by `gpuWh`.
    func meanWattHours(_ draws: [Sample], surfaces: [ServingSurface], idle: [Double], gpuWh: (Sample) -> Double) -> Double {
        meanWattHours(draws, idle: idle) { d in
            let moved = gpuWh(d)
            d.nodeWh += (moved - d.gpuWh) / surfaces[d.cls].psuEfficiency
            d.gpuWh = moved
        }
    }

    /// The mean Wh per query with each draw changed by `move` first.
    func meanWattHours(_ draws: [Sample], idle: [Double], move: (inout Sample) -> Void) -> Double {
        draws.reduce(0.0) { sum, d in
            var moved = d
            move(&moved)
            return sum + d.weight * value(moved, idle: idle[d.cls])
        }
    }
}
