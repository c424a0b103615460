import Foundation
import Testing
@testable import TokenWatt

/// The version line's catalog fingerprint covers exactly the JSON files the package bundles.
@Suite struct ToolVersionTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func fingerprintIsThatOfTheBundledSourceFiles() throws {
        var files: [(name: String, data: Data)] = []
        for target in ["KernelPower", "TokenWatt"] {
            let dir = Self.root.appendingPathComponent("Sources/\(target)/Resources")
            for name in try FileManager.default.contentsOfDirectory(atPath: dir.path) where name.hasSuffix(".json") {
                files.append((name, try Data(contentsOf: dir.appendingPathComponent(name))))
            }
        }
        #expect(files.count >= 14)
        #expect(ToolVersion.catalogFingerprint == ToolVersion.fingerprint(files))
        // One changed byte changes it.
        var changed = files
        changed[0].data.append(0x20)
        #expect(ToolVersion.fingerprint(changed) != ToolVersion.fingerprint(files))
    }

    /// FNV-1a 64 of the empty input is its offset basis; of one empty-named empty file, two zero bytes.
    @Test func fingerprintIsFNV1a64() {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for _ in 0..<2 { h = (h ^ 0) &* 0x0000_0100_0000_01b3 }
        #expect(ToolVersion.fingerprint([]) == "cbf29ce484222325")
        #expect(ToolVersion.fingerprint([("", Data())]) == String(h, radix: 16).leftPadded(16))
        #expect(ToolVersion.current.split(separator: ".").count == 3)
    }
}

private extension String {
    func leftPadded(_ n: Int) -> String { String(repeating: "0", count: max(0, n - count)) + self }
}
