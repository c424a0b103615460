import Foundation

/// Reading a file a user named, with an error that says which file and whether it is missing or
/// unreadable: the one place every reader of workloads, catalogs, sweeps and logs opens its input.
public enum InputFile {
    /// The bytes of the file at `path`.
    /// - Parameter expected: what the file should be, for the error when it is a directory or a
    ///   device ("a workload JSON file").
    public static func data(_ path: String, expected: String = "a file") throws -> Data {
        guard let data = FileManager.default.contents(atPath: path) else { throw unreadable(path, expected: expected) }
        return data
    }

    /// Why `path` could not be opened: it does not exist, is a directory or a device, or exists
    /// but cannot be read. "cannot be read" alone was all a folder or /dev/null got.
    public static func unreadable(_ path: String, expected: String = "a file") -> InputError {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return .unreadable(file: path, reason: "no such file") }
        if isDirectory.boolValue { return .unreadable(file: path, reason: "is a directory; expected \(expected)") }
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let type = (try? FileManager.default.attributesOfItem(atPath: resolved))?[.type] as? FileAttributeType
        if let type, type != .typeRegular {
            return .unreadable(file: path, reason: "is not a regular file (a device, pipe or socket) and gave no data; expected \(expected)")
        }
        return .unreadable(file: path, reason: "cannot be read (check its permissions)")
    }
}
