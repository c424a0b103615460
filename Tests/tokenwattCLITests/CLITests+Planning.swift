import Foundation
import Testing

/// `power` end to end: the layouts its errors suggest.
extension CLITests {
    static let power405B = ["power", "--params", "405e9", "--gpu", "h100-sxm", "--seq-length", "1024"]

    /// A model too large for one tensor-parallel group is told the tp × pp it needs, and power
    /// takes it: `--pp` had been refused as an unknown option.
    @Test func powerTakesThePipelineItsErrorSuggests() throws {
        let refused = try Self.run(Self.power405B)
        #expect(refused.status == 1 && refused.stderr.contains("it needs at least 12 GPUs (tp 4 × pp 3)"), "\(refused.stderr)")
        let r = try Self.run(Self.power405B + ["--tp", "4", "--pp", "3", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(obj["gpus"] as? Double == 12 && (obj["assumptions"] as? [String])?.contains { $0.contains("tp 4 × pp 3") } == true, "\(r.stdout)")
    }
}
