import Foundation
import KernelPower

/// A quick answer to "how much power will this draw?": a deployment serving `batch` sequences at
/// steady state, its per-GPU and wall power, a verdict on how hard it drives the GPUs, annual
/// energy and cost at a duty cycle, and the numbers a facility spec sheet needs.
public struct PowerPlan: Sendable {
    public struct Inputs: Sendable {
        public var batch: Int
        public var inputTokens: Int
        public var outputTokens: Int
        /// Fraction of the year the deployment serves; idle the rest.
        public var dutyCycle: Double
        public var pue: Double
        public var pricePerKWh: Double?
        /// The ISO 4217 code `pricePerKWh` is in, and so the annual cost (USD unless given, as a
        /// workload's `currency`): the cost had printed as a bare "4799 at 0.12 per kWh".
        public var currency: String

        /// `pue` defaults to the facility catalog's, as every other command's does: at 1 the
        /// year's kWh had read 1.54 times lower than `estimate`'s facility energy with nothing said.
        public init(batch: Int, inputTokens: Int, outputTokens: Int, dutyCycle: Double = 1, pue: Double = LedgerSettings.defaultPUE,
                    pricePerKWh: Double? = nil, currency: String = "USD") {
            self.batch = batch; self.inputTokens = inputTokens; self.outputTokens = outputTokens
            self.dutyCycle = dutyCycle; self.pue = pue; self.pricePerKWh = pricePerKWh; self.currency = currency
        }
    }

    /// The circuit that feeds the deployment, sized at 125 % of its load: a server draws its load
    /// for three hours or more, a continuous load (US National Electrical Code, NFPA 70, Article
    /// 100), whose branch-circuit conductors and overcurrent device are sized at 125 % of it
    /// (210.19(A)(1) and 210.20(A); https://www.ecmweb.com/mro-insider/nec-facility-july-10-2012).
    /// A rule for the circuit, not for the PSUs: "PSU capacity … (NEC 210.19(A)(1))" had cited it
    /// for the supplies. The name and JSON key stay for their readers.
    public static let psuHeadroom = 1.25
    /// 1 W = 3.412 BTU/h (3.412141633, NIST SP 811 Appendix B.8).
    public static let btuPerHourPerWatt = 3.412

    public let deployment: Deployment
    public let inputs: Inputs
    public let serving: ServingEstimate
    public let wattsPerGPU: Double
    public let gpuWatts: Double
    /// The deployment's wall power while serving: GPUs plus its share of host power, over PSU loss.
    public let totalWatts: Double
    public let idleWatts: Double
    /// Worst-case wall power: every GPU at its cap (or TDP), or at a locked clock that bounds it
    /// lower at that bound (`Deployment.worstCaseGPUWatts`), and the host busy.
    public let peakWatts: Double
    /// What `peakWatts` holds each GPU at, in words (`Deployment.worstCaseBasis`).
    public let worstCaseBasis: String
    /// The node catalog's maximum at the wall (`NodeSpec.maxWallPower`) for the deployment's GPUs:
    /// the node's × GPUs ÷ its GPUs, pro rata where the deployment uses part of a node (4 of a
    /// DGX H100's 8: 5,100 W), two nodes' for 16. `power` had only estimated a worst case (8,000 W
    /// on a DGX H100 rated 10,200 W), which a software cap lowers further (6,842 W at 400 W) though
    /// a cap bounds neither boot nor transients; the supply circuit is sized on the larger.
    public let ratedMaximumWatts: Double
    /// GPUs of the deployment ÷ GPUs of its node: the share of the node's rating charged.
    public let ratedMaximumShare: Double
    /// The per-GPU limit in force: the power cap, else TDP.
    public let powerLimitWatts: Double
    /// `wattsPerGPU` ÷ `powerLimitWatts`, what the verdict judges.
    public let shareOfLimit: Double
    public let annualKilowattHours: Double
    /// What qualifies the figures, as `estimate` words it: the serving notes (a batch cut to what
    /// fits, …) and, at a locked clock or a cap below TDP, that the measured error is at default
    /// settings and a decode saving beyond the largest measured is an upper bound. `power` had
    /// dropped them all, though its watts come from the same estimate.
    public let notes: [String]
    /// The wall watts while serving and the year's kWh with the GPUs' power at the two ends of
    /// their measured error band, as `estimate` builds its range (`QueryRange`); nil where the
    /// GPU has no band (a calibration other than the bundled one).
    public let range: Range?
    /// What the band's runs are beyond its ends (`ErrorBands.caveat`), said with the range.
    let bandCaveat: String

