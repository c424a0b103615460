import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// What a fleet lever changes, and that it says so (probes of 2026-12-07, `tokenwatt fleet` on
/// lev70.json, lev8b.json, two.json and the chat service): a model lever's precision, a
/// prefix-cache lever that only raises, a batch limit the KV cache clips, the deployments a lever
/// edits, the clock and cap caveats and a 4-bit lever's range.
@Suite struct FleetLeverScopeTests {
    static let llama70 = #"{"name": "d", "model": "meta-llama/Llama-3.1-70B-Instruct", "gpu": "h100-sxm", "gpus": 4, "tp": 4, "precision": "bf16", "maxBatch": 256}"#
    static let llama8 = #"{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm", "gpus": 1, "tp": 1, "precision": "bf16", "maxBatch": 256}"#

    func run(_ levers: String, deployment: String, classes: String = chatClass(input: #"{"fixed": 1000}"#, output: #"{"fixed": 500}"#),
             samples: Int = 200) throws -> FleetResult {
        try FleetRunner(dataDirectory: nil).run(try readWorkload(kernelWorkload(classes: classes, extra: #""levers": "# + levers,
                                                                                 deployment: deployment)), samples: samples)[0]
    }

    func lever(_ r: FleetResult, _ name: String) throws -> LeverResult { try #require(r.levers.first { $0.name == name }) }

    /// A model lever without a precision runs the model at its checkpoint's (gpt-oss-120b's
    /// MXFP4), as `estimate --model` does, and says so; it had run gpt-oss in BF16 on the 70B's
    /// deployment (saves 73 % against 82 %) and refused it on one H100 for 233.7 GB of BF16 weights.
    @Test func aModelLeverRunsItsCheckpointsPrecision() throws {
        let r = try run(#"[{"name": "oss", "model": "openai/gpt-oss-120b"}, {"name": "oss mxfp4", "model": "openai/gpt-oss-120b", "precision": "mxfp4"}, "#
                        + #"{"name": "oss bf16", "model": "openai/gpt-oss-120b", "precision": "bf16"}, {"name": "oss tp1", "model": "openai/gpt-oss-120b", "gpus": 1, "tp": 1}]"#,
                        deployment: Self.llama70)
        let own = try lever(r, "oss"), mxfp4 = try lever(r, "oss mxfp4"), bf16 = try lever(r, "oss bf16")
        #expect(approx(own.gwhPerDay, mxfp4.gwhPerDay, rel: 1e-9), "the checkpoint's precision, as the lever that names it")
        #expect(own.saving > bf16.saving + 0.02, "MXFP4 weights stream at 4 bits: \(own.saving) against BF16's \(bf16.saving)")
        #expect(r.levers.contains { $0.name == "oss tp1" }, "\(r.notes)")
        // `estimate`'s rule and words: the same precision, and the dequantization it prints.
        let e = Estimator()
        let d = try e.deployment(DeploymentRequest(model: "openai/gpt-oss-120b", gpu: "h100-sxm", gpus: 4))
        let note = try #require(r.notes.first { $0.hasPrefix("lever oss: runs openai/gpt-oss-120b at \(d.precision.rawValue) (its checkpoint's precision") })
        let dequantized = try #require(d.dequantization)
        #expect(note.contains("the deployment runs bf16") && note.contains(dequantized))
        #expect(!r.notes.contains { $0.hasPrefix("lever oss mxfp4: runs") || $0.hasPrefix("lever oss bf16: runs") }, "a lever that gives the precision says it")
        // A model whose checkpoint is the deployment's precision runs at it, and its name says all it changed.
        let same = try run(#"[{"name": "8B", "model": "meta-llama/Llama-3.1-8B-Instruct"}]"#, deployment: Self.llama70, samples: 100)
        #expect(try lever(same, "8B").saving > 0 && !same.notes.contains { $0.hasPrefix("lever 8B: runs") })
    }

    /// A lever naming the deployment's own model (here in other case) keeps the deployment's
    /// precision: it changes nothing.
    @Test func aModelLeverOfTheSameModelKeepsThePrecision() throws {
        let fp8 = Self.llama8.replacingOccurrences(of: #""precision": "bf16""#, with: #""precision": "fp8""#)
        let r = try run(#"[{"name": "same", "model": "META-LLAMA/llama-3.1-8b-instruct"}]"#, deployment: fp8)
        #expect(try lever(r, "same").saving == 0)
        #expect(r.notes.contains { $0.hasPrefix("lever same changes nothing here") })
    }

    /// A prefix-cache lever raises each class's hit rate to at least its own: it had replaced
    /// every class's, so a class above it cost more under a lever meant to save.
    @Test func aPrefixCacheLeverOnlyRaises() throws {
        let fleet = try Self.fleet(Self.llama8)
        var change = LeverChange()
        change.prefixCacheHit = 0.5
        var high = fleet.kernel.classes[0], low = high
        high.prefixCacheHit = 0.8
        low.prefixCacheHit = 0.1
        #expect(fleet.apply(change, to: high).prefixCacheHit == 0.8)
        #expect(fleet.apply(change, to: low).prefixCacheHit == 0.5)

        let classes = #"{"name": "cold", "share": 0.5, "deployment": "d", "input": {"fixed": 2000}, "output": {"fixed": 200}, "prefixCacheHit": 0}, "#
            + #"{"name": "warm", "share": 0.5, "deployment": "d", "input": {"fixed": 2000}, "output": {"fixed": 200}, "prefixCacheHit": 0.8}"#
        let r = try run(#"[{"name": "hit 50", "prefixCacheHit": 0.5}]"#, deployment: Self.llama8, classes: classes)
        #expect(r.notes.contains("lever hit 50: raises the prefix-cache hit rate to 50 % for class cold (0 %); warm (80 %) already caches as much or more and keeps its"),
                "\(r.notes)")
        // The warm class alone: the lever changes nothing (it had cost more, caching 50 % in place of 80 %).
        let warm = try run(#"[{"name": "hit 50", "prefixCacheHit": 0.5}]"#, deployment: Self.llama8,
                           classes: chatClass(input: #"{"fixed": 2000}"#, hit: 0.8))
        #expect(try lever(warm, "hit 50").saving == 0)
    }

    /// A batch limit the KV cache clips says so, in a class's batch-note words: lev8b's
    /// "batch 512" ran at 352 without a word.
    @Test func aClippedBatchLeverSaysSo() throws {
        let r = try run(#"[{"name": "batch 512", "maxBatch": 512}, {"name": "batch 64", "maxBatch": 64}]"#, deployment: Self.llama8)
        let fleet = try Self.fleet(Self.llama8)
        var change = LeverChange()
        change.maxBatch = 512
        let priced = try fleet.priced(samples: 50, seed: 7, change: change)
        let held = priced.surfaces[0].localBatch
        #expect(held < 512)
        #expect(r.notes.contains("lever batch 512: class chat: the KV cache holds \(held) sequences, fewer than the deployment's batch limit of 512"), "\(r.notes)")
        #expect(!r.notes.contains { $0.hasPrefix("lever batch 64:") }, "64 fits")
    }

    /// A deployment without `tokenBudget` takes vLLM's default on its GPU, as `estimate` does: an
    /// A100 had run 8192-token steps where vLLM runs 2048, so a fleet and the estimate its note
    /// quotes priced different engines. A lever to an A100 takes the A100's; a budget the workload
    /// sets is kept on every GPU.
    @Test func aDeploymentWithoutABudgetTakesItsGPUsDefault() throws {
        func budget(_ deployment: String, _ change: LeverChange? = nil) throws -> Int {
            let fleet = try Self.fleet(deployment)
            return try fleet.priced(samples: 20, seed: 7, change: change).surfaces[0].tokenBudget
        }
        let a100 = #"{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "a100-sxm-80gb", "maxBatch": 256}"#
        let set = #"{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "a100-sxm-80gb", "maxBatch": 256, "tokenBudget": 4096}"#
        var toA100 = LeverChange()
        toA100.gpu = "a100-sxm-80gb"
        #expect(try budget(Self.llama8) == 8192)
        #expect(try budget(a100) == 2048)
        #expect(try budget(Self.llama8, toA100) == 2048)
        #expect(try budget(set) == 4096 && budget(set, toA100) == 4096)
    }

    static func fleet(_ deployment: String, levers: String = "[]") throws -> KernelFleet {
        let w = try readWorkload(kernelWorkload(classes: chatClass(input: #"{"fixed": 1000}"#, output: #"{"fixed": 500}"#),
                                                extra: #""levers": "# + levers, deployment: deployment))
        guard case let .kernel(k) = w.scenarios[0].kind else { throw FleetError(description: "not a kernel scenario") }
        return KernelFleet(scenario: w.scenarios[0], kernel: k, estimator: Estimator())
    }

    /// A lever edits every deployment of its scenario; with more than one, it says which and how.
    @Test func aLeverNamesTheDeploymentsItChanges() throws {
        let deployments = #"{"name": "small", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm", "gpus": 1, "tp": 1, "precision": "bf16", "maxBatch": 256}, "#
            + #"{"name": "big", "model": "meta-llama/Llama-3.1-70B-Instruct", "gpu": "h100-sxm", "gpus": 4, "tp": 4, "precision": "bf16", "maxBatch": 256}"#
        let classes = #"{"name": "s", "share": 0.8, "deployment": "small", "input": {"fixed": 1000}, "output": {"fixed": 500}}, "#
            + #"{"name": "b", "share": 0.2, "deployment": "big", "input": {"fixed": 1000}, "output": {"fixed": 500}}"#
        let r = try run(#"[{"name": "tp2", "gpus": 2, "tp": 2}, {"name": "model 8B", "model": "meta-llama/Llama-3.1-8B-Instruct"}, {"name": "fp8", "precision": "fp8"}]"#,
                        deployment: deployments, classes: classes)
        #expect(r.notes.contains("lever tp2: changes every deployment of the scenario: small (gpus 1 → 2, tp 1 → 2), big (gpus 4 → 2, tp 4 → 2); "
                                 + "a lever applies to every deployment of the scenario, and one that a deployment cannot take is not run"), "\(r.notes)")
        #expect(r.notes.contains("lever model 8B: changes deployment big (model meta-llama/Llama-3.1-70B-Instruct → meta-llama/Llama-3.1-8B-Instruct); "
                                 + "small already runs that way"))
        #expect(r.notes.contains { $0.hasPrefix("lever fp8: changes every deployment of the scenario: small (precision bf16 → fp8") })
        // One deployment: the lever's name says what it edits.
        let one = try run(#"[{"name": "tp2", "gpus": 2, "tp": 2}]"#, deployment: Self.llama8)
        #expect(!one.notes.contains { $0.contains("changes every deployment") || $0.contains("changes deployment") })
    }

    /// Clock and cap levers: once a scenario, the band's runs ran at default clocks and limits
    /// (`estimate`'s words), and a clock below the range measured says so (`ClockRangeCaveat`).
    @Test func clockAndCapLeversCarryTheRangeCaveats() throws {
        let r = try run(#"[{"name": "cap 400", "powerCapWatts": 400}, {"name": "clock 300", "smClockMHz": 300}, {"name": "cap 700", "powerCapWatts": 700}, "#
                        + #"{"name": "fp8", "precision": "fp8"}]"#, deployment: Self.llama8)
        let band = r.notes.filter { $0.contains(DecodeClockCaveat.rangeAtDefaultSettings) }
        #expect(band.count == 1 && band[0].hasPrefix("levers cap 400, clock 300 (a locked clock or a cap below TDP): "), "\(band)")
        let d = try Estimator().deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm", gpus: 1, tensorParallel: 1,
                                                             precision: .bf16, smClockMHz: 300))
        let range = try #require(ClockRangeCaveat.note(d))
        #expect(r.notes.contains("lever clock 300: \(range)"))
        #expect(!r.notes.contains { $0.hasPrefix("lever cap 400: 400 MHz") || $0.hasPrefix("lever fp8: ") && $0.contains("clock") })
    }

    /// A 4-bit precision lever's range is drawn from BF16 → FP8 pairs, and says so.
    @Test func aFourBitLeverSaysItsRangeIsFromFP8Pairs() throws {
        let r = try run(#"[{"name": "nvfp4", "precision": "nvfp4"}, {"name": "int4", "precision": "int4"}, {"name": "fp8", "precision": "fp8"}]"#,
                        deployment: Self.llama8)
        #expect(try lever(r, "nvfp4").measured?.lever == "precision")
        #expect(r.notes.contains { $0.hasPrefix("lever nvfp4: its range is read across the measured error of precision changes (BF16→FP8 pairs; no FP4 pair measured)") })
        #expect(r.notes.contains { $0.hasPrefix("lever int4: its range is read across the measured error of precision changes (BF16→FP8 pairs; no INT4 pair measured)") })
        #expect(!r.notes.contains { $0.hasPrefix("lever fp8: its range") })
    }
}
