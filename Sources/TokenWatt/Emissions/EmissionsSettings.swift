import Foundation
import KernelPower

/// Where and how a workload's electricity is accounted: the `emissions` object of a workload
/// file (for all scenarios, or one scenario's own). Values given here are the user's and are
/// reported as coming from the workload file; everything left out comes from the catalogs. A
/// scenario's object is merged key by key over the workload's: its keys override, the rest are
/// inherited (replacing the whole object had dropped the price, period, provider, PPA and
/// lifetimes of any scenario that set only its region).
public struct EmissionsSettings: Sendable {
    /// A grid region or cloud region id (`grids.json`).
    public var region = "world"
    /// Hourly intensity for local hours 0–23, g CO2e/kWh, from the user (replaces the region's
    /// annual figure and daily shape for the location-based figure).
    public var hourlyIntensity: [Double]?
    public var hourlySource: String?
    /// Share of consumption covered by contractual instruments (PPAs, certificates) and their
    /// emission factor, for the market-based figure.
    public var contractualShare = 0.0
    public var contractualGramsPerKWh = 0.0
    public var contractualInstrument = "contractual instruments"
    public var residualMixGramsPerKWh: Double?
    /// Data-centre operator whose published PUE and WUE are the defaults (`facilities.json`).
    public var provider: String?
    /// `provider` is the operator of the cloud region (`gcp-europe-west3` → google), the file
    /// naming no provider, pue or WUE: such a workload had been charged the industry's PUE 1.54
    /// and WUE 0.37 (0.432 Wh a query, 15.8 GWh a year, where Google's 1.09 gives 0.306 Wh and
    /// 11.2 GWh) with no word of `provider`. A scenario that sets its own pue drops it
    /// (`withoutRegionOperator`).
    public var providerFromRegion = false
    /// The cloud region's operator whose paired figures this scenario does not take because the
    /// file sets its own `pue` (its WUE is dropped with its PUE) or `wueLitresPerKWh` (its PUE is
    /// dropped with its WUE): the report says so, where it had printed the default beside the
    /// other figure with no word of why the operator's was not used.
    public var droppedRegionOperator: (id: String, because: String)?
    public var wueLitresPerKWh: Double?
    public var waterLitresPerKWh: Double?
    public var embodied = true
    /// Whether a scenario's own `emissions` object set `embodied`, not the workload's: the report
    /// says whose setting leaves embodied emissions out.
    public var embodiedSetByScenario = false
    public var gpuLifetimeYears: Double?
    public var nodeLifetimeYears: Double?
    public var reportingPeriodDays = 365.0
    public var pricePerKWh: Double?
    public var currency = "USD"
    /// The keys the file gave (a scenario's: its own and those it inherits), so that a merge
    /// knows what was set rather than defaulted.
    public var givenKeys: Set<String> = []
    /// The keys this object itself gave (not inherited): a mix's are checked against its parts'.
    public var ownKeys: Set<String> = []
    /// Notes the report prints beside the account (a scenario on another region inheriting
    /// the workload's region-bound figures).
    public var notes: [String] = []

    public init() {}

    /// Keys whose figure belongs to one grid: a scenario that moves to another region but
    /// inherits them is told so.
    static let regionBoundKeys = ["hourlyIntensity", "contractualShare", "contractualGramsPerKWh", "residualMixGramsPerKWh",
                                  "waterLitresPerKWh", "pricePerKWh"]

    /// Keys whose figures a mix takes from its parts (`EmissionsAccountant.mixAccount`): on a mix
    /// each must be what every part has; `embodied` and `reportingPeriodDays` are the mix's own.
    static let partKeys = ["region", "hourlyIntensity", "contractualShare", "contractualGramsPerKWh", "contractualInstrument",
                           "residualMixGramsPerKWh", "provider", "wueLitresPerKWh", "waterLitresPerKWh", "gpuLifetimeYears",
                           "nodeLifetimeYears", "pricePerKWh", "currency"]