    /// `power`'s figures at the ends of the estimator's measured error band (`ErrorBand`): the
    /// GPUs' power × `ratioLow` and × `ratioHigh`, each GPU at most its limit (the cap, else TDP);
    /// host power, idle power, duty cycle and PUE as given. A 2026-12-07 statistician's probe found
    /// `power … --input 1000 --output 200 --batch 64` printing "a year 37610 kWh" alone where
    /// `estimate` gives the same deployment −14 %/+36 %.
    public struct Range: Sendable {
        public let band: ErrorBand
        /// Wall power while serving at the band's low and high end (W).
        public let totalWattsLow: Double
        public let totalWattsHigh: Double
        public let annualKilowattHoursLow: Double
        public let annualKilowattHoursHigh: Double
        /// Per-GPU watts at the band's high end before the limit holds them (W); above
        /// `PowerPlan.powerLimitWatts` the GPUs run at the limit and serve fewer tokens a second,
        /// so the energy per token rises through time, not power.
        public let unlimitedWattsPerGPUHigh: Double
    }

    public init(estimator: Estimator, deployment d: Deployment, inputs: Inputs) throws {
        deployment = d
        self.inputs = inputs
        let request = ServingRequest(batch: inputs.batch, inputTokens: inputs.inputTokens, outputTokens: inputs.outputTokens,
                                     tokenBudget: ServingRequest.defaultTokenBudget(for: d))
        // Refused as `estimate` refuses it: priced at batch 1, it gave a power no engine draws.
        try KVCacheBudget.requireRoom(request, on: d)
        serving = try ServingEstimator(estimator: estimator, deployment: d).estimate(request)
        let n = Double(d.gpuCount), node = d.node
        let hostPerGPU = node.hostActivePower.watts / Double(node.gpuCount)
        wattsPerGPU = serving.gpuPower.watts
        gpuWatts = wattsPerGPU * n
        totalWatts = (wattsPerGPU + hostPerGPU) * n / node.psuEfficiency
        idleWatts = d.idleWallPower.watts
        powerLimitWatts = d.powerLimitWatts
        peakWatts = d.worstCaseWallWatts(estimator)
        worstCaseBasis = d.worstCaseBasis(estimator)
        // Part of one node by its GPUs' share; beyond one node whole servers, as fleet and
        // capacity --sizing nameplate count them (12 GPUs on 8-GPU nodes: 2 nodes, not 1.5).
        ratedMaximumShare = n <= Double(node.gpuCount) ? n / Double(node.gpuCount) : (n / Double(node.gpuCount)).rounded(.up)
        ratedMaximumWatts = node.maxWallPower.watts * ratedMaximumShare
        shareOfLimit = wattsPerGPU / d.powerLimitWatts
        annualKilowattHours = Self.annualKilowattHours(wall: totalWatts, idle: idleWatts, inputs)
        let band = estimator.errorBand(for: d.gpu.id)
        if let b = band {
            // The band is measured ÷ estimated GPU energy per output token: at the high end a GPU
            // cannot draw past its limit (H100 at 600 W × 1.51 = 905 W against 700 W TDP), so
            // the wall watts hold there and the tokens come slower.
            let limit = d.powerLimitWatts, perGPU = serving.gpuPower.watts, psu = node.psuEfficiency, given = inputs
            let idle = idleWatts
            func wall(_ ratio: Double) -> Double { (min(limit, perGPU * ratio) + hostPerGPU) * n / psu }
            let low = wall(b.ratioLow), high = wall(b.ratioHigh)
            range = Range(band: b, totalWattsLow: low, totalWattsHigh: high,
                          annualKilowattHoursLow: Self.annualKilowattHours(wall: low, idle: idle, given),
                          annualKilowattHoursHigh: Self.annualKilowattHours(wall: high, idle: idle, given),
                          unlimitedWattsPerGPUHigh: perGPU * b.ratioHigh)
        } else {
            range = nil
        }
        bandCaveat = band != nil ? ErrorBands.bundled.caveat(for: d.gpu, catalog: estimator.gpus) : ""
        // The range's settings in `estimate`'s words (`SettingCaveats.rangeNote`: a cap no step
        // reaches does not bind), then the clock and cap notes `estimate` gives (`SettingCaveats.notes`).
        // Then the rest of estimate's caveats of the deployment (`QueryEstimate.deploymentCaveats`), the
        // published serving runs' among them: power had stated an MI355X's tokens a second and a year's
        // kWh with no word that AMD estimates read optimistic.
        notes = serving.notes
            + [SettingCaveats.rangeNote(d, serving, band: band != nil), try QueryEstimate.clockCaveat(estimator, d, request, serving)].compactMap { $0 }
            + QueryEstimate.deploymentCaveats(d)
    }

