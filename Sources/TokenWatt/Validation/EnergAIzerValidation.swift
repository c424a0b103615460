import KernelPower

/// Runs the estimator, through the same path `predict` uses, over every EnergAIzer language-model
/// row that did not fail, and compares average power, energy and time per pass.
public enum EnergAIzerValidation {
    public static let dataset = "energaizer-prefill"

    public static func records(dataDirectory: String, estimator: Estimator = Estimator()) throws -> [ValidationRecord] {
        try records(rows: EnergAIzerData.load(dataDirectory: dataDirectory), estimator: estimator)
    }

    public static func records(rows: [EnergAIzerRow], estimator: Estimator) throws -> [ValidationRecord] {
        var out: [ValidationRecord] = []
        for row in rows {
            let request = row.request()
            let d = try estimator.deployment(request.deployment, context: row.label)
            let e = try estimator.forwardPass(d, phase: .prefill(batch: row.batch, tokens: row.sequenceLength), lmHead: false)
            let campaign = row.campaign == "dvfs_sweep" ? "dvfs" : "fixed"
            let base = ValidationRecord(dataset: "\(dataset)/\(campaign)", gpu: row.gpuID, group: row.model, metric: "",
                                        label: row.label, measured: 0, predicted: 0,
                                        setting: ["campaign": "energaizer-\(campaign)", "model": row.model, "gpu": row.gpuID,
                                                  "precision": row.precision.rawValue, "batch": String(row.batch),
                                                  "sequence": String(row.sequenceLength), "attention": row.attention,
                                                  "clock": formatNumber(row.lockedClockMHz)])
            let baseline = Baselines.Row(dataset: base.dataset, gpu: d.gpu, model: d.model, gpus: 1, batch: Double(row.batch),
                                         tokensPerSecond: nil, time: row.timeSeconds, isPrefill: true, label: row.label, group: row.model)
            for (metric, m, p) in [("power_w", row.powerWatts, e.averagePower.watts),
                                   ("energy_j", row.energyJoules, e.energy.joules),
                                   ("time_s", row.timeSeconds, e.time.seconds)] {
                var r = base
                r.metric = metric; r.measured = m; r.predicted = p
                out.append(r)
                out += Baselines.records(baseline, metric: metric, measured: m)
            }
        }
        return out
    }
}
