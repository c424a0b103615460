import Foundation
import KernelPower

/// Filling a budget: the traffic whose fleet fits it on a sizing basis, and the figures rounded
/// so that a quoted capacity fits. Apart from `Capacity.swift`, which had grown past 400 lines
/// when the worst-case basis and latency targets came (2026-12-07).
extension Capacity {
    /// Sizes one candidate: the most traffic whose fleet, on whole replicas for the busiest hour
    /// with headroom, fits the budget at the facility on `sizing`, and the fleet at that traffic;
    /// beside it, what the other basis fills the budget with (queries a day and GPUs, from the
    /// same replicas scaled, as `fleet` would size them).
    /// - Throws: `CandidateFailure` when the fleet draws nothing or the budget powers no fleet of
    ///   it; the fleet's own errors otherwise.
    static func sizeCandidate(_ scenario: Scenario, _ k: KernelScenario, change: LeverChange, runner: FleetRunner, budgetMegawatts: Double,
                              samples: Int, seed: UInt64, sizing: Sizing = .busy)
        throws -> (fleet: FleetResult, peakShare: Double, caveats: [String], other: (queriesPerDay: Double, gpus: Int)?, band: BandRange?,
                   gpusHalfWidth: Double?) {
        let r = try KernelFleet(scenario: scenario, kernel: k, estimator: runner.estimator).run(samples: samples, seed: seed, change: change)
        guard r.facilityMegawatts > 0 else { throw CandidateFailure(reason: "the fleet draws no power") }
        let budget = budgetMegawatts * 1e6
        guard let scale = fillingScale(r, budgetWatts: budget, sizing: sizing) else {
            throw CandidateFailure(reason: "\(formatNumber(budgetMegawatts)) MW does not power one replica of each query class at its \(sizing.words); "
                                   + "the smallest fleet for this traffic mix needs "
                                   + "\(formatNumber(roundedUp(facilityWatts(r, scale: 0, sizing: sizing) / 1e6), significant: 3)) MW at the facility")
        }
        // A capacity is whole queries, rounded down: 983,930,832 a day printed as 983931000
        // needed one more replica when fed back into `fleet` (20.0004 MW on a 20 MW budget).
        var filled = scenario
        filled.queriesPerDay = (scenario.queriesPerDay * scale).rounded(.down)
        guard filled.queriesPerDay >= 1 else { throw CandidateFailure(reason: "\(formatNumber(budgetMegawatts)) MW serves less than one query a day") }
        let fleet = KernelFleet(scenario: filled, kernel: k, estimator: runner.estimator)
        let f = try fleet.run(samples: samples, seed: seed, change: change)
        let other = fillingScale(r, budgetWatts: budget, sizing: sizing.other).flatMap { s -> (queriesPerDay: Double, gpus: Int)? in
            let perDay = (scenario.queriesPerDay * s).rounded(.down)
            return perDay >= 1 ? (perDay, gpus(r, scale: perDay / scenario.queriesPerDay)) : nil
        }
        let band = try bandRange(f, filled, k, change: change, runner: runner, budgetWatts: budget, samples: samples, seed: seed, sizing: sizing)
        let gpusHalfWidth = try gpusSamplingHalfWidth(scenario, k, change: change, runner: runner, budgetWatts: budget, samples: samples,
                                                      seed: seed, sizing: sizing)
        return (f, (k.diurnal.max() ?? 1.0 / 24) * 24, caveats(f, fleet: fleet, change: change, estimator: runner.estimator), other, band,
                gpusHalfWidth)
    }

