import Foundation
import KernelPower

/// Embodied emissions of GPUs and servers, device lifetimes, and data-centre operators' PUE and
/// on-site water use (`facilities.json`, every figure with its source).
public struct FacilityCatalog: Sendable {
    public struct Embodied: Sendable {
        public var id: String
        public var kgCO2e: Double
        public var scope: String
        public var source: String
        /// The year of the footprint's source, or why there is none: the 19 embodied rows of
        /// `facilities` had no year at all.
        public var year: Int?
        public var yearNote: String?
        /// How the footprint's boundary differs from the catalog's default (cradle-to-gate
        /// manufacturing; for an SXM GPU, its 1/8 share of the 8-GPU baseboard with NVSwitch and
        /// thermal solution, as NVIDIA's HGX PCFs count it), nil where it does not: the A100
        /// PCIe's Hubblo/ADEME figure counts distribution and end of life, the A100 SXM figures
        /// no baseboard share, and every report had called them all "manufacturing".
        public var boundaryNote: String?
        /// The life-cycle stages the footprint counts beyond manufacturing (`distribution`,
        /// `end of life`), which a report must not call excluded.
        public var alsoCounts: [String] = []
    }

    /// The stages beyond manufacturing that a footprint may count (`alsoCounts`).
    public static let stagesBeyondManufacturing = ["distribution", "end of life"]

    public struct Provider: Sendable {
        public var id: String
        public var name: String
        public var year: Int?
        public var pue: SourcedValue?
        public var wue: WaterUseEffectiveness?
        /// Other names a workload may give it: its cloud's, as the cloud region ids spell it
        /// (`aws` for amazon): `aws` had been refused with no word of `amazon`.
        public var aliases: [String] = []
    }

    /// On-site water per kWh, whether the kWh are IT energy (The Green Grid's WUE) or all the
    /// facility's energy (as national surveys report it), and whether the litres are withdrawn
    /// or consumed (nil: the workload file's own figure, whose basis it does not state).
    public struct WaterUseEffectiveness: Sendable {
        public var litresPerKWh: SourcedValue
        public var perFacilityKWh: Bool
        public var basis: WaterBasis?
        /// Whether the catalog infers the basis from how the source publishes the figure rather
        /// than the source stating it (`basisInferred`: Amazon's "appears to be withdrawal-based").
        public var basisInferred = false

        public init(litresPerKWh: SourcedValue, perFacilityKWh: Bool, basis: WaterBasis? = nil, basisInferred: Bool = false) {
            self.litresPerKWh = litresPerKWh; self.perFacilityKWh = perFacilityKWh; self.basis = basis; self.basisInferred = basisInferred
        }

        /// A basis as a factor's value names it: "withdrawn", or "withdrawn (inferred from the source)".
        public func basisWords(of b: WaterBasis) -> String { b.participle + (basisInferred ? " (inferred from the source)" : "") }
    }

    public let gpus: [Embodied]
    /// Server embodied emissions excluding its GPUs.
    public let nodes: [Embodied]
    public let gpuLifetimeYears: SourcedValue
    public let nodeLifetimeYears: SourcedValue
    public let providers: [Provider]
    public let defaultPUE: SourcedValue
    public let defaultWUE: WaterUseEffectiveness

    public static let bundled: FacilityCatalog = {
        do { return try loadBundled() } catch { fatalError("bundled facility catalog is invalid: \(error)") }
    }()

    public static func loadBundled() throws -> FacilityCatalog {
        guard let url = Bundle.module.url(forResource: "facilities", withExtension: "json") else {
            throw InputError.unreadable(file: "facilities.json", reason: "bundled resource missing")
        }
        return try load(try Data(contentsOf: url), file: "facilities.json")
    }

    /// The operator an id or alias names, case-insensitively; nil for none.
    public func provider(named id: String) -> Provider? {
        let key = id.lowercased()
        return providers.first { $0.id == key || $0.aliases.contains(key) }
    }

    /// The operator of a cloud region (`gcp-europe-west3` → google), nil for a grid region or a
    /// cloud whose operator the catalog lacks: a workload on a Google region that named no
    /// provider had been charged the industry's PUE 1.54 and WUE 0.37 (0.432 Wh a query, where
    /// Google's 1.09 gives 0.306).
    public func cloudOperator(ofRegion id: String, grids: GridCatalog = .bundled) -> Provider? {
        grids.cloudRegions.first { $0.id == id.lowercased() }.flatMap { provider(named: $0.provider) }
    }

    /// The operator an id or alias names.
    /// - Throws: for a name the catalog lacks, an error naming `file` and `field`, every operator
    ///   and alias allowed (four: a near-typo alone had been suggested anything), and the closest.
    public func provider(_ id: String, file: String, field: String) throws -> Provider {
        if let p = provider(named: id) { return p }
        let close = Suggestions.closest(to: id.lowercased(), among: providers.map(\.id) + providers.flatMap(\.aliases))
        let aliases = providers.flatMap { p in p.aliases.map { "\($0) for \(p.id)" } }
        throw InputError.invalidValue(file: file, field: field, value: "'\(id)'",
                                      expected: "a data-centre operator of the facility catalog: \(providers.map(\.id).joined(separator: ", "))"
                                          + (aliases.isEmpty ? "" : " (or \(aliases.joined(separator: ", ")))")
                                          + (close.isEmpty ? "" : "; did you mean \(close.map { "'\($0)'" }.joined(separator: ", "))?"))
    }

