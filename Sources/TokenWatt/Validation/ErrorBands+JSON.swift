import Foundation
import KernelPower

/// `error-bands.json`: the bands as `validate --bands-out` writes them and `estimate` reads them.
extension ErrorBands {
    public static let generatedBy = "tokenwatt validate --bands-out Sources/TokenWatt/Resources/error-bands.json"

    /// Significant digits of the file's numbers.
    static let storedDigits = 6

    /// A figure as the file stores it (`storedDigits` significant digits): what `estimate` and
    /// `fleet` read, so what every printed band is formatted from.
    static func stored(_ x: Double) -> Double { Double(formatDataNumber(x, significant: storedDigits)) ?? x }

    /// The bands as a file, ratios to 6 significant digits (the file is compared as text): at 4 a
    /// median of 1.0351 was stored 1.035 and printed 1.03, where it rounds to 1.04.
    public func json() -> String {
        JSONWriter(significant: Self.storedDigits, sortKeys: false).write(.obj([
            ("schemaVersion", .num(1)),
            ("generatedBy", .str(Self.generatedBy)),
            ("description", .str("Measured ÷ estimated GPU energy per output token (\(Self.metric)) over the validation runs in "
                                 + "../shared/data and the bundled published points, per GPU with at least \(Self.minimumRuns) "
                                 + "runs, and the pool of runs on GPUs without a fit of their own (forecast), which GPUs with fewer "
                                 + "runs take, except a \(Self.siblingArchitectures.sorted().joined(separator: ", ")) GPU outside PCIe, which takes the band "
                                 + "of the pooled GPU of its architecture outside PCIe that has one (the most runs first). Each range leaves `tail` outside each end: the largest tail at which, each model "
                                 + "family (own band) or GPU (pool) left out in turn, \(formatPercent(Self.nominalCoverage, decimals: 0)) "
                                 + "of the runs fall inside the range of the rest (outOfSampleCoverage, the extremes when none "
                                 + "reaches it). readRuns: a band's runs of published points read off the publication of the runs of "
                                 + "a data set (readFrom) that ../shared/data holds back, the runs the range is scored against: in sample. "
                                 + "tokenwatt estimate scales a query's GPU energy by ratioLow and ratioHigh. Levers: "
                                 + "pairs of runs of one campaign that differ in one setting alone, predicted ÷ measured change "
                                 + "of energy per output token − 1, the campaigns pooled (serving ones alone where a lever has 10 serving pairs or more, forward-pass ones otherwise); tokenwatt fleet cites them beside its levers.")),
            ("leftOut", .obj(Self.leftOut.sorted { $0.key < $1.key }.map { ($0.key, .str($0.value)) })),
            ("bands", .array(bands.map(Self.value))),
            ("forecast", Self.value(forecast)),
            ("levers", .array(levers.map(\.json))),
            ("runsByDataSet", .obj(runsByDataSet.sorted { $0.key < $1.key }.map { ($0.key, .num(Double($0.value))) })),
        ]))
    }

    static func value(_ b: ErrorBand) -> JSONValue {
        // Built in parts: one expression of all of them took the type checker past its limit.
        typealias Field = (String, JSONValue)
        var fields: [Field] = [("gpu", .str(b.gpu)), ("runs", .num(Double(b.runs))), ("datasets", .array(b.datasets.map(JSONValue.str)))]
        if !b.pooledGPUs.isEmpty { fields.append(("pooledGPUs", .array(b.pooledGPUs.map(JSONValue.str)))) }
        fields += [("tail", .num(b.tail)), ("ratioLow", .num(b.ratioLow)), ("ratioMedian", .num(b.ratioMedian)), ("ratioHigh", .num(b.ratioHigh)),
                   ("leftOut", .str(b.leftOut)), ("outOfSampleCoverage", .num(b.outOfSampleCoverage))]
        if b.fitRuns > 0 { fields.append(("fitRuns", .num(Double(b.fitRuns)))) }
        if b.refitRuns > 0 { fields += [("refitRuns", .num(Double(b.refitRuns))), ("refitInside", .num(Double(b.refitInside)))] }
        let refits: [(String, Double?)] = [("refitMedian", b.refitMedian), ("refitMin", b.refitMin), ("refitMax", b.refitMax), ("outsideFitMedian", b.outsideFitMedian)]
        fields += refits.compactMap { k, v in v.map { (k, JSONValue.num($0)) } }
        if b.readRuns > 0 { fields += [("readRuns", .num(Double(b.readRuns))), ("readFrom", .array(b.readFrom.map(JSONValue.str)))] }
        if let x = b.smallBatchBias { fields += [("smallBatchRuns", .num(Double(b.smallBatchRuns))), ("smallBatchBias", .num(x))] }
        if let x = b.smallBatchPowerBias { fields += [("smallBatchPowerRuns", .num(Double(b.smallBatchPowerRuns))), ("smallBatchPowerBias", .num(x))] }
        return .obj(fields)
    }

