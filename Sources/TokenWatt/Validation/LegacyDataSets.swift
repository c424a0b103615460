import Foundation
import KernelPower

/// ML.ENERGY Leaderboard v1 (2023): Hugging Face transformers through FastChat, batch 1, FP16,
/// one GPU; energy per response from Zeus. Compared as `hf` static batches of one sequence.
/// Prompt tokens per task (`promptTokens`); the A100 is the SXM4-40GB and the V100 the SXM2-32GB (the
/// leaderboard names only the GPU). A model the catalog holds is run as itself; a fine-tune takes
/// its base model's layer shapes, per its model card. RWKV (a recurrent mixer) and FastChat-T5
/// (an encoder-decoder) are not in the catalog and are skipped with that reason.
public enum MLEnergyV1Validation {
    /// The export has no prompt lengths and none is published. These are counted here from the
    /// prompts the benchmark sent (derived, 2026-12-06): the 2,978 ShareGPT first turns of
    /// ml-energy/leaderboard-v2 at 01bc423 (`sharegpt/sg_90k_part1_html_cleaned_lang_first_sampled_sorted.json`,
    /// the default input of `scripts/benchmark.py` there), each in FastChat's conversation template
    /// with the task's system prompt (`SYSTEM_PROMPTS`), cut at 1,535 tokens (a 2,048 context less
    /// 512 new tokens), counted with the Llama-2 tokenizer plus BOS: means 177.5, 187.3, 159.8 and
    /// 167.6 (medians 77, 87, 59, 67). Other models' tokenizers differ by about 10–20 %. Until
    /// 2026-12-06 every task took an assumed 200.
    static let promptTokens = ["chat": 178, "chat-concise": 187, "instruct": 160, "instruct-concise": 168]
    static let gpuIDs = ["A100": "a100-sxm-40gb", "A40": "a40", "V100": "v100-sxm2-32gb"]
    static let tasks = ["chat", "chat-concise", "instruct", "instruct-concise"]
    /// Fine-tune → catalog model with the same layer shapes. LLaMA-13B shares Llama-2-13B's shapes
    /// (40 layers, hidden 5120, FFN 13824, 40 heads, 32,000 tokens; Touvron et al. 2023, Table 2).
    static let bases: [String: String] = [
        "lmsys/vicuna-7B": "huggyllama/llama-7b",                        // lmsys.org/blog/2023-03-30-vicuna
        "tatsu-lab/alpaca-7B": "huggyllama/llama-7b",                    // crfm.stanford.edu/2023/03/13/alpaca.html
        "metaai/llama-7B": "huggyllama/llama-7b",
        "BAIR/koala-7b": "huggyllama/llama-7b",                          // bair.berkeley.edu/blog/2023/04/03/koala
        "project-baize/baize-v2-7B": "huggyllama/llama-7b",              // huggingface.co/project-baize/baize-v2-7b
        "h2oai/h2ogpt-gm-oasst1-en-2048-open-llama-7b-preview-300bt-v2": "huggyllama/llama-7b",  // OpenLLaMA 7B: LLaMA-7B shapes
        "lmsys/vicuna-13B": "meta-llama/Llama-2-13b-hf",
        "metaai/llama-13B": "meta-llama/Llama-2-13b-hf",
        "BAIR/koala-13b": "meta-llama/Llama-2-13b-hf",
        "camel-ai/CAMEL-13B-Combined-Data": "meta-llama/Llama-2-13b-hf", // model card: LLaMA-13B fine-tune
        "nomic-ai/gpt4all-13b-snoozy": "meta-llama/Llama-2-13b-hf",      // model card: finetuned from LLaMA 13B
        "openaccess-ai-collective/manticore-13b-chat-pyg": "meta-llama/Llama-2-13b-hf",  // model card: LLaMA 13B
        "metaai/Llama-2-7b-chat-hf": "meta-llama/Llama-2-7b-chat-hf",
        "metaai/Llama-2-13b-chat-hf": "meta-llama/Llama-2-13b-chat-hf",
        "FreedomIntelligence/phoenix-inst-chat-7b": "bigscience/bloom-7b1",  // model card: BLOOMZ-7b1-mt fine-tune
        // Pythia-12B fine-tunes (model cards: "Finetuned from EleutherAI/pythia-12b-deduped", "derived from
        // EleutherAI's Pythia-12b"; the deduplicated Pythia shares the shapes). Their trimmed
        // vocabularies (50,288 and 50,280 rows of 50,688) change 0.02 % of the parameters.
        "OpenAssistant/oasst-sft-1-pythia-12b": "EleutherAI/pythia-12b",
        "databricks/dolly-v2-12b": "EleutherAI/pythia-12b",
    ]

