import Foundation
import Testing
import TokenWatt

/// Help texts and refusals that disagreed with the tool (docs audit, 2026-12-07): `help fleet` was
/// one usage line without defaults, `help diagnose` did not say it prices the GPU boundary alone,
/// `help validate` did not say which formats `--rows` takes (and the refusal came after a note),
/// a stage past the pipeline exited 1, and two error messages hid what they were about.
extension CLITests {
    /// `help fleet` gives the defaults of --samples and --seed that a file without them runs at,
    /// and says where notes go and how to read the ranges.
    @Test func helpFleetStatesItsDefaults() throws {
        let dir = try Self.reproScratch("help-fleet")
        defer { try? FileManager.default.removeItem(at: dir) }
        let workload = """
            {"schemaVersion": 1, "description": "x", "scenarios": [{"name": "s", "kind": "kernel",
              "deployments": [{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm"}],
              "classes": [{"name": "c", "share": 1, "deployment": "d", "input": {"fixed": 100}, "output": {"fixed": 50}}]}]}
            """
        try workload.write(to: dir.appendingPathComponent("w.json"), atomically: true, encoding: .utf8)
        let run = try Self.run(["fleet", dir.appendingPathComponent("w.json").path, "--format", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let samples = try #require(obj["samples"] as? Int), seed = try #require(obj["seed"] as? Int)
        let help = try Self.run(["help", "fleet"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("\"samples\", else \(samples)") && help.stdout.contains("\"seed\", else \(seed)"), "\(help.stdout)")
        for words in ["--format", "note:", "standard output", "Reading the ranges", "P5–P95"] {
            #expect(help.stdout.contains(words), "help fleet does not say \(words)")
        }
        // A usage error still repeats the one usage line.
        let bad = try Self.run(["fleet"])
        #expect(bad.status == 64 && bad.stderr.contains("usage: tokenwatt fleet FILE.json [--samples N]") && !bad.stderr.contains("Reading the ranges"))
    }

    /// `help diagnose` says it prices the GPU boundary only, and the flags it names as refused are.
    @Test func helpDiagnoseSaysGPUBoundaryOnly() throws {
        let help = try Self.run(["help", "diagnose"])
        #expect(help.stdout.contains("at the GPU boundary only") && help.stdout.contains("--boundary"), "\(help.stdout)")
        let base = ["diagnose", "--model", "meta-llama/Llama-3.1-8B-Instruct", "--gpu", "h100-sxm", "--batch", "8", "--input", "100", "--output", "10"]
        for flag in [["--boundary", "node"], ["--pue", "1.2"], ["--load", "1"], ["--busy-fraction", "0.5"]] {
            #expect(help.stdout.contains(flag[0]), "help diagnose does not name \(flag[0])")
            let r = try Self.run(base + flag)
            #expect(r.status == 64, "\(flag): \(r.stderr)")
        }
    }

    /// `help validate` says which formats --rows takes, and a format --rows levers or targets
    /// does not take is refused at once, before any note and before the suite runs.
    @Test func validateRowsFormatsAreStatedAndRefusedFirst() throws {
        let help = try Self.run(["help", "validate"])
        #expect(help.stdout.contains("with --rows DATASET text, csv or json") && help.stdout.contains("--rows targets text only"), "\(help.stdout)")
        for rows in ["levers", "targets"] {
            for format in ["json", "csv"] {
                // With no data to read, a run that reached the suite would fail on the data folder
                // (exit 1); the refusal comes first. (A limit of 10 s wall clock had stood for
                // "before the suite", which a loaded machine can exceed for a refusal too.)
                let r = try Self.run(["validate", "--rows", rows, "--format", format], environment: ["TOKENWATT_DATA": "/nonexistent"])
                #expect(r.status == 64 && r.stderr.hasPrefix("error: --rows \(rows) prints a text table"), "\(r.stderr)")
                #expect(!r.stderr.contains("note:") && r.stdout.isEmpty, "\(r.stderr)")
            }
        }
        // markdown is the summary's format, not the rows'.
        let md = try Self.run(["validate", "--rows", "mlperf-power", "--format", "markdown"])
        #expect(md.status == 64 && !md.stderr.contains("note:"), "\(md.stderr)")
    }

    /// A stage past the pipeline is a usage error (64), as README's exit codes say; it exited 1.
    @Test func kernelsStagePastThePipelineIsAUsageError() throws {
        let base = ["kernels", "--model", "meta-llama/Llama-3.1-70B-Instruct", "--gpu", "h100-sxm", "--gpus", "4", "--pp", "2", "--tp", "2",
                    "--batch", "8", "--input", "100", "--output", "10"]
        let r = try Self.run(base + ["--stage", "3"])
        #expect(r.status == 64 && r.stderr.contains("--stage 3") && r.stderr.contains("2 stage(s)"), "\(r.stderr)")
        let last = try Self.run(base + ["--stage", "2"])
        #expect(last.status == 0, "\(last.stderr)")
    }

    /// The refusal of an unconverted model_type lists every type that converts, the Qwen3.5
    /// wrappers included (it left out `qwen3_5`, which converts), as `help models` does.
    @Test func fromHFRefusalListsTheWrappers() throws {
        let dir = try Self.reproScratch("from-hf")
        defer { try? FileManager.default.removeItem(at: dir) }
        let falcon = #"{"model_type": "falcon", "num_hidden_layers": 2, "hidden_size": 64}"#
        try falcon.write(to: dir.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        let r = try Self.run(["models", "--from-hf", dir.appendingPathComponent("config.json").path])
        #expect(r.status != 0)
        let listed = try #require(r.stderr.components(separatedBy: "one of ").last?.components(separatedBy: " (other families").first)
        let types = Set(listed.components(separatedBy: ", "))
        #expect(types == Set(HuggingFaceConfig.acceptedTypes), "\(listed)")
        for wrapper in HuggingFaceConfig.textConfigWrappers.keys { #expect(types.contains(wrapper), "\(wrapper) missing: \(listed)") }
        let help = try Self.run(["help", "models"])
        #expect(HuggingFaceConfig.acceptedTypes.allSatisfy { help.stdout.contains($0) })
        // Each listed wrapper converts: its text_config's type is one the converter reads.
        for (wrapper, text) in HuggingFaceConfig.textConfigWrappers {
            #expect(HuggingFaceConfig.supported[text] != nil, "\(wrapper) wraps \(text), which is not converted")
        }
    }

    /// A GPU entry with peaks but no bf16 or fp16 one names what is missing and shows the keys
    /// given: `{"fp8": 1000}` was reported as "has value {}".
    @Test func gpuWithoutA16BitPeakSaysWhatIsMissing() throws {
        let dir = try Self.reproScratch("nobf16")
        defer { try? FileManager.default.removeItem(at: dir) }
        // The bundled H100's entry as the catalog file holds it, under a new id, its peaks cut to fp8.
        let file = Self.packageRoot.appendingPathComponent("Sources/KernelPower/Resources/gpus.json")
        let bundled = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        var gpu = try #require((bundled["gpus"] as? [[String: Any]])?.first { $0["id"] as? String == "h100-sxm" })
        gpu["id"] = "my-gpu"
        gpu["aliases"] = [String]()
        gpu["tensorPeakTFLOPS"] = ["fp8": 1000, "int8": 1000]
        let catalog = try JSONSerialization.data(withJSONObject: ["schemaVersion": 1, "gpus": [gpu]])
        try catalog.write(to: dir.appendingPathComponent("g.json"))
        let r = try Self.run(["gpus", "--gpu-catalog", dir.appendingPathComponent("g.json").path])
        #expect(r.status != 0)
        #expect(r.stderr.contains("tensorPeakTFLOPS") && r.stderr.contains("fp8: 1000") && r.stderr.contains("int8: 1000")
                && r.stderr.contains("bf16") && !r.stderr.contains("value {}"), "\(r.stderr)")
    }
}
