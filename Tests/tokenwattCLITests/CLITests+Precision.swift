import Foundation
import Testing

/// The precision an FP32 checkpoint is priced in, by framework.
extension CLITests {
    /// A bundled FP32 checkpoint runs in FP16 under vLLM (its `--dtype auto`) and in FP32 under
    /// HF transformers, and the receipt says which and why.
    @Test func anFP32CheckpointIsPricedInTheFrameworksType() throws {
        let args = ["estimate", "--model", "EleutherAI/gpt-j-6b", "--gpu", "h100-sxm", "--batch", "32", "--input", "1000", "--output", "500", "--format", "json"]
        func assumptions(_ extra: [String]) throws -> [String] {
            let r = try Self.run(args + extra)
            #expect(r.status == 0, "\(r.stderr)")
            let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
            return try #require(obj["assumptions"] as? [String])
        }
        let vllm = try assumptions([])
        #expect(vllm.contains { $0.contains("fp16 weights, fp16 KV cache") } && vllm.contains { $0.contains("--dtype auto") }, "\(vllm)")
        let hf = try assumptions(["--framework", "hf"])
        #expect(hf.contains { $0.contains("fp32 weights, fp32 KV cache") } && !hf.contains { $0.contains("--dtype auto") }, "\(hf)")
    }
}
