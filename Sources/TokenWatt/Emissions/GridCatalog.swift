import Foundation
import KernelPower

/// A published figure with where it came from.
public struct SourcedValue: Sendable, Equatable {
    public var value: Double
    public var year: Int?
    public var source: String
    /// For a grid carbon factor: what its grams count (nil for other figures).
    public var basis: CarbonBasis?
    /// Why the figure has no year, where its source gives none (`yearNote` in the catalogs): 26
    /// water intensities and 13 server footprints had an empty year with nothing said.
    public var yearNote: String?

    public init(_ value: Double, year: Int? = nil, source: String, basis: CarbonBasis? = nil, yearNote: String? = nil) {
        self.value = value; self.year = year; self.source = source; self.basis = basis; self.yearNote = yearNote
    }
}

/// What a grid carbon factor counts. Sources differ: Ember's country figures are lifecycle CO2e
/// (fuel supply, plant construction and methane leaks included), eGRID's and Green-e's residual
/// mixes are direct combustion CO2e at the plant, and AIB's residual mixes direct combustion CO2
/// alone ("direct CO2 only", their own words), without methane or nitrous oxide. The GHG
/// Protocol puts the upstream part in Scope 3 category 3, so a location- and a market-based
/// figure on different bases differ partly by basis, not only by contracts; reports say which
/// each is.
public enum CarbonBasis: String, Sendable, CaseIterable {
    case lifecycle, direct
    case directCO2 = "direct-co2"

    /// The basis as a report's sentence names it.
    public var words: String {
        switch self {
        case .lifecycle: "lifecycle CO2e"
        case .direct: "direct combustion"
        case .directCO2: "direct combustion, CO2 only"
        }
    }

    /// The unit of a factor on this basis: CO2 alone is no CO2e (AIB's 788.24 g CO2/kWh for
    /// Poland had been printed as g CO2e/kWh).
    public var unit: String { self == .directCO2 ? "g CO2/kWh" : "g CO2e/kWh" }
}

/// An electricity grid region: a country, a US eGRID subregion or the world, with its
/// location-based carbon intensity and, where published, its residual mix (for market-based
/// accounting), the water consumed to generate its electricity and its average daily shape.
public struct GridRegion: Sendable {
    public var id: String
    public var name: String
    public var kind: String
    /// Annual average intensity, g CO2e per kWh.
    public var location: SourcedValue
    public var residualMix: SourcedValue?
    /// Where a residual mix is published for the region but the catalog holds none (Norway,
    /// Switzerland and the UK, in AIB's area outside the EU; Austria, which AIB prints as N/A):
    /// what is published and which way the fallback errs, with its source.
    public var residualMixMissing: String?
    /// Off-site water consumed per kWh generated, litres.
    public var waterLitresPerKWh: SourcedValue?
    /// 24 multipliers (local hours 0–23, mean 1) on the annual intensity, with the year of the
    /// hourly data they were drawn from (read and dropped before: `regions` printed no year).
    /// `basis`: what the hourly data counted (Electricity Maps' "direct"), which may differ from
    /// the annual factor's; only the shape is used, and a report says where year or basis differ.
    public var hourlyProfile: (values: [Double], year: Int?, source: String, basis: CarbonBasis?)?
    /// Other names a workload may give it (`uk` for `gb`, whose ISO code it is not): `uk` had
    /// been offered dk, us and ae, every two-letter code one letter away, and never gb.
    public var aliases: [String] = []
    /// The ISO 3166 alpha-3 code the region's own sources key it by (`deu`: co2.js's "key DEU",
    /// EcoLogits' "row DEU"), nil where they give none: `deu`, `gbr` and `sgp` had been offered
    /// nothing, the two-letter ids being too short to fall within any edit distance.
    public var iso3: String?

    /// The names a region may be typed as or is near: its id, its name, its aliases, its ISO-3
    /// code, the eGRID acronym its name ends in (`camx` of "WECC California (CAMX)", so that
    /// `us-camx` finds `us-egrid-camx`) and its name's words of 4 letters or more (`californa` →
    /// California).
    var names: [String] {
        let name = self.name.lowercased()
        var code: [String] = []
        if let open = name.lastIndex(of: "("), name.hasSuffix(")") {
            code = [String(name[name.index(after: open)..<name.index(before: name.endIndex)])]
        }
        let words = name.split { !$0.isLetter }.map(String.init).filter { $0.count >= 4 }
        return [id, name] + aliases + [iso3].compactMap { $0 } + code + words
    }

