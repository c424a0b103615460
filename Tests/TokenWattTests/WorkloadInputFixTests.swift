import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// Fixes from probes of 0.33.0 to what a workload file is told: scenarios that differ only in
/// their emissions settings, a mix's keys, an explicit null in `emissions`, a step budget vLLM
/// would not start with, and a query as long as a catalog model's whole context.
@Suite struct WorkloadInputFixTests {
    static let chat = #"{"name": "chat", "share": 1, "deployment": "d", "input": {"lognormal": {"p5": 100, "p95": 3000}}, "output": {"exponential": {"median": 200}}}"#
    static let deployment = #"{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm"}"#

    /// A kernel scenario of this fleet named `name`, with `extra` keys.
    static func scenario(_ name: String, _ extra: String) -> String {
        #"{"name": "\#(name)", "kind": "kernel", "queriesPerDay": 1e7\#(extra), "deployments": [\#(deployment)], "classes": [\#(chat)]}"#
    }

    static func workload(_ scenarios: String...) -> String {
        #"{"schemaVersion": 1, "description": "t", "samples": 300, "seed": 7, "scenarios": [\#(scenarios.joined(separator: ", "))]}"#
    }

    static let drawnApart = "differ only in their emissions settings but are drawn apart"

    /// The same fleet in two regions draws apart and says so, with the gap in mean Wh and the
    /// key that draws them alike; nothing is said of the first, nor where `sameDrawsAs` is set.
    @Test func theSameFleetInTwoRegionsNamesSameDrawsAs() throws {
        let text = Self.workload(Self.scenario("de", #", "emissions": {"region": "de"}"#),
                                 Self.scenario("fr", #", "description": "France", "emissions": {"region": "fr"}"#))
        let r = try runWorkload(text)
        let gap = abs(r[1].whPerQuery.mean / r[0].whPerQuery.mean - 1)
        try #require(gap > 0, "the two scenarios drew alike; the case tests nothing")
        let note = try #require(r[1].notes.first { $0.contains(Self.drawnApart) }, "\(r[1].notes)")
        #expect(note == "scenarios de and fr \(Self.drawnApart): their energy differs by sampling alone (\(formatPercent(gap)) in mean Wh); "
                + #"add "sameDrawsAs": "de" to fr to compare them on the same draws"#)
        #expect(!r[0].notes.contains { $0.contains(Self.drawnApart) })
        let shared = Self.workload(Self.scenario("de", #", "emissions": {"region": "de"}"#),
                                   Self.scenario("fr", #", "sameDrawsAs": "de", "emissions": {"region": "fr"}"#))
        let s = try runWorkload(shared)
        #expect(!s[1].notes.contains { $0.contains(Self.drawnApart) })
        #expect(s[1].whPerQuery.mean == s[0].whPerQuery.mean)
    }

    /// Not where anything but the accounting differs: another traffic, or a provider whose
    /// published PUE moves the energy itself.
    @Test func aFleetThatDiffersIsNotNamed() throws {
        let traffic = Self.workload(Self.scenario("a", #", "emissions": {"region": "de"}"#),
                                    Self.scenario("b", #", "emissions": {"region": "fr"}"#).replacingOccurrences(of: "1e7", with: "2e7"))
        #expect(try readWorkload(traffic).emissionsTwins.isEmpty)
        let provider = Self.workload(Self.scenario("a", #", "emissions": {"region": "de"}"#),
                                     Self.scenario("b", #", "emissions": {"region": "de", "provider": "google"}"#))
        let r = try runWorkload(provider)
        #expect(!r[1].notes.contains { $0.contains(Self.drawnApart) }, "\(r[1].notes)")
    }

    /// A mix's keys are its own: a kernel scenario's key is named as the kernel's, and the list
    /// of what a mix takes has no `pue` or `peakPUE`, which a mix refuses.
    @Test(arguments: ["classes", "headroom", "deployments"])
    func aKernelKeyOnAMixIsNamedAsTheKernels(_ key: String) throws {
        let mix = #"{"name": "m", "kind": "mix", "queriesPerDay": 1, "\#(key)": [], "mix": [{"scenario": "s", "share": 1}]}"#
        let e = workloadError(kernelWorkload(more: mix))
        #expect(e.contains("scenarios[1].\(key)") && e.contains("'\(key)' belongs to kernel scenarios"), "\(e)")
        #expect(e.contains("a mix takes name, kind, description, boundary, queriesPerDay, sameDrawsAs, emissions, mix"), "\(e)")
    }

    @Test func anUnknownKeyOnAMixListsOnlyWhatAMixTakes() throws {
        let mix = #"{"name": "m", "kind": "mix", "queriesPerDay": 1, "queriesPerDya": 2, "mix": [{"scenario": "s", "share": 1}]}"#
        let e = workloadError(kernelWorkload(more: mix))
        #expect(e.contains("unknown key 'queriesPerDya'") && e.contains("(did you mean 'queriesPerDay'?)"), "\(e)")
        #expect(e.hasSuffix("allowed keys: boundary, description, emissions, kind, mix, name, queriesPerDay, sameDrawsAs"), "\(e)")
    }

    /// An explicit null in a scenario's emissions had kept the workload's value unsaid.
    @Test(arguments: ["provider", "region"])
    func aNullEmissionsStringIsRefused(_ key: String) throws {
        let e = workloadError(kernelWorkload(extra: #""emissions": {"\#(key)": null}"#))
        #expect(e.contains("scenarios[0].emissions.\(key)") && e.contains("expected a string; omit the key to inherit the workload's"), "\(e)")
        let top = workloadError(kernelWorkload().replacingOccurrences(of: #""seed": 7"#, with: #""seed": 7, "emissions": {"pricePerKWh": null}"#))
        #expect(top.contains("'emissions.pricePerKWh'") && top.contains("expected a number; omit the key to take the default"), "\(top)")
    }

    /// vLLM refuses max_num_batched_tokens below max_num_seqs; 8 tokens beside 256 sequences had
    /// been priced at 4.78 Wh against 0.221.
    @Test func aStepBudgetBelowTheBatchLimitIsRefused() throws {
        let small = #"{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm", "tokenBudget": 8}"#
        let e = workloadError(kernelWorkload(deployment: small))
        #expect(e.contains("scenarios[0].deployments[0].tokenBudget") && e.contains("at least the deployment's maxBatch, 256"), "\(e)")
        let fits = #"{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm", "maxBatch": 8, "tokenBudget": 8}"#
        #expect(try readWorkload(kernelWorkload(deployment: fits)).scenarios.count == 1)
    }

    /// Every catalog model's whole context is a length a query may ask for (Llama 4 Scout's
    /// 10,485,760 had been refused by a cap of 10,000,000), on the command line and in a sweep.
    @Test func everyCatalogContextIsWithinTheQueryLengthCap() throws {
        for m in ModelCatalog.bundled.models { #expect(m.maxPositions <= ServingRequest.maxTokensPerQuery, "\(m.id)") }
        let json = #"{"schemaVersion": 1, "input": 10485759, "output": 1, "grid": {"model": ["meta-llama/Llama-4-Scout-17B-16E-Instruct"], "gpu": ["h200"]}}"#
        #expect(try SweepSpec.read(Data(json.utf8), file: "s.json").inputTokens == 10_485_759)
    }
}
