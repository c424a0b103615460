import Foundation
import KernelPower

/// A published figure with where it came from.
public struct SourcedValue: Sendable, Equatable {
    public var value: Double
    public var year: Int?
    public var source: String

    public init(_ value: Double, year: Int? = nil, source: String) {
        self.value = value; self.year = year; self.source = source
    }
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
    /// Off-site water consumed per kWh generated, litres.
    public var waterLitresPerKWh: SourcedValue?
    /// 24 multipliers (local hours 0–23, mean 1) on the annual intensity.
    public var hourlyProfile: (values: [Double], source: String)?
}

/// A cloud provider's region and the grid region it draws from.
public struct CloudRegion: Sendable {
    public var id: String
    public var provider: String
    public var location: String
    public var region: String
    public var source: String
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

    /// The grid region an id names: a grid region's own id or a cloud region's.
    public func region(_ id: String, context: String = "") throws -> (grid: GridRegion, cloud: CloudRegion?) {
        let key = id.lowercased()
        if let r = regions.first(where: { $0.id == key }) { return (r, nil) }
        if let c = cloudRegions.first(where: { $0.id == key }), let r = regions.first(where: { $0.id == c.region }) { return (r, c) }
        // A region asked for by its name ("germany") suggests its id ("de") first.
        let byName = regions.filter { $0.name.lowercased() == key || $0.name.lowercased().hasPrefix(key + " ") }.map(\.id)
        throw InputError.unknownID(kind: "grid or cloud region", id: id,
                                   suggestions: byName + Suggestions.closest(to: key, among: regions.map(\.id) + cloudRegions.map(\.id)).filter { !byName.contains($0) },
                                   context: context)
    }

    public static func load(_ data: Data, file: String) throws -> GridCatalog {
        var top = try JSONObjectReader(try JSONParser.parse(data, file: file), file: file, path: "")
        _ = try top.schemaVersion(highest: 1)
        _ = try top.optionalString("description")
        let regions = try top.array("regions").enumerated().map { i, v in try region(v, file: file, path: "regions[\(i)]") }
        let clouds = try top.array("cloudRegions").enumerated().map { i, v -> CloudRegion in
            var o = try JSONObjectReader(v, file: file, path: "cloudRegions[\(i)]")
            let c = CloudRegion(id: try o.string("id"), provider: try o.string("provider"), location: try o.string("location"),
                                region: try o.string("region"), source: try o.string("source"))
            try o.finish()
            guard regions.contains(where: { $0.id == c.region }) else {
                throw InputError.invalidValue(file: file, field: "cloudRegions[\(i)].region", value: c.region, expected: "a region id of this file")
            }
            return c
        }
        try top.finish()
        let ids = regions.map(\.id) + clouds.map(\.id)
        if let dup = ids.first(where: { id in ids.filter { $0 == id }.count > 1 }) { throw InputError.duplicateID(file: file, kind: "region", id: dup) }
        return GridCatalog(regions: regions, cloudRegions: clouds)
    }

    static func region(_ v: JSONValue, file: String, path: String) throws -> GridRegion {
        var o = try JSONObjectReader(v, file: file, path: path)
        var r = GridRegion(id: try o.string("id"), name: try o.string("name"), kind: try o.string("kind"),
                           location: try sourced(try o.object("location"), key: "gramsPerKWh", range: 0...2000))
        r.residualMix = try o.optionalObject("residualMix").map { try sourced($0, key: "gramsPerKWh", range: 0...2000) }
        r.waterLitresPerKWh = try o.optionalObject("waterLitresPerKWh").map { try sourced($0, key: "value", range: 0...100) }
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
            _ = try h.optionalInt("year")
            r.hourlyProfile = (values, try h.string("source"))
            try h.finish()
        }
        try o.finish()
        return r
    }

    static func sourced(_ r: JSONObjectReader, key: String, range: ClosedRange<Double>) throws -> SourcedValue {
        var o = r
        let v = SourcedValue(try o.double(key, range), year: try o.optionalInt("year", 1990...2100), source: try o.string("source"))
        try o.finish()
        return v
    }
}