    /// The ISO-3 code a source keys a country by: co2.js's "key DEU" (the location factor's),
    /// else EcoLogits' "row DEU" (the water's). Only for countries: the world's "row WOR" is
    /// EcoLogits' own code.
    static func iso3(kind: String, sources: [String]) -> String? {
        guard kind == "country" else { return nil }
        for (source, marker) in zip(sources, ["key ", "row "]) {
            for piece in source.components(separatedBy: marker).dropFirst() {
                let code = piece.prefix(while: { $0.isASCII && $0.isUppercase })
                if code.count == 3 { return code.lowercased() }
            }
        }
        return nil
    }
}

/// A cloud provider's region and the grid region it draws from.
public struct CloudRegion: Sendable {
    public var id: String
    /// The operator as the facility catalog's provider id (`amazon`, not `aws`), so that every
    /// report and listing spells it one way (one report had said `aws`, another `amazon`).
    public var provider: String
    public var location: String
    public var region: String
    public var source: String
    /// The names a cloud region is near: its id, its location ("EU (Frankfurt)") and the
    /// location's words of 4 letters or more (`frankfrut` → Frankfurt): it had been compared by
    /// id alone, so a misspelt city was offered nothing where the right one found three.
    var names: [String] {
        [id, location.lowercased()] + location.lowercased().split { !$0.isLetter }.map(String.init).filter { $0.count >= 4 }
    }

    /// The finer grid this region's factor stands in for, where it is a national (or wider)
    /// average for a sub-grid known to differ (Montréal's cloud regions on Québec's hydro grid
    /// take Canada's mean): a report says so beside the figure.
    public var standsInFor: StandIn?

    /// A sub-grid without a figure of its own here, and whether it is known to be cleaner or
    /// dirtier than the average used (nil: known to differ, direction not sourced).
    public struct StandIn: Sendable {
        public var grid: String
        public var relative: String?
    }
}

/// The bundled grid catalog (`grids.json`).
public struct GridCatalog: Sendable {
    public let regions: [GridRegion]
    public let cloudRegions: [CloudRegion]

    public static let bundled: GridCatalog = {
        do { return try loadBundled() } catch { fatalError("bundled grid catalog is invalid: \(error)") }
    }()

    public static func loadBundled() throws -> GridCatalog {
        guard let url = Bundle.module.url(forResource: "grids", withExtension: "json") else {
            throw InputError.unreadable(file: "grids.json", reason: "bundled resource missing")
        }
        return try load(try Data(contentsOf: url), file: "grids.json")
    }

    /// The grid region an id names: a grid region's own id or alias, or a cloud region's id.
    public func region(_ id: String, context: String = "") throws -> (grid: GridRegion, cloud: CloudRegion?) {
        let key = id.lowercased()
        if let r = regions.first(where: { $0.id == key || $0.aliases.contains(key) }) { return (r, nil) }
        if let c = cloudRegions.first(where: { $0.id == key }), let r = regions.first(where: { $0.id == c.region }) { return (r, c) }
        throw InputError.unknownID(kind: "grid or cloud region", id: id, suggestions: suggestions(for: key), context: context)
    }

    /// The id a region is kept under: a grid alias's region id (`uk` → `gb`), else `id` in lower
    /// case as the catalog spells ids (`GB` had been kept as `GB`, another region to a report).
    public func canonicalID(_ id: String) -> String {
        regions.first { $0.aliases.contains(id.lowercased()) }?.id ?? id.lowercased()
    }

    /// The ids nearest an unknown one. A region asked for by its name ("germany") or the start
    /// of it suggests its id ("de") first; then the regions whose id or name holds it, as
    /// `regions --match` finds them (a city: "frankfurt" had been offered nothing though three
    /// cloud regions are there, "virginia" only us-egrid-srvc and not aws-us-east-1); then each
    /// region is as near as the nearest of its id, name, aliases and eGRID acronym (`germny` →
    /// de through "Germany", `us-camx` → us-egrid-camx through "CAMX").
    /// A short key first offers the country it codes: its ISO-3 code (`deu` → de), or a
    /// two-letter id it starts with (`sgp` → sg).
    func suggestions(for key: String) -> [String] {
        let coded = regions.filter { $0.iso3 == key || (key.count == 3 && $0.id.count == 2 && key.hasPrefix($0.id)) }.map(\.id)
        let byName = regions.filter { $0.name.lowercased() == key || $0.name.lowercased().hasPrefix(key + " ") }.map(\.id)
        // At most 8 (`regions --match` lists the rest): "east" is in 20 ids.
        let held = key.count < 3 ? [] : CatalogConstants.regions(self).filter { r in
            [r.id, r.name].contains { $0.lowercased().contains(key) }
        }.map(\.id).uniqued().prefix(8)
        // Grids before clouds: `germny` offers de before the German cloud regions.
        let near = Suggestions.closest(to: key, amongEntries: regions.map(\.names))
            + Suggestions.closest(to: key, amongEntries: cloudRegions.map(\.names))
        return (coded + byName + held + near).uniqued()
    }

