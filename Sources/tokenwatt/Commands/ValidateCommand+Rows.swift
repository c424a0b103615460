import Foundation
import KernelPower
import TokenWatt

/// `validate --rows`: the rows behind one figure of the summary, as a table, CSV or JSON.
extension ValidateCommand {
    /// Every TokenWatt record of one data set, or of every part of a split one
    /// (`energaizer-prefill` is `/fixed` and `/dvfs`): which rows an error figure comes from.
    static func printRows(of dataset: String, report: ValidationReport, format: OutputFormat = .text) throws -> ExitCode {
        try refuseRowsFormat(dataset, format: format)
        if dataset == "levers" { return printLeverPairs(report.leverPairs) }
        if dataset == "targets" { return printTargets(report.targets) }
        let suite = report.suite
        let sets = try rowSets(dataset, suite: suite)
        let records = suite.records.filter { sets.contains($0.dataset) && $0.estimator == "tokenwatt" }
        switch format {
        case .csv:
            Output.write(([CSVWriter.line(["dataset", "gpu", "row", "metric", "measured", "predicted", "relative_error"])] + records.map {
                CSVWriter.line([$0.dataset, $0.gpu, $0.label, $0.metric, formatDataNumber($0.measured), formatDataNumber($0.predicted),
                                formatDataNumber($0.relativeError)])
            }).joined(separator: "\n") + "\n")
            return .success
        case .json:
            Output.write(JSONWriter(sortKeys: false).write(.array(records.map {
                .obj([("dataset", .str($0.dataset)), ("gpu", .str($0.gpu)), ("row", .str($0.label)), ("metric", .str($0.metric)),
                      ("measured", .num($0.measured)), ("predicted", .num($0.predicted)), ("relativeError", .num($0.relativeError))])
            })))
            return .success
        default: break
        }
        let parts = sets.count > 1
        Output.write(Output.table((parts ? ["data set"] : []) + ["gpu", "row", "metric", "measured", "predicted", "error"], records.map {
            (parts ? [$0.dataset] : [])
                + [$0.gpu, $0.label, $0.metric, formatNumber($0.measured), formatNumber($0.predicted), formatPercent($0.relativeError)]
        }))
        return .success
    }

    /// `--rows levers` and `--rows targets` print text tables only; a data set's rows take
    /// text, csv or json (the usage says so).
    static func refuseRowsFormat(_ dataset: String, format: OutputFormat) throws {
        if ["levers", "targets"].contains(dataset), format != .text {
            throw UsageError(description: "--rows \(dataset) prints a text table; --format \(format.rawValue) is for a data set's rows (text, csv or json)")
        }
    }

    /// The data sets `--rows DATASET` names: itself, or every part of a split one; none for
    /// `levers` and `targets`. Refused when the suite has no such data set.
    static func rowSets(_ dataset: String, suite: ValidationSuite) throws -> [String] {
        if ["levers", "targets"].contains(dataset) { return [] }
        let known = Set(suite.records.map(\.dataset))
        let sets = known.contains(dataset) ? [dataset] : known.filter { $0.hasPrefix(dataset + "/") }.sorted()
        guard !sets.isEmpty else {
            throw UsageError(description: "--rows: unknown data set '\(dataset)'; known: \((known.sorted() + ["levers", "targets"]).joined(separator: ", "))")
        }
        return sets
    }

    /// Every target of the issues against its summary row, met or not.
    static func printTargets(_ checks: [AccuracyTarget.Check]) -> ExitCode {
        Output.write(Output.table(["dataset", "gpu", "metric", "n", "MAPE", "target", "met", "set in"], checks.map(ValidationReport.targetCells)))
        return .success
    }

    /// Every lever pair: the runs behind each lever's figure, the ones moved the wrong way marked.
    static func printLeverPairs(_ pairs: [LeverValidation.Pair]) -> ExitCode {
        Output.write(Output.table(["lever", "campaign", "change", "shared setting", "measured", "predicted", "error", ""],
                                  pairs.map { p in
            [p.lever, p.campaign, "\(p.from) → \(p.to)", p.shared, formatNumber(p.measuredRatio, significant: 4),
             formatNumber(p.predictedRatio, significant: 4), formatPercent(p.error), p.decisive && !p.sameDirection ? "wrong way" : ""]
        }))
        return .success
    }
}
