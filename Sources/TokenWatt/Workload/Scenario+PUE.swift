import KernelPower

extension Scenario {
    /// The PUE this scenario's facility line applies, as a value and its source: the file's own
    /// `pue`, else its operator's catalogued fleet PUE (`pueProvider`), else the facility
    /// catalog's default, each cited. Nil for a mix, whose parts each apply their own. Said once
    /// here for `report`'s assumptions table and `fleet`'s output alike (`fleet` had stated none).
    /// - Parameters:
    ///   - file: the workload file as given, named as the source of a PUE it sets (nil: "the workload file").
    ///   - workloadEmissions: the workload's emissions settings, which a scenario without its own inherits.
    public func pueStatement(file: String?, workloadEmissions: EmissionsSettings) -> (value: String, source: String)? {
        if case .mix = kind { return nil }
        let catalog = FacilityCatalog.bundled
        let source = if !pueIsDefault { file.map { "workload file \($0)" } ?? "the workload file" }
            else if let p = pueProvider.flatMap(catalog.provider(named:)), let pue = p.pue {
                "provider default (the file sets none; \(Self.operatorWords(p.id, emissions ?? workloadEmissions))\(p.year.map { ", \($0)" } ?? "")): \(pue.source)"
            } else { "default (the file sets none): \(catalog.defaultPUE.source)" }
        return (pue.summary, source)
    }

    /// Where a default PUE's operator comes from: the file's `provider`, or the operator of its
    /// cloud region where it names none (`EmissionsSettings.providerFromRegion`).
    static func operatorWords(_ id: String, _ e: EmissionsSettings) -> String {
        e.providerFromRegion ? "\(id), the operator of emissions.region \(e.region)" : "emissions.provider \(id)"
    }
}
