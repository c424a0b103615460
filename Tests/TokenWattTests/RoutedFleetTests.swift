import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// A routed, agentic product (a 2026-12-07 probe): classes on three deployments (Qwen3-8B on one
/// H100, Qwen3-32B on two, Llama-3.3-70B on four), agent-loop and long-reasoning strategies,
/// prefix-cache hits. What `fleet` and `capacity` say of it: each lever's dequantized weights and
/// every deployment it cannot run on, unused deployments, which model serves which class, the
/// router-packing note per class, each class's own latency, and the strategy keys' errors.
@Suite struct RoutedFleetTests {
    static let deployments = #"{"name": "small", "model": "Qwen/Qwen3-8B", "gpu": "h100-sxm", "gpus": 1, "tp": 1, "precision": "bf16"}, "#
        + #"{"name": "medium", "model": "Qwen/Qwen3-32B", "gpu": "h100-sxm", "gpus": 2, "tp": 2, "precision": "bf16"}, "#
        + #"{"name": "large", "model": "meta-llama/Llama-3.3-70B-Instruct", "gpu": "h100-sxm", "gpus": 4, "tp": 4, "precision": "bf16"}"#
    static let classes = #"{"name": "small-chat", "share": 0.5, "deployment": "small", "prefixCacheHit": 0.5, "input": {"fixed": 1000}, "output": {"fixed": 200}}, "#
        + #"{"name": "medium-agent", "share": 0.3, "deployment": "medium", "prefixCacheHit": 0.9, "input": {"fixed": 2000}, "output": {"fixed": 300}, "#
        + #""strategy": {"kind": "agent-loop", "calls": 6, "toolTokens": 500}}, "#
        + #"{"name": "large-reasoning", "share": 0.15, "deployment": "large", "input": {"fixed": 1500}, "output": {"fixed": 200}, "#
        + #""strategy": {"kind": "long-reasoning", "factor": 15}}, "#
        + #"{"name": "large-agent", "share": 0.05, "deployment": "large", "prefixCacheHit": 0.8, "input": {"fixed": 3000}, "output": {"fixed": 400}, "#
        + #""strategy": {"kind": "agent-loop", "calls": 8, "toolTokens": 1000}}"#