    /// kWh a year: `wall` W serving for the duty cycle, `idle` W the rest, × PUE.
    static func annualKilowattHours(wall: Double, idle: Double, _ inputs: Inputs) -> Double {
        (wall * inputs.dutyCycle + idle * (1 - inputs.dutyCycle)) * 8760 / 1000 * inputs.pue
    }

    /// The range in words: the band, where it comes from, and where the limit holds the high end.
    public var rangeWords: String {
        guard let r = range else {
            return "no range: the measured error bands (error-bands.json) are those of the bundled coefficients"
        }
        let held = r.unlimitedWattsPerGPUHigh > powerLimitWatts
            ? "; at the high end each GPU would draw \(formatNumber(r.unlimitedWattsPerGPUHigh, significant: 4)) W, above its "
                + "\(formatNumber(powerLimitWatts)) W limit, so it runs at the limit and serves fewer tokens a second (the wall watts and kWh "
                + "hold there; the energy per token still rises, as `estimate`'s range says)"
            : ""
        let caveat = bandCaveat
        return "range: the wall watts while serving and the year's kWh with the GPUs' power at the ends of the estimator's measured error, "
            + QueryRange.describe(r.band) + (caveat.isEmpty ? "" : "; " + caveat)
            + "; host power, idle power, duty cycle and PUE as above" + held
    }

    /// The heat to remove while serving, BTU/h: the wall power while serving, all of it heat.
    public var coolingBTUPerHour: Double { totalWatts * Self.btuPerHourPerWatt }
    /// The heat at the estimated worst case (`peakWatts`), BTU/h, the peak the cooling must meet.
    public var peakCoolingBTUPerHour: Double { peakWatts * Self.btuPerHourPerWatt }
    /// The load the supply circuit is sized on: the larger of the rated maximum and the estimated
    /// worst case, W at the wall.
    public var supplySizingWatts: Double { max(peakWatts, ratedMaximumWatts) }
    /// The supply circuit's capacity (W): `supplySizingWatts` × 1.25 (`psuHeadroom`, a continuous
    /// load's rule). It had been the worst case × 1.25, below the rated maximum it must carry
    /// (DGX H100: 10,000 W for a 10,200 W system); the key keeps its name for its readers.
    public var recommendedPSUWatts: Double { supplySizingWatts * Self.psuHeadroom }
    public var annualCost: Double? { inputs.pricePerKWh.map { $0 * annualKilowattHours } }

