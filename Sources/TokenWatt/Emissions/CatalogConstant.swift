import Foundation
import KernelPower

/// One constant of the emissions catalogs, with its unit, basis and source, as `tokenwatt
/// regions` and `tokenwatt facilities` list it: an auditor had no command that showed the grid
/// factors, residual mixes, PUE, WUE, embodied footprints or host power a report multiplies by
/// (only `gpus` and `models` listed), and had to read the bundled JSON.
public struct CatalogConstant: Sendable, Equatable {
    /// What the row is: `grid` or `cloud` (regions); `provider`, `default`, `embodied`,
    /// `lifetime` or `node` (facilities).
    public var kind: String
    public var id: String
    public var name: String
    /// Which figure of the entry: `location`, `residual mix`, `water`, `PUE`, `host power busy`, …
    public var figure: String
    /// The figure, where it is a number.
    public var value: Double?
    /// The figure in words, where it is not one number (a cloud region's grid, a profile's range).
    public var text: String?
    /// 24 hourly multipliers, for an hourly profile.
    public var values: [Double]?
    public var unit: String
    /// What the figure counts: a carbon factor's basis, a WUE's kWh, an embodied footprint's scope.
    public var basis: String
    public var year: Int?
    public var source: String
    /// Why the row has no year, where its source gives none (the catalog entry's `yearNote`).
    public var note: String?

    /// The value as a table cell: the number, or the words.
    public var valueText: String { value.map { formatNumber($0, significant: 6) } ?? text ?? "" }
}

/// The rows of the emissions catalogs, one per constant.
public enum CatalogConstants {
    /// A region's or operator's name with its aliases: "United Kingdom (also uk)".
    static func named(_ name: String, aliases: [String]) -> String {
        name + (aliases.isEmpty ? "" : " (also \(aliases.joined(separator: ", ")))")
    }

    /// Why a cloud region's row has no year: `help regions` promised a note on every row
    /// without one, and the 76 cloud rows had neither.
    static let cloudNote = "no year: a cloud region's location and the grid it draws from are a mapping, not a dated figure; "
        + "the grid region's own rows give its factors' years"

    /// Why a node's row has no year: the node catalog's figures are vendor specifications and
    /// assumed component draws, each with its source but none with a year (the 100 node rows
    /// had neither year nor note).
    static let nodeNote = "no year: the node catalog (nodes.json) gives its host power, PSU efficiency and maximum without a year; "
        + "the source names the specification or assumption each is from"

    /// Every grid region's location factor, residual mix, generation water and hourly shape,
    /// then every cloud region's grid (`grids.json`).
    public static func regions(_ g: GridCatalog = .bundled) -> [CatalogConstant] {
        let grids = g.regions.flatMap { r -> [CatalogConstant] in
            let name = named(r.name, aliases: r.aliases)
            func row(_ figure: String, _ v: SourcedValue, unit: String, basis: String) -> CatalogConstant {
                CatalogConstant(kind: "grid", id: r.id, name: name, figure: figure, value: v.value, unit: unit, basis: basis,
                                year: v.year, source: v.source, note: v.yearNote)
            }
            var rows = [row("location", r.location, unit: (r.location.basis ?? .lifecycle).unit, basis: r.location.basis?.words ?? "")]
            if let m = r.residualMix { rows.append(row("residual mix", m, unit: (m.basis ?? .lifecycle).unit, basis: m.basis?.words ?? "")) }
            if let w = r.waterLitresPerKWh { rows.append(row("water", w, unit: "L/kWh", basis: "off-site, consumed per kWh generated")) }
            if let h = r.hourlyProfile {
                let text = "\(formatNumber(h.values.min() ?? 0, significant: 3))–\(formatNumber(h.values.max() ?? 0, significant: 3))"
                rows.append(CatalogConstant(kind: "grid", id: r.id, name: name, figure: "hourly profile", text: text, values: h.values,
                                            unit: "× annual mean", basis: "24 local hours, mean 1", year: h.year, source: h.source))
            }
            return rows
        }
        let clouds = g.cloudRegions.map { c in
            CatalogConstant(kind: "cloud", id: c.id, name: "\(c.provider) \(c.location)", figure: "grid region", text: c.region, unit: "",
                            basis: c.standsInFor.map { "national average standing in for \($0.grid)" + ($0.relative.map { ", known \($0)" } ?? "") } ?? "",
                            source: c.source, note: cloudNote)
        }
        return grids + clouds
    }

