import Foundation
import KernelPower

/// Carbon (location- and market-based, side by side), water (on-site and off-site), embodied
/// emissions and cost, in base units: Wh, g CO2e, litres, money.
public struct Impact: Sendable, Equatable {
    public var energyWh = 0.0
    public var locationGrams = 0.0
    public var marketGrams = 0.0
    public var waterOnsiteLitres = 0.0
    public var waterOffsiteLitres = 0.0
    /// Nil where nothing was counted (no provisioned fleet, no published footprint, or the
    /// workload turned it off): reports print "not counted", never 0 g.
    public var embodiedGrams: Double?
    public var cost: Double?

    func scaled(_ k: Double) -> Impact {
        Impact(energyWh: energyWh * k, locationGrams: locationGrams * k, marketGrams: marketGrams * k,
               waterOnsiteLitres: waterOnsiteLitres * k, waterOffsiteLitres: waterOffsiteLitres * k,
               embodiedGrams: embodiedGrams.map { $0 * k }, cost: cost.map { $0 * k })
    }
}

/// A factor used in the accounting, printed with its source in every report.
public struct AccountingFactor: Sendable, Equatable {
    public var name: String
    public var value: String
    public var source: String
}

/// A scenario's emissions account.
public struct EmissionsResult: Sendable {
    public var regionID: String
    public var regionName: String
    /// Load-weighted location-based intensity and the market-based one, g CO2e/kWh.
    public var locationGramsPerKWh: Double
    public var marketGramsPerKWh: Double
    /// Mean query, one day, the reporting period.
    public var perQuery: Impact
    public var perDay: Impact
    public var perPeriod: Impact
    public var periodDays: Double
    /// Location-based carbon of the median query and of P5 / P95 queries, g.
    public var medianQueryLocationGrams: Double
    public var p5QueryLocationGrams: Double
    public var p95QueryLocationGrams: Double
    /// Intensity by local hour (g/kWh) and emissions by hour (kg CO2e/h, location-based).
    public var hourlyIntensity: [Double]
    public var hourlyKilograms: [Double]
    public var currency: String
    public var factors: [AccountingFactor]
    public var notes: [String]
    /// What the embodied figure leaves out for want of a published footprint.
    public var embodiedMissing = EmbodiedMissing()
    /// What the location- and market-based factors count (nil: the workload's own figure, whose
    /// basis the file does not state, or a mix's parts on different bases: `basesDiffer`).
    public var locationBasis: CarbonBasis?
    public var marketBasis: CarbonBasis?
    /// One kWh of the scenario's energy at its boundary (energyWh 1000): carbon both ways, water
    /// and cost, no embodied. A mix charges it on the energy each part adds.
    public var perKWh = Impact()
    /// Share of the day's energy in each local hour, which weighs the hourly intensity.
    public var hourlyEnergyShares: [Double] = []
    /// A day's carbon, g, both ways, with every query's GPU energy at one end of its GPU's measured
    /// error band, at the intensities the day is charged (nil without a band).
    public var dayCarbonRange: (location: Bounds, market: Bounds)?
    /// A mix's parts as its account blends them (empty for any other scenario).
    public var mixGrids: [MixGrid] = []
    /// The year of the location- and market-based factors from the catalog (nil: the workload's
    /// own figure, no year, or a mix whose parts' years differ): CSV `location_year`,
    /// `market_year`, which had been in words only ("(2024, lifecycle CO2e)").
    public var locationYear: Int?
    public var marketYear: Int?
    /// What the on-site and off-site water count (withdrawn or consumed): they are summed only
    /// where both count the same.
    public var waterBases = WaterBases()
    /// The period's totals with the day's energy at the ends of its measured error band (nil
    /// without a band): carbon at the intensities the day is charged, water and cost by the
    /// energy's own ratio, since they are per kWh; embodied has no range (nil at both ends), for
    /// the catalog's footprints give none. A disclosure had ranges for GWh and t a day only.
    public var periodRange: ImpactRange?
    /// Share of consumption under contractual instruments (PPAs, certificates) in the market-based
    /// figure, 0 where the workload states none (a mix's: its parts' weighted by the energy each
    /// adds): every report states it, where 0 % had been said by no line.
    public var contractualShare = 0.0
    /// Where the scenario's electricity is bought: a cloud region (`aws-us-east-1`, its provider)
    /// or a named data-centre provider, nil where the workload names neither. A tenant of either
    /// reports the carbon as Scope 3 category 1, not Scope 2.
    public var host: Host?
    /// How the location-based factor used is derived from the cited one (an annual figure shaped
    /// by the hour and weighted by the load, or why it is the cited figure unchanged): Spain's cited
    /// 146.15 g CO2e/kWh had printed as 140.7 with no word of why.
    public var locationDerivation: String?
    /// A day's embodied grams of the provisioned GPUs alone (nil where none is counted): the
    /// embodied figure counts their servers too, whatever the boundary.
    public var embodiedGPUGramsPerDay: Double?
    /// What the market-based figure charges consumption no instrument covers (nil: a mix whose
    /// parts differ): a grid without a residual mix in the catalog (Norway, Switzerland, the UK)
    /// takes its location-based factor, which had been admitted in a note alone, so Norway's
    /// 30.75 g read as the cleanest market-based figure in a table of regions.
    public var marketFactor: MarketFactor?
    /// The numeric factors a comparison of regions needs, which `factors` gives in words only:
    /// the on-site WUE as published (L per kWh of IT or facility energy) and the off-site water
    /// per kWh generated (nil where none is counted), and the price per kWh in `currency`
    /// (nil without one). A mix's are its parts' where all agree, else nil.
    public var wue: (litresPerKWh: Double, perFacilityKWh: Bool)?
    public var waterOffsiteLitresPerKWh: Double?
    public var pricePerKWh: Double?
    /// Output tokens the mean query generates (every call and sequence; a kernel scenario's
    /// drawn classes by share, a mix's parts' by share where each has one; nil for a throughput
    /// table, which gives no tokens).
    public var outputTokensPerQuery: Double?

