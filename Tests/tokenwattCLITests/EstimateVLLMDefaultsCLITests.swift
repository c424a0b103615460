import Foundation
import Testing

/// A vLLM engineer's probe of `estimate` and `diagnose` (2026-12-07): the step budget by GPU, the
/// surface method's batch limit, and the KV cache in the figures of vLLM's start-up log.
@Suite struct EstimateVLLMDefaultsCLITests {
    static func request(_ gpu: String, _ extra: [String] = []) -> [String] {
        ["estimate", "--model", Inputs.model8B, "--gpu", gpu, "--batch", "256", "--input", "2000", "--output", "100", "--format", "json"] + extra
    }

    func object(_ args: [String]) throws -> [String: Any] {
        let r = try CLITests.run(args)
        #expect(r.status == 0, "\(r.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    }

    func tokenBudget(_ o: [String: Any]) -> Int? { (o["settings"] as? [String: Any])?["tokenBudget"] as? Int }

    /// vLLM's server takes 2048 tokens a step on an A100 or L40S and 8192 on an H100; every
    /// estimate had taken 8192. An explicit --token-budget is kept as given.
    @Test func theStepBudgetIsVLLMsDefaultForTheGPU() throws {
        let a100 = try object(Self.request("a100-sxm-80gb")), l40s = try object(Self.request("l40s")), h100 = try object(Self.request("h100-sxm"))
        #expect(tokenBudget(a100) == 2048 && tokenBudget(l40s) == 2048 && tokenBudget(h100) == 8192)
        // ⌊2048 · 100 / 2100⌋ = 97 sequences keep decoding on the A100 (the KV cache held 216).
        #expect(a100["effectiveBatch"] as? Int == 97 && a100["batchLimit"] as? String == "step-budget")
        let asked = try object(Self.request("a100-sxm-80gb", ["--token-budget", "8192"]))
        #expect(tokenBudget(asked) == 8192 && asked["effectiveBatch"] as? Int == 216)
        let trtllm = try object(Self.request("a100-sxm-80gb", ["--framework", "trtllm"]))
        #expect(tokenBudget(trtllm) == 8192)
    }

    /// `--gpus 3 --tp 1 --batch 8` priced 9 sequences ("batch 9 (requested 8)"): a maximum rounds down.
    @Test func aBatchSplitOverReplicasNeverExceedsTheBatch() throws {
        let o = try object(["estimate", "--model", Inputs.model8B, "--gpu", "h100-sxm", "--gpus", "3", "--tp", "1",
                            "--batch", "8", "--input", "1000", "--output", "100", "--format", "json"])
        #expect(o["effectiveBatch"] as? Int == 6 && o["requestedBatch"] as? Int == 8)
    }

    /// The surface method wrote `maxBatch: null, batchLimit: null` beside an effective batch of
    /// 320 that the KV cache set; the kernel method says 320 and "memory".
    @Test func theSurfaceMethodNamesItsBatchLimit() throws {
        let base = ["estimate", "--model", "meta-llama/Llama-3.1-70B-Instruct", "--gpu", "h100-sxm", "--gpus", "4", "--batch", "2000",
                    "--input", "1000", "--output", "1000", "--format", "json"]
        let surface = try object(base + ["--method", "surface"]), kernel = try object(base)
        #expect(surface["maxBatch"] as? Int == kernel["maxBatch"] as? Int && kernel["maxBatch"] as? Int == 320)
        #expect(surface["batchLimit"] as? String == "memory" && kernel["batchLimit"] as? String == "memory")
        #expect(surface["effectiveBatch"] as? Int == 320)
    }

    /// `kvCache` in estimate's JSON (both methods) and diagnose's: GiB per GPU, tokens per engine
    /// in 16-token pages, bytes per token per GPU (Llama-3.1-8B: 32 layers × 2 × 8 KV heads × 128 × 2 bytes).
    @Test func theJSONGivesTheKVCacheAsVLLMLogsIt() throws {
        let args = ["--model", Inputs.model8B, "--gpu", "h100-sxm", "--batch", "64", "--input", "1000", "--output", "1000", "--format", "json"]
        for o in [try object(["estimate"] + args), try object(["estimate"] + args + ["--method", "surface"]), try object(["diagnose"] + args)] {
            let kv = try #require(o["kvCache"] as? [String: Any], "\(o.keys.sorted())")
            #expect(kv["bytesPerTokenPerGPU"] as? Int == 131_072 && kv["pageTokens"] as? Int == 16)
            let tokens = try #require(kv["tokensPerEngine"] as? Int), gib = try #require(kv["gibibytesPerGPU"] as? Double)
            #expect(tokens % 16 == 0 && abs(Double(tokens) - gib * 1_073_741_824 / 131_072) < 16)
        }
    }
}
