import Foundation
import KernelPower

/// The tool's version and a fingerprint of the catalogs and tables it carries, so that a figure
/// can be traced to the build that printed it: `tokenwatt --version` and `tokenwatt version`
/// had printed "unknown command", and `fleet --format json` named neither (2026-12-07 probe).
public enum ToolVersion {
    /// The version. Bump the minor number when a change moves a figure any command prints or
    /// adds a key to a JSON output, the patch number for a fix that changes no output; the
    /// catalog fingerprint changes by itself whenever a bundled file does.
    public static let current = "0.34.0"

    /// FNV-1a 64 of the bundled resource files (`Sources/*/Resources/*.json`: catalogs,
    /// calibration, error bands, published tables), as 16 hex digits, or nil when one of the
    /// two resource bundles cannot be found. Each file contributes its name, a 0 byte, its bytes
    /// and a 0 byte, in name order, so the value depends on the files' bytes alone, not on the
    /// platform or the folder the tool is installed in.
    public static let catalogFingerprint: String? = {
        // A file that cannot be read gives no fingerprint, not one of an empty file.
        guard let files = bundledResourceFiles(),
              let read = try? files.map({ (name: $0.lastPathComponent, data: try Data(contentsOf: $0)) }) else { return nil }
        return fingerprint(read)
    }()

    /// The line `tokenwatt version` prints, which reports and receipts quote as their provenance.
    public static var line: String {
        "tokenwatt \(current) (bundled catalogs fnv1a64:\(catalogFingerprint ?? "unavailable: resource bundles not found"))"
    }

    /// `tool` (the version) and `catalogs` (the fingerprint, null without the bundles): the keys
    /// a JSON output starts with to say what printed it, as fleet's and trace's do. Reports and
    /// `estimate --format json` had carried neither, so a figure in them could not be traced to
    /// a build, which `help version` asks of every figure (2026-12-07 probe).
    public static var jsonFields: [(String, JSONValue)] {
        [("tool", .str(current)), ("catalogs", catalogFingerprint.map(JSONValue.str) ?? .null)]
    }

    /// FNV-1a 64 (offset basis 0xcbf29ce484222325, prime 0x100000001b3) of `files` taken in
    /// name order, each as its name, a 0 byte, its bytes and a 0 byte.
    public static func fingerprint(_ files: [(name: String, data: Data)]) -> String {
        var hash = FNV1a64()
        for f in files.sorted(by: { $0.name < $1.name }) {
            hash.add(Array(f.name.utf8)); hash.add([0]); hash.add(f.data); hash.add([0])
        }
        return hash.hex
    }

    /// FNV-1a 64 of `data`'s bytes alone, as 16 hex digits: what an `fnv1a64` tool prints for a
    /// file, so that a report's inputs (its workload file, the traces it read) can be checked by
    /// anyone holding them.
    public static func fnv1a64(_ data: Data) -> String {
        var hash = FNV1a64()
        hash.add(data)
        return hash.hex
    }

    /// The FNV-1a 64 state, shared by the catalogs' fingerprint and a single file's.
    struct FNV1a64 {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        mutating func add<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
            for b in bytes { value = (value ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        }
        var hex: String {
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }
    }

    /// The JSON files of this library's resource bundle and of KernelPower's, each bundle's
    /// location asked of it (`KernelPowerResources`).
    static func bundledResourceFiles() -> [URL]? {
        var files: [URL] = []
        for dir in [Bundle.module.bundleURL, KernelPowerResources.bundleURL] {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return nil }
            let json = names.filter { $0.hasSuffix(".json") }
            // An Apple bundle keeps its resources under Contents/Resources.
            if json.isEmpty, FileManager.default.fileExists(atPath: dir.appendingPathComponent("Contents/Resources").path) {
                let inner = dir.appendingPathComponent("Contents/Resources")
                guard let more = try? FileManager.default.contentsOfDirectory(atPath: inner.path) else { return nil }
                files += more.filter { $0.hasSuffix(".json") }.map { inner.appendingPathComponent($0) }
            } else {
                files += json.map { dir.appendingPathComponent($0) }
            }
        }
        return files.isEmpty ? nil : files
    }
}
