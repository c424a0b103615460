import Foundation
import Testing

/// What `estimate` says of the deployment it prices.
extension CLITests {
    /// The estimate JSON names the engines and each one's share of the batch.
    @Test func theEstimateJSONNamesItsEngines() throws {
        let r = try Self.run(["estimate", "--model", "Qwen/Qwen3-30B-A3B", "--gpu", "h100-sxm", "--gpus", "4", "--tp", "2", "--batch", "32",
                              "--input", "1000", "--output", "500", "--format", "json"])
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(obj["engines"] as? Double == 2 && obj["sequencesPerEngine"] as? Double == 16)
        let one = try Self.run(["estimate", "--model", "Qwen/Qwen3-30B-A3B", "--gpu", "h100-sxm", "--batch", "32", "--input", "1000", "--output", "1",
                                "--format", "json"])
        let single = try #require(try JSONSerialization.jsonObject(with: Data(one.stdout.utf8)) as? [String: Any])
        #expect(single["interTokenLatencyMs"] is NSNull && single["stepTimeMs"] as? Double ?? 0 > 0)
    }
}
