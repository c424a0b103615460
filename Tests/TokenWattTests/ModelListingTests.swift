import KernelPower
import Testing
@testable import TokenWatt

/// The `models` listing's mixers column and the terms `--match` finds a model by come from one
/// place (`ModelArchitecture.mixerFeatures`): the CLI's column and `ModelCatalog` had each
/// written the words out, and the column showed "window 4096 ×0" for a window no layer attends,
/// which `--match window` did not find.
@Suite struct ModelListingTests {
    /// Whatever the column shows beyond the attention kind, `--match` finds the model by.
    @Test(arguments: ModelCatalog.bundled.models)
    func theColumnsFeatureIsATermMatchFinds(_ m: ModelArchitecture) {
        let kind = m.attention.kind.rawValue
        #expect(m.mixersListing.hasPrefix(kind))
        if let shown = m.mixerFeatures.first {
            #expect(m.mixersListing == shown.listing && m.mixersListing.contains(shown.term))
            #expect(ModelCatalog.bundled.matching(shown.term).contains { $0.id == m.id }, "\(m.id): \(m.mixersListing)")
        } else {
            #expect(m.mixersListing == kind)
        }
    }

    /// A window no layer attends is neither shown nor matched: the column had shown
    /// "gqa, window 4096 ×0" (a catalog file may set slidingWindowLayers to 0).
    @Test func aWindowNoLayerAttendsIsNotListed() throws {
        var m = try ModelCatalog.bundled.model("meta-llama/Llama-3.1-8B-Instruct")
        m.attention.slidingWindow = 4096
        m.attention.slidingWindowLayers = 0
        #expect(m.mixersListing == "gqa")
        #expect(!m.architectureTerms.contains("window"))
        m.attention.slidingWindowLayers = 8
        #expect(m.mixersListing == "gqa, window 4096 ×8")
        #expect(m.architectureTerms.contains("window"))
    }

    @Test func theListingsWordsForEachFeature() throws {
        let catalog = ModelCatalog.bundled
        #expect(try catalog.model("meta-llama/Llama-3.1-8B-Instruct").mixersListing == "gqa")
        #expect(try catalog.model("Qwen/Qwen3-Next-80B-A3B-Instruct").mixersListing == "gqa ×12 + gated-deltanet ×36")
        #expect(try catalog.model("Qwen/Qwen3-30B-A3B").architectureTerms == ["gqa", "moe"])
        #expect(try catalog.model("Qwen/Qwen3-30B-A3B").servingSupport == "yes")
    }
}