    /// The rated maximum in words: the node, its basis, and the share charged where the
    /// deployment uses part of a node or several.
    var ratedMaximumWords: String {
        let node = deployment.node, n = deployment.gpuCount
        let rating = node.maxPowerBasis == .wall
            ? "\(formatNumber(node.maxPower.watts)) W \(node.maxPowerBasis.words)"
            : "\(formatNumber(node.maxPower.watts)) W, the \(node.maxPowerBasis.words), ÷ PSU efficiency \(formatNumber(node.psuEfficiency))"
        if n == node.gpuCount { return "\(node.id): \(rating)" }
        if n < node.gpuCount { return "\(n) of \(node.id)'s \(node.gpuCount) GPUs: \(n)/\(node.gpuCount) of its \(rating), pro rata" }
        return "\(n) GPUs on \(formatNumber(ratedMaximumShare)) \(node.gpuCount)-GPU \(node.id) nodes: \(formatNumber(ratedMaximumShare)) × its \(rating), whole servers"
    }

    /// Where the rated maximum comes from, for the assumptions.
    var ratedMaximumAssumption: String {
        let node = deployment.node
        return "rated maximum = the node catalog's maxPowerWatts for \(node.id) (\(node.maxPowerBasis.words)"
            + (node.maxPowerBasis == .dc ? ", ÷ PSU efficiency at the wall" : "") + ")"
            + (ratedMaximumShare == 1 ? "" : ratedMaximumShare < 1
                ? " × \(deployment.gpuCount)/\(node.gpuCount) for the GPUs used, the deployment's share of the node's rating"
                : " × \(formatNumber(ratedMaximumShare)) whole servers for the \(deployment.gpuCount) GPUs, as fleet and capacity count them")
            + "; \(node.source(of: "maxPowerWatts"))"
    }

    /// A plain reading of how hard the GPUs are driven.
    public var verdict: String {
        let limit = deployment.powerCap != nil ? "the power cap" : "TDP"
        if shareOfLimit < 0.5 {
            // A clock locked well below boost holds the power down whatever the batch.
            if let f = deployment.lockedClock, f.megahertz < 0.8 * deployment.gpu.boostClock.megahertz {
                return "below 50 % of \(limit): the SM clock locked at \(formatNumber(f.megahertz)) MHz (boost \(formatNumber(deployment.gpu.boostClock.megahertz))) holds the power down"
            }
            return "below 50 % of \(limit): the batch is too small to keep the GPUs busy, or the deployment has more GPUs than it needs"
                + (throttledSteps.map { "; \($0)" } ?? "")
        }
        if shareOfLimit > 0.9 { return "above 90 % of \(limit): expect power-limit throttling (clocks drop to hold the limit)" }
        // The mean can sit well under the limit while the steps that carry prompt chunks reach
        // it: "without throttling" had stood beside estimate's "power cap reached".
        if let throttled = throttledSteps { return "between 50 % and 90 % of \(limit) on average: the GPUs are well used; \(throttled)" }
        return "between 50 % and 90 % of \(limit): the GPUs are well used without throttling"
    }

    /// Which steps reach the power limit (the serving estimate's `powerLimited`), nil when none.
    var throttledSteps: String? {
        guard serving.powerLimited else { return nil }
        let which = serving.decodeStep.powerLimited ? "the decode steps" : "the steps that carry prompt chunks (prefill)"
        return "\(which) reach the limit and their kernels run throttled (clocks drop to hold it)"
    }

