import Foundation
import KernelPower

/// Writing results: stdout for results, stderr for errors, files atomically.
enum Output {
    static func error(_ message: String) {
        _ = writeAll(STDERR_FILENO, "error: \(message)\n")
    }

    static func note(_ message: String) {
        _ = writeAll(STDERR_FILENO, "\(message)\n")
    }

    /// Results to standard output. A write that fails (a full disk, `> /dev/full`) ends the run
    /// with an error and exit 1: nothing after it could reach the reader, and exit 0 would pass
    /// a truncated result on as whole (FileHandle.write trapped instead).
    static func write(_ text: String) {
        guard let code = writeAll(STDOUT_FILENO, text) else { return }
        error("could not write to standard output: \(String(cString: strerror(code)))")
        exit(ExitCode.failure.rawValue)
    }

    /// Writes every byte of `text` to `fd`; the errno of a failed write, or nil.
    static func writeAll(_ fd: Int32, _ text: String) -> Int32? {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return errno
            }
            bytes = bytes.dropFirst(n)
        }
        return nil
    }

    /// Writes `text` to `path` through a temporary file in the same folder and a rename, so a
    /// failure never leaves half a file.
    static func writeFile(_ text: String, to path: String) throws {
        try writeFiles([(path, text)])
    }

    /// Writes a set of files all or none: every destination is checked and every temporary
    /// file written before the first is renamed into place, so a failure leaves the old set
    /// whole (a report whose third file could not be written left two new files beside two old
    /// ones that disagreed with them).
    static func writeFiles(_ files: [(path: String, text: String)], streams: [StreamingOutput] = []) throws {
        let staged: [(tmp: URL, path: String)]
        do {
            try refuseDuplicates(files.map(\.path) + streams.map(\.path))
            for f in files { try checkDestination(f.path) }
            staged = try stage(files, streams: streams)
        } catch {
            for s in streams { s.abandon() }
            throw error
        }
        defer { for s in staged { TemporaryFiles.forget(s.tmp.path) } }
        try withFolderLocks(staged.map { URL(fileURLWithPath: $0.path).deletingLastPathComponent().path }) {
            for (i, s) in staged.enumerated() where rename(s.tmp.path, s.path) != 0 {
                // rename(2) replaces a target atomically; one failing after the checks is rare.
                let code = errno
                for rest in staged[i...] { try? FileManager.default.removeItem(at: rest.tmp) }
                throw InputError.unreadable(file: s.path, reason: "could not be renamed into place (errno \(code))")
            }
        }
    }

    /// Writes each file to its temporary name and closes each stream; on a failure removes
    /// every temporary file written so far.
    private static func stage(_ files: [(path: String, text: String)], streams: [StreamingOutput]) throws -> [(tmp: URL, path: String)] {
        var staged: [(tmp: URL, path: String)] = []
        do {
            for f in files {
                let tmp = URL(fileURLWithPath: temporaryPath(for: f.path))
                staged.append((tmp, f.path))
                do { try Data(f.text.utf8).write(to: tmp) } catch {
                    throw InputError.unreadable(file: f.path, reason: "could not be written: \(error.localizedDescription)")
                }
            }
            // A streamed output joins the set once its last piece is on disk.
            for s in streams { if let tmp = try s.close() { staged.append((URL(fileURLWithPath: tmp), s.path)) } }
            return staged
        } catch {
            for s in staged { try? FileManager.default.removeItem(at: s.tmp); TemporaryFiles.forget(s.tmp.path) }
            throw error
        }
    }

    /// Refuses a set that names one file twice: both copies shared one temporary name, so the
    /// second rename failed after the first had replaced files (`report --all` of a workload
    /// named `validation` left half a set). Commands name the sources earlier; this is the net.
    static func refuseDuplicates(_ paths: [String]) throws {
        var seen: [String: String] = [:]
        for path in paths where path != "-" {
            let id = identity(path)
            if let first = seen[id] {
                throw InputError.unreadable(file: path, reason: "is named twice among this run's outputs (also as \(first)); nothing was written")
            }
            seen[id] = path
        }
    }

    /// Runs `body` holding an advisory lock (flock(2)) on each folder, taken in one order so two
    /// runs cannot deadlock: two `report -o DIR` runs renamed their files in turn and left one
    /// run's .md beside the other's .json; now one set replaces the other whole. The lock is on
    /// the folder itself, so no lock file is left in Reports/; a folder that cannot be locked
    /// (a file system without flock) is written unlocked, as before.
    static func withFolderLocks(_ folders: [String], _ body: () throws -> Void) throws {
        let fds = Set(folders.map(identity)).sorted().map { open($0, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }.filter { $0 >= 0 }
        defer { for fd in fds { close(fd) } }
        for fd in fds { while flock(fd, LOCK_EX) != 0, errno == EINTR {} }
        try body()
    }

    /// Refuses a run whose outputs name one of its inputs or each other (`trace LOG --per-request
    /// LOG` replaced the log; `sweep -o X --svg X` kept only the SVG): each pair is (what names
    /// it, the path), and `-` (standard output) is not a file.
    static func refuseOverlaps(outputs: [(String, String)], inputs: [(String, String)] = []) throws {
        var seen: [(String, String)] = inputs.filter { $0.1 != "-" }.map { ($0.0, identity($0.1)) }
        for (what, path) in outputs where path != "-" {
            let id = identity(path)
            if let clash = seen.first(where: { $0.1 == id }) {
                throw UsageError(description: "\(what) \(path) is the same file as \(clash.0); choose another path")
            }
            seen.append((what, id))
        }
    }

    /// Refuses an output inside the data folder a run reads (`--data-dir`, or ../shared/data):
    /// `validate --bands-out` and `calibrate --builtin -o` replaced a measurement file with JSON,
    /// the shared set once through a symbolic link, as root. The whole folder is refused, not
    /// only the files this run reads, since another command reads the others.
    static func refuseInsideData(outputs: [(String, String)], dataDirectory: String?) throws {
        guard let dataDirectory else { return }
        let folder = identity(dataDirectory)
        for (what, path) in outputs where path != "-" {
            let id = identity(path)
            guard id == folder || id.hasPrefix(folder.hasSuffix("/") ? folder : folder + "/") else { continue }
            throw UsageError(description: "\(what) \(path) is inside the data folder \(dataDirectory), whose measurements this run reads; "
                             + "choose a path outside it")
        }
    }

    /// A path with its folder's symbolic links resolved, so that `./a.csv`, `a.csv` and a link
    /// to it compare equal (the file itself need not exist yet).
    static func identity(_ path: String) -> String {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        if FileManager.default.fileExists(atPath: url.path) { return url.resolvingSymlinksInPath().path }
        return url.deletingLastPathComponent().resolvingSymlinksInPath().appendingPathComponent(url.lastPathComponent).path
    }

    /// The temporary file an output is written to beside `path` before it is renamed into place,
    /// remembered for removal if the run is stopped by a signal (`TemporaryFiles`).
    static func temporaryPath(for path: String) -> String {
        let url = URL(fileURLWithPath: path)
        var name = ".\(url.lastPathComponent).tmp-\(getpid())"
        // A name counts bytes against NAME_MAX (255 on Linux and macOS): a legal 250-byte target
        // had no legal temporary name, so a long one is named by a hash of the target's name.
        if name.utf8.count > 255 { name = ".tokenwatt-\(fnv1a(url.lastPathComponent)).tmp-\(getpid())" }
        let tmp = url.deletingLastPathComponent().appendingPathComponent(name).path
        TemporaryFiles.remember(tmp)
        return tmp
    }

    /// The 64-bit FNV-1a hash of `text`'s UTF-8 bytes in hex: stable across runs and platforms,
    /// unlike `Hasher`, which is seeded per process.
    static func fnv1a(_ text: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return String(h, radix: 16)
    }

    /// The checks every output FILE option makes before the run does its work: its folder exists
    /// (`refuseMissingFolder`) and an existing file there is one `isOurs` recognises
    /// (`refuseReplacingForeign`). `trace --per-request`, `--hourly`, `calibrate -o` and
    /// `validate --bands-out/--refits-out` replaced any file and made missing folders, where
    /// `sweep -o`, `--svg` and `power --spec` refused both (2026-12-07 probe).
    static func checkOutputFile(_ path: String, flag: String, kind: String, isOurs: (Data) -> Bool) throws {
        try refuseMissingFolder(path, flag: flag)
        try refuseReplacingForeign(path, flag: flag, kind: kind, isOurs: isOurs)
    }

    /// Refuses an output whose folder does not exist. `-o /nonexistent/dir/x.csv` made the
    /// folders and exited 0, so a mistyped path left a tree of folders and the results where
    /// no one looked; `report -o DIR` and `validate -o DIR` still make their folder, which is
    /// the folder they name.
    static func refuseMissingFolder(_ path: String, flag: String) throws {
        guard path != "-" else { return }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDir) else {
            throw InputError.unreadable(file: folder, reason: "does not exist; \(flag) \(path) writes into an existing folder (create it first)")
        }
        try refuseFileAsFolder(folder, isDirectory: isDir.boolValue, for: path)
    }

    /// Refuses a folder of an output path that is a file, naming the file to be written there.
    static func refuseFileAsFolder(_ folder: String, isDirectory: Bool, for path: String) throws {
        guard isDirectory else {
            throw InputError.unreadable(file: folder, reason: "is a file, not a folder to write \(URL(fileURLWithPath: path).lastPathComponent) into")
        }
    }

    /// Refuses to replace an existing file that `isOurs` does not recognise as an earlier output
    /// of `flag` (`tune --svg` replaced a workload it was pointed at): an output flag beside
    /// input flags may name a file the user meant to keep. A missing file, an empty one (which
    /// holds nothing to lose: `mktemp` makes one) or a folder passes (`checkDestination` says what
    /// is wrong with a folder).
    static func refuseReplacingForeign(_ path: String, flag: String, kind: String, isOurs: (Data) -> Bool) throws {
        // The path's own type, a link not followed: a link to nothing or to a folder is refused
        // with the rest (`refuseIrregular`), not let pass until the run writes, minutes later.
        guard path != "-", let type = (try? FileManager.default.attributesOfItem(atPath: path))?[.type] as? FileAttributeType,
              type != .typeDirectory else { return }
        // Before reading it: a FIFO would block the read.
        try refuseIrregular(path)
        guard let data = FileManager.default.contents(atPath: path), data.isEmpty || isOurs(data) else {
            throw InputError.unreadable(file: path, reason: "exists and is not \(kind) an earlier \(flag) wrote; \(flag) FILE is an output, "
                + "refusing to replace it (remove it or choose another path)")
        }
    }

    /// Whether `data` starts with a CSV header whose first `columns` names are `header`'s.
    static func hasCSVHeader(_ data: Data, _ header: [String], columns: Int) -> Bool {
        let head = String(decoding: data.prefix(1024), as: UTF8.self)
        let line = head.prefix { $0 != "\n" && $0 != "\r" }.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        return line.count >= min(columns, header.count) && line.prefix(columns).elementsEqual(header.prefix(columns))
    }

    /// Whether `data` is a JSON object holding every key of `keys`: how a JSON output is
    /// recognised as one of this tool's (its schema's top-level keys).
    static func isJSONObject(_ data: Data, withKeys keys: Set<String>) -> Bool {
        guard case let .object(pairs)? = try? JSONParser.parse(data, file: "") else { return false }
        return Set(pairs.map(\.key)).isSuperset(of: keys)
    }

    /// Whether `data` is an SVG document as this tool writes them (its first tag is `<svg`).
    static func isSVG(_ data: Data) -> Bool {
        let head = String(decoding: data.prefix(256), as: UTF8.self).drop { $0.isWhitespace }
        return head.hasPrefix("<svg")
    }

    /// Refuses a destination that is a folder or not a regular file, and makes its folder (or
    /// says which part of the path is a file, not a folder).
    static func checkDestination(_ path: String) throws {
        var isDir: ObjCBool = false
        try refuseIrregular(path)
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent()
        if FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDir) {
            try refuseFileAsFolder(dir.path, isDirectory: isDir.boolValue, for: path)
        }
        try makeFolder(dir)
    }

    /// Refuses an existing path that is a folder, a link, a FIFO or a device: an output replaces
    /// only a regular file. A missing path passes.
    static func refuseIrregular(_ path: String) throws {
        // attributesOfItem does not follow a link, so a link (even a dangling one) is named as such.
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return }
        guard attributes[.type] as? FileAttributeType == .typeRegular else {
            throw InputError.unreadable(file: path, reason: "exists and is not a regular file; refusing to replace it")
        }
    }

    /// The folders this run made for its outputs, shallowest first.
    nonisolated(unsafe) static var madeFolders: [String] = []

    /// Makes `dir` and its missing parents one by one, remembering each, so that a failed run
    /// can remove them (a run that failed left the empty folders it had made, 18 deep for a
    /// path too long to finish).
    static func makeFolder(_ dir: URL) throws {
        var missing: [URL] = []
        var d = dir.standardizedFileURL
        while !FileManager.default.fileExists(atPath: d.path), d.path != "/" {
            missing.insert(d, at: 0)
            d = d.deletingLastPathComponent()
        }
        for m in missing {
            do { try FileManager.default.createDirectory(at: m, withIntermediateDirectories: false) } catch {
                throw InputError.unreadable(file: dir.path, reason: "could not be made a folder: \(error.localizedDescription)")
            }
            madeFolders.append(m.path)
        }
    }

    /// Removes the folders this run made that are still empty, deepest first: a failed run
    /// leaves the tree as it found it. rmdir(2) never removes a folder that holds anything.
    static func removeMadeFolders() {
        for dir in madeFolders.reversed() { rmdir(dir) }
        madeFolders = []
    }

    /// A text table with aligned columns (numbers right-aligned).
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        var widths = header.map(\.count)
        for r in rows { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in
                let pad = String(repeating: " ", count: max(0, widths[i] - c.count))
                return Double(c.replacingOccurrences(of: " %", with: "")) != nil ? pad + c : c + pad
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        return ([line(header), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")] + rows.map(line))
            .joined(separator: "\n") + "\n"
    }

    /// A Markdown table.
    static func markdown(_ header: [String], _ rows: [[String]]) -> String {
        var s = "| " + header.joined(separator: " | ") + " |\n|" + header.map { _ in "---" }.joined(separator: "|") + "|\n"
        for r in rows { s += "| " + r.joined(separator: " | ") + " |\n" }
        return s
    }

    /// A CSV cell from a JSON value (null is an empty cell).
    static func csvCell(_ v: JSONValue) -> String {
        switch v {
        case .null: return ""
        case let .bool(b): return b ? "true" : "false"
        case let .number(x): return formatDataNumber(x)
        case let .string(s): return s
        default: return JSONWriter().write(v).trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }
}

/// Writes a large output in pieces to a temporary file beside its target and renames it into
/// place only when `finish` is called: a run that fails leaves no half-written file. `-` streams
/// to standard output instead.
final class StreamingOutput {
    let path: String
    let handle: FileHandle
    let temporary: String?
    var pending = ""

    init(path: String) throws {
        self.path = path
        if path == "-" {
            handle = .standardOutput
            temporary = nil
            return
        }
        // The same checks as every other output: no folder, link, FIFO or device is replaced,
        // and a part of the path that is a file is named as such.
        try Output.checkDestination(path)
        let tmp = Output.temporaryPath(for: path)
        guard FileManager.default.createFile(atPath: tmp, contents: nil), let h = FileHandle(forWritingAtPath: tmp) else {
            TemporaryFiles.forget(tmp)
            throw InputError.unreadable(file: path, reason: "could not be created")
        }
        handle = h
        temporary = tmp
    }

    func write(_ s: String) throws {
        pending += s
        if pending.utf8.count >= 1 << 16 { try flush() }
    }

    func flush() throws {
        defer { pending = "" }
        guard let tmp = temporary else { return Output.write(pending) }
        do { try handle.write(contentsOf: Data(pending.utf8)) } catch {
            throw InputError.unreadable(file: path, reason: "could not be written (\(tmp)): \(error.localizedDescription)")
        }
    }

    /// Flushes and closes the temporary file and returns it (nil for standard output), for
    /// `Output.writeFiles` to rename with the rest of the run's outputs.
    func close() throws -> String? {
        try flush()
        guard let tmp = temporary else { return nil }
        try handle.close()
        return tmp
    }

    /// Renames the output into place (the run's only output).
    func finish() throws {
        try Output.writeFiles([], streams: [self])
    }

    /// Removes the temporary file of an output that will not be finished.
    func abandon() {
        guard let tmp = temporary else { return }
        try? handle.close()
        try? FileManager.default.removeItem(atPath: tmp)
        TemporaryFiles.forget(tmp)
    }
}
