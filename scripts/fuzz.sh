#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer, AddressSanitizer) of every input reader: JSON, workloads,
# CSV, predict rows, sweep files, grid and facility catalogs, request logs, power logs,
# calibration files, model and GPU catalogs and Hugging Face configs. Fuzz/main.swift picks the reader by the first byte.
#
#   scripts/fuzz.sh [RUNS]      default 200000 runs; seeds come from the repository's own files
# Exit status 0 when no crash was found; a crash leaves its input in .build/fuzz/crash-*.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-200000}
out=.build/fuzz
mkdir -p "$out/corpus" "$out/KernelPower.resources" "$out/TokenWatt.resources"
cp Sources/KernelPower/Resources/*.json "$out/KernelPower.resources/"
cp Sources/TokenWatt/Resources/*.json "$out/TokenWatt.resources/"
# SwiftPM generates Bundle.module; a manual build provides its own.
for m in KernelPower TokenWatt; do
    printf 'import Foundation\nextension Foundation.Bundle {\n    static let module: Bundle = Bundle(path: "%s")!\n}\n' \
        "$PWD/$out/$m.resources" > "$out/$m-bundle.swift"
done
flags=(-O -parse-as-library -enable-testing -sanitize=fuzzer,address)
if [ ! -f "$out/TokenWatt.o" ] || [ -n "$(find Sources Fuzz -newer "$out/TokenWatt.o" -name '*.swift' | head -1)" ]; then
    echo "fuzz: compiling the libraries with coverage (a few minutes)"
    swiftc "${flags[@]}" -module-name KernelPower -wmo -emit-module -emit-module-path "$out/KernelPower.swiftmodule" \
        -c $(find Sources/KernelPower -name '*.swift') "$out/KernelPower-bundle.swift" -o "$out/KernelPower.o"
    swiftc "${flags[@]}" -module-name TokenWatt -wmo -I "$out" -emit-module -emit-module-path "$out/TokenWatt.swiftmodule" \
        -c $(find Sources/TokenWatt -name '*.swift') "$out/TokenWatt-bundle.swift" -o "$out/TokenWatt.o"
    swiftc -O -parse-as-library -sanitize=fuzzer,address -I "$out" Fuzz/main.swift "$out/KernelPower.o" "$out/TokenWatt.o" \
        -o "$out/fuzz-readers" 2>&1 | grep -v "Cannot export local symbol" || true
fi
# Seeds: valid inputs of each kind, prefixed with their reader's byte.
seed() { { printf "\\$(printf '%03o' "$1")"; cat "$2"; } > "$out/corpus/seed-$1-$(basename "$2")"; }
for f in Workloads/*.json; do seed 1 "$f"; seed 0 "$f"; done
for f in Workloads/*.csv; do seed 2 "$f"; seed 3 "$f"; done
seed 5 Sources/TokenWatt/Resources/grids.json
python3 -c "import json; d=json.load(open('Sources/KernelPower/Resources/gpus.json')); g=[x for x in d['gpus'] if x['id']=='l40s'][0]; g['id']='user-l40s'; g['aliases']=[]; n={'id':'user-node','name':'n','gpu':'user-l40s','gpuCount':4,'maxPowerWatts':2200,'hostIdleWatts':300,'hostActiveWatts':500,'source':'s','sources':{}}; g['defaultNode']='user-node'; print(json.dumps({'schemaVersion':1,'gpus':[g],'nodes':[n]}))" > "$out/user-gpus.json"; seed 5 "$out/user-gpus.json"
seed 9 Sources/TokenWatt/Resources/models.json
printf '{"model_type": "qwen3_moe", "hidden_size": 2048, "intermediate_size": 6144, "moe_intermediate_size": 768, "num_experts": 128, "num_experts_per_tok": 8, "num_hidden_layers": 48, "num_attention_heads": 32, "num_key_value_heads": 4, "head_dim": 128, "max_position_embeddings": 262144, "vocab_size": 151936, "sliding_window": null, "torch_dtype": "bfloat16", "quantization_config": {"quant_method": "fp8", "weight_block_size": [128, 128]}}' > "$out/hf-config.json"; seed 9 "$out/hf-config.json"
printf '{"model_type": "gemma3", "torch_dtype": "bfloat16", "text_config": {"model_type": "gemma3_text", "hidden_size": 2560, "intermediate_size": 10240, "num_hidden_layers": 34, "num_attention_heads": 8, "num_key_value_heads": 4, "head_dim": 256, "max_position_embeddings": 131072, "vocab_size": 262208, "sliding_window": 1024, "sliding_window_pattern": 6}}' > "$out/hf-gemma.json"; seed 9 "$out/hf-gemma.json"
printf '{"model_type": "qwen3_5_moe", "tie_word_embeddings": false, "text_config": {"model_type": "qwen3_5_moe_text", "hidden_size": 2048, "num_hidden_layers": 8, "num_attention_heads": 16, "num_key_value_heads": 2, "head_dim": 256, "attn_output_gate": true, "full_attention_interval": 4, "linear_num_key_heads": 16, "linear_num_value_heads": 32, "linear_key_head_dim": 128, "linear_value_head_dim": 128, "linear_conv_kernel_dim": 4, "mamba_ssm_dtype": "float32", "num_experts": 256, "num_experts_per_tok": 8, "moe_intermediate_size": 512, "shared_expert_intermediate_size": 512, "max_position_embeddings": 262144, "vocab_size": 248320}}' > "$out/hf-qwen35.json"; seed 9 "$out/hf-qwen35.json"
printf '{"model_type": "deepseek_v32", "hidden_size": 1024, "intermediate_size": 4096, "num_hidden_layers": 4, "num_attention_heads": 16, "num_key_value_heads": 16, "q_lora_rank": 256, "kv_lora_rank": 128, "qk_nope_head_dim": 64, "qk_rope_head_dim": 32, "v_head_dim": 64, "n_routed_experts": 16, "num_experts_per_tok": 2, "n_shared_experts": 1, "moe_intermediate_size": 512, "first_k_dense_replace": 1, "index_n_heads": 8, "index_head_dim": 64, "index_topk": 256, "max_position_embeddings": 8192, "vocab_size": 32000, "torch_dtype": "bfloat16"}' > "$out/hf-v32.json"; seed 9 "$out/hf-v32.json"
printf '{"model_type": "kimi_k2", "hidden_size": 1024, "intermediate_size": 4096, "num_hidden_layers": 4, "num_attention_heads": 16, "num_key_value_heads": 16, "q_lora_rank": 256, "kv_lora_rank": 128, "qk_nope_head_dim": 64, "qk_rope_head_dim": 32, "v_head_dim": 64, "n_routed_experts": 16, "num_experts_per_tok": 2, "n_shared_experts": 1, "moe_intermediate_size": 512, "first_k_dense_replace": 1, "max_position_embeddings": 8192, "vocab_size": 32000, "torch_dtype": "bfloat16", "quantization_config": {"quant_method": "compressed-tensors", "config_groups": {"group_0": {"weights": {"num_bits": 4, "type": "int", "strategy": "group", "group_size": 32}}}, "ignore": ["lm_head", "re:.*self_attn.*"]}}' > "$out/hf-ct.json"; seed 9 "$out/hf-ct.json"
head -c 20000 Sources/KernelPower/Resources/coefficients.json > "$out/coeff-head.json"; seed 8 "$out/coeff-head.json"
printf '{"schemaVersion": 1, "input": 100, "output": 50, "grid": {"model": ["meta-llama/Llama-3.1-8B-Instruct"], "gpu": ["h100-sxm"], "gpus": [1, 2]}}' > "$out/sweep.json"; seed 4 "$out/sweep.json"
printf 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.6805900,374,44\n2023-11-16 18:15:50.9951690,396,109\n' > "$out/azure.csv"; seed 6 "$out/azure.csv"
printf '{"timestamp": 0, "input_length": 6955, "output_length": 52}\n{"timestamp": 10, "input_length": 5, "output_length": 2}\n' > "$out/mooncake.jsonl"; seed 6 "$out/mooncake.jsonl"
printf 'timestamp, index, power.draw [W], clocks.sm [MHz]\n2025/01/01 00:00:00.000, 0, 250.1 W, 1410 MHz\n' > "$out/smi.csv"; seed 7 "$out/smi.csv"
printf '#Entity POWER SMCLK\nGPU 0 250.0 1410\n' > "$out/dcgm.txt"; seed 7 "$out/dcgm.txt"
echo "fuzz: $runs runs over $(ls "$out/corpus" | wc -l) corpus inputs"
cd "$out"
# The whole log stays in .build/fuzz/last-run.log; the summary and any crash are printed.
./fuzz-readers -runs="$runs" -max_len=65536 -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 corpus > last-run.log 2>&1 \
    && status=0 || status=$?
tail -20 last-run.log
exit "$status"
