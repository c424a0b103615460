import KernelPower

/// One measured forward pass from `energaizer-prefill/forward_pass_measurements.csv` (EnergAIzer
/// artifact, Lee et al., ISPASS 2026): HF PyTorch eager prefill at a locked SM clock, whole-board
/// NVML energy and time per pass, per-pass synchronisation gaps included.
public struct EnergAIzerRow: Sendable {
    public var gpuID: String
    public var campaign: String
    public var model: String
    public var precision: Precision
    public var batch: Int
    public var sequenceLength: Int
    public var attention: String
    public var lockedClockMHz: Double
    public var averageClockMHz: Double
    public var timeSeconds: Double
    public var energyJoules: Double
    public var powerWatts: Double
    public var powerLimitWatts: Double
    public var powerLimited: Bool

    /// The run as a row name; a fused attention backend is named (eager, the default, is not).
    public var label: String {
        let fused = EnergAIzerData.attentionImplementation(attention).flatMap { $0 == .eager ? nil : " \($0.rawValue)" } ?? ""
        return "\(gpuID) \(model) \(precision.rawValue)\(fused) b\(batch) s\(sequenceLength) @\(formatNumber(lockedClockMHz))MHz"
    }

    /// The `predict` request that reproduces this measurement: HF eager, no LM head (the artifact
    /// ran the base `*Model` classes), the locked clock and the board's power limit.
    public func request(host: Double? = nil) -> PredictRequest {
        var d = DeploymentRequest(model: model, gpu: gpuID, gpus: 1, precision: precision, framework: .hf,
                                  attention: EnergAIzerData.attentionImplementation(attention) ?? .eager)
        d.smClockMHz = lockedClockMHz
        d.powerCapWatts = powerLimitWatts
        d.hostLaunchMicroseconds = host
        return PredictRequest(deployment: d, phase: .forward, batch: batch, inputTokens: sequenceLength,
                              outputTokens: 0, lmHead: false)
    }
}

public enum EnergAIzerData {
    public static let file = "energaizer-prefill/forward_pass_measurements.csv"

    /// The GPUs whose rows the built-in calibration fits. Rows of any other catalogued GPU (the
    /// artifact's H100 runs, held back from ../shared/data and scored when dropped into the same
    /// file) are forecast, as EnergAIzer forecasts the H100 from Ampere, and never fitted. In the
    /// order the calibration file lists them.
    public static let fittedGPUs = ["a100-pcie-40gb", "a10"]

    /// The rows the estimator can run, and the ones it cannot, with the reason: a GPU or a
    /// precision the catalog lacks is listed, never dropped silently.
    public struct Loaded: Sendable {
        public var rows: [EnergAIzerRow] = []
        public var skipped: [(label: String, reason: String)] = []
    }

    /// All language-model rows that did not fail (vision models are outside TokenWatt's scope).
    public static func load(dataDirectory: String, catalog: GPUCatalog = .bundled) throws -> [EnergAIzerRow] {
        try loadAll(dataDirectory: dataDirectory, catalog: catalog).rows
    }

    /// The `attn_impl` column as the HF planner runs it: `eager` and the rows whose run name does
    /// not record it (`unrecorded`, all eager by the artifact's traces: see the data set's README)
    /// as separate kernels, `sdpa` as PyTorch's fused kernel, FlashAttention-2 (the artifact's
    /// other backend, "flash_attention_2" in HF's naming) as `flash`. Nil for anything else.
    static func attentionImplementation(_ name: String) -> AttentionImplementation? {
        let n = name.lowercased()
        if ["eager", "unrecorded", "none", ""].contains(n) { return .eager }
        if n == "sdpa" { return .sdpa }
        if n.contains("flash") || n == "fa2" { return .flash }
        return nil
    }

