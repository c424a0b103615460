import KernelPower

/// What a user's calibration file (`--calibration FILE`) must agree on with the catalogs it is
/// used with, and what it leaves to the bundled calibration.
public enum CalibrationFileCheck {
    /// The file as the estimator uses it: refused when it names a GPU the catalog does not hold
    /// (a file fitted with `--gpu-catalog` and used without it, or a misspelt id, was ignored
    /// silently), and completed with the bundled fit of every GPU the bundled file fits and it
    /// does not, so that an estimate on such a GPU uses that fit, as a file `calibrate` writes
    /// does, and its receipt says so (the set's provenance).
    ///
    /// - Throws: `InputError.unknownID` naming the file, the id and the closest catalog ids.
    public static func checked(_ file: CoefficientFile, path: String, catalog: GPUCatalog,
                               bundled: CoefficientFile = .bundled) throws -> CoefficientFile {
        let ids = catalog.gpus.map(\.id)
        for fit in file.fitted.sorted(by: { $0.gpuID < $1.gpuID }) where (try? catalog.gpu(fit.gpuID)) == nil {
            throw InputError.unknownID(kind: "GPU", id: fit.gpuID, suggestions: Suggestions.closest(to: fit.gpuID, among: ids),
                                       context: "\(path): gpus")
        }
        var completed = file
        for fit in bundled.fitted where file.fittedSet(for: fit.gpuID) == nil {
            var kept = fit
            kept.set.provenance = "the bundled fit (\(path) has no coefficients for \(fit.gpuID)): \(fit.set.provenance)"
            completed.fitted.append(kept)
        }
        return completed
    }
}