    /// A key's value as an error quotes it ("none" where unset).
    func value(of key: String) -> String {
        func n(_ x: Double?) -> String { x.map { formatNumber($0) } ?? "none" }
        switch key {
        case "region": return region.lowercased()
        case "hourlyIntensity": return hourlyIntensity.map { "[" + $0.map { formatNumber($0) }.joined(separator: ", ") + "]" } ?? "none"
        case "contractualShare": return n(contractualShare)
        case "contractualGramsPerKWh": return n(contractualGramsPerKWh)
        case "contractualInstrument": return contractualInstrument
        case "residualMixGramsPerKWh": return n(residualMixGramsPerKWh)
        case "provider": return provider ?? "none"
        case "wueLitresPerKWh": return n(wueLitresPerKWh)
        case "waterLitresPerKWh": return n(waterLitresPerKWh)
        case "gpuLifetimeYears": return n(gpuLifetimeYears)
        case "nodeLifetimeYears": return n(nodeLifetimeYears)
        case "pricePerKWh": return n(pricePerKWh)
        case "currency": return currency
        default: return ""
        }
    }
}

// MARK: - Price and currency

extension EmissionsSettings {
    /// What a currency must be, as an error states it.
    public static let currencyExpected = "a currency code of three letters A–Z as ISO 4217 has them, such as USD or EUR "
        + "(lower case is read as upper; the unit every cost is printed in)"

    /// `value` as an ISO 4217 code, upper-cased ("eur" → "EUR"), or nil where it is not three
    /// ASCII letters. ISO 4217 codes are three upper-case letters A–Z; a mix of parts in "EUR" and
    /// "eur" had printed no cost ("different currencies (EUR, eur)"), and "<b>X</b>" had been
    /// taken as one word and gone raw into the Markdown.
    public static func currencyCode(_ value: String) -> String? {
        guard value.count == 3, value.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) || ("a"..."z").contains($0) }) else { return nil }
        return value.uppercased()
    }

    /// Refuses a currency that labels no price of its own: price and currency are one unit.
    /// A scenario that set only `currency` over the workload's `pricePerKWh` 0.12 USD had its
    /// price relabelled 0.12 EUR/kWh with no word (the factors table read "0.12 EUR/kWh |
    /// workload file"), and a currency with no price anywhere was dropped silently (JSON
    /// `currency` null). A scenario may restate the currency it inherits; a mix is left to its
    /// parts, whose costs it adds (`WorkloadReader.mixEmissionsMismatch` checks its own keys).
    /// - Throws: `InputError.invalidValue` naming `scenarios[i].emissions.currency` or
    ///   `emissions.currency`.
    static func checkPriceCurrency(workload w: EmissionsSettings, scenarios: [Scenario], file: String) throws {
        for (i, s) in scenarios.enumerated() {
            if case .mix = s.kind { continue }
            guard let e = s.emissions, e.ownKeys.contains("currency"), !e.ownKeys.contains("pricePerKWh") else { continue }
            let field = "scenarios[\(i)].emissions.currency"
            if let p = w.pricePerKWh {
                guard e.currency != w.currency else { continue }
                throw InputError.invalidValue(file: file, field: field, value: e.currency,
                                              expected: "\(w.currency), the currency of the price it inherits (the workload's pricePerKWh "
                                                  + "\(formatNumber(p)) is \(w.currency) per kWh): a price and its currency are one unit, so set "
                                                  + "pricePerKWh beside currency in this scenario's emissions object, or leave currency off")
            }
            throw InputError.invalidValue(file: file, field: field, value: e.currency,
                                          expected: "a currency beside a price: this scenario has no pricePerKWh, its own or the workload's, "
                                              + "so no cost is printed in it (set pricePerKWh, or leave currency off)")
        }
        if w.ownKeys.contains("currency"), w.pricePerKWh == nil, !scenarios.contains(where: { $0.emissions?.pricePerKWh != nil }) {
            throw InputError.invalidValue(file: file, field: "emissions.currency", value: w.currency,
                                          expected: "a currency beside a price: neither the workload nor any scenario sets pricePerKWh, "
                                              + "so no cost is printed in it (set pricePerKWh, or leave currency off)")
        }
    }
}

