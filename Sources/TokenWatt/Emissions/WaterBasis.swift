import Foundation

/// What a water figure's litres count. A WUE may be water withdrawn (taken in, some of it
/// returned: Amazon's, Microsoft's and Meta's, by their own methods) or water consumed (not
/// returned: Google's, the LBNL survey's default, and the off-site water of electricity
/// generation); ESRS E3 and the GRI 303 disclosures ask for consumption. A report had summed
/// Amazon's 0.0314 mL withdrawn with 1.02 mL consumed off-site as one 1.05 mL a query.
public enum WaterBasis: String, Sendable, CaseIterable {
    case withdrawal, consumption

    /// The basis as a table cell names a figure on it: "withdrawn", "consumed".
    public var participle: String { self == .withdrawal ? "withdrawn" : "consumed" }
}

/// The bases of a result's on-site and off-site water: a `WaterBasis` raw value, "not stated"
/// (the workload file's own figure) or "mixed" (a mix's parts on different bases).
public struct WaterBases: Sendable, Equatable {
    public var onsite: String
    public var offsite: String
    /// Whether the on-site basis is the catalog's inference from its source rather than the
    /// source's own word (Amazon's WUE "appears to be withdrawal-based"): it had been printed
    /// flatly "withdrawn".
    public var onsiteInferred = false

    public static let notStated = "not stated"
    public static let mixed = "mixed"

    public init(onsite: String = WaterBases.notStated, offsite: String = WaterBases.notStated) {
        self.onsite = onsite; self.offsite = offsite
    }

    public init(onsite: WaterBasis?, offsite: WaterBasis?) {
        self.init(onsite: onsite?.rawValue ?? Self.notStated, offsite: offsite?.rawValue ?? Self.notStated)
    }

    /// Whether on-site plus off-site is one figure on one stated basis.
    public var summable: Bool { onsite == offsite && WaterBasis(rawValue: onsite) != nil }

    /// A figure on `basis` as a table cell's words: "withdrawn", "consumed", "basis not stated",
    /// "on mixed bases".
    public static func words(_ basis: String) -> String {
        WaterBasis(rawValue: basis)?.participle ?? (basis == mixed ? "on mixed bases" : "basis not stated")
    }

    /// The on-site basis in words, marked where it is inferred: "withdrawn (inferred from the source)".
    public var onsiteWords: String { Self.words(onsite) + (onsiteInferred ? " (inferred from the source)" : "") }

    /// The same inside a label's parentheses: "withdrawn, inferred from the source" (the table's
    /// row had read "water, on-site (withdrawn (inferred from the source))").
    public var onsiteClause: String { Self.words(onsite) + (onsiteInferred ? ", inferred from the source" : "") }
}