    /// Electricity cost per million output tokens: the mean query's cost ÷ its output tokens ×
    /// 10⁶, in `currency` (nil without a price or without tokens). The unit a FinOps comparison
    /// of models is made in; the report had cost per query and per day only.
    public var costPerMillionOutputTokens: Double? {
        guard let c = perQuery.cost, let t = outputTokensPerQuery, t > 0 else { return nil }
        return c / t * 1e6
    }

    /// A day's electricity cost with the day's energy at the ends of its measured error band:
    /// the period's low–high ÷ its days, as cost is per kWh (nil without a band or a price).
    public var dayCostRange: Bounds? {
        guard let r = periodRange, let low = r.low.cost, let high = r.high.cost, periodDays > 0 else { return nil }
        return Bounds(low: low / periodDays, high: high / periodDays)
    }

    /// Whether a mix's parts' location- and market-based factors differ in basis: their blend
    /// then mixes what each counts.
    public var basesDiffer: (location: Bool, market: Bool) {
        (Set(mixGrids.map { $0.locationBasis?.rawValue ?? "" }).count > 1, Set(mixGrids.map { $0.marketBasis?.rawValue ?? "" }).count > 1)
    }

    /// The bases as CSV and JSON name them: the catalog's, "mixed" for a mix's parts on different
    /// bases, nil for the workload's own figure.
    public var basisNames: (location: String?, market: String?) {
        (basesDiffer.location ? "mixed" : locationBasis?.rawValue, basesDiffer.market ? "mixed" : marketBasis?.rawValue)
    }
}

/// What a market-based figure charges the consumption no contractual instrument covers.
public enum MarketFactor: String, Sendable, CaseIterable {
    /// The catalog's residual mix for the grid (AIB, Green-e).
    case residualMix = "residual-mix"
    /// The workload file's own `residualMixGramsPerKWh`.
    case workloadResidualMix = "workload-residual-mix"
    /// No residual mix in the catalog: the grid's annual location-based factor stands in (the
    /// GHG Protocol Scope 2 Guidance's last resort), which usually understates it.
    case locationFallback = "location-fallback"
    /// Instruments cover all consumption: nothing is left to a residual mix.
    case contract

    /// What a table cell beside the market-based figure adds: " (location factor)" for the
    /// fallback, where the figure is the grid's location-based factor and no market-based one.
    public var cellMark: String { self == .locationFallback ? " (location factor)" : "" }
}

/// Low and high ends of a period's totals (`EmissionsResult.periodRange`): embodied and its
/// share nil at both.
public struct ImpactRange: Sendable, Equatable {
    public var low: Impact
    public var high: Impact
}

/// Whose site a scenario runs in, as the workload names it: the operator of that site reports
/// its electricity as Scope 2; a tenant renting capacity there, as Scope 3 category 1.
public struct Host: Sendable, Equatable {
    /// The cloud region's id, nil where only a provider is named.
    public var cloudRegion: String?
    /// The provider's id (`amazon`), from the cloud region or the workload's `provider`.
    public var provider: String?

    /// "cloud region `aws-us-east-1`, operated by `amazon`", "the site's operator is `google`"
    /// (a provider named alone may run its own workload: it is then the operator, not a tenant).
    public var words: String {
        if let c = cloudRegion { return "cloud region `\(c)`" + (provider.map { ", operated by `\($0)`" } ?? "") }
        return "the site's operator is `\(provider ?? "")`"
    }
}