extension EmissionsSettings {
    /// Refuses an instruments' factor that covers no consumption: `contractualGramsPerKWh` 50
    /// with no `contractualShare` (0) had been dropped with no word, the market-based figure all
    /// at the residual mix. A workload's factor stands where some scenario sets a share for it.
    /// - Throws: `InputError.invalidValue` naming `emissions.contractualGramsPerKWh` or
    ///   `scenarios[i].emissions.contractualGramsPerKWh`.
    static func checkContractualFactor(workload w: EmissionsSettings, scenarios: [Scenario], file: String) throws {
        let expected = "a contractualShare above 0 beside it: a factor with no share of consumption covers nothing, so it would be ignored "
            + "(set contractualShare, the share of consumption the instruments cover, or leave contractualGramsPerKWh off)"
        for (i, s) in scenarios.enumerated() {
            if case .mix = s.kind { continue }
            guard let e = s.emissions, e.ownKeys.contains("contractualGramsPerKWh"), e.contractualShare == 0 else { continue }
            throw InputError.invalidValue(file: file, field: "scenarios[\(i)].emissions.contractualGramsPerKWh",
                                          value: formatNumber(e.contractualGramsPerKWh), expected: expected)
        }
        guard w.ownKeys.contains("contractualGramsPerKWh"), w.contractualShare == 0,
              !scenarios.contains(where: { ($0.emissions?.contractualShare ?? 0) > 0 }) else { return }
        throw InputError.invalidValue(file: file, field: "emissions.contractualGramsPerKWh", value: formatNumber(w.contractualGramsPerKWh), expected: expected)
    }
}

extension EmissionsSettings {
    /// These settings without the operator taken from the cloud region: for a scenario that
    /// sets its own pue, whose site is then not known to be the operator's fleet average.
    public func withoutRegionOperator() -> EmissionsSettings {
        guard providerFromRegion else { return self }
        var s = self
        s.droppedRegionOperator = provider.map { ($0, "pue") }
        s.provider = nil
        s.providerFromRegion = false
        return s
    }

    /// The note a report gives where the operator came from the cloud region, naming the
    /// figures used and those they replace; nil otherwise.
    public func regionOperatorNote(_ facilities: FacilityCatalog = .bundled) -> String? {
        guard providerFromRegion, let id = provider, let p = facilities.provider(named: id) else { return nil }
        func year(_ y: Int?) -> String { y.map { ", \($0)" } ?? "" }
        func wue(_ w: FacilityCatalog.WaterUseEffectiveness) -> String {
            "WUE \(formatNumber(w.litresPerKWh.value)) L per \(w.perFacilityKWh ? "facility" : "IT") kWh (\(w.basis.map(w.basisWords(of:)) ?? "basis not stated")\(year(w.litresPerKWh.year)))"
        }
        let used = [p.pue.map { "fleet PUE \(formatNumber($0.value)) (\(($0.year ?? p.year).map(String.init) ?? "year n/a"))" }, p.wue.map(wue)].compactMap { $0 }
        guard !used.isEmpty else { return nil }
        let instead = [p.pue.map { _ in "the industry's PUE \(formatNumber(facilities.defaultPUE.value))" }, p.wue.map { _ in wue(facilities.defaultWUE) }]
            .compactMap { $0 }
        return "cloud region \(region) is run by \(p.name): its catalogued \(used.joined(separator: " and ")) apply, as \"provider\": \"\(p.id)\" "
            + "would give, not \(instead.joined(separator: " and ")) for an unnamed operator; set provider, pue or wueLitresPerKWh in the workload to use others"
    }
}

