import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// README's validation tables ("Headline figures" and the lever table) quote `Reports/validation.md`
/// or, where the report has no such row, a subset of the rows `validate` scores, computed here the
/// same way. A 2026-12-07 methodology review found some 60 of their cells behind the report (v3
/// J/token 11.7 beside 11.3 %, Splitwise A100 decode 36.1 beside 35.5 %, the precision lever's
/// 78 % beside 89 % of 9), since nothing held them to it.
@Suite struct DocsFiguresPinTests {
    // MARK: - The committed validation report

    /// The cells of every table line of one `## ` section of `Reports/validation.md`.
    static func reportRows(_ heading: String) throws -> [[String]] {
        let text = try String(contentsOf: packageRoot.appendingPathComponent("Reports/validation.md"), encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let start = try #require(lines.firstIndex { $0.hasPrefix("## " + heading) }, "validation.md has no section '\(heading)'")
        return lines[(start + 1)...].prefix { !$0.hasPrefix("## ") }.filter { $0.hasPrefix("| ") }.map(ReadmeFiguresTests.cells)
    }

    /// One figure a README cell quotes: its run count and MAPE in percent as the report prints it.
    struct Figure: Sendable { let n: Int; let percent: String }

    static func percent(_ cell: String) -> String { cell.replacingOccurrences(of: " %", with: "") }

    /// The Summary row of (data set, GPU, metric).
    static func summary(_ dataset: String, _ gpu: String, _ metric: String) throws -> Figure {
        let row = try #require(try reportRows("Summary").first { $0.count > 4 && $0[0] == dataset && $0[1] == gpu && $0[2] == metric },
                               "Summary has no \(dataset) \(gpu) \(metric)")
        return Figure(n: Int(row[3]) ?? -1, percent: percent(row[4]))
    }

