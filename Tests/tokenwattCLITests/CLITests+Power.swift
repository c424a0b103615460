import Foundation
import Testing

extension CLITests {
    /// `power` and `estimate` agree on whether the cap is reached: at batch 8, Llama-3.1-8B on an
    /// H100 averages 67 % of TDP, but the steps that carry prompt chunks reach it; `power` had
    /// said "without throttling" beside estimate's "reached: kernels throttled".
    @Test func powerAndEstimateAgreeOnThrottling() throws {
        let shape = ["--model", "meta-llama/Llama-3.1-8B-Instruct", "--gpu", "h100-sxm", "--batch", "8", "--input", "1000", "--output", "300", "--format", "json"]
        let e = try Self.run(["estimate"] + shape), p = try Self.run(["power"] + shape)
        let est = try #require(try JSONSerialization.jsonObject(with: Data(e.stdout.utf8)) as? [String: Any])
        let power = try #require(try JSONSerialization.jsonObject(with: Data(p.stdout.utf8)) as? [String: Any])
        let limited = try #require(est["powerLimited"] as? Bool), verdict = try #require(power["verdict"] as? String)
        #expect(verdict.contains("throttl") && verdict.contains("without throttling") != limited, "\(verdict)")
        #expect(!limited || verdict.contains("run throttled"), "\(verdict)")
    }
}