    public var assumptions: [String] {
        let d = deployment, m = d.model
        return [
            "model \(m.id): \(m.layers) layers, hidden \(m.hiddenSize), \(m.heads) heads (\(m.kvHeads) KV), FFN \(m.ffnSize), \(formatNumber(m.totalParams / 1e9, significant: 4))B parameters; \(m.source)",
            "\(d.gpuCount) × \(d.gpu.id), \(d.parallelism), \(d.precision.rawValue) weights, vLLM continuous batching of \(serving.effectiveBatch) sequences (requested \(inputs.batch)) of \(inputs.inputTokens) + \(inputs.outputTokens) tokens",
            "host: \(d.node.name) (\(d.node.id)), \(formatNumber(d.node.hostActivePower.watts)) W busy / \(formatNumber(d.node.hostIdlePower.watts)) W idle for \(d.node.gpuCount) GPUs, PSU efficiency \(formatPercent(d.node.psuEfficiency, decimals: 0))",
            "duty cycle \(ShareWords.whole(inputs.dutyCycle)) of 8760 h a year serving, idle otherwise; PUE \(formatNumber(inputs.pue))"
                + (inputs.pue == LedgerSettings.defaultPUE ? " (default: \(LedgerSettings.defaultPUESource))" : ""),
            ratedMaximumAssumption,
            "supply circuit = 125 % of the larger of the rated maximum and the worst case at the wall (every GPU at \(worstCaseBasis), host busy): "
                + "a server's load runs three hours or more, a continuous load, whose branch-circuit conductors and breaker are sized at 125 % "
                + "(NEC, NFPA 70, 210.19(A)(1) and 210.20(A)); a power cap or locked clock lowers the worst case but bounds neither boot nor transients",
            "cooling load = wall power while serving (and at the worst case, its peak) × 3.412 BTU/h per W (NIST SP 811)",
        // How the batch splits over data-parallel engines, as estimate says it: 8 GPUs at tp 4
        // and batch 256 run 2 engines of 128 each, which power had left unsaid.
        ] + [QueryEstimate.replicaAssumption(d, serving)].compactMap { $0 } + notes + [rangeWords]
    }

    public func specJSON() -> JSONValue {
        .obj([
            ("model", .str(deployment.model.id)), ("gpu", .str(deployment.gpu.id)), ("gpus", .num(Double(deployment.gpuCount))),
            ("wattsPerGPU", .num(wattsPerGPU)), ("totalWatts", .num(totalWatts)), ("gpuWatts", .num(gpuWatts)), ("idleWatts", .num(idleWatts)),
            // The verdict is judged against the limit in force (the cap, else TDP): beside
            // shareOfTDP alone, "above 90 % of the power cap" sat next to 0.41.
            ("peakWatts", .num(peakWatts)), ("shareOfTDP", .num(wattsPerGPU / deployment.gpu.tdp.watts)),
            ("powerLimitWatts", .num(powerLimitWatts)), ("shareOfPowerLimit", .num(shareOfLimit)),
            ("coolingBTUPerHour", .num(coolingBTUPerHour)), ("recommendedPSUWatts", .num(recommendedPSUWatts)),
            ("psuHeadroom", .num(Self.psuHeadroom)),
            // The rated maximum beside the estimated worst case, and what the circuit is sized on.
            ("ratedMaximumWatts", .num(ratedMaximumWatts)), ("ratedMaximumShare", .num(ratedMaximumShare)),
            ("ratedMaximumBasis", .str(deployment.node.maxPowerBasis.rawValue)), ("supplySizingWatts", .num(supplySizingWatts)),
            ("peakCoolingBTUPerHour", .num(peakCoolingBTUPerHour)), ("dutyCycle", .num(inputs.dutyCycle)), ("pue", .num(inputs.pue)),
            // The throughput line of the text, with the batch that runs, named as `estimate --format json` names them.
            ("outputTokensPerSecond", .num(serving.outputTokensPerSecond)), ("joulesPerOutputToken", .num(serving.energyPerOutputToken.joules)),
            ("effectiveBatch", .num(Double(serving.effectiveBatch))), ("requestedBatch", .num(Double(serving.requestedBatch))),
            ("annualKilowattHours", .num(annualKilowattHours)), ("annualCost", .optionalNumber(annualCost)),
            ("pricePerKWh", .optionalNumber(inputs.pricePerKWh)),
            // The unit of annualCost and pricePerKWh; null beside no price, as a report's currency.
            ("currency", annualCost == nil ? .null : .str(inputs.currency)), ("verdict", .str(verdict)),
            ("assumptions", .array(assumptions.map(JSONValue.str))),
            ("range", rangeJSON),
        ])
    }

