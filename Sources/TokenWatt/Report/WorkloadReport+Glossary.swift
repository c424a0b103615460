import Foundation
import KernelPower

/// Plain words for a report meant to be pasted into a disclosure: a glossary of the
/// abbreviations and terms the report uses, and its strategies without the workload file's keys.
/// A compliance probe (2026-12-08) found ITL, TTFT, IQR, P5–P95, KV cache, step budget and the
/// ledger's ids undefined, and a class's strategy printed as "single: prefixCacheHit 0.4 of the
/// prompt", a JSON key.
extension WorkloadReport {
    /// A term the glossary may define: the words it is found by (whole words, case-sensitive)
    /// and what it means.
    struct GlossaryTerm {
        var term: String
        var foundBy: [String]
        var meaning: String
        /// The term is named by the words found, lowercased, in `foundBy`'s order ("tp", "bf16,
        /// fp8"), so that the glossary lists no format or degree the report does not use.
        var namedByFound = false

        func name(_ words: Set<String>) -> String {
            namedByFound ? foundBy.filter(words.contains).map { $0.lowercased() }.uniqued().joined(separator: ", ") : term
        }
    }

    static let glossaryTerms: [GlossaryTerm] = [
        GlossaryTerm(term: "ITL", foundBy: ["ITL"], meaning: "inter-token latency: the mean time between two output tokens of one answer"),
        GlossaryTerm(term: "TTFT", foundBy: ["TTFT"], meaning: "time to first token: from a model call's arrival to its first output token"),
        GlossaryTerm(term: "IQR", foundBy: ["IQR"], meaning: "interquartile range: the 25th to the 75th percentile (P25–P75) of the per-query figures, the middle half of the draws"),
        GlossaryTerm(term: "P5, P95 (Pn)", foundBy: ["P2", "P5", "P25", "P75", "P95", "P98"],
                     meaning: "the nth percentile of the draws, n % of them below it: P5–P95 holds the middle 90 %"),
        GlossaryTerm(term: "prefill, decode", foundBy: ["prefill", "decode"],
                     meaning: "prefill is the pass over a prompt's tokens that fills its KV cache; decode is the steps that each add one output token to every sequence in flight"),
        GlossaryTerm(term: "KV cache", foundBy: ["KV cache", "KV-cache"],
                     meaning: "key-value cache: the attention keys and values of every token a sequence holds, kept in GPU memory while it decodes; the memory left after the weights sets how many sequences fit"),
        GlossaryTerm(term: "prefix cache", foundBy: ["prefix cache", "prefix-cache"],
                     meaning: "prompt tokens whose KV cache is kept from an earlier request that began the same way, so they are not computed again"),
        GlossaryTerm(term: "step budget", foundBy: ["step budget"],
                     meaning: "the most tokens one serving step processes (vLLM's max_num_batched_tokens): one decode token of each sequence in flight plus the prompt chunks that join them"),
        GlossaryTerm(term: "tp, ep, pp", foundBy: ["tp", "ep", "pp"],
                     meaning: "tensor-, expert- and pipeline-parallel degree: how many GPUs a model's layers, experts or stages are split over", namedByFound: true),
        GlossaryTerm(term: "bf16, fp16, fp8, fp4, int8, int4", foundBy: ["bf16", "BF16", "fp16", "FP16", "fp8", "FP8", "fp4", "FP4", "nvfp4", "int8", "int4"],
                     meaning: "number formats of the weights or the KV cache: 16, 8 or 4 bits per value", namedByFound: true),
        GlossaryTerm(term: "SM, HBM, L2", foundBy: ["SM", "HBM", "L2"],
                     meaning: "a GPU's streaming multiprocessors (its compute units), its high-bandwidth memory and its level-2 cache"),
        GlossaryTerm(term: "TDP", foundBy: ["TDP"], meaning: "thermal design power: a GPU's rated board power, its power cap unless another is set"),
        GlossaryTerm(term: "PUE", foundBy: ["PUE"], meaning: "power usage effectiveness: a data centre's energy ÷ its IT equipment's energy (1 is no overhead)"),
        GlossaryTerm(term: "WUE", foundBy: ["WUE"], meaning: "water usage effectiveness: litres of water per kWh of IT energy"),
        GlossaryTerm(term: "CO2e", foundBy: ["CO2e"], meaning: "carbon dioxide equivalent: CO2 and the other greenhouse gases (methane, nitrous oxide) at their global-warming potentials"),
        GlossaryTerm(term: "PPA", foundBy: ["PPA", "PPAs"], meaning: "power purchase agreement: a contract for a generator's electricity and its certificates, which the market-based figure counts"),
        GlossaryTerm(term: "AIB", foundBy: ["AIB"], meaning: "the Association of Issuing Bodies, which publishes Europe's residual mixes"),
        GlossaryTerm(term: "ESRS E3", foundBy: ["ESRS E3"], meaning: "the European Sustainability Reporting Standard on water and marine resources (CSRD)"),
    ]