    public static func loadAll(dataDirectory: String, catalog: GPUCatalog = .bundled) throws -> Loaded {
        let table = try ServingDataSets.table(dataDirectory + "/" + file)
        let c = { (name: String) throws -> Int in
            guard let i = table.column(name) else {
                throw InputError.missingField(file: table.file, field: name, expected: "a column of the EnergAIzer export")
            }
            return i
        }
        let cols = try ["gpu", "campaign", "model", "modality", "precision", "batch", "seq_len", "attn_impl",
                        "sm_clock_locked_mhz", "sm_clock_avg_mhz", "time_ms_per_pass", "energy_j_per_pass",
                        "avg_power_w", "board_power_limit_w", "status", "note"].map(c)
        var loaded = Loaded()
        for r in table.rows {
            let f = r.fields
            // Vision models are out of scope, and `failed` runs stopped early (the data set's README).
            guard f[cols[3]] == "text", f[cols[14]] != "failed" else { continue }
            func num(_ i: Int) throws -> Double {
                let x = try ServingDataSets.number(table, r, cols[i])
                // Time, energy and power of a pass are measurements: zero or less is a corrupt row.
                guard !(10...12).contains(i) || x > 0 else {
                    throw InputError.invalidValue(file: table.file, field: "line \(r.line) \(table.header[cols[i]])",
                                                  value: f[cols[i]], expected: "a positive measurement")
                }
                return x
            }
            switch resolve(gpu: f[cols[0]], precision: f[cols[4]], attention: f[cols[7]], status: f[cols[14]], catalog: catalog,
                           shape: "\(f[cols[2]]) \(f[cols[4]]) b\(f[cols[5]]) s\(f[cols[6]]) @\(f[cols[8]])MHz (line \(r.line))") {
            case let .skip(label, reason):
                loaded.skipped.append((label, reason))
            case let .run(gpu, precision):
                loaded.rows.append(EnergAIzerRow(
                    gpuID: gpu.id, campaign: f[cols[1]], model: f[cols[2]], precision: precision,
                    batch: try ServingDataSets.count(table, r, cols[5]), sequenceLength: try ServingDataSets.count(table, r, cols[6]), attention: f[cols[7]],
                    lockedClockMHz: try num(8), averageClockMHz: try num(9), timeSeconds: try num(10) / 1000,
                    energyJoules: try num(11), powerWatts: try num(12), powerLimitWatts: try num(13),
                    powerLimited: f[cols[15]].contains("power-limited")))
            }
        }
        return loaded
    }

    /// What a row runs on, or why it cannot run.
    enum Resolution {
        case run(GPUSpec, Precision)
        case skip(label: String, reason: String)
    }

    /// A row's status, GPU, precision and attention backend checked in turn; `shape` names the row.
    static func resolve(gpu name: String, precision precisionName: String, attention: String, status: String,
                        catalog: GPUCatalog, shape: String) -> Resolution {
        guard ["ok", ""].contains(status) else { return .skip(label: "\(name) \(shape)", reason: "status '\(status)' is neither ok nor failed") }
        // The artifact qualifies some names ("H100-SXM (inferred)"); DataSetGPU drops that.
        guard let id = DataSetGPU.id(name, catalog: catalog), let gpu = try? catalog.gpu(id) else {
            let bare = DataSetGPU.bare(name)
            guard !bare.isEmpty else { return .skip(label: "(no GPU) \(shape)", reason: "the gpu field is empty") }
            let near = Suggestions.closest(to: bare, among: catalog.gpus.flatMap { [$0.id] + $0.aliases })
            return .skip(label: "\(name) \(shape)", reason: "GPU '\(name)' is not in the catalog"
                            + (near.isEmpty ? "" : " (closest: \(near.joined(separator: ", ")))"))
        }
        guard let precision = Precision(rawValue: precisionName) else {
            return .skip(label: "\(gpu.id) \(shape)", reason: "precision '\(precisionName)' is not modelled")
        }
        guard attentionImplementation(attention) != nil else {
            return .skip(label: "\(gpu.id) \(shape)",
                         reason: "attention implementation '\(attention)' is not modelled (eager, sdpa or flash_attention_2)")
        }
        return .run(gpu, precision)
    }
}
