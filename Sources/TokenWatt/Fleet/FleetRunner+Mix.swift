import Foundation
import KernelPower

/// A traffic mix: its parts' days blended by share, each part divided by its lever drawn per
/// sample, with the ranges its parts give (error band, PUE, hosts, divisors); and the divisor
/// levers' random streams and ranges, which kernel scenarios' levers share.
extension FleetRunner {
    /// The stream a divisor lever draws from: 1000 + the FNV-1a 64 hash of its name (offset
    /// basis 0xcbf29ce484222325, prime 0x100000001b3), stable across runs and platforms, as
    /// Swift's own `hashValue` is not, and independent of where the lever is listed.
    static func divisorStream(_ name: String) -> UInt64 {
        1000 &+ name.utf8.reduce(0xcbf2_9ce4_8422_2325 as UInt64) { ($0 ^ UInt64($1)) &* 0x0000_0100_0000_01b3 }
    }

    /// A divisor lever's factor at the P5 and P95 of its draws, and its saving with every query
    /// divided by each (1 − 1 ÷ factor); nil for a fixed divisor, whose saving has no spread. A
    /// router or a model's efficiency divides the whole fleet's queries at once, where a factor
    /// drawn per query averages out of the day (to 1 − E[1 ÷ X]), as a drawn PUE does
    /// (`KernelFleet.sitePUERange`): the chat service's model routing, 1.5–10×, saved 69 % with no
    /// range, where at its ends it saves 33–90 % (a 2026-12-07 statistician's probe).
    static func divisorRange(_ d: Distribution, factors: [Double], weights: [Double]) -> (ends: Bounds?, saving: Bounds?) {
        guard d.isRandom, !factors.isEmpty else { return (nil, nil) }
        let q = QueryStatistics.weightedQuantiles(factors, weights: weights, [0.05, 0.95])
        return (Bounds(low: q[0], high: q[1]), Bounds(low: 1 - 1 / q[0], high: 1 - 1 / q[1]))
    }

