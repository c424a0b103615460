import Foundation

/// The calibration file: fitted coefficient sets per GPU plus the fitted power-limiter hold.
/// The bundled one (`coefficients.json`) is written by `tokenwatt calibrate --builtin` and a test
/// checks that re-running the calibration reproduces it byte for byte.
public struct CoefficientFile: Sendable, Equatable {
    public var capHoldFraction: Double
    public var fitted: [FittedGPU]
    /// Where the fit data came from (files and row filters), for the reader.
    public var provenance: String
    /// The command that wrote the file: `builtinCommand` for the bundled one, `tokenwatt calibrate`
    /// and its input files' names for a user's (every file had claimed to be the bundled fit).
    public var generatedBy: String

    public static let highestSchemaVersion = 1
    /// The command that regenerates the bundled file.
    public static let builtinCommand = "tokenwatt calibrate --builtin"

    public init(capHoldFraction: Double, fitted: [FittedGPU], provenance: String, generatedBy: String = builtinCommand) {
        self.capHoldFraction = capHoldFraction
        self.fitted = fitted
        self.provenance = provenance
        self.generatedBy = generatedBy
    }

    public func fittedSet(for gpuID: String) -> FittedGPU? { fitted.first { $0.gpuID == gpuID } }

    /// The bundled calibration. A broken bundled file is a build defect the tests catch.
    public static let bundled: CoefficientFile = {
        do {
            guard let url = Bundle.module.url(forResource: "coefficients", withExtension: "json") else {
                throw InputError.unreadable(file: "coefficients.json", reason: "bundled resource missing")
            }
            return try read(try Data(contentsOf: url), file: "coefficients.json")
        } catch { fatalError("bundled coefficients are invalid: \(error)") }
    }()

    /// Reads a calibration file (the bundled one or a user's `--calibration FILE`).
    public static func read(path: String) throws -> CoefficientFile {
        try read(try InputFile.data(path, expected: "a calibration JSON file"), file: path)
    }
}
