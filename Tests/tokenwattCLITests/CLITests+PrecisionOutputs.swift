import Foundation
import Testing

/// Outputs name the precisions they price, and precision flags list and suggest what is accepted.
extension CLITests {
    /// tune named neither precision and dropped estimate's dequantization caveat.
    @Test func tuneNamesItsPrecisions() throws {
        let base = ["tune", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--precision", "nvfp4", "--kv-precision", "fp8",
                    "--batch", "16", "--input", "500", "--output", "100", "--steps", "2"]
        let text = try Self.run(base)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("nvfp4, fp8 KV cache") && text.stdout.contains("dequantized to bf16"), "\(text.stdout.prefix(600))")
        let csv = try Self.run(base + ["--format", "csv"])
        let lines = csv.stdout.split(separator: "\n")
        #expect(lines.first?.hasSuffix("precision,kv_precision") == true && lines.dropFirst().allSatisfy { $0.hasSuffix("nvfp4,fp8") }, "\(csv.stdout)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(try Self.run(base + ["--format", "json"]).stdout.utf8)) as? [String: Any])
        #expect(json["precision"] as? String == "nvfp4" && json["kvPrecision"] as? String == "fp8")
    }

    /// kernels carried no KV precision in its header, JSON or CSV.
    @Test func kernelsNamesItsKVPrecision() throws {
        let base = ["kernels", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--kv-precision", "fp8", "--batch", "16", "--input", "500", "--output", "100"]
        #expect(try Self.run(base).stdout.contains("bf16, fp8 KV cache"))
        let csv = try Self.run(base + ["--format", "csv"]).stdout.split(separator: "\n")
        #expect(csv.first?.hasSuffix("precision,kv_precision") == true && csv.dropFirst().allSatisfy { $0.hasSuffix("bf16,fp8") })
        let json = try #require(try JSONSerialization.jsonObject(with: Data(try Self.run(base + ["--format", "json"]).stdout.utf8)) as? [String: Any])
        #expect(json["kvPrecision"] as? String == "fp8")
        let perQuery = try Self.run(base + ["--per-query", "--format", "csv"]).stdout.split(separator: "\n")
        #expect(perQuery.first?.hasSuffix("precision,kv_precision") == true)
    }

    /// An unknown KV precision lists only those a cache is kept in; "fp4" suggests the FP4 formats.
    @Test func precisionFlagsListAndSuggestWhatIsAccepted() throws {
        let kv = try Self.run(["estimate", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--kv-precision", "bogus", "--batch", "8", "--input", "100", "--output", "10"])
        #expect(kv.status == 64 && kv.stderr.contains("fp32, bf16, fp16, fp8, nvfp4") && !kv.stderr.contains("int8"), "\(kv.stderr)")
        let fp4 = try Self.run(["estimate", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--precision", "fp4", "--batch", "8", "--input", "100", "--output", "10"])
        #expect(fp4.status == 64 && fp4.stderr.contains("'mxfp4' or 'nvfp4'"), "\(fp4.stderr)")
    }

    /// gpus showed BF16 and FP8 alone: the FP4, INT8 and FP16 peaks are appended, and a V100's FP16 labelled.
    @Test func gpusListsEveryTensorPeak() throws {
        let csv = try Self.run(["gpus", "--format", "csv"]).stdout.split(separator: "\n")
        #expect(csv.first?.hasSuffix("topology,fp4_tflops,int8_tops,fp16_tflops") == true, "\(csv.first ?? "")")
        #expect(csv.contains { $0.hasPrefix("b200,") && $0.hasSuffix(",9000,4500,2250") })
        #expect(try Self.run(["gpus", "--match", "v100"]).stdout.contains("125 (fp16)"))
    }

    /// power advised `--kv-precision fp8`, a flag it did not take.
    @Test func powerTakesTheKVPrecisionItsAdviceNames() throws {
        let r = try Self.run(["power", "--params", "70e9", "--gpu", "h100-sxm", "--gpus", "2", "--seq-length", "4096", "--kv-precision", "fp8"])
        #expect(r.status == 0, "\(r.stderr)")
    }
}