    /// The router's workload with `levers`, and `extra` deployments beside its three.
    static func workload(levers: String = "[]", extra: String = "") -> String {
        kernelWorkload(classes: classes, extra: #""queriesPerDay": 1e8, "levers": "# + levers, deployment: deployments + extra)
            .replacingOccurrences(of: #""queriesPerDay": 1e7, "#, with: "")
    }

    static func run(levers: String = "[]", extra: String = "", samples: Int = 400) throws -> FleetResult {
        try FleetRunner(dataDirectory: nil).run(try readWorkload(workload(levers: levers, extra: extra)), samples: samples)[0]
    }

    /// Defect 1: a lever that leaves weights dequantized where the deployment's were not says so,
    /// whatever it sets (only a model lever had); a deployment already dequantized is not told again.
    @Test func aLeverThatDequantizesWeightsSaysSo() throws {
        let fp8 = #"{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm", "precision": "fp8"}"#
        let r = try FleetRunner(dataDirectory: nil).run(try readWorkload(kernelWorkload(
            extra: #""levers": [{"name": "a100", "gpu": "a100-sxm-80gb"}, {"name": "int4", "precision": "int4"}, {"name": "b8", "maxBatch": 8}]"#,
            deployment: fp8)), samples: 200)[0]
        #expect(r.notes.contains { $0.hasPrefix("lever a100: fp8 weights dequantized to bf16") && $0.contains("a100-sxm-80gb has no FP8 tensor cores") }, "\(r.notes)")
        #expect(r.notes.contains { $0.hasPrefix("lever int4: int4 weights dequantized to bf16") }, "\(r.notes)")
        #expect(!r.notes.contains { $0.hasPrefix("lever b8: ") && $0.contains("dequantized") })
        // Already dequantized (int4 on the H100): the scenario's own note says it, a lever does not repeat it.
        let int4 = #"{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm", "precision": "int4"}"#
        let q = try FleetRunner(dataDirectory: nil).run(try readWorkload(kernelWorkload(extra: #""levers": [{"name": "tp2", "gpus": 2, "tp": 2}]"#,
                                                                                      deployment: int4)), samples: 200)[0]
        #expect(!q.notes.contains { $0.hasPrefix("lever tp2: ") && $0.contains("dequantized") } && q.notes.contains { $0.hasPrefix("int4 weights dequantized") },
                "\(q.notes)")
    }

    /// Defect 2: a lever some deployment cannot take names every one that cannot, each with its
    /// reason (the first had been named alone).
    @Test func aLeverNotRunNamesEveryDeploymentThatCannotTakeIt() throws {
        let r = try Self.run(levers: #"[{"name": "l4", "gpu": "l4"}, {"name": "fp4", "precision": "nvfp4"}]"#, samples: 200)
        let note = try #require(r.notes.first { $0.hasPrefix("lever l4 not run: ") }, "\(r.notes)")
        #expect(note.contains("(1) scenario s, deployment medium: ") && note.contains("; (2) scenario s, deployment large: ") && !note.contains("deployment small: "),
                "\(note)")
        // Deployments dequantized alike share one note.
        #expect(r.notes.contains { $0.hasPrefix("lever fp4: deployments small, medium, large: nvfp4 weights dequantized to bf16") }, "\(r.notes)")
    }

    /// Defect 3: a deployment no class uses is named, with the reason it would not even run, and
    /// is no assumption of the report.
    @Test func anUnusedDeploymentIsNamedAndNoAssumption() throws {
        let xl = #", {"name": "xl", "model": "meta-llama/Llama-3.1-405B-Instruct", "gpu": "h100-sxm", "gpus": 1}"#
        let r = try Self.run(extra: xl, samples: 200)
        let note = try #require(r.notes.first { $0.hasPrefix("deployment xl ") }, "\(r.notes)")
        #expect(note.contains("it would not even run as given: ") && note.hasSuffix("serves no class with traffic: it is not run and in no figure"), "\(note)")
        #expect(!(try Self.run(samples: 200)).notes.contains { $0.contains("serves no class with traffic") })
        let report = try WorkloadReport.build(try readWorkload(Self.workload(extra: xl)), name: "p", source: "w.json",
                                              runner: FleetRunner(dataDirectory: nil), samples: 200)
        let rows = report.assumptionRows().map { $0[0] }
        #expect(rows.contains("deployment large") && !rows.contains("deployment xl"), "\(rows)")
    }

    /// Defect 4: the JSON says which deployment serves each class, and each deployment's model,
    /// precision and classes with their GPUs.
    @Test func theJSONSaysWhichModelServesWhichClass() throws {
        let r = try Self.run(samples: 200)
        let json = try #require(JSONSerialization.jsonObject(with: Data(JSONWriter().write(FleetRendering.scenarioJSON(r)).utf8)) as? [String: Any])
        let classes = try #require(json["classes"] as? [[String: Any]])
        #expect(classes.map { $0["deployment"] as? String } == ["small", "medium", "large", "large"])
        let deployments = try #require(json["deployments"] as? [[String: Any]])
        let large = try #require(deployments.first { $0["name"] as? String == "large" })
        #expect(large["model"] as? String == "meta-llama/Llama-3.3-70B-Instruct" && large["precision"] as? String == "bf16")
        let served = try #require(large["classes"] as? [[String: Any]])
        #expect(served.map { $0["name"] as? String } == ["large-reasoning", "large-agent"])
        #expect(served.reduce(0) { $0 + (($1["gpus"] as? Double) ?? 0) } == large["gpus"] as? Double)
    }

    /// Defect 5: the packing note gives each class without a figure its reason, and the cached
    /// tokens to the class that caches them.
    @Test func thePackingNoteSaysPerClassWhyItGivesNoFigure() throws {
        let r = try Self.run(samples: 400)
        let note = try #require(r.notes.first { $0.hasPrefix(KernelFleet.packingNotePrefix) }, "\(r.notes)")
        #expect(note.contains("not priced for medium-agent: a query makes 6 model calls on average, and `tokenwatt estimate` prices one call per query"), "\(note)")
        #expect(note.contains("not priced for large-agent: a query makes 8 model calls"), "\(note)")
        #expect(note.contains("prompt tokens a call of small-chat finds cached on average") && !note.contains("a call of the class"), "\(note)")
    }

    /// Defect 6: each class has its own ITL and TTFT, the scenario's mean lies among them, and
    /// `capacity` judges every class with traffic: a target the mean meets but a class misses is missed.
    @Test func eachClassHasItsLatencyAndCapacityJudgesEveryClass() throws {
        let r = try Self.run(samples: 400)
        let itls = r.classes.compactMap(\.interTokenLatencyMs), ttfts = r.classes.compactMap(\.timeToFirstTokenMs)
        #expect(itls.count == 4 && ttfts.count == 4)
        let mean = try #require(r.meanITLMs), worst = try #require(itls.max()), best = try #require(itls.min())
        #expect(mean >= best && mean < worst)
        let text = FleetRendering.text(try readWorkload(Self.workload()), [r])
        #expect(text.contains("class large-agent (") && text.contains("ITL \(formatNumber(r.classes[3].interTokenLatencyMs ?? 0, significant: 3)) ms"), "\(text)")
        let target = (mean + worst) / 2
        let slowest = try #require(r.classes.first { $0.interTokenLatencyMs == worst })
        let c = try Capacity(workload: try readWorkload(Self.workload()), runner: FleetRunner(dataDirectory: nil), budgetMegawatts: 10,
                             gpus: [nil], caps: [nil], samples: 400, targets: .init(itlMs: target))
        let row = try #require(c.rows.first)
        if let fleetITL = row.itlMs, fleetITL <= target {
            #expect(row.missedTargets.contains { $0.hasPrefix("class \(slowest.name) ITL ") } && c.text().contains("misses class \(slowest.name)"),
                    "\(row.missedTargets)")
        }
        #expect(!row.missedTargets.isEmpty)
    }