    /// The bundled bands (a test keeps them equal to a fresh validation run).
    public static let bundled: ErrorBands = {
        do {
            guard let url = Bundle.module.url(forResource: "error-bands", withExtension: "json") else {
                throw InputError.unreadable(file: "error-bands.json", reason: "bundled resource missing")
            }
            return try read(try Data(contentsOf: url), file: "error-bands.json")
        } catch { fatalError("bundled error-bands.json is invalid: \(error)") }
    }()

    public static func read(_ data: Data, file: String) throws -> ErrorBands {
        var top = try JSONObjectReader(try JSONParser.parse(data, file: file), file: file, path: "")
        _ = try top.schemaVersion(highest: 1)
        _ = try top.optionalString("generatedBy")
        _ = try top.optionalString("description")
        if var left = try top.optionalObject("leftOut") {
            for key in left.keys { _ = try left.string(key) }
            try left.finish()
        }
        let bands = try top.array("bands").enumerated().map { i, v in try band(v, file: file, path: "bands[\(i)]") }
        guard let pool = top.raw("forecast") else {
            throw InputError.missingField(file: file, field: "forecast", expected: "the band of GPUs without runs of their own")
        }
        let forecast = try band(pool, file: file, path: "forecast")
        let levers = top.has("levers") ? try top.array("levers").enumerated().map { i, v in try lever(v, file: file, path: "levers[\(i)]") } : []
        var runs: [String: Int] = [:]
        if var o = try top.optionalObject("runsByDataSet") {
            for key in o.keys { runs[key] = try o.int(key, 0...100_000_000, expected: "a count of runs") }
            try o.finish()
        }
        try top.finish()
        return ErrorBands(bands: bands, forecast: forecast, levers: levers, runsByDataSet: runs)
    }

    static func lever(_ v: JSONValue, file: String, path: String) throws -> LeverValidation.Row {
        var o = try JSONObjectReader(v, file: file, path: path)
        let share = 0.0...1000.0
        let row = LeverValidation.Row(lever: try o.string("lever"), campaign: try campaign(&o), pairs: try o.int("pairs", 1...10_000_000),
                                      mape: try o.double("mape", share), medianAPE: try o.double("medianAPE", share),
                                      bias: try o.double("bias", -1000...1000),
                                      errorP5: try o.double("errorP5", -0.999...1000, expected: "a relative error above −1"),
                                      errorP95: try o.double("errorP95", -0.999...1000, expected: "a relative error above −1"),
                                      decisivePairs: try o.int("decisivePairs", 0...10_000_000),
                                      sameDirection: try o.optionalDouble("sameDirection", 0...1),
                                      gpus: o.has("gpus") ? try o.stringArray("gpus") : [])
        try o.finish()
        return row
    }

    /// Files written before the lever rows shared one form call the campaigns `campaigns`.
    static func campaign(_ o: inout JSONObjectReader) throws -> String {
        try o.optionalString("campaigns") ?? o.string("campaign")
    }