    /// Why the models left out are left out (their model cards and configs).
    static let unmodelled: [String: String] = [
        "RWKV/rwkv-raven-7b": "RWKV-4 (time-mix and channel-mix recurrent blocks, no attention) is not modelled",
        "lmsys/fastchat-t5-3b-v1.0": "FastChat-T5 is an encoder-decoder (a Flan-T5-XL fine-tune), which is not modelled",
    ]

    public static func run(dataDirectory: String, estimator: Estimator) throws -> MLEnergyValidation.Result {
        var out = MLEnergyValidation.Result(records: [], skipped: [])
        for (name, gpu) in gpuIDs.sorted(by: { $0.key < $1.key }) {
            for task in tasks {
                let t = try ServingDataSets.table("\(dataDirectory)/mlenergy-leaderboard-v1-legacy/\(name)_\(task)_benchmark.csv")
                try score(t, gpu: gpu, task: task, estimator: estimator, into: &out)
            }
        }
        return out
    }

    static func score(_ t: CSVTable, gpu: String, task: String, estimator: Estimator, into out: inout MLEnergyValidation.Result) throws {
        let c = try ["model", "throughput", "response_length", "latency", "energy"].map { try ServingDataSets.column(t, $0) }
        for r in t.rows {
            let model = r.fields[c[0]]
            let label = "\(model) 1×\(gpu) \(task)"
            // Read before the estimate, so a corrupt cell stops the run naming its line rather
            // than joining the rows the estimator cannot model.
            let length = try ServingDataSets.measurement(t, r, c[2], below: Double(ServingDataSets.largestCount))
            let energy = try ServingDataSets.measurement(t, r, c[4]), latency = try ServingDataSets.measurement(t, r, c[3])
            do {
                guard let base = bases[model] ?? (try? estimator.models.model(model)).map(\.id) else {
                    throw DeploymentError.invalidShape(unmodelled[model] ?? "its architecture is not in the model catalog")
                }
                let d = try estimator.deployment(DeploymentRequest(model: base, gpu: gpu, gpus: 1, precision: .fp16, framework: .hf))
                let output = max(1, Int(length.rounded()))
                let s = try estimator.serve(d, ServingRequest(batch: 1, inputTokens: promptTokens[task] ?? 178, outputTokens: output))
                // Tokens per second as the energy and power are read: the mean response's length over
                // its mean latency. The `throughput` column is a mean of per-response rates (0.80–1.63
                // times this), while the estimate is one request of the mean length.
                let tps = length / latency
                let baseline = Baselines.Row(dataset: "mlenergy-v1", gpu: d.gpu, model: d.model, gpus: 1, batch: 1, tokensPerSecond: tps,
                                             time: nil, isPrefill: false, label: label, group: d.model.family)
                out.add([("j_per_token", energy / Double(output), s.energyPerOutputToken.joules),
                         ("power_w_per_gpu", energy / latency, s.gpuPower.watts),
                         ("tokens_per_s", tps, s.outputTokensPerSecond)],
                        dataset: "mlenergy-v1", gpu: gpu, group: d.model.family, label: label, baseline: baseline,
                        setting: ["campaign": "mlenergy-v1", "model": model, "task": task, "gpu": gpu])
            } catch {
                out.skipped.append((label, "\(error)"))
            }
        }
    }
}

/// TokenPowerBench (single node, vLLM, Alpaca prompts): one busy GPU among idle visible ones, or
/// two running tensor-parallel, on an H100 NVL (95,830 MiB per GPU; the repository says only
/// "A100/H100"; the two-GPU runs leave the memory column blank and are taken to be the same). The
/// busy GPUs' energy per output token is their power × the run's duration ÷ tokens. Prompts: 12
/// tokens (`promptTokens`); the run's concurrency is the batch setting or the responses,
/// whichever is fewer. Batches of 512 are taken as run: the benchmark leaves `max_num_seqs` unset
/// (SingleNode/engines/vllm_engine.py at ec00f52), and vLLM's V1 engine (the default from 0.8,
/// before the code's July 2025 upload) then allows the `LLM` class 1,024 sequences on a GPU of
/// 70 GiB or more other than an A100 (its batch defaults in vllm/engine/arg_utils.py: "For GPUs
/// like H100 and MI300x, use larger default values"); the older V0 engine's 256 would have run
/// them 256 at a time (the README asks only `vllm>=0.4.0`). Runs shorter than 10 s are skipped:
/// NVML's power average needs seconds to settle (runs of one configuration read 299 W at 5 s and
/// 385 W at 20 s). DeepSpeed runs are skipped (the engine is not modelled). Its vLLM engine samples
/// at temperature 0.7 with vLLM's default top-p of 1.0, no top-p filter (chenxuniu/TokenPowerBench
/// `SingleNode/engines/vllm_engine.py`).
public enum TokenPowerBenchValidation {
    /// The benchmark sends the `instruction` field of tatsu-lab/alpaca alone, raw (no chat
    /// template), the first `num_samples` of them in the data set's order (chenxuniu/TokenPowerBench
    /// at ec00f52, `SingleNode/llm_benchmark.py` `load_alpaca_dataset`, `engines/vllm_engine.py`
    /// `run_benchmark`); the first 64 average 11.9 tokens (median 11, at most 24) with the Llama-2
    /// tokenizer plus BOS (derived, 2026-12-06; Llama 3's tokenizer gives about as many). Until
    /// 2026-12-06 an assumed 50.
    static let promptTokens = 12
    static let shortestSeconds = 10.0