    /// The "By model family" row of (data set, GPU, family or group, metric).
    static func family(_ dataset: String, _ gpu: String, _ group: String, _ metric: String) throws -> Figure {
        let row = try #require(try reportRows("By model family").first { $0.count > 5 && $0[0] == dataset && $0[1] == gpu && $0[2] == group && $0[3] == metric },
                               "By model family has no \(dataset) \(gpu) \(group) \(metric)")
        return Figure(n: Int(row[4]) ?? -1, percent: percent(row[5]))
    }

    /// The figure of records as `validate` prints a MAPE.
    static func mape(_ records: [ValidationRecord]) -> Figure {
        let m = ErrorMetrics(predicted: records.map(\.predicted), measured: records.map(\.measured))
        return Figure(n: m.n, percent: percent(formatPercent(m.mape)))
    }

    // MARK: - Rows the report does not split out, computed from the bundled catalogs

    static let estimator = Estimator()
    static let serving = PublishedServing.run(estimator: estimator).records
    static let gemm = PublishedGEMM.run(estimator: estimator).records

    /// InferenceMAX's gpt-oss-120b runs on vLLM and DeepSeek-R1-0528 FP8 runs on SGLang over 8 GPUs,
    /// the configurations that publish tokens/s on `gpu` (the table's "InferenceMAX runs" row).
    static func inferenceMAX(_ gpu: String, _ metric: String) -> Figure {
        let runs = serving.filter { r in r.gpu == gpu && r.label.hasPrefix("InferenceMAX")
            && ((r.label.contains("gpt-oss-120b") && r.label.hasSuffix("(vLLM)")) || (r.label.contains("DeepSeek-R1-0528 8×"))) }
        let paced = Set(runs.filter { $0.metric == "tokens_per_s" }.map(\.label))
        return mape(runs.filter { $0.metric == metric && paced.contains($0.label) })
    }

    /// Every DeepSeek-R1-0528 FP8 configuration on SGLang on `gpu`, priced as SGLang or as vLLM.
    static func everyDeepSeek(_ gpu: String, asVLLM: Bool) -> Figure {
        let points = PublishedServing.bundled.filter { $0.framework == .sglang && !$0.label.contains("NVFP4") && $0.gpu == gpu }
        let records = asVLLM ? PublishedServing.run(estimator: estimator, points: points.map { p in var q = p; q.framework = .vllm; return q }).records
            : serving.filter { r in points.contains { $0.label == r.label } }
        return mape(records.filter { $0.metric == "tpot_ms" && $0.label.contains("DeepSeek-R1-0528 ") })
    }

    static func servingWhere(_ metric: String, _ keep: (ValidationRecord) -> Bool) -> Figure {
        mape(serving.filter { $0.metric == metric && keep($0) })
    }

    /// The lowest or highest signed error of `records`, as a whole percent figure.
    static func extreme(_ records: [ValidationRecord], highest: Bool) -> Figure {
        let errors = records.map(\.relativeError)
        return Figure(n: records.count, percent: formatFixed(((highest ? errors.max() : errors.min()) ?? 0) * 100, decimals: 1))
    }

    // MARK: - The headline table

    /// A README row (found by the start of its first cell), the figures its MAPE cell quotes in
    /// order, and which of them its run-count cell quotes (all, when nil).
    struct Row: CustomStringConvertible, Sendable {
        let row: String
        var counted: [Int]? = nil
        let figures: @Sendable () throws -> [Figure]
        var description: String { row }
    }

    static let pg = "published-gemm", ps = "published-serving", pr = "published-roofline", po = "published-ops"
    static let rows: [Row] = [
        Row(row: "EnergAIzer, A100-40GB-PCIe, 900 MHz", counted: [0]) { [try summary("energaizer-prefill/fixed", "a100-pcie-40gb", "power_w"), try summary("energaizer-prefill/fixed", "a100-pcie-40gb", "energy_j")] },
        Row(row: "EnergAIzer, A100-40GB-PCIe, 510", counted: [0]) { [try summary("energaizer-prefill/dvfs", "a100-pcie-40gb", "power_w"), try summary("energaizer-prefill/dvfs", "a100-pcie-40gb", "energy_j")] },
        Row(row: "EnergAIzer, A10, 900 MHz", counted: [0]) { [try summary("energaizer-prefill/fixed", "a10", "power_w"), try summary("energaizer-prefill/fixed", "a10", "energy_j")] },
        Row(row: "ML.ENERGY v3, H100, vLLM 0.11", counted: [0]) { [try summary("mlenergy-v3", "h100-sxm", "power_w_per_gpu"), try summary("mlenergy-v3", "h100-sxm", "j_per_token")] },
        Row(row: "ML.ENERGY v3, H100 |", counted: [0]) { [try summary("mlenergy-v3", "h100-sxm", "itl_ms"), try summary("mlenergy-v3", "h100-sxm", "itl_p90_ms")] },
        Row(row: "Argonne, A100 / H100, vLLM") { [try summary("argonne", "a100-sxm-40gb", "j_per_token"), try summary("argonne", "h100-sxm", "j_per_token")] },
        Row(row: "Argonne, H100 / GH200 / A100, TensorRT-LLM") { try ["h100-sxm", "gh200", "a100-sxm-40gb"].map { try summary("argonne/trtllm", $0, "j_per_token") } },
        Row(row: "MLPerf Power, 8×H100 / 8×H200", counted: [0, 1]) { try ["node_power_w", "node_j_per_token"].flatMap { m in try ["h100-sxm", "h200"].map { try summary("mlperf-power", $0, m) } } },
        Row(row: "Splitwise, H100 / A100 |", counted: [0, 1]) { try ["decode_step_ms", "prefill_ms"].flatMap { m in try ["h100-80gb", "a100-80gb"].map { try summary("splitwise", $0, m) } } },
        Row(row: "Splitwise, H100 capped", counted: [0]) { [try summary("splitwise", "h100-80gb-pcap", "prefill_slowdown"), try summary("splitwise", "h100-80gb-pcap", "decode_slowdown")] },
        Row(row: "ML.ENERGY v1, A100 / A40 / V100") { try ["a100-sxm-40gb", "a40", "v100-sxm2-32gb"].map { try summary("mlenergy-v1", $0, "j_per_token") } },
        Row(row: "TokenPowerBench, H100 NVL", counted: [0]) { [try summary("tokenpowerbench", "h100-nvl", "j_per_token"), try summary("tokenpowerbench", "h100-nvl", "power_w_per_gpu")] },
        Row(row: "Published large-GEMM throughput") {
            try ["h100-sxm", "h200", "b200", "gh200", "a100-sxm-80gb", "b300", "gb200", "mi300x", "mi325x", "mi355x", "rtx-pro-6000-server"].map { try summary(pg, $0, "tflops") }
        },
        Row(row: "DeepGEMM's FP8 GEMM table") { [try family(pg, "h800-sxm", "fp8", "tflops")] },
        Row(row: "DeepGEMM's grouped (MoE) FP8 GEMMs") {
            let grouped = gemm.filter { $0.gpu == "h800-sxm" && $0.label.contains(" group") }
            let contiguous = grouped.filter { $0.label.contains("groups of 8192") || $0.label.contains("groups of 4096") }
            return [mape(contiguous), mape(grouped.filter { r in !contiguous.contains { $0.label == r.label } })]
        },
        Row(row: "DeepGEMM's few-tile BF16 / FP8") { [try family(pg, "h20", "bf16, few tiles", "tflops"), try family(pg, "h20", "fp8, few tiles", "tflops")] },
        Row(row: "Marlin's INT4-over-FP16") {
            try [("a10", "one matrix, boost clock"), ("a10", "one matrix, base clock"), ("a10", "model layers, boost clock"), ("a100-sxm-80gb", "model layers, boost clock")]
                .map { try family("published-weight-only", $0.0, $0.1, "speedup") }
        },
        Row(row: "Published prefill attention kernels") { try ["h200", "b200", "h100-sxm"].map { try summary("published-attention", $0, "time_us") } },
        Row(row: "Vidur's profiled linear layers") {
            try ["h100-sxm", "a100-sxm-80gb", "a40"].flatMap { g in try ["m ≤ 64 (weights streamed)", "m ≥ 256 (compute)"].map { try family(po, g, $0, "time_us") } }
        },
        Row(row: "Published roofline kernel", counted: [0, 1, 2]) { try ["power_w", "gflops"].flatMap { m in try ["a100-sxm-40gb", "a40", "h200"].map { try family(pr, $0, "memory-bound", m) } } },
        Row(row: "the same kernel, compute-bound", counted: [0, 1, 2]) { try ["power_w", "gflops"].flatMap { m in try ["a100-sxm-40gb", "a40", "h200"].map { try family(pr, $0, "compute-bound", m) } } },
        Row(row: "Published B200 serving runs") { try ["j_per_token", "power_w_per_gpu", "itl_ms"].map { try summary(ps, "b200", $0) } },
        Row(row: "Published H200 serving runs") {
            [try summary(ps, "h200", "itl_ms"), servingWhere("tokens_per_s") { $0.gpu == "h200" && !$0.label.hasPrefix("InferenceMAX") }]
        },
        Row(row: "InferenceMAX (SemiAnalysis) runs", counted: Array(0..<6)) {
            ["tokens_per_s", "tpot_ms"].flatMap { m in ["h100-sxm", "h200", "b200", "mi300x", "mi325x", "mi355x"].map { inferenceMAX($0, m) } }
        },
        Row(row: "Every InferenceMAX configuration of DeepSeek-R1-0528", counted: [0, 1]) {
            [false, true].flatMap { v in ["h200", "b200"].map { everyDeepSeek($0, asVLLM: v) } }
        },
        Row(row: "InferenceMAX runs of NVIDIA's NVFP4") {
            ["tpot_ms", "tokens_per_s"].map { m in servingWhere(m) { $0.label.contains("NVFP4") } }
        },
        Row(row: "Llama-3.1-405B FP8 on 8 × MI300X", counted: [0]) {
            let runs = serving.filter { $0.label.contains("benchmark_latency") }
            return [mape(runs), extreme(runs, highest: false), extreme(runs, highest: true)]
        },
        Row(row: "InferenceMAX runs of gpt-oss-120b on TensorRT-LLM", counted: [0]) {
            ["tokens_per_s", "tpot_ms"].map { m in servingWhere(m) { $0.label.hasSuffix("(TensorRT-LLM)") } }
        },
    ]

    /// The numbers of a cell in order ("8.4 %, 12.6 % / 11.9 %" gives 8.4, 12.6, 11.9; "+34" gives 34).
    static func numbers(_ cell: String) -> [String] {
        cell.matches(of: /[0-9]+(\.[0-9]+)?/).map { String($0.0) }
    }

    static func readmeCells(_ start: String) throws -> [String] {
        let readme = try String(contentsOf: packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let line = try #require(readme.split(separator: "\n").first { $0.hasPrefix("| " + start) }, "README has no row '\(start)'")
        return ReadmeFiguresTests.cells(line)
    }

    @Test(arguments: rows)
    func headlineRowQuotesTheValidation(_ r: Row) throws {
        let cells = try Self.readmeCells(r.row)
        let figures = try r.figures()
        let shown = Self.numbers(cells[3]), counts = Self.numbers(cells[2])
        try #require(shown.count >= figures.count, "README '\(r.row)' shows \(shown); the report has \(figures.count) figures")
        for (i, f) in figures.enumerated() {
            #expect(ReadmeFiguresTests.quotes(shown[i], f.percent), "README '\(r.row)' figure \(i + 1) says \(shown[i]) %; validate gives \(f.percent) %")
        }
        let counted = (r.counted ?? Array(figures.indices)).map { figures[$0].n }
        #expect(counts == counted.map(String.init), "README '\(r.row)' counts \(counts); validate scores \(counted)")
    }
}