extension WorkloadReader.Context {
    /// Parses an `emissions` object; a `hourlyIntensity.file` is read relative to the workload file.
    /// - Parameter base: the workload's settings, for a scenario's object (merged key by key:
    ///   each key given here overrides, every other is inherited).
    func emissions(_ r: JSONObjectReader, path: String, base: EmissionsSettings = EmissionsSettings()) throws -> EmissionsSettings {
        var o = r
        var s = base
        s.givenKeys = base.givenKeys.union(o.keys)
        s.ownKeys = Set(o.keys)
        s.region = try o.optionalString("region") ?? s.region
        _ = try GridCatalog.bundled.region(s.region, context: "\(file): \(path).region")
        // Kept as the catalog's id, as a provider is, so that `uk` reports and compares as `gb`.
        s.region = GridCatalog.bundled.canonicalID(s.region)
        if var h = try o.optionalObject("hourlyIntensity")?.knowing(WorkloadReader.hourlyIntensityKeys) {
            (s.hourlyIntensity, s.hourlySource) = try hourly(&h, path: "\(path).hourlyIntensity")
            try h.finish()
        }
        s.contractualShare = try o.optionalDouble("contractualShare", 0...1, expected: "a fraction of consumption from 0 to 1") ?? s.contractualShare
        s.contractualGramsPerKWh = try o.optionalDouble("contractualGramsPerKWh", 0...2000, expected: Self.gramsPerKWhExpected) ?? s.contractualGramsPerKWh
        s.contractualInstrument = try o.optionalString("contractualInstrument") ?? s.contractualInstrument
        s.residualMixGramsPerKWh = try o.optionalDouble("residualMixGramsPerKWh", 0...2000, expected: Self.gramsPerKWhExpected) ?? s.residualMixGramsPerKWh
        // Kept as the catalog's id, so an alias (`aws`) finds the same figures as its id.
        if let p = try o.optionalString("provider") { s.provider = try FacilityCatalog.bundled.provider(p, file: file, field: "\(path).provider").id }
        s.wueLitresPerKWh = try o.optionalDouble("wueLitresPerKWh", 0...20, expected: "litres per kWh") ?? s.wueLitresPerKWh
        s.waterLitresPerKWh = try o.optionalDouble("waterLitresPerKWh", 0...100, expected: "litres per kWh") ?? s.waterLitresPerKWh
        if let e = try o.optionalBool("embodied") {
            s.embodied = e
            // The workload's own object is read at path "emissions" (`WorkloadReader`); any other is a scenario's.
            s.embodiedSetByScenario = path != "emissions"
        }
        s.gpuLifetimeYears = try o.optionalDouble("gpuLifetimeYears", 0.5...30, expected: "years") ?? s.gpuLifetimeYears
        s.nodeLifetimeYears = try o.optionalDouble("nodeLifetimeYears", 0.5...30, expected: "years") ?? s.nodeLifetimeYears
        s.reportingPeriodDays = try o.optionalDouble("reportingPeriodDays", 1...36_500, expected: "days") ?? s.reportingPeriodDays
        s.pricePerKWh = try o.optionalDouble("pricePerKWh", 0...100, expected: "a price per kWh") ?? s.pricePerKWh
        s.currency = try o.optionalString("currency").map { try Self.currency($0, file: file, field: "\(path).currency") } ?? s.currency
        try o.finish()
        if let note = Self.inheritedAcrossRegions(base: base, own: Set(r.keys), region: s.region) { s.notes.append(note) }
        // Decided again for each object: a scenario that moves off the workload's cloud region
        // leaves its operator behind, one that moves onto another takes that one's.
        let regionOperator = FacilityCatalog.bundled.cloudOperator(ofRegion: s.region)
        s.droppedRegionOperator = nil
        if !s.givenKeys.contains("provider") {
            let op = s.givenKeys.contains("wueLitresPerKWh") ? nil : regionOperator
            s.provider = op?.id
            s.providerFromRegion = op != nil
            if op == nil, let r = regionOperator { s.droppedRegionOperator = (r.id, "wueLitresPerKWh") }
        }
        try Self.checkProvider(s, regionOperator: regionOperator, file: file, path: path)
        return s
    }

    /// What a g/kWh field takes, its range in words: the reader adds the range only where the
    /// words hold no digit, and the 2 of "CO2e" had kept it out ("has value 2001; expected g CO2e
    /// per kWh", where the PUE's, WUE's and price's errors say theirs). The bound is the one
    /// `GridCatalog.carbon` holds the catalog's factors to.
    static let gramsPerKWhExpected = "g CO2e per kWh from 0 to 2000"

    /// Refuses a provider that does not run the cloud region named: `aws-us-east-1` with
    /// `"provider": "google"` had been reported as "operated by `google`" and charged Google's
    /// PUE and WUE for an Amazon site. A grid region may have any operator.
    /// - Throws: `InputError.invalidValue` naming `emissions.provider` (or the region, where the
    ///   provider is inherited) and the region's operator.
    static func checkProvider(_ s: EmissionsSettings, regionOperator op: FacilityCatalog.Provider?, file: String, path: String) throws {
        guard let op, let p = s.provider, p != op.id else { return }
        let own = s.ownKeys.contains("provider")
        throw InputError.invalidValue(file: file, field: own || !s.ownKeys.contains("region") ? "\(path).provider" : "\(path).region",
                                      value: own || !s.ownKeys.contains("region") ? p : s.region,
                                      expected: "a provider that runs the cloud region: \(s.region) is operated by \(op.id) (\(op.name)), "
                                          + "not \(p); leave provider off (the region's operator applies), set it to \(op.id), "
                                          + "or name a grid region for a site that \(p) runs")
    }