    /// Defect 7: a strategy's unknown key lists its kind's keys; a key of another kind is refused
    /// as such; a lever name given twice names both places.
    @Test func strategyAndLeverErrorsNameTheirKindAndIndex() {
        func error(_ strategy: String) -> String { workloadError(kernelWorkload(classes: chatClass(strategy: strategy))) }
        let typo = error(#"{"kind": "agent-loop", "calls": 6, "toolTokenz": 5}"#)
        #expect(typo.contains("unknown key 'toolTokenz'") && typo.contains("did you mean 'toolTokens'") && typo.hasSuffix("allowed keys: calls, kind, toolTokens"), "\(typo)")
        let other = error(#"{"kind": "long-reasoning", "calls": 15}"#)
        #expect(other.contains("unknown key 'calls'") && other.hasSuffix("allowed keys: factor, kind"), "\(other)")
        let factor = error(#"{"kind": "agent-loop", "calls": 6, "toolTokens": 5, "factor": 2}"#)
        #expect(factor.contains("unknown key 'factor'") && factor.hasSuffix("allowed keys: calls, kind, toolTokens"), "\(factor)")
        #expect(error(#"{"kindd": "agent-loop"}"#).contains("did you mean 'kind'"))
        let twice = workloadError(kernelWorkload(extra: #""levers": [{"name": "a", "gpus": 2}, {"name": "b", "gpus": 4}, {"name": "a", "tp": 1}]"#))
        #expect(twice.contains("levers[2].name") && twice.contains("levers[0].name has it"), "\(twice)")
    }
}
