import Foundation
import KernelPower

/// The serving fit's runs as the refits that leave their model family out forecast them
/// (`Generalization.leaveOneServingFamilyOut`): GPU energy per output token, per run. The error
/// band of the serving GPU stays drawn in sample and counts how these forecasts, as for a new
/// model, fall against it (`ErrorBand.refitRuns`, `ErrorBands.compute`).
/// The refits take minutes, so their results are bundled (`serving-refits.json`, written by
/// `validate --refits-out`); a test refits one family and checks its runs against the file.
public struct ServingRefitForecasts: Sendable, Equatable {
    public struct Forecast: Sendable, Equatable {
        public var label: String
        /// The model family left out of the refit that forecast the run.
        public var family: String
        /// Forecast J per output token at the GPU boundary.
        public var predicted: Double
    }

    public var gpu: String
    public var dataset: String
    public var forecasts: [Forecast]

    public static let generatedBy = "tokenwatt validate --no-report --refits-out Sources/TokenWatt/Resources/serving-refits.json"

    /// One forecast per run (labels name one run each, `MLEnergyRun.repeatIndex`), in the order
    /// of `records`: TokenWatt's band-metric records of the refits.
    public init(gpu: String, records: [ValidationRecord]) {
        let dataset = MLEnergyValidation.dataset
        let forecasts = records.filter { $0.gpu == gpu && $0.dataset == dataset && $0.metric == ErrorBands.metric && $0.estimator == "tokenwatt" }
            .map { Forecast(label: $0.label, family: $0.group, predicted: $0.predicted) }
        self.init(gpu: gpu, dataset: dataset, forecasts: forecasts)
    }

    init(gpu: String, dataset: String, forecasts: [Forecast]) {
        self.gpu = gpu; self.dataset = dataset; self.forecasts = forecasts
    }

    /// Forecasts by `ErrorBands.fitKey`, what `ErrorBands.compute` counts against each band.
    public var byKey: [String: Double] {
        Dictionary(forecasts.map { (ErrorBands.fitKey(dataset, $0.label), $0.predicted) }, uniquingKeysWith: { a, _ in a })
    }

    /// The same runs forecast alike to within 1e-12 (a platform's libm may differ in the last digit).
    public func matches(_ other: ServingRefitForecasts) -> Bool {
        gpu == other.gpu && dataset == other.dataset && forecasts.count == other.forecasts.count
            && zip(forecasts, other.forecasts).allSatisfy { a, b in
                a.label == b.label && a.family == b.family && abs(a.predicted - b.predicted) <= 1e-12 * abs(b.predicted)
            }
    }

    /// Forecasts to 17 significant digits, so that a refit's figures compare exactly with the file's.
    public func json() -> String {
        JSONWriter(significant: 17, sortKeys: false).write(.obj([
            ("schemaVersion", .num(1)),
            ("generatedBy", .str(Self.generatedBy)),
            ("description", .str("The \(gpu) serving fit's \(dataset) runs, each forecast by the calibration refitted without its "
                                 + "model family: GPU energy per output token (J). The error band of \(gpu) stays drawn in sample "
                                 + "and counts how these forecasts fall against it (refitRuns, refitInside, refitMedian, refitMin, refitMax).")),
            ("gpu", .str(gpu)),
            ("dataset", .str(dataset)),
            ("forecasts", .array(forecasts.map { .obj([("label", .str($0.label)), ("family", .str($0.family)), ("predicted", .num($0.predicted))]) })),
        ]))
    }

    public static func read(_ data: Data, file: String) throws -> ServingRefitForecasts {
        var top = try JSONObjectReader(try JSONParser.parse(data, file: file), file: file, path: "")
        _ = try top.schemaVersion(highest: 1)
        _ = try top.optionalString("generatedBy")
        _ = try top.optionalString("description")
        // Only the serving GPU's fit is refitted, and only on ML.ENERGY v3's runs: forecasts of
        // another GPU or data set would be counted against a band they do not belong to.
        let gpu = try top.string("gpu", allowed: [BuiltinCalibration.servingFitGPU])
        let dataset = try top.string("dataset", allowed: [MLEnergyValidation.dataset])
        let forecasts = try top.array("forecasts").enumerated().map { i, v in
            var o = try JSONObjectReader(v, file: file, path: "forecasts[\(i)]")
            let f = Forecast(label: try o.string("label"), family: try o.string("family"),
                             predicted: try o.double("predicted", 1e-9...1e6, expected: "J per output token above 0"))
            try o.finish()
            return f
        }
        try top.finish()
        let read = ServingRefitForecasts(gpu: gpu, dataset: dataset, forecasts: forecasts)
        try read.checkOneForecastPerLabel(file: file)
        return read
    }

    /// Refuses a label forecast twice: the band counts forecasts by label, so the second would be
    /// scored against the first's. `validate --refits-out` checks before it writes, as `read` does.
    public func checkOneForecastPerLabel(file: String) throws {
        var seen = Set<String>()
        for (i, f) in forecasts.enumerated() where !seen.insert(f.label).inserted {
            throw InputError.invalidValue(file: file, field: "forecasts[\(i)].label", value: f.label,
                                          expected: "one forecast per run label (this label is forecast twice)")
        }
    }

    /// The bundled forecasts (a missing or broken file is a packaging error, as for `error-bands.json`).
    public static let bundled: ServingRefitForecasts = {
        do {
            guard let url = Bundle.module.url(forResource: "serving-refits", withExtension: "json") else {
                throw InputError.unreadable(file: "serving-refits.json", reason: "bundled resource missing")
            }
            return try read(try Data(contentsOf: url), file: "serving-refits.json")
        } catch { fatalError("bundled serving-refits.json is invalid: \(error)") }
    }()
}
