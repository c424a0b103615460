import Foundation
import Testing

/// A parallel layout the deployment cannot run is a usage error where the command line gave it
/// (exit 64, with the usage line, as a power cap outside the GPU's range is), and a file error
/// naming the file and field where a workload gave it.
extension CLITests {
    static let llama70B = "meta-llama/Llama-3.1-70B-Instruct"

    /// Each layout a deployment refuses, on a model, with the words of its refusal: tp beside the
    /// GPUs, tp beside the heads, ep on a dense model, stages beside the GPUs, ep alone beside the
    /// heads and experts.
    static let refusedLayouts: [(model: String, flags: [String], words: String)] = [
        (llama70B, ["--gpus", "3", "--tp", "2"], "tp 2 does not divide gpus 3: gpus must be a multiple of 2"),
        (llama70B, ["--gpus", "2", "--tp", "4"], "tp 4 exceeds gpus 2"),
        (llama70B, ["--tp", "3"], "tp 3 does not divide the 64 attention heads"),
        (llama70B, ["--ep", "2"], "ep 2 needs a mixture-of-experts model"),
        (llama70B, ["--gpus", "16", "--pp", "3"], "pp 3 does not divide gpus 16"),
        ("Qwen/Qwen3-30B-A3B", ["--ep", "3"], "ep 3 sets 3 GPUs"),
    ]

    /// `estimate --gpus 3 --tp 2` exited 1 with the refusal and no usage line; every command that
    /// reads the deployment flags exits 64 with its own usage line.
    @Test(arguments: ["estimate", "kernels", "power", "tune", "diagnose", "export-sql"])
    func aLayoutTheFlagsGiveIsAUsageError(command: String) throws {
        for (model, flags, words) in Self.refusedLayouts {
            let shape = command == "power" ? ["--input", "100", "--output", "100"]
                : command == "export-sql" ? ["--batch", "8", "--dialect", "duckdb"] : ["--batch", "8", "--input", "100", "--output", "100"]
            let r = try Self.run([command, "--model", model, "--gpu", "h100-sxm"] + flags + shape)
            #expect(r.status == 64, "\(command) \(flags): \(r.stderr)")
            #expect(r.stderr.hasPrefix("error: ") && r.stderr.contains(words), "\(command) \(flags): \(r.stderr)")
            #expect(r.stderr.contains("\nusage: tokenwatt \(command) "), "\(command) \(flags): \(r.stderr)")
        }
    }

    /// `trace` reads the deployment flags too.
    @Test func aLayoutTheFlagsGiveIsAUsageErrorInTrace() throws {
        let r = try Self.run(["trace", "-", "--model", "meta-llama/Llama-3.1-70B-Instruct", "--gpu", "h100-sxm", "--gpus", "3", "--tp", "2"], stdin: "")
        #expect(r.status == 64 && r.stderr.contains("tp 2 does not divide gpus 3") && r.stderr.contains("\nusage: tokenwatt trace "), "\(r.stderr)")
    }

    /// The same layout in a workload file stays a file error (exit 1), naming the file and the
    /// deployment's field; it had named the scenario and deployment by name alone.
    @Test(arguments: ["fleet", "report"])
    func aLayoutAWorkloadGivesIsAFileError(command: String) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tw-layout-\(getpid())-\(command)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let w = dir.appendingPathComponent("w.json")
        try Inputs.workload.replacingOccurrences(of: "\"gpu\": \"h100-sxm\"", with: "\"gpu\": \"h100-sxm\", \"gpus\": 3, \"tp\": 2")
            .write(to: w, atomically: true, encoding: .utf8)
        let r = try Self.run([command, w.path] + (command == "report" ? ["-o", dir.appendingPathComponent("out").path] : []))
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("\(w.path): field 'scenarios[0].deployments[0]' has value gpus 3, tp 2")
                && r.stderr.contains("tp 2 does not divide gpus 3") && !r.stderr.contains("usage:"), "\(r.stderr)")
    }
}