    /// A traffic mix: GWh per day as the share-weighted sum of its components' (each divided by
    /// its lever drawn per sample), and a per-query distribution drawn from the components.
    func runMix(_ scenario: Scenario, _ m: MixScenario, results: [String: FleetResult],
                tables: [String: (blend: [Double], untrimmed: [Double])], scenarios: [Scenario] = [], seed: UInt64) throws -> FleetResult {
        var gwh = 0.0, mean = 0.0
        var mixed: [Double] = []
        var parts: [MixShare] = []
        let rng = SeededRandom(seed: seed)
        // Components draw in the order of their scenarios' names, each from the stream of its
        // rank there, not of its place in the file: listed in reverse, the bundled Oviedo mix's
        // median had moved 0.3516 → 0.3512 Wh and its P95 3.930 → 3.936 (a 2026-12-07 probe).
        let order = m.components.indices.sorted { m.components[$0].scenario < m.components[$1].scenario }
        var placed: [Int: MixContribution] = [:]
        // Each part's day at its divisor's P5 and P95 (`divisorDay`), and its site factors (`siteRange`).
        var divisorDays: [Bounds] = [], drawnDivisor = false
        var sites: [MixSiteFactors] = []
        for (j, i) in order.enumerated() {
            let c = m.components[i]
            guard let r = results[c.scenario] else { throw FleetError(description: "mix \(scenario.name): scenario \(c.scenario) must come earlier") }
            // Wh at different boundaries do not add up to Wh at any one of them.
            // A workload file is checked as it is read (`mixBoundaryMismatch`); this guards scenarios built in code.
            guard r.boundary == scenario.boundary else {
                let fix = tables[c.scenario] != nil ? "a throughput table reports at the facility only: set the mix's \"boundary\" to facility"
                    : "mix scenarios of one boundary (set \"boundary\" on the mix or its components)"
                throw FleetError(description: "mix \(scenario.name): scenario \(c.scenario) reports at the \(r.boundary.rawValue) boundary, "
                                 + "the mix at \(scenario.boundary.rawValue); \(fix)")
            }
            var lever = rng.stream(UInt64(j))
            let blend = tables[c.scenario]?.blend ?? r.samples
            let untrimmed = tables[c.scenario]?.untrimmed ?? r.samples
            // A kernel part's draws weigh as its own figures weigh them (a rare class's draw is
            // not a tenth of its queries because it is a tenth of ten draws); a table's alike.
            let weights = tables[c.scenario] == nil ? r.sampleWeights : []
            let factors = c.divisor.map { d in untrimmed.map { _ in d.sample(&lever) } }
            let divided = factors.map { f in zip(untrimmed, f).map { $0 / $1 } } ?? untrimmed
            let untrimmedMean = QueryStatistics.weightedMean(untrimmed, weights: weights)
            // A part of no traffic has no day to divide: no fleet overhead either.
            let overhead = r.whPerQuery.mean > 0 && untrimmedMean * r.queriesPerDay > 0 ? r.gwhPerDay / (untrimmedMean * r.queriesPerDay / 1e9) : 1
            let dividedMean = QueryStatistics.weightedMean(divided, weights: weights)
            gwh += c.share * dividedMean * overhead * scenario.queriesPerDay / 1e9
            // The components' own means, blended as the day's energy blends them (a resampled
            // draw's mean missed it by 3 % on the bundled frontier mix, 6 % on a 50/50 mix).
            let blendMean = QueryStatistics.weightedMean(blend, weights: weights)
            let queryWh = c.share * dividedMean * (untrimmedMean > 0 ? blendMean / untrimmedMean : 1)
            mean += queryWh
            parts.append(MixShare(part: r, queryWh: queryWh, dayWh: c.share * dividedMean * overhead))
            let ends = c.divisor.flatMap { d in factors.flatMap { Self.divisorRange(d, factors: $0, weights: weights).ends } }
            drawnDivisor = drawnDivisor || ends != nil
            // Every query of the part divided by one factor: its undivided day ÷ that factor.
            divisorDays.append(ends.map { Bounds(low: c.share * untrimmedMean * overhead / $0.high, high: c.share * untrimmedMean * overhead / $0.low) }
                               ?? Bounds(low: c.share * dividedMean * overhead, high: c.share * dividedMean * overhead))
            sites.append(MixSiteFactors(part: r, dayWh: c.share * dividedMean * overhead, scenario: scenarios.first { $0.name == c.scenario }))
            let band = r.gwhPerDayRange.flatMap { b in r.gwhPerDay > 0 ? Bounds(low: b.low / r.gwhPerDay, high: b.high / r.gwhPerDay) : nil }
            var pick = rng.stream(100 + UInt64(j))
            let count = Int((c.share * Double(max(blend.count, 1))).rounded())
            var total = 0.0
            let cumulative = weights.map { total += $0; return total }
            mixed += (0..<count).map { _ in
                let x = blend[Self.index(pick.uniform(), cumulative: cumulative, count: blend.count)]
                return c.divisor.map { x / $0.sample(&pick) } ?? x
            }
            placed[i] = MixContribution(scenario: c.scenario, share: c.share, queryWattHours: queryWh,
                                        dayWattHours: c.share * dividedMean * overhead, samples: count, bandRatios: band)
        }
        let contributions = m.components.indices.compactMap { placed[$0] }
        var stats = QueryStatistics(mixed)
        stats.mean = mean
        var result = FleetResult(name: scenario.name, description: scenario.description, boundary: scenario.boundary,
                           whPerQuery: stats, gwhPerDay: gwh, queriesPerDay: scenario.queriesPerDay, gpus: nil, nodes: nil,
                           megawatts: 0, facilityMegawatts: gwh * 1e3 / 24, idleGWhPerDay: 0, medianLedger: [], meanLedger: [], varianceShares: [],
                           hourlyMegawatts: [], classes: [], levers: [],
                           notes: ["mix of " + zip(ShareWords.parts(m.components.map(\.share)), m.components)
                               .map { "\($0) \($1.scenario)\($1.divisor != nil ? " (with levers)" : "")" }.joined(separator: ", ")],
                           samples: mixed)
        if let note = Self.trafficNote(scenario, m, results: results) { result.notes.append(note) }
        (result.overheadShare, result.sitePUE) = Self.site(parts)
        result.mixContributions = contributions
        result.gwhPerDayRange = Self.dayRange(contributions, queriesPerDay: scenario.queriesPerDay)
        if result.gwhPerDayRange != nil { result.gwhPerDayRangeSource = Self.rangeSource(parts.map(\.part)) }
        if let note = Self.bandNote(contributions) { result.notes.append(note) }
        if drawnDivisor {
            let q = scenario.queriesPerDay / 1e9
            result.gwhPerDayDivisorRange = Bounds(low: divisorDays.reduce(0) { $0 + $1.low } * q, high: divisorDays.reduce(0) { $0 + $1.high } * q)
                .including(result.gwhPerDay)
        }
        let pue = Self.siteRange(sites, \.gwhPerDaySitePUE, what: "PUE", queriesPerDay: scenario.queriesPerDay) { s in
            s.part.boundary == .facility && s.scenario?.pue.isRandom != false
        }
        let host = Self.siteRange(sites, \.gwhPerDayHostPower, what: "host power scale", queriesPerDay: scenario.queriesPerDay) { s in
            guard s.part.boundary >= .node, let sc = s.scenario else { return false }
            if case let .kernel(k) = sc.kind { return k.hostPowerScale.isRandom }
            return false
        }
        (result.gwhPerDaySitePUE, result.gwhPerDayHostPower) = (pue.range, host.range)
        result.notes += [pue.note, host.note].compactMap { $0 }
        result.hourlyEnergyShares = Self.hourlyEnergyShares(parts)
        let flat = parts.filter { $0.part.hourlyEnergyShares.isEmpty }.map(\.part.name).uniqued()
        if !result.hourlyEnergyShares.isEmpty, !flat.isEmpty {
            result.notes.append("no diurnal fleet power in \(flat.joined(separator: ", ")): \(flat.count == 1 ? "its" : "their") energy is spread evenly over the mix's day")
        }
        return result
    }

