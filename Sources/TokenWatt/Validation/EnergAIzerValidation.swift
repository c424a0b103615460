import KernelPower

/// Runs the estimator, through the same path `predict` uses, over every EnergAIzer language-model
/// row that did not fail, and compares average power, energy and time per pass.
public enum EnergAIzerValidation {
    public static let dataset = "energaizer-prefill"

    public static func records(dataDirectory: String, estimator: Estimator = Estimator()) throws -> [ValidationRecord] {
        try run(dataDirectory: dataDirectory, estimator: estimator).records
    }

    /// Every row of a catalogued GPU, scored; a row the estimator refuses (a shape that does not
    /// fit its GPU, say) and a row of a GPU or precision the catalog lacks are listed with the reason.
    public static func run(dataDirectory: String, estimator: Estimator = Estimator()) throws -> MLEnergyValidation.Result {
        let loaded = try EnergAIzerData.loadAll(dataDirectory: dataDirectory, catalog: estimator.gpus)
        var result = MLEnergyValidation.Result(records: [], skipped: loaded.skipped)
        for row in loaded.rows {
            do { result.records += try records(row: row, estimator: estimator) } catch {
                result.skipped.append((row.label, "\(error)"))
            }
        }
        let forecast = Set(loaded.rows.map(\.gpuID)).subtracting(EnergAIzerData.fittedGPUs).sorted()
        if !forecast.isEmpty {
            result.notes.append("\(forecast.joined(separator: ", ")): forecast, not fitted (the built-in calibration fits "
                                + "only \(EnergAIzerData.fittedGPUs.joined(separator: " and ")) on these rows)")
        }
        return result
    }

    public static func records(rows: [EnergAIzerRow], estimator: Estimator) throws -> [ValidationRecord] {
        try rows.flatMap { try records(row: $0, estimator: estimator) }
    }

    /// The attention a run used, as the estimate reads it: `unrecorded` runs are eager (the data's
    /// README), so pairing them with `eager` runs as an attention change scored the repeats' noise
    /// against a predicted change of exactly 1 (15 pairs, "1.1 %").
    static func attentionSetting(_ name: String) -> String {
        EnergAIzerData.attentionImplementation(name)?.rawValue ?? name
    }

    static func records(row: EnergAIzerRow, estimator: Estimator) throws -> [ValidationRecord] {
        let request = row.request()
        let d = try estimator.deployment(request.deployment, context: row.label)
        let e = try estimator.forwardPass(d, phase: .prefill(batch: row.batch, tokens: row.sequenceLength), lmHead: false)
        let campaign = row.campaign == "dvfs_sweep" ? "dvfs" : "fixed"
        let base = ValidationRecord(dataset: "\(dataset)/\(campaign)", gpu: row.gpuID, group: row.model, metric: "",
                                    label: row.label, measured: 0, predicted: 0,
                                    setting: ["campaign": "energaizer-\(campaign)", "model": row.model, "gpu": row.gpuID,
                                              "precision": row.precision.rawValue, "batch": String(row.batch),
                                              "sequence": String(row.sequenceLength), "attention": attentionSetting(row.attention),
                                              "clock": formatNumber(row.lockedClockMHz)])
        let baseline = Baselines.Row(dataset: base.dataset, gpu: d.gpu, model: d.model, gpus: 1, batch: Double(row.batch),
                                     tokensPerSecond: nil, time: row.timeSeconds, isPrefill: true, label: row.label, group: row.model)
        var out: [ValidationRecord] = []
        for (metric, m, p) in [("power_w", row.powerWatts, e.averagePower.watts),
                               ("energy_j", row.energyJoules, e.energy.joules),
                               ("time_s", row.timeSeconds, e.time.seconds)] {
            var r = base
            r.metric = metric; r.measured = m; r.predicted = p
            out.append(r)
            out += Baselines.records(baseline, metric: metric, measured: m)
        }
        return out
    }
}