    /// A currency as it labels every cost ("0.0284 EUR"): an ISO 4217 code (`EmissionsSettings.currencyCode`).
    /// An empty one had been taken, and the cost printed as a bare 2.84e-6 with an empty CSV
    /// currency cell.
    static func currency(_ value: String, file: String, field: String) throws -> String {
        guard let code = EmissionsSettings.currencyCode(value) else {
            throw InputError.invalidValue(file: file, field: field, value: "'\(value)'", expected: EmissionsSettings.currencyExpected)
        }
        return code
    }

    /// A scenario on another grid than the workload's that inherits figures bound to the
    /// workload's grid (its hourly series, PPA, residual mix, water, price) keeps them, as any
    /// inherited key; the report names them so that a reader can check they still hold. A
    /// workload that names no region binds its figures to none: a price set for every scenario
    /// had been said to differ from the workload's region "world", the default it never chose.
    static func inheritedAcrossRegions(base: EmissionsSettings, own: Set<String>, region: String) -> String? {
        guard own.contains("region"), base.givenKeys.contains("region"), region.lowercased() != base.region.lowercased() else { return nil }
        let kept = EmissionsSettings.regionBoundKeys.filter { base.givenKeys.contains($0) && !own.contains($0) }
        guard !kept.isEmpty else { return nil }
        // The price is named with its currency, the unit it is inherited in (the note had said
        // "`pricePerKWh`" alone beside a scenario that went on to relabel it).
        let words = kept.map { key in
            key == "pricePerKWh" ? "`pricePerKWh` with its `currency` (\(base.pricePerKWh.map { formatNumber($0) } ?? "none") \(base.currency)/kWh)" : "`\(key)`"
        }
        return "this scenario's region (\(region)) differs from the workload's (\(base.region)), yet it inherits the workload's "
            + words.joined(separator: ", ") + ": set them in the scenario's emissions object if they do not hold here"
    }

    /// `{"values": [24 g/kWh]}` or `{"file": "x.csv", "column": "c"}`: an hourly series starting
    /// at local hour 0, as many whole days as it holds, averaged by hour of day (for a load that
    /// repeats daily this gives the same total as the full series).
    func hourly(_ o: inout JSONObjectReader, path: String) throws -> ([Double], String) {
        if let raw = try o.optionalArray("values") {
            let v = try raw.enumerated().map { i, x -> Double in
                guard case let .number(n) = x, n >= 0, n <= 5000 else {
                    throw InputError.invalidValue(file: file, field: "\(path).values[\(i)]", value: x.shortDescription, expected: "g CO2e per kWh from 0 to 5000")
                }
                return n
            }
            guard v.count == 24 else { throw InputError.invalidValue(file: file, field: "\(path).values", value: "\(v.count) values", expected: "24 hourly values") }
            return (v, "workload file \(file)")
        }
        let name = try o.string("file"), column = try o.string("column")
        let csv = name.hasPrefix("/") ? name : URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent(name).path
        let table: CSVTable
        // Named as a missing trace is: the workload and its field, not the CSV's path alone.
        do { table = try CSVTable.read(path: csv) } catch {
            throw InputError.invalidValue(file: file, field: "\(path).file", value: name,
                                          expected: "a readable CSV of hourly g CO2e per kWh, relative to the workload file (\(error))")
        }
        inputs.record(role: "hourly carbon intensity", name: name, full: csv, base: .workloadFolder)
        guard let c = table.column(column) else {
            throw InputError.unknownID(kind: "column", id: column, suggestions: Suggestions.closest(to: column, among: table.header), context: "\(file): \(csv)")
        }
        let values = try table.rows.map { row -> Double in
            guard c < row.fields.count, let x = Double(decimal: row.fields[c]), x >= 0, x <= 5000 else {
                throw InputError.invalidValue(file: table.file, field: "line \(row.line) \(column)", value: c < row.fields.count ? row.fields[c] : "",
                                              expected: "g CO2e per kWh from 0 to 5000")
            }
            return x
        }
        guard values.count >= 24, values.count % 24 == 0 else {
            throw InputError.invalidValue(file: table.file, field: column, value: "\(values.count) rows", expected: "whole days of hourly values (a multiple of 24)")
        }
        let days = Double(values.count / 24)
        return ((0..<24).map { h in stride(from: h, to: values.count, by: 24).reduce(0) { $0 + values[$1] } / days },
                "\(table.file) (\(values.count / 24) days, averaged by hour)")
    }
}