    /// The sized fleet `f` (scenario `filled`) at the ends of its GPUs' measured error band: run
    /// again on the same draws with every query's GPU energy, its drawn scale included, × the
    /// band's end (the replicas, sized on occupancy, stay the same), each replica's
    /// busy draw held at most at its worst case; and what the budget fills at the band's high end.
    /// Nil where a GPU of the fleet has no band (another calibration) or its GPUs have different
    /// bands, which one fixed scale cannot carry.
    static func bandRange(_ f: FleetResult, _ filled: Scenario, _ k: KernelScenario, change: LeverChange, runner: FleetRunner,
                          budgetWatts: Double, samples: Int, seed: UInt64, sizing: Sizing) throws -> BandRange? {
        let gpus = Set(f.hardware.filter { $0.gpus > 0 }.map(\.gpu))
        let bands = gpus.map { runner.estimator.errorBand(for: $0) }
        guard let b = bands.first ?? nil, bands.allSatisfy({ $0 == b }) else { return nil }
        func at(_ ratio: Double) throws -> FleetResult {
            var fixed = k
            fixed.gpuEnergyScale = k.gpuEnergyScale.scaled(by: ratio)
            return try KernelFleet(scenario: filled, kernel: fixed, estimator: runner.estimator).run(samples: samples, seed: seed, change: change)
        }
        let low = try at(b.ratioLow), high = try at(b.ratioHigh)
        // Each replica's physical ceiling, from its deployment (its GPUs at their power limit, the
        // host busy): the high end's busy draw cannot pass it (H100 70B replicas: 3,368 W busy ×
        // 1.51 of the GPU share would be past 4,000 W). Not the locked-clock bound of the worst
        // case: that is the power model's own figure, and the band is how far real draw passes
        // the model.
        // The deployments as the fleet ran them: `KernelFleet.edited` applies the change, as the
        // run did, rather than a second copy of its gpu and cap edits.
        let fleet = KernelFleet(scenario: filled, kernel: k, estimator: runner.estimator)
        let worst = Dictionary(k.deployments.map { named -> (String, Double) in
            let r = fleet.edited(named, by: change).request
            return (named.name, (try? runner.estimator.deployment(r).powerLimitWallWatts) ?? .infinity)
        }, uniquingKeysWith: { first, _ in first })
        var held = high
        var atWorst = false
        for i in held.hardware.indices {
            let limit = worst[held.hardware[i].deployment] ?? .infinity
            if held.hardware[i].replicaWallWatts > limit {
                held.hardware[i].replicaWallWatts = limit
                atWorst = true
            }
        }
        let scale = fillingScale(throttled(high, limits: worst), budgetWatts: budgetWatts, sizing: sizing)
        let perDay = scale.map { (filled.queriesPerDay * $0).rounded(.down) }
        return BandRange(band: b, busyFacilityMegawattsLow: facilityWatts(low, scale: 1, sizing: .busy) / 1e6,
                         busyFacilityMegawattsHigh: facilityWatts(held, scale: 1, sizing: .busy) / 1e6, highAtWorstCase: atWorst,
                         queriesPerDayAtHigh: perDay.flatMap { $0 >= 1 ? $0 : nil })
    }

    /// `r`'s fleet with each replica whose busy draw passes its physical ceiling (`limits`, wall
    /// W by deployment) run at that ceiling: the GPUs at their limit, it serves ceiling ÷ draw of
    /// the queries it would, so the traffic needs draw ÷ ceiling as many replicas, each drawing
    /// the ceiling (its worst case too). The queries a day at the band's high end had held the
    /// replicas: under `--sizing nameplate`, whose servers' rating does not move with energy, the
    /// chat service at 10 MW filled 345,520,580 a day there, the row's own, while its "(worst
    /// case)" note said those replicas serve fewer. A replica under its ceiling is left as it is.
    static func throttled(_ r: FleetResult, limits: [String: Double]) -> FleetResult {
        var out = r
        for i in out.hardware.indices {
            let limit = limits[out.hardware[i].deployment] ?? .infinity, draw = out.hardware[i].replicaWallWatts
            guard draw > limit, limit > 0 else { continue }
            out.hardware[i].replicasNeeded *= draw / limit
            out.hardware[i].replicaWallWatts = limit
            out.hardware[i].replicaWorstCaseWallWatts = limit
        }
        return out
    }

    /// Half the 95 % interval of a row's queries a day from the draws alone, as a share: the
    /// fleet's own for its mean Wh per query (`FleetResult.meanSamplingHalfWidth`, the stratified
    /// sample mean's, `KernelFleet.samplingHalfWidth`). The budget fills the traffic whose
    /// replicas' busy draw reaches it, and a replica's busy draw is its class's mean node energy
    /// over its mean occupancy, so the queries a day are the budget over the mean energy a query
    /// draws, and move with it by the same share (first order: a relative error of 1/x is x's).
    /// The chat service at 20 MW over seeds 1–24: queries a day sd 1.78 %, the fleet's ±3.4 % ÷ 1.96 = 1.73 %.
    static func queriesSamplingHalfWidth(_ f: FleetResult) -> Double? { f.meanSamplingHalfWidth }

    /// Batches `gpusSamplingHalfWidth` splits the draws into.
    static let samplingBatches = 8