    static func band(_ v: JSONValue, file: String, path: String) throws -> ErrorBand {
        var o = try JSONObjectReader(v, file: file, path: path)
        let ratio = 1e-3...1e3
        var b = ErrorBand(gpu: try o.string("gpu"), runs: try o.int("runs", 1...1_000_000), datasets: try o.stringArray("datasets"),
                          pooledGPUs: o.has("pooledGPUs") ? try o.stringArray("pooledGPUs") : [],
                          tail: try o.double("tail", 0...0.5, expected: "a quantile from 0 to 0.5"),
                          ratioLow: try o.double("ratioLow", ratio), ratioMedian: try o.double("ratioMedian", ratio),
                          ratioHigh: try o.double("ratioHigh", ratio),
                          outOfSampleCoverage: try o.double("outOfSampleCoverage", 0...1, expected: "a share from 0 to 1"),
                          leftOut: try o.string("leftOut", allowed: ["model family", "GPU", "none"]))
        b.fitRuns = try o.optionalInt("fitRuns", 0...b.runs) ?? 0
        b.refitRuns = try o.optionalInt("refitRuns", 0...b.fitRuns) ?? 0
        b.refitInside = try o.optionalInt("refitInside", 0...b.refitRuns) ?? 0
        b.refitMedian = try o.optionalDouble("refitMedian", ratio)
        b.refitMin = try o.optionalDouble("refitMin", ratio)
        b.refitMax = try o.optionalDouble("refitMax", ratio)
        b.outsideFitMedian = try o.optionalDouble("outsideFitMedian", ratio)
        b.readRuns = try o.optionalInt("readRuns", 0...b.runs) ?? 0
        b.readFrom = o.has("readFrom") ? try o.stringArray("readFrom") : []
        for (runs, bias) in [("smallBatchRuns", "smallBatchBias"), ("smallBatchPowerRuns", "smallBatchPowerBias")] {
            let n = try o.optionalInt(runs, 1...1_000_000) ?? 0, x = try o.optionalDouble(bias, -1...1000, expected: "a mean relative error above −1")
            guard (n > 0) == (x != nil) else {
                throw InputError.invalidValue(file: file, field: path + "." + bias, value: x.map { "\($0)" } ?? "none",
                                              expected: "given exactly when \(runs) is given")
            }
            if runs == "smallBatchRuns" { (b.smallBatchRuns, b.smallBatchBias) = (n, x) } else { (b.smallBatchPowerRuns, b.smallBatchPowerBias) = (n, x) }
        }
        guard (b.readRuns > 0) == !b.readFrom.isEmpty else {
            throw InputError.invalidValue(file: file, field: path + ".readFrom", value: b.readFrom.joined(separator: ", "),
                                          expected: "the data sets of the readRuns runs, given exactly when readRuns is above 0")
        }
        try o.finish()
        guard b.ratioLow <= b.ratioMedian, b.ratioMedian <= b.ratioHigh else {
            throw InputError.invalidValue(file: file, field: path, value: "\(b.ratioLow), \(b.ratioMedian), \(b.ratioHigh)",
                                          expected: "ratioLow ≤ ratioMedian ≤ ratioHigh")
        }
        // The forecasts' figures come together or not at all, ordered, and only with runs that
        // produced them: the caveat quotes them as a median inside its span.
        let refit = [b.refitMin, b.refitMedian, b.refitMax]
        let ordered: Bool
        if case let (low?, median?, high?) = (b.refitMin, b.refitMedian, b.refitMax) {
            ordered = b.refitRuns > 0 && low <= median && median <= high
        } else {
            ordered = refit.allSatisfy { $0 == nil } && b.refitRuns == 0
        }
        guard ordered else {
            throw InputError.invalidValue(file: file, field: path, value: "refitRuns \(b.refitRuns), refitMin \(refit[0].map { "\($0)" } ?? "none"), "
                                          + "refitMedian \(refit[1].map { "\($0)" } ?? "none"), refitMax \(refit[2].map { "\($0)" } ?? "none")",
                                          expected: "refitMin ≤ refitMedian ≤ refitMax, all given when refitRuns is above 0 and none when it is 0")
        }
        return b
    }
}