    /// Says so where a mix gives a part other traffic than the part's own scenario serves (its
    /// queries a day × share against the part's `queriesPerDay`, beyond a relative 1e-6): the mix
    /// prices its queries at each part's Wh per query, whose idle share and embodied carbon come
    /// from a fleet sized for the part's own traffic, so a mix of 100 million over parts of 30 + 20
    /// million had counted twice the hardware that exists (182 t of embodied carbon a year for 91),
    /// and a part of no traffic 60 % of the mix, with nothing said. The README's mix is its own
    /// traffic, not its parts' sum, so this is a note, not an error.
    static func trafficNote(_ mix: Scenario, _ m: MixScenario, results: [String: FleetResult]) -> String? {
        let q = mix.queriesPerDay
        var differ: [String] = [], own = 0.0, fleet = false, idle = false
        for c in m.components {
            guard let r = results[c.scenario] else { continue }
            own += r.queriesPerDay
            let given = q * c.share
            guard abs(given - r.queriesPerDay) > 1e-6 * max(given, r.queriesPerDay) else { continue }
            fleet = fleet || r.gpus != nil
            idle = idle || r.queriesPerDay == 0
            let serves = r.queriesPerDay > 0
                ? "\(FleetRendering.queries(r.queriesPerDay)): × \(formatNumber(given / r.queriesPerDay, significant: 3))" : "none"
            differ.append("\(c.scenario) \(FleetRendering.queries(given)) (its own scenario serves \(serves))")
        }
        guard !differ.isEmpty else { return nil }
        let rescaled = fleet
            ? "; each part's Wh per query is that of a fleet sized for its own traffic, so its fleet size, idle share and embodied carbon "
                + "are re-scaled to the mix's traffic, not re-sized for it"
                + (idle ? " (a part that serves none has no fleet, so none of these to scale: its queries in the mix carry none)" : "")
            : ""
        return "mix traffic differs from its parts': its \(FleetRendering.queries(q)) queries a day × share give "
            + differ.joined(separator: ", ") + "; the parts serve \(FleetRendering.queries(own)) a day in all, and the mix's day counts its own "
            + "traffic, not theirs added up" + rescaled
    }

