import Foundation
import KernelPower
import TokenWatt

/// `tokenwatt regions` and `tokenwatt facilities`: the emissions catalogs, one row per constant,
/// as `gpus` and `models` list theirs.
extension ListCommand {
    static let regionUsage = """
    tokenwatt regions [--match TEXT] [--format text|json|csv]
      Every grid region's carbon factors (location-based; residual mix for market-based accounting), water per kWh
      generated and hourly shape, and every cloud region's grid (and operator): one row per constant with its unit, basis
      (lifecycle CO2e, direct combustion, or direct CO2 only), year and source, and in csv and json a note saying why
      a row has no year. The text table cuts long bases and sources to their
      first words (…); --format csv or json gives them whole. --match TEXT keeps rows whose kind, id, name (aliases
      included) or figure, or a cloud region's grid, holds it, ignoring case and accents (quebec, Québec and Montréal
      all find the Québec grid, ca-qc).
    """
    static let facilityUsage = """
    tokenwatt facilities [--match TEXT] [--gpu-catalog FILE] [--format text|json|csv]
      Every operator's PUE and WUE and the defaults for any other, embodied footprints of GPUs and host servers and their
      amortisation lifetimes, and every node's host power (idle, busy), PSU efficiency and maximum: one row per constant
      with its unit, basis (scope; a WUE's says whether it counts water withdrawn or consumed), year and source, and in
      csv and json a note saying why a row has no year. The text table cuts long bases and sources to their first words (…);
      --format csv or json gives them whole. --match TEXT keeps rows whose kind, id, name or figure holds it.
    """

    static func regions(_ argv: [String]) throws -> ExitCode {
        let args = try Arguments(argv, valued: ["format", "match"], boolean: [])
        _ = try args.requirePositional(0, usage: regionUsage)
        let all = CatalogConstants.regions()
        // A region missed is offered what a workload's unknown region is (`GridCatalog`): its
        // ISO-3 code or a prefix of it (`sgp` → sg) and a cloud region's city (`frankfrut`).
        if let text = args.string("match"), CatalogConstants.matching(all, text).isEmpty {
            let near = GridCatalog.bundled.nearestIDs(to: text)
            if !near.isEmpty { throw UsageError(description: "--match: no region matches '\(text)'; closest: \(near.joined(separator: ", "))") }
        }
        return try constants(args, all, kind: "region")
    }

    static func facilities(_ argv: [String]) throws -> ExitCode {
        let args = try Arguments(argv, valued: ["format", "match", "gpu-catalog"], boolean: [])
        _ = try args.requirePositional(0, usage: facilityUsage)
        return try constants(args, CatalogConstants.facilities(nodes: try CommonOptions.gpus(args).nodes), kind: "facility constant")
    }

    static func constants(_ args: Arguments, _ all: [CatalogConstant], kind: String) throws -> ExitCode {
        let format = try args.format([.text, .json, .csv], default: .text)
        let rows = try filtered(args, kind, all, ids: { [$0.id, $0.name, $0.kind, $0.figure] },
                                matching: { CatalogConstants.matching(all, $0) })
        let header = ["kind", "id", "name", "figure", "value", "unit", "basis", "year", "source"]
        // `note` (why a row has no year) comes last in the CSV, after the columns it had; the text
        // table leaves it to csv and json.
        switch format {
        case .json:
            Output.write(JSONWriter().write(.obj([("constants", .array(rows.map(CatalogConstants.json)))])))
        case .csv:
            Output.write(([header + ["note"]] + rows.map { r in
                [r.kind, r.id, r.name, r.figure, r.valueText, r.unit, r.basis, r.year.map(String.init) ?? "", r.source, r.note ?? ""]
            }).map(CSVWriter.line).joined(separator: "\n") + "\n")
        default:
            Output.write(Output.table(header, rows.map { r in
                [r.kind, r.id, firstWords(r.name, limit: 28), r.figure, r.valueText, r.unit, firstWords(r.basis), r.year.map(String.init) ?? "-",
                 firstWords(r.source)]
            }))
        }
        return .success
    }

    /// A long basis or source cut for the text table to its first clause (at most 48
    /// characters) with "…" where it was cut.
    static func firstWords(_ s: String, limit: Int = 48) -> String {
        guard s.count > limit else { return s }
        let head = String(s.prefix(limit))
        let cut = head.lastIndex { ";,(".contains($0) }.flatMap { head.distance(from: head.startIndex, to: $0) >= 16 ? $0 : nil }
        return (cut.map { String(head[..<$0]) } ?? head).trimmingCharacters(in: .whitespaces) + "…"
    }
}