/// A mix's part as its account names it: its share, its grid and its factors with their bases.
public struct MixGrid: Sendable, Equatable {
    public var scenario: String
    public var share: Double
    public var regionID: String
    public var regionName: String
    public var locationGramsPerKWh: Double
    public var marketGramsPerKWh: Double
    public var locationBasis: CarbonBasis?
    public var marketBasis: CarbonBasis?
}

/// A mix's component as the mix's account needs it: its share of the mix's queries, its own
/// account, whether the mix divides its energy by a lever, and what it adds to the mix
/// (`MixContribution`: Wh to its mean query and to its day per query of the mix, the samples it
/// gave, its day's error band ÷ its day).
public struct MixPart: Sendable {
    public var scenario: String
    public var share: Double
    public var emissions: EmissionsResult
    public var divided: Bool
    public var queryWattHours: Double
    public var dayWattHours: Double
    public var samples: Int
    public var bandRatios: Bounds?

    /// - Parameter contribution: what the part adds to the mix; without it, its share of its own
    ///   mean query, to the mean and the day alike, and no band.
    public init(scenario: String, share: Double, emissions: EmissionsResult, divided: Bool, contribution: MixContribution? = nil) {
        self.scenario = scenario; self.share = share; self.emissions = emissions; self.divided = divided
        queryWattHours = contribution?.queryWattHours ?? share * emissions.perQuery.energyWh
        dayWattHours = contribution?.dayWattHours ?? queryWattHours
        samples = contribution?.samples ?? 0
        bandRatios = contribution?.bandRatios
    }
}

/// The provisioned hardware an embodied figure could not count: GPUs and servers with no
/// published footprint. A report must not print a partial sum as the whole, nor 0 as none.
public struct EmbodiedMissing: Sendable, Equatable {
    public var gpus: [String] = []
    public var nodes: [String] = []
    /// Scenarios (a throughput table, or a mix's part) that provision no fleet to count.
    public var scenarios: [String] = []
    /// Scenarios whose settings turn embodied emissions off (`"embodied": false`): the CSV and
    /// JSON had left `embodied_not_counted` empty beside an empty figure, with no word of why.
    public var switchedOff: [String] = []
    /// Whether some GPU's, some server's footprint was counted: a scenario with 270 H100s counted
    /// and its MI300Xs missing had printed "200 kg (servers only)", 74 kg of it the H100s'.
    public var gpusCounted = false
    public var serversCounted = false
    /// Counted hardware whose footprint counts stages beyond manufacturing, by id (`a100-pcie-40gb`:
    /// distribution and end of life), which the report's exclusions must not deny.
    public var beyondManufacturing: [String: [String]] = [:]
    public var isEmpty: Bool { gpus.isEmpty && nodes.isEmpty && scenarios.isEmpty && switchedOff.isEmpty }

    /// What a figure of `grams` covers, for a table cell: the figure, marked where it is partial
    /// ("(servers only)" where no GPU was counted, "(GPUs only)" where no server was), or
    /// "not counted" where there is none.
    public func label(_ grams: Double?, _ mass: (Double) -> String) -> String {
        guard let g = grams else { return "not counted" }
        if isEmpty { return mass(g) }
        let whole = scenarios.isEmpty && switchedOff.isEmpty
        let serversOnly = whole && nodes.isEmpty && !gpus.isEmpty && !gpusCounted
        let gpusOnly = whole && gpus.isEmpty && !nodes.isEmpty && !serversCounted
        return mass(g) + (serversOnly ? " (servers only)" : gpusOnly ? " (GPUs only)" : " (partial)")
    }

    /// The list a CSV cell carries: `gpu X; server Y; no fleet: Z; embodied: false for scenario W`
    /// ("for", not "in": the workload's own setting turns every scenario's off, and the note says
    /// which of the two set it).
    public var csvCell: String {
        (gpus.map { "gpu \($0)" } + nodes.map { "server \($0)" } + scenarios.map { "no fleet: \($0)" }
            + switchedOff.map { "embodied: false for scenario \($0)" }).joined(separator: "; ")
    }

    /// Adds another account's gaps, each name once, and what it counted.
    mutating func merge(_ o: EmbodiedMissing) {
        gpus = (gpus + o.gpus).uniqued()
        nodes = (nodes + o.nodes).uniqued()
        scenarios = (scenarios + o.scenarios).uniqued()
        switchedOff = (switchedOff + o.switchedOff).uniqued()
        gpusCounted = gpusCounted || o.gpusCounted
        serversCounted = serversCounted || o.serversCounted
        beyondManufacturing.merge(o.beyondManufacturing) { a, _ in a }
    }
}