    /// The sample a uniform `u` in [0, 1) picks of `count`: evenly, or by weight where the
    /// samples' `cumulative` weights are given (the first whose running total passes u × all).
    static func index(_ u: Double, cumulative: [Double], count: Int) -> Int {
        guard let all = cumulative.last, cumulative.count == count, all > 0 else { return min(count - 1, Int(u * Double(count))) }
        let target = u * all
        var low = 0, high = count - 1
        while low < high {
            let mid = (low + high) / 2
            if cumulative[mid] > target { high = mid } else { low = mid + 1 }
        }
        return low
    }

    /// A mix's day with every part's GPU energy at one end of its measured error band: each
    /// part's share of the day × its own day's band ÷ its day (a divisor divides the GPU energy
    /// and the rest alike, so the ratio stands). Nil unless every part has a band; a mix had none,
    /// though its parts had theirs (frontier-kernel's headline `mixed`).
    static func dayRange(_ parts: [MixContribution], queriesPerDay q: Double) -> Bounds? {
        guard !parts.isEmpty else { return nil }
        var low = 0.0, high = 0.0
        for p in parts {
            guard let b = p.bandRatios else { return nil }
            low += p.dayWattHours * b.low
            high += p.dayWattHours * b.high
        }
        return Bounds(low: low * q / 1e9, high: high * q / 1e9)
    }

    /// A mix part's day and its own site-factor ranges, for the mix's (`siteRange`).
    struct MixSiteFactors {
        var part: FleetResult
        /// What the part adds to the mix's day, Wh per query of the mix.
        var dayWh: Double
        /// The part's scenario (nil for a mix built in code without it).
        var scenario: Scenario?
    }

    /// A mix's day with one site factor (the PUE, the hosts' power scale) held at its P5 and then
    /// its P95: each part's share of the day × its own day at that end ÷ its day, as for the error
    /// band (`dayRange`); a part that does not draw the factor (`draws`) enters at its day. The
    /// factor's ends are the parts', weighted by the energy each adds to the day, and a note names
    /// each part's where they differ by more than 1 %. Nil where no part has a range or a part
    /// draws the factor but has none (a throughput table's PUE), which a note then names. A mix
    /// had neither range though its parts had both: frontier-kernel's `mixed` (2026-12-07 probe).
    static func siteRange(_ parts: [MixSiteFactors], _ range: KeyPath<FleetResult, SiteFactorRange?>, what: String,
                          queriesPerDay q: Double, draws: (MixSiteFactors) -> Bool) -> (range: SiteFactorRange?, note: String?) {
        let with = parts.compactMap { p in p.part[keyPath: range].map { (name: p.part.name, factor: $0.factor) } }
        guard !with.isEmpty else { return (nil, nil) }
        let without = parts.filter { $0.part[keyPath: range] == nil && draws($0) }.map(\.part.name)
        guard without.isEmpty else {
            return (nil, "no range with the site's \(what) held for this mix's day: \(without.count == 1 ? "part" : "parts") "
                + "\(without.joined(separator: ", ")) \(without.count == 1 ? "draws" : "draw") it with no range of \(without.count == 1 ? "its" : "their") own")
        }
        var low = 0.0, high = 0.0, weight = 0.0, factorLow = 0.0, factorHigh = 0.0
        for p in parts {
            guard let r = p.part[keyPath: range], p.part.gwhPerDay > 0 else {
                low += p.dayWh
                high += p.dayWh
                continue
            }
            low += p.dayWh * r.gwhPerDay.low / p.part.gwhPerDay
            high += p.dayWh * r.gwhPerDay.high / p.part.gwhPerDay
            weight += p.dayWh
            factorLow += p.dayWh * r.factor.low
            factorHigh += p.dayWh * r.factor.high
        }
        let factor = weight > 0 ? Bounds(low: factorLow / weight, high: factorHigh / weight) : with[0].factor
        let differ = with.contains { abs($0.factor.low - factor.low) > 0.01 * factor.low || abs($0.factor.high - factor.high) > 0.01 * factor.high }
        let note = differ ? "the mix's day with the site's \(what) held reads each part at its own P5 and P95 ("
            + with.map { "\($0.name) \(formatNumber($0.factor.low, significant: 3))–\(formatNumber($0.factor.high, significant: 3))" }
                .joined(separator: ", ") + "); the ends it names are their blend by energy" : nil
        return (SiteFactorRange(factor: factor, gwhPerDay: Bounds(low: low * q / 1e9, high: high * q / 1e9)), note)
    }