    public static func run(dataDirectory: String, estimator: Estimator) throws -> MLEnergyValidation.Result {
        let t = try ServingDataSets.table(dataDirectory + "/tokenpowerbench/runs.csv")
        let c = try ["engine", "model", "batch_size", "duration_s", "responses", "total_output_tokens", "per_gpu_power_W",
                     "max_output_tokens_setting"]
            .map { try ServingDataSets.column(t, $0) }
        var out = MLEnergyValidation.Result(records: [], skipped: [])
        for r in t.rows {
            let f = r.fields
            let model = "meta-llama/" + f[c[1]].replacingOccurrences(of: "models--meta-llama--", with: "")
            let label = "\(f[c[1]]) \(f[c[0]]) b\(f[c[2]]) line \(r.line)"
            guard f[c[0]] == "vllm" else {
                out.skipped.append((label, "\(DeploymentError.invalidShape("engine \(f[c[0]]) is not modelled"))"))
                continue
            }
            // Read before the estimate, so a corrupt cell stops the run naming its line.
            let seconds = try ServingDataSets.measurement(t, r, c[3])
            let responses = Double(try ServingDataSets.count(t, r, c[4])), tokens = try ServingDataSets.measurement(t, r, c[5])
            let busy = try busyWatts(f[c[6]], t: t, r: r)
            let batchSetting = try ServingDataSets.count(t, r, c[2])
            do {
                guard seconds >= shortestSeconds else { throw DeploymentError.invalidShape("a \(formatNumber(seconds)) s run is too short for NVML power") }
                let watts = busy.reduce(0, +) / Double(busy.count)
                let d = try estimator.deployment(DeploymentRequest(model: model, gpu: "h100-nvl", gpus: busy.count,
                                                                   tensorParallel: busy.count, sampling: .direct))
                let batch = Int(min(Double(batchSetting), responses))
                let output = max(1, Int((tokens / max(1, responses)).rounded()))
                let s = try estimator.serve(d, ServingRequest(batch: max(1, batch), inputTokens: promptTokens, outputTokens: output))
                out.add([("j_per_token", busy.reduce(0, +) * seconds / tokens, s.energyPerOutputToken.joules),
                         ("power_w_per_gpu", watts, s.gpuPower.watts),
                         ("tokens_per_s", tokens / seconds, s.outputTokensPerSecond)],
                        dataset: "tokenpowerbench", gpu: "h100-nvl", group: d.model.family, label: label,
                        setting: ["campaign": "tokenpowerbench", "model": model, "batch": f[c[2]], "gpus": String(busy.count),
                                 "output": f[c[7]]])  // a pair changes one setting: runs capped at 500 and 2,000 output tokens differ
            } catch {
                out.skipped.append((label, "\(error)"))
            }
        }
        return out
    }

    /// The busy GPUs' mean powers: the readings at least half the largest. Most runs have one busy
    /// GPU among idle visible ones (about 60 W); seven full-Alpaca runs of April 2025 (lines 180–186)
    /// have two at the same power, tensor-parallel over both (TokenPowerBench's vLLM engine sets
    /// `tensor_parallel_size` to the visible GPU count when it is not given). Scored as one GPU with
    /// the larger reading, their energy per token was half the measured and the H100 NVL's error
    /// band took its low end, 0.665, from one of them.
    static func busyWatts(_ cell: String, t: CSVTable, r: CSVTable.Row) throws -> [Double] {
        // Every part a wattage: a part that is not one had been dropped, and the run scored as one GPU fewer.
        let parts = cell.split(separator: ";", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
        let values = parts.compactMap { $0 }.filter { $0.isFinite && $0 >= 0 && $0 < 1e5 }
        guard values.count == parts.count, let w = values.max(), w > 0 else {
            throw InputError.invalidValue(file: t.file, field: "line \(r.line) per_gpu_power_W", value: cell, expected: "';'-separated watts")
        }
        return values.filter { $0 >= 0.5 * w }
    }
}
