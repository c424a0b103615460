import Foundation
import Testing

/// Catalog suggestions and listings, as the user sees them.
extension CLITests {
    /// One GPU is offered once, by its id: `mi300` had offered `amd mi300x`, `mi300x` and
    /// `mi300x-192gb`; `zzz` had offered `yz8`, a host name kept as an alias for a data set.
    @Test func gpuSuggestionsNameEachGPUOnceByItsID() throws {
        let mi300 = try Self.run(["estimate", "--model", "meta-llama/Llama-3.1-8B-Instruct", "--gpu", "mi300", "--batch", "8", "--input", "100", "--output", "50"])
        #expect(mi300.status != 0 && mi300.stderr.contains("mi300x"), "\(mi300.stderr)")
        #expect(!mi300.stderr.contains("amd mi300x") && !mi300.stderr.contains("mi300x-192gb"), "\(mi300.stderr)")
        // `a100-80gb` (an alias of a100-sxm-80gb) is one letter away, but h100-sxm's alias holds it whole.
        let h100 = try Self.run(["estimate", "--model", "meta-llama/Llama-3.1-8B-Instruct", "--gpu", "h100-80gb", "--batch", "8", "--input", "100", "--output", "50"])
        #expect(h100.stderr.contains("did you mean 'h100-sxm'"), "\(h100.stderr)")
        let zzz = try Self.run(["gpus", "--match", "zzz"])
        #expect(zzz.status == 64 && !zzz.stderr.contains("yz8") && zzz.stderr.contains("none is near"), "\(zzz.stderr)")
    }

    /// An encoder is refused by the serving commands but priced by `predict`'s forward phase,
    /// as the refusal says; `models` marks it so.
    @Test func anEncodersForwardPassIsStillPriced() throws {
        let r = try Self.run(["predict", "-"], stdin: "model,gpu,batch,input_tokens,phase\nbert-large,h100-sxm,8,128,forward\n")
        #expect(r.status == 0, "\(r.stderr)")
        let listed = try Self.run(["models", "--match", "bert-large", "--format", "csv"])
        #expect(listed.stdout.contains("forward only (encoder)"), "\(listed.stdout)")
        let json = try Self.run(["models", "--match", "bert-large", "--format", "json"])
        #expect(json.stdout.contains("\"kind\": \"encoder\"") && json.stdout.contains("\"maxPositions\": 512"), "\(json.stdout)")
    }
}