    /// Half the 95 % interval of a row's GPUs from the draws alone, as a share, by batch means:
    /// the candidate sized again on `samplingBatches` fresh seeds of samples ÷ batches draws each
    /// (each batch's GPUs where it fills the budget), their standard deviation ÷ √batches the GPUs'
    /// at the full draws. The fleet's half-width does not carry over: the GPUs a budget powers are
    /// the budget over the busy draw per GPU, and a query's energy and occupancy move together,
    /// so over seeds 1–24 the chat service's GPUs at 20 MW moved sd 0.29 % where its queries a
    /// day moved 1.78 %. Nil where a batch would hold fewer than `FleetRunner.minimumClassDraws`
    /// draws of a class with traffic, or a batch powers no fleet.
    static func gpusSamplingHalfWidth(_ scenario: Scenario, _ k: KernelScenario, change: LeverChange, runner: FleetRunner,
                                      budgetWatts: Double, samples: Int, seed: UInt64, sizing: Sizing) throws -> Double? {
        let per = samples / samplingBatches
        let counts = KernelFleet.drawCounts(shares: k.classes.map(\.share), samples: per)
        guard zip(k.classes, counts).allSatisfy({ $0.share <= 0 || $1 >= FleetRunner.minimumClassDraws }) else { return nil }
        var batches: [Double] = []
        for b in 1...samplingBatches {
            // Seeds apart from the row's and from each other's streams.
            let r = try KernelFleet(scenario: scenario, kernel: k, estimator: runner.estimator)
                .run(samples: per, seed: seed &+ UInt64(b) &* 7_777_777, change: change)
            guard let s = fillingScale(r, budgetWatts: budgetWatts, sizing: sizing) else { return nil }
            batches.append(Double(gpus(r, scale: (scenario.queriesPerDay * s).rounded(.down) / scenario.queriesPerDay)))
        }
        let mean = batches.reduce(0, +) / Double(batches.count)
        let variance = batches.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(batches.count - 1)
        return mean > 0 ? 1.96 * (variance / Double(batches.count)).squareRoot() / mean : nil
    }

    /// Why a cap of `watts` cannot run on a candidate whose deployments run on `gpus` (nil: not
    /// in the catalog, which the fleet refuses in its own words), naming `--caps`: below some
    /// GPU's range, or above every GPU's; nil otherwise. Above some GPUs' range but within
    /// another's, those GPUs run uncapped (`CapAtTDP`), as a lever applies to each deployment it can.
    static func capRangeRefusal(_ watts: Double, gpus: [GPUSpec?]) -> String? {
        let known = gpus.compactMap { $0 }
        let below = known.filter { watts < $0.powerCapRange.lowerBound }
        let outside = (below.isEmpty && known.allSatisfy({ watts > $0.powerCapRange.upperBound }) ? known : below)
            .reduce(into: [GPUSpec]()) { kept, g in if !kept.contains(where: { $0.id == g.id }) { kept.append(g) } }
        guard !outside.isEmpty else { return nil }
        return "--caps \(formatNumber(watts)): outside the range "
            + outside.map { "\($0.id) allows (\(formatNumber($0.powerCapRange.lowerBound)) to \(formatNumber($0.powerCapRange.upperBound)) W)" }
                .joined(separator: ", ")
    }

    /// The usage error for a `--caps` watts that no candidate can run: outside the range of
    /// every candidate's GPUs, and not a cap at or above TDP beside `none` (that is the uncapped
    /// run). `gpus` are the candidate GPUs (nil: each kernel scenario's deployments' own). A
    /// 2026-12-07 probe's `--caps 100` on H100 exited 1 naming the scenario and deployment, not
    /// the flag, where the README promises a usage error (64) naming it. A cap that some
    /// candidates can run is their row, and the others' failure (`capRangeRefusal`).
    public static func capsUsageError(_ w: Workload, gpus: [String?], caps: [Cap], catalog: GPUCatalog) -> String? {
        let candidates: [[GPUSpec?]] = gpus.flatMap { gpu -> [[GPUSpec?]] in
            w.scenarios.compactMap { s in
                guard case let .kernel(k) = s.kind else { return nil }
                return served(k).map { try? catalog.gpu(gpu ?? $0.request.gpu) }
            }
        }
        for case let .watts(watts) in caps {
            let runs = candidates.contains { specs in
                capRangeRefusal(watts, gpus: specs) == nil
                    || (caps.contains(.uncapped) && specs.allSatisfy { $0.map { watts >= $0.tdp.watts } ?? false })
            }
            if !runs, let why = candidates.lazy.compactMap({ capRangeRefusal(watts, gpus: $0) }).first {
                return why + "; give watts within the range, or none for the uncapped run"
            }
        }
        return nil
    }

