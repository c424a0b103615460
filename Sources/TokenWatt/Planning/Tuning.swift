import Foundation
import KernelPower

/// Power caps and locked clocks against latency targets: the setting that minimises energy per
/// query, for each phase and for the query as a whole. Prefill is compute-bound and slows almost
/// in proportion to the clock; decode is memory-bound and barely slows, so a cap saves more there.
public struct Tuning: Sendable {
    public enum Knob: String, Sendable { case none = "default", powerCap = "power cap", clock = "locked clock" }

    /// One setting's outcome.
    public struct Point: Sendable {
        public var knob: Knob
        /// Watts for a cap, MHz for a clock, 0 for the default.
        public var value: Double
        public var ttftMs: Double
        public var itlMs: Double
        public var prefillJoules: Double
        public var decodeJoules: Double
        public var gpuWatts: Double
        public var queryJoules: Double { prefillJoules + decodeJoules }
    }

    public struct Targets: Sendable {
        public var ttftMs: Double?
        public var itlMs: Double?
        public init(ttftMs: Double? = nil, itlMs: Double? = nil) { self.ttftMs = ttftMs; self.itlMs = itlMs }
    }

    public let base: DeploymentRequest
    public let serving: ServingRequest
    public let targets: Targets
    public let points: [Point]
    /// How well `validate` found locked-clock changes predicted where measured (nil under another
    /// calibration); power caps have no measured pairs.
    public let clockAccuracy: LeverValidation.Row?
    /// Sequences in flight as priced (what fits, which may be fewer than asked) and what the
    /// default setting's estimate says about it.
    public let effectiveBatch: Int
    public let notes: [String]
    /// The deployment as resolved: catalog ids and every GPU it runs on (the header had shown the
    /// request's `--gpus`, 1 when absent, and the GPU as typed, so tp 2 read "1 × h100").
    public let modelID: String
    public let gpuID: String
    public let gpuCount: Int
    /// The GPU's fitted HBM energy, for `DecodeClockCaveat`'s note on the chosen decode setting.
    let hbmJoulesPerByte: Double

    /// Caps from the GPU's lowest allowed to its TDP and clocks from 30 % of boost to boost, in `steps` each.
    public init(estimator: Estimator, base: DeploymentRequest, serving: ServingRequest, targets: Targets, steps: Int = 12) throws {
        self.base = base
        self.serving = serving
        self.targets = targets
        clockAccuracy = estimator.leverAccuracy("clock")
        let gpu = try estimator.gpus.gpu(base.gpu)
        hbmJoulesPerByte = estimator.calibration.coefficients(for: gpu).power.hbmJoulesPerByte
        func estimate(_ knob: Knob, _ value: Double) throws -> ServingEstimate {
            var r = base
            r.powerCapWatts = knob == .powerCap ? value : base.powerCapWatts
            r.smClockMHz = knob == .clock ? value : base.smClockMHz
            return try ServingEstimator(estimator: estimator, deployment: try estimator.deployment(r)).estimate(serving)
        }
        func point(_ knob: Knob, _ value: Double, _ e: ServingEstimate) -> Point {
            Point(knob: knob, value: value, ttftMs: e.timeToFirstToken.seconds * 1000, itlMs: e.interTokenLatency.seconds * 1000,
                  prefillJoules: e.prefill.energy.joules, decodeJoules: e.decode.energy.joules, gpuWatts: e.gpuPower.watts)
        }
        let deployment = try estimator.deployment(base)
        try KVCacheBudget.requireRoom(serving, on: deployment)
        (modelID, gpuID, gpuCount) = (deployment.model.id, deployment.gpu.id, deployment.gpuCount)
        // The default setting's estimate gives the batch that runs and its notes, and the first point.
        let first = try estimate(.none, 0)
        effectiveBatch = first.effectiveBatch
        notes = first.notes
        let n = max(2, steps)
        let low: Double = gpu.powerCapRange.lowerBound, tdp: Double = gpu.tdp.watts, boost: Double = gpu.boostClock.megahertz
        let fractions: [Double] = (0..<n).map { Double($0) / Double(n - 1) }
        let caps = Self.distinct(fractions.map { low + (tdp - low) * $0 })
        let clocks = Self.clockSteps(fractions, boost: boost)
        points = try [point(.none, 0, first)] + caps.map { point(.powerCap, $0, try estimate(.powerCap, $0)) }
            + clocks.map { point(.clock, $0, try estimate(.clock, $0)) }
    }

