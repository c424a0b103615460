import KernelPower

/// Data sets name GPUs their own way ("Nvidia H100 GPU", "H100-SXM (inferred)", "NVIDIA H200"):
/// the one rule every loader uses to turn such a name into a catalog id.
enum DataSetGPU {
    /// A data set's GPU name as a catalog id: the set's own map first (its names can be loose:
    /// Argonne's "Nvidia A100 GPU" is the 40 GB SXM part), then the catalog, by the name as given
    /// or `bare`, so a held-back run on another GPU is scored rather than lost. Nil when neither
    /// knows it.
    static func id(_ name: String, mapped: [String: String] = [:], catalog: GPUCatalog) -> String? {
        if let id = mapped[name] { return id }
        return [name, bare(name)].lazy.compactMap { try? catalog.gpu($0).id }.first
    }

    /// The name without a parenthesised qualifier, the vendor word and a trailing "GPU":
    /// "H100-SXM (inferred)" is "H100-SXM", "Nvidia B200 GPU" is "B200".
    static func bare(_ name: String) -> String {
        let unqualified = name.split(separator: "(", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? name
        var words = unqualified.split(separator: " ").map(String.init)
        if words.count > 1, words.last?.lowercased() == "gpu" { words.removeLast() }
        if words.count > 1, let first = words.first?.lowercased(), ["nvidia", "amd"].contains(first) { words.removeFirst() }
        return words.joined(separator: " ")
    }
}
