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
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return .unreadable(file: path, reason: "no such file" + nearbyNames(path))
        }
        if isDirectory.boolValue { return .unreadable(file: path, reason: "is a directory; expected \(expected)") }
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let type = (try? FileManager.default.attributesOfItem(atPath: resolved))?[.type] as? FileAttributeType
        if let type, type != .typeRegular {
            return .unreadable(file: path, reason: "is not a regular file (a device, pipe or socket) and gave no data; expected \(expected)")
        }
        return .unreadable(file: path, reason: "cannot be read (check its permissions)")
    }

    /// The files of `path`'s folder nearest its name, as the path would be typed ("; did you mean
    /// 'Workloads/chat-service.json'?"), or that the folder itself is missing: `fleet
    /// Workloads/chat-servce.json` had said "no such file" beside the file it meant, one letter away.
    static func nearbyNames(_ path: String) -> String {
        let folder = (path as NSString).deletingLastPathComponent, name = (path as NSString).lastPathComponent
        var isDirectory: ObjCBool = false
        guard folder.isEmpty || (FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) && isDirectory.boolValue) else {
            return " (its folder \(folder) does not exist either)"
        }
        guard !name.isEmpty, let names = try? FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "." : folder) else { return "" }
        let near = Suggestions.closest(to: name, among: names.filter { !$0.hasPrefix(".") })
        guard !near.isEmpty else { return "" }
        return "; did you mean \(near.map { "'\(folder.isEmpty ? $0 : (folder as NSString).appendingPathComponent($0))'" }.joined(separator: ", "))?"
    }
}