    /// Why a mix has no band where some of its parts have one.
    static func bandNote(_ parts: [MixContribution]) -> String? {
        let without = parts.filter { $0.bandRatios == nil }.map(\.scenario)
        guard !without.isEmpty, without.count < parts.count else { return nil }
        return "no range across the estimator's measured error for this mix's day: \(without.count == 1 ? "part" : "parts") \(without.joined(separator: ", ")) "
            + "\(without.count == 1 ? "has" : "have") no error band (a throughput table, or a calibration other than the bundled one)"
    }

    /// Whose runs a mix's range was measured on, where a part's GPU takes another's band: each
    /// such part's words (`KernelFleet.gwhPerDayRangeSource`), the others' bands their own; nil where none does.
    static func rangeSource(_ parts: [FleetResult]) -> String? {
        let borrowed = parts.filter { $0.gwhPerDayRangeSource != nil }.map(\.name).uniqued()
        guard !borrowed.isEmpty else { return nil }
        let words = borrowed.compactMap { n in parts.first { $0.name == n }?.gwhPerDayRangeSource.map { "\(n): \($0)" } }
        return "each part's error band, the GPUs' own but for " + words.joined(separator: "; ")
    }

    /// What one part adds to a mix's mean query and to its day (per query of the mix, with a
    /// throughput table's fleet overhead), Wh; each is its share × its mean, divided by its lever.
    struct MixShare {
        var part: FleetResult
        var queryWh: Double
        var dayWh: Double
    }

    /// A mix's day by hour: its parts' hourly shares weighted by the energy each adds to the day
    /// (a part without a profile spread evenly), so its load-weighted intensity is its parts'
    /// blended. Empty where no part has a profile. It had none at all, and took the flat annual
    /// factor: 3.9 % above its parts' blend in Spain, whose grid is cleanest at midday.
    static func hourlyEnergyShares(_ parts: [MixShare]) -> [Double] {
        guard parts.contains(where: { $0.part.hourlyEnergyShares.count == 24 }) else { return [] }
        let total = parts.reduce(0) { $0 + $1.dayWh }
        guard total > 0 else { return [Double](repeating: 1.0 / 24, count: 24) }
        return (0..<24).map { h in
            parts.reduce(0) { sum, p in
                let shares = p.part.hourlyEnergyShares
                return sum + p.dayWh * (shares.count == 24 ? shares[h] : 1.0 / 24)
            } / total
        }
    }

    /// A mix's overhead share and site PUE: its parts', weighted by the energy each adds to its
    /// mean query (IT energy for the PUE), so that its IT energy and on-site water are its parts'
    /// blended by share. Averaged by query share, a heavy part at PUE 1 took half of a light
    /// PUE-3 part's overhead and the mix's on-site water came out 16 % low.
    static func site(_ parts: [MixShare]) -> (overheadShare: Double, pue: Double) {
        let wh = parts.reduce(0) { $0 + $1.queryWh }
        let it = parts.reduce(0) { $0 + $1.queryWh * (1 - $1.part.overheadShare) }
        let facility = parts.reduce(0) { $0 + $1.queryWh * (1 - $1.part.overheadShare) * $1.part.sitePUE }
        return (wh > 0 ? 1 - it / wh : 0, it > 0 ? facility / it : 1)
    }
}