    /// The range as JSON (null without a band): the band's ends and the figures at each.
    var rangeJSON: JSONValue {
        guard let r = range else { return .null }
        return .obj([("band", .str(r.band.gpu)), ("ratioLow", .num(r.band.ratioLow)), ("ratioHigh", .num(r.band.ratioHigh)),
                     ("totalWattsLow", .num(r.totalWattsLow)), ("totalWattsHigh", .num(r.totalWattsHigh)),
                     ("annualKilowattHoursLow", .num(r.annualKilowattHoursLow)), ("annualKilowattHoursHigh", .num(r.annualKilowattHoursHigh)),
                     ("gpuAtLimitHigh", .bool(r.unlimitedWattsPerGPUHigh > powerLimitWatts)), ("basis", .str(rangeWords))])
    }

    public func text() -> String {
        var s = "TokenWatt power — \(deployment.model.id) on \(deployment.gpuCount) × \(deployment.gpu.id)\n\n"
        s += "  per GPU            \(formatNumber(wattsPerGPU, significant: 4)) W  (\(formatPercent(shareOfLimit, decimals: 0)) of \(deployment.powerCap != nil ? "the cap" : "TDP"), \(formatNumber(powerLimitWatts)) W)\n"
        s += "  all GPUs           \(formatNumber(gpuWatts, significant: 4)) W\n"
        s += "  at the wall        \(formatNumber(totalWatts, significant: 4)) W while serving, \(formatNumber(idleWatts, significant: 4)) W idle, \(formatNumber(peakWatts, significant: 4)) W worst case\n"
        s += "  rated maximum      \(formatNumber(ratedMaximumWatts, significant: 4)) W (\(ratedMaximumWords))\n"
        s += "  cooling            \(formatNumber(coolingBTUPerHour, significant: 4)) BTU/h while serving, \(formatNumber(peakCoolingBTUPerHour, significant: 4)) BTU/h at the worst case\n"
        let sizedOn = ratedMaximumWatts >= peakWatts ? "the rated maximum, above the worst case" : "the worst case, above the rated maximum"
        s += "  supply circuit     \(formatNumber(recommendedPSUWatts, significant: 4)) W (1.25 × \(sizedOn): a continuous load's branch circuit, "
            + "NEC 210.19(A)(1), 210.20(A))\n"
        s += "  a year             \(formatNumber(annualKilowattHours, significant: 4)) kWh at a \(ShareWords.whole(inputs.dutyCycle)) duty cycle, PUE \(formatNumber(inputs.pue))"
        s += annualCost.map { ", cost \(formatNumber($0, significant: 4)) \(inputs.currency) at \(formatNumber(inputs.pricePerKWh ?? 0)) \(inputs.currency)/kWh\n" } ?? "\n"
        s += "  throughput         \(formatNumber(serving.outputTokensPerSecond, significant: 4)) output tokens/s, \(formatNumber(serving.energyPerOutputToken.joules, significant: 3)) J per output token (GPUs)\n"
        if let r = range {
            // Its own line, apart from the year's cost: the wall watts and kWh at the band's ends.
            s += "  range              \(formatNumber(r.totalWattsLow, significant: 4))–\(formatNumber(r.totalWattsHigh, significant: 4)) W while serving, "
                + "\(formatNumber(r.annualKilowattHoursLow, significant: 4))–\(formatNumber(r.annualKilowattHoursHigh, significant: 4)) kWh a year "
                + "(GPU power × \(QueryRange.ratio(r.band.ratioLow))–\(QueryRange.ratio(r.band.ratioHigh)), the estimator's measured error"
                + (r.unlimitedWattsPerGPUHigh > powerLimitWatts ? "; the high end held at the GPUs' limit" : "") + ")\n"
        }
        s += "\nVERDICT: \(verdict)\n\nASSUMPTIONS\n" + assumptions.map { "  - \($0)\n" }.joined()
        return s
    }
}