    /// Every operator's PUE and WUE, the defaults, embodied footprints, lifetimes
    /// (`facilities.json`) and every node's host power and PSU efficiency (`nodes.json`, and a
    /// `--gpu-catalog` file's nodes).
    public static func facilities(_ f: FacilityCatalog = .bundled, nodes: [NodeSpec]) -> [CatalogConstant] {
        func wue(_ kind: String, _ id: String, _ name: String, _ w: FacilityCatalog.WaterUseEffectiveness) -> CatalogConstant {
            CatalogConstant(kind: kind, id: id, name: name, figure: "WUE", value: w.litresPerKWh.value, unit: "L/kWh",
                            basis: wueBasis(w), year: w.litresPerKWh.year, source: w.litresPerKWh.source, note: w.litresPerKWh.yearNote)
        }
        var rows = f.providers.flatMap { p -> [CatalogConstant] in
            let name = named(p.name, aliases: p.aliases)
            return [p.pue.map { CatalogConstant(kind: "provider", id: p.id, name: name, figure: "PUE", value: $0.value, unit: "",
                                                basis: "fleet annual average", year: $0.year ?? p.year, source: $0.source) },
                    p.wue.map { wue("provider", p.id, name, $0) }].compactMap { $0 }
        }
        rows.append(CatalogConstant(kind: "default", id: "default", name: "any operator the workload does not name", figure: "PUE",
                                    value: f.defaultPUE.value, unit: "", basis: "industry average", year: f.defaultPUE.year, source: f.defaultPUE.source,
                                    note: f.defaultPUE.yearNote))
        rows.append(wue("default", "default", "any operator the workload does not name", f.defaultWUE))
        rows += f.gpus.map { e in
            CatalogConstant(kind: "embodied", id: e.id, name: "GPU", figure: "embodied", value: e.kgCO2e, unit: "kg CO2e", basis: e.scope, year: e.year,
                            source: e.source, note: e.yearNote)
        }
        rows += f.nodes.map { e in
            CatalogConstant(kind: "embodied", id: e.id, name: "host server", figure: "embodied, excluding GPUs", value: e.kgCO2e, unit: "kg CO2e",
                            basis: e.scope, year: e.year, source: e.source, note: e.yearNote)
        }
        for (id, v) in [("gpu", f.gpuLifetimeYears), ("node", f.nodeLifetimeYears)] {
            rows.append(CatalogConstant(kind: "lifetime", id: id, name: id == "gpu" ? "GPU" : "host server", figure: "amortisation lifetime",
                                        value: v.value, unit: "years", basis: "embodied emissions spread over it", year: v.year, source: v.source,
                                        note: v.yearNote))
        }
        for n in nodes {
            let name = "\(n.name), \(n.gpuCount) × \(n.gpuID)"
            rows += [("host power idle", n.hostIdlePower.watts, "W", "hostIdleWatts", "non-GPU parts with the GPUs idle"),
                     ("host power busy", n.hostActivePower.watts, "W", "hostActiveWatts", "non-GPU parts under inference load"),
                     ("PSU efficiency", n.psuEfficiency, "", "psuEfficiency", "AC to DC at typical load"),
                     ("max power", n.maxPower.watts, "W", "maxPowerWatts", maxPowerBasis(n))].map { figure, value, unit, key, basis in
                CatalogConstant(kind: "node", id: n.id, name: name, figure: figure, value: value, unit: unit, basis: basis,
                                source: key == "maxPowerWatts" ? n.source(of: key) + "; basis: " + n.source(of: "maxPowerBasis") : n.source(of: key),
                                note: nodeNote)
            }
        }
        return rows
    }

    /// A node's maximum power basis in words: every row had read "rated system maximum", a DGX's
    /// AC rating beside a GH200 node's DC sum, which sat below `power`'s own worst case at the wall.
    /// A DC sum gives its wall figure (÷ PSU efficiency), what a feed is sized against.
    static func maxPowerBasis(_ n: NodeSpec) -> String {
        n.maxPowerBasis.words + (n.maxPowerBasis == .dc
            ? "; at the wall \(formatNumber(n.maxWallPower.watts, significant: 4)) W (÷ PSU efficiency \(formatNumber(n.psuEfficiency)))" : "")
    }

    /// A WUE's basis in words: what its litres count (withdrawn or consumed) and per which kWh.
    /// Every WUE had read "on-site, per IT kWh", Amazon's withdrawal beside Google's consumption.
    public static func wueBasis(_ w: FacilityCatalog.WaterUseEffectiveness) -> String {
        let counts = w.basis.map { "on-site \($0.rawValue)" + (w.basisInferred ? " (inferred from the source)" : "") } ?? "on-site, withdrawal or consumption not stated"
        return counts + (w.perFacilityKWh ? ", per facility kWh" : ", per IT kWh (The Green Grid's WUE)")
    }

    /// The rows whose kind, id, name (with its aliases) or figure, or a cloud region's grid id,
    /// holds `text`, ignoring case and accents: "Montréal" finds the cloud regions spelt
    /// "Montreal" and the Québec grid (alias `montreal`), `ca-qc` the cloud regions on it.
    public static func matching(_ rows: [CatalogConstant], _ text: String) -> [CatalogConstant] {
        let key = folded(text)
        return rows.filter { r in [r.kind, r.id, r.name, r.figure, r.kind == "cloud" ? r.text ?? "" : ""].contains { folded($0).contains(key) } }
    }

    /// `s` in lower case without accents, as `--match` compares ("Québec" as "quebec").
    static func folded(_ s: String) -> String {
        s.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil).lowercased()
    }

    /// A row as JSON, every figure with its unit, basis, year and source.
    public static func json(_ r: CatalogConstant) -> JSONValue {
        .obj([
            ("kind", .str(r.kind)), ("id", .str(r.id)), ("name", .str(r.name)), ("figure", .str(r.figure)),
            // A number or null, never words: a cloud region's grid id and a profile's span are `text`.
            ("value", .optionalNumber(r.value)), ("text", r.text.map(JSONValue.str) ?? .null),
            ("values", r.values.map { .array($0.map(JSONValue.num)) } ?? .null),
            ("unit", .str(r.unit)), ("basis", .str(r.basis)), ("year", .optionalNumber(r.year.map(Double.init))), ("source", .str(r.source)),
            ("note", r.note.map(JSONValue.str) ?? .null),
        ])
    }
}
