import Foundation
import KernelPower

/// A file a workload read besides itself (a request-length trace, an hourly carbon-intensity
/// CSV, a throughput table), with the FNV-1a 64 of the bytes read (`ToolVersion.fnv1a64`). A
/// report records these beside its regenerate line: its bundled-catalog fingerprint had covered
/// the build alone, so a changed trace under the data folder gave other figures under the same
/// line (2026-12-08 compliance probe).
public struct WorkloadInput: Sendable, Equatable {
    /// What the file is to the run ("request-length trace").
    public var role: String
    /// The path as the workload names it: relative to `base` unless absolute, so that a committed
    /// report names no machine's folders.
    public var path: String
    public var base: Base
    /// FNV-1a 64 of the file's bytes, 16 hex digits.
    public var fnv1a64: String
    /// A README.md beside the file, relative to the same base, where one exists: the data
    /// folder's READMEs give each file's upstream source and licence, which the code does not hold.
    public var readme: String?

    public enum Base: String, Sendable {
        case dataFolder = "data folder"
        case workloadFolder = "workload file's folder"
        case absolute
    }

    /// The input read at `full` (the resolved path of `name`), fingerprinted, or nil where it
    /// cannot be read again (the reader has just read it, so this is a race, not an input error).
    static func read(role: String, name: String, full: String, base: Base) -> WorkloadInput? {
        guard let data = FileManager.default.contents(atPath: full) else { return nil }
        let readmeName = (name as NSString).deletingLastPathComponent.isEmpty ? "README.md"
            : (name as NSString).deletingLastPathComponent + "/README.md"
        let readmeFull = ((full as NSString).deletingLastPathComponent as NSString).appendingPathComponent("README.md")
        return WorkloadInput(role: role, path: name, base: name.hasPrefix("/") ? .absolute : base, fnv1a64: ToolVersion.fnv1a64(data),
                             readme: FileManager.default.fileExists(atPath: readmeFull) ? readmeName : nil)
    }
}

/// A trace column a length distribution was drawn from, as the workload names it: the
/// distribution itself keeps only the values, and the report's assumptions name the file.
public struct TraceColumn: Sendable, Equatable {
    public var file: String
    public var column: String

    /// The trace a distribution's JSON names (`{"trace": {"file": F, "column": C}}`), else nil.
    static func named(in v: JSONValue) -> TraceColumn? {
        guard case let .object(outer) = v, outer.count == 1, outer[0].key == "trace", case let .object(inner) = outer[0].value,
              case let .string(file)? = inner.first(where: { $0.key == "file" })?.value,
              case let .string(column)? = inner.first(where: { $0.key == "column" })?.value else { return nil }
        return TraceColumn(file: file, column: column)
    }
}
