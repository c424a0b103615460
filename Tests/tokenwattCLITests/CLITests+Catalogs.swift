import Foundation
import Testing

/// `models --from-hf` writes a catalog file that `--model-catalog` (or `TOKENWATT_MODEL_CATALOG`)
/// then adds to every command's model catalog; `--gpu-catalog` adds GPUs and nodes.
extension CLITests {
    static let mistralConfig = """
    {"architectures": ["MistralForCausalLM"], "hidden_act": "silu", "hidden_size": 4096, "intermediate_size": 14336,
     "max_position_embeddings": 32768, "model_type": "mistral", "num_attention_heads": 32, "num_hidden_layers": 32,
     "num_key_value_heads": 8, "rope_theta": 1000000.0, "sliding_window": null, "tie_word_embeddings": false,
     "torch_dtype": "bfloat16", "vocab_size": 32768, "_name_or_path": "acme/mistral-7b-support"}
    """

    @Test func convertedConfigIsEstimatedThroughAModelCatalog() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tw-hf-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("config.json")
        try Self.mistralConfig.write(to: config, atomically: true, encoding: .utf8)

        let converted = try Self.run(["models", "--from-hf", dir.path, "--source", "https://example.org/config.json"])
        #expect(converted.status == 0, "\(converted.stderr)")
        #expect(converted.stdout.contains("\"id\": \"acme/mistral-7b-support\"") && converted.stdout.contains("https://example.org/config.json"))
        let catalog = dir.appendingPathComponent("models.json")
        try converted.stdout.write(to: catalog, atomically: true, encoding: .utf8)

        let args = ["estimate", "--model", "acme/mistral-7b-support", "--gpu", "h100-sxm", "--batch", "16", "--input", "500",
                    "--output", "200", "--format", "json"]
        let without = try Self.run(args)
        #expect(without.status != 0 && without.stderr.contains("--from-hf"), "\(without.stderr)")
        let with = try Self.run(args + ["--model-catalog", catalog.path])
        #expect(with.status == 0 && with.stdout.contains("\"whPerQuery\""), "\(with.stderr)")
        #expect(with.stdout.contains("model acme/mistral-7b-support from a user catalog, source: https://example.org/config.json"))
        let listed = try Self.run(["models", "--model-catalog", catalog.path, "--match", "acme", "--format", "csv"])
        #expect(listed.status == 0 && listed.stdout.contains("acme/mistral-7b-support,mistral,32"), "\(listed.stdout)")

        // Converting it again under a bundled id is refused, naming the id that is taken.
        let clash = try Self.run(["models", "--from-hf", config.path, "--id", "mistral-7b-instruct-v0.3"])
        #expect(clash.status != 0 && clash.stdout.isEmpty && clash.stderr.contains("variantOf"), "\(clash.stderr)")
        let missing = try Self.run(args + ["--model-catalog", dir.appendingPathComponent("nope.json").path])
        #expect(missing.status != 0 && missing.stderr.contains("nope.json"))
    }

    @Test func userGPUIsEstimatedThroughAGPUCatalog() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tw-gpu-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // The bundled L40S entry under a new id and no aliases: a GPU the catalog lacks.
        let bundled = try String(contentsOf: Self.packageRoot.appendingPathComponent("Sources/KernelPower/Resources/gpus.json"), encoding: .utf8)
        let id = try #require(bundled.range(of: "\"id\": \"l40s\""))
        let open = try #require(bundled[..<id.lowerBound].lastIndex(of: "{"))
        let close = try #require(bundled[id.upperBound...].range(of: "\n    }")).upperBound
        let aliases = try #require(bundled[id.upperBound...].range(of: "\"aliases\": ["))
        let aliasesEnd = try #require(bundled[aliases.upperBound...].firstIndex(of: "]"))
        let gpu = String(bundled[open..<id.lowerBound]) + "\"id\": \"acme-l40s\"" + String(bundled[id.upperBound..<aliases.upperBound])
            + String(bundled[aliasesEnd..<close])
        let file = dir.appendingPathComponent("gpus.json")
        try ("{\"schemaVersion\": 1, \"gpus\": [" + gpu + "]}").write(to: file, atomically: true, encoding: .utf8)

        let args = ["estimate", "--model", "Qwen/Qwen3-8B", "--batch", "16", "--input", "500", "--output", "200"]
        let without = try Self.run(args + ["--gpu", "acme-l40s"])
        #expect(without.status != 0 && without.stderr.contains("acme-l40s"))
        let with = try Self.run(args + ["--gpu", "acme-l40s", "--gpu-catalog", file.path])
        #expect(with.status == 0 && with.stdout.contains("carried over from a10"), "\(with.stderr)")
        // The same numbers as the bundled entry it copies.
        let same = try Self.run(args + ["--gpu", "l40s"])
        let total = { (s: String) in s.split(separator: "\n").first { $0.contains("total at gpu") }.map(String.init) }
        #expect(total(with.stdout) != nil && total(with.stdout) == total(same.stdout))
        let listed = try Self.run(["gpus", "--gpu-catalog", file.path, "--match", "acme", "--format", "csv"])
        #expect(listed.status == 0 && listed.stdout.contains("acme-l40s,"), "\(listed.stderr)")
    }
}
