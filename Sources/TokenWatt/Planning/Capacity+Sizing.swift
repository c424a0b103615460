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
        throws -> (fleet: FleetResult, peakShare: Double, caveats: [String], other: (queriesPerDay: Double, gpus: Int)?) {
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
        return (f, (k.diurnal.max() ?? 1.0 / 24) * 24, caveats(f, fleet: fleet, change: change, estimator: runner.estimator), other)
    }

    /// Why a cap of `watts` cannot run on a candidate whose deployments run on `gpus` (nil: not
    /// in the catalog, which the fleet refuses in its own words), naming `--caps`; nil when every
    /// GPU allows it.
    static func capRangeRefusal(_ watts: Double, gpus: [GPUSpec?]) -> String? {
        let outside = gpus.compactMap { $0 }.filter { !$0.powerCapRange.contains(watts) }
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
                return k.deployments.map { try? catalog.gpu(gpu ?? $0.request.gpu) }
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
    /// (its mean busy draw, as `fleet` sizes its provisioned peak, or its worst case), × the
    /// fleet's PUE.
    static func facilityWatts(_ r: FleetResult, scale: Double, sizing: Sizing = .busy) -> Double {
        let pue = r.megawatts > 0 ? r.facilityMegawatts / r.megawatts : 1
        return pue * r.hardware.filter { $0.gpus > 0 }.reduce(0) { total, h in
            total + Double(HardwareUse.wholeReplicas(needed: h.replicasNeeded * scale)) * sizing.wallWatts(h)
        }
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
