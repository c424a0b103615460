import Foundation
import KernelPower

/// Where the shared measurement data lives: `--data-dir`, else `$TOKENWATT_DATA`, else the first
/// `shared/data` found beside the current folder or one of its parents (`../shared/data` from
/// the repository root). The data is read at run time and never copied into the repository.
public enum DataDirectory {
    public static let environmentVariable = "TOKENWATT_DATA"
    /// The folders `searched` climbs: shared/data is looked for beside each (`../shared/data`) and
    /// in it, so up to this many folders above the current one (the help text says so).
    public static let searchedLevels = 6

    public static func resolve(explicit: String?) throws -> String {
        if let e = explicit { return try check(e) }
        if let env = ProcessInfo.processInfo.environment[environmentVariable], !env.isEmpty {
            return try check(env, reason: "is not a directory with the shared measurement data (named by \(environmentVariable))")
        }
        if let found = searched() { return found }
        throw InputError.unreadable(file: "../shared/data",
                                    reason: "measurement data not found; pass --data-dir DIR or set \(environmentVariable)")
    }

    /// The first `shared/data` beside the current folder or one of its parents: the folder found
    /// with neither `--data-dir` nor the environment variable (a report quotes the option only
    /// when it names another).
    public static func searched() -> String? {
        var dir = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        for _ in 0..<searchedLevels {
            for candidate in [dir.appendingPathComponent("../shared/data"), dir.appendingPathComponent("shared/data")] {
                let path = candidate.standardizedFileURL.path
                if FileManager.default.fileExists(atPath: path + "/energaizer-prefill") { return path }
            }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }

    /// The data directory when one is given or found, nil when none is: commands whose
    /// workloads may not need it. A directory that was named (`explicit` or the environment
    /// variable) and is wrong is an error, not nil: `fleet` dropped it and then asked for the
    /// variable that was set.
    public static func resolveIfNamed(explicit: String?) throws -> String? {
        let env = ProcessInfo.processInfo.environment[environmentVariable] ?? ""
        if explicit != nil || !env.isEmpty { return try resolve(explicit: explicit) }
        return try? resolve(explicit: nil)
    }

    /// The path of a data file a workload names: `name` itself when absolute (it had been glued
    /// on, `/data//tmp/t.csv`), else under `directory`; nil when relative with no directory.
    public static func file(_ name: String, in directory: String?) -> String? {
        if name.hasPrefix("/") { return name }
        return directory.map { $0 + "/" + name }
    }

    static func check(_ path: String, reason: String = "is not a directory with the shared measurement data") throws -> String {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue else {
            throw InputError.unreadable(file: path, reason: reason)
        }
        return path
    }
}