    /// Clocks from 30 % of boost to boost at `fractions` of the way, on the 15 MHz grid drivers
    /// accept, and boost itself at the top: boosts off that grid (GB200 2062, RTX PRO 6000 2493
    /// MHz) had their top row at 2055 or 2490 MHz, not the default clock, and many steps repeated
    /// a rounded clock (96 duplicate rows at `--steps 200` on an L4).
    static func clockSteps(_ fractions: [Double], boost: Double) -> [Double] {
        distinct(fractions.map { f in f >= 1 ? boost : min(boost, (boost * (0.3 + 0.7 * f) / 15).rounded() * 15) })
    }

    /// The values in order, each once.
    static func distinct(_ values: [Double]) -> [Double] {
        var seen = Set<Double>()
        return values.filter { seen.insert($0).inserted }
    }

    func meets(_ p: Point, prefill: Bool, decode: Bool) -> Bool {
        (!prefill || targets.ttftMs.map { p.ttftMs <= $0 } ?? true) && (!decode || targets.itlMs.map { p.itlMs <= $0 } ?? true)
    }

    /// The lowest-energy setting for prefill (TTFT target), decode (ITL target) and the whole query (both).
    public var bestPrefill: Point? { points.filter { meets($0, prefill: true, decode: false) }.min { $0.prefillJoules < $1.prefillJoules } }
    public var bestDecode: Point? { points.filter { meets($0, prefill: false, decode: true) }.min { $0.decodeJoules < $1.decodeJoules } }
    public var bestQuery: Point? { points.filter { meets($0, prefill: true, decode: true) }.min { $0.queryJoules < $1.queryJoules } }
    public var baseline: Point { points[0] }

    public static func label(_ p: Point) -> String {
        switch p.knob {
        case .none: return "default (TDP, boost clock)"
        case .powerCap: return "cap \(formatNumber(p.value, significant: 4)) W"
        case .clock: return "clock \(formatNumber(p.value, significant: 4)) MHz"
        }
    }

    public static let csvHeader = ["knob", "value", "ttft_ms", "itl_ms", "prefill_j", "decode_j", "query_wh_gpu", "gpu_w", "meets_targets"]

    public func csv() -> String {
        ([CSVWriter.line(Self.csvHeader)] + points.map { p in
            // Six significant digits, as `estimate` and `sweep` write (the times and energies had 5, watts 4).
            CSVWriter.line([p.knob.rawValue, formatNumber(p.value), formatNumber(p.ttftMs), formatNumber(p.itlMs),
                            formatNumber(p.prefillJoules), formatNumber(p.decodeJoules),
                            formatNumber(p.queryJoules / 3600), formatNumber(p.gpuWatts),
                            meets(p, prefill: true, decode: true) ? "yes" : "no"])
        }).joined(separator: "\n") + "\n"
    }