    /// GPUs of `r`'s fleet at `scale` times its traffic, each class on the whole replicas its
    /// busiest hour needs, as `fleet` sizes them (its `gpus` at scale 1).
    static func gpus(_ r: FleetResult, scale: Double) -> Int {
        r.hardware.filter { $0.gpus > 0 }.reduce(0) { $0 + HardwareUse.wholeReplicas(needed: $1.replicasNeeded * scale) * $1.gpusPerReplica }
    }

    /// `x` rounded up to three significant figures: a budget quoted as enough must be enough
    /// (0.03293 MW was quoted as 0.0329, which was then refused).
    static func roundedUp(_ x: Double) -> Double {
        guard x > 0 else { return x }
        let unit = pow(10, (log10(x)).rounded(.down) - 2)
        return (x / unit).rounded(.up) * unit
    }

    /// `x` rounded down to three significant figures: a capacity quoted must fit the budget
    /// (983,930,832 queries a day read "984 million", which does not).
    static func roundedDown(_ x: Double) -> Double {
        guard x >= 1000 else { return x.rounded(.down) }
        let unit = pow(10, (log10(x)).rounded(.down) - 2)
        return (x / unit).rounded(.down) * unit
    }

    /// Facility watts of `r`'s fleet at `scale` times its traffic: each class on the whole
    /// replicas its busiest hour needs (at least one), each drawing its wall power on `sizing`
    /// (its mean busy draw, as `fleet` sizes its provisioned peak, or its worst case; or the
    /// servers they fill at their rating, `nameplateWallWatts`), × the fleet's PUE.
    static func facilityWatts(_ r: FleetResult, scale: Double, sizing: Sizing = .busy) -> Double {
        let pue = r.megawatts > 0 ? r.facilityMegawatts / r.megawatts : 1
        if sizing == .nameplate { return pue * nameplateWallWatts(r, scale: scale) }
        return pue * r.hardware.filter { $0.gpus > 0 }.reduce(0) { total, h in
            total + Double(HardwareUse.wholeReplicas(needed: h.replicasNeeded * scale)) * sizing.wallWatts(h)
        }
    }

    /// Wall watts of the servers `r`'s fleet fills at `scale` times its traffic, each at its
    /// rated maximum: each class on whole replicas, packed into whole servers per deployment
    /// (`ServerUse.group`) and summed as `fleet` sums its nameplate (`KernelFleet.nameplateWallWatts`),
    /// so the two cannot drift apart. A deployment whose server is unknown counts its replicas at
    /// their worst case.
    static func nameplateWallWatts(_ r: FleetResult, scale: Double) -> Double {
        let nodes = Dictionary(r.servers.map { ($0.deployment, $0.node) }, uniquingKeysWith: { first, _ in first })
        var scaled: [HardwareUse] = [], fallback = 0.0
        for h in r.hardware where h.gpus > 0 {
            let replicas = HardwareUse.wholeReplicas(needed: h.replicasNeeded * scale)
            guard nodes[h.deployment] != nil else {
                fallback += Double(replicas) * Sizing.worstCase.wallWatts(h)
                continue
            }
            var s = h
            s.gpus = replicas * h.gpusPerReplica
            scaled.append(s)
        }
        return fallback + KernelFleet.nameplateWallWatts(ServerUse.group(scaled, nodes: nodes))
    }

    /// The largest multiple of the workload's traffic whose fleet fits `budgetWatts` (nil: not
    /// even one replica of each class does). Scaling the rounded-up fleet by budget ÷ power had
    /// scaled its rounding slack too: 1 MW served 253 M queries a day on a small workload where
    /// `fleet` fits 314 M in the same megawatt.
    static func fillingScale(_ r: FleetResult, budgetWatts: Double, sizing: Sizing = .busy) -> Double? {
        guard facilityWatts(r, scale: 0, sizing: sizing) <= budgetWatts else { return nil }
        var lo = 0.0, hi = 1.0
        while facilityWatts(r, scale: hi, sizing: sizing) <= budgetWatts && hi < 1e15 { lo = hi; hi *= 2 }
        // The power is a step in the traffic: bisect to where the last replica that fits starts.
        for _ in 0..<200 where hi - lo > lo * 1e-12 {
            let mid = (lo + hi) / 2
            if facilityWatts(r, scale: mid, sizing: sizing) <= budgetWatts { lo = mid } else { hi = mid }
        }
        return lo
    }
}