    /// The ids nearest `text`, as an unknown region in a workload is told them (`sgp` → sg,
    /// `frankfrut` → the three Frankfurt cloud regions), for `regions --match`.
    public func nearestIDs(to text: String) -> [String] { suggestions(for: text.lowercased()) }

    public static func load(_ data: Data, file: String) throws -> GridCatalog {
        var top = try JSONObjectReader(try JSONParser.parse(data, file: file), file: file, path: "")
        _ = try top.schemaVersion(highest: 1)
        _ = try top.optionalString("description")
        let regions = try top.array("regions").enumerated().map { i, v in try region(v, file: file, path: "regions[\(i)]") }
        let clouds = try top.array("cloudRegions").enumerated().map { i, v -> CloudRegion in
            var o = try JSONObjectReader(v, file: file, path: "cloudRegions[\(i)]")
            var c = CloudRegion(id: try o.string("id"), provider: try o.string("provider"), location: try o.string("location"),
                                region: try o.string("region"), source: try o.string("source"))
            if var x = try o.optionalObject("standsInFor") {
                c.standsInFor = .init(grid: try x.string("grid"), relative: try x.optionalString("relative", allowed: ["cleaner", "dirtier"]))
                try x.finish()
            }
            try o.finish()
            guard regions.contains(where: { $0.id == c.region }) else {
                throw InputError.invalidValue(file: file, field: "cloudRegions[\(i)].region", value: c.region, expected: "a region id of this file")
            }
            return c
        }
        try top.finish()
        let ids = regions.flatMap { [$0.id] + $0.aliases } + clouds.map(\.id)
        if let dup = ids.first(where: { id in ids.filter { $0 == id }.count > 1 }) { throw InputError.duplicateID(file: file, kind: "region", id: dup) }
        return GridCatalog(regions: regions, cloudRegions: clouds)
    }

    static func region(_ v: JSONValue, file: String, path: String) throws -> GridRegion {
        var o = try JSONObjectReader(v, file: file, path: path)
        var r = GridRegion(id: try o.string("id"), name: try o.string("name"), kind: try o.string("kind"),
                           location: try carbon(try o.object("location")))
        r.residualMix = try o.optionalObject("residualMix").map(carbon)
        r.residualMixMissing = try o.optionalString("residualMixMissing")
        r.aliases = try o.stringArray("aliases").map { $0.lowercased() }
        r.waterLitresPerKWh = try o.optionalObject("waterLitresPerKWh").map { try sourced($0, key: "value", range: 0...100) }
        r.iso3 = GridRegion.iso3(kind: r.kind, sources: [r.location.source, r.waterLitresPerKWh?.source ?? ""])
        if var h = try o.optionalObject("hourlyProfile") {
            let values = try h.array("values").map { v -> Double in
                guard case let .number(x) = v, x >= 0, x.isFinite else {
                    throw InputError.invalidValue(file: file, field: "\(path).hourlyProfile.values", value: v.shortDescription, expected: "non-negative numbers")
                }
                return x
            }
            let mean = values.reduce(0, +) / Double(max(1, values.count))
            guard values.count == 24, abs(mean - 1) < 0.002 else {
                throw InputError.invalidValue(file: file, field: "\(path).hourlyProfile.values", value: "\(values.count) values, mean \(formatNumber(mean))",
                                              expected: "24 multipliers with mean 1")
            }
            let basis = try h.optionalString("basis", allowed: CarbonBasis.allCases.map(\.rawValue)).flatMap(CarbonBasis.init(rawValue:))
            r.hourlyProfile = (values, try h.optionalInt("year", 1990...2100), try h.string("source"), basis)
            try h.finish()
        }
        try o.finish()
        return r
    }

    static func sourced(_ r: JSONObjectReader, key: String, range: ClosedRange<Double>, basis: Bool = false) throws -> SourcedValue {
        var o = r
        var v = SourcedValue(try o.double(key, range), year: try o.optionalInt("year", 1990...2100), source: try o.string("source"),
                             yearNote: try o.optionalString("yearNote"))
        if basis { v.basis = CarbonBasis(rawValue: try o.string("basis", allowed: CarbonBasis.allCases.map(\.rawValue))) }
        try o.finish()
        return v
    }

    /// A carbon factor, g CO2e/kWh, which must state its basis: sources mix lifecycle and
    /// direct figures, and a report that pairs them has to say so.
    static func carbon(_ r: JSONObjectReader) throws -> SourcedValue {
        try sourced(r, key: "gramsPerKWh", range: 0...2000, basis: true)
    }
}