    public func text() -> String {
        let b = baseline
        func saving(_ x: Double, _ y: Double) -> String { y > 0 ? formatPercent(1 - x / y, decimals: 1) : "–" }
        let batch = effectiveBatch == serving.batch ? "batch \(serving.batch)" : "batch \(effectiveBatch) (requested \(serving.batch))"
        var s = "TokenWatt tune — \(modelID) on \(gpuCount) × \(gpuID), \(batch), \(serving.inputTokens) + \(serving.outputTokens) tokens\n"
        for note in notes { s += "note: \(note)\n" }
        s += "targets: TTFT \(targets.ttftMs.map { "≤ \(formatNumber($0)) ms" } ?? "none"), ITL \(targets.itlMs.map { "≤ \(formatNumber($0)) ms" } ?? "none")\n\n"
        let rows = points.map { p in [Tuning.label(p), formatNumber(p.ttftMs, significant: 4), formatNumber(p.itlMs, significant: 4),
                                       formatNumber(p.prefillJoules, significant: 4), formatNumber(p.decodeJoules, significant: 4),
                                       formatNumber(p.gpuWatts, significant: 4), meets(p, prefill: true, decode: true) ? "yes" : "no"] }
        s += FleetRendering.table(["setting", "TTFT ms", "ITL ms", "prefill J", "decode J", "W/GPU", "meets"], rows) + "\n"
        if let p = bestPrefill {
            s += "prefill: \(Tuning.label(p)) — \(formatNumber(p.prefillJoules, significant: 4)) J per query (saves \(saving(p.prefillJoules, b.prefillJoules))), TTFT \(formatNumber(p.ttftMs, significant: 4)) ms (was \(formatNumber(b.ttftMs, significant: 4)))\n"
        } else { s += "prefill: no setting meets the TTFT target\n" }
        if let p = bestDecode {
            s += "decode:  \(Tuning.label(p)) — \(formatNumber(p.decodeJoules, significant: 4)) J per query (saves \(saving(p.decodeJoules, b.decodeJoules))), ITL \(formatNumber(p.itlMs, significant: 4)) ms (was \(formatNumber(b.itlMs, significant: 4)))\n"
            if let note = DecodeClockCaveat.note(decodeJoules: p.decodeJoules, defaultJoules: b.decodeJoules, hbmJoulesPerByte: hbmJoulesPerByte) {
                s += "         note: \(note)\n"
            }
        } else { s += "decode:  no setting meets the ITL target\n" }
        if let p = bestQuery {
            s += "one setting for both: \(Tuning.label(p)) — \(formatNumber(p.queryJoules / 3600, significant: 4)) Wh per query at the GPUs (saves \(saving(p.queryJoules, b.queryJoules)))\n"
        } else { s += "one setting for both: none meets both targets\n" }
        if let c = clockAccuracy {
            s += "\nhow well such changes are predicted (pairs of measured runs in \(c.campaign), forward passes at locked clocks): "
                + FleetRendering.accuracyWords(c) + "; power caps have no measured pairs\n"
        }
        return s
    }

    /// Energy against latency for each phase, caps and clocks as two series, side by side.
    public func svg() -> String {
        func chart(_ title: String, _ x: String, _ y: String, _ px: (Point) -> Double, _ py: (Point) -> Double) -> String {
            var c = SVGChart(title: title, xTitle: x, yTitle: y)
            for knob in [Knob.powerCap, .clock] {
                c.series.append(SVGChart.Series(name: knob.rawValue, points: points.filter { $0.knob == knob }.map { (px($0), py($0)) }, style: .markers))
            }
            return c.render()
        }
        let left = chart("Prefill: energy against time to first token", "TTFT, ms", "prefill energy per query, J", { $0.ttftMs }, { $0.prefillJoules })
        let right = chart("Decode: energy against inter-token latency", "ITL, ms", "decode energy per query, J", { $0.itlMs }, { $0.decodeJoules })
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 1280 460\" width=\"1280\" height=\"460\">\n"
            + left.replacingOccurrences(of: "<svg xmlns=\"http://www.w3.org/2000/svg\" ", with: "<svg x=\"0\" ")
            + right.replacingOccurrences(of: "<svg xmlns=\"http://www.w3.org/2000/svg\" ", with: "<svg x=\"640\" ") + "</svg>\n"
    }
}
