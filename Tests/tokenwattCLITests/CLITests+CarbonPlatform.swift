import Foundation
import Testing
import TokenWatt

/// What a sustainability analyst's probe (2026-12-07) found the command line leaving unsaid: the
/// engines trace and export-sql take, a step budget hf ignores, the CSV's sampler, and Québec.
extension CLITests {
    /// `help trace` and `help export-sql` name the engines `--framework` takes there: hf, which
    /// batches statically, is refused once run, and the help had listed `--framework F`.
    @Test func helpNamesTheContinuousBatchingEngines() throws {
        for command in ["trace", "export-sql"] {
            let help = try Self.run(["help", command])
            #expect(help.status == 0)
            #expect(help.stdout.contains("--framework vllm|vllm-eager|trtllm|sglang") && !help.stdout.contains("--framework F"), "\(help.stdout)")
            #expect(help.stdout.contains("hf batches statically"), "\(command)")
        }
    }

    /// `--token-budget` under hf, which batches statically, is said to do nothing; the CSV ends
    /// with the sampler the JSON gives.
    @Test func estimateSaysWhatHFIgnoresAndWritesTheSampler() throws {
        let base = ["estimate", "--model", "meta-llama/Llama-3.1-8B-Instruct", "--gpu", "h100-sxm", "--batch", "8", "--input", "100", "--output", "20"]
        let hf = try Self.run(base + ["--framework", "hf", "--token-budget", "512"])
        #expect(hf.status == 0 && hf.stderr.contains("--token-budget has no effect under --framework hf"), "\(hf.stderr)")
        let vllm = try Self.run(base + ["--token-budget", "512"])
        #expect(vllm.status == 0 && !vllm.stderr.contains("--token-budget has no effect"))
        let csv = try Self.run(base + ["--framework", "sglang", "--sampling", "top-p", "--format", "csv"])
        let lines = csv.stdout.split(separator: "\n")
        #expect(csv.status == 0 && lines.count == 2 && lines[0].hasSuffix(",sampling,range_caveat") && lines[1].contains(",top-p,"), "\(csv.stdout)")
        let text = try Self.run(base + ["--framework", "sglang", "--sampling", "top-p"])
        #expect(text.stdout.contains("top-p sampling asked: SGLang samples top-p without sorting the logits"), "\(text.stdout)")
    }

    /// `regions --match` finds the Québec grid by its name with or without accents, and by the
    /// city its cloud regions are in.
    @Test func regionsMatchFindsQuebec() throws {
        for text in ["quebec", "Québec", "Montréal"] {
            let r = try Self.run(["regions", "--match", text, "--format", "csv"])
            #expect(r.status == 0 && r.stdout.contains("\ngrid,ca-qc,"), "\(text): \(r.stdout) \(r.stderr)")
        }
    }
}
