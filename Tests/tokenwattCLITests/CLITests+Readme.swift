import Foundation
import Testing

/// One `$ swift run -c release tokenwatt …` block of the README: the command and the lines shown.
struct ReadmeBlock: CustomStringConvertible, Sendable {
    let line: Int
    let command: String
    let shown: [String]
    var description: String { "README.md:\(line) \(command.prefix(60))" }

    static let prompt = "$ swift run -c release tokenwatt "

    /// Every command block of the README, its continuation lines joined.
    static func parse(_ readme: String) -> [ReadmeBlock] {
        let lines = readme.components(separatedBy: "\n")
        var blocks: [ReadmeBlock] = [], i = 0
        while i < lines.count {
            guard lines[i].hasPrefix(prompt) else { i += 1; continue }
            let start = i
            var command = String(lines[i].dropFirst(prompt.count))
            while command.hasSuffix("\\"), i + 1 < lines.count {
                i += 1
                command = command.dropLast() + " " + lines[i].trimmingCharacters(in: .whitespaces)
            }
            var shown: [String] = []
            i += 1
            while i < lines.count, lines[i] != "```", !lines[i].hasPrefix("$ ") { shown.append(lines[i]); i += 1 }
            blocks.append(ReadmeBlock(line: start + 1, command: command, shown: shown))
        }
        return blocks
    }

    /// `cut -d, -f LIST` over CSV lines: the fields LIST names (single numbers and ranges, 1-based).
    static func cut(_ lines: [String], fields spec: String) -> [String] {
        let wanted = spec.split(separator: ",").flatMap { part -> [Int] in
            let ends = part.split(separator: "-").compactMap { Int($0) }
            return ends.count == 2 ? Array(ends[0]...ends[1]) : ends
        }
        return lines.map { line in
            let cells = line.components(separatedBy: ",")
            return wanted.filter { $0 <= cells.count }.map { cells[$0 - 1] }.joined(separator: ",")
        }
    }
}

/// The README shows what each command prints: every line of a block (but an elision, "…" or
/// "...") is a line of the command's output today. The chat service's lever lines had gone stale
/// because the check that compared them skipped every line with "…" in it, which each range has.
extension CLITests {
    static let readmeBlocks: [ReadmeBlock] = {
        let text = (try? String(contentsOf: packageRoot.appendingPathComponent("README.md"), encoding: .utf8)) ?? ""
        return ReadmeBlock.parse(text)
    }()

    @Test func theReadmeHasItsCommandBlocks() {
        #expect(Self.readmeBlocks.count >= 6 && Self.readmeBlocks.contains { $0.command.hasPrefix("fleet Workloads/chat-service.json") })
    }

    @Test(.enabled(if: hasSharedData), arguments: readmeBlocks)
    func theReadmeShowsWhatEachCommandPrints(_ block: ReadmeBlock) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tokenwatt-readme-\(getpid())-\(block.line)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // A file the command writes goes to a scratch folder, not the README's /tmp path.
        let parts = block.command.components(separatedBy: " | cut -d, -f")
        let args = parts[0].split(separator: " ").map { $0 == "/tmp/spec.json" ? dir.appendingPathComponent("spec.json").path : String($0) }
        let r = try Self.run(args)
        #expect(r.status == 0, "\(block): \(r.stderr)")
        var printed = (r.stdout + r.stderr).components(separatedBy: "\n")
        if parts.count == 2 { printed = ReadmeBlock.cut(printed, fields: parts[1].trimmingCharacters(in: .whitespaces)) }
        let stale = block.shown.filter { line in
            !["", "…", "..."].contains(line.trimmingCharacters(in: .whitespaces)) && !printed.contains(line)
        }
        #expect(stale.isEmpty, "\(block): lines the command no longer prints:\n\(stale.prefix(5).joined(separator: "\n"))")
    }
}
