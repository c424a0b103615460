import Foundation

/// Reading a file a user named, with an error that says which file and whether it is missing or
/// unreadable: the one place every reader of workloads, catalogs, sweeps and logs opens its input.
public enum InputFile {
    /// The bytes of the file at `path`.
    public static func data(_ path: String) throws -> Data {
        guard let data = FileManager.default.contents(atPath: path) else { throw unreadable(path) }
        return data
    }

    /// Why `path` could not be opened: it does not exist, or it exists but cannot be read.
    public static func unreadable(_ path: String) -> InputError {
        .unreadable(file: path, reason: FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file")
    }
}