    /// The Glossary section: the terms `blocks` use, then the line ids of the ledger tables they
    /// hold, in `glossaryTerms` and ledger order; nothing where they use none.
    static func glossary(for blocks: [ReportBlock]) -> [ReportBlock] {
        let words = wordsIn(blocks)
        var rows = glossaryTerms.filter { $0.foundBy.contains { words.contains($0) } }.map { [$0.name(words), $0.meaning] }
        // The ledger's ids with the basis the fleet gives each line (`KernelFleet.ledgerItems`):
        // "host" is a ledger id only in a ledger table.
        let ledgerIDs = Set(blocks.flatMap { b -> [String] in
            guard case let .table(header, cells, _) = b, header.first == "ledger item" else { return [] }
            return cells.compactMap(\.first)
        })
        rows += KernelFleet.ledgerItems.filter { ledgerIDs.contains($0.item) }.map { i in
            [ReportDocument.code(i.item), "ledger line, counted at the `\(i.boundary.rawValue)` boundary and every wider one; basis: \(i.basis)"]
        }
        guard !rows.isEmpty else { return [] }
        return [.heading(2, "Glossary"), .table(["term", "meaning"], rows, numeric: [])]
    }

    /// Every run of letters, digits, hyphens and underscores in `blocks`' text, and each pair of
    /// adjacent runs ("KV cache", "step budget"), so that terms match whole words only ("SM" is
    /// not found in "SMs", "tp" not in "output").
    static func wordsIn(_ blocks: [ReportBlock]) -> Set<String> {
        var texts: [String] = []
        for b in blocks {
            switch b {
            case let .heading(_, t), let .paragraph(t): texts.append(t)
            case let .list(items): texts += items
            case let .table(header, rows, _): texts += header + rows.flatMap { $0 }
            case .chart: continue
            }
        }
        var found = Set<String>()
        for text in texts {
            let runs = text.split { !($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
                .map { String($0).trimmingCharacters(in: CharacterSet(charactersIn: "-")) }
            found.formUnion(runs)
            for (a, b) in zip(runs, runs.dropFirst()) { found.insert(a + " " + b) }
        }
        return found
    }

    /// A class's strategy in plain words: "single answer, 40 % of the prompt from the prefix
    /// cache", "self-consistency: 16 parallel samples, each 4 × the base output length". The
    /// shared `Strategy.words` (fleet's text) names the workload file's keys.
    static func plainStrategyWords(_ s: Strategy, prefixCacheHit hit: Double) -> String {
        var words: String
        switch s {
        case .single: words = "single answer"
        case let .longReasoning(f): words = "long reasoning: answers \(formatNumber(f)) × the base output length"
        case let .parallelSamples(n, kind, f):
            words = kind == "beam-search" ? "beam search: \(n) beams"
                : "\(kind == "best-of-n" ? "best-of-N" : kind): \(formatCount(n, "parallel sample"))" + (f == 1 ? "" : ", each \(formatNumber(f)) × the base output length")
        case let .sequentialRevision(r): words = "sequential revision: \(formatCount(r, "round")), each re-reading the prompt and the earlier answers"
        case let .agentLoop(c, t): words = "agent loop: \(formatCount(c, "model call")), each adding its answer and \(formatCount(t, "token")) of tool output to the context"
        }
        guard hit > 0 else { return words }
        return words + ", \(formatNumber(hit * 100, significant: 3)) % of \(s.rereadsItsOwnContext ? "the re-read context" : "the prompt") from the prefix cache"
    }
}
