import KernelPower

/// Every data set in ../shared/data with measurements, run through the estimator.
public struct ValidationSuite: Sendable {
    public var records: [ValidationRecord]
    /// Rows that could not be estimated: (data set, row, reason).
    public var skipped: [(dataset: String, label: String, reason: String)]
    /// What a reader must know about a data set's rows: (data set, note).
    public var notes: [(dataset: String, note: String)] = []

    public static func run(dataDirectory: String, estimator: Estimator = Estimator()) throws -> ValidationSuite {
        var suite = ValidationSuite(records: [], skipped: [])
        let d = dataDirectory, e = estimator
        let sets: [(String, MLEnergyValidation.Result)] = [
            ("energaizer-prefill", try EnergAIzerValidation.run(dataDirectory: d, estimator: e)),
            ("mlenergy-v3", try MLEnergyValidation.run(dataDirectory: d, estimator: e)),
            ("mlenergy-v2", try MLEnergyV2Validation.run(dataDirectory: d, estimator: e)),
            ("argonne", try ArgonneValidation.run(dataDirectory: d, estimator: e)),
            (ArgonneThroughput.dataset, try ArgonneThroughput.run(dataDirectory: d, estimator: e)),
            ("mlperf-power", try MLPerfValidation.run(dataDirectory: d, estimator: e)),
            ("splitwise", try SplitwiseValidation.run(dataDirectory: d, estimator: e)),
            ("mlenergy-v1", try MLEnergyV1Validation.run(dataDirectory: d, estimator: e)),
            ("tokenpowerbench", try TokenPowerBenchValidation.run(dataDirectory: d, estimator: e)),
            ("published-gemm", PublishedGEMM.run(estimator: e)),
            ("published-attention", PublishedAttention.run(estimator: e)),
            ("published-ops", PublishedOps.run(estimator: e)),
            ("published-weight-only", PublishedWeightOnly.run(estimator: e)),
            ("published-roofline", PublishedRoofline.run(estimator: e)),
        ]
        // Published points read off another data set's runs are scored only while ../shared/data
        // does not hold those runs (`PublishedServing.run`'s `held`).
        let held = Set(sets.flatMap { $0.1.records.map { "\($0.dataset)/\($0.gpu)" } })
        for (name, r) in sets + [("published-serving", PublishedServing.run(estimator: e, held: held))] {
            suite.records += r.records
            suite.skipped += r.skipped.map { (name, $0.label, $0.reason) }
            suite.notes += r.notes.map { (name, $0) }
        }
        return suite
    }
}

