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

extension CLITests {
    /// `power` reads its deployment flags as `estimate` does (`EstimateCommand.deploymentRequest`),
    /// with `--params` or `--model`: its own copy had drifted twice (refusing --ep, then --pp).
    @Test func powerReadsTheDeploymentAsEstimateDoes() throws {
        for flags in [["--ep", "3"], ["--gpus", "12", "--pp", "4"], ["--tp", "3"]] {
            let shape = ["--model", "meta-llama/Llama-3.1-8B-Instruct", "--gpu", "h100-sxm"] + flags
            let e = try Self.run(["estimate"] + shape + ["--batch", "8", "--input", "100", "--output", "100"])
            let p = try Self.run(["power"] + shape + ["--input", "100", "--output", "100"])
            // The same refusal; the usage line under it is each command's own.
            let firstLine = { (s: String) in s.split(separator: "\n").first.map(String.init) ?? "" }
            #expect(p.status == e.status && firstLine(p.stderr) == firstLine(e.stderr) && p.stderr.hasPrefix("error: "), "\(flags): \(p.stderr)")
        }
        let generic = try Self.run(["power", "--params", "8e9", "--gpu", "h100-sxm", "--gpus", "12", "--pp", "4", "--seq-length", "200"])
        #expect(generic.stderr.contains("pp 4 over gpus 12 sets tp 3 (tp defaults to gpus ÷ pp)"), "\(generic.stderr)")
    }
}