    public static func load(_ data: Data, file: String) throws -> FacilityCatalog {
        var top = try JSONObjectReader(try JSONParser.parse(data, file: file), file: file, path: "")
        _ = try top.schemaVersion(highest: 1)
        _ = try top.optionalString("description")
        func embodied(_ key: String, idKey: String, valueKey: String) throws -> [Embodied] {
            try top.array(key).enumerated().map { i, v in
                var o = try JSONObjectReader(v, file: file, path: "\(key)[\(i)]")
                let e = Embodied(id: try o.string(idKey), kgCO2e: try o.double(valueKey, 0...1_000_000, expected: "kg CO2e"),
                                 scope: try o.string("scope"), source: try o.string("source"), year: try o.optionalInt("year", 1990...2100),
                                 yearNote: try o.optionalString("yearNote"), boundaryNote: try o.optionalString("boundaryNote"),
                                 alsoCounts: try Self.stages(&o, file: file))
                try o.finish()
                return e
            }
        }
        let gpus = try embodied("embodiedGPUs", idKey: "gpu", valueKey: "kgCO2e")
        let nodes = try embodied("embodiedNodes", idKey: "node", valueKey: "kgCO2eExcludingGPUs")
        var life = try top.object("lifetimeYears")
        let gpuLife = try GridCatalog.sourced(try life.object("gpu"), key: "value", range: 0.5...30)
        let nodeLife = try GridCatalog.sourced(try life.object("node"), key: "value", range: 0.5...30)
        try life.finish()
        let providers = try top.array("providers").enumerated().map { i, v -> Provider in
            var o = try JSONObjectReader(v, file: file, path: "providers[\(i)]")
            let p = Provider(id: try o.string("id"), name: try o.string("name"), year: try o.optionalInt("year", 1990...2100),
                             pue: try o.optionalObject("pue").map { try GridCatalog.sourced($0, key: "value", range: LedgerSettings.pueRange) },
                             wue: try o.optionalObject("wueLitresPerKWh").map { try Self.wue($0, file: file, path: "providers[\(i)].wueLitresPerKWh") },
                             aliases: try o.stringArray("aliases").map { $0.lowercased() })
            try o.finish()
            return p
        }
        let names = providers.flatMap { [$0.id] + $0.aliases }
        if let dup = names.first(where: { n in names.filter { $0 == n }.count > 1 }) { throw InputError.duplicateID(file: file, kind: "provider", id: dup) }
        var defaults = try top.object("defaults")
        let pue = try GridCatalog.sourced(try defaults.object("pue"), key: "value", range: LedgerSettings.pueRange)
        let water = try Self.wue(try defaults.object("wueLitresPerKWh"), file: file, path: "defaults.wueLitresPerKWh")
        try defaults.finish()
        try top.finish()
        return FacilityCatalog(gpus: gpus, nodes: nodes, gpuLifetimeYears: gpuLife, nodeLifetimeYears: nodeLife, providers: providers,
                               defaultPUE: pue, defaultWUE: water)
    }

    /// An embodied row's `alsoCounts`, each a stage of `stagesBeyondManufacturing`.
    static func stages(_ o: inout JSONObjectReader, file: String) throws -> [String] {
        let stages = try o.stringArray("alsoCounts")
        if let bad = stages.first(where: { !stagesBeyondManufacturing.contains($0) }) {
            throw InputError.invalidValue(file: file, field: o.fieldPath("alsoCounts"), value: "\"\(bad)\"",
                                          expected: "life-cycle stages beyond manufacturing: \(stagesBeyondManufacturing.joined(separator: ", "))")
        }
        return stages
    }

    static func wue(_ r: JSONObjectReader, file: String, path: String) throws -> WaterUseEffectiveness {
        var o = r
        let per = try o.string("per", allowed: ["it", "facility"])
        // Amazon's, Microsoft's and Meta's WUE count water withdrawn, Google's and the default's
        // water consumed, and a report had added withdrawal to consumption unsaid. Every bundled
        // WUE states its basis (a test holds it); another catalog's may not, and is reported so.
        let basis = try o.optionalString("basis", allowed: WaterBasis.allCases.map(\.rawValue)).flatMap(WaterBasis.init(rawValue:))
        let inferred = try o.optionalBool("basisInferred") ?? false
        let v = SourcedValue(try o.double("value", 0...20, expected: "litres per kWh"), year: try o.optionalInt("year", 1990...2100), source: try o.string("source"),
                             yearNote: try o.optionalString("yearNote"))
        try o.finish()
        return WaterUseEffectiveness(litresPerKWh: v, perFacilityKWh: per == "facility", basis: basis, basisInferred: inferred)
    }
}
