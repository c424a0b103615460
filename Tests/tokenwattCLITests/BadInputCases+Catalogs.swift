import Foundation

/// Bad inputs added with the probe of `models`: `--from-hf` flags that had been ignored or
/// misreported, and `--match` with nothing near.
extension BadInput {
    static let fromHFConfig = #"{"model_type": "llama", "hidden_size": 256, "intermediate_size": 512, "num_attention_heads": 4, "num_hidden_layers": 2, "vocab_size": 1000, "max_position_embeddings": 512, "torch_dtype": "bfloat16", "_name_or_path": "acme/tiny"}"#

    /// `models --from-hf` writes one JSON catalog file from one config: other formats and the
    /// listing's filter had been ignored, an empty `--id` blamed the config, a spaced one kept.
    static let catalogFlags: [BadInput] = [
        BadInput(name: "from-hf in csv", args: ["models", "--from-hf", "{dir}/config.json", "--format", "csv"], files: ["config.json": fromHFConfig],
                 status: 64, mentions: ["--format csv", "JSON"]),
        BadInput(name: "from-hf with match", args: ["models", "--from-hf", "{dir}/config.json", "--match", "llama"], files: ["config.json": fromHFConfig],
                 status: 64, mentions: ["--match", "--from-hf"]),
        BadInput(name: "from-hf with an empty id", args: ["models", "--from-hf", "{dir}/config.json", "--id", ""], files: ["config.json": fromHFConfig],
                 status: 64, mentions: ["--id is empty"]),
        BadInput(name: "from-hf with a spaced id", args: ["models", "--from-hf", "{dir}/config.json", "--id", "acme/tiny model"],
                 files: ["config.json": fromHFConfig], status: 64, mentions: ["--id 'acme/tiny model'", "space"]),
        BadInput(name: "models match with nothing near", args: ["models", "--match", "zzzz"], status: 64, mentions: ["no model matches 'zzzz'", "none is near"]),
        BadInput(name: "models match near a fragment", args: ["models", "--match", "llama-3.9"], status: 64,
                 mentions: ["no model matches 'llama-3.9'", "closest:", "Llama-3"]),
    ]
}
