import Foundation
import Testing

/// Source notes must cite something a reader outside this project can check. Until 2026-12-07
/// gpus.json cited 14 notes to "find_string id NNN" (ids of an internal code-search index that
/// nobody outside can resolve) and 5 notes in gpus.json and 8 in nodes.json to shared/research/*.md
/// (notes kept outside the repository); they now cite repositories, paths and commits, URLs or papers.
@Suite struct SourceCitationTests {
    static let resources = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/KernelPower/Resources")

    @Test(arguments: ["gpus.json", "nodes.json"])
    func sourceNotesCiteNothingPrivate(_ file: String) throws {
        let text = try String(contentsOf: Self.resources.appendingPathComponent(file), encoding: .utf8)
        for marker in ["find_string", "GitHub file index", "shared/research/"] {
            let hits = text.components(separatedBy: marker).count - 1
            #expect(hits == 0, "\(file): \(hits) source note(s) cite '\(marker)', which no reader outside this project can resolve")
        }
    }
}
